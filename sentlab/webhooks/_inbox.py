"""Received deliveries: stored once per event id in the local store's SQLite file, read back as frames.

A receiver (``sentlab listen``, ``sentlab.webhooks.app``) adds each verified delivery with
:meth:`Inbox.add`; Sent retries, so a delivery whose ``X-Webhook-Event-ID`` is already stored
only counts one more receipt. :func:`received_records` turns what is stored (or a replayed log)
into records shaped like ``GET /v3/webhooks/{id}/events`` rows, so the webhook_events frame and
the messages frame built from it are the same as from the API, at no request.

The table lives next to the API store's tables (``store.sqlite3`` in the store directory) and,
like them, takes short ``BEGIN IMMEDIATE`` transactions in WAL mode, so a receiver and a
notebook use one file at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sentlab._store import _enable_wal, default_store_dir

from ._verify import EVENT_ID_HEADER, ID_HEADER, header

__all__ = ["KEPT_HEADERS", "Inbox", "event_id_of", "received_records"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    event_id TEXT PRIMARY KEY, webhook_id TEXT, received_at REAL NOT NULL, last_received_at REAL NOT NULL,
    receipts INTEGER NOT NULL DEFAULT 1, test INTEGER NOT NULL DEFAULT 0, headers TEXT NOT NULL,
    body TEXT NOT NULL)
"""

#: The headers kept with a delivery: what verifying it again needs, and what identifies it.
KEPT_HEADERS = ("content-type", "user-agent", "x-webhook-id", "x-webhook-event-id", "x-webhook-timestamp",
                "x-webhook-signature", "x-webhook-test")  # fmt: skip


def event_id_of(headers: Mapping[str, Any] | Iterable[tuple[Any, Any]], body: bytes) -> str:
    """The id to deduplicate a delivery on: ``X-Webhook-Event-ID`` (retries repeat it), else a hash
    of the webhook id and body (a retry's body is the same bytes).

    >>> event_id_of({"X-Webhook-Event-ID": "e1"}, b"{}")
    'e1'
    """
    given = header(headers, EVENT_ID_HEADER)
    if given:
        return given.strip()
    digest = hashlib.sha256((header(headers, ID_HEADER) or "").encode() + b"\0" + body).hexdigest()
    return f"sha256:{digest[:32]}"


def kept_headers(headers: Mapping[str, Any] | Iterable[tuple[Any, Any]]) -> dict[str, str]:
    """The :data:`KEPT_HEADERS` of ``headers``, lower-cased (nothing else: no cookies, no auth)."""
    out = {}
    for name in KEPT_HEADERS:
        value = header(headers, name)
        if value is not None:
            out[name] = value
    return out


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def received_records(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Records shaped like the events list's, from received deliveries.

    Each row has ``event_id``, ``webhook_id``, ``body`` (the envelope, parsed), ``received_at``
    and ``last_received_at`` (epoch seconds) and ``receipts``. ``created_at`` is the envelope's
    ``timestamp`` (when Sent emitted it), ``delivery_status`` is ``delivered``,
    ``delivery_attempts`` the number of receipts (Sent's retries reaching the endpoint), and
    ``processing_started_at``/``processing_completed_at`` the first and last receipt.

    >>> received_records([{"event_id": "e1", "webhook_id": "w1", "body": {"event": "message.sent"},
    ...                    "received_at": 0.0, "last_received_at": 0.0, "receipts": 1}])[0]["event_type"]
    'message.sent'
    """
    out = []
    for row in rows:
        envelope = row["body"] if isinstance(row["body"], dict) else {}
        out.append({
            "id": row["event_id"],
            "webhook_id": row.get("webhook_id"),
            "event_type": envelope.get("event") or envelope.get("field"),
            "event_data": envelope,
            "delivery_status": "delivered",
            "http_status_code": 200,
            "response_body": None,
            "delivery_attempts": int(row.get("receipts") or 1),
            "error_message": None,
            "created_at": envelope.get("timestamp") or _iso(row.get("received_at")),
            "processing_started_at": _iso(row.get("received_at")),
            "processing_completed_at": _iso(row.get("last_received_at")),
        })  # fmt: skip
    return out


class Inbox:
    """The received deliveries of one store directory (``store.sqlite3``, table ``received``).

    >>> inbox = Inbox()                       # the default store directory, like sentlab.connect()
    >>> inbox.add(headers, body)              # True when new, False for a retry already stored
    True
    >>> inbox.rows()[0]["event_id"]
    'evt_doctest_1'
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_store_dir()
        self.path = self.directory / "store.sqlite3"
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None

    def __repr__(self) -> str:
        return f"<Inbox {self.path}>"

    def _connection(self) -> sqlite3.Connection:
        with self._lock:
            if self._conn is None or self._pid != os.getpid():
                self.directory.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout = 30000")
                _enable_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(_SCHEMA)
                self._conn, self._pid = conn, os.getpid()
            return self._conn

    def add(self, headers: Mapping[str, Any] | Iterable[tuple[Any, Any]], body: bytes,
            received_at: float | None = None) -> bool:  # fmt: skip
        """Store a delivery (already verified); True if its event id is new, False for a repeat."""
        headers = kept_headers(headers)
        event_id = event_id_of(headers, body)
        at = time.time() if received_at is None else received_at
        conn = self._connection()
        with self._lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                known = conn.execute("SELECT 1 FROM received WHERE event_id = ?", (event_id,)).fetchone()
                if known:
                    conn.execute("UPDATE received SET receipts = receipts + 1, last_received_at = max(last_received_at, ?)"
                                 " WHERE event_id = ?", (at, event_id))  # fmt: skip
                else:
                    conn.execute("INSERT INTO received VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
                                 (event_id, headers.get(ID_HEADER), at, at, int("x-webhook-test" in headers),
                                  json.dumps(headers), body.decode("utf-8", "replace")))  # fmt: skip
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return not known

    def rows(self, webhook_id: str | None = None, *, tests: bool = False) -> list[dict[str, Any]]:
        """Stored deliveries, oldest first: ``event_id, webhook_id, received_at, last_received_at,
        receipts, test, headers, body`` (``body`` parsed); specimens from ``/test`` only with ``tests``."""
        sql = "SELECT event_id, webhook_id, received_at, last_received_at, receipts, test, headers, body FROM received"
        where, args = [], []
        if webhook_id is not None:
            where.append("webhook_id = ?")
            args.append(webhook_id)
        if not tests:
            where.append("test = 0")
        if where:
            sql += " WHERE " + " AND ".join(where)
        conn = self._connection()
        with self._lock:
            fetched = conn.execute(sql + " ORDER BY received_at, event_id", args).fetchall()
        out = []
        for event_id, wid, first, last, receipts, test, head, body in fetched:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            out.append({"event_id": event_id, "webhook_id": wid, "received_at": first, "last_received_at": last,
                        "receipts": receipts, "test": bool(test), "headers": json.loads(head), "body": parsed})  # fmt: skip
        return out

    def records(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        """The stored deliveries as events-list records (see :func:`received_records`)."""
        return received_records(self.rows(webhook_id))

    def clear(self) -> None:
        """Forget every received delivery."""
        conn = self._connection()
        with self._lock:
            conn.execute("DELETE FROM received")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
