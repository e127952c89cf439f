"""The JavaScript client of ``scripts/js-client.d``, run under Node against a live hub.

Tests that need it skip without Node or its packages, or fail under CI=true (where
``scripts/install`` has installed them).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

from tests.support.components import unavailable

SCRIPT_DIR = Path(__file__).resolve().parents[2] / "scripts" / "js-client.d"
INSTALLED = SCRIPT_DIR / "node_modules" / "@apollo" / "client" / "package.json"
TIMEOUT = 90.0  # seconds: a subscription may wait 15 s, and the machine may be busy


def require_js_client() -> str:
    """Node's path, once the client's packages are known to be installed."""
    node = shutil.which("node")
    if node is None:
        unavailable("The JavaScript client", "node is not on PATH; install Node.js 20+")
    if not INSTALLED.exists():
        unavailable(
            "The JavaScript client", "its packages are not installed; run scripts/js-client"
        )
    assert node is not None
    return node


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
