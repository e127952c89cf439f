"""Where the project's data files live.

The hub runs from a checkout: ``contracts/`` is data beside the packages, not inside
them, so that departments and integrators read the same files the code is held to.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
PUBLISHED_SDL = CONTRACTS_DIR / "graph" / "schema.graphql"
DEPARTMENTS_FILE = CONTRACTS_DIR / "taxonomy" / "departments.yaml"
SCOPES_FILE = CONTRACTS_DIR / "security" / "scopes.yaml"
ROLES_FILE = CONTRACTS_DIR / "security" / "roles.yaml"
TAXONOMY_FILE = CONTRACTS_DIR / "taxonomy" / "categories.yaml"
ROUTING_RULES_FILE = CONTRACTS_DIR / "taxonomy" / "routing.yaml"
CALENDAR_FILE = CONTRACTS_DIR / "calendar" / "working-calendar.yaml"
EVENT_SCHEMAS_DIR = CONTRACTS_DIR / "events"
ASYNCAPI_FILE = CONTRACTS_DIR / "asyncapi.yaml"
