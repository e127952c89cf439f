"""Structured logs: one JSON object per line, with whatever ``extra`` a caller adds."""

from __future__ import annotations

import collections
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
_STANDARD.add("color_message")  # uvicorn's duplicate of the message, with terminal colours


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    """One line a record (a traceback follows on lines of its own): a message's own line
    breaks, from a migration's description or text a department system sent, are
    folded, so no message can pass a line of its own off as another record."""

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in _STANDARD)
        message = " ".join(record.getMessage().splitlines())
        line = f"{record.levelname:<7} {record.name}: {message}"
        line = f"{line}  {extras}" if extras else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


# Every line Repeats held back, by logger, in this process (logging is process-wide too).
HELD: collections.Counter[str] = collections.Counter()


class Repeats(logging.Filter):
    """Lets a kind of line through once per ``window`` seconds: a client library that
    logs every retry (aiokafka, while a broker is away: thousands of lines a minute)
    says each new kind of trouble once, and then how many more there were.

    A kind is the logger, the level and the message's template (before its arguments
    are put in). The next line of a kind after its window carries ``repeated``: how
    many of it were held back meanwhile.
    """

    def __init__(
        self,
        loggers: tuple[str, ...],
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.loggers = loggers  # these and their children; any other line passes
        self.window = window
        self.clock = clock
        self._last: dict[tuple[str, int, str], float] = {}
        self._held: dict[tuple[str, int, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.loggers):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        if now - self._last.get(kind, -self.window) < self.window:
            self._held[kind] = self._held.get(kind, 0) + 1
            HELD[record.name] += 1
            return False
        self._last[kind] = now
        if held := self._held.pop(kind, 0):
            record.repeated = held
        return True


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else ConsoleFormatter())
    # aiokafka logs each failed attempt while a broker is away, and the hub each answer
    # refused while the database is (hub.outage): once per kind a minute.
    handler.addFilter(Repeats(("aiokafka", "hub.outage")))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates our request log.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every upstream request at INFO: the change feeds alone would fill the
    # log every few seconds. The connector metrics count them; DEBUG shows them again.
    quiet = root.level > logging.DEBUG
    logging.getLogger("httpx").setLevel(logging.WARNING if quiet else logging.NOTSET)
