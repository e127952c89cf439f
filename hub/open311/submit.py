"""POST requests' parameters → a ``Report`` for the intake.

A request is placed by its point: ``lat`` and ``long`` are required, and an
``address_string`` alone is refused (the hub does not geocode; the address is kept as
the reporter gave it). ``media_url`` becomes the event's photo. ``first_name`` and
``last_name`` become the reporter's name, ``phone`` their phone; ``email``,
``device_id`` and ``account_id`` are not kept (the ledger has no place for them).
"""

from __future__ import annotations

import math
import re

from hub.events import Category, Channel, Report, Severity
from hub.open311.access import Params
from hub.open311.errors import bad_request

MAX_DESCRIPTION = 2000  # the reported event's limit
_CJK = re.compile(r"[\u3400-\u9fff]")


def report_of(params: Params, category: Category) -> Report:
    lat, lon = _point(params)
    return Report(
        category=category.code,
        description=_description(params.get("description"), category),
        lat=lat,
        lon=lon,
        channel=Channel.OPEN311,
        address=params.get("address_string"),
        reporter_name=reporter_name(params.get("first_name"), params.get("last_name")),
        reporter_phone=params.get("phone"),
        photos=tuple(filter(None, [params.get("media_url")])),
        severity=_severity(params.attributes.get("severity")),
    )


def _point(params: Params) -> tuple[float, float]:
    lat_text, lon_text = params.get("lat"), params.get("long")
    if lat_text is None or lon_text is None:
        if params.get("address_string") or params.get("address_id"):
            raise bad_request(
                "lat and long are required: the hub places a report by its point and does "
                "not geocode address_string"
            )
        raise bad_request("lat and long are required")
    lat, lon = _number("lat", lat_text), _number("long", lon_text)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise bad_request("lat must lie in [-90, 90] and long in [-180, 180]")
    return lat, lon


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError as error:
        raise bad_request(f"{name} must be a number, not {text!r}") from error
    if not math.isfinite(value):
        raise bad_request(f"{name} must be a finite number")
    return value


def _description(text: str | None, category: Category) -> str:
    if text is None:
        return category.name
    if len(text) > MAX_DESCRIPTION:
        raise bad_request(f"description is longer than {MAX_DESCRIPTION} characters")
    return text


def _severity(text: str | None) -> Severity | None:
    if text is None:
        return None
    try:
        return Severity(text.upper())
    except ValueError as error:
        choices = ", ".join(Severity)
        raise bad_request(f"attribute[severity] must be one of {choices}") from error


def reporter_name(first: str | None, last: str | None) -> str | None:
    """Chinese names family name first with no space (王 + 小明 → 王小明); others as given."""
    if first and last:
        return f"{last}{first}" if _CJK.search(first + last) else f"{first} {last}"
    return first or last
