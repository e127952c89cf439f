"""Paginators: each style walks to the end, and a walk that loops is stopped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from connectors.sdk import (
    Call,
    CursorPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    PaginationLoopError,
    Paginator,
    Stream,
    Token,
    paginate,
)
from tests.connectors.sdk.fake import FakeConnector, Items, item, settings

RECORDS = [{"id": n} for n in range(7)]


def server(paginator: str) -> Any:
    """A fake upstream serving RECORDS three at a time in each style."""

    async def fetch(request: PageRequest, token: Token | None) -> Page:
        params = request.params
        if paginator == "page":
            start = (int(str(params["page"])) - 1) * int(str(params["size"]))
        elif paginator == "offset":
            start = int(str(params.get("offset", 0)))
        elif paginator == "cursor":
            start = int(str(params.get("cursor", 0)))
        else:
            start = int(httpx.URL(request.path).params.get("from", 0))
        chunk = RECORDS[start : start + 3]
        end = start + len(chunk)
        more = end < len(RECORDS)
        body = {"total": len(RECORDS), "next": str(end) if more else None}
        headers = httpx.Headers(
            {"link": f'<http://up.test/items?from={end}>; rel="next"'} if more else {}
        )
        return Page(body, chunk, token, headers)

    return fetch


@pytest.mark.parametrize(
    ("style", "paginator"),
    [
        ("page", PageNumberPaginator(size=3)),
        ("offset", OffsetPaginator(limit=3, total_path="total")),
        ("cursor", CursorPaginator(cursor_path="next", param="cursor")),
        ("link", NextLinkPaginator()),
    ],
)
async def test_every_style_walks_every_record_once(style: str, paginator: Paginator) -> None:
    pages = paginate("fake", paginator, PageRequest("/items"), server(style), max_pages=10)
    seen = [record["id"] async for page in pages for record in page.records]
    assert seen == list(range(7))


async def test_the_same_token_twice_is_a_loop() -> None:
    async def stuck(request: PageRequest, token: Token | None) -> Page:
        return Page({"next": "abc"}, [{"id": 1}], token)

    walk = paginate("fake", CursorPaginator("next"), PageRequest("/x"), stuck, max_pages=10)
    with pytest.raises(PaginationLoopError) as loop:
        _ = [page async for page in walk]
    assert loop.value.extensions["code"] == "UPSTREAM_CONTRACT_VIOLATION"
    assert "abc" not in str(loop.value)


async def test_an_upstream_that_ignores_the_page_number_is_stopped() -> None:
    async def same_page(request: PageRequest, token: Token | None) -> Page:
        return Page({}, [{"id": n} for n in range(3)], token)

    walk = paginate("fake", PageNumberPaginator(size=3), PageRequest("/x"), same_page, 5)
    with pytest.raises(PaginationLoopError, match="more than 5 pages"):
        _ = [page async for page in walk]


def test_resizing_keeps_the_original() -> None:
    original = OffsetPaginator(limit=100)
    smaller = original.resized(2)
    assert (original.size, smaller.size) == (100, 2)
    assert smaller.first(PageRequest("/x")).params == {"limit": "2"}


SIX = [{"id": n} for n in range(6)]  # two full pages of three: only a count saves a third ask


def counted(records: list[dict[str, Any]], asked: list[dict[str, str]], **extra: str) -> Any:
    """A fake upstream serving ``records`` three at a time by page number, offset or
    cursor, stating the counts and the next cursor in headers and in the body."""

    async def fetch(request: PageRequest, token: Token | None) -> Page:
        params = {name: str(value) for name, value in request.params.items()}
        asked.append(params)
        if "page" in params:
            start = (int(params["page"]) - 1) * 3
        else:
            start = int(params.get("offset", params.get("cursor", 0)))
        end = min(start + 3, len(records))
        more = end < len(records)
        headers = {
            "X-Total-Count": str(len(records)),
            "X-Total-Pages": str(-(-len(records) // 3)),
            **({"X-Next-Cursor": str(end)} if more else {}),
            **extra,
        }
        body = {"total": len(records), "hasMore": more, "cursor": str(end)}
        return Page(body, records[start:end], token, httpx.Headers(headers))

    return fetch


async def walk(paginator: Paginator, fetch: Any) -> list[Any]:
    pages = paginate("fake", paginator, PageRequest("/x"), fetch, max_pages=10)
    return [record["id"] async for page in pages for record in page.records]


@pytest.mark.parametrize(
    ("paginator", "asks"),
    [
        (PageNumberPaginator(size=3), 3),  # the third page, empty, says it is the end
        (PageNumberPaginator(size=3, total_header="X-Total-Count"), 2),
        (PageNumberPaginator(size=3, total_path="total"), 2),
        (PageNumberPaginator(size=3, pages_header="X-Total-Pages"), 2),
        (OffsetPaginator(limit=3), 3),
        (OffsetPaginator(limit=3, total_header="X-Total-Count"), 2),
        (CursorPaginator("cursor", has_more_path="hasMore"), 2),
        (CursorPaginator(cursor_header="X-Next-Cursor"), 2),
    ],
)
async def test_declared_stopping_conditions_end_the_walk(paginator: Paginator, asks: int) -> None:
    asked: list[dict[str, str]] = []
    assert await walk(paginator, counted(SIX, asked)) == list(range(6))
    assert len(asked) == asks


async def test_a_header_count_holds_for_pages_numbered_from_zero() -> None:
    asked: list[dict[str, str]] = []
    fetch = counted(SIX, asked)

    async def zero_based(request: PageRequest, token: Token | None) -> Page:
        page = int(str(request.params["page"])) + 1
        asked_for = PageRequest(request.path, {**request.params, "page": str(page)})
        shifted: Page = await fetch(asked_for, token)
        return shifted

    paginator = PageNumberPaginator(size=3, start=0, total_header="X-Total-Count")
    assert await walk(paginator, zero_based) == list(range(6))
    assert len(asked) == 2


async def test_a_count_that_is_no_number_leaves_the_other_conditions() -> None:
    asked: list[dict[str, str]] = []
    fetch = counted(SIX[:5], asked, **{"X-Total-Count": "many"})
    paginator = PageNumberPaginator(size=3, total_header="X-Total-Count")
    assert await walk(paginator, fetch) == list(range(5))
    assert len(asked) == 2  # the short second page ended it


async def test_a_count_smaller_than_the_records_stops_at_the_count() -> None:
    asked: list[dict[str, str]] = []
    fetch = counted(SIX, asked, **{"X-Total-Count": "3"})
    paginator = OffsetPaginator(limit=3, total_header="X-Total-Count")
    assert await walk(paginator, fetch) == [0, 1, 2]


class SinceId(Paginator):
    """The escape hatch: a system that pages by the last id seen, ``?since_id=N``."""

    param = "since_id"

    def next_token(self, page: Page) -> Token | None:
        return page.records[-1]["id"] if page.records else None


async def test_a_paginator_of_ones_own_walks_too() -> None:
    async def fetch(request: PageRequest, token: Token | None) -> Page:
        after = int(str(request.params.get("since_id", -1)))
        return Page({}, [r for r in RECORDS if r["id"] > after][:3], token)

    assert await walk(SinceId(), fetch) == list(range(7))


class Sites(Stream):
    """A stream whose answer is a bare array, counted in a header."""

    name = "sites"
    operation = "listSites"
    records_path = ""
    paginator = PageNumberPaginator(size=2, total_header="X-Total-Count")
    mapping = Items.mapping


@respx.mock
async def test_a_bare_array_answer_pages_by_its_header_count() -> None:
    everything = [item(n) for n in range(4)]

    def serve(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["size"])
        chunk = everything[(page - 1) * size : page * size]
        return httpx.Response(200, json=chunk, headers={"X-Total-Count": str(len(everything))})

    route = respx.get("http://fake.test/sites").mock(side_effect=serve)
    made = FakeConnector(settings())
    try:
        found = await made.fetch(Sites, Call.within(5.0))
    finally:
        await made.aclose()
    assert [record["id"] for record in found] == ["i0", "i1", "i2", "i3"]
    assert route.call_count == 2
