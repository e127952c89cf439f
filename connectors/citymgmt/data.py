"""The city-management system's records: cases (案卷) of parts and events, seeded from the town.

About 2,000 cases over the last 90 days, each on the unit grid its point falls in, with
the category tree's time limits counted in working time. The wire format (snake_case,
Beijing wall-clock time without a zone) is the contract's.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from connectors.sdk.simulation import (
    RENDERED,
    ROADS,
    Clock,
    Course,
    DailyNumbers,
    FeatureCollection,
    Place,
    RecordNotFoundError,
    SchemeIndex,
    Step,
    TownMap,
    add_working_days,
    add_working_hours,
    beijing_local,
    moment_in_history,
    person,
)

HISTORY_DAYS = 90
CASES = 2000
CENTRE = "监督指挥中心"
INSPECTORS = "城管监督员队伍"
STATUSES = ("受理", "立案", "派遣", "处置", "核查", "结案")
VOID = "作废"
COURSE = Course(
    {
        "受理": ["立案", VOID],
        "立案": ["派遣"],
        "派遣": ["处置"],
        "处置": ["核查"],
        "核查": ["结案"],
    }
)


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    kind: str  # 部件 or 事件
    limit: tuple[int, str] | None  # (value, WORKING_HOURS | WORKING_DAYS); None for a main category
    unit: str | None
    phrases: tuple[str, ...] = ()
    weight: int = 0

    @property
    def parent(self) -> str | None:
        return self.code[:2] if len(self.code) == 4 else None


def _main(code: str, name: str, kind: str) -> Category:
    return Category(code, name, kind, None, None)


def _sub(
    code: str, name: str, limit: tuple[int, str], unit: str, weight: int, *phrases: str
) -> Category:
    kind = "部件" if code[0] == "1" else "事件"
    return Category(code, name, kind, limit, unit, phrases, weight)


H, D = "WORKING_HOURS", "WORKING_DAYS"
SANITATION, ENFORCEMENT, MUNICIPAL = "环境卫生管理所", "城管执法中队", "市政设施管理所"
TREE = (
    _main("01", "市容环境", "事件"),
    _sub("0101", "暴露垃圾", (2, H), SANITATION, 14, "有生活垃圾散落，未及时清运"),
    _sub("0102", "积存垃圾渣土", (4, H), SANITATION, 6, "堆积建筑垃圾和渣土"),
    _sub("0103", "道路不洁", (2, H), SANITATION, 6, "路面有油污和泥浆，影响通行"),
    _sub("0104", "乱涂乱画", (1, D), SANITATION, 3, "墙面有乱涂乱画"),
    _sub("0105", "焚烧垃圾", (1, H), ENFORCEMENT, 2, "有人露天焚烧垃圾，烟雾较大"),
    _main("02", "宣传广告", "事件"),
    _sub("0201", "非法小广告", (4, H), ENFORCEMENT, 9, "电线杆和墙面张贴大量小广告"),
    _sub("0202", "违规户外广告", (3, D), ENFORCEMENT, 2, "店铺设置的户外广告牌未经审批"),
    _sub("0203", "占道广告牌", (1, D), ENFORCEMENT, 3, "人行道上摆放广告牌，占用通道"),
    _sub("0204", "散发广告", (2, H), ENFORCEMENT, 2, "有人在路口散发商业广告"),
    _main("03", "施工管理", "事件"),
    _sub("0301", "施工扰民", (1, D), ENFORCEMENT, 4, "工地夜间施工，噪音扰民"),
    _sub("0302", "施工废弃料", (2, D), ENFORCEMENT, 2, "施工废弃料堆放在路边未清运"),
    _sub("0303", "施工占道", (1, D), ENFORCEMENT, 2, "施工围挡占用车行道"),
    _sub("0304", "道路遗撒", (2, H), SANITATION, 3, "渣土车沿路遗撒"),
    _sub("0305", "无证掘路", (1, D), MUNICIPAL, 1, "道路被擅自开挖，未见施工许可公示"),
    _main("04", "突发事件", "事件"),
    _sub("0401", "路面塌陷", (1, H), MUNICIPAL, 1, "路面出现塌陷坑洞，存在安全隐患"),
    _sub("0402", "自来水管破裂", (1, H), "供水公司", 2, "自来水管破裂，路面大量积水"),
    _sub("0403", "下水道堵塞", (4, H), MUNICIPAL, 3, "下水道堵塞，污水外溢"),
    _sub("0404", "道路积水", (2, H), MUNICIPAL, 2, "雨后路面积水严重"),
    _sub("0405", "井盖缺失", (1, H), MUNICIPAL, 2, "井盖缺失，仅用杂物遮挡"),
    _main("05", "街面秩序", "事件"),
    _sub("0501", "无照经营游商", (2, H), ENFORCEMENT, 8, "有流动摊贩占道经营"),
    _sub("0502", "店外经营", (2, H), ENFORCEMENT, 8, "店铺跨门经营，商品摆放到人行道"),
    _sub("0503", "占道废品收购", (4, H), ENFORCEMENT, 2, "废品收购点占道堆放"),
    _sub("0504", "机动车乱停放", (2, H), ENFORCEMENT, 7, "机动车停放在人行道上"),
    _sub("0505", "非机动车乱停放", (2, H), ENFORCEMENT, 6, "共享单车大量堆放，阻碍通行"),
    _sub("0506", "露天烧烤", (1, H), ENFORCEMENT, 3, "店外露天烧烤，油烟扰民"),
    _main("11", "公用设施", "部件"),
    _sub("1101", "上水井盖", (2, D), "供水公司", 2, "上水井盖破损"),
    _sub("1102", "污水井盖", (2, D), MUNICIPAL, 2, "污水井盖松动，车辆经过有响声"),
    _sub("1103", "雨水箅子", (2, D), MUNICIPAL, 2, "雨水箅子缺失"),
    _sub("1104", "路灯", (2, D), "路灯管理所", 4, "路灯不亮"),
    _sub("1105", "消防栓", (3, D), "消防救援站", 1, "消防栓漏水"),
    _main("12", "道路交通", "部件"),
    _sub("1201", "交通信号灯", (1, D), "交警大队", 1, "交通信号灯故障"),
    _sub("1202", "道路护栏", (3, D), MUNICIPAL, 2, "道路护栏倒伏"),
    _sub("1203", "交通标志牌", (3, D), "交警大队", 1, "交通标志牌歪斜"),
    _main("13", "市容环境设施", "部件"),
    _sub("1301", "公共厕所", (2, D), SANITATION, 1, "公共厕所设施损坏"),
    _sub("1302", "垃圾箱", (2, D), SANITATION, 3, "垃圾箱破损"),
    _main("14", "园林绿化", "部件"),
    _sub("1401", "行道树", (3, D), "园林绿化所", 2, "行道树枝条断裂，悬挂在人行道上方"),
    _sub("1402", "绿地", (3, D), "园林绿化所", 1, "绿地被踩踏、黄土裸露"),
)  # fmt: skip
CATEGORY_BY_CODE = {category.code: category for category in TREE}
SUBCATEGORIES = tuple(category for category in TREE if category.limit)
SOURCES = (("监督员上报", 55), ("公众举报", 15), ("12345转办", 15), ("视频巡查", 15))


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    category: str
    description: str
    address: str
    lon: float
    lat: float
    grid_code: str
    source: str
    reporter: tuple[str, str] | None
    external_ref: str | None
    version: int
    flow: tuple[Step, ...]
    deadline: datetime | None = None

    @property
    def status(self) -> str:
        return self.flow[-1].status

    @property
    def reported_at(self) -> datetime:
        return self.flow[0].at

    @property
    def closed_at(self) -> datetime | None:
        return self.flow[-1].at if self.status in ("结案", VOID) else None


def category_json(category: Category) -> dict[str, Any]:
    limit = {"value": category.limit[0], "unit": category.limit[1]} if category.limit else None
    return {
        "code": category.code,
        "name": category.name,
        "kind": category.kind,
        "parent_code": category.parent,
        "time_limit": limit,
        "handling_unit": category.unit,
    }


def case_json(case: Case, now: datetime) -> dict[str, Any]:
    """The wire form; all but ``overdue`` is rendered once per version of a case."""
    body = dict(_case_body(case))
    body["overdue"] = bool(case.deadline and case.closed_at is None and now > case.deadline)
    return body


@lru_cache(maxsize=RENDERED)
def _case_body(case: Case) -> dict[str, Any]:
    category = CATEGORY_BY_CODE[case.category]
    assert category.limit is not None
    assert category.unit is not None
    assert category.parent is not None
    closed = case.closed_at
    return {
        "id": case.id,
        "kind": category.kind,
        "category_code": category.code,
        "category_name": category.name,
        "main_category_name": CATEGORY_BY_CODE[category.parent].name,
        "description": case.description,
        "address": case.address,
        "longitude": case.lon,
        "latitude": case.lat,
        "grid_code": case.grid_code,
        "status": case.status,
        "source": case.source,
        "reported_at": beijing_local(case.reported_at),
        "deadline": beijing_local(case.deadline) if case.deadline else None,
        "time_limit": {"value": category.limit[0], "unit": category.limit[1]},
        "overdue": False,  # as of now: case_json sets it
        "handling_unit": category.unit,
        "reporter": {"name": case.reporter[0], "phone": case.reporter[1]}
        if case.reporter
        else None,
        "external_ref": case.external_ref,
        "closed_at": beijing_local(closed) if closed else None,
        "version": case.version,
        "flow": [step.as_json(beijing_local) for step in case.flow],
    }


def deadline_after(start: datetime, category: Category) -> datetime:
    assert category.limit is not None
    value, unit = category.limit
    return (
        add_working_hours(start, value)
        if unit == "WORKING_HOURS"
        else add_working_days(start, value)
    )


@dataclass(frozen=True, slots=True)
class NewCase:
    category: str
    description: str
    address: str
    lon: float
    lat: float
    reporter: tuple[str, str] | None = None


class CityData:
    """Every case, the version counter, and how cases move on."""

    def __init__(
        self, town: FeatureCollection, grids: FeatureCollection, seed: int, end: datetime
    ) -> None:
        self.grids = grids
        self.index = SchemeIndex(grids)
        self.town = TownMap(town)
        self.numbers = DailyNumbers("CG")
        self.version = 0
        self.cases: dict[str, Case] = {}
        self.by_reference: dict[str, str] = {}
        rng = random.Random(f"citymgmt-records-{seed}")  # noqa: S311 - seeded, reproducible
        reported = sorted(_history(rng, self, end), key=lambda c: c.reported_at)
        numbered = [replace(c, id=self.numbers.next(c.reported_at)) for c in reported]
        for case in sorted(numbered, key=lambda c: c.flow[-1].at):
            self.cases[case.id] = replace(case, version=self._next_version())
        self._ordered: list[Case] | None = None

    def ordered(self) -> list[Case]:
        """Newest report first."""
        if self._ordered is None:
            self._ordered = sorted(
                self.cases.values(), key=lambda c: (c.reported_at, c.id), reverse=True
            )
        return self._ordered

    def by_version(self) -> list[Case]:
        return sorted(self.cases.values(), key=lambda c: c.version)

    def get(self, case_id: str) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            raise RecordNotFoundError(case_id) from None

    def register(self, new: NewCase, key: str | None, clock: Clock) -> Case:
        now = clock.stamp()
        grid = self.index.code_at(new.lon, new.lat)
        assert grid is not None, "the caller checks the location first"
        case = Case(
            id=self.numbers.next(now),
            category=new.category,
            description=new.description,
            address=new.address,
            lon=new.lon,
            lat=new.lat,
            grid_code=grid,
            source="联动平台" if key else "监督员上报",
            reporter=new.reporter,
            external_ref=key,
            version=self._next_version(),
            flow=(Step("受理", now, CENTRE, "联动平台转入" if key else None),),
        )
        self._store(case)
        if key:
            self.by_reference[key] = case.id
        return case

    def advance(
        self, case_id: str, target: str | None, note: str | None, clock: Clock
    ) -> list[str]:
        case = self.get(case_id)
        steps = COURSE.path(case.status, target)
        for status in steps:
            now = clock.stamp()
            case = _after_step(case, status, now, note)
            self._store(replace(case, version=self._next_version()))
        return steps

    def progress(self, rng: random.Random, clock: Clock) -> None:
        """The demo's pace: an open case moves on, or an inspector reports a new one."""
        open_ids = [c.id for c in self.cases.values() if not COURSE.is_final(c.status)]
        if open_ids and rng.random() < 0.7:
            self.advance(rng.choice(open_ids), None, None, clock)
            return
        category = _category(rng)
        place = self.town.place(rng)
        if self.index.code_at(place.lon, place.lat):
            new = NewCase(
                category.code,
                _describe(rng, category, place),
                _address(rng, place),
                place.lon,
                place.lat,
            )
            self.register(new, None, clock)

    def _next_version(self) -> int:
        self.version += 1
        return self.version

    def _store(self, case: Case) -> None:
        self.cases[case.id] = case
        self._ordered = None


