"""The spatial crosswalk (多网合一): department grids laid over the unified grids.

A department's own grids (警格, 单元网格, service areas) do not line up with the unified
grids. Importing a department's scheme overlays its polygons on the registry's grids
and stores, for each pair that overlaps, the area and its share of both. Connectors
then ask their system in its own codes for a set of unified grids
(``department_codes``), and place records that have no location by their department
grid (``best_grid``, marked approximate).
"""

from hub.crosswalk.entries import (
    ApproximatePlacement,
    CrosswalkEntry,
    DepartmentGrid,
    DepartmentGridShape,
)
from hub.crosswalk.importer import SchemeImportResult, import_scheme
from hub.crosswalk.index import CrosswalkIndex
from hub.crosswalk.overlay import Overlay, overlay
from hub.crosswalk.parse import parse_scheme
from hub.crosswalk.service import Crosswalk

__all__ = [
    "ApproximatePlacement",
    "Crosswalk",
    "CrosswalkEntry",
    "CrosswalkIndex",
    "DepartmentGrid",
    "DepartmentGridShape",
    "Overlay",
    "SchemeImportResult",
    "import_scheme",
    "overlay",
    "parse_scheme",
]
