"""Real components for integration tests: skipped on a developer machine that lacks
them, but a failure under CI=true, where the test command must have started them."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(component: str, reason: str) -> None:
    message = f"{component} is not available: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: the test command must start it)", pytrace=False)
    pytest.skip(message)


def postgres_url() -> str:
    url = os.environ.get("HUB_TEST_POSTGRES_URL")
    if not url:
        unavailable("PostgreSQL", "HUB_TEST_POSTGRES_URL is not set; run scripts/postgres")
    assert url is not None
    return url


def kafka_bootstrap() -> str:
    """The test broker's address (scripts/test exports it)."""
    bootstrap = os.environ.get("HUB_TEST_KAFKA_BOOTSTRAP")
    if not bootstrap:
        unavailable("Kafka", "HUB_TEST_KAFKA_BOOTSTRAP is not set; run scripts/kafka")
    assert bootstrap is not None
    return bootstrap
