"""The messages list in the local store: synced newest first, resumable, read back columnar.

The live API lists every message of a scope newest first (``GET /v3/conversations``, 100 a page).
A :class:`MessageLog` keeps one scope's copy:

- **pages as they arrive**: each page fetched is committed to SQLite at once (with the sync's
  progress in the same transaction), so an error, Ctrl-C or SIGKILL loses nothing fetched and
  the next sync resumes where the last one stopped;
- **the frame in Arrow files**: pages are folded into parts of the built messages frame (Arrow
  IPC, memory-mapped on read; merged when they pile up), so a warm read is a columnar read, not
  a JSON re-parse;
- **what a sync reads**: the first sync reads every page (or down to ``since``); later syncs read
  from the newest page down to the newest message already stored and to the *unsettled window*
  (messages younger than ``settle_after``, and held or pending ones, whose status may still
  change). Messages created while paging push older ones to later pages: a page may repeat
  messages (the newest fetch of a message wins), never skip one.

>>> log = MessageLog(store, "")            # "" = the scope's own messages; or a profile id
>>> sync(lab.api, log)                     # reads only what can have changed
SyncReport(pages=..., messages=..., resumed=False, runs=[...])
>>> frame = log.frame()                    # a typed messages frame
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentlab._frames import build_frame, conform, empty_frame
from sentlab._schemas import columns as schema_columns
from sentlab._statuses import PENDING
from sentlab._store import Store

__all__ = ["MessageLog", "SyncReport", "sync"]

PAGE_SIZE = 100
#: Messages younger than this are re-read by every sync (a DELIVERED may still turn READ, a
#: SENT get its receipt); older ones only if still pending.
SETTLE_AFTER = 48 * 3600.0
#: Statuses read less than this long ago are not read again by the next sync (seconds).
RECHECK_AFTER = 60.0
#: A held send waits at most 30 days: pending messages older than this are not looked at again.
PENDING_HORIZON = 31 * 86400.0
#: Fold pending pages into a part every this many pages (and at the end of a sync).
FOLD_EVERY = 100
#: Merge the parts into one when there are more than this many.
MAX_PARTS = 8
_FETCHED = "_fetched_at"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message_sync (log TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS message_pages (
    log TEXT NOT NULL, run TEXT NOT NULL, page INTEGER NOT NULL, fetched_at REAL NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (log, run, page));
"""


@dataclass
class Run:
    """A sync in progress: pages ``first..end`` of the list, read until ``stop_at``."""

    id: str
    kind: str  # "full" (from the top, as deep as asked), "top" (newest pages), "down" (older pages)
    first: int
    stop_at: float | None  # epoch seconds: a page with a message older than this is the last
    started: float
    done: list[int] = field(default_factory=list)
    end: int | None = None  # the last page, once a page says so
    top_seen: float | None = None  # the newest created_at on the run's first page

    def complete(self) -> bool:
        return self.end is not None and set(range(self.first, self.end + 1)) <= set(self.done)


@dataclass
class SyncState:
    """What the log holds: every message created in [low, top] (low None: nothing yet;
    -inf: back to the first), as of the top pass that finished at ``synced_at``."""

    low: float | None = None
    top: float | None = None
    synced_at: float | None = None
    run: Run | None = None

    @classmethod
    def loads(cls, text: str | None) -> SyncState:
        if not text:
            return cls()
        raw = json.loads(text)
        run = Run(**raw["run"]) if raw.get("run") else None
        low = raw.get("low")
        return cls(low=-math.inf if low == "-inf" else low, top=raw.get("top"), synced_at=raw.get("synced_at"), run=run)

    def dumps(self) -> str:
        low = "-inf" if self.low == -math.inf else self.low
        return json.dumps({"low": low, "top": self.top, "synced_at": self.synced_at,
                           "run": asdict(self.run) if self.run else None})  # fmt: skip


@dataclass
class SyncReport:
    """What one sync did: requests (pages) made, messages received, whether it resumed a run."""

    pages: int = 0
    messages: int = 0
    resumed: bool = False
    runs: list[str] = field(default_factory=list)


