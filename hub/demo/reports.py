"""A background stream of realistic reports for ``hub demo``, so subscribers see the town alive.

Grid workers' patrol findings, residents' 12345 calls, sensor alarms, and now and
then a rainstorm that floods streets in several grids at once. Reports go through
the same intake as ``reportEvent``; nothing downstream knows they are generated.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from connectors.sdk.simulation import names
from hub.core.errors import ReportRejectedError
from hub.events import Channel, Intake, Report, Severity
from hub.registry.model import GridWorker, Region
from hub.stats.people import registry_worker_id

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Finding:
    category: str
    channel: Channel
    description: str


FINDINGS: tuple[Finding, ...] = (
    Finding("city.litter", Channel.PATROL, "垃圾桶满溢，周边散落生活垃圾"),
    Finding("city.street_vending", Channel.PATROL, "早市摊贩占用人行道经营"),
    Finding("city.posters", Channel.PATROL, "单元门口墙面张贴小广告"),
    Finding("city.bike_parking", Channel.VIDEO, "共享单车堆放堵塞盲道"),
    Finding("city.materials", Channel.PATROL, "楼道内堆放杂物影响通行"),
    Finding("municipal.streetlight", Channel.HOTLINE, "小区门口路灯连续三晚不亮"),
    Finding("municipal.manhole_cover", Channel.SENSOR, "井盖位移传感器报警，井盖疑似缺失"),
    Finding("municipal.road_damage", Channel.PATROL, "人行道地砖松动破损"),
    Finding("safety.fire_lane", Channel.PATROL, "消防通道被私家车占用"),
    Finding("safety.ebike_charging", Channel.PATROL, "电动车在楼道内飞线充电"),
    Finding("environment.noise", Channel.HOTLINE, "夜间装修噪声扰民"),
    Finding("environment.cooking_fumes", Channel.HOTLINE, "沿街餐馆油烟直排居民楼"),
    Finding("dispute.neighbour", Channel.PATROL, "楼上楼下因漏水发生争执"),
    Finding("housing.property_service", Channel.HOTLINE, "物业长期不清理绿化带"),
    Finding("livelihood.elderly_alone", Channel.PATROL, "独居老人多日未出门，需上门探访"),
    Finding("market.food_safety", Channel.HOTLINE, "反映小吃店食材存放不规范"),
    Finding("appeal.consultation", Channel.HOTLINE, "咨询老旧小区加装电梯政策"),
    Finding("security.suspicious", Channel.VIDEO, "视频巡查发现可疑人员反复查看电动车"),
    Finding("dispute.property_mgmt", Channel.HOTLINE, "业主与物业因停车费上涨发生纠纷"),
    Finding("livelihood.hardship", Channel.PATROL, "走访发现一户因病致贫家庭需要救助"),
    Finding("geology.hazard", Channel.PATROL, "地质灾害隐患点挡土墙出现新裂缝"),
    Finding("environment.sewage", Channel.PATROL, "河道排污口有黑水排出"),
    Finding("market.unlicensed", Channel.PATROL, "无证照小作坊在居民楼内加工食品"),
    Finding("health.fever_cluster", Channel.PATROL, "同一楼栋多户居民近日出现发热症状"),
)
FLOOD = Finding("municipal.waterlogging", Channel.SENSOR, "暴雨导致路面积水超过20厘米")
# What a rainstorm brings beyond flooded streets, on a night like the seeds' (汛期):
# each storm brings one or two of these, somewhere in the town.
FLOOD_NIGHT: tuple[Finding, ...] = (
    Finding("safety.trapped", Channel.HOTLINE, "地下车库进水，有车辆和人员被困"),
    Finding("geology.landslide", Channel.PATROL, "山坡土体滑落，掩埋部分村道"),
    Finding("utility.drain_blockage", Channel.SENSOR, "雨水管道液位报警，排水不畅倒灌"),
    Finding("utility.power_outage", Channel.HOTLINE, "小区配电房进水，整栋楼停电"),
    Finding("utility.water_outage", Channel.HOTLINE, "供水管爆裂，片区停水"),
    Finding("safety.evacuation", Channel.PATROL, "低洼平房进水，需转移独居老人"),
)


def report_at(
    rng: random.Random, finding: Finding, place: Region, severity: Severity | None = None
) -> Report:
    caller = finding.channel is Channel.HOTLINE or finding.channel is Channel.PATROL
    return Report(
        category=finding.category,
        description=finding.description,
        lat=place.centroid_lat,
        lon=place.centroid_lon,
        channel=finding.channel,
        address=place.address,
        reporter_name=names.person_name(rng) if caller else None,
        reporter_phone=names.mobile_number(rng) if caller else None,
        severity=severity,
    )


class ReportGenerator:
    """About ``per_minute`` reports a minute; one in ``storm_every`` rounds is a rainstorm."""

    def __init__(
        self,
        intake: Intake,
        places: Sequence[Region],
        per_minute: float = 30,
        seed: int = 12345,
        storm_every: int = 40,
        workers: Mapping[str, Sequence[GridWorker]] | None = None,
    ) -> None:
        self.intake = intake
        self.workers = workers or {}  # by grid: who patrols there
        self.places = list(places)
        self.per_minute = per_minute
        self.rng = random.Random(seed)
        self.storm_every = storm_every

    def next_reports(self) -> list[Report]:
        if self.rng.randrange(self.storm_every) == 0:
            return self.rainstorm()
        finding, place = self.rng.choice(FINDINGS), self.rng.choice(self.places)
        report = report_at(self.rng, finding, place)
        return [self._patrolled(report, place) if finding.channel is Channel.PATROL else report]

    def _patrolled(self, report: Report, place: Region) -> Report:
        """A patrol's report is its grid worker's: they are named and credited for it."""
        grid = place.parent_code or place.code
        workers = self.workers.get(grid)
        if not workers:
            return report
        index = self.rng.randrange(len(workers))
        worker = workers[index]
        return replace(
            report,
            actor=registry_worker_id(grid, index),
            reporter_name=str(worker.name),
            reporter_phone=None,  # no citizen to call back: it closes on verification
        )

    def rainstorm(self) -> list[Report]:
        """Several low-lying spots flood at once, some badly, and the night brings one or
        two worse things: people trapped, a landslide, a blocked drain, an outage."""
        spots = self.rng.sample(self.places, k=min(len(self.places), self.rng.randint(3, 6)))
        flooded = [
            report_at(self.rng, FLOOD, spot, self.rng.choice((Severity.MEDIUM, Severity.HIGH)))
            for spot in spots
        ]
        worse = self.rng.sample(FLOOD_NIGHT, k=self.rng.randint(1, 2))
        return flooded + [report_at(self.rng, f, self.rng.choice(self.places)) for f in worse]

    async def run(self) -> None:
        while True:
            for report in self.next_reports():
                try:
                    await self.intake.report(report)
                except ReportRejectedError as error:  # a spot the registry no longer has
                    log.warning("generated report refused", extra={"error": str(error)})
            await asyncio.sleep(self.rng.expovariate(self.per_minute / 60))
