"""Grid hub: one GraphQL graph and one event bus over many grid-governance systems."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client whenever click, rich and pygments are installed,
# as typer installs them: about 100 modules and 3 MiB in every hub process, which never
# runs it. With None in its place the import fails, and httpx defines a stub instead
# (None in ``sys.modules`` is how the import system marks a module not to be imported).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
