"""The simulator's clock: wall time by default, or a frozen clock that tests move by hand."""

from __future__ import annotations

import threading
import time as _time
from datetime import UTC, datetime

__all__ = ["SimClock"]


class SimClock:
    """What time it is inside a simulated world.

    By default it follows the wall clock; ``advance`` adds an offset, so a world
    can be fast-forwarded. ``SimClock.frozen(start)`` only moves when told to,
    which is what tests use to watch a message's lifecycle unfold.

    >>> from datetime import UTC, datetime
    >>> clock = SimClock.frozen(datetime(2026, 4, 8, 12, tzinfo=UTC))
    >>> _ = clock.advance(90)
    >>> clock.now().isoformat()
    '2026-04-08T12:01:30+00:00'
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0  # seconds added to the wall clock
        self._frozen_at: float | None = None  # epoch seconds when frozen

    @classmethod
    def frozen(cls, start: datetime) -> SimClock:
        """A manual clock at ``start`` (naive datetimes are taken as UTC).

        >>> SimClock.frozen(datetime(2026, 4, 8)).now().isoformat()
        '2026-04-08T00:00:00+00:00'
        """
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        clock = cls()
        clock._frozen_at = start.timestamp()
        return clock

    @property
    def is_frozen(self) -> bool:
        """Whether the clock only moves when told to.

        >>> SimClock().is_frozen, SimClock.frozen(datetime(2026, 4, 8)).is_frozen
        (False, True)
        """
        return self._frozen_at is not None

    def time(self) -> float:
        """Seconds since the epoch, as ``time.time()`` (used for rate limiting).

        >>> SimClock.frozen(datetime(1970, 1, 1, 0, 1, tzinfo=UTC)).time()
        60.0
        """
        frozen = self._frozen_at
        if frozen is not None:
            return frozen
        return _time.time() + self._offset

    def now(self) -> datetime:
        """The current simulated time, tz-aware UTC.

        >>> SimClock().now().tzinfo
        datetime.timezone.utc
        """
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (a wall clock gains an offset); returns the new time.

        >>> SimClock.frozen(datetime(2026, 4, 8, 12, tzinfo=UTC)).advance(3600).hour
        13
        """
        if seconds < 0:
            raise ValueError("a SimClock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
        return self.now()

    def advance_to(self, when: datetime) -> datetime:
        """Move the clock forward to ``when`` (no-op if that is in the past).

        >>> clock = SimClock.frozen(datetime(2026, 4, 8, tzinfo=UTC))
        >>> clock.advance_to(datetime(2026, 4, 9, tzinfo=UTC)).day, clock.advance_to(datetime(2026, 1, 1, tzinfo=UTC)).day
        (9, 9)
        """
        delta = when.timestamp() - self.time()
        return self.advance(delta) if delta > 0 else self.now()

    def __repr__(self) -> str:
        kind = "frozen" if self.is_frozen else "wall"
        return f"SimClock({kind}, now={self.now().isoformat()})"

