"""The 12345 hotline simulator as the demo, the recorder and tests use it (``SIMULATED``).

The hotline files orders by community and has no grids of its own: no grid scheme.
"""

from __future__ import annotations

from starlette.applications import Starlette

from connectors.petition import simulator
from connectors.petition.data import CATALOGUE, Citizen, NewOrder
from connectors.sdk.simulation import Recorder, Simulated

FIRST_KEY = "01JDEMO0000000000000000001"
SECOND_KEY = "01JDEMO0000000000000000002"
ORDER = {
    "externalNo": FIRST_KEY,
    "appealType": "投诉",
    "category": "HB01",
    "title": "夜间施工噪声",
    "content": "网格员上报：工地夜间施工，噪声扰民。",
    "community": "枫桥社区",
    "address": "云溪街道青山路1号",
    "location": {"lng": 120.0521, "lat": 30.3115},
}
CALL_BACK = {
    "id": "01JDEMO0000000000000000003",
    "externalNo": FIRST_KEY,
    "phone": "13800000000",
    "content": "您反映的“夜间施工噪声扰民”已处理完毕，我们将安排回访，感谢您的监督。",
}


def seed_personal(app: Starlette, grid: str, lat: float, lon: float) -> None:
    """An order in ``grid``'s community with the caller's name, phone and ID number."""
    petition = app.state.system
    category = CATALOGUE[0]
    order = NewOrder(
        appeal_type=category.appeal,
        category=category.code,
        title=category.title,
        content="来电人反映小区电梯长期故障不修",
        community=petition.data.town.communities[grid[:12]],
        address="云溪街道文一路88号3幢2单元1201室",
        point=(lon, lat),
        citizen=Citizen("赵丽华", "13900003333", "330199196805120028"),
        channel="WECHAT",
    )
    petition.data.register(order, None, petition.clock)


async def record(record: Recorder) -> None:
    """Communities, categories, cursor paging, the handover, replies and the change log."""
    await record(
        "communities", "the communities orders are located by", "GET", "/api/v1/communities"
    )
    await record("categories", "the business categories", "GET", "/api/v1/categories")
    orders = "/api/v1/workorders"
    query = {"community": "枫桥社区,松涛社区", "limit": "2"}
    first = await record(
        "workorders-page-1", "orders of two communities", "GET", orders, params=query
    )
    cursor = first.json()["next_cursor"]
    await record(
        "workorders-page-2", "the next page", "GET", orders, params={**query, "cursor": cursor}
    )
    other = {"community": "白沙社区", "cursor": cursor}
    await record("workorders-bad-cursor", "a cursor of other filters", "GET", orders, params=other)
    await _handover(record, orders)
    changes = await record(
        "changes", "the change log, first three", "GET", f"{orders}/changes", params={"limit": "3"}
    )
    await record(
        "changes-next", "the change log, from the cursor on", "GET", f"{orders}/changes",
        params={"cursor": changes.json()["next_cursor"]},
    )  # fmt: skip


async def _handover(record: Recorder, orders: str) -> None:
    created = await record(
        "create", "a work order handed over by the hub", "POST", orders, json_body=ORDER
    )
    await record(
        "create-repeated", "the same externalNo again: the first order", "POST", orders,
        json_body=ORDER,
    )  # fmt: skip
    await record(
        "create-refused", "an emergency, not a hotline matter: refused", "POST", orders,
        json_body={**ORDER, "externalNo": SECOND_KEY, "category": "FIRE"},
    )  # fmt: skip
    created_id = created.json()["data"]["id"]
    order = f"{orders}/{created_id}"
    await record(
        "reply-too-early", "a reply before the order is handled", "POST", f"{order}/replies",
        json_body={"content": "已处理"},
    )  # fmt: skip
    await record.admin("POST", f"/_admin/advance/{created_id}", {"status": "办理"})
    reply = {"content": "经核实，已责令工地停止夜间施工。", "replier": "生态环境分局"}
    await record(
        "reply", "the unit replies to the citizen", "POST", f"{order}/replies", json_body=reply
    )
    await record.admin("POST", f"/_admin/advance/{created_id}")
    await record(
        "evaluation", "the follow-up visit and the citizen's rating", "POST",
        f"{order}/evaluations", json_body={"satisfaction": "满意"},
    )  # fmt: skip
    await record(
        "callback", "a reply owed to a caller, queued by the hub", "POST", "/api/v1/callbacks",
        json_body=CALL_BACK,
    )  # fmt: skip


SIMULATED = Simulated(
    create_app=simulator.create_app,
    credentials={"username": simulator.DEMO_USER, "password": simulator.DEMO_PASSWORD},
    seed_personal=seed_personal,
    record=record,
)
