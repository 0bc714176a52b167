"""Comparisons between groups of messages that stay honest: differences with intervals, adjusted p-values.

``compare`` sets every group of a column (templates, channels, days...) against a baseline, or
all pairs when there are a handful of groups, for a rate of the metric contract or the cost per
message:

- a rate's difference ``diff = rate(group) - rate(baseline)`` gets Newcombe's hybrid score
  interval (built from the two Wilson intervals; good coverage down to small counts and near
  0 and 1), and a p-value from the pooled two-proportion z test, or Fisher's exact test when an
  expected cell count is below 5;
- the cost per message (``price + active_contact_price`` of each priced outbound message, as in
  ``costs``) gets Welch's interval and t test;
- p-values are adjusted across the comparisons of the call: Holm (family-wise error) by default,
  Benjamini-Hochberg (false discovery rate) on request;
- ``sequential=True`` is for analysts who look every day: a normal-mixture confidence sequence
  and its always-valid p-value (a mixture SPRT over daily looks at the cumulative data), whose
  error rate holds however often the comparison is repeated as data arrive (docs/metrics.md).

>>> m = lab.messages()
>>> sentlab.compare(m, by="template_name", metric="delivery_rate")[["template_name", "diff", "significant"]]
         template_name      diff  significant
0   order_confirmation  ...
...
>>> sentlab.compare(m, by="channel", metric="cost_per_message", baseline="sms")[["channel", "significant"]]
    channel  significant
0  whatsapp         True
1       rcs         True
2       mms         True
"""

from __future__ import annotations

import math
from itertools import combinations
from numbers import Real

import numpy as np
import pandas as pd

from sentlab import _costs as costs_
from sentlab import _metric_core as core
from sentlab import _metrics as metrics
from sentlab._errors import ConfigurationError

__all__ = ["COMPARABLE", "compare"]

#: What ``compare`` compares: each rate as (successes, eligible) of the contract's classes; the
#: cost per message is a mean.
RATE_METRICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "delivery_rate": (("delivered",), ("n",)),
    "failure_rate": (("failed",), ("n",)),
    "read_rate": (("read",), ("delivered",)),
    "blocked_rate": (("blocked", "filtered"), ("n", "blocked", "filtered")),
    "dashboard_deliverability": (("sent", "delivered"), ("outbound",)),
}
COMPARABLE = (*RATE_METRICS, "reply_rate", "cost_per_message")
ADJUSTMENTS = ("holm", "bh", "none")
#: With at most this many groups and no baseline, every pair is compared.
ALL_PAIRS_UP_TO = 6
COLUMNS = ("metric", "baseline", "n", "value", "baseline_n", "baseline_value", "diff", "diff_low", "diff_high",
           "p_value", "p_adjusted", "significant", "test")  # fmt: skip


