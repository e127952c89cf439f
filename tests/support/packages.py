"""Running a separate package's own tools (pytest, ruff, mypy) in its own directory, as its
author would: a scaffolded connector, or a third-party one under tests/fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
