"""Log output: JSON lines with the caller's extras, and no per-request chatter from httpx."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from hub.observability.logs import ConsoleFormatter, JsonFormatter, configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.NOTSET)


def record(**extra: object) -> logging.LogRecord:
    entry = logging.makeLogRecord({"name": "hub.test", "levelname": "INFO", "msg": "hello %s"})
    entry.args = ("grid",)
    entry.__dict__.update(extra)
    return entry


def test_a_json_line_carries_the_message_and_the_callers_extras() -> None:
    line = json.loads(JsonFormatter().format(record(grid="330199001001001")))
    assert line["message"] == "hello grid"
    assert line["logger"] == "hub.test"
    assert line["grid"] == "330199001001001"
    assert "args" not in line


def test_a_console_line_names_the_logger_and_appends_extras() -> None:
    line = ConsoleFormatter().format(record(grid="330199001001001"))
    assert line == "INFO    hub.test: hello grid  grid=330199001001001"


@pytest.mark.usefixtures("restored_logging")
def test_upstream_requests_are_logged_only_at_debug() -> None:
    configure_logging("INFO", "console")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("hub.dispatch").isEnabledFor(logging.INFO)
    configure_logging("DEBUG", "console")
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)
