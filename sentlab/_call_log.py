"""Voice calls in the local store: a log per scope and filter that re-reads only calls that can still change.

The calls list (``GET /v3/voice/calls``) is newest first by ``started_at`` and can be cut by start
time server-side (``from``/``to``, both inclusive). A call changes only while it is live (status,
answer and end times, duration, price) and for a few seconds after (``recording_available``);
after that it reads the same forever. So the store keeps, for each scope and filter combination
(direction, status, number), every call started in a covered window ``[low, high]``, and the
time ``settled`` before which every stored call reads as it always will: calls that started at
least ``SETTLE_AFTER`` before they were read. A sync for a window ``[since, until)``:

- reads nothing when the window is covered and either ends before ``settled`` (old calls never
  change: a past month costs no request, ever) or was read less than the store's ``list_ttl``
  ago (like every other list resource);
- otherwise reads again only from ``settled`` up (``from=settled``): the calls that may have
  changed and those started since; older stored calls are kept as they are;
- reads the part of a window below ``low`` once (``from=since&to=low``), so the covered window
  only grows.

A filtered log is exact too: a call whose status moves into or out of a ``status=`` filter is
within the re-read window for as long as it can change. A call still live ``SETTLE_AFTER`` after
it started is not looked at again unless ``refresh=True``. The records and the sync state are two
rows of the store's ``lists`` table (``calls`` and ``calls.sync``), written in that order, so a
process killed between the two leaves a state that claims no more than the records hold.

>>> fetch = lambda lo, hi: lab.api.calls(status="COMPLETED", since=iso_micros(lo), until=iso_micros(hi))
>>> records = sync_calls(fetch, lab.cache, {"status": "COMPLETED"}, since_us=None, until_us=None)
>>> {call["status"] for call in records}
{'COMPLETED'}
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sentlab._store import Store

__all__ = ["SETTLE_AFTER", "CallSyncState", "iso_micros", "micros", "sync_calls"]

#: A call is over, priced and its recording announced this long after it started. The SDK bounds
#: a leg only by the balance; the simulator caps talk at 4 h and announces recordings ~12 s after
#: the end. 12 h leaves a wide margin and costs a re-read of half a day of calls per sync.
SETTLE_AFTER = 12 * 3600.0

Record = dict[str, Any]
Fetch = Callable[[int | None, int | None], list[Record]]  # (from, to) in epoch microseconds, inclusive
_RECORDS, _STATE = "calls", "calls.sync"


@dataclass
class CallSyncState:
    """What a calls log holds: every call started in ``[low, high]`` (``low`` None: since the
    first), those started before ``settled`` final; the rest as read at ``read_at``. Times in
    epoch microseconds (``read_at`` in epoch seconds)."""

    low: int | None
    high: int
    settled: int
    read_at: float


def micros(text: Any) -> int | None:
    """Epoch microseconds of an ISO 8601 timestamp (the API's 7-digit fractions are cut to 6).

    >>> micros("2026-04-08T12:00:00.0000001+00:00")
    1775649600000000
    """
    if not isinstance(text, str):
        return None
    try:
        when = datetime.fromisoformat(_six_digits(text.replace("Z", "+00:00")))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _six_digits(text: str) -> str:
    # 3.11's fromisoformat reads 7 fraction digits, but be exact about it: keep microseconds.
    head, dot, rest = text.partition(".")
    if not dot:
        return text
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def iso_micros(us: int | None) -> str | None:
    """Epoch microseconds as the ISO 8601 text the calls list's ``from``/``to`` take.

    >>> iso_micros(1775649600000000)
    '2026-04-08T12:00:00.000000Z'
    """
    if us is None:
        return None
    seconds, rest = divmod(us, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:06d}Z"


def _start(record: Any) -> int | None:
    return micros(record.get("started_at")) if isinstance(record, dict) else None


def _load(store: Store, params: Mapping[str, Any]) -> tuple[CallSyncState | None, list[Record]]:
    raw = store.stored_list(_STATE, params)
    records = store.stored_list(_RECORDS, params)
    if not raw or records is None:
        return None, []
    try:
        return CallSyncState(**raw[0]), records
    except TypeError:  # a state written by another version: start again
        return None, []


def _merge(kept: list[Record], fetched: list[Record]) -> list[Record]:
    """``kept`` and ``fetched`` by id (the fetched copy wins), newest first by start."""
    fresh_ids = {r.get("id") for r in fetched}
    out = [*fetched, *(r for r in kept if r.get("id") not in fresh_ids)]
    seen: set[Any] = set()
    unique = []
    for r in out:
        key = r.get("id")
        if key is not None and key in seen:
            continue  # a call shifted onto the next page while paging
        seen.add(key)
        unique.append(r)
    unique.sort(key=lambda r: _start(r) or -math.inf, reverse=True)  # stable: server order for ties
    return unique


def sync_calls(fetch: Fetch, store: Store, params: Mapping[str, Any], *, since_us: int | None,
               until_us: int | None, refresh: bool = False) -> list[Record]:  # fmt: skip
    """The calls started in ``[since_us, until_us)`` (None: unbounded), newest first, reading
    only what the stored log cannot answer (see the module docstring). ``refresh=True`` reads
    the window again (and everything since), keeping what is stored below it.

    ``fetch(from_us, to_us)`` lists the calls started in ``[from_us, to_us]`` (None: unbounded)
    for the log's scope and filters; ``params`` names the log.

    >>> calls = sync_calls(lambda lo, hi: lab.api.calls(since=iso_micros(lo), until=iso_micros(hi)),
    ...                    lab.cache, {"part": ""}, since_us=None, until_us=None)
    >>> len(calls) == len(lab.api.calls())
    True
    """
    now = store.clock()
    now_us = int(now * 1_000_000)
    settle_us = int(SETTLE_AFTER * 1_000_000)
    state, records = _load(store, params)
    if refresh and state is not None:
        if since_us is None:
            state, records = None, []
        else:  # everything from the window's start up is read again
            state.settled = min(state.settled, since_us if state.low is None else max(since_us, state.low))
            state.read_at = -math.inf
    changed = False
    if state is None:
        records = _merge([], fetch(since_us, until_us))
        high = now_us if until_us is None else min(until_us, now_us)
        state = CallSyncState(low=since_us, high=high, settled=min(high, now_us - settle_us), read_at=now)
        changed = True
    else:
        if state.low is not None and (since_us is None or since_us < state.low):
            # Below the covered window: read that part once. Calls in it that started within
            # SETTLE_AFTER of now may still change: the settled prefix then ends there.
            records = _merge(records, fetch(since_us, state.low))
            if now_us - settle_us < state.low:
                floor = now_us - settle_us if since_us is None else max(since_us, now_us - settle_us)
                state.settled = min(state.settled, floor)
            state.low = since_us
            changed = True
        reaches_top = until_us is None or until_us > state.settled
        stale = now - state.read_at >= store.list_ttl or (until_us is not None and until_us > state.high)
        if reaches_top and stale:
            start = state.settled if state.low is None else max(state.settled, state.low)
            to = None if until_us is None else max(until_us, state.high)
            top = fetch(start, to)
            kept = [r for r in records if (s := _start(r)) is not None and s < start]
            records = _merge(kept, top)
            state.high = now_us if to is None else min(to, now_us)
            state.settled = max(start, min(state.high, now_us - settle_us))
            state.read_at = now
            changed = True
    if changed:
        store.put_list(_RECORDS, records, params)  # records first: the state never claims more
        store.put_list(_STATE, [asdict(state)], params)
    return [r for r in records if _in_window(_start(r), since_us, until_us)]


def _in_window(start: int | None, since_us: int | None, until_us: int | None) -> bool:
    if since_us is None and until_us is None:
        return True
    if start is None:
        return False
    return (since_us is None or start >= since_us) and (until_us is None or start < until_us)
