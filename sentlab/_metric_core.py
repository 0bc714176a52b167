"""What every metric shares: the contract's status classes and columns, one row per message, grouping, intervals.

Pure functions of frames, no I/O; ``sentlab._metrics`` (rates, latency, replies, calls) and
``sentlab._costs`` (cost) build on them, and the contract itself is stated in ``_metrics``'
docstring and docs/metrics.md.

>>> from sentlab._metric_core import wilson_interval
>>> [round(float(x), 3) for x in wilson_interval(90, 100)]
[0.826, 0.945]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Real
from statistics import NormalDist

import numpy as np
import pandas as pd

from sentlab import _statuses
from sentlab._errors import ConfigurationError

#: Outbound status classes of the contract (statuses are compared upper-cased); their home is
#: ``sentlab._statuses``, which says what each holds.
PENDING = _statuses.PENDING
LEFT_QUEUE = _statuses.LEFT_QUEUE
STOPPED = _statuses.STOPPED
CALLED_OFF = _statuses.CALLED_OFF
INBOUND = _statuses.INBOUND
KNOWN_STATUSES = _statuses.KNOWN
NEVER_BILLED = _statuses.NEVER_BILLED
NOT_YET_BILLED = _statuses.NOT_YET_BILLED
#: Channels that report no reads (no read receipts): never in a ``read_rate``. WhatsApp and RCS
#: report reads; SMS and MMS cannot (the carriers return delivery receipts at most), as the
#: simulator's lifecycle models it (``simulator._params``) and docs/metrics.md states.
NO_READ_RECEIPTS = ("sms", "mms")

#: ``delivery_rates`` counts, in their column order.
RATE_COUNTS = ("messages", "inbound", "outbound", "pending", "cancelled", "blocked", "filtered", "unknown", "n",
               "sent", "delivered", "read", "failed")  # fmt: skip
#: Each rate of ``delivery_rates`` and what it is: numerator / denominator.
RATES: dict[str, str] = {
    "delivery_rate": "(DELIVERED + READ) / left the queue",
    "failure_rate": "FAILED / left the queue",
    "read_rate": "READ / (DELIVERED + READ), over channels with read receipts (not SMS, MMS)",
    "blocked_rate": "(BLOCKED + FILTERED) / (left the queue + BLOCKED + FILTERED)",
    "dashboard_deliverability": "(SENT + DELIVERED + READ) / (outbound but BLOCKED and FILTERED)",
}
RATE_PARTS = ("", "_low", "_high", "_numerator", "_denominator")
#: ``costs`` columns after the group keys, in order.
COST_COLUMNS = ("messages", "inbound", "delivered", "priced", "never_billed", "estimated", "unpriced",
                "not_yet_billed", "unpriced_share", "channel_cost", "markup", "total", "total_low", "total_high",
                "cost_per_message", "cost_per_delivered", "method")  # fmt: skip
TIME_BUCKETS = ("day", "week", "month")
PRICE_STRATA = ("channel", "region_code", "template_category")
LATENCY_STAGES = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}

By = str | Sequence[str] | None
ArrayLike = float | int | np.ndarray | pd.Series


class DuplicateMessagesError(ConfigurationError):
    """A frame holds some message more than once (two pulls put together, activities joined to messages).

    Every metric counts each message once, so it refuses such a frame rather than count a
    message twice. ``duplicates`` is the number of rows whose id repeats an earlier row's.

    >>> m = lab.messages()
    >>> sentlab.delivery_rates(pd.concat([m, m]))
    Traceback (most recent call last):
    DuplicateMessagesError: 633 rows repeat the id of another row ...
    """

    def __init__(self, message: str, duplicates: int) -> None:
        super().__init__(message)
        self.duplicates = duplicates


def _z(confidence: float) -> float:
    if isinstance(confidence, bool) or not isinstance(confidence, Real) or not 0 < confidence < 1:
        raise ConfigurationError(f"confidence must be between 0 and 1 (e.g. 0.95), not {confidence!r}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, element-wise; NaN where ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and behaves at 0 and n successes.

    >>> low, high = sentlab.wilson_interval(90, 100)
    >>> round(float(low), 3), round(float(high), 3)
    (0.826, 0.945)
    """
    k = np.asarray(successes, dtype=float)
    total = np.asarray(n, dtype=float)
    z = _z(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / total
        denominator = 1 + z * z / total
        centre = (p + z * z / (2 * total)) / denominator
        half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
        # At 0 and n successes the bounds are exactly 0 and 1: rounding must not leave them a hair
        # inside, which would put the point estimate outside its own interval.
        low = np.where(k <= 0, 0.0, np.clip(np.minimum(centre - half, p), 0, 1))
        high = np.where(k >= total, 1.0, np.clip(np.maximum(centre + half, p), 0, 1))
    return np.where(total > 0, low, np.nan), np.where(total > 0, high, np.nan)


# -- grouping ---------------------------------------------------------------------------------


def _by(by: By) -> list[str]:
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by) if isinstance(by, Iterable) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise ConfigurationError(
            f"by must be a column name or a list of them (e.g. 'channel' or ['channel', 'day']), not {by!r}"
        )
    return list(dict.fromkeys(names))  # a key named twice groups once


def _bucket(created_at: pd.Series, unit: str) -> pd.Series:
    day = created_at.dt.floor("D")
    if unit == "day":
        return day
    if unit == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")  # Monday is 0
    return day - pd.to_timedelta(day.dt.day - 1, unit="D")  # month


