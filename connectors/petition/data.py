"""The 12345 hotline's records: work orders (工单), seeded from the town.

About 1,200 orders over the last 90 days. The hotline has no grids: an order names its
community and address, and orders from the web, WeChat or an app carry the point the
citizen dropped on the map. The wire format (camelCase, ``+08:00``) is the contract's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from connectors.sdk.simulation import (
    RENDERED,
    ROADS,
    ChangeLog,
    Clock,
    Course,
    DailyNumbers,
    FeatureCollection,
    Place,
    RecordNotFoundError,
    Step,
    TownMap,
    add_working_days,
    add_working_hours,
    beijing_iso,
    id_number,
    moment_in_history,
    person,
    room,
)

HISTORY_DAYS = 90
ORDERS = 1200
DEADLINE_WORKING_DAYS = 5
DISPATCHER = "12345热线分拨中心"
COURSE = Course(
    {
        "受理": ["调度"],
        "调度": ["办理", "退单"],
        "办理": ["回复", "退单"],
        "退单": ["改派"],
        "改派": ["办理"],
        "回复": ["办结"],
        "办结": ["回访"],
        "回访": ["评价"],
    }
)
SATISFACTION = (("非常满意", 30), ("满意", 45), ("基本满意", 15), ("不满意", 10))


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    domain: str
    unit: str
    appeal: str  # the usual appeal type
    weight: int
    title: str
    content: str
    reply: str


HOUSING, ENVIRONMENT, CITY = "住房和城乡建设局", "生态环境分局", "城市管理局"
MARKET, CIVIL, HEALTH = "市场监督管理局", "民政局", "卫生健康局"
CATALOGUE = (
    Category("CJ01", "物业管理", "城乡建设", HOUSING, "投诉", 14, "小区物业服务不到位",
             "来电人反映{building}物业{problem}，多次沟通无果，要求督促整改。",
             "已约谈物业公司，物业承诺一周内整改到位。"),
    Category("CJ02", "房屋安全", "城乡建设", HOUSING, "求助", 4, "外墙瓷砖脱落",
             "来电人反映{building}外墙瓷砖脱落，存在安全隐患。",
             "已组织对外墙进行排查，脱落区域已设置围挡并安排维修。"),
    Category("CJ03", "老旧小区改造", "城乡建设", HOUSING, "咨询", 3, "咨询老旧小区改造",
             "来电人咨询{community}老旧小区改造的实施时间和内容。",
             "已电话告知改造计划及公示渠道。"),
    Category("HB01", "噪声污染", "生态环境", ENVIRONMENT, "投诉", 10, "噪声扰民",
             "来电人反映{building}附近{noise}，夜间影响休息。",
             "已现场检查并责令整改，噪声已消除。"),
    Category("HB02", "大气污染", "生态环境", ENVIRONMENT, "投诉", 5, "餐饮油烟扰民",
             "来电人反映{building}楼下餐饮店油烟直排，气味刺鼻。",
             "已责令该店加装油烟净化设施。"),
    Category("SZ01", "道路设施", "市政管理", CITY, "投诉", 6, "人行道破损",
             "来电人反映{road}人行道砖块松动破损，老人行走不便。",
             "已安排市政养护单位修复。"),
    Category("SZ02", "路灯照明", "市政管理", CITY, "求助", 5, "路灯不亮",
             "来电人反映{road}路灯连续多晚不亮。",
             "已通知路灯管理所维修，路灯已恢复照明。"),
    Category("SZ03", "环境卫生", "市政管理", CITY, "投诉", 7, "垃圾清运不及时",
             "来电人反映{community}周边垃圾清运不及时，异味较大。",
             "已督促环卫作业单位加密清运频次。"),
    Category("SC01", "食品安全", "市场监管", MARKET, "举报", 4, "食品安全问题",
             "来电人反映在{road}一小吃店用餐后腹泻，怀疑食品不卫生。",
             "已对该店开展检查并抽样送检。"),
    Category("SC02", "消费维权", "市场监管", MARKET, "投诉", 6, "预付卡退费纠纷",
             "来电人反映在某健身房办卡后商家停业，要求退费。",
             "已组织双方调解，商家同意分期退费。"),
    Category("LD01", "拖欠工资", "劳动保障", "人力资源和社会保障局", "求助", 5, "被拖欠工资",
             "来电人反映被某装修公司拖欠工资{money}元。",
             "已立案调查，督促企业支付拖欠工资。"),
    Category("WJ01", "医疗服务", "卫生健康", HEALTH, "建议", 3, "就诊排队时间长",
             "来电人反映社区卫生服务站就诊排队时间过长。",
             "已督促服务站优化预约挂号流程。"),
    Category("WJ02", "疫苗接种", "卫生健康", HEALTH, "咨询", 3, "咨询疫苗接种",
             "来电人咨询儿童疫苗接种的预约方式。",
             "已告知预约渠道和接种时间。"),
    Category("MZ01", "养老服务", "民政", CIVIL, "求助", 5, "独居老人需要助餐",
             "来电人反映{building}家中独居老人行动不便，需要上门助餐服务。",
             "已对接社区助餐点，安排志愿者每日送餐。"),
    Category("MZ02", "社会救助", "民政", CIVIL, "咨询", 3, "咨询低保申请",
             "来电人咨询低保申请条件和办理流程。",
             "已告知申请条件及所需材料。"),
    Category("JT01", "公交线路", "交通运输", "交通运输局", "建议", 3, "建议增加公交班次",
             "来电人建议增加{road}公交线路早高峰班次。",
             "已转公交公司研究，将根据客流调整班次。"),
    Category("JY01", "入学咨询", "教育", "教育局", "咨询", 3, "咨询入学学区",
             "来电人咨询{community}适龄儿童入学的学区划分。",
             "已告知学区划分及报名时间。"),
    Category("GA01", "户籍办理", "公安政务", "公安分局户政科", "咨询", 2, "咨询户口迁移",
             "来电人咨询户口迁移的办理流程。",
             "已告知办理流程及所需材料。"),
    Category("JD01", "社区事务", "街道社区", "云溪街道办事处", "投诉", 6, "公共区域堆放杂物",
             "来电人反映{building}公共区域堆放杂物无人清理。",
             "已联系社区组织清理。"),
    Category("JD02", "表扬", "街道社区", "云溪街道办事处", "表扬", 1, "表扬网格员",
             "来电人表扬{community}网格员热心帮助独居老人。",
             "已转达表扬。"),
)  # fmt: skip
CATEGORY_BY_CODE = {category.code: category for category in CATALOGUE}
FILL = {
    "problem": ("电梯长期故障不修", "楼道灯损坏无人维修", "擅自提高停车费", "绿化长期无人养护"),
    "noise": ("工地夜间施工", "酒吧音乐声", "商铺外放音响", "空调外机"),
    "money": ("4500", "8000", "12600", "23000"),
}
CHANNELS = (("PHONE", 60), ("WEB", 12), ("WECHAT", 18), ("VISIT", 6), ("LETTER", 4))
LOCATED_CHANNELS = ("WEB", "WECHAT", "HUB")


@dataclass(frozen=True, slots=True)
class Reply:
    content: str
    replier: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Citizen:
    name: str
    phone: str
    id_number: str | None


@dataclass(frozen=True, slots=True)
class WorkOrder:
    id: str
    channel: str
    appeal_type: str
    category: str
    title: str
    content: str
    community: str
    address: str
    point: tuple[float, float] | None  # lon, lat
    citizen: Citizen | None
    deadline: datetime
    history: tuple[Step, ...]
    external_no: str | None = None
    lead_unit: str | None = None
    co_units: tuple[str, ...] = ()
    replies: tuple[Reply, ...] = ()
    satisfaction: str | None = None
    evaluation_comment: str | None = None
    return_reason: str | None = None

    @property
    def status(self) -> str:
        return self.history[-1].status

    @property
    def accepted_at(self) -> datetime:
        return self.history[0].at

    @property
    def updated_at(self) -> datetime:
        return max([self.history[-1].at, *(r.at for r in self.replies)])

    @property
    def finished_at(self) -> datetime | None:
        return next((s.at for s in self.history if s.status == "办结"), None)


def category_json(category: Category) -> dict[str, str]:
    return {"code": category.code, "name": category.name, "domain": category.domain}


@lru_cache(maxsize=RENDERED)
def order_json(order: WorkOrder) -> dict[str, Any]:
    """The wire form, rendered once per version of a record: never change what it returns."""
    citizen = order.citizen
    finished = order.finished_at
    return {
        "id": order.id,
        "channel": order.channel,
        "appealType": order.appeal_type,
        "category": category_json(CATEGORY_BY_CODE[order.category]),
        "title": order.title,
        "content": order.content,
        "community": order.community,
        "address": order.address,
        "location": {"lng": order.point[0], "lat": order.point[1]} if order.point else None,
        "citizen": {"name": citizen.name, "phone": citizen.phone, "idNumber": citizen.id_number}
        if citizen
        else None,
        "leadUnit": order.lead_unit,
        "coUnits": list(order.co_units),
        "acceptedAt": beijing_iso(order.accepted_at),
        "deadline": beijing_iso(order.deadline),
        "status": order.status,
        "replies": [
            {"content": r.content, "replier": r.replier, "repliedAt": beijing_iso(r.at)}
            for r in order.replies
        ],
        "satisfaction": order.satisfaction,
        "evaluationComment": order.evaluation_comment,
        "returnReason": order.return_reason,
        "externalNo": order.external_no,
        "updatedAt": beijing_iso(order.updated_at),
        "finishedAt": beijing_iso(finished) if finished else None,
        "history": [step.as_json(beijing_iso) for step in order.history],
    }


@dataclass(frozen=True, slots=True)
class NewOrder:
    appeal_type: str
    category: str
    title: str
    content: str
    community: str
    address: str
    point: tuple[float, float] | None = None
    citizen: Citizen | None = None
    deadline: datetime | None = None
    channel: str = "HUB"


class InvalidStateError(Exception):
    """The order's status does not allow this step."""


