"""Running the suite on another day.

``HUB_TEST_DATE`` (or ``--test-date``) moves this test process's clock to that moment
before anything is collected, and lets it tick on from there: ``datetime.now()``,
``time.time()`` and everything built on them read the travelled time. A date alone
means 10:00 Beijing time that day; a time without a zone is Beijing time::

    HUB_TEST_DATE=2026-10-01 .venv/bin/pytest -m dated
    .venv/bin/pytest -m dated --test-date 2026-12-31T23:30+08:00

Only this process travels: PostgreSQL, Kafka and any process a test starts keep the
machine's clock.

The tests marked ``dated`` are those whose outcome could depend on the day: everything
that builds department simulators (their seeded history is relative to the clock), the
working calendar, timers, statistics, and tokens that expire. ``scripts/test`` runs them
again on other dates (``DATED_PATHS`` below, any test using the ``systems`` fixture, and
any test marked by hand). Kafka tests are left out of those runs: the broker judges
record timestamps by its own clock, which does not travel, and by default refuses those
more than an hour ahead of it.
"""

from __future__ import annotations

import os
from datetime import datetime, time
from pathlib import Path

import pytest
import time_machine

from connectors.sdk.simulation import BEIJING

ENV = "HUB_TEST_DATE"
DATED_PATHS = (
    "tests/connectors/citymgmt",
    "tests/connectors/health",
    "tests/connectors/petition",
    "tests/connectors/police",
    "tests/connectors/sdk/simulation",
    "tests/contracts",
    "tests/hub/demo",
    "tests/hub/security/test_tokens.py",
    "tests/hub/stats",
    "tests/hub/timers",
    "tests/integration/test_escalation.py",
    "tests/integration/test_timer_replicas.py",
    "tests/schema/test_stats_graph.py",
)
DATED_FIXTURES = frozenset({"systems"})  # the department simulators beside a hub
MORNING = time(10)
_TRAVELLER = pytest.StashKey[time_machine.travel]()


def parse_test_date(text: str) -> datetime:
    """The moment ``text`` names, timezone-aware."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise pytest.UsageError(
            f"{ENV}/--test-date: not an ISO 8601 date or time: {text!r}"
        ) from None
    if len(text) <= len("2026-10-01"):
        moment = datetime.combine(moment.date(), MORNING)
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--test-date",
        default=os.environ.get(ENV) or None,
        help=f"run as if it were this date or time (ISO 8601; default: ${ENV}, else now)",
    )


def pytest_configure(config: pytest.Config) -> None:
    text = config.getoption("test_date")
    if not text:
        return
    traveller = time_machine.travel(parse_test_date(text), tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_TRAVELLER]


def pytest_report_header(config: pytest.Config) -> str | None:
    if _TRAVELLER not in config.stash:
        return None
    return f"test date: {datetime.now(BEIJING).isoformat(timespec='seconds')} (travelled)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    dated = [root / path for path in DATED_PATHS]
    for item in items:
        path = Path(item.path)
        if DATED_FIXTURES & set(getattr(item, "fixturenames", ())) or any(
            path == place or place in path.parents for place in dated
        ):
            item.add_marker(pytest.mark.dated)
