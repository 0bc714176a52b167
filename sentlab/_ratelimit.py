"""Client-side pacing: token buckets shared by every request of a client, corrected by X-RateLimit-* headers.

A bucket hands out *reservations*: each request takes one token now and, if the bucket is
empty, is told how long to sleep, so waiting requests leave in the order they arrived and
the client never bursts past the server's budget. The state sits behind a thread lock and
waiting is a plain ``asyncio.sleep``, so one limiter serves clients on different event loops
(the sync facade's thread and a notebook's loop) that share one account's budget.

With a :class:`SharedBudget` (``connect()`` makes one when the store is on) the bucket state
lives in a SQLite file of the store directory instead, one row per key and bucket, and every
operation is one short ``BEGIN IMMEDIATE`` transaction on wall-clock time: the processes
using one key draw from one budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import sqlite3
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ._config import Pacing
from ._errors import Secret

_T = TypeVar("_T")

# Documented sensitive endpoints (10/min, burst 5): POST .../rotate-secret, POST /v3/users, POST .../complete.
_SENSITIVE_SUFFIXES = ("/rotate-secret", "/complete")


class TokenBucket:
    """``per_minute`` tokens a minute, at most ``burst`` saved up; reservations may run it negative."""

    def __init__(
        self,
        per_minute: float,
        burst: int,
        *,
        learn: bool = True,
        reserve: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        name: str = "standard",
        shared: SharedBudget | None = None,
    ) -> None:
        self.name = name  # its row in a shared budget
        self._shared = shared  # None: the state lives in this process only
        self.per_minute = per_minute
        self.burst = burst
        self.learn = learn
        self.in_hand = min(reserve, burst - 1.0)  # tokens kept back against jitter
        self._clock = clock
        self._rate = per_minute / 60.0
        self._tokens = float(burst)
        self._updated = clock()
        self._blocked_until = 0.0
        self.issued = 0  # reservations handed out so far: a sequence number for observe()
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        def read() -> float:
            self._refill(self._clock())
            return self._tokens

        return self._apply(read)

    def _refill(self, now: float) -> None:
        # max(0, ...): a wall clock stepped back never takes tokens away
        self._tokens = min(float(self.burst), self._tokens + max(0.0, now - self._updated) * self._rate)
        self._updated = now

    def _apply(self, operation: Callable[[], _T]) -> _T:
        """Run ``operation`` on the bucket state: in this process, or in one transaction of the shared budget."""
        with self._lock:
            if self._shared is not None:
                saved = self._tokens, self._updated, self._blocked_until, self.issued
                try:
                    return self._shared.apply(self, operation)
                except (sqlite3.Error, OSError) as error:  # the file is unusable: pace alone, as without a store
                    self._tokens, self._updated, self._blocked_until, self.issued = saved
                    self._shared.give_up(error)
                    self._shared = None
            return operation()

    def reserve(self) -> tuple[float, int]:
        """Take a token; return (seconds to wait before sending, this reservation's sequence number)."""

        def take() -> tuple[float, int]:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            self.issued += 1
            wait = max(0.0, (self.in_hand - self._tokens) / self._rate, self._blocked_until - now)
            return wait, self.issued

        return self._apply(take)

    def blocked_for(self) -> float:
        """Seconds left of a pause imposed by a 429 (0 when none)."""
        return self._apply(lambda: max(0.0, self._blocked_until - self._clock()))

    def refund(self) -> None:
        """Give back the token of a reservation that was never used (its request was cancelled)."""

        def give_back() -> None:
            self._tokens = min(float(self.burst), self._tokens + 1.0)

        self._apply(give_back)

    def observe(self, limit: int | None, remaining: int | None, sequence: int) -> None:
        """Correct the bucket from the server's view after the request numbered ``sequence``.

        ``limit`` (requests a minute) replaces the configured rate; ``remaining`` drains the
        local budget when the server has less than we think (another process using the same
        key, or a bucket that was not full when we started). Requests reserved after
        ``sequence`` are counted as spent, so the correction never makes the client optimistic.
        """
        if not self.learn:
            return

        def correct() -> None:
            now = self._clock()
            self._refill(now)
            if limit and limit > 0 and limit != self.per_minute:
                self.per_minute = float(limit)
                self._rate = limit / 60.0
                self.burst = min(self.burst, int(limit)) or 1
                self.in_hand = min(self.in_hand, self.burst - 1.0)
            if remaining is not None:
                estimate = remaining - (self.issued - sequence)
                if estimate < self._tokens - 1.0:
                    self._tokens = float(estimate)

        self._apply(correct)

    def pause(self, seconds: float | None) -> None:
        """After a 429: nobody sends for ``seconds`` (or one token's time), and the saved budget is gone."""

        def block() -> None:
            now = self._clock()
            self._refill(now)
            wait = seconds if seconds is not None else 1.0 / self._rate
            self._blocked_until = max(self._blocked_until, now + wait)
            self._tokens = min(self._tokens, 0.0)

        self._apply(block)

    @property
    def rate_per_minute(self) -> float:
        """The rate the bucket actually runs at (the configured rate, or the limit the server said)."""
        return self._rate * 60.0


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (
    budget TEXT NOT NULL, name TEXT NOT NULL, tokens REAL NOT NULL, updated REAL NOT NULL,
    blocked_until REAL NOT NULL, issued INTEGER NOT NULL, PRIMARY KEY (budget, name)
)
"""


class SharedBudget:
    """The bucket states of one key, in ``pacing.sqlite3`` of a store directory, shared by processes.

    A row is named by a SHA-256 of a random per-file salt, the base URL and the key: the key
    itself is never written, and cannot be checked against a list of leaked keys without the
    salt. Each bucket operation is one ``BEGIN IMMEDIATE`` transaction (a few tens of
    microseconds); the file is opened on first use, once per process (never across a fork).
    If it cannot be used, the buckets warn once and pace in this process alone.

    >>> budget = SharedBudget("scratch-budget", "https://api.sent.dm", Secret("sk_test_example"))
    >>> wait, sequence = Limiter(Pacing(), shared=budget).standard.reserve()
    """

    FILENAME = "pacing.sqlite3"

    def __init__(self, directory: str | os.PathLike[str], base_url: str, api_key: Secret | str,
                 *, busy_timeout: float = 5.0) -> None:  # fmt: skip
        self.path = Path(directory) / self.FILENAME  # as Store reads its directory
        self.busy_timeout = busy_timeout  # seconds; a transaction lasts microseconds
        self._base_url = base_url.rstrip("/")
        self._key = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self._budget: str | None = None  # the row name, known once the salt is read
        self._conn: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()  # one transaction at a time on the process's connection
        self._warned = False

    def __repr__(self) -> str:
        return f"<SharedBudget {self.path}>"

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():
            from ._store import _enable_wal  # deferred: the store module brings pandas

            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                   check_same_thread=False)  # fmt: skip
            try:
                _enable_wal(conn, self.busy_timeout)
                conn.execute("PRAGMA synchronous = NORMAL")  # no fsync per commit: the state is worth seconds
                conn.execute("BEGIN IMMEDIATE")
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    conn.execute(statement)
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('salt', ?)", (secrets.token_hex(16),))
                (salt,) = conn.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()
                conn.execute("COMMIT")
            except BaseException:
                conn.close()
                raise
            self._budget = hashlib.sha256(f"{salt}\n{self._base_url}\n{self._key.reveal()}".encode()).hexdigest()[:32]
            self._conn, self._pid = conn, os.getpid()
        return self._conn

    def apply(self, bucket: TokenBucket, operation: Callable[[], _T]) -> _T:
        """Load ``bucket``'s shared state, run ``operation`` on it and store it back, in one transaction."""
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute("SELECT tokens, updated, blocked_until, issued FROM buckets "
                                   "WHERE budget = ? AND name = ?", (self._budget, bucket.name)).fetchone()  # fmt: skip
                if row is not None:  # else: the first process to use this key starts from its own full bucket
                    bucket._tokens, bucket._updated, bucket._blocked_until, bucket.issued = row
                result = operation()
                conn.execute("INSERT OR REPLACE INTO buckets VALUES (?, ?, ?, ?, ?, ?)",
                             (self._budget, bucket.name, bucket._tokens, bucket._updated, bucket._blocked_until,
                              bucket.issued))  # fmt: skip
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return result

    def give_up(self, error: Exception) -> None:
        """Warn (once) that this process now paces alone."""
        if not self._warned:
            self._warned = True
            warnings.warn(f"sentlab: the pacing budget shared through {self.path} cannot be used "
                          f"({type(error).__name__}: {error}); this process paces on its own", RuntimeWarning,
                          stacklevel=4)  # fmt: skip


@dataclass
class Reservation:
    bucket: TokenBucket
    sequence: int


class Limiter:
    """The buckets of one account: standard, sensitive and message sending.

    ``shared`` keeps the buckets in a :class:`SharedBudget` file, so every process using the
    key draws from them; its clock is then the wall clock, which processes agree on.

    >>> limiter = Limiter(Pacing())
    >>> reservations = await limiter.acquire("GET", "/v3/contacts")   # a notebook cell: no wait yet
    >>> limiter.standard.tokens < Pacing().burst
    True
    >>> across = Limiter(Pacing(), shared=SharedBudget("scratch-budget", "https://api.sent.dm", Secret("sk_test_example")))
    """

    def __init__(
        self, pacing: Pacing, *, clock: Callable[[], float] | None = None, shared: SharedBudget | None = None
    ) -> None:
        self.pacing = pacing
        self.shared = shared
        clock = clock or (time.time if shared is not None else time.monotonic)
        options: dict[str, Any] = dict(learn=pacing.learn, reserve=pacing.reserve,
                                       clock=clock, shared=shared)  # fmt: skip
        self.standard = TokenBucket(pacing.per_minute, pacing.burst, name="standard", **options)
        self.sensitive = TokenBucket(pacing.sensitive_per_minute, pacing.sensitive_burst, name="sensitive", **options)
        # Sends count against the standard budget too; the tier budget comes on top.
        self.send = TokenBucket(pacing.send_per_minute, pacing.send_burst, learn=False, clock=clock, name="send",
                                shared=shared)  # fmt: skip

    def buckets_for(self, method: str, path: str) -> list[TokenBucket]:
        if method == "POST" and (path.endswith(_SENSITIVE_SUFFIXES) or path.rstrip("/") == "/v3/users"):
            return [self.sensitive]
        if method == "POST" and path.rstrip("/") == "/v3/messages":
            return [self.standard, self.send]
        return [self.standard]

    async def acquire(self, method: str, path: str) -> list[Reservation]:
        """Wait for a token in every bucket this request counts against; cancellation refunds them."""
        reservations: list[Reservation] = []
        try:
            for bucket in self.buckets_for(method, path):
                wait, sequence = bucket.reserve()
                reservations.append(Reservation(bucket, sequence))
                if wait > 0:
                    await asyncio.sleep(wait)
                # A 429 seen while we slept pauses everyone, us included.
                while (blocked := bucket.blocked_for()) > 0:
                    await asyncio.sleep(blocked)
        except BaseException:
            for reservation in reservations:
                reservation.bucket.refund()
            raise
        return reservations

    def observe(self, reservations: list[Reservation], headers: Mapping[str, str], status: int) -> None:
        """Feed a response's X-RateLimit-* headers (and a 429's Retry-After) back into the buckets."""
        if not reservations:
            return
        primary = reservations[0]
        limit = _int_header(headers, "x-ratelimit-limit")
        remaining = _int_header(headers, "x-ratelimit-remaining")
        primary.bucket.observe(limit, remaining, primary.sequence)
        if status == 429:
            from ._errors import parse_retry_after

            for reservation in reservations:
                reservation.bucket.pause(parse_retry_after(headers.get("retry-after")))


class NoLimiter(Limiter):
    """Pacing switched off (``pacing=None``): every request goes at once."""

    def __init__(self) -> None:  # no buckets
        self.pacing = None  # type: ignore[assignment]
        self.shared = None

    async def acquire(self, method: str, path: str) -> list[Reservation]:
        return []

    def observe(self, reservations: list[Reservation], headers: Mapping[str, str], status: int) -> None:
        return None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None
