"""Hive Gateway in front of subgraphs under test, started with ``scripts/gateway serve``
as an operator would: skipped on a machine without Node.js 20 or the installed
packages, a failure under CI=true."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.components import node_packages

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "gateway"
INSTALLED = ROOT / "scripts" / "gateway.d" / "node_modules" / ".bin" / "hive-gateway"
STARTUP_SECONDS = 120  # Node loads some 700 packages: slow on a busy 2-core machine


@dataclass(frozen=True)
class Subgraph:
    name: str
    url: str
    sdl: str
    forward_headers: tuple[str, ...] = ()


def require_gateway() -> None:
    node_packages("Hive Gateway", INSTALLED, "scripts/gateway install")


def write_subgraphs(folder: Path, subgraphs: list[Subgraph]) -> Path:
    """The subgraphs file ``scripts/gateway`` reads, with each SDL in a file beside it."""
    entries = []
    for subgraph in subgraphs:
        (folder / f"{subgraph.name}.graphql").write_text(subgraph.sdl, encoding="utf-8")
        entries.append(
            {
                "name": subgraph.name,
                "url": subgraph.url,
                "schema": f"{subgraph.name}.graphql",
                "forwardHeaders": list(subgraph.forward_headers),
            }
        )
    config = folder / "subgraphs.json"
    config.write_text(json.dumps({"subgraphs": entries}, indent=2), encoding="utf-8")
    return config


@asynccontextmanager
async def running_gateway(folder: Path, subgraphs: list[Subgraph]) -> AsyncIterator[str]:
    """``scripts/gateway serve`` over ``subgraphs`` on a free port; yields its base URL
    once it is ready. Its output goes to ``folder/gateway.log``, shown if it fails."""
    require_gateway()
    config = write_subgraphs(folder, subgraphs)
    port = _free_port()
    log_path = folder / "gateway.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited on below
            [str(SCRIPT), "serve", str(config), "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "GATEWAY_LOG_LEVEL": "warn"},
            start_new_session=True,  # its own group: the script and the gateway it runs
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _until_ready(base, process, log_path)
        yield base
    finally:
        await _stop(process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _until_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(timeout=2) as http:
        for _ in range(STARTUP_SECONDS * 4):
            if process.poll() is not None:
                _fail("scripts/gateway exited early", log)
            with suppress(httpx.TransportError):
                if (await http.get(f"{base}/readiness")).status_code == 200:
                    return
            await asyncio.sleep(0.25)
    _fail(f"the gateway was not ready in {STARTUP_SECONDS} s", log)


def _fail(why: str, log: Path) -> None:
    pytest.fail(f"{why}; its output:\n{log.read_text()}", pytrace=False)


async def _stop(process: subprocess.Popen[bytes]) -> None:
    """TERM to the script, which passes it on to the gateway; the group if it lingers."""
    process.terminate()
    for _ in range(40):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.25)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
