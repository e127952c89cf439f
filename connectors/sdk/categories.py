"""A department's categories against the hub's taxonomy, kept as data beside its connector.

``categories.yaml`` has two maps, because neither direction is the other's inverse:

    outbound:   # the hub's taxonomy code → this system's category, for work orders
      city.litter: "0101"
    inbound:    # this system's category → the hub's taxonomy code, for its change feed
      "0101": city.litter

A work order in a category with no outbound entry is refused (退单) rather than filed
under a wrong heading; the bus then reassigns it. A department record whose category
has no inbound entry is the department's own business and raises no hub event.
"""

from __future__ import annotations

from pathlib import Path

import yaml


class CategoryMap:
    def __init__(self, outbound: dict[str, str], inbound: dict[str, str]) -> None:
        self.outbound = dict(outbound)
        self.inbound = dict(inbound)

    @classmethod
    def load(cls, path: Path) -> CategoryMap:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        maps = {}
        for direction in ("outbound", "inbound"):
            found = entries.get(direction) or {}
            if not isinstance(found, dict):
                raise ValueError(f"{path.name}: {direction} must map codes to codes")
            maps[direction] = {str(k): str(v) for k, v in found.items()}
        return cls(maps["outbound"], maps["inbound"])

    def upstream(self, taxonomy_code: str) -> str | None:
        """This system's category for a hub category; None when it has none."""
        return self.outbound.get(taxonomy_code)
