"""Whether an error means the database is away for now, rather than a mistake.

A stopped or restarting PostgreSQL shows as many things: the driver's own connection
errors, a refused or reset socket, SQLAlchemy's wrapping of either, a pool that cannot
hand out a connection in time. All of them are temporary for a client: the hub answers
503 with Retry-After (HTTP) or SERVICE_UNAVAILABLE (GraphQL), and reconnects by itself
when the database is back (``hub.db.engine``: idle connections are pinged before use,
and the first error on one in use makes the pool replace them all). SQLite's "database
is locked" is the same kind of moment.
"""

from __future__ import annotations

import errno
import logging
import socket

from sqlalchemy import exc

# Where the hub says the database is away, answer by answer: the log lets each kind of
# line through once a minute (see hub.observability.logs), or an outage under load
# would write a line per request.
outage_log = logging.getLogger("hub.outage")

_DRIVER_MODULES = ("asyncpg", "aiosqlite", "sqlite3")
_NETWORK_ERRNOS = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT})


def log_failure(
    logger: logging.Logger, message: str, error: BaseException, extra: dict[str, object]
) -> None:
    """A failed background step: while the database is away, one short line a minute
    per kind through ``outage_log`` (it fails on every try meanwhile); anything else
    with its traceback on ``logger``, as the bug it is."""
    if is_outage(error):
        outage_log.warning(f"{message}: the database is unavailable", extra=extra)
    else:
        logger.error(message, exc_info=error, extra=extra)


def is_outage(error: BaseException | None) -> bool:
    """True if ``error`` or anything that caused it says the database cannot be reached."""
    seen = 0
    while error is not None and seen < 10:  # a chain of causes, never a cycle
        if _one(error):
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


# SQLite reports a missing column as an OperationalError too: only these are moments.
_SQLITE_MOMENTS = ("database is locked", "unable to open database", "disk i/o error")


def _one(error: BaseException) -> bool:
    if isinstance(error, exc.SQLAlchemyError):
        return _wrapped(error)
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True  # refused, reset, aborted; or a connect that never finished
    if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:
        return True  # no route to the database's host; a file error stays a bug
    return _from_driver(error)


def _wrapped(error: exc.SQLAlchemyError) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, exc.InterfaceError | exc.TimeoutError):
        return True  # a closed connection; a pool with none to hand out in time
    return isinstance(error, exc.OperationalError) and _sqlite_moment(error)


def _from_driver(error: BaseException) -> bool:
    kind = type(error)
    if kind.__module__.split(".", 1)[0] not in _DRIVER_MODULES:
        return False
    names = {c.__name__ for c in kind.__mro__}
    if "OperationalError" in names:  # sqlite3's own, found down the chain of causes
        return _sqlite_moment(error)
    return "InterfaceError" in names or any("Connect" in name for name in names)


def _sqlite_moment(error: BaseException) -> bool:
    return any(moment in str(error).lower() for moment in _SQLITE_MOMENTS)
