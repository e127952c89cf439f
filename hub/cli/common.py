"""What every command shares: settings from the global options, and async running."""

from __future__ import annotations

import asyncio
import getpass
import logging
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import typer

from connectors.sdk import discover
from hub.config import Settings, load_settings
from hub.db.engine import Database
from hub.db.types import utcnow
from hub.dispatch import LinkError
from hub.events import TaxonomyError
from hub.observability.logs import configure_logging
from hub.registry.problems import ImportRejectedError, Problem
from hub.routing import RulesError
from hub.security.audit import Action, Entry, clip
from hub.security.service import Security, SecurityConfigError
from hub.services.contributions import ContributionError, Contributions

T = TypeVar("T")
log = logging.getLogger(__name__)


class Imported(Protocol):
    @property
    def warnings(self) -> list[Problem]: ...


ImportedT = TypeVar("ImportedT", bound=Imported)


@dataclass
class State:
    config: Path | None

    def settings(self, **overrides: object) -> Settings:
        try:
            settings = load_settings(self.config, **overrides)
        except (FileNotFoundError, ValueError) as error:
            raise typer.BadParameter(str(error), param_hint="--config") from error
        configure_logging(settings.log_level, settings.log_format)
        return settings


def state(context: typer.Context) -> State:
    obj = context.obj
    return obj if isinstance(obj, State) else State(None)


# What the installed connectors and the configured files declare, when it cannot hold:
# a message naming each problem, not a traceback.
INSTALLATION_ERRORS = (TaxonomyError, RulesError, LinkError, ContributionError)


def run(coroutine: Coroutine[Any, Any, T], event_loop: str | None = None) -> T:
    """``coroutine`` to its end on a new event loop. The long-running commands pass their
    ``HUB_EVENT_LOOP``, and the loop chosen is logged; the others run on asyncio's own."""
    factory = None if event_loop is None else loop_factory(event_loop)
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            if event_loop is not None:
                chosen = "asyncio" if factory is None else "uvloop"
                log.info("event loop chosen", extra={"event_loop": chosen})
            return runner.run(coroutine)
    except INSTALLATION_ERRORS as error:
        raise fail(str(error), code=2) from error


def loop_factory(event_loop: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop for "uvloop", and for "auto" where uvloop is installed; None (asyncio's
    own) for "asyncio", and for "auto" where it is not."""
    if event_loop == "asyncio":
        return None
    try:
        import uvloop  # noqa: PLC0415 - not installed on every platform
    except ImportError as missing:
        if event_loop == "uvloop":
            raise fail("HUB_EVENT_LOOP is uvloop, which is not installed here") from missing
        return None
    return uvloop.new_event_loop


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    db = Database(settings.database_url)
    try:
        yield db
    finally:
        await db.aclose()


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def department_codes() -> list[str]:
    """The hub's departments and those the installed connectors add, as a hub process has them."""
    return Contributions.of(discover()).department_codes


@asynccontextmanager
async def security(settings: Settings) -> AsyncIterator[Security]:
    """The security services over their own database handle, for one command."""
    async with database(settings) as db:
        try:
            services = Security.create(settings.security, db, department_codes(), dev=settings.dev)
        except SecurityConfigError as error:
            raise fail(str(error), code=2) from error
        try:
            yield services
        finally:
            await services.aclose()


async def audit_admin(
    services: Security,
    operation: str,
    record: str,
    purpose: str = "",
    action: Action = Action.ADMIN,
    field: str = "",
) -> None:
    """Every change made with the ``hub`` command, and every unmasked read, is audited too."""
    entry = Entry(
        at=utcnow(),
        action=action.value,
        principal=f"cli:{getpass.getuser()}",
        operation=operation,
        field=field,
        record=record,
        client=clip(socket.gethostname()),
        purpose=clip(purpose),
    )
    await services.audit.write([entry])


def run_import(coroutine: Coroutine[Any, Any, ImportedT]) -> ImportedT:
    """Run an import: a rejected file exits 2 with every reason; warnings go to stderr."""
    try:
        result = run(coroutine)
    except ImportRejectedError as rejected:
        raise fail(str(rejected), code=2) from rejected
    for warning in result.warnings:
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    return result