class PetitionData:
    """Every work order, the change log, and how orders move on."""

    def __init__(self, town: FeatureCollection, seed: int, end: datetime) -> None:
        self.town = TownMap(town)
        self.numbers = DailyNumbers("GD")
        self.changes = ChangeLog()
        self.orders: dict[str, WorkOrder] = {}
        self.by_reference: dict[str, str] = {}
        rng = random.Random(f"petition-records-{seed}")  # noqa: S311 - seeded, reproducible
        history = sorted((_seeded(rng, self.town, end) for _ in range(ORDERS)), key=_accepted)
        for order in history:
            stored = replace(order, id=self.numbers.next(order.accepted_at))
            self.orders[stored.id] = stored
        self._ordered: list[WorkOrder] | None = None

    @property
    def communities(self) -> list[str]:
        return sorted(self.town.communities.values())

    def ordered(self) -> list[WorkOrder]:
        """Newest first."""
        if self._ordered is None:
            self._ordered = sorted(self.orders.values(), key=_sort_key, reverse=True)
        return self._ordered

    def get(self, order_id: str) -> WorkOrder:
        try:
            return self.orders[order_id]
        except KeyError:
            raise RecordNotFoundError(order_id) from None

    def register(self, new: NewOrder, external_no: str | None, clock: Clock) -> WorkOrder:
        now = clock.stamp()
        order = WorkOrder(
            id=self.numbers.next(now),
            channel=new.channel,
            appeal_type=new.appeal_type,
            category=new.category,
            title=new.title,
            content=new.content,
            community=new.community,
            address=new.address,
            point=new.point,
            citizen=new.citizen,
            deadline=new.deadline or add_working_days(now, DEADLINE_WORKING_DAYS),
            history=(Step("受理", now, DISPATCHER, "联动平台转入" if external_no else None),),
            external_no=external_no,
        )
        self._store(order, "CREATED", None, now)
        if external_no:
            self.by_reference[external_no] = order.id
        return order

    def advance(
        self, order_id: str, target: str | None, note: str | None, clock: Clock
    ) -> list[str]:
        order = self.get(order_id)
        steps = COURSE.path(order.status, target)
        for status in steps:
            now = clock.stamp()
            before = order.status
            order = _after_step(order, status, now, note)
            self._store(order, "STATUS_CHANGED", before, now, note)
        return steps

    def reply(self, order_id: str, content: str, replier: str | None, clock: Clock) -> WorkOrder:
        order = self.get(order_id)
        if order.status not in ("办理", "回复"):
            raise InvalidStateError(f"只有办理中或已回复的工单可以答复，当前状态：{order.status}")
        now = clock.stamp()
        before = order.status
        unit = replier or order.lead_unit or DISPATCHER
        history = order.history if before == "回复" else (*order.history, Step("回复", now, unit))
        order = replace(order, history=history, replies=(*order.replies, Reply(content, unit, now)))
        self._store(order, "REPLIED", before, now)
        return order

    def evaluate(
        self, order_id: str, satisfaction: str, comment: str | None, clock: Clock
    ) -> WorkOrder:
        order = self.get(order_id)
        if order.status not in ("办结", "回访"):
            raise InvalidStateError(f"只有已办结或回访中的工单可以评价，当前状态：{order.status}")
        now = clock.stamp()
        before = order.status
        steps = [Step("回访", now, DISPATCHER)] if before == "办结" else []
        history = (*order.history, *steps, Step("评价", now, DISPATCHER, comment))
        order = replace(
            order, history=history, satisfaction=satisfaction, evaluation_comment=comment
        )
        self._store(order, "EVALUATED", before, now)
        return order

    def progress(self, rng: random.Random, clock: Clock) -> None:
        """The demo's pace: an open order moves on, or a citizen calls the hotline."""
        open_ids = [o.id for o in self.orders.values() if not COURSE.is_final(o.status)]
        if open_ids and rng.random() < 0.7:
            self.advance(rng.choice(open_ids), None, None, clock)
            return
        self.register(_new_call(rng, self.town), None, clock)

    def _store(
        self, order: WorkOrder, kind: str, before: str | None, at: datetime, note: str | None = None
    ) -> None:
        self.orders[order.id] = order
        self._ordered = None
        self.changes.append(
            {
                "type": kind,
                "workOrderId": order.id,
                "status": order.status,
                "previousStatus": before,
                "changedAt": beijing_iso(at),
                "externalNo": order.external_no,
                "note": note,
                "workOrder": order_json(order),
            }
        )


