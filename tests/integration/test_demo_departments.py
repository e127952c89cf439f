"""``hub demo`` as a real process: the four department simulators beside it, over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.integration.test_serve_process import free_port, wait_until_healthy

pytestmark = pytest.mark.integration


def test_hub_demo_answers_a_community_with_every_department(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    since = (datetime.now(UTC) - timedelta(days=7)).isoformat()
    query = """query($since: DateTime!) { region(code: "330199001001") { ... on Community {
      grids { code incidents(where: {since: $since}) { totalCount }
        cityCases(where: {since: $since}) { totalCount }
        petitions(where: {since: $since}) { totalCount }
        healthFollowUps(where: {since: $since}) { totalCount } } } } }"""
    try:
        wait_until_healthy(base, process)
        with httpx.Client(base_url=base, timeout=10) as http:
            body = http.post("/graphql", json={"query": query, "variables": {"since": since}})
        answer = body.json()
        assert "errors" not in answer, answer
        grids = answer["data"]["region"]["grids"]
        for field in ("incidents", "cityCases", "petitions", "healthFollowUps"):
            assert sum(grid[field]["totalCount"] for grid in grids) > 0, field
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        output = process.stdout.read() if process.stdout else ""
        for department in ("police", "citymgmt", "petition", "health"):
            assert f"  {department:<9} http://127.0.0.1:" in output
        assert "healthFollowUps(where:" in output  # the fourth example query
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
