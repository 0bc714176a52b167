"""What changed: periods whose rate falls outside control limits, and reason codes whose share jumps.

A p-chart per group: for each period (a day by default), the centre line is the rate over the
preceding ``history`` periods (not the period itself), and the limits are ``centre ± sigmas ·
sqrt(centre (1 - centre) / n)`` with that period's own ``n``, so a quiet day gets wide limits and
a busy one narrow limits. A period with fewer than ``min_history`` earlier periods with messages
gets no limits (nothing to compare with). A period is flagged when its count is beyond the
limits' tail by the exact binomial (the normal limits mislead for rare events). Reason codes are charted the same way: each code's
share of the rate's denominator, flagged only when it jumps up. Pure functions, no I/O.

>>> a = sentlab.anomalies(lab.messages(), metric="failure_rate", by="channel")
>>> a.columns.tolist()
['channel', 'kind', 'reason_code', 'period', 'n', 'k', 'rate', 'centre', 'lower', 'upper', 'z', 'flag']
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd

from sentlab import _compare as compare
from sentlab import _metric_core as core
from sentlab import _metrics as metrics
from sentlab import _statuses
from sentlab._errors import ConfigurationError
from sentlab._special import binomial_cdf, binomial_sf

__all__ = ["anomalies"]

FREQS = {"D": "day", "W": "week", "h": "hour"}
_LENGTH = {"D": pd.Timedelta(days=1), "W": pd.Timedelta(weeks=1), "h": pd.Timedelta(hours=1)}
#: The rate each metric's reason codes explain: the statuses they come with.
_REASON_STATUSES = {"failure_rate": (_statuses.FAILED,), "delivery_rate": (_statuses.FAILED,), "blocked_rate": metrics.STOPPED,
                    "dashboard_deliverability": metrics.STOPPED}  # fmt: skip
COLUMNS = ("kind", "reason_code", "period", "n", "k", "rate", "centre", "lower", "upper", "z", "flag")


def anomalies(messages: pd.DataFrame, metric: str = "failure_rate", by: metrics.By = "channel",
              freq: str = "D", *, history: int = 28, min_history: int = 7, sigmas: float = 3.0,
              reasons: bool = True) -> pd.DataFrame:  # fmt: skip
    """Each group's rate per period against control limits from the preceding periods; flagged rows say what changed.

    One row per group, period (``freq``: ``"D"`` days, ``"W"`` weeks from Monday, ``"h"``
    hours, of ``created_at`` in UTC) and ``kind``: ``"rate"`` (``metric``'s numerator ``k`` over
    its denominator ``n``) or, with ``reasons``, ``"reason_code"`` (one row per code: its
    messages over the same ``n``). ``centre``, ``lower`` and ``upper`` are the p-chart's line and
    limits (NaN without ``min_history`` earlier periods), ``z`` the distance in standard errors,
    ``flag`` ``"high"``/``"low"`` where the period's count is that unlikely under the centre (the
    exact binomial tail beyond it below the normal's tail of ``sigmas``, 0.135% at 3; reason
    codes: ``"high"`` only), else ``""``.

    >>> a = sentlab.anomalies(lab.messages(), metric="blocked_rate", by="profile_id")
    >>> a[a["flag"] != ""][["profile_id", "kind", "reason_code", "period", "rate", "upper", "flag"]]
    Empty DataFrame
    Columns: [profile_id, kind, reason_code, period, rate, upper, flag]
    Index: []
    """
    if metric not in compare.RATE_METRICS:
        raise ConfigurationError(f"metric must be one of {', '.join(compare.RATE_METRICS)}, not {metric!r}")
    if freq not in FREQS:
        raise ConfigurationError(f"freq must be one of {', '.join(FREQS)} (day, week, hour), not {freq!r}")
    for name, value, low in (("history", history, 1), ("min_history", min_history, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigurationError(f"{name} must be a whole number of periods of at least {low}, not {value!r}")
    if min_history > history:
        raise ConfigurationError(f"min_history ({min_history}) cannot exceed history ({history})")
    if isinstance(sigmas, bool) or not isinstance(sigmas, Real) or not sigmas > 0:
        raise ConfigurationError(f"sigmas must be a positive number (3 is the usual p-chart), not {sigmas!r}")
    keys, names = metrics._keyed(messages, by, ["status", "created_at"])
    created = pd.to_datetime(messages["created_at"], utc=True)
    period = created.dt.floor("h") if freq == "h" else core._bucket(created, FREQS[freq])
    classes = metrics._outcomes(messages)
    ks, ns = compare.RATE_METRICS[metric]
    eligible = np.logical_or.reduce([classes[c] for c in ns])
    success = np.logical_or.reduce([classes[c] for c in ks]) & eligible
    base = keys.assign(period=period).reset_index(drop=True)
    span = history * _LENGTH[freq]
    counts = (base.assign(n=eligible.astype("int64"), k=success.astype("int64"))
              .groupby([*names, "period"], observed=True, dropna=False, sort=True)[["n", "k"]].sum())  # fmt: skip
    parts = [_chart(counts.reset_index(), names, span, min_history, sigmas, both=True).assign(kind="rate", reason_code=None)]
    if reasons and "reason_code" in messages.columns and metric in _REASON_STATUSES:
        reason = messages["reason_code"].astype(object).reset_index(drop=True)
        explained = metrics._Values(messages["status"]).isin(_REASON_STATUSES[metric]) & eligible & reason.notna().to_numpy()
        # Each code's messages per group and period, over the same periods as the rate (0 where none)
        codes = (base[explained].assign(code=reason[explained])
                 .groupby([*names, "period", "code"], observed=True, dropna=False).size()
                 .unstack("code", fill_value=0).reindex(counts.index, fill_value=0))  # fmt: skip
        if len(codes.columns):
            # Every code's chart in one pass: the code is the outermost group key, so each code's
            # rows stay together, in the rate's order (groups, then periods), codes sorted.
            order = sorted(codes.columns)
            per = pd.concat([counts[["n"]].assign(k=codes[code].to_numpy()).reset_index() for code in order],
                            ignore_index=True)  # fmt: skip
            per.insert(0, "_code", np.repeat(np.array(order, dtype=object), len(counts)))
            if names:  # a group none of whose messages has the code has no chart for it
                per = per[per.groupby(["_code", *names], observed=True, dropna=False, sort=False)["k"]
                          .transform("sum").to_numpy() > 0]  # fmt: skip
            chart = _chart(per, ["_code", *names], span, min_history, sigmas, both=False)
            parts.append(chart.assign(kind="reason_code").rename(columns={"_code": "reason_code"}))
    out = pd.concat(parts, ignore_index=True)[[*names, *COLUMNS]]
    out["n"], out["k"] = out["n"].astype("int64"), out["k"].astype("int64")
    out.attrs.update(metric=metric, freq=freq, history=history, sigmas=float(sigmas))
    return out


def _chart(counts: pd.DataFrame, names: list[str], span: pd.Timedelta, min_history: int, sigmas: float,
           *, both: bool) -> pd.DataFrame:  # fmt: skip
    """The p-chart of each group's periods: ``counts`` has the group keys, ``period``, ``n`` and ``k``."""
    # One pass over every group: rows are sorted by group, then period (as groupby sorts them).
    if not len(counts):
        return counts.assign(rate=np.nan, centre=np.nan, lower=np.nan, upper=np.nan, z=np.nan, flag="")
    group = (counts.groupby(names, observed=True, dropna=False, sort=False).ngroup().to_numpy(np.int64)
             if names else np.zeros(len(counts), dtype=np.int64))  # fmt: skip
    n, k = counts["n"].to_numpy(float), counts["k"].to_numpy(float)
    active = (n > 0).astype(float)
    # Sums over the periods within `span` before each one, in its own group (periods with no
    # messages do not count): cumulative sums between each row's window start and the row.
    cn, ck, ca = (np.concatenate([[0.0], np.cumsum(x)]) for x in (n, k, active))
    index = np.arange(len(counts))
    start = _window_start(counts["period"], group, span)
    hist_n, hist_k, hist_periods = cn[index] - cn[start], ck[index] - ck[start], ca[index] - ca[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / n, np.nan)
        centre = np.where((hist_periods >= min_history) & (hist_n > 0), hist_k / hist_n, np.nan)
        # Limits from a centre nudged off 0 and 1 (half a message), so a clean history still
        # gives the day's n a width to be judged by.
        c = (hist_k + 0.5) / (hist_n + 1)
        se = np.sqrt(c * (1 - c) / n)
        lower = np.clip(centre - sigmas * se, 0, 1)
        upper = np.clip(centre + sigmas * se, 0, 1)
        z = (rate - centre) / se
    judged = ~np.isnan(centre) & (n > 0)
    # Flagged on the exact binomial tail (the normal limits mislead for rare events: one
    # failure in 40 is not 4 sigma when the centre is 0.1%), at the normal's tail of `sigmas`.
    tail = 0.5 * math.erfc(sigmas / math.sqrt(2))
    with np.errstate(invalid="ignore"):
        ki, ni = k.astype(np.int64), n.astype(np.int64)
        p_high = binomial_sf(ki, ni, c)  # P(X >= k)
        p_low = binomial_cdf(ki, ni, c)  # P(X <= k)
    high = judged & (rate > centre) & (p_high < tail)
    low = judged & (rate < centre) & (p_low < tail) & both
    return counts.reset_index(drop=True).assign(
        rate=rate, centre=centre, lower=np.where(judged, lower, np.nan), upper=np.where(judged, upper, np.nan),
        z=np.where(judged, z, np.nan), flag=np.where(high, "high", np.where(low, "low", "")))


def _window_start(periods: pd.Series, group: np.ndarray, span: pd.Timedelta) -> np.ndarray:
    """For each row (sorted by group, then period), the first row of its group within ``span`` before it."""
    seconds = (periods - periods.min()).dt.total_seconds().to_numpy() if len(periods) else np.zeros(0)
    offset = float(seconds.max() + span.total_seconds() + 1) if len(seconds) else 1.0
    key = group * offset + seconds  # groups apart by more than any window
    return np.searchsorted(key, np.maximum(key - span.total_seconds(), group * offset), side="left").astype(np.int64)
