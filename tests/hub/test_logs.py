"""Log output: JSON lines with the caller's extras, and no per-request chatter from httpx."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from hub.db.outage import outage_log
from hub.observability.logs import ConsoleFormatter, JsonFormatter, Repeats, configure_logging


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


def test_a_console_line_folds_the_line_breaks_of_its_message() -> None:
    entry = record()
    entry.args = ("grid\nERROR   hub.forged: drop the audit trail\r\nthe end",)
    line = ConsoleFormatter().format(entry)
    assert line == "INFO    hub.test: hello grid ERROR   hub.forged: drop the audit trail the end"


@pytest.mark.usefixtures("restored_logging")
def test_upstream_requests_are_logged_only_at_debug() -> None:
    configure_logging("INFO", "console")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert logging.getLogger("hub.dispatch").isEnabledFor(logging.INFO)
    configure_logging("DEBUG", "console")
    assert logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_a_client_library_repeating_itself_is_said_once_per_window_then_counted() -> None:
    now = [0.0]
    repeats = Repeats(("aiokafka",), window=60, clock=lambda: now[0])

    def line(name: str, message: str, *args: object) -> logging.LogRecord:
        return logging.makeLogRecord(
            {"name": name, "levelno": logging.ERROR, "msg": message, "args": args}
        )

    fetch = "Failed fetch offsets from %s: %s"
    assert repeats.filter(line("aiokafka.consumer.fetcher", fetch, 1, "NotLeader"))
    passed = [repeats.filter(line("aiokafka.consumer.fetcher", fetch, n, "x")) for n in range(500)]
    assert not any(passed)
    assert repeats.filter(line("aiokafka.conn", "Unable to connect to %s", "broker"))  # new kind
    assert repeats.filter(line("hub.bus.runtime", fetch, 1, "x"))  # not a client library's
    now[0] = 61
    again = line("aiokafka.consumer.fetcher", fetch, 2, "y")
    assert repeats.filter(again)
    assert again.repeated == 500  # type: ignore[attr-defined]


@pytest.mark.usefixtures("restored_logging")
def test_a_database_outage_under_load_is_said_once_not_per_answer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "console")
    for _ in range(200):  # one refused answer each, as under load
        outage_log.warning("the database is unavailable", extra={"path": "/graphql"})
    logging.getLogger("hub.dispatch").warning("another kind entirely")
    said = capsys.readouterr().err.splitlines()
    assert said == [
        "WARNING hub.outage: the database is unavailable  path=/graphql",
        "WARNING hub.dispatch: another kind entirely",
    ]
