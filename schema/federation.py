"""Federation's ``_service`` field, answering with the SDL the hub publishes.

Strawberry would print the schema on every call, as it is declared; the hub answers
with the published SDL instead (``schema.sdl``: composable, and without authorization
directives when a gateway cannot honour them), printed once per process.
"""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.hub_schema import HubSchema


@strawberry.type(name="_Service")
class Service:
    sdl: str


@strawberry.type
class FederationQuery:
    @strawberry.field(name="_service")
    def service(self, info: Info) -> Service:
        schema = info.schema
        assert isinstance(schema, HubSchema)
        return Service(sdl=schema.published_sdl)