def compare(messages: pd.DataFrame, by: str = "template_name", metric: str = "delivery_rate",
            baseline: object = None, *, adjust: str = "holm", confidence: float = 0.95,
            sequential: bool = False, plan_n: int = 10_000, window: str = "24h") -> pd.DataFrame:  # fmt: skip
    """Every group of ``by`` against a baseline group: the difference in ``metric``, its interval and p-values.

    ``metric`` is one of ``delivery_rate``, ``failure_rate``, ``read_rate``, ``blocked_rate``,
    ``dashboard_deliverability``, ``reply_rate`` (within ``window``) or ``cost_per_message``.
    With ``baseline=None`` every pair is compared when there are at most six groups (the larger
    group of each pair as its baseline), else every group against the largest. One row per
    comparison: the group (a column named as ``by``), ``baseline``, each side's ``n`` and
    ``value``, ``diff = value - baseline_value`` with ``diff_low``/``diff_high`` at
    ``confidence``, ``p_value``, ``p_adjusted`` (``adjust``: ``"holm"``, ``"bh"`` or
    ``"none"``), ``significant`` (``p_adjusted < 1 - confidence``) and the ``test`` used. Groups
    with nothing to measure (no eligible message) are left out and named in
    ``frame.attrs["skipped"]``. ``sequential=True`` gives always-valid intervals and p-values
    over daily looks (tightest near ``plan_n`` messages a group).

    >>> c = sentlab.compare(lab.messages(), by="channel", metric="failure_rate", baseline="sms")
    >>> c[["channel", "baseline", "diff", "diff_low", "diff_high", "p_adjusted"]].round(3)
        channel baseline   diff  diff_low  diff_high  p_adjusted
    0  whatsapp      sms -0.019    -0.058      0.029       0.785
    1       rcs      sms -0.047    -0.081      0.023       0.674
    2       mms      sms -0.062    -0.094      0.293       1.000
    """
    if not isinstance(by, str):
        raise ConfigurationError(f"compare groups by one column (e.g. by='template_name'), not {by!r}")
    if metric not in COMPARABLE:
        raise ConfigurationError(f"metric must be one of {', '.join(COMPARABLE)}, not {metric!r}")
    if adjust not in ADJUSTMENTS:
        raise ConfigurationError(f"adjust must be one of {ADJUSTMENTS} (Holm, Benjamini-Hochberg, none), not {adjust!r}")
    z = metrics._z(confidence)
    if isinstance(plan_n, bool) or not isinstance(plan_n, Real) or plan_n < 1:
        raise ConfigurationError(f"plan_n must be a positive number of messages per group, not {plan_n!r}")
    group, success, eligible, values = _per_message(messages, by, metric, window)
    stats = _group_stats(group, success, eligible, values)
    stats = stats[stats["n"] > (1 if values is not None else 0)]
    skipped = sorted(set(group.dropna().astype(str).unique()) - set(stats.index.astype(str)))
    pairs = _pairs(stats, baseline, by)
    rows = []
    for g, b in pairs:
        s, t = stats.loc[g], stats.loc[b]
        row = _rate_row(s, t, z) if values is None else _mean_row(s, t, confidence)
        rows.append({by: g, "baseline": b, **row})
    out = pd.DataFrame(rows, columns=[by, *COLUMNS[1:]])
    if sequential and len(out):
        _sequential(out, messages, by, group, success, eligible, values, confidence, float(plan_n))
    out["p_adjusted"] = adjusted(out["p_value"].to_numpy(dtype=float), adjust)
    out["significant"] = out["p_adjusted"] < 1 - confidence
    out.insert(1, "metric", metric)
    for name in ("n", "baseline_n"):
        out[name] = out[name].astype("int64")
    out.attrs.update(metric=metric, adjust=adjust, confidence=confidence, sequential=sequential,
                     comparisons=("all pairs" if baseline is None and len(stats) <= ALL_PAIRS_UP_TO
                                  else f"against {pairs[0][1] if pairs else baseline}"),
                     skipped=skipped)  # fmt: skip
    return out