def _after_step(case: Case, status: str, now: datetime, note: str | None) -> Case:
    category = CATEGORY_BY_CODE[case.category]
    unit = category.unit if status == "处置" else INSPECTORS if status == "核查" else CENTRE
    deadline = deadline_after(now, category) if status == "派遣" else case.deadline
    step = Step(status, now, unit or CENTRE, note)
    return replace(case, flow=(*case.flow, step), deadline=deadline)


def _category(rng: random.Random) -> Category:
    return rng.choices(SUBCATEGORIES, [c.weight for c in SUBCATEGORIES])[0]


def _address(rng: random.Random, place: Place) -> str:
    if rng.random() < 0.4:
        first, second = rng.sample(ROADS, 2)
        return f"{first}与{second}交叉口"
    return f"{place.building}{rng.choice(('附近', '东侧', '西侧', '门口', '南侧'))}"


def _describe(rng: random.Random, category: Category, place: Place) -> str:
    return f"{place.community}范围内，{rng.choice(category.phrases)}。"


def _history(rng: random.Random, data: CityData, end: datetime) -> list[Case]:
    cases: list[Case] = []
    while len(cases) < CASES:
        place = data.town.place(rng)
        grid = data.index.code_at(place.lon, place.lat)
        if grid is not None:
            cases.append(_seeded(rng, place, grid, end))
    return cases


