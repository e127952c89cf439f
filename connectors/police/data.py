"""The police system's records: 110 incidents (警情) and patrol units, seeded from the town.

About 1,500 incidents over the last 90 days, placed where people live and filed under
the police grid they fall in; older ones are closed, the last hours' still open. The
wire format (camelCase, Beijing time with ``+08:00``) is the contract's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

from connectors.police.scheme import STATION
from connectors.sdk.simulation import (
    RENDERED,
    ChangeLog,
    Clock,
    Course,
    DailyNumbers,
    FeatureCollection,
    Place,
    RecordNotFoundError,
    SchemeIndex,
    TownMap,
    beijing_iso,
    moment_in_history,
    person,
    random_point,
    room,
)

HISTORY_DAYS = 90
INCIDENTS = 1500
PATROL_UNITS = 24


class Status(StrEnum):
    RECEIVED = "RECEIVED"
    DISPATCHED = "DISPATCHED"
    ON_SCENE = "ON_SCENE"
    HANDLED = "HANDLED"
    CLOSED = "CLOSED"


STATUS_NAMES = {
    Status.RECEIVED: "接警",
    Status.DISPATCHED: "派警",
    Status.ON_SCENE: "到场",
    Status.HANDLED: "处置完毕",
    Status.CLOSED: "结警",
}
COURSE = Course(
    {
        Status.RECEIVED: [Status.DISPATCHED],
        Status.DISPATCHED: [Status.ON_SCENE],
        Status.ON_SCENE: [Status.HANDLED],
        Status.HANDLED: [Status.CLOSED],
    }
)
# Minutes from one status to the next: dispatch, arrival, handling, closing.
STEP_MINUTES = ((2, 8), (6, 20), (20, 150), (60, 1440))


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of incident: its summary, how callers describe it, how it ends."""

    summary: str
    description: str
    results: tuple[str, ...]
    at_home: bool = False


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    weight: int
    kinds: tuple[Kind, ...]