def adjusted(p: np.ndarray, method: str = "holm") -> np.ndarray:
    """p-values adjusted for multiple comparisons: Holm's step-down or Benjamini-Hochberg's step-up.

    NaN p-values are left NaN and do not count among the comparisons.

    >>> adjusted(np.array([0.01, 0.04, 0.03]), "holm")
    array([0.03, 0.06, 0.06])
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0 or method == "none":
        out[ok] = p[ok]
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "bh":
        adj = np.minimum.accumulate((m / np.arange(1, m + 1) * ranked)[::-1])[::-1]
    else:
        raise ConfigurationError(f"adjust must be one of {ADJUSTMENTS}, not {method!r}")
    out[order] = np.minimum(adj, 1.0)
    return out


# -- per message ------------------------------------------------------------------------------


def _per_message(messages: pd.DataFrame, by: str, metric: str,
                 window: str) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
    """Each message's group, and whether it succeeds / counts for a rate, or its value for a mean."""
    if metric == "reply_rate":
        keys, _ = metrics._keyed(messages, [by], ["status", "created_at"])
        flags = metrics.reply_flags(messages, window=window)
        return keys[by], flags["replied"], flags["eligible"], None
    needs = ["status"] if metric != "cost_per_message" else ["status", "price", "active_contact_price"]
    keys, _ = metrics._keyed(messages, [by], needs)
    classes = metrics._outcomes(messages)
    if metric == "cost_per_message":
        bill = costs_._billing(messages)
        price = messages["price"].astype("Float64").astype(float).to_numpy()
        markup = messages["active_contact_price"].astype("Float64").astype(float).to_numpy()
        price = np.where(bill["never_billed"] & np.isnan(price), 0.0, price)
        value = price + np.nan_to_num(markup)
        eligible = classes["outbound"] & ~np.isnan(value)  # the priced outbound messages, as costs() counts them
        return keys[by], np.zeros(len(messages), dtype=bool), eligible, np.where(eligible, value, 0.0)
    ks, ns = RATE_METRICS[metric]
    success = np.logical_or.reduce([classes[k] for k in ks])
    eligible = np.logical_or.reduce([classes[k] for k in ns])
    return keys[by], success & eligible, eligible, None


def _group_stats(group: pd.Series, success: np.ndarray, eligible: np.ndarray,
                 values: np.ndarray | None) -> pd.DataFrame:  # fmt: skip
    frame = pd.DataFrame({"g": _labels(group), "n": eligible.astype("int64"), "k": success.astype("int64")})
    if values is not None:
        v = np.where(eligible, values, 0.0)
        frame["s"], frame["ss"] = v, v * v
    stats = frame.groupby("g", sort=True).sum()
    return stats.sort_values("n", ascending=False, kind="stable")


def _labels(group: pd.Series) -> pd.Series:
    """Group keys as they print; a missing key is a group of its own, "(none)"."""
    return group.astype(object).where(group.notna(), "(none)").astype(str).reset_index(drop=True)


def _pairs(stats: pd.DataFrame, baseline: object, by: str) -> list[tuple[str, str]]:
    names = list(stats.index)  # largest first
    if baseline is not None:
        label = str(baseline)
        if label not in names:
            raise ConfigurationError(
                f"baseline {baseline!r} is not a group of {by!r} with messages to measure; the groups are "
                f"{', '.join(names[:12])}{'...' if len(names) > 12 else ''}"
            )
        return [(g, label) for g in names if g != label]
    if len(names) <= ALL_PAIRS_UP_TO:
        return [(g, b) for b, g in combinations(names, 2)]  # the larger of each pair is its baseline
    return [(g, names[0]) for g in names[1:]]


# -- rates ------------------------------------------------------------------------------------


def _rate_row(s: pd.Series, t: pd.Series, z: float) -> dict[str, object]:
    k1, n1, k2, n2 = int(s["k"]), int(s["n"]), int(t["k"]), int(t["n"])
    p1, p2 = k1 / n1, k2 / n2
    low, high = newcombe_interval(k1, n1, k2, n2, z)
    p, test = two_proportion_p(k1, n1, k2, n2)
    return {"n": n1, "value": p1, "baseline_n": n2, "baseline_value": p2, "diff": p1 - p2,
            "diff_low": low, "diff_high": high, "p_value": p, "test": test}  # fmt: skip


