"""graphql-http's own audit of the GraphQL-over-HTTP spec, against a hub on loopback.

The audit is the reference implementation's: the npm package ``graphql-http`` at the
version pinned in ``scripts/graphql-http.d/package-lock.json``, run by
``scripts/graphql-http audit``. Every check must pass, the spec's SHOULDs and MAYs
included: no error, no warning, no notice.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from hub.app import create_app
from hub.config import Settings
from tests.support.components import node_packages
from tests.support.live import live_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "graphql-http"
PACKAGE = ROOT / "scripts" / "graphql-http.d" / "node_modules" / "graphql-http"
SUMMARY = re.compile(
    r"^audit: (?P<ok>\d+) ok, (?P<notice>\d+) notices, (?P<warn>\d+) warnings, "
    r"(?P<error>\d+) errors$",
    re.MULTILINE,
)
TIMEOUT = 120  # s: 61 requests, each through the whole hub, on a busy 2-core machine


def require_audit() -> None:
    node_packages("graphql-http's audit", PACKAGE, "scripts/graphql-http")


async def audit(url: str, key: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT),
        "audit",
        url,
        "-H",
        f"Authorization: Bearer {key}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_audit_finds_nothing_to_fault(
    town_settings: Settings, keys: dict[str, str]
) -> None:
    require_audit()
    async with live_server(create_app(town_settings)) as address:
        status, output = await audit(f"http://{address}/graphql", keys["public"])
    summary = SUMMARY.search(output)
    assert summary is not None, output
    counts = {name: int(value) for name, value in summary.groupdict().items()}
    assert counts == {"ok": counts["ok"], "notice": 0, "warn": 0, "error": 0}, output
    assert counts["ok"] >= 60, output  # the pinned version's 61 checks all ran
    assert status == 0, output
