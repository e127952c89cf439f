"""Errors a simulated system answers, in that system's own error format.

Every system writes errors its own way (an envelope with a numeric code, OAuth2's
``error``, a FHIR ``OperationOutcome`` …), so each gives the toolkit an ``ErrorStyle``;
handlers raise ``SimulatorError`` and never build error bodies themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class ErrorStyle(Protocol):
    """How one system writes an error body."""

    media_type: str

    def body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        """The JSON body for an error of HTTP ``status``; ``extra`` adds system fields."""
        ...


class SimulatorError(Exception):
    """An error answer: HTTP ``status``, a message, and fields of the system's own."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self, style: ErrorStyle) -> Response:
        return error_response(style, self.status, self.message, self.headers, **self.extra)


def error_response(
    style: ErrorStyle,
    status: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = style.body(status, message, **extra)
    return JSONResponse(body, status, headers=dict(headers or {}), media_type=style.media_type)


def exception_handlers(style: ErrorStyle) -> dict[Any, Any]:
    """Starlette exception handlers that answer in ``style``."""

    async def simulator_error(_: Request, error: Exception) -> Response:
        assert isinstance(error, SimulatorError)
        return error.response(style)

    async def not_found(_: Request, __: Exception) -> Response:
        return error_response(style, 404, "no such resource")

    async def method_not_allowed(_: Request, __: Exception) -> Response:
        return error_response(style, 405, "method not allowed")

    return {SimulatorError: simulator_error, 404: not_found, 405: method_not_allowed}
