"""Topology checks of an import against itself and against what is stored.

Siblings must not overlap, children must lie inside their parent, and every parent
should be covered by its children; a gap is a warning with its share of the parent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from hub.core.codes import parent_of
from hub.core.geo import area_sqm, rounding_noise_sqm, union
from hub.registry.parse import Batch
from hub.registry.problems import Report

GAP_SHARE_TOLERANCE = 1e-4  # gaps under a hundredth of a percent are rounding


def check_topology(batch: Batch, stored: Mapping[str, BaseGeometry], report: Report) -> None:
    """``stored`` holds the stored geometry of every parent and sibling the batch touches."""
    shapes = {**stored, **{code: parsed.polygon for code, parsed in batch.regions.items()}}
    _check_parents_known(batch, shapes, report)
    for parent, children in _families(batch, shapes).items():
        if parent in shapes:
            _check_family(parent, shapes[parent], {c: shapes[c] for c in children}, report)


def _check_parents_known(batch: Batch, shapes: Mapping[str, BaseGeometry], report: Report) -> None:
    for code, parsed in batch.regions.items():
        parent = parsed.record.parent_code
        if parent is not None and parent not in shapes:
            report.error(
                f"unknown parent {parent}: it is neither in the file nor stored",
                code,
                parsed.feature,
            )


def _families(batch: Batch, shapes: Mapping[str, BaseGeometry]) -> dict[str, list[str]]:
    """Every parent whose own shape or set of children the batch touches."""
    touched = {p.record.parent_code for p in batch.regions.values()} | set(batch.regions)
    families: dict[str, list[str]] = defaultdict(list)
    for code in sorted(shapes):
        parent = parent_of(code)
        if parent is not None and parent in touched:
            families[parent].append(code)
    return families


def _check_family(
    parent: str, outline: BaseGeometry, children: dict[str, BaseGeometry], report: Report
) -> None:
    latitude = outline.centroid.y
    for code, shape in children.items():
        outside = area_sqm(shape.difference(outline), latitude)
        if outside > rounding_noise_sqm(shape):
            report.error(f"extends {outside:.0f} m² outside its parent {parent}", code)
    _check_overlaps(children, latitude, report)
    _check_coverage(parent, outline, list(children.values()), latitude, report)


def _check_overlaps(children: dict[str, BaseGeometry], latitude: float, report: Report) -> None:
    codes = list(children)
    shapes = list(children.values())
    tree = STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j:
            overlap = area_sqm(shapes[i].intersection(shapes[j]), latitude)
            smaller = min(shapes[i], shapes[j], key=lambda s: s.area)
            if overlap > rounding_noise_sqm(smaller):
                report.error(f"overlaps its sibling {codes[j]} by {overlap:.0f} m²", codes[i])


def _check_coverage(
    parent: str, outline: BaseGeometry, shapes: list[BaseGeometry], latitude: float, report: Report
) -> None:
    gap = area_sqm(outline.difference(union(shapes)), latitude)
    share = gap / area_sqm(outline, latitude)
    if share > GAP_SHARE_TOLERANCE:
        report.warn(f"children leave {share:.2%} of the area ({gap:.0f} m²) uncovered", parent)
