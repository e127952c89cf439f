"""``hub events``: tail, replay, check and contracts, as an operator runs them."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hub.bus import Role
from hub.cli import app
from hub.cli.events import _run_roles
from hub.cli.heap import MIDDLE, OLD, YOUNG
from hub.config import Settings
from hub.core.workorders import LifecycleStatus
from hub.events import ledger
from hub.events.contracts import schemas
from hub.services import Services
from tests.conftest import sqlite_url
from tests.support.built_in import built_in_contributions
from tests.support.events import eventually, report

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, town_database_file: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    path = tmp_path / "hub.db"
    shutil.copy(town_database_file, path)
    url = sqlite_url(path)
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_LOG_LEVEL", "WARNING")
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    return url


async def report_and_route(url: str, count: int) -> list[str]:
    """Reports through a hub on the embedded bus, relayed and routed."""
    services = Services.create(Settings(database_url=url))
    await services.registry.refresh()
    ids = [(await services.bus.intake.report(report("city.litter"))).id for _ in range(count)]
    await services.bus.start()

    async def routed() -> bool:
        async with services.database.engine.connect() as connection:
            found = await ledger.events(connection, ids)
        return {r.status for r in found.values()} == {LifecycleStatus.ROUTED}

    await eventually(routed)
    await services.aclose()
    return ids


def test_tail_prints_events_from_a_time_filtered_by_grid(env: str) -> None:
    ids = asyncio.run(report_and_route(env, 2))
    result = runner.invoke(
        app, ["events", "tail", "--since", "2020-01-01", "--grid", "330199001006", "--limit", "4"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert sorted(line.split()[2] for line in lines) == ["reported"] * 2 + ["routed"] * 2
    assert {line.split()[3] for line in lines} == set(ids)
    assert all("330199001006005" in line and "city.litter" in line for line in lines)


def test_tail_writes_json_and_filters_by_department(env: str) -> None:
    asyncio.run(report_and_route(env, 1))
    result = runner.invoke(
        app,
        [
            "events",
            "tail",
            "--since",
            "2020-01-01",
            "--department",
            "command",
            "--json",
            "--limit",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    body = json.loads(line)
    assert (body["type"], body["data"]["lead"]) == ("gov.grid.event.routed", "command")


def test_replay_rebuilds_a_ledger_that_was_lost(env: str) -> None:
    asyncio.run(report_and_route(env, 3))
    result = runner.invoke(app, ["events", "replay", "--from", "2020-01-01", "--reset"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "replayed 6 events into the ledger\n"
    again = runner.invoke(app, ["events", "replay", "--from", "2020-01-01"])
    assert again.stdout == "replayed 0 events into the ledger\n"


def test_check_names_every_problem_of_a_rules_file(env: str, tmp_path: Path) -> None:
    good = runner.invoke(app, ["events", "check"])
    assert good.exit_code == 0
    assert good.stdout.endswith("routing rules are valid\n")
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: 1\nrules: [{name: x, then: {notify: [airport]}}]\n", encoding="utf-8")
    result = runner.invoke(app, ["events", "check", "--rules", str(bad)])
    assert result.exit_code == 2
    assert "x: unknown department 'airport'" in result.stderr


def test_the_published_schemas_are_current() -> None:
    result = runner.invoke(app, ["events", "contracts"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"would write {len(schemas())} schemas")


def test_contracts_out_writes_the_whole_contract_with_the_connectors_feeds(
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, ["events", "contracts", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    feeds = {f"{t.value}.json" for t in built_in_contributions().feed_types}
    written = {p.name for p in (tmp_path / "events").glob("*.json")}
    assert {*schemas(), *feeds} <= written
    document = yaml.safe_load((tmp_path / "asyncapi.yaml").read_text(encoding="utf-8"))
    names = {m["name"] for m in document["components"]["messages"].values()}
    assert {name.removesuffix(".json") for name in feeds} <= names
    assert not (tmp_path / "contracts").exists()  # --out alone publishes nothing else


def test_run_starts_the_roles_and_stops_on_sigterm(env: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "events", "run", "--role", "router", "--role", "ledger"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        assert process.stderr.readline().strip() == "running: ledger, router"
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
        if process.stderr:
            process.stderr.close()


async def test_run_settles_the_heap_once_its_roles_have_started(env: str) -> None:
    thresholds = gc.get_threshold()
    running = asyncio.create_task(
        _run_roles(Services.create(Settings(database_url=env)), {Role.LEDGER})
    )
    try:
        await eventually(lambda: gc.get_threshold() == (YOUNG, MIDDLE, OLD))
        assert gc.get_freeze_count() > 0
        os.kill(os.getpid(), signal.SIGTERM)  # what stops it, as an operator's stop would
        await asyncio.wait_for(running, timeout=20)
    finally:
        running.cancel()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
