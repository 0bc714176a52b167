"""Time to SENT, DELIVERED and READ with the messages still in flight counted: Kaplan-Meier estimates.

Percentiles of latency over the messages that reached a stage are biased low while messages are
on their way: the slow ones have not arrived yet. Here a message that has not reached the stage
but still can (pending, SENT waiting for a receipt, DELIVERED waiting to be read) is *censored* at
the analysis time: it is known to take at least that long. Messages that ended without reaching
the stage (FAILED, BLOCKED, FILTERED, CANCELLED; for reads, channels that report none) are left
out: the estimate is of the time to the stage among the messages that can reach it. So is a
message still short of the stage ``settle`` (default 48 h, as the store's unsettled window) after
it started: a receipt that has not come in two days will not come (an SMS stuck at SENT), and
censoring such messages would stretch the tail without end. Inbound
messages have no such stages. Times run from QUEUED (else ``created_at``), as in ``latency``.

>>> m = lab.messages()
>>> sentlab.time_to(m, "delivered", by="channel")[["channel", "n", "p50", "observed_p50"]].round(1)
    channel    n   p50  observed_p50
0       mms    6  ...
...
>>> sentlab.plot_time_to(sentlab.survival_curve(m, "delivered", by="channel"))
<NotebookFigure size ... with 1 Axes>
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sentlab import _metrics as metrics
from sentlab import _statuses
from sentlab._errors import ConfigurationError

__all__ = ["STAGES", "survival_curve", "time_to"]

STAGES = tuple(metrics.LATENCY_STAGES)
#: Statuses that end a message: one that has not reached a stage by then never will.
_ENDED = (_statuses.FAILED, *_statuses.STOPPED, *_statuses.CALLED_OFF)
_CURVE_COLUMNS = ("seconds", "at_risk", "events", "censored", "survival", "survival_low", "survival_high")


def time_to(messages: pd.DataFrame, stage: str = "delivered", by: metrics.By = None, *,
            at: object = None, settle: str | pd.Timedelta | None = "48h",
            percentiles: Sequence[float] = (50, 90, 99), confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Percentiles of the seconds to ``stage``, Kaplan-Meier with the in-flight censored, beside the plain ones.

    One row per group: ``n`` (messages that can reach the stage), ``reached``, ``in_flight``
    (censored at ``at``, default the latest timestamp in the frame; at most ``settle`` old, see
    the module's docstring), then per percentile ``p50``
    (Kaplan-Meier), ``p50_low``/``p50_high`` (the times where the pointwise log-log interval of
    the survival crosses it, Brookmeyer-Crowley style) and ``observed_p50`` (over the reached
    only, as ``latency`` gives). A percentile the data cannot reach yet (too many still in
    flight) is NaN, and its upper bound too: not known yet, rather than a guess.

    >>> sentlab.time_to(lab.messages(), "delivered", by="channel")[["channel", "n", "in_flight", "p90", "observed_p90"]].round(1)
        channel    n  in_flight    p90  observed_p90
    0       mms    6          0   50.3          46.2
    1       rcs   61          0   15.3          15.3
    2       sms  276          2   37.5          34.8
    3  whatsapp  150          0  755.0         979.1
    """
    qs = _percentiles(percentiles)
    z = metrics._z(confidence)
    data = _durations(messages, stage, by, at, settle)
    names = metrics._by(by)
    rows = []
    for key, part in (data.groupby(names, sort=True, dropna=False) if names else [((), data)]):
        key = key if isinstance(key, tuple) else (key,)
        curve = _kaplan_meier(part["seconds"].to_numpy(float), part["event"].to_numpy(bool), z)
        reached = part["seconds"][part["event"]]
        row = {**dict(zip(names, key, strict=True)), "stage": stage, "n": len(part),
               "reached": int(part["event"].sum()), "in_flight": int((~part["event"]).sum())}  # fmt: skip
        for p in qs:
            target = 1 - p / 100
            row[f"p{p:g}"] = _crossing(curve, "survival", target)
            row[f"p{p:g}_low"] = _crossing(curve, "survival_low", target)
            row[f"p{p:g}_high"] = _crossing(curve, "survival_high", target)
            row[f"observed_p{p:g}"] = float(reached.quantile(p / 100)) if len(reached) else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=[*metrics._by(by), "stage", "n", "reached", "in_flight",
                                    *[f"{pre}p{p:g}{post}" for p in qs
                                      for pre, post in (("", ""), ("", "_low"), ("", "_high"), ("observed_", ""))]])  # fmt: skip
    for name in ("n", "reached", "in_flight"):
        out[name] = out[name].astype("int64")
    out.attrs.update(stage=stage, at=_analysis_time(messages, at))
    return out