class MessageLog:
    """One scope's messages list in ``store``: sync state and pages in SQLite, frames in Arrow files.

    ``part`` names whose messages these are within the store's scope: ``""`` for the scope's
    own, a profile id for a child profile pulled with an organization key.

    >>> log = MessageLog(lab.cache, "")
    >>> _ = sync(lab.api, log)
    >>> log.frame().status.value_counts()
    status
    DELIVERED    23
    READ          3
    SENT          2
    FAILED        1
    Name: count, dtype: int64
    """

    def __init__(self, store: Store, part: str = "", *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.part = part
        self.key = f"{store.scope}|{part}"
        self.directory = Path(store.directory) / "messages" / hashlib.sha256(self.key.encode()).hexdigest()[:20]
        self.clock = clock
        self._ready = False

    def __repr__(self) -> str:
        return f"<MessageLog {self.key!r}>"

    # -- SQLite: state and pending pages ------------------------------------------------------

    def _conn(self) -> Any:
        conn = self.store._connection()
        if not self._ready:
            with self.store._transaction(conn):
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
            self._ready = True
        return conn

    def state(self) -> SyncState:
        conn = self._conn()
        with self.store._lock:
            row = conn.execute("SELECT state FROM message_sync WHERE log = ?", (self.key,)).fetchone()
        return SyncState.loads(row[0] if row else None)

    def save_state(self, state: SyncState) -> None:
        with self.store._transaction(self._conn()) as conn:
            conn.execute("INSERT OR REPLACE INTO message_sync VALUES (?, ?)", (self.key, state.dumps()))

    def add_page(self, state: SyncState, page: int, records: list[dict[str, Any]]) -> None:
        """Commit one fetched page and the run's progress together: a kill loses neither."""
        assert state.run is not None
        body = json.dumps(records, separators=(",", ":"), default=str)
        with self.store._transaction(self._conn()) as conn:
            conn.execute("INSERT OR REPLACE INTO message_pages VALUES (?, ?, ?, ?, ?)",
                         (self.key, state.run.id, page, self.clock(), body))  # fmt: skip
            conn.execute("INSERT OR REPLACE INTO message_sync VALUES (?, ?)", (self.key, state.dumps()))

    def _pending(self) -> list[tuple[str, int, float, str]]:
        conn = self._conn()
        with self.store._lock:
            return conn.execute("SELECT run, page, fetched_at, body FROM message_pages WHERE log = ? "
                                "ORDER BY fetched_at", (self.key,)).fetchall()  # fmt: skip

    def pending_pages(self) -> int:
        """How many fetched pages are not folded into a part file yet."""
        conn = self._conn()
        with self.store._lock:
            return conn.execute("SELECT COUNT(*) FROM message_pages WHERE log = ?", (self.key,)).fetchone()[0]

    # -- Arrow parts: the frame ---------------------------------------------------------------

    def _parts(self) -> list[Path]:
        return sorted(self.directory.glob("part-*.arrow")) if self.directory.exists() else []

    def _pending_frame(self, rows: list[tuple[str, int, float, str]]) -> pd.DataFrame:
        records: list[dict[str, Any]] = []
        fetched: list[float] = []
        for _, _, fetched_at, body in rows:
            page = json.loads(body)
            records.extend(page)
            fetched.extend([fetched_at] * len(page))
        frame = build_frame("messages", records)
        frame[_FETCHED] = pd.array(fetched, dtype="float64")
        return frame

    def _read_parts(self, parts: list[Path], columns: list[str] | None = None) -> list[pd.DataFrame]:
        frames = []
        for path in parts:
            try:
                frames.append(read_part(path, columns))
            except FileNotFoundError:  # another process merged the parts meanwhile: read them again
                return self._read_parts(self._parts(), columns)
        return frames

    def frame(self) -> pd.DataFrame:
        """Every stored message, once (its newest fetch), newest first: a typed messages frame.

        >>> log = MessageLog(lab.cache, "")
        >>> _ = sync(lab.api, log)
        >>> log.frame().shape
        (29, ...)
        """
        pending = self._pending()
        if not pending:  # the warm case: the parts alone, combined in Arrow and converted once
            tables = self._read_tables(self._parts())
            return _table_frame(_newest_rows(tables)) if tables else empty_frame("messages")
        frames = self._read_parts(self._parts())
        parts = len(frames)
        frames.append(self._pending_frame(pending))
        return _finish(_newest_fetch(frames, parts=parts))

    def _read_tables(self, parts: list[Path]) -> list[Any]:
        tables = []
        for path in parts:
            try:
                tables.append(_read_table(path, None))
            except FileNotFoundError:  # another process merged the parts meanwhile: read them again
                return self._read_tables(self._parts())
        return tables

    def _times(self) -> pd.DataFrame:
        """id, created_at and status of every stored message (its newest fetch): a cheap read."""
        columns = ["id", "created_at", "status", _FETCHED]
        frames = self._read_parts(self._parts(), columns)
        pending = self._pending()
        if pending:
            frames.append(self._pending_frame(pending)[columns])
        return _newest_fetch(frames) if frames else pd.DataFrame(columns=columns)

    def stored_since(self, low: float) -> int:
        """How many stored messages were created at or after ``low`` (epoch seconds)."""
        times = self._times()
        return int((times["created_at"].astype("int64") / 1e9 >= low).sum()) if len(times) else 0

    def fold(self) -> None:
        """Write the pending pages into a new part (merging the parts when there are many), then
        drop them from SQLite. A kill between the two folds them twice: harmless."""
        pending = self._pending()
        parts = self._parts()
        if not pending and len(parts) <= MAX_PARTS:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        new = [self._pending_frame(pending)] if pending else []
        if len(parts) + len(new) > MAX_PARTS:
            merged = _newest_fetch(self._read_parts(parts) + new)
            target, replaced = self._write(merged), parts
        else:
            target, replaced = (self._write(_newest_fetch(new)) if new else None), []
        with self.store._transaction(self._conn()) as conn:
            for run, page, _, _ in pending:
                conn.execute("DELETE FROM message_pages WHERE log = ? AND run = ? AND page = ?", (self.key, run, page))
        for path in replaced:
            if path != target:
                path.unlink(missing_ok=True)

    def _write(self, frame: pd.DataFrame) -> Path:
        sequence = max((int(p.stem.split("-")[1]) for p in self._parts()), default=0) + 1
        path = self.directory / f"part-{sequence:08d}.arrow"
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        write_part(frame, tmp)
        os.replace(tmp, path)  # atomic: a reader sees the whole part or none of it
        return path

    def clear(self) -> None:
        """Forget this log: its state, pending pages and parts."""
        with self.store._transaction(self._conn()) as conn:
            conn.execute("DELETE FROM message_pages WHERE log = ?", (self.key,))
            conn.execute("DELETE FROM message_sync WHERE log = ?", (self.key,))
        for path in self._parts():
            path.unlink(missing_ok=True)

    def unsettled_from(self, now: float, settle_after: float) -> float:
        """The oldest ``created_at`` a sync must re-read: ``settle_after`` ago, or earlier if a
        stored message younger than ``PENDING_HORIZON`` is still pending."""
        horizon = now - settle_after
        stored = self._times()
        if len(stored):
            created = stored["created_at"].astype("int64") / 1e9
            pending = stored["status"].astype("string").isin(PENDING).fillna(False).to_numpy(dtype=bool)
            recent = (created >= now - PENDING_HORIZON).to_numpy(dtype=bool)
            held = created[pending & recent]
            if len(held):
                horizon = min(horizon, float(held.min()))
        return horizon


# ---------------------------------------------------------------------------------------------
# the columnar parts
# ---------------------------------------------------------------------------------------------
# A part is an Arrow IPC file (Feather v2), uncompressed: a warm read memory-maps it, no decoding.
# Strings repeated across rows (ids of the scope, templates, contacts, reasons) are stored
# dictionary-encoded and become plain strings again on read; the list columns (buttons, media:
# JSON values) are stored as JSON text and parsed back, so a read returns exactly what was written.

_LIST_COLUMNS = ("body_buttons", "body_media")


def write_part(frame: pd.DataFrame, path: Path) -> None:
    """Write a messages frame (plus ``_fetched_at``), newest first, as one part file."""
    import orjson
    import pyarrow as pa
    import pyarrow.feather as feather

    order = _created_ns(frame).argsort(kind="stable")[::-1]
    frame = frame.iloc[order].reset_index(drop=True) if len(frame) else frame
    lists = [c for c in _LIST_COLUMNS if c in frame.columns]
    table = pa.Table.from_pandas(frame.drop(columns=lists), preserve_index=False)
    for column in lists:
        text = [None if v is None or (isinstance(v, float) and v != v) else orjson.dumps(v).decode()
                for v in frame[column].tolist()]  # fmt: skip
        table = table.append_column(column, pa.array(text, type=pa.large_string()))
    for i, spec in enumerate(table.schema):
        if pa.types.is_large_string(spec.type) or pa.types.is_string(spec.type):
            column = table.column(i)
            if len(column) and pa.compute.count_distinct(column).as_py() * 4 < len(column):
                table = table.set_column(i, spec.name, pa.compute.dictionary_encode(column))
    feather.write_feather(table, path, compression="uncompressed")


def read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one part file back as a typed messages frame (with ``_fetched_at``)."""
    frame = _table_frame(_read_table(path, columns), finish=False)
    return conform("messages", frame) if columns is None else frame


def _read_table(path: Path, columns: list[str] | None) -> Any:
    """One part as an Arrow table, its text columns plain again (categories stay encoded)."""
    import pyarrow as pa
    import pyarrow.feather as feather

    table = feather.read_table(path, columns=columns, memory_map=True)
    kinds = {c.name: c.kind for c in schema_columns("messages")}
    for i, spec in enumerate(table.schema):
        text = pa.types.is_dictionary(spec.type) and (pa.types.is_large_string(spec.type.value_type)
                                                       or pa.types.is_string(spec.type.value_type))  # fmt: skip
        if text and kinds.get(spec.name) != "category":  # stored encoded, read as plain text
            table = table.set_column(i, spec.name, table.column(i).cast(spec.type.value_type))
    return table


def _table_frame(table: Any, *, finish: bool = True) -> pd.DataFrame:
    """An Arrow table of parts as a messages frame: money as Float64, the list columns parsed;
    ``finish``: without ``_fetched_at``, conformed (the table is each id once, newest first)."""
    import orjson

    frame = table.to_pandas()
    for i, spec in enumerate(table.schema):
        chunks = table.column(i).chunks
        if (len(chunks) > 1 and isinstance(frame[spec.name].dtype, pd.CategoricalDtype)
                and any(not c.dictionary.equals(chunks[0].dictionary) for c in chunks[1:])):  # fmt: skip
            # parts with other categories: sorted, as pandas orders the categories of a concat
            frame[spec.name] = frame[spec.name].cat.reorder_categories(sorted(frame[spec.name].cat.categories))
    for column in schema_columns("messages"):
        if column.kind == "money" and column.name in frame.columns and str(frame[column.name].dtype) != "Float64":
            frame[column.name] = frame[column.name].astype("Float64")
    for column in _LIST_COLUMNS:
        if column in frame.columns:
            text = frame[column].to_numpy(dtype=object, na_value=None)
            # few distinct values (a template's buttons, a creative): each parsed once, and rows
            # with equal content share the parsed list (treat these values as read-only)
            parsed = {v: orjson.loads(v) for v in set(text.tolist()) if v is not None}
            frame[column] = pd.Series([parsed.get(v) for v in text.tolist()], index=frame.index, dtype=object)
    if not finish:
        return frame
    return conform("messages", frame.drop(columns=[_FETCHED], errors="ignore"))


def _newest_rows(tables: list[Any]) -> Any:
    """The parts' tables as one, each id once (the row fetched last), newest first: the rows
    ``_finish(_newest_fetch(frames))`` keeps, in its order, picked in Arrow with one take."""
    import pyarrow as pa

    tables = [t for t in tables if t.num_rows] or tables[:1]
    if len(tables) == 1:
        table = tables[0]  # a part holds each id once, newest first
    else:
        table = pa.concat_tables(tables, promote_options="permissive")
        fetched = table.column(_FETCHED).to_numpy()
        order = fetched.argsort(kind="stable")
        ids = pd.Series(table.column("id").to_numpy(zero_copy_only=False)[order])
        table = table.take(order[~ids.duplicated(keep="last").to_numpy()])
    created = table.column("created_at").cast("int64").fill_null(np.iinfo(np.int64).min).to_numpy()
    if len(created) > 1 and (np.diff(created) > 0).any():
        table = table.take(created.argsort(kind="stable")[::-1])
    return table


def _created_ns(frame: pd.DataFrame) -> np.ndarray:
    """``created_at`` as int64 nanoseconds (NaT the smallest): sorts without building Timestamps."""
    return frame["created_at"].array.asi8 if len(frame) else np.empty(0, dtype=np.int64)


def _newest_fetch(frames: list[pd.DataFrame], *, parts: int = 0) -> pd.DataFrame:
    """One frame of ``frames``, each message id once: the row fetched last. ``parts``: how many
    of them are part files (written with each id once), so that one alone needs no check."""
    kept = [f for f in frames if len(f)]
    if not kept:
        return frames[0] if frames else empty_frame("messages").assign(**{_FETCHED: pd.Series(dtype="float64")})
    frames = kept
    if len(frames) == 1 and (parts == 1 or not frames[0]["id"].duplicated().any()):
        return frames[0]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for column in frame.columns:  # concat of categoricals with different categories gives object
        if isinstance(frames[0][column].dtype, pd.CategoricalDtype) and not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    order = frame[_FETCHED].to_numpy().argsort(kind="stable")
    frame = frame.iloc[order]
    return frame[~frame["id"].duplicated(keep="last").to_numpy()].reset_index(drop=True)


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[_FETCHED], errors="ignore")
    created = _created_ns(frame)
    if len(created) > 1 and (np.diff(created) > 0).any():  # parts are written newest first
        frame = frame.iloc[created.argsort(kind="stable")[::-1]].reset_index(drop=True)
    return conform("messages", frame)


# ---------------------------------------------------------------------------------------------
# syncing
# ---------------------------------------------------------------------------------------------


def _epoch(value: Any) -> float | None:
    try:
        return pd.Timestamp(value).timestamp() if value else None
    except (ValueError, TypeError):
        return None


def _oldest(records: list[dict[str, Any]]) -> float | None:
    times = [t for t in (_epoch(r.get("created_at")) for r in records) if t is not None]
    return min(times) if times else None


def _newest(records: list[dict[str, Any]]) -> float | None:
    times = [t for t in (_epoch(r.get("created_at")) for r in records) if t is not None]
    return max(times) if times else None


async def _run(client: Any, log: MessageLog, state: SyncState, report: SyncReport, *, concurrency: int,
               contact_id: str | None, bar: Any) -> None:  # fmt: skip
    """Fetch the run's missing pages, committing each as it arrives.

    Up to ``concurrency`` pages are in flight, but only as many as the run is expected to need:
    up to its last page once a page said which it is, else up to a guess (the first page's
    total for a whole-list run; for a run that stops at a time, the span its pages so far
    covered), else one page at a time. A run that needs one page makes one request.
    """
    run = state.run
    assert run is not None
    since_fold = 0
    guess: int | None = run.end
    spans: list[tuple[float, float]] = []  # (newest, oldest) created_at of each page read
    total: int | None = None  # the list's page count as the last page read said

    def expected_last() -> int | None:
        if run.end is not None:
            return run.end
        if run.stop_at is not None and spans:
            newest = max(n for n, _ in spans)
            oldest = min(o for _, o in spans)
            per_page = max((newest - oldest) / max(len(spans), 1), 1e-6)
            expected = run.first + math.ceil((newest - run.stop_at) / per_page)
            return min(expected, total) if total else expected
        return guess

    while not run.complete():
        done = set(run.done)
        last = expected_last()
        wanted: list[int] = []
        page = run.first
        while len(wanted) < concurrency and (run.end is None or page <= run.end):
            if page not in done:
                if wanted and (last is None or page > last):
                    break  # beyond what the run is expected to need: one page at a time
                wanted.append(page)
            page += 1
        if not wanted:
            break
        bar.add_total(len(wanted))

        async def one(number: int) -> None:
            nonlocal since_fold, guess, total
            fetched = await client.messages_page(page=number, page_size=PAGE_SIZE, contact_id=contact_id)
            total = fetched.total_pages or total
            items = [r for r in fetched.items if isinstance(r, dict)]
            is_last = not fetched.has_more or not items
            oldest, newest = _oldest(items), _newest(items)
            if oldest is not None and newest is not None:
                spans.append((newest, oldest))
            if run.stop_at is not None and oldest is not None and oldest < run.stop_at:
                is_last = True  # deep enough: older messages are stored and settled
            if is_last and (run.end is None or number < run.end):
                run.end = number
            if number == run.first and fetched.total_pages and run.stop_at is None:
                guess = max(guess or 0, fetched.total_pages)
            if number == run.first and run.kind != "down":
                run.top_seen = newest
            run.done = sorted(set(run.done) | {number})
            log.add_page(state, number, items)
            report.pages += 1
            report.messages += len(items)
            since_fold += 1
            bar.update(1)

        await asyncio.gather(*(one(n) for n in wanted))
        if since_fold >= FOLD_EVERY:
            await asyncio.to_thread(log.fold)
            since_fold = 0


def _finish_run(state: SyncState) -> None:
    run = state.run
    assert run is not None and run.complete()
    if run.kind in ("full", "down"):
        low = -math.inf if run.stop_at is None else run.stop_at
        state.low = low if state.low is None else min(state.low, low)
    if run.kind in ("full", "top"):
        state.top = max(filter(None, (state.top, run.top_seen)), default=None)
        state.synced_at = run.started
    state.run = None


def _start(state: SyncState, kind: str, first: int, stop_at: float | None, now: float) -> None:
    state.run = Run(id=f"{kind}-{now:.6f}", kind=kind, first=first, stop_at=stop_at, started=now)


async def sync_async(client: Any, log: MessageLog, *, since: float | None = None, refresh: bool = False,
                     settle_after: float = SETTLE_AFTER, max_age: float | None = None,
                     contact_id: str | None = None, bar: Any = None) -> SyncReport:  # fmt: skip
    """Bring ``log`` up to date with the list (see :func:`sync`)."""
    from sentlab._progress import Bar

    bar = bar or Bar("messages", enabled=False)
    concurrency = max(1, getattr(getattr(client, "limits", None), "concurrency", 8))
    report = SyncReport()
    if refresh:
        log.clear()
    state = log.state()
    now = log.clock()

    async def execute() -> None:
        assert state.run is not None
        report.runs.append(state.run.kind)
        log.save_state(state)
        await _run(client, log, state, report, concurrency=concurrency, contact_id=contact_id, bar=bar)
        _finish_run(state)
        log.save_state(state)

    if state.run is not None:  # an interrupted sync: finish what it started
        report.resumed = True
        await execute()
    if state.low is None:  # nothing stored yet: the first pass reads from the top, as deep as asked
        _start(state, "full", 1, since, now)
        await execute()
    elif report.resumed or max_age is None or state.synced_at is None or now - state.synced_at >= max_age:
        # the newest pages, down to what is stored and settled (a resumed run ended in the past);
        # statuses read moments ago cannot have moved: then only what is newer than the store
        fresh = state.synced_at is not None and now - state.synced_at < RECHECK_AFTER
        horizon = None if fresh else log.unsettled_from(now, settle_after)
        stop = min(filter(None, (state.top, horizon)), default=None)
        _start(state, "top", 1, stop, now)
        await execute()
    if since is not None and state.low is not None and state.low > since:
        # older pages: start where the stored messages end (the list is newest first; a page
        # earlier, so the first page read overlaps what is stored)
        stored = log.stored_since(state.low)
        _start(state, "down", max(1, stored // PAGE_SIZE), since, now)
        await execute()
    await asyncio.to_thread(log.fold)
    return report


def sync(client: Any, log: MessageLog, **options: Any) -> SyncReport:
    """Bring ``log`` up to date with the messages list of ``client``'s scope; returns what it did.

    The first sync reads every page (down to ``since``, epoch seconds, if given); later ones the
    newest pages, down to the newest stored message and the unsettled window (``settle_after``
    seconds, and pending messages), and older pages only when ``since`` asks for more than is
    stored. ``max_age``: skip the newest pages if a sync finished less than this many seconds
    ago. ``refresh=True`` forgets the log and reads everything again. An interrupted sync
    (error, Ctrl-C, kill) resumes where it stopped.

    >>> sync(lab.api, MessageLog(lab.cache, ""))
    SyncReport(pages=..., messages=..., resumed=False, runs=[...])
    """
    aclient = getattr(client, "aio", client)
    coroutine = sync_async(aclient, log, **options)
    runner = getattr(client, "_run", None)
    return runner(coroutine) if runner is not None else asyncio.run(coroutine)
