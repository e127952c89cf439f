"""The health platform's records in FHIR R4 shapes, seeded from the town.

About 320 vulnerable residents (elderly living alone, chronic patients …) with their
follow-up visits (``Task``) over the last 90 days and the next week, a dozen area
alerts (``Flag``), and the clinics (``Location``) with their service areas.
"""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from connectors.sdk.simulation import (
    Clock,
    Course,
    FeatureCollection,
    Place,
    RecordNotFoundError,
    SchemeIndex,
    TownMap,
    fhir_instant,
    id_number,
    moment_in_history,
    person,
    room,
)

HISTORY_DAYS = 90
RESIDENTS = 320
ALERTS = 14
TYPE_SYSTEM = "urn:yunxi:health:followup-type"
ALERT_SYSTEM = "urn:yunxi:health:alert-type"
AREA_URL = "urn:yunxi:health:service-area"
GEOLOCATION_URL = "http://hl7.org/fhir/StructureDefinition/geolocation"
BOUNDARY_URL = "http://hl7.org/fhir/StructureDefinition/location-boundary-geojson"
CASES_URL = "urn:yunxi:health:case-count"
TASK_SYSTEM = "urn:yunxi:health:task"
ALERT_ID_SYSTEM = "urn:yunxi:health:alert"
TASKS = Course(
    {
        "requested": ["accepted", "rejected", "cancelled"],
        "accepted": ["in-progress", "cancelled"],
        "in-progress": ["completed", "failed"],
    }
)
FLAGS = Course({"active": ["inactive", "entered-in-error"]})


@dataclass(frozen=True, slots=True)
class FollowUpType:
    code: str
    display: str
    interval_days: int
    weight: int
    description: str
    conditions: tuple[str, ...]
    notes: tuple[str, ...]


FOLLOW_UP_TYPES = (
    FollowUpType(
        code="elderly-alone",
        display="独居老人随访",
        interval_days=14,
        weight=35,
        description="独居老人定期上门探访：了解身体状况、用药和生活照料需求",
        conditions=("独居，行动不便", "独居，轻度认知障碍", "独居，听力下降"),
        notes=(
            "老人精神状态良好，生活可自理",
            "家中药品充足，已提醒按时服药",
            "已联系社区安排助餐",
        ),
    ),
    FollowUpType(
        code="chronic-disease",
        display="慢病随访",
        interval_days=30,
        weight=40,
        description="慢性病随访：测量血压血糖，核对用药，指导饮食运动",
        conditions=("高血压三级", "2型糖尿病", "高血压合并糖尿病", "冠心病"),
        notes=("血压 142/88 mmHg，规律服药，建议低盐饮食", "空腹血糖 7.8 mmol/L，已调整用药"),
    ),
    FollowUpType(
        code="severe-mental",
        display="严重精神障碍患者随访",
        interval_days=30,
        weight=5,
        description="严重精神障碍患者随访：评估病情和服药依从性",
        conditions=("精神分裂症，病情稳定", "双相情感障碍"),
        notes=("病情稳定，按时服药", "家属反映睡眠差，已建议复诊"),
    ),
    FollowUpType(
        code="disabled",
        display="残疾人康复随访",
        interval_days=30,
        weight=8,
        description="残疾人康复随访：康复训练指导和辅具使用评估",
        conditions=("肢体残疾二级", "视力残疾一级"),
        notes=("康复训练坚持良好", "已申请辅具适配"),
    ),
    FollowUpType(
        code="postnatal",
        display="产后访视",
        interval_days=21,
        weight=7,
        description="产后访视：产妇和新生儿健康检查",
        conditions=("产后第7天", "产后第28天"),
        notes=("母婴情况良好", "新生儿黄疸已消退"),
    ),
    FollowUpType(
        code="outbreak-investigation",
        display="聚集性疫情排查",
        interval_days=0,
        weight=0,  # asked for by the hub, never routine
        description="聚集性疫情排查：入户了解症状和接触史",
        conditions=(),
        notes=("已完成入户排查",),
    ),
    FollowUpType(
        code="health-check",
        display="健康问询",
        interval_days=0,
        weight=0,
        description="健康问询：上门了解居民健康状况",
        conditions=(),
        notes=("已上门问询，居民身体状况良好",),
    ),
)
TYPE_BY_CODE = {kind.code: kind for kind in FOLLOW_UP_TYPES}
ALERT_TYPES = (  # code, display, weight
    ("fever-cluster", "发热聚集", 5),
    ("diarrhea-cluster", "腹泻聚集", 3),
    ("rash-cluster", "皮疹聚集", 2),
    ("food-poisoning", "疑似食物中毒", 2),
    ("heat-illness", "中暑", 2),
)


