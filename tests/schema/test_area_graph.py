"""A connector asked by bounding box serves a query's grids with one upstream call.

The graph here is small (a ``Grid`` with one connector's fields), built the way the
hub's schema composes connectors, over the registry's real spatial index.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import strawberry

from connectors.sdk import (
    TIMESTAMP,
    ApiKeyAuth,
    BoundingBox,
    Call,
    Connector,
    Connectors,
    ConnectorsSettings,
    CursorPaginator,
    Mapping,
    Stream,
    UpstreamSession,
    field,
)
from connectors.sdk.graph import DepartmentRecord
from hub.core.codes import RegionLevel
from hub.registry.spatial import SpatialIndex
from schema.connectors import grid_mixins

FAKE_CONTRACT = Path(__file__).parents[1] / "connectors" / "sdk" / "fake.openapi.yaml"
WEST, EAST, FAR = "110101001001001", "110101001001002", "110101001002001"


def square(lon: float, lat: float, side: float = 0.01) -> str:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


INDEX = SpatialIndex(
    [(WEST, square(116.40, 39.90)), (EAST, square(116.41, 39.90)), (FAR, square(116.50, 40.00))],
    revision=1,
)


@strawberry.type(description="A hazard site (test).")
class HazardSite(DepartmentRecord):
    note: str | None


class HazardSites(Stream):
    name = "sites"
    graph_name = "hazard_sites"
    operation = "listItems"
    records_path = "items"
    paginator = CursorPaginator("next", param="after")
    area = BoundingBox("bbox")
    location = ("lat", "lon")
    has_lifecycle = False
    mapping = Mapping(
        HazardSite,
        {
            "id": "id",
            "occurred_at": field("at", TIMESTAMP),
            "category": "kind",
            "status": "state",
            "note": field("note", optional=True),
        },
    )


class HazardConnector(Connector):
    name = department = "hazard"
    title = "A bounding-box system"
    contract_file = FAKE_CONTRACT
    streams = (HazardSites,)

    def authenticate(self) -> httpx.Auth:
        return ApiKeyAuth(self.secret("api_key"), header="X-Api-Key")


class NoCrosswalk:
    """The system has no grids of its own: nothing to cross."""

    def department_codes(self, grid_codes: Iterable[str]) -> list[str]:
        return []

    def main_grid(self, department_code: str) -> str | None:
        return None


class NoRegions:
    revision = 1

    def of_level(self, level: RegionLevel) -> list[Any]:
        return []

    def region(self, code: str) -> None:
        return None


def site(number: int, lon: float, lat: float) -> dict[str, Any]:
    at = "2026-09-01T08:00:00+08:00"
    return {"id": f"h{number}", "at": at, "area": "-", "kind": "fire", "state": "OPEN",
            "lat": lat, "lon": lon}  # fmt: skip


SITES = [site(1, 116.405, 39.905), site(2, 116.415, 39.905), site(3, 116.505, 40.005)]


@strawberry.type
class Grid(*grid_mixins([HazardConnector])):  # type: ignore[misc]
    code: str


@strawberry.type
class Query:
    @strawberry.field
    def grid(self, code: str) -> Grid:
        return Grid(code=code)


SCHEMA = strawberry.Schema(query=Query)


@dataclass
class Context:
    services: Any
    upstream: UpstreamSession


@pytest.fixture
async def asked() -> AsyncIterator[tuple[list[httpx.Request], Connectors]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": SITES, "next": None})

    settings = ConnectorsSettings.model_validate(
        {"hazard": {"base_url": "http://hazard.test", "credentials": {"api_key": "k"}}}
    )
    connectors = Connectors.create(
        settings, classes=[HazardConnector], transport=httpx.MockTransport(handler)
    )
    connectors["hazard"].scheme = NoCrosswalk()
    yield seen, connectors
    await connectors.aclose()


async def query(connectors: Connectors, text: str) -> dict[str, Any]:
    session = UpstreamSession(connectors, lambda: INDEX, Call.within(5.0), NoRegions())
    limits = SimpleNamespace(settings=SimpleNamespace(graphql=SimpleNamespace(max_page_size=50)))
    result = await SCHEMA.execute(text, context_value=Context(limits, session))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


SITES_OF = "hazardSites { edges { node { id gridCode approximate } } }"


async def test_the_grids_of_a_query_share_one_bounding_box_call(
    asked: tuple[list[httpx.Request], Connectors],
) -> None:
    seen, connectors = asked
    west, east = (f'{name}: grid(code: "{code}") {{ {SITES_OF} }}' for name, code in
                  (("west", WEST), ("east", EAST)))  # fmt: skip
    data = await query(connectors, f"{{ {west} {east} }}")
    assert [e["node"] for e in data["west"]["hazardSites"]["edges"]] == [
        {"id": "h1", "gridCode": WEST, "approximate": False}
    ]
    assert [e["node"]["id"] for e in data["east"]["hazardSites"]["edges"]] == ["h2"]
    assert len(seen) == 1  # one call for both grids; the far site was answered and left out
    assert seen[0].url.params["bbox"] == "116.400000,39.900000,116.420000,39.910000"
    assert seen[0].headers["X-Api-Key"] == "k"


async def test_a_grid_with_no_shape_is_answered_empty_without_a_call(
    asked: tuple[list[httpx.Request], Connectors],
) -> None:
    seen, connectors = asked
    data = await query(connectors, f'{{ grid(code: "120101001001001") {{ {SITES_OF} }} }}')
    assert data["grid"]["hazardSites"]["edges"] == []
    assert seen == []
