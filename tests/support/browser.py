"""A real Chromium under Playwright that may talk to loopback only, and says what else it tried.

The browser is Debian's (``scripts/chromium`` finds or installs it); Playwright's own
downloads are never used. Every request to anywhere but loopback is aborted and kept
in ``Browser.outside``, so a test can fail on it: the hub must work on a closed network.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import (
    BrowserContext,
    ConsoleMessage,
    Route,
    WebSocketRoute,
    async_playwright,
)

from tests.support.components import unavailable

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
# Headless, and none of Chromium's own traffic (updates, sync, field trials).
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Chromium's path: ``HUB_TEST_CHROMIUM`` (scripts/test sets it), or Debian's."""
    path = os.environ.get("HUB_TEST_CHROMIUM") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        unavailable("Chromium", f"{path} is not an executable; run scripts/chromium")
    return path


@dataclass
class Browser:
    context: BrowserContext
    outside: list[str] = field(default_factory=list)  # addresses it tried beyond loopback
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions


def _keep_errors(errors: list[str], line: ConsoleMessage) -> None:
    if line.type == "error":
        errors.append(line.text)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"data", "blob"} or parts.hostname in LOOPBACK


@asynccontextmanager
async def loopback_browser(profile: Path) -> AsyncIterator[Browser]:
    """A fresh Chromium profile in ``profile``; its pages' errors go to ``Browser.errors``."""
    executable = chromium_path()
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            headless=True,
            args=ARGS,
            viewport={"width": 1400, "height": 1000},
            service_workers="block",
        )
        browser = Browser(context)

        async def http(route: Route) -> None:
            if is_loopback(route.request.url):
                await route.continue_()
            else:
                browser.outside.append(route.request.url)
                await route.abort("blockedbyclient")

        async def websocket(route: WebSocketRoute) -> None:
            if is_loopback(route.url):
                route.connect_to_server()
            else:
                browser.outside.append(route.url)
                await route.close()

        await context.route("**/*", http)
        await context.route_web_socket("**/*", websocket)
        context.on("weberror", lambda error: browser.errors.append(str(error.error)))
        context.on("console", lambda line: _keep_errors(browser.errors, line))
        try:
            yield browser
        finally:
            await context.close()


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def screenshots(topic: str) -> Path:
    """Where a browser test keeps its screenshots for CI to collect: ``artifacts/<topic>/``
    in the checkout, or under ``HUB_TEST_ARTIFACTS``."""
    folder = Path(os.environ.get("HUB_TEST_ARTIFACTS") or ARTIFACTS) / topic
    folder.mkdir(parents=True, exist_ok=True)
    return folder