def survival_curve(messages: pd.DataFrame, stage: str = "delivered", by: metrics.By = None, *,
                   at: object = None, settle: str | pd.Timedelta | None = "48h",
                   confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """The Kaplan-Meier curve of the time to ``stage``: share of messages not there yet after each time.

    One row per group and distinct time (in seconds, from 0): ``at_risk``, ``events`` (reached
    the stage then), ``censored`` (in flight, last seen then), ``survival`` and its pointwise
    log-log interval ``survival_low``/``survival_high`` at ``confidence`` (Greenwood's variance).

    >>> c = sentlab.survival_curve(lab.messages(), "delivered", by="channel")
    """
    z = metrics._z(confidence)
    data = _durations(messages, stage, by, at, settle)
    names = metrics._by(by)
    parts = []
    groups = data.groupby(names, sort=True, dropna=False) if names else [((), data)]
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        curve = _kaplan_meier(part["seconds"].to_numpy(float), part["event"].to_numpy(bool), z)
        for j, (name, value) in enumerate(zip(names, key, strict=True)):
            curve.insert(j, name, value)
        parts.append(curve)
    if not parts:
        return pd.DataFrame(columns=[*names, *_CURVE_COLUMNS])
    out = pd.concat(parts, ignore_index=True)
    for name in names:
        if name in messages.columns and isinstance(messages[name].dtype, pd.CategoricalDtype):
            out[name] = out[name].astype(messages[name].dtype)
    return out


# -- the pieces -------------------------------------------------------------------------------


def _percentiles(percentiles: Sequence[float]) -> list[float]:
    try:
        qs = [float(p) for p in percentiles]
    except (TypeError, ValueError):
        qs = []
    if not qs or any(not 0 < p < 100 for p in qs):
        raise ConfigurationError(f"percentiles must be numbers in (0, 100), e.g. (50, 90, 99), not {percentiles!r}")
    return qs


def _analysis_time(messages: pd.DataFrame, at: object) -> pd.Timestamp:
    if at is not None:
        if isinstance(at, (int, float)) and not isinstance(at, bool):
            raise ConfigurationError(f"at must be a time (e.g. '2026-11-30T12:00Z' or a Timestamp), not the number {at!r}")
        try:
            stamp = pd.Timestamp(at)
        except (TypeError, ValueError) as e:
            raise ConfigurationError(f"at must be a time (e.g. '2026-11-30T12:00Z'), not {at!r}") from e
        return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    columns = [c for c in ("created_at", "queued_at", *metrics.LATENCY_STAGES.values(), "failed_at", "received_at")
               if c in messages.columns]  # fmt: skip
    latest = [pd.to_datetime(messages[c], utc=True).max() for c in columns]
    latest = [t for t in latest if pd.notna(t)]
    return max(latest) if latest else pd.Timestamp.now(tz="UTC")


def _settle(settle: object) -> float:
    if settle is None:
        return np.inf
    try:
        seconds = pd.Timedelta(settle).total_seconds()
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"settle must be a duration such as '48h' (or None), not {settle!r}") from e
    if not seconds > 0:
        raise ConfigurationError(f"settle must be a positive duration such as '48h' (or None), not {settle!r}")
    return seconds


def _durations(messages: pd.DataFrame, stage: str, by: metrics.By, at: object,
               settle: object = "48h") -> pd.DataFrame:  # fmt: skip
    """One row per message that can reach ``stage``: its group, seconds (to the stage, or to ``at``), event."""
    if stage not in metrics.LATENCY_STAGES:
        raise ConfigurationError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    column = metrics.LATENCY_STAGES[stage]
    keys, _ = metrics._keyed(messages, by, ["status", "created_at", column])
    when = _analysis_time(messages, at)
    horizon = _settle(settle)
    created = pd.to_datetime(messages["created_at"], utc=True)
    start = created if "queued_at" not in messages else pd.to_datetime(messages["queued_at"], utc=True).fillna(created)
    reached_at = pd.to_datetime(messages[column], utc=True)
    status = metrics._Values(messages["status"])
    event = reached_at.notna().to_numpy()
    can = ~metrics._inbound(messages) & (event | ~status.isin(_ENDED)) & ~status.isin((_statuses.SCHEDULED,))
    if stage == "read" and "channel" in messages.columns:
        # A channel with no read in the frame reports none (SMS, MMS): its messages never "arrive".
        readers = messages["channel"][reached_at.notna()].astype(str).unique()
        can &= messages["channel"].astype(str).isin(readers).to_numpy()
    seconds = np.where(event, (reached_at - start).dt.total_seconds(), (when - start).dt.total_seconds())
    keep = can & ~np.isnan(seconds) & (event | (seconds < horizon))  # past the horizon: ended without it
    out = keys[keep].reset_index(drop=True)
    out["seconds"] = np.maximum(seconds[keep], 0.0)
    out["event"] = event[keep]
    return out


def _kaplan_meier(seconds: np.ndarray, event: np.ndarray, z: float) -> pd.DataFrame:
    if len(seconds) == 0:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("at_risk", "events", "censored") else float)
                             for c in _CURVE_COLUMNS})  # fmt: skip
    times, inverse = np.unique(seconds, return_inverse=True)
    events = np.bincount(inverse, weights=event, minlength=len(times))
    total = np.bincount(inverse, minlength=len(times))
    at_risk = len(seconds) - np.concatenate([[0], np.cumsum(total)[:-1]])
    with np.errstate(invalid="ignore", divide="ignore"):
        survival = np.cumprod(1 - events / at_risk)
        greenwood = np.cumsum(events / (at_risk * (at_risk - events)))
        # log-log interval: S^exp(±z·se), se of log(-log S) = sqrt(greenwood) / |log S|
        se = np.sqrt(greenwood) / np.abs(np.log(survival))
        low, high = survival ** np.exp(z * se), survival ** np.exp(-z * se)
    done = survival <= 0
    low, high = np.where(done, 0.0, low), np.where(done, np.where(survival > 0, high, 0.0), high)
    untouched = greenwood == 0  # no event yet: the survival is 1, exactly
    low, high = np.where(untouched, 1.0, low), np.where(untouched, 1.0, high)
    return pd.DataFrame({"seconds": times, "at_risk": at_risk.astype("int64"), "events": events.astype("int64"),
                         "censored": (total - events).astype("int64"), "survival": survival,
                         "survival_low": np.nan_to_num(low, nan=0.0), "survival_high": np.nan_to_num(high, nan=1.0)})  # fmt: skip


def _crossing(curve: pd.DataFrame, column: str, target: float) -> float:
    """The first time the curve's ``column`` drops to ``target`` or below; NaN if it never does."""
    below = np.flatnonzero(curve[column].to_numpy(float) <= target + 1e-12)
    return float(curve["seconds"].iloc[below[0]]) if len(below) else float("nan")
