"""Open311's error shape, ``[{"code": <HTTP status>, "description": "..."}]``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from hub.core.jsonbody import encode_json


class Open311Response(JSONResponse):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return encode_json(content)  # Chinese names as themselves, as /graphql sends them


class Open311Error(Exception):
    """A refusal; ``status`` is both the HTTP status and the error's ``code``."""

    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}

    def response(self) -> Open311Response:
        body = [{"code": self.status, "description": self.description}]
        return Open311Response(body, status_code=self.status, headers=self.headers)


def bad_request(description: str) -> Open311Error:
    return Open311Error(400, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)
