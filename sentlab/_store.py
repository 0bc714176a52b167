"""The local store: raw API records in SQLite, so re-running a cell does not re-download them.

One database file (default ``platformdirs.user_cache_dir("sentlab")/store.sqlite3``) holds
several *scopes*: base URL + account id + profile id. The API key is never part of a scope or
of anything stored; the account id comes from ``/v3/me``.

Freshness rules:

- list resources (contacts, templates, webhooks, profiles, users) are re-fetched after
  ``list_ttl`` seconds (15 minutes by default);
- message details and activities of a message in a final state (``FINAL_STATUSES``, or
  DELIVERED for longer than ``delivered_final_after``) are never re-fetched; others after
  ``record_ttl``;
- webhook events: a sync stores every page as it arrives; an event read again replaces the
  stored version when it changed (a pending delivery has its outcome now). Each sync reads the
  newest page, the pages the store lacks (an interrupted sync resumes where it stopped) and the
  pages holding events still pending and younger than ``pending_event_age``; it is skipped
  within ``list_ttl`` of the last complete one.

Concurrency: WAL mode, ``busy_timeout``, and every write is one short ``BEGIN IMMEDIATE``
transaction, so two notebooks can read and write the same store at once, and a process killed
mid-write loses only its uncommitted transaction (``synchronous=NORMAL`` is durable against a
process crash, not against power loss).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sentlab._statuses import DELIVERED, DELIVERY_SETTLED, DELIVERY_UNDER_WAY, FINAL

__all__ = ["FINAL_STATUSES", "EventsStored", "NullStore", "Store", "default_store_dir", "event_pending",
           "message_state"]  # fmt: skip

# Statuses nothing follows (RECEIVED is an inbound message's only one). DELIVERED is final only
# after a while (it may turn READ): see ``delivered_final_after``.
FINAL_STATUSES = FINAL
_CHUNK = 1000  # rows per write transaction: keeps the write lock short under contention

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    scope TEXT PRIMARY KEY, base_url TEXT NOT NULL, account_id TEXT NOT NULL, profile_id TEXT);
CREATE TABLE IF NOT EXISTS lists (
    scope TEXT NOT NULL, kind TEXT NOT NULL, params TEXT NOT NULL, body TEXT NOT NULL,
    fetched_at REAL NOT NULL, PRIMARY KEY (scope, kind, params));
CREATE TABLE IF NOT EXISTS records (
    scope TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
    fetched_at REAL NOT NULL, status TEXT, status_at REAL, PRIMARY KEY (scope, kind, key));
CREATE TABLE IF NOT EXISTS events (
    scope TEXT NOT NULL, webhook_id TEXT NOT NULL, id TEXT NOT NULL, created_at TEXT,
    body TEXT NOT NULL, fetched_at REAL NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (scope, webhook_id, id));
CREATE TABLE IF NOT EXISTS syncs (
    scope TEXT NOT NULL, webhook_id TEXT NOT NULL, synced_at REAL NOT NULL,
    PRIMARY KEY (scope, webhook_id));
"""


# Columns added to ``events`` after its first release: added in place to an older file.
_EVENT_COLUMNS = (("position", "INTEGER"), ("pending", "INTEGER NOT NULL DEFAULT 0"), ("created_ts", "REAL"))


def _upgrade_events(conn: sqlite3.Connection) -> None:
    """Give an older file's ``events`` table the columns of this version (inside the opening transaction).

    Events stored before have no position (the next sync of their webhook reads its whole list
    once to place them) and are marked pending from their stored body.
    """
    have = {row[1] for row in conn.execute("PRAGMA table_info(events)")}
    missing = [(name, kind) for name, kind in _EVENT_COLUMNS if name not in have]
    for name, kind in missing:
        conn.execute(f"ALTER TABLE events ADD COLUMN {name} {kind}")
    if missing:
        rows = conn.execute("SELECT rowid, body, created_at FROM events").fetchall()
        conn.executemany("UPDATE events SET pending = ?, created_ts = ? WHERE rowid = ?",
                         [(int(event_pending(json.loads(body))), _epoch(created), rowid)
                          for rowid, body, created in rows])  # fmt: skip
    conn.execute("CREATE INDEX IF NOT EXISTS events_position ON events (scope, webhook_id, position)")




