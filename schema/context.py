"""What every resolver can reach through ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from connectors.sdk import UpstreamSession, scope_of
from hub.services import Services
from schema.loaders import Loaders


@dataclass
class HubContext:
    services: Services
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services.database)

    @cached_property
    def upstream(self) -> UpstreamSession:
        """Department systems as this request sees them: its time budget starts on first use."""
        credential = self.request.headers.get("authorization") if self.request else None
        call = self.services.connectors.call(scope_of(credential))
        return UpstreamSession(self.services.connectors, lambda: self.services.registry.index, call)


Info: TypeAlias = strawberry.Info[HubContext, None]
