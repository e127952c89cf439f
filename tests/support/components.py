"""Real components for integration tests: skipped on a developer machine that lacks
them, but a failure under CI=true, where the test command must have started them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(component: str, reason: str) -> NoReturn:
    message = f"{component} is not available: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: the test command must start it)", pytrace=False)
    pytest.skip(message)


def node_packages(component: str, installed: Path, install: str) -> str:
    """Node's path, once ``installed`` (a file the project script ``install`` leaves
    after fetching the component's pinned npm packages) exists."""
    node = shutil.which("node")
    if node is None:
        unavailable(component, "node is not on PATH (Node.js 20 or newer)")
    if not installed.exists():
        unavailable(component, f"its packages are not installed; run {install}")
    return node


def postgres_url() -> str:
    return _address("PostgreSQL", "HUB_TEST_POSTGRES_URL", "scripts/postgres")


def kafka_bootstrap() -> str:
    """The test broker's address (scripts/test exports it)."""
    return _address("Kafka", "HUB_TEST_KAFKA_BOOTSTRAP", "scripts/kafka")


def _address(component: str, variable: str, script: str) -> str:
    value = os.environ.get(variable)
    if not value:
        unavailable(component, f"{variable} is not set; run {script}")
    assert value is not None
    return value