def _accepted(order: WorkOrder) -> datetime:
    return order.accepted_at


def _sort_key(order: WorkOrder) -> tuple[datetime, str]:
    return order.accepted_at, order.id


def _after_step(order: WorkOrder, status: str, now: datetime, note: str | None) -> WorkOrder:
    category = CATEGORY_BY_CODE[order.category]
    unit = order.lead_unit or category.unit
    changes: dict[str, Any] = {}
    if status in ("调度", "改派"):
        changes["lead_unit"] = category.unit
        unit = DISPATCHER
    elif status == "退单":
        changes["return_reason"] = note or "不属于本单位职责范围"
    elif status == "回复":
        changes["replies"] = (*order.replies, Reply(category.reply, unit, now))
    elif status == "评价":
        changes["satisfaction"] = "满意"
    elif status in ("回访", "办结"):
        unit = DISPATCHER
    return replace(order, history=(*order.history, Step(status, now, unit, note)), **changes)


def _citizen(rng: random.Random, channel: str) -> Citizen | None:
    if rng.random() < 0.05 and channel != "VISIT":
        return None  # anonymous
    name, phone = person(rng)
    if channel != "VISIT" and rng.random() > 0.4:
        return Citizen(name, phone, None)
    male = rng.random() < 0.5
    birth = moment_in_history(rng, datetime(2005, 1, 1, tzinfo=UTC), 365 * 60).date()
    return Citizen(name, phone, id_number(rng, birth, male))


