"""Client-side pacing: token buckets shared by every request of a client, corrected by X-RateLimit-* headers.

A bucket hands out *reservations*: each request takes one token now and, if the bucket is
empty, is told how long to sleep, so waiting requests leave in the order they arrived and
the client never bursts past the server's budget. The state sits behind a thread lock and
waiting is a plain ``asyncio.sleep``, so one limiter serves clients on different event loops
(the sync facade's thread and a notebook's loop) that share one account's budget.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ._config import Pacing

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
        safety: float = 1.0,
        reserve: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.learn = learn
        self.safety = safety
        self.in_hand = min(reserve, burst - 1.0)  # tokens kept back against jitter
        self._clock = clock
        self._rate = per_minute / 60.0 * safety
        self._tokens = float(burst)
        self._updated = clock()
        self._blocked_until = 0.0
        self.issued = 0  # reservations handed out so far: a sequence number for observe()
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill(self._clock())
            return self._tokens

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self._rate)
        self._updated = now

    def reserve(self) -> tuple[float, int]:
        """Take a token; return (seconds to wait before sending, this reservation's sequence number)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1.0
            self.issued += 1
            wait = max(0.0, (self.in_hand - self._tokens) / self._rate, self._blocked_until - now)
            return wait, self.issued

    def blocked_for(self) -> float:
        """Seconds left of a pause imposed by a 429 (0 when none)."""
        with self._lock:
            return max(0.0, self._blocked_until - self._clock())

    def refund(self) -> None:
        """Give back the token of a reservation that was never used (its request was cancelled)."""
        with self._lock:
            self._tokens = min(float(self.burst), self._tokens + 1.0)

    def observe(self, limit: int | None, remaining: int | None, sequence: int) -> None:
        """Correct the bucket from the server's view after the request numbered ``sequence``.

        ``limit`` (requests a minute) replaces the configured rate; ``remaining`` drains the
        local budget when the server has less than we think (another process using the same
        key, or a bucket that was not full when we started). Requests reserved after
        ``sequence`` are counted as spent, so the correction never makes the client optimistic.
        """
        if not self.learn:
            return
        with self._lock:
            now = self._clock()
            self._refill(now)
            if limit and limit > 0 and limit != self.per_minute:
                self.per_minute = float(limit)
                self._rate = limit / 60.0 * self.safety
                self.burst = min(self.burst, int(limit)) or 1
                self.in_hand = min(self.in_hand, self.burst - 1.0)
            if remaining is not None:
                estimate = remaining - (self.issued - sequence)
                if estimate < self._tokens - 1.0:
                    self._tokens = float(estimate)

    def pause(self, seconds: float | None) -> None:
        """After a 429: nobody sends for ``seconds`` (or one token's time), and the saved budget is gone."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            seconds = seconds if seconds is not None else 1.0 / self._rate
            self._blocked_until = max(self._blocked_until, now + seconds)
            self._tokens = min(self._tokens, 0.0)

    @property
    def rate_per_minute(self) -> float:
        """The rate the bucket actually runs at (the learned limit times the safety margin)."""
        return self._rate * 60.0


@dataclass
class Reservation:
    bucket: TokenBucket
    sequence: int


class Limiter:
    """The buckets of one account: standard, sensitive and message sending.

    >>> limiter = Limiter(Pacing())
    >>> reservations = await limiter.acquire("GET", "/v3/contacts")
    """

    def __init__(self, pacing: Pacing, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.pacing = pacing
        options = dict(learn=pacing.learn, safety=pacing.safety, reserve=pacing.reserve, clock=clock)
        self.standard = TokenBucket(pacing.per_minute, pacing.burst, **options)
        self.sensitive = TokenBucket(pacing.sensitive_per_minute, pacing.sensitive_burst, **options)
        # Sends count against the standard budget too; the tier budget comes on top.
        self.send = TokenBucket(pacing.send_per_minute, pacing.send_burst, learn=False, clock=clock)

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
