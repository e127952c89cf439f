"""What every resolver can reach through ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

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


Info: TypeAlias = strawberry.Info[HubContext, None]
