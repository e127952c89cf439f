"""Faults with real processes, while reports flow: ``hub serve`` on PostgreSQL and Kafka
is killed (SIGKILL) and started again; PostgreSQL is stopped and started; the Kafka
broker is killed and started again. Through all of it: no accepted report is lost (each
is routed in the end), no answer is a 5xx but the typed, temporary 503 a database
outage gives (SERVICE_UNAVAILABLE, with Retry-After), the hub recovers without a
restart of its own (the hub fault aside), and /readyz tells the truth while a
dependency is away.

The suite's own PostgreSQL server and Kafka broker are the ones taken away (the project
scripts stop and start them, as an operator would); pytest runs one test at a time, so
nothing else is using them meanwhile, and each is back before the test ends.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve_process import serving, town_with_key
from tests.support.buses import fresh_topics, kafka_settings
from tests.support.databases import fresh_postgres_database
from tests.support.reporting import keep_posting, unrouted

pytestmark = [pytest.mark.integration, pytest.mark.kafka, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
# CI's short run; the long run sets them, e.g. HUB_FAULT_SECONDS=20 HUB_FAULT_RATE=50
# (about 3,000 reports over the three faults).
AWAY = float(os.environ.get("HUB_FAULT_SECONDS", "6"))  # seconds each stays away
RATE = float(os.environ.get("HUB_FAULT_RATE", "20"))  # reports a second, one at a time
RECOVERS_WITHIN = 60.0  # seconds from its return until reports are routed again
TEMPORARY = "503 SERVICE_UNAVAILABLE"  # with Retry-After: the database is away, try again


@dataclass
class Window:
    """What happened around one fault: its answers, and what readiness said."""

    fault: str
    answers: list[str] = field(default_factory=list)  # e.g. "200", "503 SERVICE_UNAVAILABLE"
    accepted: list[str] = field(default_factory=list)
    readiness: list[str] = field(default_factory=list)
    recovered_in: float | None = None

    @property
    def server_errors(self) -> list[str]:
        """5xx answers other than the typed, temporary 503 a database outage gives."""
        return [a for a in self.answers if a[0] == "5" and a != TEMPORARY]

    def row(self, lost: int) -> str:
        five = len(self.server_errors)
        typed = self.answers.count(TEMPORARY)
        said = ", ".join(sorted(set(self.readiness))) or "-"
        recovered = f"{self.recovered_in:.1f} s" if self.recovered_in is not None else "-"
        return (
            f"{self.fault:<10} requests {len(self.answers):>4}  accepted {len(self.accepted):>4}"
            f"  lost {lost}  5xx {five} (+{typed} typed 503)  recovered in {recovered}"
            f"  readiness: {said}"
        )


@pytest.fixture
async def production_env() -> AsyncIterator[dict[str, str]]:
    async with fresh_postgres_database() as url:
        yield {
            **os.environ,
            "HUB_LOG_LEVEL": "WARNING",
            "HUB_DATABASE_URL": url,
            "HUB_BUS__BACKEND": "kafka",
            "HUB_BUS__NAMESPACE": fresh_topics().namespace,
            "HUB_BUS__KAFKA__BOOTSTRAP_SERVERS": kafka_settings().bootstrap_servers,
            "HUB_SHUTDOWN_GRACE_SECONDS": "3",
            "HUB_LOG_FORMAT": "console",
        }


def project_script(name: str, action: str) -> None:
    done = subprocess.run(
        [str(ROOT / "scripts" / name), action], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"scripts/{name} {action}: {done.stderr[-2000:]}"


def kill_kafka() -> None:
    """SIGKILL the broker, as a crash would: no clean shutdown, no controlled leave."""
    pid = int((ROOT / "var" / "kafka" / "kafka.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in _state(pid)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"


async def sample_readiness(base: str, window: Window, until: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while not until.is_set():
            try:
                ready = await http.get("/readyz")
                body = ready.json()
                window.readiness.append(f"{ready.status_code} bus {body['bus'].split(' (')[0]}")
            except httpx.TransportError:
                window.readiness.append("no answer")
            await asyncio.sleep(0.5)


async def away(
    base: str, window: Window, take: Callable[[], None], give: Callable[[], None]
) -> None:
    """Take a dependency away for AWAY seconds, sampling readiness, then give it back."""
    done = asyncio.Event()
    sampler = asyncio.create_task(sample_readiness(base, window, done))
    await asyncio.to_thread(take)
    await asyncio.sleep(AWAY)
    done.set()
    await sampler
    await asyncio.to_thread(give)


async def recovered(base: str, key: str, window: Window) -> None:
    """Until a report sent now is routed: how long that took, from the dependency's return."""
    started = time.monotonic()
    fresh: list[str] = []
    while time.monotonic() - started < RECOVERS_WITHIN:
        if not fresh or await unrouted(base, key, fresh):
            if not fresh:
                await keep_posting(base, key, fresh, window.answers, count=1)
            await asyncio.sleep(0.25)
            continue
        window.recovered_in = time.monotonic() - started
        return
    pytest.fail(f"{window.fault}: reports not routed within {RECOVERS_WITHIN} s of its return")


