"""Which event loop the long-running commands run on (HUB_EVENT_LOOP)."""

from __future__ import annotations

import asyncio
import sys

import pytest
import typer
import uvloop

from hub.cli.common import loop_factory, run


async def running_loop() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_auto_and_uvloop_choose_uvloop_where_it_is_installed() -> None:
    assert loop_factory("auto") is uvloop.new_event_loop
    assert run(running_loop(), "auto") is uvloop.Loop
    assert run(running_loop(), "uvloop") is uvloop.Loop


def test_asyncio_and_the_short_commands_run_on_asyncio_own_loop() -> None:
    assert loop_factory("asyncio") is None
    assert not issubclass(run(running_loop(), "asyncio"), uvloop.Loop)
    assert not issubclass(run(running_loop()), uvloop.Loop)


def test_without_uvloop_auto_falls_back_and_uvloop_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as where it is not installed
    assert loop_factory("auto") is None
    with pytest.raises(typer.Exit):
        loop_factory("uvloop")