@dataclass(frozen=True, slots=True)
class Resident:
    name: str
    phone: str
    id_number: str
    male: bool
    birth: date
    address: str
    condition: str
    kind: FollowUpType


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    kind: str
    status: str
    area: str
    lon: float
    lat: float
    authored: datetime
    due: datetime
    updated: datetime
    version: int
    description: str
    priority: str = "routine"
    resident: Resident | None = None
    started: datetime | None = None
    ended: datetime | None = None
    notes: tuple[tuple[str, datetime], ...] = ()
    identifiers: tuple[tuple[str, str], ...] = ()

    @property
    def when(self) -> datetime:
        """What its date search parameter (authored-on) is about."""
        return self.authored


@dataclass(frozen=True, slots=True)
class Flag:
    id: str
    kind: str
    display: str
    status: str
    area: str
    lon: float
    lat: float
    cases: int
    text: str
    start: datetime
    end: datetime | None
    updated: datetime
    version: int

    @property
    def when(self) -> datetime:
        """What its date search parameter (date) is about."""
        return self.start


def _meta(version: int, updated: datetime) -> dict[str, str]:
    return {"versionId": str(version), "lastUpdated": fhir_instant(updated)}


def _geolocation(lon: float, lat: float) -> dict[str, Any]:
    return {
        "url": GEOLOCATION_URL,
        "extension": [
            {"url": "latitude", "valueDecimal": lat},
            {"url": "longitude", "valueDecimal": lon},
        ],
    }


def _clinic(areas: dict[str, dict[str, Any]], area: str) -> dict[str, str]:
    properties = areas[area]
    return {"reference": f"Location/{properties['clinic']}", "display": properties["name"]}


def task_json(task: Task, areas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    kind = TYPE_BY_CODE[task.kind]
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": task.id,
        "meta": _meta(task.version, task.updated),
        "identifier": [{"system": s, "value": v} for s, v in task.identifiers],
        "status": task.status,
        "intent": "order",
        "priority": task.priority,
        "code": {
            "coding": [{"system": TYPE_SYSTEM, "code": kind.code, "display": kind.display}],
            "text": kind.display,
        },
        "description": task.description,
        "authoredOn": fhir_instant(task.authored),
        "lastModified": fhir_instant(task.updated),
        "restriction": {"period": {"end": fhir_instant(task.due)}},
        "owner": {"display": f"{areas[task.area]['name']} 家庭医生团队"},
        "location": _clinic(areas, task.area),
        "note": [{"text": text, "time": fhir_instant(at)} for text, at in task.notes],
        "extension": [
            {"url": AREA_URL, "valueString": task.area},
            _geolocation(task.lon, task.lat),
        ],
    }
    if task.started or task.ended:
        period = {"start": task.started, "end": task.ended}
        resource["executionPeriod"] = {k: fhir_instant(v) for k, v in period.items() if v}
    if task.resident:
        resource |= _patient(task.resident)
    return resource


def _patient(resident: Resident) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "id": "patient",
        "identifier": [{"system": "urn:cn:resident-id", "value": resident.id_number}],
        "name": [{"text": resident.name}],
        "telecom": [{"system": "phone", "value": resident.phone}],
        "gender": "male" if resident.male else "female",
        "birthDate": resident.birth.isoformat(),
        "address": [{"text": resident.address}],
    }
    return {
        "contained": [patient],
        "for": {"reference": "#patient", "display": resident.name},
        "reasonCode": {"text": resident.condition},
    }


def flag_json(flag: Flag, areas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    period = {"start": fhir_instant(flag.start)} | (
        {"end": fhir_instant(flag.end)} if flag.end else {}
    )
    return {
        "resourceType": "Flag",
        "id": flag.id,
        "meta": _meta(flag.version, flag.updated),
        "identifier": [{"system": ALERT_ID_SYSTEM, "value": flag.id.upper()}],
        "status": flag.status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
                        "code": "clinical",
                        "display": "Clinical",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": ALERT_SYSTEM, "code": flag.kind, "display": flag.display}],
            "text": flag.text,
        },
        "subject": _clinic(areas, flag.area),
        "period": period,
        "author": {"display": "云溪街道社区卫生服务中心"},
        "extension": [
            {"url": AREA_URL, "valueString": flag.area},
            _geolocation(flag.lon, flag.lat),
            {"url": CASES_URL, "valueInteger": flag.cases},
        ],
    }


