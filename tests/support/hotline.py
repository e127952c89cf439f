"""A 12345 hotline platform that speaks GraphQL itself: a federation subgraph of its own,
joined beside the hub behind a gateway (docs/federation.md, "Running a gateway").

It knows grids only by their code. It extends the hub's ``Grid`` entity with the
tickets it holds (``Grid.hotlineTickets``), a ticket points back at its grid, and its
root field ``hotlineHotspots`` names the grids with the most calls as references the
gateway resolves at the hub. What a caller may see of a grid is the hub's to decide,
so a hotspot is null where the hub says the grid is not the caller's to see.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import strawberry
from strawberry.asgi import GraphQL

from tests.support.principals import GRID_A, GRID_B

GRID_A_NEIGHBOUR = "330199001001002"  # GRID_A's community, not worker A's grid


@dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    grid_code: str
    title: str


TICKETS = (
    Ticket("HL-0001", GRID_A, "楼道灯不亮"),
    Ticket("HL-0002", GRID_A, "电动车楼道充电"),
    Ticket("HL-0003", GRID_A, "噪音扰民"),
    Ticket("HL-0004", GRID_B, "垃圾清运不及时"),
    Ticket("HL-0005", GRID_B, "路面积水"),
    Ticket("HL-0006", GRID_A_NEIGHBOUR, "井盖松动"),
)
HOTSPOTS = tuple(code for code, _ in Counter(t.grid_code for t in TICKETS).most_common())


@strawberry.type(description="A 12345 call the hotline platform logged.")
class HotlineTicket:
    id: strawberry.ID
    title: str
    grid_code: strawberry.Private[str]

    @strawberry.field  # null where the caller may not see the grid
    def grid(self) -> Grid | None:
        return Grid(code=self.grid_code)


@strawberry.federation.type(keys=["code"], description="The hub's grid, by its code.")
class Grid:
    code: str

    @strawberry.field
    def hotline_tickets(self) -> list[HotlineTicket]:
        return [
            HotlineTicket(id=strawberry.ID(t.id), title=t.title, grid_code=t.grid_code)
            for t in TICKETS
            if t.grid_code == self.code
        ]

    @classmethod
    def resolve_reference(cls, code: str) -> Grid:
        return cls(code=code)


@strawberry.type
class Query:
    @strawberry.field  # most calls first; null where the caller may not see the grid
    def hotline_hotspots(self) -> list[Grid | None]:
        return [Grid(code=code) for code in HOTSPOTS]


schema = strawberry.federation.Schema(query=Query, federation_version="2.3")


def sdl() -> str:
    """The subgraph's SDL, as the gateway's composition reads it."""
    return schema.as_str()


def hotline_app() -> GraphQL[None, None]:
    return GraphQL(schema, graphql_ide=None)
