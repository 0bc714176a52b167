"""Fetching through the local store: the client the frames need, cached lists, answers saved as they arrive.

``_cached_list`` serves a list resource from the store while it is fresh; ``_cached_by_id``
fetches only the ids the store lacks and stores each answer as it arrives (``_Saver``), so a
pull cut short by an error, Ctrl-C or a killed process resumes with what is still missing.

>>> ids = list(m.id[:5])
>>> records, failures = _cached_by_id(lab.cache, "message", ids, lab.api.messages_details, refresh=False)
>>> len(records), failures
(5, {})
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import pandas as pd

from sentlab._errors import ConfigurationError
from sentlab._store import Store

Record = dict[str, Any]


class FanOut(Protocol):
    results: dict[str, Any]
    failures: dict[str, Any]


class EventPage(Protocol):  # sentlab._client.EventPage
    number: int
    events: list[Record]
    total_count: int | None
    has_more: bool

    def positions(self) -> list[int] | None: ...


OnResult = Callable[[str, Any], None]


class RecordsClient(Protocol):
    """The client methods this module uses (``SentClient`` has them all)."""

    def me(self) -> Record: ...
    def contacts(self, *, search: str | None = ..., channel: str | None = ..., phone: str | None = ...,
                 all_profiles: bool = ...) -> list[Record]: ...  # fmt: skip
    def templates(self, *, search: str | None = ..., status: str | None = ..., category: str | None = ...,
                  all_profiles: bool = ...) -> list[Record]: ...  # fmt: skip
    def webhooks(self, *, all_profiles: bool = ...) -> list[Record]: ...
    def webhook_events(self, webhook_id: str | None = ...) -> list[Record]: ...
    def webhook_events_pages(self, webhook_id: str, pages: Iterable[int], *, page_size: int = ...,
                             on_page: Callable[[Any], None] | None = ...) -> list[Any]: ...  # fmt: skip
    def messages_details(self, message_ids: Iterable[str], *, on_result: OnResult | None = ...) -> FanOut: ...
    def activities_many(self, message_ids: Iterable[str], *, on_result: OnResult | None = ...) -> FanOut: ...
    def lookup_numbers(self, phone_numbers: Iterable[str], *, on_result: OnResult | None = ...) -> FanOut: ...
    def message_summaries(self, contact_ids: Iterable[str], *, on_result: OnResult | None = ...) -> FanOut: ...
    def profiles(self) -> list[Record]: ...
    def users(self) -> list[Record]: ...


def _cached_list(store: Store, kind: str, params: Mapping[str, Any], fetch: Callable[[], list],
                 refresh: bool) -> list[Record]:  # fmt: skip
    records = None if refresh else store.get_list(kind, params)
    if records is None:
        records = fetch()
        store.put_list(kind, records, params)
    return records


def _cached_by_id(store: Store, kind: str, keys: list[str], fetch: Callable[..., FanOut],
                  refresh: bool, state: Callable[[Any], Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """(records by key, failures by key): the store's fresh records, the rest fetched and stored.

    Each answer is stored as it arrives (``_Saver``), so a pull cut short by an error, Ctrl-C or
    a killed process is resumed by the next call with only the keys still missing.
    """
    keys = list(dict.fromkeys(keys))
    found = {} if refresh else store.get_records(kind, keys)
    missing = [k for k in keys if k not in found]
    failures: dict[str, Any] = {}
    if missing:
        saver = _Saver(store, kind, state)
        try:
            out = fetch(missing, on_result=saver)
        finally:
            saver.flush()  # what arrived is kept, also when the pull raised or was interrupted
        found.update(out.results)
        failures = dict(out.failures)
    return {k: found[k] for k in keys if k in found}, failures


_SAVE_EVERY = 32  # answers per write transaction at most...
_SAVE_SECONDS = 0.25  # ...and at most this long between writes while answers arrive


class _Saver:
    """Stores the answers of a fan-out as they arrive, a few per short transaction.

    Called on the client's event loop with each (key, record); ``flush()`` stores the rest from
    the caller's thread. A kill loses at most the answers of the last ``_SAVE_SECONDS`` (and
    never more than ``_SAVE_EVERY``) plus the requests in flight. A store that cannot be written
    (a full disk, a read-only file) is warned about once and then left alone: the pull goes on.

    >>> from sentlab._store import message_state
    >>> ids = list(m.id[5:10])
    >>> saver = _Saver(lab.cache, "message", message_state)
    >>> _ = lab.api.messages_details(ids, on_result=saver); saver.flush()
    >>> sorted(lab.cache.get_records("message", ids)) == sorted(ids)
    True
    """

    def __init__(self, store: Store, kind: str, state: Callable[[Any], Any] | None,
                 every: int = _SAVE_EVERY, seconds: float = _SAVE_SECONDS) -> None:  # fmt: skip
        self.store, self.kind, self.state = store, kind, state
        self.every, self.seconds = every, seconds
        self.waiting: dict[str, Any] = {}
        self.since = time.monotonic()
        self.saved = 0
        self.broken: Exception | None = None
        self._lock = threading.Lock()  # the loop thread saves, the caller flushes

    def __call__(self, key: str, record: Any) -> None:
        with self._lock:
            self.waiting[key] = record
            if len(self.waiting) >= self.every or time.monotonic() - self.since >= self.seconds:
                self._write()

    def flush(self) -> None:
        with self._lock:
            self._write()

    def _write(self) -> None:
        batch, self.waiting, self.since = self.waiting, {}, time.monotonic()
        if not batch or self.broken is not None:
            return
        try:
            self.store.put_records(self.kind, batch, state=self.state)
        except sqlite3.Error as error:
            self.broken = error
            warnings.warn(f"sentlab: the local store could not be written ({error}); what is fetched "
                          "now is not kept for the next run", stacklevel=2)  # fmt: skip
        else:
            self.saved += len(batch)


def _report_failures(frame: pd.DataFrame, failures: Mapping[str, Any], what: str) -> pd.DataFrame:
    # A partial answer beats none: keep what was fetched, say what was not, keep the errors.
    if failures:
        frame.attrs["failures"] = {k: str(v) for k, v in failures.items()}
        warnings.warn(f"{len(failures)} {what} could not be fetched (see frame.attrs['failures'])",
                      stacklevel=_caller_stacklevel())
    return frame


def _caller_stacklevel() -> int:
    # Point a warning at the user's line, however many sentlab frames lie in between.
    package = os.path.dirname(__file__)
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _ids(values: Iterable[str] | str, what: str = "ids") -> list[str]:
    """``values`` (one id, or an iterable of them) as a list without repeats, or a
    ConfigurationError saying what to pass, before any request.

    >>> _ids(["a", "b", "a"])
    ['a', 'b']
    """
    if isinstance(values, str):
        return [values]
    if values is None or isinstance(values, bytes | Mapping) or not isinstance(values, Iterable):
        raise ConfigurationError(
            f"{what} must be a string or a list of strings (e.g. frame.id), not {type(values).__name__} {values!r:.60}"
        )
    out = list(dict.fromkeys(values))
    wrong = next((v for v in out if not isinstance(v, str)), None)
    if wrong is not None:
        raise ConfigurationError(
            f"{what} must hold strings, but one is {type(wrong).__name__} {wrong!r:.60}: pass ids as text"
        )
    return out


def _account_scopes(client: Any, store: Store, all_profiles: bool, refresh: bool, *,
                    tag_own: bool = False) -> list[tuple[Any, str, str | None]]:  # fmt: skip
    """``(scoped client, part, profile id to tag)`` of each scope of the account that is wanted:
    this client's scope (tagged with its profile id when ``tag_own``, as the messages log does),
    or (``all_profiles``) the organization's own and every child profile."""
    inner = getattr(client, "aio", client)
    if not all_profiles:
        return [(client, "", inner.profile_id if tag_own else None)]
    organization = client.with_profile(None) if inner.profile_id else client
    account = inner.account or client.me()
    scopes = [(organization, "", account.get("id"))]
    for profile in _cached_list(store, "profiles", {}, client.profiles, refresh):
        if profile.get("id"):
            scopes.append((client.with_profile(profile["id"]), profile["id"], profile["id"]))
    return scopes