async def flowing(
    base: str, key: str, window: Window, during: Callable[[], Awaitable[None]]
) -> None:
    """Reports flow (RATE a second, at most) while ``during()`` runs."""
    stop = asyncio.Event()
    load = asyncio.create_task(
        keep_posting(base, key, window.accepted, window.answers, stop=stop, rate=RATE)
    )
    try:
        await during()
    finally:
        stop.set()
        await load


@dataclass(frozen=True)
class Fault:
    name: str
    take: Callable[[], None]
    give: Callable[[], None]


FAULTS = (
    Fault(
        "postgres",
        lambda: project_script("postgres", "stop"),
        lambda: project_script("postgres", "start"),
    ),
    Fault("kafka", kill_kafka, lambda: project_script("kafka", "start")),
)


async def taken_away(base: str, key: str, fault: Fault) -> Window:
    """Reports flow while ``fault`` takes its dependency away and gives it back."""
    window = Window(fault.name)
    await flowing(base, key, window, lambda: away(base, window, fault.take, fault.give))
    await recovered(base, key, window)
    return window


async def test_reports_survive_a_killed_hub_database_and_broker(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    key = town_with_key(production_env, tmp_path, "command")
    log = tmp_path / "hub.log"  # both hubs', printed at the end (shown if the test fails)
    windows: list[Window] = []
    with serving(production_env, log=log) as (base, process):
        hub_window = Window("hub killed")
        windows.append(hub_window)

        async def kill_hub() -> None:
            await asyncio.sleep(AWAY / 2)
            process.kill()
            process.wait()

        await flowing(base, key, hub_window, kill_hub)
    with serving(production_env, log=log) as (base, _):
        await recovered(base, key, hub_window)
        windows.extend([await taken_away(base, key, fault) for fault in FAULTS])
        accepted = [event for w in windows for event in w.accepted]
        left = await until_all_routed(base, key, accepted)
    print("\n".join(log.read_text(encoding="utf-8").splitlines()[-60:]))
    for window in windows:
        print(window.row(lost=len(set(left) & set(window.accepted))))
    assert left == [], f"{len(left)} of {len(accepted)} accepted reports never routed"
    assert [a for w in windows for a in w.server_errors] == []
    by_fault = {w.fault: w for w in windows}
    assert any(s.startswith("503") for s in by_fault["postgres"].readiness)
    assert any("degraded" in s for s in by_fault["kafka"].readiness)


async def until_all_routed(base: str, key: str, accepted: list[str]) -> list[str]:
    deadline, left = time.monotonic() + RECOVERS_WITHIN, list(accepted)
    while left and time.monotonic() < deadline:
        left = await unrouted(base, key, left)
        await asyncio.sleep(0.5)
    return left
