"""A department the hub does not ship joins it as a package: the emergency-management
bureau's connector (``tests/fixtures/hub-connector-emergency``), installed beside the hub
by the test command, is started by ``hub demo`` with its simulator, answers in the graph
within a bounding box, takes a routed grid event as an incident in its system, and its
change feed reaches the bus, where its own routing rule opens grid events.

No file of the hub names it: the demo finds it through its entry point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_serve_process import free_port
from tests.integration.test_wheel import wait_until_ready
from tests.support.components import unavailable

pytestmark = pytest.mark.integration

FIXTURE = "tests/fixtures/hub-connector-emergency"
GRID = "330199001001001"
FLOOD_RULE = "emergency-flood-grid-check"  # the package's routing.yaml
REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
ORDERS = """query($id: ID!) { event(id: $id) {
  leadDepartment { code } departmentOrders { department upstream { system id } } } }"""
OPENED = """{ events(filter: {categories: ["safety.flood"]}, first: 100) {
  edges { node { id title channel origin } } } }"""


@dataclass(frozen=True)
class Demo:
    http: httpx.Client
    log: Path

    def ask(self, query: str, **variables: Any) -> dict[str, Any]:
        answer = self.http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = answer.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def eventually(self, what: str, check: Callable[[], Any], seconds: float) -> Any:
        """``check()``'s first truthy answer within ``seconds``; else fail with the log."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.25)
        shown = self.log.read_text(encoding="utf-8")[-3000:]
        pytest.fail(f"{what} within {seconds:.0f} s; the demo's log ends:\n{shown}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """``hub demo`` with the third-party connector installed, on free ports."""
    if "emergency" not in {entry.name for entry in entry_points(group="hub.connectors")}:
        unavailable("the emergency connector", f"not installed: pip install -e {FIXTURE}")
    work = tmp_path_factory.mktemp("third-party-demo")
    port, log = free_port(), work / "demo.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    command = [sys.executable, "-m", "hub", "demo", "--port", str(port)]
    options = ["--simulator-port-base", "0", "--reports-per-minute", "0"]
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [*command, *options], cwd=work, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        headers = wait_until_ready(base, process, log)
        with httpx.Client(base_url=base, timeout=15, headers=headers) as http:
            yield Demo(http, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_demo_starts_its_simulator_and_the_graph_reads_it_by_bounding_box(
    demo: Demo,
) -> None:
    log = demo.log.read_text(encoding="utf-8")
    assert "  emergency " in log, log  # among "Department systems (simulated)"
    connectors = demo.ask("{ connectors { name health } }")["connectors"]
    assert {"name": "emergency", "health": "UP"} in connectors
    # Every grid of the town in one query: one bounding box per batch, each site placed.
    query = """{ grids(first: 100) { edges { node { code ... on Grid {
      hazardSites(first: 100) { totalCount edges { node { gridCode department } } } } } } } }"""
    grids = [edge["node"] for edge in demo.ask(query)["grids"]["edges"]]
    assert sum(g["hazardSites"]["totalCount"] for g in grids) > 0
    for grid in grids:
        sites = [edge["node"] for edge in grid["hazardSites"]["edges"]]
        assert {(s["gridCode"], s["department"]) for s in sites} <= {(grid["code"], "emergency")}


def test_a_flood_report_becomes_an_incident_in_its_system(demo: Demo) -> None:
    centroid = "query($c: String!) { grid(code: $c) { centroid { lat lon } } }"
    centre = demo.ask(centroid, c=GRID)["grid"]["centroid"]
    report = {
        "category": "safety.flood",  # 防汛险情: led by the emergency-management bureau
        "description": "地下车库入口积水约40厘米，仍有车辆驶入",
        "channel": "PATROL",
        "location": {"lat": centre["lat"], "lon": centre["lon"]},
    }
    event_id = demo.ask(REPORT, i=report)["reportEvent"]["id"]

    def ordered() -> dict[str, Any] | None:
        event: dict[str, Any] = demo.ask(ORDERS, id=event_id)["event"]
        orders = [o for o in event["departmentOrders"] if o["department"] == "emergency"]
        return event if orders else None

    event = demo.eventually("no emergency work order", ordered, seconds=60)
    assert event["leadDepartment"] == {"code": "emergency"}
    (order,) = [o for o in event["departmentOrders"] if o["department"] == "emergency"]
    assert order["upstream"]["system"] == "emergency"
    assert order["upstream"]["id"].startswith("YJ")


def test_its_feed_reaches_the_bus_and_its_own_rule_opens_grid_events(demo: Demo) -> None:
    def opened() -> list[dict[str, Any]]:
        nodes = [edge["node"] for edge in demo.ask(OPENED)["events"]["edges"]]
        return [n for n in nodes if (n["origin"] or {}).get("rule") == FLOOD_RULE]

    events = demo.eventually("no grid event opened by the package's rule", opened, seconds=90)
    origin = events[0]["origin"]
    assert events[0]["channel"] == "DEPARTMENT"
    assert origin["upstream"]["system"] == "emergency"
    assert origin["causedBy"]  # the gov.emergency.incident.created event on the bus
