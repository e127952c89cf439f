"""What each of ``hub serve --workers N``'s processes runs."""

from __future__ import annotations

import os

from hub.bus import Role
from hub.cli.workers import for_worker, worker_count
from hub.config import Settings


def test_the_first_worker_runs_the_bus_and_the_others_only_their_subscribers() -> None:
    settings = Settings(workers=3)
    assert for_worker(settings, 0).bus.roles == set(Role)
    assert for_worker(settings, 1).bus.roles == {Role.LIVE}
    assert for_worker(settings, 2).bus.roles == {Role.LIVE}


def test_a_replica_without_live_gives_its_other_workers_no_bus_role() -> None:
    settings = Settings(workers=2)
    settings = settings.model_copy(
        update={"bus": settings.bus.model_copy(update={"roles": {Role.RELAY, Role.ROUTER}})}
    )
    assert for_worker(settings, 1).bus.roles == set()


def test_the_replicas_rate_limit_is_shared_out_between_its_workers() -> None:
    limit = {"per_second": 50.0, "burst": 100}
    settings = Settings(workers=4, security={"rate_limit": limit})
    shared = for_worker(settings, 2).security.rate_limit
    assert (shared.per_second, shared.burst) == (12.5, 25)


def test_zero_workers_means_one_per_core() -> None:
    assert worker_count(Settings(workers=0)) == (os.cpu_count() or 1)
    assert worker_count(Settings()) == 1
