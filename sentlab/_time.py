"""Dates and windows given by the user: ``since``/``until`` read as UTC timestamps, checked early.

>>> utc("2026-11-01")
Timestamp('2026-11-01 00:00:00+0000', tz='UTC')
>>> check_window("2026-11-02", "2026-11-01")
Traceback (most recent call last):
ConfigurationError: until (2026-11-01 00:00:00+00:00) must be later than since (2026-11-02 00:00:00+00:00)
"""

from __future__ import annotations

import numbers
from datetime import datetime

import pandas as pd

from sentlab._errors import ConfigurationError

__all__ = ["When", "check_window", "utc"]

#: A point in time as the user gives it: text, a datetime, a Timestamp, or None (no bound).
When = str | datetime | pd.Timestamp | None


def utc(when: When, name: str = "since") -> pd.Timestamp:
    """``when`` as a UTC timestamp (naive means UTC); a clear error for what is not a date.

    A number is refused: pandas would read ``1700000000`` as nanoseconds after 1970, a window
    that filters nothing.

    >>> utc("2026-11-01")
    Timestamp('2026-11-01 00:00:00+0000', tz='UTC')
    """
    if isinstance(when, numbers.Number):
        raise ConfigurationError(
            f"{name} must be a date or time such as '2026-11-01' or '2026-11-01T12:00Z' (or a datetime), "
            f"not the number {when!r}; for a Unix time in seconds pass pd.Timestamp({when!r}, unit='s')"
        )
    try:
        stamp = pd.Timestamp(when)
    except (ValueError, TypeError) as error:
        raise ConfigurationError(
            f"{name} must be a date or time such as '2026-11-01' or '2026-11-01T12:00Z' "
            f"(or a datetime), not {when!r}"
        ) from error
    if stamp is pd.NaT:
        raise ConfigurationError(f"{name} must be a date or time, not {when!r}")
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def check_window(since: When, until: When) -> None:
    """Refuse a window whose ``until`` is not later than its ``since``: caught before any request.

    >>> check_window("2026-11-01", None)
    """
    start = utc(since, "since") if since is not None else None
    end = utc(until, "until") if until is not None else None
    if start is not None and end is not None and end <= start:
        raise ConfigurationError(f"until ({end}) must be later than since ({start})")