def _seeded(rng: random.Random, place: Place, grid: str, end: datetime) -> Case:
    category = _category(rng)
    source = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES])[0]
    flow, deadline = _seeded_flow(rng, category, moment_in_history(rng, end, HISTORY_DAYS), end)
    return Case(
        id="",
        category=category.code,
        description=_describe(rng, category, place),
        address=_address(rng, place),
        lon=place.lon,
        lat=place.lat,
        grid_code=grid,
        source=source,
        reporter=person(rng) if source == "公众举报" else None,
        external_ref=None,
        version=0,
        flow=flow,
        deadline=deadline,
    )


def _seeded_flow(
    rng: random.Random, category: Category, reported: datetime, end: datetime
) -> tuple[tuple[Step, ...], datetime | None]:
    """The steps a case took by ``end``: most on time, some late, a few void."""
    if rng.random() < 0.03:
        voided = reported + timedelta(minutes=rng.uniform(5, 60))
        steps = [Step("受理", reported, CENTRE)]
        if voided <= end:
            steps.append(Step(VOID, voided, CENTRE, "经核实不属于城管受理范围"))
        return tuple(steps), None
    registered = reported + timedelta(minutes=rng.uniform(5, 30))
    dispatched = registered + timedelta(minutes=rng.uniform(5, 60))
    deadline = deadline_after(dispatched, category)
    handled = dispatched + (deadline - dispatched) * rng.uniform(0.3, 1.3)
    checked = handled + timedelta(hours=rng.uniform(0.5, 4))
    closed = checked + timedelta(hours=rng.uniform(0.5, 24))
    times = (reported, registered, dispatched, handled, checked, closed)
    units = (CENTRE, CENTRE, CENTRE, category.unit or CENTRE, INSPECTORS, CENTRE)
    steps = [
        Step(status, at, unit)
        for status, at, unit in zip(STATUSES, times, units, strict=True)
        if at <= end
    ]
    return tuple(steps), deadline if len(steps) >= 3 else None