FILL = {
    "cause": ("卫生间漏水", "装修噪音", "楼道堆放杂物", "空调外机滴水", "宠物扰民"),
    "relative": ("丈夫", "妻子", "儿子", "女婿", "婆婆"),
    "money": ("3000", "8500", "12000", "20000", "46000"),
    "color": ("黑色", "白色", "红色", "蓝色"),
    "item": ("衣物", "一部新手机", "奶粉", "电子产品"),
    "imposter": ("公安局民警", "银行客服", "快递理赔客服", "单位领导"),
    "injury": ("无人员受伤", "一人轻微擦伤", "一人头部出血"),
    "age": ("76", "81", "84", "6", "9"),
}
CATEGORIES = (
    Category("DISPUTE", "纠纷", 24, (
        Kind("邻里纠纷", "报警人称与楼上住户因{cause}发生争执，情绪激动，请求民警到场处理。",
             ("民警到场调解，双方达成谅解", "已移交社区人民调解委员会调处"), at_home=True),
        Kind("家庭纠纷", "报警人称与{relative}发生口角，对方摔砸物品，请求民警到场。",
             ("民警到场劝解，双方情绪平复", "已告知当事人通过妇联、社区调解"), at_home=True),
        Kind("经济纠纷", "报警人称对方拖欠其{money}元货款至今未还，双方在店内发生争执。",
             ("民警到场，告知双方通过法律途径解决",)),
    )),
    Category("THEFT", "盗窃", 12, (
        Kind("电动车被盗", "报警人称停放在楼下的一辆{color}电动自行车被盗。",
             ("已受案，民警调取周边监控开展侦查", "失物已找回并发还报警人")),
        Kind("入室盗窃", "报警人称回家后发现家中被翻动，丢失现金约{money}元。",
             ("已立为刑事案件侦查",), at_home=True),
        Kind("快递被盗", "报警人称放在家门口的快递包裹被人拿走，内有{item}。",
             ("已受案，民警调取周边监控开展侦查",), at_home=True),
    )),
    Category("TRAFFIC", "交通", 18, (
        Kind("交通事故", "路口一辆轿车与电动车发生碰撞，{injury}，请求处理。",
             ("交警到场处理，已认定事故责任", "双方协商自行解决")),
        Kind("车辆剐蹭", "报警人称其停放在路边的车辆被剐蹭，对方已驶离。",
             ("已受案，民警调取监控查找肇事车辆",)),
        Kind("占道堵路", "有车辆长时间占道停放，堵塞消防通道，联系不上车主。",
             ("已联系车主挪车", "已通知拖车处理")),
    )),
    Category("NOISE", "噪音", 14, (
        Kind("装修噪音", "报警人称楼上住户在午休时间仍在装修施工，噪音扰民。",
             ("民警到场劝说，施工已停止",), at_home=True),
        Kind("广场舞噪音", "报警人称小区广场舞音响音量过大，影响休息。",
             ("民警到场劝说，音量已调低",)),
        Kind("夜间喧哗", "报警人称楼下烧烤店顾客深夜大声喧哗，影响休息。",
             ("已批评教育当事人并责令整改",)),
    )),
    Category("FRAUD", "诈骗", 8, (
        Kind("电信诈骗", "报警人称接到自称{imposter}的电话，按对方要求转账{money}元后发现被骗。",
             ("已受案，已开展紧急止付", "已立为刑事案件侦查"), at_home=True),
        Kind("刷单诈骗", "报警人称在网上参与刷单返利，先后转账{money}元后对方失联。",
             ("已立为刑事案件侦查",), at_home=True),
    )),
    Category("FIGHT", "斗殴", 5, (
        Kind("打架斗殴", "有多人在饭店门口发生打架，{injury}。",
             ("民警到场制止，双方已带回派出所处理", "已依法处理，一方被行政拘留")),
    )),
    Category("MISSING_PERSON", "走失", 4, (
        Kind("人员走失", "报警人称家中{age}岁的家人外出未归，联系不上。",
             ("走失人员已找到并送回家中",), at_home=True),
    )),
    Category("SUSPICIOUS", "可疑情况", 5, (
        Kind("可疑人员", "报警人称有可疑人员在楼下徘徊，逐个拉动车门。",
             ("民警到场盘查，未发现异常", "已登记并加强巡逻")),
        Kind("可疑车辆", "报警人称一辆无牌面包车在小区内停放多日。",
             ("民警到场核查，车辆已挪走",)),
    )),
    Category("HELP", "求助", 8, (
        Kind("开锁求助", "报警人称钥匙反锁在屋内，家中有幼儿，请求帮助。",
             ("已联系开锁公司协助处理",), at_home=True),
        Kind("老人摔倒", "报警人称在路边发现一名老人摔倒无法起身。",
             ("已联系120送医", "已通知家属领回")),
    )),
    Category("OTHER", "其他", 2, (
        Kind("燃放烟花", "报警人称楼下有人燃放烟花爆竹。", ("民警到场处理完毕",)),
    )),
)  # fmt: skip
CATEGORY_BY_CODE = {category.code: category for category in CATEGORIES}


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    category: str
    summary: str
    description: str
    reported_at: datetime
    occurred_at: datetime | None
    lat: float
    lon: float
    address: str
    grid_code: str
    status: Status
    caller: tuple[str, str] | None
    assigned_unit: str | None
    source: str
    external_ref: str | None
    result: str | None
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class PatrolUnit:
    id: str
    call_sign: str
    kind: str
    grid_code: str
    status: str
    leader: tuple[str, str]
    members: int
    lon: float
    lat: float
    reported_at: datetime


@lru_cache(maxsize=RENDERED)
def incident_json(incident: Incident) -> dict[str, Any]:
    """The wire form, rendered once per version of a record: never change what it returns."""
    caller = incident.caller
    return {
        "id": incident.id,
        "category": incident.category,
        "categoryName": CATEGORY_BY_CODE[incident.category].name,
        "summary": incident.summary,
        "description": incident.description,
        "reportedAt": beijing_iso(incident.reported_at),
        "occurredAt": beijing_iso(incident.occurred_at) if incident.occurred_at else None,
        "location": {
            "latitude": incident.lat,
            "longitude": incident.lon,
            "address": incident.address,
        },
        "gridCode": incident.grid_code,
        "station": STATION,
        "status": incident.status.value,
        "statusName": STATUS_NAMES[incident.status],
        "caller": {"name": caller[0], "phone": caller[1]} if caller else None,
        "assignedUnit": incident.assigned_unit,
        "source": incident.source,
        "externalRef": incident.external_ref,
        "result": incident.result,
        "updatedAt": beijing_iso(incident.updated_at),
        "closedAt": beijing_iso(incident.closed_at) if incident.closed_at else None,
    }


