"""The connectors a test holds to: the hub's own, whatever else is installed beside them.

A third-party connector installed in the same environment joins discovery, and with it
the graph. Tests about the hub as shipped (the published SDL, the exact list discovery
finds) hold to the built-in connectors; tests about "every connector" take whatever
discovery finds.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points

from connectors.sdk import ENTRY_POINT_GROUP
from connectors.sdk.registry import AUTOLOAD_VARIABLE, BLOCKED_VARIABLE, is_built_in

# The published contract is printed with third-party connectors switched off.
PUBLISH = f"{AUTOLOAD_VARIABLE}=false hub schema print --publish"


def built_in_entry_points() -> list[EntryPoint]:
    """The ``hub.connectors`` entry points of the hub's own distribution."""
    return [entry for entry in entry_points(group=ENTRY_POINT_GROUP) if is_built_in(entry)]


def built_in_sdl() -> str:
    """The SDL of a hub with its built-in connectors only, whatever is installed here.

    Discovery shapes the schema once per process, so it is printed in a fresh one with
    third-party discovery off, as ``PUBLISH`` does."""
    environment = {
        **{k: v for k, v in os.environ.items() if k != BLOCKED_VARIABLE},
        AUTOLOAD_VARIABLE: "false",
        "PYTHONIOENCODING": "utf-8",
    }
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from schema import print_sdl; sys.stdout.write(print_sdl())",
        ],
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=True,
    )
    return printed.stdout
