"""A webhook's delivery events synced into the local store, page by page, resumable.

``_sync_events`` brings the store's events of one webhook up to date: each page is stored as it
arrives, and a sync reads only the pages that can have changed (see ``_EventSync``).

>>> hook = lab.webhooks().iloc[0]                 # a profile's webhook: read in its profile's scope
>>> _sync_events(lab.api.with_profile(hook.profile_id), lab.cache, hook.id, refresh=False)  # None: stored
>>> len(lab.cache.events(hook.id)) > 0
True
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from sentlab._fetching import _SAVE_SECONDS, EventPage, Record, RecordsClient
from sentlab._store import Store, _epoch


def _sync_events(client: RecordsClient, store: Store, webhook_id: str, refresh: bool) -> list[Record] | None:
    """Bring the store's events of one webhook up to date; returns the records when not storing."""
    if not store.enabled:
        return client.webhook_events(webhook_id)
    if not refresh and store.synced_recently(webhook_id):
        return None
    if getattr(client, "webhook_events_pages", None) is None:  # a client that reads whole lists only
        records = client.webhook_events(webhook_id)
        store.add_events(webhook_id, [{**r, "webhook_id": r.get("webhook_id") or webhook_id} for r in records])
        store.finish_sync(webhook_id)
        return None
    _EventSync(client, store, webhook_id, refresh).run()
    return None


_SYNC_ROUNDS = 3  # passes over what is still missing, when events keep arriving during a sync
_PAGES_PER_WRITE = 10  # event pages per write transaction at most (and _SAVE_SECONDS apart at most)
_MAX_PAGES = 100_000  # a server that ignores ``page`` would otherwise be paged forever


