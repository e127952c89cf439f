"""The patrols one process holds: on the bus's clock, or on the demo's faster one."""

from __future__ import annotations

from hub.config import Settings
from hub.core.clock import Clock, ScaledClock
from hub.db.engine import Database
from hub.patrols import Patrols, Routines, load_overrides
from hub.registry.service import Registry
from hub.services.bus import EventBus


def patrols_of(
    settings: Settings, database: Database, registry: Registry, bus: EventBus
) -> Patrols:
    chosen = settings.patrols
    scale = settings.bus.timers.time_scale
    clock: Clock = ScaledClock(bus.clock, scale) if scale > 1 else bus.clock
    return Patrols(
        database,
        registry,
        bus.topics,
        Routines.load(chosen.routines_file),
        clock,
        load_overrides(chosen.plans_file),
    )
