"""Where the project's data files live.

The contracts are the ``contracts`` package's data, found through
:mod:`importlib.resources`, so an installed hub reads the same files a checkout holds.
The constants are real paths: settings name files an operator may replace with their
own, and the routing rules are watched for changes. An installed package is a folder on
disk (pip unpacks wheels); were it not, the files are copied out for the process's life.

Commands that regenerate contracts write to :func:`contracts_to_write`, never into an
installed package.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib.resources import as_file
from pathlib import Path

from contracts import contract

_extracted = ExitStack()
atexit.register(_extracted.close)

CONTRACTS_DIR: Path = _extracted.enter_context(as_file(contract()))
PUBLISHED_SDL = CONTRACTS_DIR / "graph" / "schema.graphql"
DEPARTMENTS_FILE = CONTRACTS_DIR / "taxonomy" / "departments.yaml"
SCOPES_FILE = CONTRACTS_DIR / "security" / "scopes.yaml"
ROLES_FILE = CONTRACTS_DIR / "security" / "roles.yaml"
TAXONOMY_FILE = CONTRACTS_DIR / "taxonomy" / "categories.yaml"
ROUTING_RULES_FILE = CONTRACTS_DIR / "taxonomy" / "routing.yaml"
SEVERITY_FILE = CONTRACTS_DIR / "taxonomy" / "severity.yaml"
CALENDAR_FILE = CONTRACTS_DIR / "calendar" / "working-calendar.yaml"
PATROL_ROUTINES_FILE = CONTRACTS_DIR / "patrols" / "routines.yaml"
POINTS_RULES_FILE = CONTRACTS_DIR / "assessment" / "points.yaml"
EVENT_SCHEMAS_DIR = CONTRACTS_DIR / "events"
ASYNCAPI_FILE = CONTRACTS_DIR / "asyncapi.yaml"

# The checkout the packages were imported from; for tests and benchmarks, which run from
# one. Installed, it is the site-packages folder and names nothing of the project's.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def contracts_to_write(contracts: Path = CONTRACTS_DIR, cwd: Path | None = None) -> Path:
    """Where ``hub schema print --publish`` and the other contract writers write.

    In a checkout (an editable install), its ``contracts/`` folder, whatever the working
    directory: the files are the ones under review. Installed, ``contracts/`` under the
    working directory, as a copy to compare or publish; never the installed package.
    """
    if (contracts.parent / "pyproject.toml").is_file():
        return contracts
    return (cwd or Path.cwd()) / "contracts"
