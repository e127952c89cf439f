"""Reading a registry FeatureCollection into records, collecting every problem found.

Each feature's ``properties`` carry ``code``, ``level``, ``name``, ``parent``,
``households`` and ``population``; micro-grids may add ``address``; grids may add
``workers`` (``role``, ``name``, ``phone``, optional ``microGrid``) and
``partyBranch`` (``code``, ``name``, ``secretary`` {``name``, ``phone``}, ``members``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from shapely.geometry.base import BaseGeometry

from hub.core.codes import InvalidCodeError, RegionLevel, WorkerRole, level_of, parent_of
from hub.core.geo import InvalidGeometryError, area_sqm, polygon_from_geojson
from hub.core.personal import Personal
from hub.registry import model
from hub.registry.problems import Report

PHONE_PATTERN = r"^\+?[0-9][0-9 -]{4,18}$"


class _Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(pattern=PHONE_PATTERN)


class _Worker(_Contact):
    role: WorkerRole
    microGrid: str | None = None  # noqa: N815 - the file's own property name


class _Branch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=24)
    name: str = Field(min_length=1, max_length=100)
    secretary: _Contact
    members: int = Field(ge=0)


class _Properties(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str
    level: RegionLevel
    name: str = Field(min_length=1, max_length=100)
    parent: str | None = None
    households: int = Field(default=0, ge=0)
    population: int = Field(default=0, ge=0)
    address: str | None = Field(default=None, max_length=200)
    workers: list[_Worker] = Field(default_factory=list)
    partyBranch: _Branch | None = None  # noqa: N815 - the file's own property name


@dataclass(frozen=True, slots=True)
class ParsedRegion:
    record: model.Region
    polygon: BaseGeometry
    feature: int


@dataclass(slots=True)
class Batch:
    """Everything a file holds, keyed for the checks that follow."""

    regions: dict[str, ParsedRegion] = field(default_factory=dict)
    workers: list[model.GridWorker] = field(default_factory=list)
    branches: dict[str, model.PartyBranch] = field(default_factory=dict)


def parse_feature_collection(document: Any, report: Report) -> Batch:
    batch = Batch()
    features = features_of(document, report)
    for index, feature in enumerate(features):
        _parse_feature(index, feature, batch, report)
    return batch


def features_of(document: Any, report: Report) -> list[Any]:
    """The features of a GeoJSON FeatureCollection; none, and an error, for anything else."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        report.error("the file must be a GeoJSON FeatureCollection")
        return []
    features = document.get("features")
    if not isinstance(features, list) or not features:
        report.error("the FeatureCollection has no features")
        return []
    return features


def _parse_feature(index: int, feature: Any, batch: Batch, report: Report) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        report.error("not a GeoJSON Feature", feature=index)
        return
    properties = _properties(index, feature.get("properties"), report)
    polygon = _polygon(index, feature.get("geometry"), properties, report)
    if properties is None or polygon is None:
        return
    if properties.code in batch.regions:
        report.error("code appears twice in the file", properties.code, index)
        return
    batch.regions[properties.code] = ParsedRegion(_region(properties, polygon), polygon, index)
    batch.workers.extend(_workers(index, properties, report))
    _collect_branch(index, properties, batch, report)


def _properties(index: int, raw: Any, report: Report) -> _Properties | None:
    try:
        properties = _Properties.model_validate(raw)
    except ValidationError as error:
        for detail in error.errors():
            where = ".".join(str(part) for part in detail["loc"])
            report.error(f"properties.{where}: {detail['msg']}", feature=index)
        return None
    return properties if _consistent_code(index, properties, report) else None


def _consistent_code(index: int, properties: _Properties, report: Report) -> bool:
    code = properties.code
    try:
        level = level_of(code)
    except InvalidCodeError as error:
        report.error(str(error), feature=index)
        return False
    if level is not properties.level:
        report.error(
            f"a {len(code)}-digit code is a {level}, not a {properties.level}", code, index
        )
        return False
    if properties.parent != parent_of(code):
        report.error(
            f"parent must be {parent_of(code)!r}, the code's own prefix, not {properties.parent!r}",
            code,
            index,
        )
        return False
    return True


def _polygon(
    index: int, geometry: Any, properties: _Properties | None, report: Report
) -> BaseGeometry | None:
    code = properties.code if properties else None
    if not isinstance(geometry, dict):
        report.error("feature has no geometry", code, index)
        return None
    try:
        return polygon_from_geojson(geometry)
    except InvalidGeometryError as error:
        report.error(str(error), code, index)
        return None


def _region(properties: _Properties, polygon: BaseGeometry) -> model.Region:
    centroid = polygon.centroid
    if not polygon.contains(centroid):  # a crescent's centroid lies outside it
        centroid = polygon.representative_point()
    return model.Region(
        code=properties.code,
        level=properties.level,
        name=properties.name,
        parent_code=properties.parent,
        households=properties.households,
        population=properties.population,
        area_sqm=round(area_sqm(polygon), 1),
        centroid_lat=round(centroid.y, 7),
        centroid_lon=round(centroid.x, 7),
        address=properties.address,
    )


def _workers(index: int, properties: _Properties, report: Report) -> list[model.GridWorker]:
    if properties.workers and properties.level is not RegionLevel.GRID:
        report.error("only grids have grid workers", properties.code, index)
        return []
    workers = []
    for worker in properties.workers:
        if worker.microGrid and parent_of_safe(worker.microGrid) != properties.code:
            report.error(
                f"worker's micro-grid {worker.microGrid} is not in this grid",
                properties.code,
                index,
            )
            continue
        workers.append(
            model.GridWorker(
                grid_code=properties.code,
                role=worker.role,
                name=Personal(worker.name),
                phone=Personal(worker.phone),
                micro_grid_code=worker.microGrid,
            )
        )
    return workers


def parent_of_safe(code: str) -> str | None:
    try:
        return parent_of(code)
    except InvalidCodeError:
        return None


def _collect_branch(index: int, properties: _Properties, batch: Batch, report: Report) -> None:
    branch = properties.partyBranch
    if branch is None:
        return
    if properties.level is not RegionLevel.GRID:
        report.error("only grids have a party branch", properties.code, index)
        return
    community = properties.code[: RegionLevel.COMMUNITY.code_length]
    known = batch.branches.get(branch.code)
    record = model.PartyBranch(
        code=branch.code,
        name=branch.name,
        community_code=community,
        secretary_name=Personal(branch.secretary.name),
        secretary_phone=Personal(branch.secretary.phone),
        member_count=branch.members,
        grid_codes=(*(known.grid_codes if known else ()), properties.code),
    )
    if known and _branch_details(known) != _branch_details(record):
        report.error(
            f"party branch {branch.code} is described differently by its grids",
            properties.code,
            index,
        )
        return
    batch.branches[branch.code] = record


def _branch_details(branch: model.PartyBranch) -> tuple[object, ...]:
    return (
        branch.name,
        branch.community_code,
        branch.secretary_name,
        branch.secretary_phone,
        branch.member_count,
    )
