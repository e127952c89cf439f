"""Paginators: what to ask for after a page, declared, with one abstract method each.

    PageNumberPaginator(size=100, total_header="X-Total-Count")   # ?page=N&size=M
    OffsetPaginator(limit=200, total_path="data.total")           # ?offset=N&limit=M
    CursorPaginator("next_cursor", param="cursor")                # a token in the body
    CursorPaginator(cursor_header="X-Next-Cursor", has_more_path="hasMore")
    NextLinkPaginator()                                           # the Link header

A walk stops at the first of: a short page (fewer records than the page size), an
empty page, the total reached (a record count or page count from a header or the
body), no next token. ``paginate`` stops a walk that repeats itself: a token seen
before, or more pages than the connector's ``max_pages``. To support another style,
subclass ``Paginator`` and override ``next_token``; override ``apply`` too when the
token does not travel as one query parameter.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from connectors.sdk.errors import PaginationLoopError
from connectors.sdk.paths import dig

Token = str | int
Record = dict[str, Any]
Params = Mapping[str, str | list[str]]  # a list repeats the parameter


@dataclass(frozen=True, slots=True)
class PageRequest:
    path: str  # relative to the base URL, or absolute (a next link)
    params: Params = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page:
    body: Any  # the decoded, validated response
    records: list[Record]
    token: Token | None  # the token that asked for this page; None for the first
    headers: httpx.Headers = field(default_factory=httpx.Headers)


class Paginator(ABC):
    """Subclass and override ``next_token``; ``param`` carries the token back upstream.

    ``size`` records per page are asked for with ``size_param``, when both are set.
    """

    param = "page"
    size_param: str | None = None
    size: int | None = None

    def first(self, request: PageRequest) -> PageRequest:
        """The first page's request: the page size, and where the walk starts."""
        if self.size_param is None or self.size is None:
            return request
        return replace(request, params={**request.params, self.size_param: str(self.size)})

    @abstractmethod
    def next_token(self, page: Page) -> Token | None:
        """The token for the page after ``page``, or None when it was the last."""

    def apply(self, request: PageRequest, token: Token) -> PageRequest:
        return replace(request, params={**request.params, self.param: str(token)})

    def resized(self, size: int) -> Paginator:
        """The same paginator asking for ``size`` records a page."""
        other = copy.copy(self)
        other.size = size
        return other

    def _short(self, page: Page) -> bool:
        return self.size is not None and len(page.records) < self.size


def count_of(page: Page, header: str | None, path: str | None) -> int | None:
    """A count the answer states, in a header or at a body path; None when it states none.
    A count that is not a whole number is treated as none: the other conditions still stop."""
    value = page.headers.get(header) if header else None
    if value is None and path:
        value = dig(page.body, path)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


class PageNumberPaginator(Paginator):
    """``?page=N&size=M``, from page ``start``. The last page is the first one short of
    ``size`` records, or the one that reaches the record count (``total_header`` or
    ``total_path``) or the page count (``pages_header`` or ``pages_path``)."""

    def __init__(  # noqa: PLR0913 - every knob is a keyword with a default
        self,
        page_param: str = "page",
        size_param: str = "size",
        size: int = 100,
        start: int = 1,
        *,
        total_header: str | None = None,
        total_path: str | None = None,
        pages_header: str | None = None,
        pages_path: str | None = None,
    ) -> None:
        self.param, self.size_param, self.size, self._start = page_param, size_param, size, start
        self._total = (total_header, total_path)
        self._pages = (pages_header, pages_path)

    def first(self, request: PageRequest) -> PageRequest:
        return self.apply(super().first(request), self._start)

    def next_token(self, page: Page) -> Token | None:
        if self._short(page) or not page.records:
            return None
        number = int(page.token if page.token is not None else self._start)
        done = number - self._start + 1  # pages read so far, this one included
        total, pages = count_of(page, *self._total), count_of(page, *self._pages)
        if total is not None and self.size is not None and done * self.size >= total:
            return None
        if pages is not None and done >= pages:
            return None
        return number + 1


class OffsetPaginator(Paginator):
    """``?offset=N&limit=M``; stops at a short page or at the record count, read from
    the body (``total_path``) or a header (``total_header``)."""

    def __init__(
        self,
        offset_param: str = "offset",
        limit_param: str = "limit",
        limit: int = 100,
        total_path: str | None = None,
        *,
        total_header: str | None = None,
    ) -> None:
        self.param, self.size_param, self.size = offset_param, limit_param, limit
        self._total = (total_header, total_path)

    def next_token(self, page: Page) -> Token | None:
        offset = int(page.token or 0) + len(page.records)
        total = count_of(page, *self._total)
        if self._short(page) or not page.records or (total is not None and offset >= total):
            return None
        return offset


class CursorPaginator(Paginator):
    """An opaque cursor from the body (``cursor_path``) or a header (``cursor_header``),
    sent back as ``param``. The walk ends when there is no cursor, or when the body's
    ``has_more_path`` says false."""

    def __init__(
        self,
        cursor_path: str = "next_cursor",
        param: str = "cursor",
        size_param: str | None = None,
        size: int | None = None,
        *,
        cursor_header: str | None = None,
        has_more_path: str | None = None,
    ) -> None:
        self._cursor_path, self.param = cursor_path, param
        self.size_param, self.size = size_param, size
        self._cursor_header, self._has_more_path = cursor_header, has_more_path

    def next_token(self, page: Page) -> Token | None:
        if self._has_more_path is not None and not dig(page.body, self._has_more_path):
            return None
        if self._cursor_header is not None:
            cursor = page.headers.get(self._cursor_header)
        else:
            cursor = dig(page.body, self._cursor_path)
        return str(cursor) if cursor else None


class NextLinkPaginator(Paginator):
    """A link to the next page: from the body at ``link_path``, else the ``Link`` header."""

    def __init__(
        self, link_path: str | None = None, size_param: str | None = None, size: int | None = None
    ) -> None:
        self._link_path = link_path
        self.size_param, self.size = size_param, size

    def next_token(self, page: Page) -> Token | None:
        if self._link_path is not None:
            link = dig(page.body, self._link_path)
            return str(link) if link else None
        header = page.headers.get("link")
        if not header:
            return None
        # httpx parses Link headers only on a response; this one carries just the header.
        links = httpx.Response(200, headers={"link": header}).links
        return links.get("next", {}).get("url")

    def apply(self, request: PageRequest, token: Token) -> PageRequest:
        return PageRequest(path=str(token))  # the link carries every parameter itself


FetchPage = Callable[[PageRequest, "Token | None"], Awaitable[Page]]


async def paginate(
    connector: str, paginator: Paginator, request: PageRequest, fetch: FetchPage, max_pages: int
) -> AsyncIterator[Page]:
    """Every page of ``request`` in turn; a walk that loops is a contract violation."""
    first = paginator.first(request)
    current, token = first, None
    seen: set[Token] = set()
    for _ in range(max_pages):
        page = await fetch(current, token)
        yield page
        token = paginator.next_token(page)
        if token is None:
            return
        if token in seen:
            # The token itself stays out of the message: a next link may carry a key.
            raise PaginationLoopError(connector, "a page token came back twice")
        seen.add(token)
        current = paginator.apply(first, token)
    raise PaginationLoopError(connector, f"more than {max_pages} pages; stopped as a loop")
