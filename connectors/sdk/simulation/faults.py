"""Fault knobs, set at run time through ``/_admin/faults``.

A test turns a simulator into a slow, failing, hanging or lying upstream without
restarting it, and turns it back with one DELETE.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# A truncated JSON document: what a proxy that cut the connection leaves behind.
MALFORMED_BODY = b'{"data": [{"id": "trunc'
HANG_LIMIT_SECONDS = 600.0  # "never" answers, but a forgotten knob cannot hold a test forever


class RateLimitOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class Faults(BaseModel):
    """The faults in force; the defaults are a healthy system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: int = Field(default=0, ge=0, le=600_000)
    error_rate: float = Field(default=0.0, ge=0, le=1)
    error_status: Literal[500, 502, 503, 504] = 503
    hang: bool = False
    malformed: bool = False
    contract_break: bool = False
    rate_limit: RateLimitOverride | None = None
    paths: list[Annotated[str, Field(pattern="^/")]] = Field(default_factory=list)

    def affects(self, path: str) -> bool:
        return not self.paths or any(path.startswith(prefix) for prefix in self.paths)

    @property
    def rewrites_body(self) -> bool:
        return self.malformed or self.contract_break


class FaultSwitch:
    """Holds the faults in force; changing them releases every hung request."""

    def __init__(self) -> None:
        self.faults = Faults()
        self._changed = asyncio.Event()

    def set(self, faults: Faults) -> None:
        self.faults = faults
        self._changed.set()
        self._changed = asyncio.Event()

    def clear(self) -> None:
        self.set(Faults())

    async def hold(self) -> None:
        """Wait until the faults change (or the safety limit passes)."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), HANG_LIMIT_SECONDS)
        except TimeoutError:
            return


def break_contract(body: Any) -> Any:
    """Valid JSON that no contract accepts: every ``id`` becomes a number; a body with no
    ``id`` anywhere loses its first field (every contract requires it)."""
    broken, found = _ids_to_numbers(body)
    if found or not isinstance(body, dict) or not body:
        return broken
    first = next(iter(body))
    return {key: value for key, value in body.items() if key != first}


def _ids_to_numbers(node: Any) -> tuple[Any, bool]:
    if isinstance(node, list):
        pairs = [_ids_to_numbers(item) for item in node]
        return [item for item, _ in pairs], any(found for _, found in pairs)
    if not isinstance(node, dict):
        return node, False
    result: dict[str, Any] = {}
    found = False
    for key, value in node.items():
        if key == "id":
            result[key], found = _as_number(value), True
        else:
            result[key], inner = _ids_to_numbers(value)
            found = found or inner
    return result, found


def _as_number(value: Any) -> int:
    digits = "".join(c for c in str(value) if c.isdigit())
    return int(digits[-9:]) if digits else 0
