"""Every page of a list endpoint: the remaining pages fetched concurrently once the first page tells how many, in server order.

The API's list responses come in three documented shapes; :func:`parse_page` reads them all:

- endpoint examples: ``data = {<items>: [...], pagination: {page, page_size, total_count, total_pages, has_more, cursors}}``
- data-models.md:    ``pagination = {has_next_page, has_previous_page, next_cursor, previous_cursor, total_count}``
- glossary.md:       ``data = {items, totalCount, page, pageSize, totalPages}``
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# A server that ignores ``page`` would otherwise be paged forever.
MAX_PAGES = 100_000


@dataclass
class Page:
    """One page of a list: its items and whatever the server said about the rest."""

    items: list[Any]
    total_pages: int | None = None
    total_count: int | None = None
    has_more: bool | None = None
    next_cursor: str | None = None


def _first(mapping: dict[str, Any], *names: str) -> Any:
    for name in names:
        if mapping.get(name) is not None:
            return mapping[name]
    return None


def parse_page(data: Any, items_key: str, *, page_size: int, meta: dict[str, Any] | None = None) -> Page:
    """Read a list response's ``data`` (and envelope ``meta``) in any of the three documented shapes.

    >>> parse_page({"contacts": [{"id": 1}], "pagination": {"total_pages": 3}}, "contacts", page_size=1).total_pages
    3
    """
    if isinstance(data, list):
        return Page(items=data)
    if not isinstance(data, dict):
        return Page(items=[])
    items = data.get(items_key)
    if items is None:
        items = data.get("items")
    if items is None:
        items = next((v for v in data.values() if isinstance(v, list)), [])
    pagination = data.get("pagination")
    if not isinstance(pagination, dict):
        pagination = (meta or {}).get("pagination") if isinstance((meta or {}).get("pagination"), dict) else data
    total_pages = _first(pagination, "total_pages", "totalPages")
    total_count = _first(pagination, "total_count", "totalCount")
    has_more = _first(pagination, "has_more", "has_next_page", "hasMore", "hasNextPage")
    cursors = pagination.get("cursors") if isinstance(pagination.get("cursors"), dict) else {}
    next_cursor = _first(cursors, "after") or _first(pagination, "next_cursor", "nextCursor")
    if total_pages is None and isinstance(total_count, int):
        size = _first(pagination, "page_size", "pageSize") or page_size
        total_pages = math.ceil(total_count / size) if size else None
    return Page(
        items=list(items),
        total_pages=int(total_pages) if isinstance(total_pages, int | float) else None,
        total_count=int(total_count) if isinstance(total_count, int | float) else None,
        has_more=bool(has_more) if has_more is not None else None,
        next_cursor=str(next_cursor) if next_cursor else None,
    )


class Progress:
    """What the paginator needs from a progress bar; the no-op default."""

    def add_total(self, n: int) -> None: ...

    def update(self, n: int = 1) -> None: ...


FetchPage = Callable[[int, str | None], Awaitable[Page]]


async def fetch_all_pages(
    fetch_page: FetchPage,
    *,
    concurrency: int,
    progress: Progress | None = None,
    on_partial: Callable[[list[Any]], None] | None = None,
) -> list[Any]:
    """All items of a list, in server order, without duplicates (by ``id``).

    Page 1 comes first; if it says how many pages there are, pages 2..N are fetched with up to
    ``concurrency`` in flight. Otherwise pages are followed one by one (``has_more`` with page
    numbers, or the ``next_cursor``) until the server says there is no more or a page is empty.
    If the list grew while it was paged (the last page says ``has_more``), the paginator goes on
    page by page. On an error or a cancellation ``on_partial`` receives what was fetched so far.
    """
    progress = progress or Progress()
    pages: dict[int, list[Any]] = {}

    def collected() -> list[Any]:
        return _dedupe(item for number in sorted(pages) for item in pages[number])

    try:
        first = await fetch_page(1, None)
        pages[1] = first.items
        progress.update(1)
        last = first
        number = 1
        if first.items and first.total_pages and first.total_pages > 1:
            progress.add_total(first.total_pages - 1)

            async def fetch(n: int) -> None:
                page = await fetch_page(n, None)
                pages[n] = page.items
                progress.update(1)
                if n == first.total_pages:
                    nonlocal last
                    last = page

            await bounded_map(range(2, first.total_pages + 1), fetch, concurrency=concurrency)
            number = first.total_pages
        # Sequential tail: no totals at all, or the list grew while it was paged.
        cursor = last.next_cursor
        while last.items and _more(last, len(pages.get(number, [])), first) and number < MAX_PAGES:
            number += 1
            progress.add_total(1)
            page = await fetch_page(number, cursor)
            progress.update(1)
            if pages.get(number - 1) and page.items and page.items == pages[number - 1]:
                break  # the server ignores paging
            pages[number] = page.items
            last, cursor = page, page.next_cursor
    except BaseException:
        if on_partial is not None:
            on_partial(collected())
        raise
    return collected()


def _more(last: Page, last_count: int, first: Page) -> bool:
    if last.has_more is not None:
        return last.has_more
    if last.next_cursor:
        return True
    if first.total_pages is not None:
        return False
    # No word from the server: a full page may have a successor; an empty one ends it.
    return last_count > 0 and last_count >= len(first.items)


def _dedupe(items: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    kept = []
    for item in items:
        key = item.get("id") if isinstance(item, dict) else None
        if key is not None:
            if key in seen:
                continue  # shifted onto the next page by an insert while paging
            seen.add(key)
        kept.append(item)
    return kept


async def bounded_map(
    items: Iterable[T], func: Callable[[T], Awaitable[R]], *, concurrency: int
) -> list[R]:
    """``func`` over ``items`` with at most ``concurrency`` running; results in input order.

    The first exception cancels the rest and is raised; so is a cancellation.
    """
    items = list(items)
    results: list[Any] = [None] * len(items)
    queue = iter(enumerate(items))

    async def worker() -> None:
        for index, item in queue:
            results[index] = await func(item)

    workers = [asyncio.ensure_future(worker()) for _ in range(max(1, min(concurrency, len(items))))]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
    return results
