"""Delivery, read, failure and blocked rates, cost and latency of a messages frame: pure functions, no I/O.

The definitions are the contract of DESIGN.md (and ``docs/metrics.md``):

- a message's outcome is its latest ``status``. Outbound statuses fall in classes: *pending*
  (QUEUED, ACCEPTED, PROCESSED, ROUTED, SCHEDULED), *left the queue* (SENT, DELIVERED, READ,
  FAILED), *stopped by the platform* (BLOCKED, FILTERED), *called off* (CANCELLED); RECEIVED, and
  any row whose ``direction`` is ``inbound``, is inbound and never in an outbound rate; any other
  status is *unknown*, counted in its own column;
- ``delivery_rate = (DELIVERED + READ) / left the queue``, ``failure_rate = FAILED / left the
  queue``, ``read_rate = READ / (DELIVERED + READ)`` over channels with read receipts (not SMS or
  MMS: ``NO_READ_RECEIPTS``), ``blocked_rate = (BLOCKED + FILTERED) /
  (left the queue + BLOCKED + FILTERED)``; ``dashboard_deliverability = (SENT + DELIVERED + READ)
  / (outbound but BLOCKED and FILTERED)``, the Sent dashboard's figure; every rate carries a 95%
  Wilson interval, its numerator and its denominator;
- a message's cost is ``price + active_contact_price``, each counted once per message (activities
  repeat the price on every status after QUEUED: never sum them); BLOCKED, FILTERED, CANCELLED and
  inbound messages are never billed (0); QUEUED, ACCEPTED and SCHEDULED ones are not billed yet;
- latency runs from QUEUED (else ``created_at``) to SENT, DELIVERED and READ, as percentiles;
- a frame holds each message once: duplicate ids are refused (``DuplicateMessagesError``).

Every function groups by any columns of the frame (``channel``, ``region_code``,
``template_name``, ``template_category``, ``profile_id``...) and by the time buckets ``"day"``,
``"week"`` (starting Monday) and ``"month"`` of ``created_at`` (UTC).

>>> m = lab.messages()
>>> sentlab.delivery_rates(m, by="channel")[["channel", "n", "delivery_rate", "blocked_rate"]].round(3)
    channel    n  delivery_rate  blocked_rate
0       mms    7          0.857         0.364
1       rcs   65          0.938         0.030
2       sms  322          0.851         0.093
3  whatsapp  162          0.926         0.000
>>> m.sent.costs(by=["channel", "day"])[["channel", "day", "total"]].head(2)   # the same, as an accessor
  channel                       day  total
0     mms 2026-10-25 00:00:00+00:00  0.000
1     mms 2026-10-31 00:00:00+00:00  0.035
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import numpy as np
import pandas as pd

from sentlab._costs import (
    _NO_ESTIMATE,
    CALL_COST_COLUMNS,
    CALL_FINAL,
    CALL_LIVE,
    _call_billing,
    _call_cost_rows,
    _cost_frame,
    _is_calls,
    costs,
    price_sample,
)
from sentlab._errors import ConfigurationError
from sentlab._metric_core import (
    CALLED_OFF,
    COST_COLUMNS,
    INBOUND,
    LATENCY_STAGES,
    LEFT_QUEUE,
    NEVER_BILLED,
    NO_READ_RECEIPTS,
    NOT_YET_BILLED,
    PENDING,
    PRICE_STRATA,
    RATE_COUNTS,
    RATE_PARTS,
    RATES,
    STOPPED,
    TIME_BUCKETS,
    By,
    DuplicateMessagesError,
    _by,
    _grouped_sum,
    _inbound,
    _keyed,
    _outcomes,
    _Values,
    _z,
    wilson_interval,
)

__all__ = [
    "CALLED_OFF", "CALL_COST_COLUMNS", "CALL_STAT_COLUMNS", "COST_COLUMNS", "INBOUND", "LEFT_QUEUE", "NEVER_BILLED",
    "NOT_YET_BILLED", "NO_READ_RECEIPTS", "PENDING", "RATES", "RATE_COUNTS", "RATE_PARTS", "REPLY_COLUMNS", "STOPPED",
    "TIME_BUCKETS", "DuplicateMessagesError", "SentAccessor", "call_stats", "costs", "delivery_rates", "latency",
    "price_sample", "reply_rates", "wilson_interval",
]  # fmt: skip

# -- rates ------------------------------------------------------------------------------------


def delivery_rates(messages: pd.DataFrame, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Delivery, failure, read and blocked rates and the dashboard's figure, per group, with intervals.

    Columns: the ``by`` keys; the counts ``messages`` (every row), ``inbound`` (never in a rate),
    ``outbound``, and the outbound classes ``pending``, ``cancelled``, ``blocked``, ``filtered``,
    ``unknown`` (a status the contract does not know, or none), ``n`` (left the queue), ``sent``
    (stuck at SENT), ``delivered`` (DELIVERED + READ), ``read``, ``failed``; then for each of
    ``delivery_rate``, ``failure_rate``, ``read_rate``, ``blocked_rate`` and
    ``dashboard_deliverability`` the rate, its Wilson bounds ``_low`` and ``_high``, and its
    ``_numerator`` and ``_denominator``. ``read_rate`` counts only channels with read receipts:
    a group of SMS and MMS messages has no read rate (NaN, denominator 0), and one mixing them
    with WhatsApp reads the WhatsApp share alone.

    >>> r = sentlab.delivery_rates(lab.messages(), by="channel")
    >>> r[["channel", "n", "delivery_rate", "delivery_rate_low", "delivery_rate_high"]].round(3)
        channel    n  delivery_rate  delivery_rate_low  delivery_rate_high
    0       mms    7          0.857              0.487               0.974
    1       rcs   65          0.938              0.852               0.976
    2       sms  322          0.851              0.808               0.886
    3  whatsapp  162          0.926              0.875               0.957
    """
    _z(confidence)  # checked before any work
    keys, names = _keyed(messages, by, ["status"])
    classes = _outcomes(messages)
    counts = pd.DataFrame({"messages": np.ones(len(messages), dtype="int64"),
                           **{c: classes[c].astype("int64") for c in RATE_COUNTS[1:]}},
                          index=messages.index)  # fmt: skip
    receipts = (~_Values(messages["channel"], "lower").isin(NO_READ_RECEIPTS) if "channel" in messages.columns
                else np.ones(len(messages), dtype=bool))  # fmt: skip
    counts["_readable"] = (classes["delivered"] & receipts).astype("int64")  # delivered where a read shows
    counts["_read"] = (classes["read"] & receipts).astype("int64")
    out = _grouped_sum(counts, keys, names)
    readable_n, read_n = out.pop("_readable"), out.pop("_read")
    stopped = out["blocked"] + out["filtered"]
    parts = {
        "delivery_rate": (out["delivered"], out["n"]),
        "failure_rate": (out["failed"], out["n"]),
        "read_rate": (read_n, readable_n),
        "blocked_rate": (stopped, out["n"] + stopped),
        "dashboard_deliverability": (out["sent"] + out["delivered"], out["outbound"] - stopped),
    }
    added: dict[str, np.ndarray] = {}  # one concat, not 25 insertions (each copies the frame's blocks)
    for rate, (k, n) in parts.items():
        k, n = k.to_numpy(np.int64), n.to_numpy(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            added[rate] = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        added[f"{rate}_low"], added[f"{rate}_high"] = wilson_interval(k, n, confidence)
        added[f"{rate}_numerator"], added[f"{rate}_denominator"] = k, n
    return pd.concat([out, pd.DataFrame(added, index=out.index)], axis=1)


# -- latency ----------------------------------------------------------------------------------


def latency(messages: pd.DataFrame, by: By = None, *, percentiles: Sequence[float] = (50, 90, 99)) -> pd.DataFrame:
    """Seconds from QUEUED (else ``created_at``) to SENT, DELIVERED and READ, as percentiles.

    One row per group and ``stage`` (sent, delivered, read), with ``n`` (outbound messages that
    reached the stage: 0, with NaN percentiles, where none did) and a ``p50``/``p90``/``p99``
    column per percentile, in seconds. Inbound messages have no such stages and are left out.

    >>> sentlab.latency(lab.messages(), by="channel").head(3).round(1)
      channel      stage  n   p50   p90   p99
    0     mms       sent  7   6.6  13.2  18.0
    1     mms  delivered  6  28.9  46.2  49.9
    2     mms       read  0   NaN   NaN   NaN
    """
    try:
        qs = [float(p) for p in percentiles]
    except (TypeError, ValueError):
        qs = []
    if not qs or any(not 0 <= p <= 100 for p in qs):
        raise ConfigurationError(f"percentiles must be numbers in [0, 100], e.g. (50, 90, 99), not {percentiles!r}")
    keys, names = _keyed(messages, by, ["created_at", *LATENCY_STAGES.values()])
    created = pd.to_datetime(messages["created_at"], utc=True)
    start = created if "queued_at" not in messages else pd.to_datetime(messages["queued_at"], utc=True).fillna(created)
    stages = pd.Categorical(list(LATENCY_STAGES), categories=list(LATENCY_STAGES), ordered=True)
    outbound = ~_inbound(messages)
    parts = []
    for code, column in enumerate(LATENCY_STAGES.values()):
        seconds = (pd.to_datetime(messages[column], utc=True) - start).dt.total_seconds()
        reached = seconds.notna().to_numpy() & outbound
        stage = pd.Categorical.from_codes(np.full(int(reached.sum()), code), dtype=stages.dtype)
        parts.append(keys[reached].assign(stage=stage, seconds=seconds[reached]))
    long = pd.concat(parts, ignore_index=True)
    grouped = long.groupby([*names, "stage"], observed=True, dropna=False, sort=False)["seconds"]
    stats = grouped.size().rename("n").to_frame()
    for p in qs:
        stats[f"p{p:g}"] = grouped.quantile(p / 100)
    # Every group of the frame gets its three stages, reached or not.
    grid = pd.DataFrame({"stage": stages})
    if names:
        grid = keys.drop_duplicates().merge(grid, how="cross")
    out = grid.merge(stats.reset_index(), on=[*names, "stage"], how="left")  # NaN keys match NaN keys
    out = out.sort_values([*names, "stage"], kind="stable", na_position="last", ignore_index=True)
    out["n"] = out["n"].fillna(0).astype("int64")
    return out


# -- voice and replies ------------------------------------------------------------------------

#: ``call_stats`` columns after the group keys, in order.
CALL_STAT_COLUMNS = ("calls", "inbound", "outbound", "live", "ended", "answered", "answer_rate", "answer_rate_low",
                     "answer_rate_high", "answer_rate_numerator", "answer_rate_denominator", "minutes", "priced",
                     "unpriced", "cost", "cost_per_call", "cost_per_minute", "method")  # fmt: skip


def call_stats(calls: pd.DataFrame, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Voice calls per group: how many, the answer rate with its interval, minutes and cost.

    ``answer_rate`` = calls that connected (COMPLETED, or with an ``answered_at``) / calls that
    ended (COMPLETED, FAILED, NO_ANSWER, REJECTED): live calls (``live``) are in no
    denominator. ``minutes`` are the billable minutes (``duration_seconds / 60``) of priced
    calls; ``cost`` and ``method`` are ``sentlab.costs``' over the calls (``cost_per_minute`` =
    cost / minutes). Groups by any column of the calls frame (``region_code``, ``direction``,
    ``profile_id``, ``number``...) and by ``day``/``week``/``month`` of ``started_at``.

    >>> sentlab.call_stats(lab.calls(), by="region_code")[["region_code", "calls", "answer_rate", "cost_per_minute"]]
       region_code  calls  answer_rate  cost_per_minute
    0           AE      1     1.000000         0.211055
    ...
    22         NaN      7     1.000000         0.005749
    """
    _z(confidence)
    if not _is_calls(calls):
        raise ConfigurationError("call_stats() takes a calls frame (lab.calls(): started_at, status, "
                                 f"duration_seconds, price); this one has {list(calls.columns)[:12]}...")  # fmt: skip
    names = _by(by)
    keys, values = _call_cost_rows(calls, names, None)
    cost = _cost_frame(keys, values, names, _NO_ESTIMATE, confidence, voice=True)
    bill = _call_billing(calls)
    ended = bill["status"].isin(CALL_FINAL)
    answered = ended & (bill["status"].isin(("COMPLETED",)) | bill["answered"])
    direction = _Values(calls["direction"], "lower") if "direction" in calls.columns else None
    none = np.zeros(len(calls), dtype=bool)
    counts = pd.DataFrame({
        "calls": np.ones(len(calls), dtype="int64"),
        "inbound": (direction.isin(("inbound",)) if direction is not None else none).astype("int64"),
        "outbound": (direction.isin(("outbound",)) if direction is not None else none).astype("int64"),
        "live": bill["status"].isin(CALL_LIVE).astype("int64"),
        "ended": ended.astype("int64"), "answered": answered.astype("int64"),
    }, index=keys.index)  # fmt: skip
    out = _grouped_sum(counts, keys, names)
    k, n = out["answered"], out["ended"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["answer_rate"] = np.where(n > 0, k / n.where(n > 0), np.nan)
    out["answer_rate_low"], out["answer_rate_high"] = wilson_interval(k, n, confidence)
    out["answer_rate_numerator"], out["answer_rate_denominator"] = k.astype("int64"), n.astype("int64")
    out["minutes"] = cost["minutes"].to_numpy()
    out["priced"] = cost["priced"].to_numpy()
    out["unpriced"] = cost["unpriced"].to_numpy()
    out["cost"] = cost["call_cost"].to_numpy()
    out["cost_per_call"] = cost["cost_per_call"].to_numpy()
    out["cost_per_minute"] = cost["cost_per_minute"].to_numpy()
    out["method"] = cost["method"].to_numpy()
    return out[[*names, *CALL_STAT_COLUMNS]]




#: ``reply_rates`` columns after the group keys, in order.
REPLY_COLUMNS = ("outbound", "delivered", "censored", "n", "replied", "replies", "reply_rate", "reply_rate_low",
                 "reply_rate_high", "reply_rate_numerator", "reply_rate_denominator")  # fmt: skip
DEFAULT_REPLY_WINDOW = "24h"


def _duration(window: object) -> int:
    """``window`` in nanoseconds: a positive duration ("24h", "2d", a timedelta)."""
    try:
        span = pd.Timedelta(window) if not isinstance(window, bool | Real) else None
    except (TypeError, ValueError):
        span = None
    if span is None or pd.isna(span) or span <= pd.Timedelta(0):
        raise ConfigurationError(f"window must be a positive duration such as '24h', '2d' or a timedelta, not {window!r}")
    return int(span.value)


def _nanos(column: pd.Series) -> np.ndarray:
    """A timestamp column as int64 nanoseconds since the epoch (UTC); NaT as the int64 minimum."""
    return pd.to_datetime(column, utc=True).dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").view("int64")


_NAT = np.iinfo(np.int64).min


def reply_flags(messages: pd.DataFrame, *, window: object = DEFAULT_REPLY_WINDOW,
                as_of: object = None) -> dict[str, np.ndarray]:  # fmt: skip
    """Per message, as ``reply_rates`` defines them: ``eligible`` (in the denominator), ``replied``,
    ``censored``, ``delivered`` and ``replies`` (how many inbound messages answered it).

    >>> flags = sentlab._metrics.reply_flags(lab.messages(), window="24h")
    >>> int(flags["replied"].sum()), int(flags["eligible"].sum())
    (29, 475)
    """
    span = _duration(window)
    _keyed(messages, None, ["status", "contact_id", "created_at"])
    classes = _outcomes(messages)
    inbound, delivered = classes["inbound"], classes["delivered"]
    created = _nanos(messages["created_at"])
    reached = np.full(len(messages), _NAT, dtype=np.int64)
    for column in ("delivered_at", "read_at", "sent_at", "created_at"):
        if column in messages.columns:
            reached = np.where(reached == _NAT, _nanos(messages[column]), reached)
    if as_of is not None:
        end = int(_utc_nanos(as_of))
    else:  # no timestamp at all: the data has no end, so no window has closed
        end = int(created[created != _NAT].max()) if (created != _NAT).any() else _NAT + span
    contact, has_contact = _party(messages)
    sendable = delivered & has_contact & (reached != _NAT) & (reached <= end)
    heard = inbound & has_contact & (created != _NAT) & (created <= end)
    out_rows, in_rows = np.flatnonzero(sendable), np.flatnonzero(heard)
    rows = np.concatenate([out_rows, in_rows])
    party = contact[rows]
    when = np.concatenate([reached[out_rows], created[in_rows]])
    is_out = np.concatenate([np.ones(len(out_rows), dtype=np.int8), np.zeros(len(in_rows), dtype=np.int8)])
    # By party, then time; at one instant an inbound sorts first: it answers only what came before.
    order = np.lexsort((is_out, when, party))
    rows, party, when, is_out = rows[order], party[order], when[order], is_out[order]
    position = np.arange(len(rows))
    last_out = np.maximum.accumulate(np.where(is_out == 1, position, -1)) if len(rows) else position
    answer = np.flatnonzero(is_out == 0)
    target = last_out[answer]
    ok = target >= 0
    answer, target = answer[ok], target[ok]
    ok = (party[target] == party[answer]) & (when[answer] - when[target] <= span)
    answered_rows = rows[target[ok]]
    replies = np.bincount(answered_rows, minlength=len(messages))
    censored = delivered & (reached != _NAT) & ~(reached <= end - span)
    counted = sendable & ~censored
    return {"outbound": classes["outbound"], "delivered": delivered, "censored": censored, "eligible": counted,
            "replied": counted & (replies > 0), "replies": replies}


def reply_rates(messages: pd.DataFrame, by: By = None, *, window: object = DEFAULT_REPLY_WINDOW,
                as_of: object = None, confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Share of delivered outbound messages the contact answered within ``window`` (default 24 h), per group.

    Definitions (docs/metrics.md, "Reply rate"):

    - the denominator ``n`` is the outbound messages that reached the contact (DELIVERED or READ)
      at least ``window`` before the data's end (``as_of``, default the latest ``created_at`` of
      any row): one delivered later is ``censored``, its window not over, and counts nowhere;
    - each inbound message answers the most recent delivered outbound message to the same contact
      (and profile, when the frame has ``profile_id``) that reached it strictly before, if it
      arrived at most ``window`` after that one reached the contact (``delivered_at``, else
      ``read_at``, ``sent_at``, ``created_at``); otherwise it answers none (it started a
      conversation);
    - ``replied`` counts the messages of ``n`` answered at least once (the numerator),
      ``replies`` the inbound messages answering any of the group's delivered messages.

    Groups by the outbound message's keys (``channel``, ``template_name``, ``region_code``,
    ``day``...); ``reply_rate`` carries its Wilson interval, numerator and denominator.

    >>> sentlab.reply_rates(lab.messages(), by="channel")[["channel", "n", "reply_rate", "reply_rate_low"]].round(3)
        channel    n  reply_rate  reply_rate_low
    0       mms    5       0.000           0.000
    1       rcs   60       0.067           0.026
    2       sms  266       0.023           0.010
    3  whatsapp  144       0.132           0.086
    >>> sentlab.reply_rates(lab.messages(), by="template_name", window="2h")[["template_name", "n"]].head(2)
              template_name   n
    0  appointment_reminder  ...
    1         back_in_stock  ...
    """
    _z(confidence)
    keys, names = _keyed(messages, by, ["status", "contact_id", "created_at"])
    flags = reply_flags(messages, window=window, as_of=as_of)
    delivered, censored, counted, replies = flags["delivered"], flags["censored"], flags["eligible"], flags["replies"]
    outbound = flags["outbound"]
    values = pd.DataFrame({
        "outbound": outbound.astype("int64"), "delivered": delivered.astype("int64"),
        "censored": censored.astype("int64"), "n": counted.astype("int64"),
        "replied": (counted & (replies > 0)).astype("int64"), "replies": np.where(delivered, replies, 0).astype("int64"),
    }, index=messages.index)  # fmt: skip
    out = _grouped_sum(values[outbound], keys[outbound], names)
    k, n = out["replied"], out["n"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["reply_rate"] = np.where(n > 0, k / n.where(n > 0), np.nan)
    out["reply_rate_low"], out["reply_rate_high"] = wilson_interval(k, n, confidence)
    out["reply_rate_numerator"], out["reply_rate_denominator"] = k.astype("int64"), n.astype("int64")
    return out[[*names, *REPLY_COLUMNS]]


def _utc_nanos(when: object) -> int:
    try:
        stamp = pd.Timestamp(when)
    except (TypeError, ValueError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ConfigurationError(f"as_of must be a time, e.g. '2026-11-20T12:00Z' or a Timestamp, not {when!r}")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def _party(messages: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A code per row for its conversation (contact, and profile when the frame has one), and
    whether the row names a contact."""
    codes, _ = pd.factorize(messages["contact_id"], use_na_sentinel=True)
    has = codes >= 0
    if "profile_id" in messages.columns:
        profile, _ = pd.factorize(messages["profile_id"], use_na_sentinel=False)
        codes = codes.astype(np.int64) * (int(profile.max(initial=-1)) + 2) + profile
    return codes.astype(np.int64), has


# -- the DataFrame accessor -------------------------------------------------------------------


@pd.api.extensions.register_dataframe_accessor("sent")
class SentAccessor:
    """The metrics as methods of a messages frame: ``messages.sent.delivery_rates(by="channel")``.

    Registered when sentlab's metrics are first used (``sentlab.connect()`` does it).

    >>> lab.messages().sent.delivery_rates(by=["channel", "day"])[["channel", "day", "n"]].head(2)
      channel                       day  n
    0     mms 2026-10-25 00:00:00+00:00  0
    1     mms 2026-10-31 00:00:00+00:00  1
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def delivery_rates(self, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
        """``sentlab.delivery_rates`` of this frame."""
        return delivery_rates(self._frame, by, confidence=confidence)

    def costs(self, by: By = None, *, calls: pd.DataFrame | None = None, strata: Sequence[str] = PRICE_STRATA,
              confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
        """``sentlab.costs`` of this frame (a messages or a calls frame), with ``calls=`` too."""
        return costs(self._frame, by, calls=calls, strata=strata, confidence=confidence)

    def reply_rates(self, by: By = None, *, window: object = DEFAULT_REPLY_WINDOW, as_of: object = None,
                    confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
        """``sentlab.reply_rates`` of this frame."""
        return reply_rates(self._frame, by, window=window, as_of=as_of, confidence=confidence)

    def call_stats(self, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
        """``sentlab.call_stats`` of this calls frame."""
        return call_stats(self._frame, by, confidence=confidence)

    def latency(self, by: By = None, *, percentiles: Sequence[float] = (50, 90, 99)) -> pd.DataFrame:
        """``sentlab.latency`` of this frame."""
        return latency(self._frame, by, percentiles=percentiles)

    def price_sample(self, per_stratum: int = 2, *, strata: Sequence[str] = PRICE_STRATA,
                     seed: int = 0) -> list[str]:  # fmt: skip
        """``sentlab.price_sample`` of this frame."""
        return price_sample(self._frame, per_stratum, strata=strata, seed=seed)