def newcombe_interval(k1: float, n1: float, k2: float, n2: float, z: float = 1.959963984540054) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``k1/n1 - k2/n2`` (his method 10), from the two Wilson intervals."""
    confidence = 2 * _normal_cdf(z) - 1
    (l1,), (u1,) = metrics.wilson_interval([k1], [n1], confidence)
    (l2,), (u2,) = metrics.wilson_interval([k2], [n2], confidence)
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    return d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> tuple[float, str]:
    """Two-sided p-value that two proportions are equal: pooled z test, or Fisher's exact test for small counts."""
    pooled = (k1 + k2) / (n1 + n2)
    expected = min(n1, n2) * min(pooled, 1 - pooled)
    if expected < 5:
        return fisher_exact(k1, n1, k2, n2), "fisher"
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return math.erfc(abs(k1 / n1 - k2 / n2) / se / math.sqrt(2)), "z"


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test of the 2x2 table [[k1, n1-k1], [k2, n2-k2]], as scipy computes it.

    The sum of the hypergeometric probabilities of every table with the same margins that is no
    more likely than the one observed (with scipy's relative tolerance of 1e-7). Written out with
    ``lgamma`` rather than taken from scipy.stats, whose import costs seconds on a cold start.
    """
    total, successes = n1 + n2, k1 + k2
    low, high = max(0, successes - n2), min(n1, successes)
    x = np.arange(low, high + 1)
    log_choose = np.vectorize(lambda n, k: math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1))
    log_p = log_choose(n1, x) + log_choose(n2, successes - x) - log_choose(total, successes)
    observed = log_p[k1 - low]
    return float(min(1.0, np.exp(log_p[log_p <= observed + math.log1p(1e-7)]).sum()))


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2))


# -- means ------------------------------------------------------------------------------------


def _moments(s: pd.Series) -> tuple[int, float, float]:
    n = int(s["n"])
    mean = s["s"] / n
    var = max((s["ss"] - n * mean * mean) / (n - 1), 0.0) if n > 1 else float("nan")
    return n, float(mean), float(var)


def _mean_row(s: pd.Series, t: pd.Series, confidence: float) -> dict[str, object]:
    (n1, m1, v1), (n2, m2, v2) = _moments(s), _moments(t)
    low, high, p = welch(m1, v1, n1, m2, v2, n2, confidence)
    return {"n": n1, "value": m1, "baseline_n": n2, "baseline_value": m2, "diff": m1 - m2,
            "diff_low": low, "diff_high": high, "p_value": p, "test": "welch"}  # fmt: skip


def welch(m1: float, v1: float, n1: int, m2: float, v2: float, n2: int,
          confidence: float = 0.95) -> tuple[float, float, float]:  # fmt: skip
    """Welch's interval for ``m1 - m2`` and the two-sided p-value of Welch's t test (unequal variances)."""
    a, b = v1 / n1, v2 / n2
    se2 = a + b
    d = m1 - m2
    if se2 == 0:  # both groups constant
        return d, d, (1.0 if d == 0 else 0.0)
    df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    from scipy.stats import t  # imported here: scipy.stats takes a while to import

    half = float(t.ppf(0.5 + confidence / 2, df)) * math.sqrt(se2)
    return d - half, d + half, float(2 * t.sf(abs(d) / math.sqrt(se2), df))


# -- always valid -----------------------------------------------------------------------------


def mixture_sequence(diff: np.ndarray, variance: np.ndarray, rho: float,
                     alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """A normal-mixture confidence sequence and always-valid p-value along looks (the last axis).

    At each look, with the estimate ``diff`` and its variance, ``I = 1/variance`` is the
    information; the mixture martingale ``M = sqrt(rho/(I+rho)) exp(I² diff² / (2 (I+rho)))``
    (a N(0, 1/rho) prior on the difference, Robbins' normal mixture) exceeds 1/alpha with
    probability at most alpha over all looks when the difference is 0 (Ville's inequality).
    Returns the running intersection of the intervals ``diff ± sqrt((I+rho) log((I+rho)/(rho
    alpha²))) / I`` and the always-valid p-value ``min(1, 1 / max M)`` so far, at every look.
    Looks with no information (NaN or infinite variance) leave all three unchanged.
    """
    info = np.where(np.isfinite(variance) & (variance > 0), 1.0 / np.where(variance > 0, variance, 1.0), 0.0)
    ok = info > 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        radius = np.sqrt((info + rho) * np.log((info + rho) / (rho * alpha * alpha))) / info
        log_m = 0.5 * np.log(rho / (info + rho)) + info * info * diff * diff / (2 * (info + rho))
    low = np.maximum.accumulate(np.where(ok, diff - radius, -np.inf), axis=-1)
    high = np.minimum.accumulate(np.where(ok, diff + radius, np.inf), axis=-1)
    best = np.maximum.accumulate(np.where(ok, log_m, -np.inf), axis=-1)
    return low, high, np.minimum(1.0, np.exp(-best))


def mixture_rho(information: float, alpha: float) -> float:
    """The mixture's rho that makes the sequence tightest at ``information`` (Howard et al. 2021, eq. 3.4)."""
    two_log = -2 * math.log(alpha)
    return information / (two_log + math.log(1 + two_log))


def _sequential(out: pd.DataFrame, messages: pd.DataFrame, by: str, group: pd.Series, success: np.ndarray,
                eligible: np.ndarray, values: np.ndarray | None, confidence: float, plan_n: float) -> None:  # fmt: skip
    """Replace each comparison's interval and p-value by always-valid ones over daily looks."""
    if "created_at" not in messages.columns:
        raise ConfigurationError("sequential=True looks day by day: the frame needs created_at")
    day = core._bucket(pd.to_datetime(messages["created_at"], utc=True), "day").reset_index(drop=True)
    labels = _labels(group)
    v = np.zeros(len(labels)) if values is None else np.where(eligible, values, 0.0)
    frame = pd.DataFrame({"g": labels, "day": day, "n": eligible.astype("int64"), "k": success.astype("int64"),
                          "s": v, "ss": v * v})  # fmt: skip
    daily = frame.groupby(["g", "day"], sort=True).sum().unstack("g", fill_value=0).cumsum()
    alpha = 1 - confidence
    # The information of a difference between two groups of plan_n messages, at the widest variance
    # a rate has (0.25); for a mean the variance of the pooled data stands in.
    unit = 0.25 if values is None else float(np.var(v[eligible])) if eligible.sum() > 1 else 1.0
    rho = mixture_rho(plan_n / (2 * max(unit, 1e-12)), alpha)
    for i, row in out.iterrows():
        d, var = _look_stats(daily, str(row[by]), str(row["baseline"]), values is None)
        low, high, p = mixture_sequence(d, var, rho, alpha)
        out.loc[i, ["diff_low", "diff_high", "p_value"]] = [low[-1], high[-1], p[-1]]
        out.loc[i, "test"] = "mixture SPRT (daily looks)"


def _look_stats(daily: pd.DataFrame, g: str, b: str, rate: bool) -> tuple[np.ndarray, np.ndarray]:
    n1, n2 = daily["n"][g].to_numpy(float), daily["n"][b].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if rate:
            k1, k2 = daily["k"][g].to_numpy(float), daily["k"][b].to_numpy(float)
            d = k1 / n1 - k2 / n2
            # (k + 1/2) / (n + 1) keeps the variance above 0 at 0 and n successes
            q1, q2 = (k1 + 0.5) / (n1 + 1), (k2 + 0.5) / (n2 + 1)
            var = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2
        else:
            s1, s2 = daily["s"][g].to_numpy(float), daily["s"][b].to_numpy(float)
            ss1, ss2 = daily["ss"][g].to_numpy(float), daily["ss"][b].to_numpy(float)
            m1, m2 = s1 / n1, s2 / n2
            # each group's sample variance (ddof 1) over its n: the variance of its mean
            var = (ss1 - n1 * m1 * m1) / (n1 - 1) / n1 + (ss2 - n2 * m2 * m2) / (n2 - 1) / n2
            d = m1 - m2
    var = np.where((n1 > 1) & (n2 > 1), var, np.nan)
    return np.nan_to_num(d), var