class _EventSync:
    """One sync of a webhook's events into the store, each page stored as it arrives.

    The API gives the list's ``total_count``, which places every event counted from the oldest
    (``EventPage.positions``; new events only join the top). The store knows the positions it
    holds, so a sync reads page 1 (the newest events, and the total), the pages holding the
    positions the store lacks (every page the first time; after an interrupted sync, only the
    rest), and the pages holding events whose delivery was still pending when stored and that
    are younger than ``store.pending_event_age``. ``refresh`` reads every page.

    Positions are checked against the stored ones on every page read. Before anything is
    stored, the newest stored event is looked for where its position says: if the list moved
    (the server dropped old events, say) the stored positions are shifted when one amount
    explains it (seen twice), or forgotten (the whole list is read again). A page that
    disagrees later is stored without positions and read again in the next round.

    Without a total (another server), pages are read newest first until one holds an event a
    complete sync stored and the reader is past the oldest young pending event.
    """

    def __init__(self, client: RecordsClient, store: Store, webhook_id: str, refresh: bool,
                 page_size: int = 100) -> None:  # fmt: skip
        self.client, self.store, self.webhook_id, self.refresh = client, store, webhook_id, refresh
        self.page_size = page_size
        self.total: int | None = None  # the largest total_count a page said
        self.disagreed = 0  # pages whose places disagreed with the stored ones
        self._waiting: list[tuple[list[Record], list[int | None]]] = []  # pages read, not yet written
        self._since = time.monotonic()
        self._lock = threading.Lock()  # pages are saved on the client's loop, flushed from here

    def run(self) -> None:
        [first] = self._fetch([1], save=False)  # checked before anything is stored
        self.page_size = getattr(first, "page_size", None) or self.page_size  # pages as the server cuts them
        if first.positions() is None:
            self._save(first, positioned=False)
            self._flush()
            self._newest_first(first)
            return
        read = self._align(first)
        self._fill(first.total_count or 0, read)

    # -- reading pages ------------------------------------------------------------------------

    def _fetch(self, pages: list[int], save: bool = True) -> list[EventPage]:
        try:
            return self.client.webhook_events_pages(self.webhook_id, pages, page_size=self.page_size,
                                                    on_page=self._save if save else None)  # fmt: skip
        finally:
            self._flush()  # the pages that arrived are stored, also after an error or Ctrl-C

    def _save(self, page: EventPage, positioned: bool = True) -> None:
        """Keep a page for the store: a few pages per write, a kill loses at most the last few."""
        positions = page.positions() if positioned else None
        if positions is not None and not self._agrees(page, positions):
            self.disagreed += 1
            positions = None  # stored, but its positions stay missing: read again
        if positions is not None and page.total_count is not None:
            self.total = max(self.total or 0, page.total_count)
        with self._lock:
            self._waiting.append((page.events, positions if positions is not None else [None] * len(page.events)))
            if len(self._waiting) >= _PAGES_PER_WRITE or time.monotonic() - self._since >= _SAVE_SECONDS:
                self._write()

    def _flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        batch, self._waiting, self._since = self._waiting, [], time.monotonic()
        if batch:
            self.store.put_events(self.webhook_id, [e for events, _ in batch for e in events],
                                  [p for _, places in batch for p in places])  # fmt: skip

    def _agrees(self, page: EventPage, positions: list[int]) -> bool:
        """Whether a page's places agree with the store: none of its events stored elsewhere, and
        none of its places held by another event (a total counted at another moment than the list)."""
        if set(self._shifts([page])) - {0}:
            return False
        held = self.store.events_at(self.webhook_id, positions)
        return all(held.get(p, i) == i for i, p in zip(_event_ids(page.events), positions, strict=False))

    def _shifts(self, pages: list[EventPage]) -> Counter[int]:
        """How far the already-stored events on ``pages`` are from their stored positions: shift -> events."""
        shifts: Counter[int] = Counter()
        for page in pages:
            ids = _event_ids(page.events)
            stored = self.store.event_positions(self.webhook_id, [i for i in ids if i is not None])
            shifts.update(p - stored[i] for i, p in zip(ids, page.positions() or [], strict=False) if i in stored)
        return shifts

    def _page_of(self, position: int, total: int) -> int:
        return (total - 1 - position) // self.page_size + 1

    def _all_pages(self, total: int) -> set[int]:
        return set(range(1, -(-total // self.page_size) + 1))

    # -- with positions -----------------------------------------------------------------------

    def _align(self, first: EventPage) -> set[int]:
        """Check the stored positions against the list as it is now, then store the pages read.

        The newest stored event must be where its position says: on page 1, or on the page its
        position falls on now. Returns the page numbers read (and stored).
        """
        probes = [first]
        coverage = self.store.event_coverage(self.webhook_id)
        total = first.total_count or 0
        if coverage:
            newest = coverage[-1][1]
            if not self._shifts([first]) and newest < total and self._page_of(newest, total) != 1:
                probes += self._fetch([self._page_of(newest, total)], save=False)
            shifts = self._shifts(probes)
            [(shift, seen)] = shifts.most_common(1) if len(shifts) == 1 else [(None, 0)]
            if shift:  # believed when every stored event read (two at least) shows it, on two reads
                again = self._fetch([p.number for p in probes], save=False) if seen >= 2 else []
                if again and self._shifts(again) == shifts:
                    self.store.shift_event_positions(self.webhook_id, shift)
                    probes = again
                else:
                    shift = None
            if shift is None:  # nothing explains where the stored events are: place them all anew
                self.store.forget_event_positions(self.webhook_id)
        for page in probes:
            self._save(page)
        self._flush()
        return {p.number for p in probes if p.total_count == total}

    def _missing_pages(self, total: int) -> set[int]:
        """The pages (at ``total``) holding positions the store lacks."""
        pages: set[int] = set()
        lowest = 0
        for first, last in [*self.store.event_coverage(self.webhook_id), (total, total)]:
            hi = min(first, total) - 1
            if hi >= lowest:  # positions lowest..hi are not stored
                pages.update(range(self._page_of(hi, total), self._page_of(lowest, total) + 1))
            lowest = max(lowest, last + 1)
        return pages

    def _pending_pages(self, total: int) -> set[int]:
        return {self._page_of(p, total) for p, _ in self.store.pending_events(self.webhook_id)
                if p is not None and 0 <= p < total}  # fmt: skip

    def _fill(self, total: int, read: set[int]) -> None:
        wanted = self._missing_pages(total) | self._pending_pages(total)
        if self.refresh:
            wanted |= self._all_pages(total)
        wanted -= read
        for _ in range(_SYNC_ROUNDS):
            if wanted:
                self._fetch(sorted(wanted))
            total = self.total or total
            wanted = self._missing_pages(total)
            if not wanted:
                self.store.finish_sync(self.webhook_id)
                return
        if self.disagreed:  # pages kept disagreeing with the stored positions: the list moved
            self.store.forget_event_positions(self.webhook_id)
            self.disagreed = 0
            self._fetch(sorted(self._all_pages(self.total or total)))
            if not self._missing_pages(self.total or total):
                self.store.finish_sync(self.webhook_id)
        # otherwise events arrived faster than they were read: the next sync goes on from here

    # -- without positions --------------------------------------------------------------------

    def _newest_first(self, page: EventPage) -> None:
        known = self.store.event_ids(self.webhook_id)  # stored by a sync that completed
        pending = [t for _, t in self.store.pending_events(self.webhook_id) if t is not None]
        oldest_pending = min(pending, default=None)
        while page.events and page.has_more and page.number < _MAX_PAGES:
            times = [t for t in (_epoch(e.get("created_at")) for e in page.events if isinstance(e, dict))
                     if t is not None]  # fmt: skip
            reached = any(i in known for i in _event_ids(page.events))
            past_pending = oldest_pending is None or (bool(times) and min(times) < oldest_pending)
            if reached and past_pending and not self.refresh:
                break
            [page] = self._fetch([page.number + 1])
        self.store.finish_sync(self.webhook_id)


def _event_ids(events: list[Any]) -> list[str | None]:
    return [str(e["id"]) if isinstance(e, dict) and e.get("id") is not None else None for e in events]
