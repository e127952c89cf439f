"""The command centre's console on a fresh ``hub demo``, in Debian's Chromium.

    python -m bench.console [--warm 60] [--loads 5] [--reports 20]

It starts ``hub demo`` in a scratch folder and lets it run ``--warm`` seconds, so the
town has events, escalations and figures to show. Then, each in a fresh browser
profile (nothing cached):

- first load: from opening ``/console`` with a command-centre key to the map drawn
  (``body[data-state=ready]``: the regions, open events and today's counts read and
  drawn), beside the page's shell alone (no key: the HTML, ECharts and the script
  loaded and run, the sign-in form shown);
- live: ``reportEvent`` sent through the graph, one a second, to the event in the
  page's feed, beside the same report reaching a ``gridEvents`` subscriber over SSE
  that the benchmark holds itself (the graph's own latency, without the page).

Chromium is ``HUB_TEST_CHROMIUM`` or Debian's (``scripts/chromium`` installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from bench.closed_loop import command_key, running_demo

REPORT = """mutation($i: ReportEventInput!) { reportEvent(input: $i) { id } }"""
SUBSCRIBE = "subscription { gridEvents { eventId step } }"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def _chromium() -> str:
    return os.environ.get("HUB_TEST_CHROMIUM") or "/usr/bin/chromium"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=_chromium(), args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def first_load(browser: Browser, origin: str, key: str | None) -> float:
    """Seconds from opening the console to the map drawn (or, without a key, the form)."""
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = await context.new_page()
        started = time.perf_counter()
        await page.goto(f"{origin}/console" + (f"#key={key}" if key else ""))
        ready = "body[data-state=ready]" if key else "body[data-state=signed-out]"
        await page.wait_for_selector(ready, timeout=60_000)
        return time.perf_counter() - started
    finally:
        await context.close()


class Subscriber:
    """A ``gridEvents`` subscriber over SSE: when each event's report reached it."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.ready = asyncio.Event()

    async def run(self, origin: str, key: str) -> None:
        headers = {"Authorization": f"Bearer {key}", "Accept": "text/event-stream"}
        async with (
            httpx.AsyncClient(base_url=origin, timeout=httpx.Timeout(10, read=None)) as http,
            http.stream("POST", "/graphql", json={"query": SUBSCRIBE}, headers=headers) as stream,
        ):
            self.ready.set()
            async for line in stream.aiter_lines():
                if line.startswith("data: {") and '"REPORTED"' in line:
                    event_id = line.split('"eventId":"', 1)[1].split('"', 1)[0]
                    self.seen.setdefault(event_id, time.perf_counter())


async def report(http: httpx.AsyncClient, key: str, n: int) -> str:
    variables = {
        "i": {
            "category": "municipal.manhole_cover",
            "description": f"基准测试上报 {n}",
            "channel": "PATROL",
            "location": {"lat": 30.3120, "lon": 120.0530},
        }
    }
    response = await http.post(
        "/graphql",
        json={"query": REPORT, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    event_id: str = response.json()["data"]["reportEvent"]["id"]
    return event_id


async def live(
    browser: Browser, origin: str, key: str, count: int
) -> tuple[list[float], list[float]]:
    """Milliseconds from each reportEvent to the page's feed, and to a bare SSE subscriber."""
    context = await browser.new_context(viewport={"width": 1920, "height": 1080})
    subscriber = Subscriber()
    listening = asyncio.create_task(subscriber.run(origin, key))
    try:
        page = await context.new_page()
        await page.goto(f"{origin}/console#key={key}")
        await page.wait_for_selector("#live[data-live=on]", timeout=60_000)
        await subscriber.ready.wait()
        on_page, on_stream = [], []
        async with httpx.AsyncClient(base_url=origin) as http:
            for n in range(count):
                sent = time.perf_counter()
                event_id = await report(http, key, n)
                shown = await _shown(page, event_id)
                on_page.append((shown - sent) * 1000)
                on_stream.append((subscriber.seen.get(event_id, float("nan")) - sent) * 1000)
                await asyncio.sleep(max(0.0, 1 - (time.perf_counter() - sent)))
        return on_page, on_stream
    finally:
        listening.cancel()
        await context.close()


async def _shown(page: Page, event_id: str) -> float:
    """When the page put the event in its feed, by its own clock (the same machine's),
    on the benchmark's: not when the benchmark's polling noticed."""
    item = page.locator(f'#feed li[data-event-id="{event_id}"]').first
    await item.wait_for(state="attached", timeout=60_000)
    shown_at = int(await item.get_attribute("data-shown-at") or 0) / 1000
    return time.perf_counter() - (time.time() - shown_at)


def summary(label: str, values: list[float], unit: str = "ms") -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label:<58} p50 {statistics.median(ordered):8.0f} {unit}   "
        f"max/p99 {p99:8.0f} {unit}   (n={len(ordered)})"
    )


async def measure(origin: str, key: str, args: argparse.Namespace) -> None:
    async with chromium() as browser:
        shell, drawn = [], []
        for _ in range(args.loads):  # interleaved: the two rows see the same machine
            shell.append(await first_load(browser, origin, None) * 1000)
            drawn.append(await first_load(browser, origin, key) * 1000)
        on_page, on_stream = await live(browser, origin, key, args.reports)
    print(summary("first load, shell only (no key: files loaded, form shown)", shell))
    print(summary("first load, signed in, to the map drawn", drawn))
    print(summary("reportEvent → a gridEvents SSE subscriber (baseline)", on_stream))
    print(summary("reportEvent → the event in the console's feed", on_page))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warm", type=float, default=60, help="seconds of demo before measuring")
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--reports-per-minute", type=float, default=30)
    args = parser.parse_args()
    with running_demo(args.reports_per_minute) as (folder, env, port):
        time.sleep(args.warm)
        key = command_key(folder, env)
        origin = f"http://127.0.0.1:{port}"
        events = _open_events(origin, key)
        print(f"hub demo after {args.warm:.0f} s: {events} open events on the map")
        asyncio.run(measure(origin, key, args))


def _open_events(origin: str, key: str) -> Any:
    query = (
        "{ events(filter: {statuses: [REPORTED, ROUTED, ACCEPTED, IN_PROGRESS]}) { totalCount } }"
    )
    answer = httpx.post(
        f"{origin}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {key}"}
    )
    return answer.json()["data"]["events"]["totalCount"]


if __name__ == "__main__":
    main()
