"""Who calls, and what the audit trail hears: the Open311 side of ``hub.http.gate``.

Open311 clients send their key as the ``api_key`` parameter (query or form), so the
check happens here, after the bounded body is read, not in the gate; the
``Authorization``/``X-API-Key`` headers work too. Refusals come in Open311's error
shape. The rate limit is the hub's per-principal one; a call without a key (the
service list) is limited per client address.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.requests import Request

from hub.core.errors import HubError
from hub.http.gate import purpose_from
from hub.open311.errors import Open311Error, bad_request
from hub.security.audit import Action
from hub.security.authenticator import credential_from
from hub.security.principal import Principal
from hub.security.service import Security
from schema.security import OperationState

PII_COMMAND = "pii:read:command"  # a reporter's address is the command centre's personal data
_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Params:
    """A request's arguments: query string and body together, blanks dropped (per spec)."""

    values: dict[str, str]
    attributes: dict[str, str] = field(default_factory=dict)  # attribute[code]=value
    blank: frozenset[str] = frozenset()  # given, but empty: dropped from values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal | None
    client: str
    purpose: str | None

    @property
    def sees_personal_data(self) -> bool:
        """As in the graph: the scope unmasks, and an unmasked read needs a purpose."""
        return self.principal is not None and self.principal.has(PII_COMMAND) and bool(self.purpose)

    @property
    def id(self) -> str:
        return self.principal.id if self.principal else "anonymous"


async def read_params(request: Request, max_bytes: int) -> Params:
    pairs = list(request.query_params.multi_items())
    attributes: dict[str, str] = {}
    if request.method == "POST":
        pairs += _body_pairs(
            request.headers.get("content-type", ""), await _body(request, max_bytes)
        )
    values: dict[str, str] = {}
    blank: set[str] = set()
    for name, value in pairs:
        if not value.strip():
            blank.add(name)
            continue
        if name.startswith("attribute[") and name.endswith("]"):
            attributes[name[len("attribute[") : -1]] = value.strip()
        else:
            values[name] = value.strip()
    return Params(values, attributes, frozenset(blank - values.keys()))


async def _body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise Open311Error(413, f"request body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():  # counted as it arrives: chunked bodies too
        body += chunk
        if len(body) > limit:
            raise Open311Error(413, f"request body larger than {limit} bytes")
    return bytes(body)


def _body_pairs(content_type: str, body: bytes) -> list[tuple[str, str]]:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request("the body is not UTF-8") from error
    if media in (_FORM, "") or not text:
        return parse_qsl(text, keep_blank_values=True)
    if media == _JSON:
        return _json_pairs(text)
    raise Open311Error(415, f"send {_FORM} (or {_JSON}), not {media}")


def _json_pairs(text: str) -> list[tuple[str, str]]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise bad_request(f"the body is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise bad_request("the JSON body must be an object of parameters")
    pairs: list[tuple[str, str]] = []
    for name, value in document.items():
        if name == "attribute" and isinstance(value, dict):
            pairs += [(f"attribute[{k}]", _scalar(f"attribute[{k}]", v)) for k, v in value.items()]
        elif value is not None:
            pairs.append((name, _scalar(name, value)))
    return pairs


def _scalar(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise bad_request(f"{name} must be a string or a number")
    return str(value)


async def identify(
    request: Request, params: Params, security: Security, scopes: Iterable[str] | None
) -> Caller:
    """The caller, holding one of ``scopes``; ``None`` lets a call without a key through."""
    client = request.client.host if request.client else ""
    purpose = purpose_from(request.headers.get("x-purpose"))
    credential = params.get("api_key") or credential_from(request.headers)
    principal = None
    if credential is None:
        if scopes is not None:
            raise _unauthenticated("api_key required")
    else:
        try:
            principal = await security.authenticator.authenticate(credential)
        except HubError as error:
            raise _unauthenticated(f"api_key refused: {error}") from error
    wanted = list(scopes or ())
    if principal is not None and wanted and not any(principal.has(s) for s in wanted):
        raise Open311Error(403, f"the api_key needs the scope {' or '.join(wanted)}")
    wait = security.limiter.take(principal.id if principal else f"client:{client}")
    if wait > 0:
        raise Open311Error(429, "rate limited", {"Retry-After": str(math.ceil(wait))})
    return Caller(principal, client, purpose)


def _unauthenticated(description: str) -> Open311Error:
    return Open311Error(401, description, {"WWW-Authenticate": 'Bearer realm="grid-hub"'})


async def audit(
    security: Security,
    caller: Caller,
    operation: str,
    *,
    changes: Iterable[tuple[Action, str, str]] = (),
    reads: Iterable[tuple[str, str]] = (),
) -> None:
    """Append to the audit trail as a GraphQL operation would: one entry per field read
    (its records space-separated) and one per change. Raises 503 when it cannot."""
    state = OperationState(
        label=operation, principal=caller.id, client=caller.client, purpose=caller.purpose or ""
    )
    for action, coordinate, record in changes:
        state.changed(action, coordinate, record)
    for coordinate, record in reads:
        state.read(coordinate, record)
    entries = state.take_entries()
    if not entries:
        return
    try:
        await security.audit.append(entries)
    except Exception as error:  # no unaudited personal data, no unaudited submission
        raise Open311Error(503, "the audit trail is unavailable; try again") from error
