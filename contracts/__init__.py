"""The hub's contracts, shipped as package data: the published graph, the event schemas,
the taxonomy and routing rules, the working calendar, the security roles, the
simulators' admin API and the format of recorded upstream examples (each department
system's own OpenAPI document ships in its connector's package).

Installed or in a checkout alike, find a file with :func:`contract`::

    from contracts import contract

    text = contract("taxonomy", "categories.yaml").read_text(encoding="utf-8")
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable


def contract(*parts: str) -> Traversable:
    """The contract file or folder at ``parts`` below this package, e.g.
    ``contract("taxonomy", "routing.yaml")``; no parts: the package itself."""
    return files(__name__).joinpath(*parts)
