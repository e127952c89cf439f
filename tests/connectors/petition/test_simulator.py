"""The hotline simulator behaves as a 12345 system: orders by community, opaque cursors,
idempotent creates on externalNo, replies, ratings and the change log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from shapely.geometry import Point, shape

from connectors.petition.data import ORDERS
from connectors.petition.simulator import create_app
from tests.support.simulators import admin, simulator_fixtures

ORDER = {
    "externalNo": "01JTEST0000000000000000001",
    "appealType": "投诉",
    "category": "SZ03",
    "title": "垃圾清运不及时",
    "content": "网格员上报：小区周边垃圾清运不及时。",
    "community": "枫桥社区",
    "address": "云溪街道青山路1号",
}


shared, reader, http = simulator_fixtures("petition", create_app)


async def walk(http: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = (
            await http.get(
                "/api/v1/workorders", params=params | ({"cursor": cursor} if cursor else {})
            )
        ).json()
        seen += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_cursors_walk_every_order_once_newest_first(reader: httpx.AsyncClient) -> None:
    orders = await walk(reader, limit=100)
    assert len(orders) == ORDERS == len({o["id"] for o in orders})
    accepted = [o["acceptedAt"] for o in orders]
    assert accepted == sorted(accepted, reverse=True)


async def test_orders_are_located_by_community_and_online_ones_by_a_point_too(
    reader: httpx.AsyncClient, town_document: dict[str, Any]
) -> None:
    communities = {
        f["properties"]["name"]: shape(f["geometry"])
        for f in town_document["features"]
        if f["properties"]["level"] == "COMMUNITY"
    }
    names = {c["name"] for c in (await reader.get("/api/v1/communities")).json()["data"]}
    assert names == set(communities)
    orders = await walk(reader, limit=100)
    located = [o for o in orders if o["location"]]
    assert {o["channel"] for o in located} <= {"WEB", "WECHAT"}
    assert 0 < len(located) < len(orders)
    for order in located:
        point = Point(order["location"]["lng"], order["location"]["lat"])
        assert communities[order["community"]].buffer(1e-6).contains(point)


async def test_many_communities_in_one_request_and_filters(reader: httpx.AsyncClient) -> None:
    two = await walk(reader, community="枫桥社区,松涛社区", limit=100)
    assert {o["community"] for o in two} == {"枫桥社区", "松涛社区"}
    rated = await walk(reader, status="评价", limit=100)
    assert rated
    assert all(o["satisfaction"] for o in rated)
    returned = await walk(reader, status="改派,退单", limit=100)
    assert all(o["returnReason"] for o in returned)


async def test_a_cursor_belongs_to_its_filters(reader: httpx.AsyncClient) -> None:
    first = (await reader.get("/api/v1/workorders", params={"community": "枫桥社区"})).json()
    reused = await reader.get(
        "/api/v1/workorders", params={"community": "白沙社区", "cursor": first["next_cursor"]}
    )
    assert reused.status_code == 400
    assert reused.json()["errorCode"] == "INVALID_CURSOR"
    forged = await reader.get("/api/v1/workorders", params={"cursor": "bm90IGEgY3Vyc29y"})
    assert forged.json()["errorCode"] == "INVALID_CURSOR"


async def test_a_create_is_idempotent_on_external_no(http: httpx.AsyncClient) -> None:
    first = await http.post("/api/v1/workorders", json=ORDER)
    again = await http.post("/api/v1/workorders", json=ORDER | {"title": "改过的标题"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["data"] == first.json()["data"]
    order = first.json()["data"]
    assert (order["status"], order["channel"], order["externalNo"]) == (
        "受理",
        "HUB",
        ORDER["externalNo"],
    )
    assert first.headers["Location"] == f"/api/v1/workorders/{order['id']}"


@pytest.mark.parametrize(
    ("change", "code"),
    [({"category": "FIRE"}, "NOT_ACCEPTED"), ({"community": "外滩社区"}, "OUT_OF_AREA")],
)
async def test_what_the_hotline_does_not_take_is_refused(
    http: httpx.AsyncClient, change: dict[str, str], code: str
) -> None:
    response = await http.post("/api/v1/workorders", json=ORDER | change | {"externalNo": "x"})
    assert response.status_code == 422
    assert response.json()["errorCode"] == code


async def test_reply_and_rating_follow_the_course_and_land_in_the_change_log(
    http: httpx.AsyncClient,
) -> None:
    order = (await http.post("/api/v1/workorders", json=ORDER)).json()["data"]["id"]
    early = await http.post(f"/api/v1/workorders/{order}/replies", json={"content": "好"})
    assert (early.status_code, early.json()["errorCode"]) == (409, "INVALID_STATE")
    await admin(http, "POST", f"advance/{order}", {"status": "办理"})
    replied = await http.post(f"/api/v1/workorders/{order}/replies", json={"content": "已清运。"})
    assert replied.json()["data"]["status"] == "回复"
    assert replied.json()["data"]["replies"][0]["content"] == "已清运。"
    too_early = await http.post(
        f"/api/v1/workorders/{order}/evaluations", json={"satisfaction": "满意"}
    )
    assert too_early.status_code == 409
    await admin(http, "POST", f"advance/{order}")
    rated = await http.post(
        f"/api/v1/workorders/{order}/evaluations",
        json={"satisfaction": "不满意", "comment": "太慢"},
    )
    body = rated.json()["data"]
    assert (body["status"], body["satisfaction"], body["evaluationComment"]) == (
        "评价",
        "不满意",
        "太慢",
    )
    assert body["finishedAt"] is not None
    changes = (await http.get("/api/v1/workorders/changes", params={"limit": 100})).json()
    assert [(c["type"], c["status"]) for c in changes["data"]] == [
        ("CREATED", "受理"),
        ("STATUS_CHANGED", "调度"),
        ("STATUS_CHANGED", "办理"),
        ("REPLIED", "回复"),
        ("STATUS_CHANGED", "办结"),
        ("EVALUATED", "评价"),
    ]
    assert not changes["has_more"]
    nothing = (
        await http.get("/api/v1/workorders/changes", params={"cursor": changes["next_cursor"]})
    ).json()
    assert (nothing["data"], nothing["next_cursor"]) == ([], changes["next_cursor"])


async def test_a_returned_order_is_reassigned_and_handled_again(http: httpx.AsyncClient) -> None:
    order = (await http.post("/api/v1/workorders", json=ORDER)).json()["data"]["id"]
    returned = await admin(
        http, "POST", f"advance/{order}", {"status": "退单", "note": "非本单位职责"}
    )
    assert returned["steps"] == ["调度", "退单"]
    again = await admin(http, "POST", f"advance/{order}", {"status": "办理"})
    assert again["steps"] == ["改派", "办理"]
    body = (await http.get(f"/api/v1/workorders/{order}")).json()["data"]
    assert body["returnReason"] == "非本单位职责"
    assert [s["status"] for s in body["history"]] == ["受理", "调度", "退单", "改派", "办理"]
