"""Paginators: each style walks to the end, and a walk that loops is stopped."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.sdk import (
    CursorPaginator,
    NextLinkPaginator,
    OffsetPaginator,
    Page,
    PageNumberPaginator,
    PageRequest,
    PaginationLoopError,
    Paginator,
    paginate,
)
from connectors.sdk.pagination import Token

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