def location_json(feature: dict[str, Any], updated: datetime) -> dict[str, Any]:
    properties = feature["properties"]
    boundary = json.dumps(feature["geometry"], separators=(",", ":")).encode()
    lon, lat = properties["position"]
    return {
        "resourceType": "Location",
        "id": properties["clinic"],
        "meta": _meta(1, updated),
        "identifier": [{"system": AREA_URL, "value": properties["code"]}],
        "status": "active",
        "name": properties["name"],
        "telecom": [{"system": "phone", "value": f"0571-8{int(properties['code'][-2:]):03d}2345"}],
        "address": {"text": properties["address"], "district": "临江区"},
        "position": {"longitude": lon, "latitude": lat},
        "extension": [
            {
                "url": BOUNDARY_URL,
                "valueAttachment": {
                    "contentType": "application/geo+json",
                    "data": base64.b64encode(boundary).decode(),
                },
            }
        ],
    }


@dataclass(frozen=True, slots=True)
class NewTask:
    kind: str
    description: str
    lon: float
    lat: float
    due: datetime | None
    priority: str
    notes: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]


class HealthData:
    """Clinics, follow-up tasks and alerts, and how they move on."""

    def __init__(
        self, town: FeatureCollection, areas: FeatureCollection, seed: int, end: datetime
    ) -> None:
        self.index = SchemeIndex(areas)
        self.areas = {f["properties"]["code"]: f["properties"] for f in areas["features"]}
        self.locations = [
            location_json(f, end - timedelta(days=HISTORY_DAYS)) for f in areas["features"]
        ]
        self.town = TownMap(town)
        rng = random.Random(f"health-records-{seed}")  # noqa: S311 - seeded, reproducible
        self.tasks = _numbered_tasks(_seeded_tasks(rng, self, end))
        self.flags = _seeded_flags(rng, self, end)
        updates = [t.updated for t in self.tasks.values()] + [
            f.updated for f in self.flags.values()
        ]
        self._last: datetime = max(updates)

    def area_at(self, lon: float, lat: float) -> str | None:
        return self.index.code_at(lon, lat)

    def stamp(self, clock: Clock) -> datetime:
        """A lastUpdated later than every other: the change feed relies on it."""
        self._last = max(clock.stamp(), self._last + timedelta(milliseconds=1))
        return self._last

    def find(self, identifier: tuple[str, str]) -> Task | None:
        return next((t for t in self.tasks.values() if identifier in t.identifiers), None)

    def register(self, new: NewTask, clock: Clock) -> Task:
        now = self.stamp(clock)
        area = self.area_at(new.lon, new.lat)
        assert area is not None, "the caller checks the location first"
        number = f"fu-{len(self.tasks) + 1:06d}"
        task = Task(
            id=number,
            kind=new.kind,
            status="requested",
            area=area,
            lon=new.lon,
            lat=new.lat,
            authored=now,
            due=new.due or now + timedelta(days=7),
            updated=now,
            version=1,
            description=new.description,
            priority=new.priority,
            notes=tuple((text, now) for text in new.notes),
            identifiers=((TASK_SYSTEM, number.upper()), *new.identifiers),
        )
        self.tasks[task.id] = task
        return task

    def advance(
        self, record_id: str, target: str | None, note: str | None, clock: Clock
    ) -> list[str]:
        if record_id in self.flags:
            return self._advance_flag(self.flags[record_id], target, clock)
        if record_id not in self.tasks:
            raise RecordNotFoundError(record_id)
        task = self.tasks[record_id]
        steps = TASKS.path(task.status, target)
        for status in steps:
            task = _task_step(task, status, self.stamp(clock), note)
        self.tasks[record_id] = task
        return steps

    def progress(self, rng: random.Random, clock: Clock) -> None:
        """The demo's pace: an open visit moves on; now and then an alert ends."""
        open_tasks = [t.id for t in self.tasks.values() if not TASKS.is_final(t.status)]
        if open_tasks and rng.random() < 0.9:
            self.advance(rng.choice(open_tasks), None, None, clock)
            return
        active = [f.id for f in self.flags.values() if f.status == "active"]
        if active:
            self.advance(rng.choice(active), None, None, clock)

    def _advance_flag(self, flag: Flag, target: str | None, clock: Clock) -> list[str]:
        steps = FLAGS.path(flag.status, target)
        now = self.stamp(clock)
        self.flags[flag.id] = replace(
            flag, status=steps[-1], end=now, updated=now, version=flag.version + 1
        )
        return steps


def _task_step(task: Task, status: str, now: datetime, note: str | None) -> Task:
    changes: dict[str, Any] = {"status": status, "updated": now, "version": task.version + 1}
    if status == "in-progress":
        changes["started"] = now
    if status in ("completed", "failed", "cancelled", "rejected"):
        text = note or (
            TYPE_BY_CODE[task.kind].notes[0] if status == "completed" else "未能完成随访"
        )
        changes |= {"ended": now, "notes": (*task.notes, (text, now))}
    return replace(task, **changes)


