"""Running a separate package's own tools (pytest, ruff, mypy) in its own directory, as its
author would: a scaffolded connector, or a third-party one under tests/fixtures; and a
snippet of the project's code in an interpreter of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hub.core.paths import PROJECT_ROOT

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def run_tool(root: Path, tool: str, *arguments: str, fails: bool = False) -> str:
    """``python -m tool`` in ``root`` with no PYTHONPATH or MYPYPATH help; its output.

    Asserts it succeeded (or, with ``fails``, that it failed)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MYPYPATH"}}
    done = subprocess.run(
        [sys.executable, "-m", tool, *arguments],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    assert (done.returncode != 0) == fails, f"{tool}: {done.stdout}{done.stderr}"
    return done.stdout


def run_apart(script: str, *arguments: str, env: dict[str, str] | None = None) -> Any:
    """``script`` in a fresh interpreter at the project's root, with no ``HUB_`` setting
    but those in ``env``: what its last line of output says, read as JSON. For what a
    process loads, which this test process (having loaded much for other tests) cannot
    show."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    done = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=PROJECT_ROOT,
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])
