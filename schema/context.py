"""What every resolver can reach through ``info.context``.

``principal`` is who is asking (None only for dev-mode anonymous introspection);
connectors configured to forward the caller's identity read it here, through
``hub.security.principal.forwarded_identity``. The credential itself stays here and
never goes upstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from connectors.sdk import UpstreamSession, scope_of
from hub.core.errors import RateLimitedError
from hub.security.principal import Principal
from schema.loaders import Loaders

if TYPE_CHECKING:  # the services build the schema's security, so they import the graph
    from hub.services import Services


@dataclass
class HubContext:
    services: Services
    request: Request | WebSocket | None = None
    response: Response | WebSocket | None = None
    principal: Principal | None = None
    credential: str | None = field(default=None, repr=False)
    purpose: str | None = None
    client: str = ""
    rate_charged: bool = False  # the HTTP gate charged this request's token already
    connection_params: dict[str, Any] | None = None  # graphql-transport-ws connection_init
    # The id of the last item a subscription's stream gave, where its items have one:
    # what a subscriber cut off for falling behind catches up from (schema.shared_streams).
    last_given: str | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.services.database, self.services.registry)

    def for_operation(self) -> HubContext:
        """This context for one operation of a connection that carries many (a WebSocket):
        the same caller, with its own loaders and its own upstream time budget, so no
        operation reads answers cached by an earlier one or inherits its spent budget."""
        return replace(self)

    def charge_rate_limit(self) -> None:
        if self.rate_charged or self.principal is None:
            return
        wait = self.services.security.limiter.take(self.principal.id)
        if wait > 0:
            raise RateLimitedError(wait)

    async def still_authorised(self) -> bool:
        """Whether the credential this context was opened with is still accepted."""
        if self.credential is None:
            return False
        return await self.services.security.authenticator.still_valid(self.credential)

    @cached_property
    def upstream(self) -> UpstreamSession:
        """Department systems as this request sees them: its time budget starts on first use."""
        call = self.services.connectors.call(scope_of(self._access_footprint()))
        registry = self.services.registry
        return UpstreamSession(self.services.connectors, lambda: registry.index, call, registry)

    def _access_footprint(self) -> str | None:
        """What the caller may see; callers who may see the same share cached answers."""
        if self.principal is None:
            return None
        roots = self.principal.grids.roots
        grids = ",".join(sorted(roots)) if roots is not None else "*"
        return f"{','.join(sorted(self.principal.scopes))}|{grids}"


Info: TypeAlias = strawberry.Info[HubContext, None]