def _resident(rng: random.Random, place: Place, kind: FollowUpType, end: datetime) -> Resident:
    name, phone = person(rng)
    male = kind.code != "postnatal" and rng.random() < 0.45
    years = {"elderly-alone": (70, 95), "postnatal": (22, 40)}.get(kind.code, (35, 85))
    birth = (end - timedelta(days=365.25 * rng.uniform(*years))).date()
    return Resident(
        name=name,
        phone=phone,
        id_number=id_number(rng, birth, male),
        male=male,
        birth=birth,
        address=place.building + room(rng, place.village),
        condition=rng.choice(kind.conditions),
        kind=kind,
    )


def _seeded_tasks(rng: random.Random, data: HealthData, end: datetime) -> list[Task]:
    routine = [k for k in FOLLOW_UP_TYPES if k.weight]
    tasks: list[Task] = []
    residents = 0
    while residents < RESIDENTS:
        place = data.town.place(rng)
        area = data.area_at(place.lon, place.lat)
        if area is None:
            continue
        residents += 1
        kind = rng.choices(routine, [k.weight for k in routine])[0]
        resident = _resident(rng, place, kind, end)
        due = end - timedelta(days=rng.uniform(HISTORY_DAYS - kind.interval_days, HISTORY_DAYS))
        while due - timedelta(days=7) < end:
            tasks.append(_visit(rng, resident, place, area, due, end))
            due += timedelta(days=kind.interval_days)
    return tasks


def _visit(
    rng: random.Random, resident: Resident, place: Place, area: str, due: datetime, end: datetime
) -> Task:
    kind = resident.kind
    authored = due - timedelta(days=7)
    task = Task(
        id="",
        kind=kind.code,
        status="requested",
        area=area,
        lon=place.lon,
        lat=place.lat,
        authored=authored,
        due=due,
        updated=authored,
        version=1,
        description=kind.description,
        resident=resident,
    )
    visit = due - timedelta(days=rng.uniform(-1.5, 6))  # most visits come before the deadline
    course = (("accepted", authored + timedelta(hours=rng.uniform(1, 24))), ("in-progress", visit),
              ("completed", visit + timedelta(minutes=rng.uniform(20, 60))))  # fmt: skip
    for status, at in course:
        if at > end:
            break
        note = rng.choice(kind.notes) if status == "completed" else None
        task = _task_step(task, status, at, note)
    return task


def _numbered_tasks(tasks: list[Task]) -> dict[str, Task]:
    """Ids in the order tasks were authored; lastUpdated made unique, as the feed needs."""
    numbered: dict[str, Task] = {}
    taken: set[datetime] = set()
    for number, task in enumerate(sorted(tasks, key=lambda t: t.authored), start=1):
        task_id = f"fu-{number:06d}"
        numbered[task_id] = replace(
            task,
            id=task_id,
            updated=_unique(task.updated, taken),
            identifiers=((TASK_SYSTEM, task_id.upper()),),
        )
    return numbered


def _unique(moment: datetime, taken: set[datetime]) -> datetime:
    """``moment`` to the millisecond, moved on until no other record has it."""
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    while moment in taken:
        moment += timedelta(milliseconds=1)
    taken.add(moment)
    return moment


def _seeded_flags(rng: random.Random, data: HealthData, end: datetime) -> dict[str, Flag]:
    flags: list[Flag] = []
    while len(flags) < ALERTS:
        place = data.town.place(rng)
        area = data.area_at(place.lon, place.lat)
        if area is None:
            continue
        kind, display, _ = rng.choices(ALERT_TYPES, [w for _, _, w in ALERT_TYPES])[0]
        # The first is recent, so the town always has an active alert to show.
        start = moment_in_history(rng, end, 3 if not flags else HISTORY_DAYS)
        closes = start + timedelta(days=rng.uniform(3, 10))
        cases = rng.randint(3, 12)
        flags.append(
            Flag(
                id="",
                kind=kind,
                display=display,
                status="inactive" if closes <= end else "active",
                area=area,
                lon=place.lon,
                lat=place.lat,
                cases=cases,
                text=f"{place.building}{display}：{cases}例",
                start=start,
                end=closes if closes <= end else None,
                updated=(closes if closes <= end else start).astimezone(UTC),
                version=2 if closes <= end else 1,
            )
        )
    ordered = sorted(flags, key=lambda f: f.start)
    taken: set[datetime] = set()
    return {
        f"alert-{n:04d}": replace(f, id=f"alert-{n:04d}", updated=_unique(f.updated, taken))
        for n, f in enumerate(ordered, start=1)
    }
