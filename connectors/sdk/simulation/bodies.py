"""Request bodies: parsed into the system's pydantic model, or a 400 naming each problem."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from connectors.sdk.simulation.errors import SimulatorError

M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], body: bytes) -> M:
    """The body as ``model``; a 400 ``SimulatorError`` whose ``problems`` list what is wrong."""
    try:
        return model.model_validate_json(body or b"null")
    except ValidationError as error:
        problems = [_problem(detail) for detail in error.errors(include_url=False)]
        raise SimulatorError(400, "the request body is invalid", problems=problems) from None


def _problem(detail: object) -> str:
    assert isinstance(detail, dict)
    where = ".".join(str(part) for part in detail["loc"]) or "body"
    return f"{where}: {detail['msg']}"
