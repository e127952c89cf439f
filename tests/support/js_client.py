"""The JavaScript client of ``scripts/js-client.d``, run under Node against a live hub.

Tests that need it skip without Node or its packages, or fail under CI=true (where
``scripts/install`` has installed them).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from tests.support.components import node_packages

SCRIPT_DIR = Path(__file__).resolve().parents[2] / "scripts" / "js-client.d"
INSTALLED = SCRIPT_DIR / "node_modules" / "@apollo" / "client" / "package.json"
TIMEOUT = 90.0  # seconds: a subscription may wait 15 s, and the machine may be busy


def require_js_client() -> str:
    return node_packages("The JavaScript client", INSTALLED, "scripts/js-client")


async def run_js_client(mode: str, address: str = "", key: str = "") -> dict[str, Any]:
    """What ``client.mjs MODE`` reports, as JSON; the test fails on anything else."""
    node = require_js_client()
    env = {**os.environ, "HUB_ADDRESS": address, "HUB_KEY": key}
    process = await asyncio.create_subprocess_exec(
        node,
        "client.mjs",
        mode,
        cwd=SCRIPT_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"client.mjs {mode} did not finish in {TIMEOUT} s") from None
    assert process.returncode == 0, f"client.mjs {mode} failed:\n{err.decode()}"
    report: dict[str, Any] = json.loads(out)
    return report
