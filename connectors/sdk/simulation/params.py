"""Reading query parameters the way department systems do, with 400s in their style."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, tzinfo

from starlette.requests import Request

from connectors.sdk.simulation.errors import SimulatorError


def bad_request(message: str, **extra: object) -> SimulatorError:
    return SimulatorError(400, message, None, **extra)


def values(request: Request, name: str) -> list[str]:
    """Every value of ``name``: comma-separated, repeated, or both."""
    found = []
    for raw in request.query_params.getlist(name):
        found += [part.strip() for part in raw.split(",") if part.strip()]
    return found


def choices(request: Request, name: str, allowed: Collection[str]) -> list[str]:
    chosen = values(request, name)
    unknown = [value for value in chosen if value not in allowed]
    if unknown:
        raise bad_request(f"{name}: unknown value(s) {', '.join(unknown)}")
    return chosen


def integer(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None
    if not minimum <= value <= maximum:
        raise bad_request(f"{name} must be between {minimum} and {maximum}")
    return value


def parse_time(value: str, name: str, naive_zone: tzinfo | None = None) -> datetime:
    """An ISO 8601 time; a time without an offset is read in ``naive_zone`` if given."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise bad_request(f"{name} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        if naive_zone is None:
            raise bad_request(f"{name} needs a UTC offset: {value!r}")
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed


def time_param(request: Request, name: str, naive_zone: tzinfo | None = None) -> datetime | None:
    raw = request.query_params.get(name)
    return None if raw is None else parse_time(raw, name, naive_zone)