def _once_per_message(frame: pd.DataFrame, *, duplicates: bool = True) -> None:
    """Refuse a frame that is not one row per message: activities, events, or (``duplicates``) a message twice."""
    if "message_id" in frame.columns and "id" not in frame.columns:
        # One row per status, the price repeated on each: summing it over-counts every message.
        raise ConfigurationError(
            "this frame has a row per status (message_id, no id: activities or webhook events), which "
            "repeats a message's price on each; metrics count each message once: pass lab.messages(...)"
        )
    if not duplicates or "id" not in frame.columns:
        return  # without ids nothing names the messages: each row is taken as one
    ids = frame["id"]
    repeated = ids.duplicated(keep="first") & ids.notna()
    if repeated.any():
        count = int(repeated.sum())
        example = ids[repeated].iloc[0]
        joined = [c for c in ("message_id", "timestamp", "description", "event_type") if c in frame.columns]
        hint = (f" It has {', '.join(joined)} columns: activities or events joined to messages are not a "
                "messages frame; pass lab.messages(...) itself, or aggregate to one row per id first."
                if joined else "")  # fmt: skip
        raise DuplicateMessagesError(
            f"{count:,} rows repeat the id of another row (e.g. {example!r}); metrics count each message "
            "once. If two pulls were put together, keep each message's latest row: "
            "frame.drop_duplicates('id', keep='last') (newest pull last)." + hint,
            count,
        )


def _keyed(frame: pd.DataFrame, by: By, needs: Iterable[str], *, once: bool = True,
           fallback: Iterable[str] = ()) -> tuple[pd.DataFrame, list[str]]:  # fmt: skip
    """The columns ``by`` names, time buckets derived from ``created_at``; a clear error otherwise.

    A name in ``fallback`` (a column of another frame grouped with this one) is a null key here."""
    names = _by(by)
    _once_per_message(frame, duplicates=once)
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise ConfigurationError(
            f"this metric needs the column(s) {missing} of a messages frame (lab.messages()); "
            f"the frame has {list(frame.columns)[:12]}..."
        )
    keys = {}
    for name in names:
        if name in TIME_BUCKETS:
            if "created_at" not in frame.columns:
                raise ConfigurationError(f"by={name!r} buckets created_at, which this frame lacks")
            keys[name] = _bucket(pd.to_datetime(frame["created_at"], utc=True), name)
        elif name in frame.columns:
            keys[name] = frame[name]
        elif name in fallback:
            keys[name] = pd.Series(None, index=frame.index, dtype=object)
        else:
            raise ConfigurationError(
                f"cannot group by {name!r}: it is not a column of the frame nor one of {TIME_BUCKETS}; "
                f"try channel, region_code, template_name, template_category, profile_id or day"
            )
    return pd.DataFrame(keys, index=frame.index), names


def _grouped_sum(values: pd.DataFrame, keys: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    if not names:
        return values.sum().to_frame().T.astype(values.dtypes.to_dict())
    joined = pd.concat([keys, values], axis=1)
    return joined.groupby(names, observed=True, dropna=False, sort=True).sum().reset_index()


class _Values:
    """A column as codes into its distinct values, normalised (upper- or lower-cased): cheap to test."""

    def __init__(self, column: pd.Series, normal: str = "upper") -> None:
        self.codes, uniques = pd.factorize(column, use_na_sentinel=True)
        self.names = [getattr(str(u), normal)() for u in uniques]

    def isin(self, names: Iterable[str]) -> np.ndarray:
        wanted = set(names)
        lookup = np.array([n in wanted for n in self.names] + [False])  # the last for a null (code -1)
        return lookup[self.codes]


def _inbound(frame: pd.DataFrame, status: _Values | None = None) -> np.ndarray:
    """Rows of inbound messages: ``direction`` inbound, or status RECEIVED (a frame may lack either column)."""
    inbound = np.zeros(len(frame), dtype=bool)
    if status is None and "status" in frame.columns:
        status = _Values(frame["status"])
    if status is not None:
        inbound |= status.isin(INBOUND)
    if "direction" in frame.columns:
        inbound |= _Values(frame["direction"], "lower").isin(("inbound",))
    return inbound


def _outcomes(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each row's class, as boolean arrays: inbound, then the outbound classes of the contract.

    A row is inbound when its ``direction`` is ``inbound`` or its status RECEIVED; without a
    ``direction`` column (or with a null one) every other row is outbound.
    """
    status = _Values(frame["status"])
    inbound = _inbound(frame, status)
    out = ~inbound
    classes = {"inbound": inbound, "outbound": out}
    s = _statuses
    for name, statuses in (("pending", PENDING), ("cancelled", CALLED_OFF), ("blocked", (s.BLOCKED,)),
                           ("filtered", (s.FILTERED,)), ("n", LEFT_QUEUE), ("sent", (s.SENT,)),
                           ("delivered", (s.DELIVERED, s.READ)), ("read", (s.READ,)),
                           ("failed", (s.FAILED,))):  # fmt: skip
        classes[name] = out & status.isin(statuses)
    classes["unknown"] = out & ~status.isin(KNOWN_STATUSES)  # a status the contract does not know, or none
    classes["not_yet_billed"] = out & status.isin(NOT_YET_BILLED)
    classes["never_billed"] = inbound | (out & status.isin(NEVER_BILLED))
    return classes

