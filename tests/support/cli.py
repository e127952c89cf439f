"""Running the ``hub`` command in-process, as an operator would type it."""

from __future__ import annotations

from typer.testing import CliRunner

from hub.cli import app

runner = CliRunner()


def hub(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``hub ARGS``."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr
