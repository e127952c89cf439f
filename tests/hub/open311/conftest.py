"""An Open311 client on the running app, and the published schemas its answers must fit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from starlette.applications import Starlette

from hub.core.paths import CONTRACTS_DIR
from hub.registry import store
from hub.services import Services
from tests.support.events import INSIDE

SCHEMAS = CONTRACTS_DIR / "open311"
V2 = "/open311/v2"


def fits(schema: str, body: Any) -> Any:
    """``body``, once it fits ``contracts/open311/<schema>.json``."""
    document = json.loads((SCHEMAS / f"{schema}.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    errors = list(Draft202012Validator(document).iter_errors(body))
    assert not errors, f"{schema}: {errors[0].json_path}: {errors[0].message}"
    return body


def refusal(response: httpx.Response, status: int) -> str:
    """The description of an Open311 error with this status."""
    assert response.status_code == status, response.text
    (error,) = fits("errors", response.json())
    assert error["code"] == status
    return str(error["description"])


def form(key: str | None, **fields: Any) -> dict[str, Any]:
    """A POST requests form: a manhole cover report inside the town, unless changed."""
    lat, lon = fields.pop("at", INSIDE)
    found: dict[str, Any] = {
        "service_code": "municipal.manhole_cover",
        "lat": lat,
        "long": lon,
        "description": "井盖缺失，行人易踩空",
        "address_string": "云溪街道文一路88号3幢2单元101室",
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812345678",
        "email": "wang@example.org",
        "media_url": "https://photos.example.org/manhole.jpg",
        **fields,
    }
    if key is not None:
        found["api_key"] = key
    return {name: value for name, value in found.items() if value is not None}


@pytest.fixture
async def open311(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """No credentials of its own: Open311 clients send ``api_key`` as a parameter."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test" + V2) as http:
        yield http


async def file(http: httpx.AsyncClient, key: str, **fields: Any) -> str:
    """File a request; its service_request_id."""
    response = await http.post("/requests.json", data=form(key, **fields))
    assert response.status_code == 200, response.text
    (created,) = fits("request-created", response.json())
    return str(created["service_request_id"])


async def centroid(services: Services, grid: str) -> tuple[float, float]:
    async with services.database.session() as session:
        region = (await store.regions(session, [grid]))[grid]
    return region.centroid_lat, region.centroid_lon