def event_pending(record: Any) -> bool:
    """Whether a webhook event's delivery is still under way (its stored version will change).

    >>> event_pending({"delivery_status": "pending"}), event_pending({"delivery_status": "delivered"})
    (True, False)
    >>> event_pending({"status": "retrying", "processing_completed_at": None})
    True
    """
    if not isinstance(record, Mapping):
        return False
    status = record.get("delivery_status") or record.get("status")
    status = status.lower() if isinstance(status, str) else None
    if status in DELIVERY_UNDER_WAY:
        return True
    if status in DELIVERY_SETTLED:
        return False
    # another status, or none: under way while the endpoint shape says processing has not completed
    return "processing_completed_at" in record and record["processing_completed_at"] is None


@dataclass
class EventsStored:
    """What :meth:`Store.put_events` did: events added, and stored events replaced by a changed version."""

    added: int = 0
    updated: int = 0


def default_store_dir() -> Path:
    """``$SENTLAB_CACHE_DIR``, else the user's cache directory for sentlab (platformdirs)."""
    override = os.environ.get("SENTLAB_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs  # deferred: no import-time work

    return Path(platformdirs.user_cache_dir("sentlab"))


def _epoch(stamp: Any) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        # 3.11's fromisoformat reads the API's 7-digit fractions (truncating to microseconds).
        parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.timestamp() if parsed.tzinfo else None


def message_state(record: Any) -> tuple[str | None, float | None]:
    """(latest status, when it was reached) of a message detail or an activity list.

    >>> message_state({"status": "READ", "events": [{"status": "READ", "timestamp": "2026-04-08T13:55:02+00:00"}]})
    ('READ', 1775656502.0)
    """
    if isinstance(record, Mapping) and isinstance(record.get("activities"), list):
        record = record["activities"]
    if isinstance(record, list):  # activities: pick the newest by timestamp, not by position
        stamped = [(_epoch(a.get("timestamp")), a.get("status")) for a in record if isinstance(a, Mapping)]
        stamped = [(t, s) for t, s in stamped if t is not None]
        if not stamped:
            return None, None
        when, status = max(stamped, key=lambda pair: pair[0])
        return status, when
    if isinstance(record, Mapping):
        times = [_epoch(e.get("timestamp")) for e in record.get("events") or [] if isinstance(e, Mapping)]
        times = [t for t in times if t is not None]
        return record.get("status"), max(times) if times else _epoch(record.get("created_at"))
    return None, None


def _loads_many(bodies: list[str]) -> list[Any]:
    """Decode many stored JSON texts with one ``json.loads`` of a JSON array (one C call, not
    one per record: about half the time for thousands of small records)."""
    if not bodies:
        return []
    return json.loads("[" + ",".join(bodies) + "]")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


def _params_key(params: Mapping[str, Any] | None) -> str:
    return _dumps({k: v for k, v in sorted((params or {}).items()) if v is not None})


def _enable_wal(conn: sqlite3.Connection, seconds: float = 30.0) -> None:
    # Switching to WAL needs a moment alone with the file, and SQLite answers "database is
    # locked" at once (no busy handler) while another connection is opening it: retry briefly.
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class Store:
    """Raw records of one account/profile/base URL, in a SQLite file shared by processes.

    ``directory`` defaults to :func:`default_store_dir`. TTLs are in seconds.

    >>> store = Store("scratch-store", base_url="https://api.sent.dm", account_id="acct-1")
    >>> store.info()
    Empty DataFrame
    Columns: [scope, kind, records, oldest, newest, bytes, age]
    Index: []
    """

    enabled = True

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        base_url: str,
        account_id: str,
        profile_id: str | None = None,
        list_ttl: float = 15 * 60,
        record_ttl: float = 60 * 60,
        delivered_final_after: float = 24 * 60 * 60,
        pending_event_age: float = 24 * 60 * 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory) if directory is not None else default_store_dir()
        self.path = self.directory / "store.sqlite3"
        self.base_url = base_url.rstrip("/")
        self.account_id = account_id
        self.profile_id = profile_id
        self.scope = f"{self.base_url}#{account_id}#{profile_id or ''}"
        self.list_ttl = list_ttl
        self.record_ttl = record_ttl
        self.delivered_final_after = delivered_final_after
        self.pending_event_age = pending_event_age  # older pending events are not re-read by a sync
        self.clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None

    def __repr__(self) -> str:
        return f"<Store {self.path} scope={self.scope!r}>"

    # -- connection ---------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per process: a connection inherited through fork must not be reused.
        with self._lock:  # threads of one process (lab.aio's twins) share it: open it once
            if self._conn is None or self._pid != os.getpid():
                self.directory.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 30000")
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                with self._transaction(conn):
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        conn.execute(statement)  # not executescript: it would COMMIT our transaction
                    _upgrade_events(conn)
                    conn.execute(
                        "INSERT OR IGNORE INTO scopes VALUES (?, ?, ?, ?)",
                        (self.scope, self.base_url, self.account_id, self.profile_id),
                    )
                self._conn, self._pid = conn, os.getpid()
            return self._conn

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection | None = None):
        # BEGIN IMMEDIATE takes the write lock up front: no deadlock-prone lock upgrades.
        conn = conn or self._connection()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[tuple]:
        conn = self._connection()
        with self._lock:
            return conn.execute(sql, tuple(args)).fetchall()

    def close(self) -> None:
        """Close this process's connection (it reopens on next use)."""
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    # -- list resources -----------------------------------------------------------------------

    def get_list(self, kind: str, params: Mapping[str, Any] | None = None) -> list[Any] | None:
        """The stored records of a list resource, or None when absent or older than ``list_ttl``.

        >>> store.put_list("templates", [{"id": "t1"}], {"status": "approved"})
        >>> store.get_list("templates", {"status": "approved"})
        [{'id': 't1'}]
        >>> store.get_list("templates", {"status": "draft"}) is None
        True
        """
        rows = self._read(
            "SELECT body, fetched_at FROM lists WHERE scope = ? AND kind = ? AND params = ?",
            (self.scope, kind, _params_key(params)),
        )
        if not rows or self.clock() - rows[0][1] >= self.list_ttl:
            return None
        return json.loads(rows[0][0])

    def put_list(self, kind: str, records: list[Any], params: Mapping[str, Any] | None = None) -> None:
        """Store the full result of a list call (replacing the previous one).

        >>> contacts = lab.api.contacts()
        >>> store.put_list("contacts", contacts)
        >>> store.get_list("contacts") == contacts
        True
        """
        body = _dumps(records)
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO lists VALUES (?, ?, ?, ?, ?)",
                (self.scope, kind, _params_key(params), body, self.clock()),
            )

    def stored_list(self, kind: str, params: Mapping[str, Any] | None = None) -> list[Any] | None:
        """The stored records of a list resource however old, or None when absent: for logs
        that keep their own freshness rules (the calls log, ``sentlab._call_log``).

        >>> store.put_list("calls", [{"id": "call-1"}], {"status": "completed"})
        >>> store.stored_list("calls", {"status": "completed"})
        [{'id': 'call-1'}]
        """
        rows = self._read(
            "SELECT body FROM lists WHERE scope = ? AND kind = ? AND params = ?",
            (self.scope, kind, _params_key(params)),
        )
        return json.loads(rows[0][0]) if rows else None

    # -- per-id records (message details, activities, number lookups) --------------------------

    def _fresh(self, fetched_at: float, status: str | None, status_at: float | None, now: float) -> bool:
        if status in FINAL_STATUSES:
            return True
        if status == DELIVERED and status_at is not None and now - status_at >= self.delivered_final_after:
            return True
        return now - fetched_at < self.record_ttl

    def get_records(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """The stored, still-fresh records among ``keys`` (final-state messages are always fresh).

        >>> ids = ["msg-1", "msg-2"]
        >>> store.put_records("message", {"msg-1": {"id": "msg-1", "status": "SENT"}})
        >>> cached = store.get_records("message", ids)
        >>> missing = [i for i in ids if i not in cached]
        >>> missing
        ['msg-2']
        """
        wanted = list(dict.fromkeys(keys))
        now = self.clock()
        found: dict[str, Any] = {}
        for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
            chunk = wanted[start : start + 500]
            rows = self._read(
                f"SELECT key, body, fetched_at, status, status_at FROM records "
                f"WHERE scope = ? AND kind = ? AND key IN ({','.join('?' * len(chunk))})",
                (self.scope, kind, *chunk),
            )
            fresh = [(key, body) for key, body, fetched_at, status, status_at in rows
                     if self._fresh(fetched_at, status, status_at, now)]  # fmt: skip
            found.update(zip([k for k, _ in fresh], _loads_many([b for _, b in fresh]), strict=True))
        return {k: found[k] for k in wanted if k in found}

    def put_records(self, kind: str, records: Mapping[str, Any],
                    state: Callable[[Any], tuple[str | None, float | None]] | None = None) -> None:  # fmt: skip
        """Store records by key; ``state`` gives (status, status time) for the freshness rules.

        >>> read = {"id": "msg-3", "status": "READ",
        ...         "events": [{"status": "READ", "timestamp": "2026-11-20T11:00:00+00:00"}]}
        >>> store.put_records("message", {"msg-3": read}, state=message_state)
        >>> store.get_records("message", ["msg-3"])["msg-3"]["status"]
        'READ'
        """
        now = self.clock()
        rows = []
        for key, record in records.items():
            status, status_at = state(record) if state else (None, None)
            rows.append((self.scope, kind, key, _dumps(record), now, status, status_at))
        for start in range(0, len(rows), _CHUNK):
            with self._transaction() as conn:
                conn.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 rows[start : start + _CHUNK])  # fmt: skip

    # -- webhook events (synced incrementally) ------------------------------------------------

    def events(self, webhook_id: str | None = None) -> list[Any]:
        """Stored events of one webhook (or of all), oldest first.

        >>> len(store.events(webhook_id))
        2
        """
        sql = "SELECT body FROM events WHERE scope = ?"
        args: list[Any] = [self.scope]
        if webhook_id is not None:
            sql += " AND webhook_id = ?"
            args.append(webhook_id)
        return _loads_many([body for (body,) in self._read(sql + " ORDER BY created_at, id", args)])

    def event_ids(self, webhook_id: str, *, confirmed_only: bool = True) -> set[str]:
        """Ids of stored events; ``confirmed_only``: only those stored by a sync that completed."""
        sql = "SELECT id FROM events WHERE scope = ? AND webhook_id = ?" + (" AND confirmed = 1" if confirmed_only else "")
        return {row[0] for row in self._read(sql, (self.scope, webhook_id))}

    def add_events(self, webhook_id: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Store events by id (a changed version replaces the stored one); returns how many were new.

        >>> page_of_events = [{"id": "e10", "created_at": "2026-11-20T10:00:00+00:00"}]
        >>> store.add_events("another-webhook", page_of_events), store.add_events("another-webhook", page_of_events)
        (1, 0)
        """
        return self.put_events(webhook_id, records).added

    # -- webhook events: versions, positions, what is still pending ----------------------------
    # An event is stored once per id; a later read replaces it when it changed (a delivery that
    # was pending has an outcome now). ``position`` is its place counted from the webhook's
    # oldest event (``EventPage.positions``): new events only join the top of the list, so the
    # positions stored say exactly which parts of the list a sync still lacks.

    def put_events(self, webhook_id: str, records: Iterable[Mapping[str, Any]],
                   positions: Iterable[int | None] | None = None) -> EventsStored:  # fmt: skip
        """Store events (a page, as it arrives): new ones added, a changed version replacing the stored one.

        ``positions`` (``EventPage.positions()``) places each event in the webhook's list; an
        event given no position keeps the one it had.

        >>> events = [{"id": "e20", "created_at": "2026-11-20T10:00:00+00:00"},
        ...           {"id": "e21", "created_at": "2026-11-20T10:01:00+00:00"}]
        >>> store.put_events("a-third-webhook", events, [0, 1]).added
        2
        """
        now = self.clock()
        places = list(positions) if positions is not None else []
        rows: dict[str, tuple] = {}
        for k, r in enumerate(records):
            if isinstance(r, Mapping) and r.get("id") is not None:
                created = r.get("created_at")
                place = places[k] if k < len(places) else None
                rows[str(r["id"])] = (self.scope, webhook_id, str(r["id"]), created, _dumps(r), now, place,
                                      int(event_pending(r)), _epoch(created))  # fmt: skip
        out = EventsStored()
        ids = list(rows)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            with self._transaction() as conn:
                stored: dict[str, tuple[str, int | None]] = {}
                for at in range(0, len(chunk), 500):  # SQLite's bound-parameter limit
                    part = chunk[at : at + 500]
                    stored.update((key, (body, place)) for key, body, place in conn.execute(
                        f"SELECT id, body, position FROM events WHERE scope = ? AND webhook_id = ? "
                        f"AND id IN ({','.join('?' * len(part))})", (self.scope, webhook_id, *part)))  # fmt: skip
                fresh = [rows[key] for key in chunk if key not in stored]
                changed = [rows[key] for key in chunk if key in stored
                           and (stored[key][0] != rows[key][4] or rows[key][6] not in (None, stored[key][1]))]  # fmt: skip
                conn.executemany(
                    "INSERT INTO events (scope, webhook_id, id, created_at, body, fetched_at, position, pending, "
                    "created_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", fresh)  # fmt: skip
                conn.executemany(
                    "UPDATE events SET created_at = ?, body = ?, fetched_at = ?, position = IFNULL(?, position), "
                    "pending = ?, created_ts = ? WHERE scope = ? AND webhook_id = ? AND id = ?",
                    [(r[3], r[4], r[5], r[6], r[7], r[8], r[0], r[1], r[2]) for r in changed])  # fmt: skip
                out.added += len(fresh)
                out.updated += len(changed)
        return out

    def event_positions(self, webhook_id: str, ids: Iterable[str]) -> dict[str, int]:
        """The stored position of each of ``ids`` that has one.

        >>> store.event_positions(webhook_id, ["e1", "e2", "e3"])
        {'e1': 0, 'e2': 1}
        """
        wanted = list(dict.fromkeys(ids))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            # (a "position IS NOT NULL" here makes SQLite walk the position index: 50x slower)
            found.update((key, place) for key, place in self._read(
                f"SELECT id, position FROM events WHERE scope = ? AND webhook_id = ? "
                f"AND id IN ({','.join('?' * len(chunk))})", (self.scope, webhook_id, *chunk)) if place is not None)  # fmt: skip
        return found

    def events_at(self, webhook_id: str, positions: Iterable[int]) -> dict[int, str]:
        """The id stored at each of ``positions`` that holds one (any of them, if two do).

        >>> store.events_at(webhook_id, [0, 1])
        {0: 'e1', 1: 'e2'}
        """
        wanted = list(dict.fromkeys(positions))
        found: dict[int, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(self._read(
                f"SELECT position, id FROM events WHERE scope = ? AND webhook_id = ? "
                f"AND position IN ({','.join('?' * len(chunk))})", (self.scope, webhook_id, *chunk)))  # fmt: skip
        return found

    def event_coverage(self, webhook_id: str) -> list[tuple[int, int]]:
        """The runs of positions stored for ``webhook_id``, as (first, last) pairs, oldest first.

        >>> store.event_coverage(webhook_id)
        [(0, 1)]
        """
        # gaps and islands: consecutive positions share position - rank (DISTINCT: two events read
        # at one position, one of them misplaced until read again, must not hide a gap)
        return [(lo, hi) for lo, hi in self._read(
            "SELECT MIN(position), MAX(position) FROM (SELECT position, position - ROW_NUMBER() OVER "
            "(ORDER BY position) AS run FROM (SELECT DISTINCT position FROM events WHERE scope = ? "
            "AND webhook_id = ? AND position IS NOT NULL)) GROUP BY run ORDER BY 1", (self.scope, webhook_id))]  # fmt: skip

    def pending_events(self, webhook_id: str) -> list[tuple[int | None, float | None]]:
        """(position, creation time) of the stored events still pending and younger than ``pending_event_age``.

        >>> store.pending_events(webhook_id)
        [(1, 1795174200.0)]
        """
        cutoff = self.clock() - self.pending_event_age
        return [(p, t) for p, t in self._read(
            "SELECT position, created_ts FROM events WHERE scope = ? AND webhook_id = ? AND pending = 1 "
            "AND created_ts >= ? ORDER BY created_ts", (self.scope, webhook_id, cutoff))]  # fmt: skip

    def shift_event_positions(self, webhook_id: str, delta: int) -> None:
        """Move every stored position of ``webhook_id`` by ``delta`` (the server dropped its oldest
        events, say); one that falls below 0 is no longer on the server's list and loses it."""
        with self._transaction() as conn:
            conn.execute("UPDATE events SET position = CASE WHEN position + ?1 >= 0 THEN position + ?1 END "
                         "WHERE scope = ?2 AND webhook_id = ?3 AND position IS NOT NULL",
                         (delta, self.scope, webhook_id))  # fmt: skip

    def forget_event_positions(self, webhook_id: str) -> None:
        """Drop the positions of ``webhook_id``'s events (the next sync re-reads the whole list)."""
        with self._transaction() as conn:
            conn.execute("UPDATE events SET position = NULL WHERE scope = ? AND webhook_id = ?",
                         (self.scope, webhook_id))  # fmt: skip

    def finish_sync(self, webhook_id: str) -> None:
        """Mark a complete sync: its events become the known boundary for the next one."""
        with self._transaction() as conn:
            conn.execute("UPDATE events SET confirmed = 1 WHERE scope = ? AND webhook_id = ? AND confirmed = 0",
                         (self.scope, webhook_id))  # fmt: skip
            conn.execute("INSERT OR REPLACE INTO syncs VALUES (?, ?, ?)", (self.scope, webhook_id, self.clock()))

    def synced_recently(self, webhook_id: str) -> bool:
        """True when a complete sync of ``webhook_id`` finished less than ``list_ttl`` ago."""
        rows = self._read("SELECT synced_at FROM syncs WHERE scope = ? AND webhook_id = ?", (self.scope, webhook_id))
        return bool(rows) and self.clock() - rows[0][0] < self.list_ttl

    # -- housekeeping -------------------------------------------------------------------------

    def info(self) -> pd.DataFrame:
        """What is stored for this scope: one row per kind, with counts and ages.

        >>> lab.cache.info().columns.tolist()
        ['scope', 'kind', 'records', 'oldest', 'newest', 'bytes', 'age']
        """
        now = self.clock()
        rows = self._read(
            """
            SELECT 'list:' || kind, SUM(json_array_length(body)), MIN(fetched_at), MAX(fetched_at),
                   SUM(length(body)) FROM lists WHERE scope = ?1 GROUP BY kind
            UNION ALL
            SELECT kind, COUNT(*), MIN(fetched_at), MAX(fetched_at), SUM(length(body))
                   FROM records WHERE scope = ?1 GROUP BY kind
            UNION ALL
            SELECT 'webhook_events', COUNT(*), MIN(fetched_at), MAX(fetched_at), SUM(length(body))
                   FROM events WHERE scope = ?1 HAVING COUNT(*) > 0
            """,
            (self.scope,),
        )
        frame = pd.DataFrame(rows, columns=["kind", "records", "oldest", "newest", "bytes"])
        frame["records"] = frame["records"].astype("Int64")
        for column in ("oldest", "newest"):
            frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
        frame["age"] = pd.Timestamp(now, unit="s", tz="UTC") - frame["oldest"]
        frame.insert(0, "scope", self.scope)
        return frame

    def clear(self, *, all_scopes: bool = False) -> None:
        """Delete what is stored for this scope (or for every scope in the file).

        >>> lab.cache.clear()
        """
        where, args = ("", ()) if all_scopes else (" WHERE scope = ?", (self.scope,))
        with self._transaction() as conn:
            for table in ("lists", "records", "events", "syncs"):
                conn.execute(f"DELETE FROM {table}{where}", args)


class NullStore(Store):
    """A store that stores nothing: every read misses, every write is dropped (``store=False``).

    >>> store = NullStore()
    >>> store.get_list("contacts") is None
    True
    """

    enabled = False

    def __init__(self, **settings: Any) -> None:
        self.scope = "disabled"
        self.path = None  # type: ignore[assignment]
        self.list_ttl = settings.get("list_ttl", 0)
        self.record_ttl = settings.get("record_ttl", 0)
        self.delivered_final_after = settings.get("delivered_final_after", 0)
        self.pending_event_age = settings.get("pending_event_age", 0)
        self.clock = time.time

    def __repr__(self) -> str:
        return "<NullStore (caching off)>"

    def get_list(self, kind: str, params: Mapping[str, Any] | None = None) -> None:
        return None

    def put_list(self, kind: str, records: list[Any], params: Mapping[str, Any] | None = None) -> None:
        return None

    def stored_list(self, kind: str, params: Mapping[str, Any] | None = None) -> None:
        return None

    def get_records(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        return {}

    def put_records(self, kind: str, records: Mapping[str, Any], state: Any = None) -> None:
        return None

    def events(self, webhook_id: str | None = None) -> list[Any]:
        return []

    def event_ids(self, webhook_id: str, *, confirmed_only: bool = True) -> set[str]:
        return set()

    def add_events(self, webhook_id: str, records: Iterable[Mapping[str, Any]]) -> int:
        return 0

    def put_events(self, webhook_id: str, records: Iterable[Mapping[str, Any]],
                   positions: Iterable[int | None] | None = None) -> EventsStored:  # fmt: skip
        return EventsStored()

    def event_positions(self, webhook_id: str, ids: Iterable[str]) -> dict[str, int]:
        return {}

    def events_at(self, webhook_id: str, positions: Iterable[int]) -> dict[int, str]:
        return {}

    def event_coverage(self, webhook_id: str) -> list[tuple[int, int]]:
        return []

    def pending_events(self, webhook_id: str) -> list[tuple[int | None, float | None]]:
        return []

    def shift_event_positions(self, webhook_id: str, delta: int) -> None:
        return None

    def forget_event_positions(self, webhook_id: str) -> None:
        return None

    def finish_sync(self, webhook_id: str) -> None:
        return None

    def synced_recently(self, webhook_id: str) -> bool:
        return False

    def info(self) -> pd.DataFrame:
        return pd.DataFrame(columns=["scope", "kind", "records", "oldest", "newest", "bytes", "age"])

    def clear(self, *, all_scopes: bool = False) -> None:
        return None

    def close(self) -> None:
        return None