def _content(rng: random.Random, category: Category, place: Place) -> str:
    values = {key: rng.choice(options) for key, options in FILL.items()}
    values |= {"building": place.building, "community": place.community, "road": rng.choice(ROADS)}
    return category.content.format(**values)


def _new_call(rng: random.Random, town: TownMap) -> NewOrder:
    """What a citizen tells the hotline, and through which channel."""
    category = rng.choices(CATALOGUE, [c.weight for c in CATALOGUE])[0]
    channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
    place = town.place(rng)
    return NewOrder(
        appeal_type=category.appeal,
        category=category.code,
        title=category.title,
        content=_content(rng, category, place),
        community=place.community,
        address=place.building + room(rng, place.village),
        point=(place.lon, place.lat) if channel in LOCATED_CHANNELS else None,
        citizen=_citizen(rng, channel),
        channel=channel,
    )


def _seeded(rng: random.Random, town: TownMap, end: datetime) -> WorkOrder:
    new = _new_call(rng, town)
    accepted = moment_in_history(rng, end, HISTORY_DAYS)
    order = WorkOrder(
        id="",
        channel=new.channel,
        appeal_type=new.appeal_type,
        category=new.category,
        title=new.title,
        content=new.content,
        community=new.community,
        address=new.address,
        point=new.point,
        citizen=new.citizen,
        deadline=add_working_days(accepted, DEADLINE_WORKING_DAYS),
        history=(Step("受理", accepted, DISPATCHER),),
    )
    return _seeded_course(rng, order, end)


def _seeded_course(rng: random.Random, order: WorkOrder, end: datetime) -> WorkOrder:
    """The steps an order took by ``end``: dispatch, handling, maybe a return, reply, close."""
    route = ["调度", "办理"]
    if rng.random() < 0.06:
        route += ["退单", "改派", "办理"]
    route += ["回复", "办结", "回访", "评价"]
    moment = order.accepted_at
    for status in route:
        moment = _next_moment(rng, status, moment)
        if moment > end:
            break
        order = _after_step(order, status, moment, None)
    if order.status == "评价":
        satisfaction = rng.choices([s for s, _ in SATISFACTION], [w for _, w in SATISFACTION])[0]
        order = replace(order, satisfaction=satisfaction)
    if rng.random() < 0.2 and order.lead_unit:
        order = replace(order, co_units=(f"{order.community}居民委员会",))
    return order


def _next_moment(rng: random.Random, status: str, moment: datetime) -> datetime:
    if status in ("调度", "改派"):
        return moment + timedelta(minutes=rng.uniform(10, 120))
    if status == "办理":
        return add_working_hours(moment, rng.uniform(0.5, 8))
    if status in ("退单", "回复"):
        return add_working_days(moment, rng.randint(1, 4))
    if status == "回访":
        return moment + timedelta(days=rng.uniform(1, 3))
    if status == "评价":
        return moment + timedelta(minutes=rng.uniform(1, 10))
    return moment + timedelta(hours=rng.uniform(1, 24))