def patrol_unit_json(unit: PatrolUnit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "callSign": unit.call_sign,
        "kind": unit.kind,
        "gridCode": unit.grid_code,
        "status": unit.status,
        "leader": {"name": unit.leader[0], "phone": unit.leader[1]},
        "members": unit.members,
        "position": {
            "latitude": unit.lat,
            "longitude": unit.lon,
            "reportedAt": beijing_iso(unit.reported_at),
        },
    }


@dataclass(frozen=True, slots=True)
class NewIncident:
    """What the hub hands over (联动转警), already checked against the contract."""

    category: str
    summary: str
    description: str
    lat: float
    lon: float
    address: str
    occurred_at: datetime | None = None
    caller: tuple[str, str] | None = None


class PoliceData:
    """Every incident and patrol unit, the change log, and how records move on."""

    def __init__(
        self, town: FeatureCollection, grids: FeatureCollection, seed: int, end: datetime
    ) -> None:
        self.grids = grids
        self.index = SchemeIndex(grids)
        self.numbers = DailyNumbers("JQ")
        self.changes = ChangeLog()
        self.town = TownMap(town)
        rng = random.Random(f"police-records-{seed}")  # noqa: S311 - seeded, reproducible
        self.units = _patrol_units(rng, self.index, end)
        self.incidents: dict[str, Incident] = {}
        self.by_reference: dict[str, str] = {}
        for incident in sorted(_history(rng, self, end), key=lambda i: i.reported_at):
            stored = replace(incident, id=self.numbers.next(incident.reported_at))
            self.incidents[stored.id] = stored
        self._ordered: list[Incident] | None = None

    def ordered(self) -> list[Incident]:
        """Newest first, as the list endpoint answers; rebuilt only after a change."""
        if self._ordered is None:
            self._ordered = sorted(
                self.incidents.values(), key=lambda i: (i.reported_at, i.id), reverse=True
            )
        return self._ordered

    def get(self, incident_id: str) -> Incident:
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise RecordNotFoundError(incident_id) from None

    def units_of(self, grid_code: str) -> list[PatrolUnit]:
        return [unit for unit in self.units if unit.grid_code == grid_code]

    def register(self, new: NewIncident, key: str | None, clock: Clock) -> Incident:
        """Store a new incident (the caller has checked it is police business here)."""
        now = clock.stamp()
        grid = self.index.code_at(new.lon, new.lat)
        assert grid is not None, "the caller checks the location first"
        incident = Incident(
            id=self.numbers.next(now),
            category=new.category,
            summary=new.summary,
            description=new.description,
            reported_at=now,
            occurred_at=new.occurred_at,
            lat=new.lat,
            lon=new.lon,
            address=new.address,
            grid_code=grid,
            status=Status.RECEIVED,
            caller=new.caller,
            assigned_unit=None,
            source="HUB" if key else "CALL_110",
            external_ref=key,
            result=None,
            updated_at=now,
            closed_at=None,
        )
        self._store(incident)
        if key:
            self.by_reference[key] = incident.id
        self._log(incident, None, now, note=None)
        return incident

    def advance(
        self, incident_id: str, target: str | None, note: str | None, clock: Clock
    ) -> list[str]:
        incident = self.get(incident_id)
        steps = COURSE.path(incident.status.value, target)
        for step in steps:
            now = clock.stamp()
            before = incident.status
            incident = self._step(incident, Status(step), now, note)
            self._store(incident)
            self._log(incident, before, now, note)
        return steps

    def progress(self, rng: random.Random, clock: Clock) -> None:
        """The demo's pace: an open incident moves on, or a new 110 call comes in."""
        open_ids = [i.id for i in self.incidents.values() if not COURSE.is_final(i.status.value)]
        if open_ids and rng.random() < 0.7:
            self.advance(rng.choice(open_ids), None, None, clock)
            return
        kind_of = _incident_kind(rng)
        place = self.town.place(rng)
        category, kind = kind_of
        new = NewIncident(
            category=category.code,
            summary=kind.summary,
            description=_describe(rng, kind),
            lat=place.lat,
            lon=place.lon,
            address=_address(rng, place, kind),
            caller=person(rng),
        )
        if self.index.code_at(new.lon, new.lat):
            self.register(new, None, clock)

    def _step(
        self, incident: Incident, status: Status, now: datetime, note: str | None
    ) -> Incident:
        changes: dict[str, Any] = {"status": status, "updated_at": now}
        if status is Status.DISPATCHED:
            units = self.units_of(incident.grid_code) or self.units
            changes["assigned_unit"] = units[0].id
        elif status is Status.HANDLED:
            kind = _kind_of(incident)
            changes["result"] = note or (kind.results[0] if kind else "民警到场处理完毕")
        elif status is Status.CLOSED:
            changes["closed_at"] = now
        return replace(incident, **changes)

    def _store(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident
        self._ordered = None

    def _log(
        self, incident: Incident, before: Status | None, at: datetime, note: str | None
    ) -> None:
        self.changes.append(
            {
                "type": "CREATED" if before is None else "STATUS_CHANGED",
                "incidentId": incident.id,
                "status": incident.status.value,
                "previousStatus": before.value if before else None,
                "changedAt": beijing_iso(at),
                "externalRef": incident.external_ref,
                "note": note,
                "incident": incident_json(incident),
            }
        )


def _kind_of(incident: Incident) -> Kind | None:
    category = CATEGORY_BY_CODE.get(incident.category)
    kinds = category.kinds if category else ()
    return next((k for k in kinds if k.summary == incident.summary), None)


def _incident_kind(rng: random.Random) -> tuple[Category, Kind]:
    category = rng.choices(CATEGORIES, [c.weight for c in CATEGORIES])[0]
    return category, rng.choice(category.kinds)


def _describe(rng: random.Random, kind: Kind) -> str:
    return kind.description.format(**{key: rng.choice(options) for key, options in FILL.items()})


def _address(rng: random.Random, place: Place, kind: Kind) -> str:
    return place.building + (room(rng, place.village) if kind.at_home else "附近")


def _history(rng: random.Random, data: PoliceData, end: datetime) -> list[Incident]:
    incidents: list[Incident] = []
    while len(incidents) < INCIDENTS:
        place = data.town.place(rng)
        grid = data.index.code_at(place.lon, place.lat)
        if grid is None:
            continue
        incidents.append(_seeded(rng, data, place, grid, end))
    return incidents


def _seeded(
    rng: random.Random, data: PoliceData, place: Place, grid: str, end: datetime
) -> Incident:
    category, kind = _incident_kind(rng)
    reported = moment_in_history(rng, end, HISTORY_DAYS)
    times = [reported]
    for low, high in STEP_MINUTES:
        times.append(times[-1] + timedelta(minutes=rng.uniform(low, high)))
    done = [t for t in times if t <= end]
    status = list(Status)[len(done) - 1]
    units = data.units_of(grid) or data.units
    return Incident(
        id="",
        category=category.code,
        summary=kind.summary,
        description=_describe(rng, kind),
        reported_at=reported,
        occurred_at=reported - timedelta(minutes=rng.randint(1, 40)),
        lat=place.lat,
        lon=place.lon,
        address=_address(rng, place, kind),
        grid_code=grid,
        status=status,
        caller=person(rng) if rng.random() < 0.88 else None,
        assigned_unit=rng.choice(units).id if len(done) > 1 else None,
        source="CALL_110" if rng.random() < 0.9 else "WALK_IN",
        external_ref=None,
        result=rng.choice(kind.results) if len(done) > 3 else None,
        updated_at=done[-1],
        closed_at=done[-1] if status is Status.CLOSED else None,
    )


UNIT_KINDS = (("CAR", "车巡"), ("FOOT", "步巡"), ("BICYCLE", "骑巡"), ("MOTORCYCLE", "摩巡"))
UNIT_STATUSES = ("ON_PATROL", "ON_CALL", "RESTING", "OFF_DUTY")


def _patrol_units(rng: random.Random, index: SchemeIndex, end: datetime) -> list[PatrolUnit]:
    units = []
    for number in range(1, PATROL_UNITS + 1):
        grid = index.codes[(number - 1) % len(index.codes)]
        kind = rng.choices(UNIT_KINDS, [5, 3, 2, 2])[0][0]
        lon, lat = random_point(index.shapes[grid], rng)
        units.append(
            PatrolUnit(
                id=f"XL-{number:03d}",
                call_sign=f"云溪巡{number:02d}",
                kind=kind,
                grid_code=grid,
                status=rng.choices(UNIT_STATUSES, [6, 2, 1, 1])[0],
                leader=person(rng),
                members=rng.randint(2, 4) if kind == "CAR" else rng.randint(1, 2),
                lon=lon,
                lat=lat,
                reported_at=end - timedelta(minutes=rng.randint(1, 30)),
            )
        )
    return units
