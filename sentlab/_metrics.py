"""Delivery, read and failure rates, cost and latency of a messages frame: pure functions, no I/O.

The definitions are the contract of DESIGN.md (and ``docs/metrics.md``):

- a message's outcome is its latest ``status``; SENT, DELIVERED, READ and FAILED have *left the
  queue*; QUEUED, ACCEPTED, PROCESSED, ROUTED and SCHEDULED are *pending*;
- ``delivery_rate = (DELIVERED + READ) / left the queue``, ``failure_rate = FAILED / left the
  queue``, ``read_rate = READ / (DELIVERED + READ)``; pending messages (and any status the API
  adds later) are counted in their own columns, never in a denominator; every rate carries a 95%
  Wilson interval and its ``n``;
- a message's cost is ``price + active_contact_price``, each counted once per message (activities
  repeat the price on every status after QUEUED: never sum them);
- latency runs from QUEUED (else ``created_at``) to SENT, DELIVERED and READ, as percentiles.

Every function groups by any columns of the frame (``channel``, ``region_code``,
``template_name``, ``template_category``, ``profile_id``...) and by the time buckets ``"day"``,
``"week"`` (starting Monday) and ``"month"`` of ``created_at`` (UTC).

>>> m = lab.messages()
>>> sentlab.delivery_rates(m, by="channel")[["channel", "n", "delivery_rate"]]
>>> m.sent.costs(by=["channel", "day"])          # the same functions, as a DataFrame accessor
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from statistics import NormalDist

import numpy as np
import pandas as pd

from sentlab._errors import ConfigurationError

__all__ = [
    "LEFT_QUEUE", "PENDING", "TIME_BUCKETS", "SentAccessor", "costs", "delivery_rates", "latency",
    "price_sample", "wilson_interval",
]  # fmt: skip

LEFT_QUEUE = ("SENT", "DELIVERED", "READ", "FAILED")
PENDING = ("QUEUED", "ACCEPTED", "PROCESSED", "ROUTED", "SCHEDULED")
TIME_BUCKETS = ("day", "week", "month")
PRICE_STRATA = ("channel", "region_code", "template_category")
LATENCY_STAGES = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}

By = str | Sequence[str] | None
ArrayLike = float | int | np.ndarray | pd.Series


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


def _keyed(frame: pd.DataFrame, by: By, needs: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """The columns ``by`` names, time buckets derived from ``created_at``; a clear error otherwise."""
    names = _by(by)
    if "message_id" in frame.columns and "id" not in frame.columns:
        # One row per status, the price repeated on each: summing it over-counts every message.
        raise ConfigurationError(
            "this frame has a row per status (message_id, no id: activities or webhook events), which "
            "repeats a message's price on each; metrics count each message once: pass lab.messages(...)"
        )
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


def _statuses(frame: pd.DataFrame) -> pd.Series:
    return frame["status"].astype("string").str.upper()


# -- rates ------------------------------------------------------------------------------------


def delivery_rates(messages: pd.DataFrame, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """Delivery, read and failure rates, one row per group, each with its Wilson interval and n.

    Columns: the ``by`` keys; ``messages``; ``pending`` (still queued); ``other`` (a status the
    contract does not know); ``n`` (left the queue: the denominator of delivery and failure);
    ``sent`` (stuck at SENT), ``delivered`` (DELIVERED + READ), ``read``, ``failed``;
    ``delivery_rate``, ``failure_rate``, ``read_rate`` (over ``delivered``), each with ``_low``
    and ``_high`` bounds.

    >>> r = sentlab.delivery_rates(lab.messages(), by="channel")
    >>> r[["channel", "n", "delivery_rate", "delivery_rate_low", "delivery_rate_high"]]
    """
    _z(confidence)  # checked before any work
    keys, names = _keyed(messages, by, ["status"])
    status = _statuses(messages)
    left = status.isin(LEFT_QUEUE)
    delivered = status.isin(("DELIVERED", "READ"))
    counts = pd.DataFrame(
        {
            "messages": 1,
            "pending": status.isin(PENDING),
            "other": ~status.isin(LEFT_QUEUE + PENDING),
            "n": left,
            "sent": status.eq("SENT"),
            "delivered": delivered,
            "read": status.eq("READ"),
            "failed": status.eq("FAILED"),
        },
        index=messages.index,
    ).fillna(False).astype("int64")
    out = _grouped_sum(counts, keys, names)
    for rate, k, n in (("delivery_rate", "delivered", "n"), ("failure_rate", "failed", "n"),
                       ("read_rate", "read", "delivered")):  # fmt: skip
        with np.errstate(invalid="ignore", divide="ignore"):
            out[rate] = np.where(out[n] > 0, out[k] / out[n].where(out[n] > 0), np.nan)
        out[f"{rate}_low"], out[f"{rate}_high"] = wilson_interval(out[k], out[n], confidence)
    return out


# -- cost -------------------------------------------------------------------------------------


def price_sample(messages: pd.DataFrame, per_stratum: int = 2, *, strata: Sequence[str] = PRICE_STRATA,
                 seed: int = 0) -> list[str]:  # fmt: skip
    """Ids of a stratified random sample of unpriced messages, whose details give a price table.

    Takes up to ``per_stratum`` messages of each ``channel x region_code x template_category``
    (fewer where priced messages already cover the stratum), reproducibly for a given ``seed``
    whatever the order of the rows. Fetch their details (``lab.messages(ids, details="all")``)
    and ``costs()`` estimates the rest; ``lab.messages(details="sample")`` does both.

    >>> ids = sentlab.price_sample(lab.messages(), per_stratum=2)
    >>> priced = lab.messages(ids, details="all")
    """
    if isinstance(per_stratum, bool) or not isinstance(per_stratum, Integral) or per_stratum < 1:
        raise ConfigurationError(f"per_stratum must be a whole number of at least 1, not {per_stratum!r}")
    keys, names = _keyed(messages, list(strata), ["id", "price"])
    stratum = _cell_ids(keys)[-1] if names else np.zeros(len(keys), dtype=np.int64)
    priced = messages["price"].notna().to_numpy(dtype=bool)
    ids = messages["id"].astype(object).to_numpy()
    covered = np.bincount(stratum[priced], minlength=stratum.max(initial=-1) + 1)
    pool = pd.DataFrame({"stratum": stratum, "id": ids})[~priced & pd.notna(ids)].drop_duplicates()
    pool = pool.sort_values(["id", "stratum"], kind="stable", ignore_index=True)
    # A uniform random order of the pool (a key per id, drawn in id order, so the same messages and
    # seed give the same sample), then the first ``wanted`` of each stratum.
    pool["key"] = np.random.default_rng(seed).random(len(pool))
    pool = pool.sort_values(["stratum", "key"], kind="stable", ignore_index=True)
    rank = pool.groupby("stratum", sort=False).cumcount().to_numpy()
    wanted = per_stratum - covered[pool["stratum"].to_numpy()]
    return sorted(pool.loc[rank < wanted, "id"].tolist())


def _cell_ids(keys: pd.DataFrame) -> list[np.ndarray]:
    """For each depth d, an id per row naming its cell of the first d columns (a null is a value too)."""
    cell, out = np.zeros(len(keys), dtype=np.int64), []
    for i in range(keys.shape[1]):
        codes, uniques = pd.factorize(keys.iloc[:, i], use_na_sentinel=False)
        cell = np.unique(cell * (len(uniques) + 1) + codes, return_inverse=True)[1].reshape(-1)
        out.append(cell)
    return out


def _cell_stats(cell: np.ndarray, priced: np.ndarray, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per cell: ``n`` priced messages, the mean of each of ``values`` and the variance of ``cost``."""
    at = cell[priced]
    size = cell.max(initial=-1) + 1
    n = np.bincount(at, minlength=size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = {name: np.bincount(at, weights=v[priced], minlength=size) / n for name, v in values.items()}
        spread = (values["cost"][priced] - stats["cost"][at]) ** 2
        stats["s2"] = np.where(n > 1, np.bincount(at, weights=spread, minlength=size) / (n - 1), np.nan)
    stats["n"] = n
    return stats


def _estimate(messages: pd.DataFrame, strata: list[str], price: np.ndarray, markup: np.ndarray,
              priced: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """For each unpriced message, the price cell that prices it: its stratum, else a coarser one.

    Returns arrays, one value per row: ``depth`` of the cell (0 where nothing prices it, and for
    priced rows), whether it is ``coarse`` (coarser than the stratum), ``cell`` (an id, -1 for
    none), the finest ``stratum``; the cell's ``n`` priced messages, mean ``price`` and
    ``markup``; ``s2``, the variance of a message's cost within the cell, with its degrees of
    freedom ``df`` and ``source`` (an id of that variance estimate). A cell of one priced message
    has no variance of its own and borrows its channel's (then the whole sample's, then its
    squared mean with 1 df: wide rather than falsely narrow).
    """
    rows, depths = len(messages), len(strata)
    keys, _ = _keyed(messages, strata, [])
    est = {"depth": np.zeros(rows, dtype=np.int64), "coarse": np.zeros(rows, dtype=bool),
           "cell": np.full(rows, -1, dtype=np.int64), "source": np.zeros(rows, dtype=np.int64),
           "stratum": np.zeros(rows, dtype=np.int64),
           **{name: np.full(rows, np.nan) for name in ("n", "price", "markup", "s2", "df")}}  # fmt: skip
    todo = ~priced
    if not todo.any() or not priced.any() or not depths:
        return est
    ids = _cell_ids(keys)
    est["stratum"] = ids[-1]
    values = {"price": price, "markup": markup, "cost": price + markup}
    stride = rows + 1  # cell ids are below it: depth * stride + id names a cell of any depth
    sampled = int(priced.sum())
    overall_s2 = float(np.var(values["cost"][priced], ddof=1)) if sampled > 1 else np.nan
    channel = _cell_stats(ids[0], priced, values)
    for depth in range(depths, 0, -1):
        cell = ids[depth - 1]
        stats = _cell_stats(cell, priced, values)
        at = np.flatnonzero(todo & (stats["n"][cell] > 0))
        c = cell[at]
        s2, df, source = stats["s2"][c], stats["n"][c] - 1, depth * stride + c
        # No variance of its own: borrow the channel's, the whole sample's, or guess.
        ch = ids[0][at]
        own = ~np.isnan(s2)
        s2, df = np.where(own, s2, channel["s2"][ch]), np.where(own, df, channel["n"][ch] - 1)
        source = np.where(own, source, (depths + 1) * stride + ch)
        own = ~np.isnan(s2)
        s2, df = np.where(own, s2, overall_s2), np.where(own, df, sampled - 1)
        source = np.where(own, source, (depths + 2) * stride)
        own = ~np.isnan(s2)
        s2, df = np.where(own, s2, stats["cost"][c] ** 2), np.where(own, df, 1)
        source = np.where(own, source, -(depth * stride + c) - 1)
        found = {"depth": depth, "coarse": depth < depths, "cell": depth * stride + c, "n": stats["n"][c],
                 "price": stats["price"][c], "markup": stats["markup"][c], "s2": s2, "df": df, "source": source}
        for name, value in found.items():
            est[name][at] = value
        todo[at] = False
    return est


def costs(messages: pd.DataFrame, by: By = None, *, strata: Sequence[str] = PRICE_STRATA,
          confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Cost per group: channel cost, markup, total, per message and per delivered message.

    A message's cost is ``price + active_contact_price``, once per message. Where every message
    has its price (``lab.messages(details="all")``) the figures are exact (``method="exact"``).
    Otherwise the priced messages act as a stratified sample (``channel x region_code x
    template_category``): each unpriced message gets its stratum's mean price and markup, and
    ``total_low``/``total_high`` bound the total at ``confidence`` (``method="estimate"``;
    Student t with Satterthwaite's degrees of freedom, see docs/metrics.md). A stratum with no
    priced message borrows a coarser one's figures (channel x region, then channel);
    ``unpriced`` counts the messages nothing could price (left out of the totals and of both
    per-message figures).

    >>> c = sentlab.costs(lab.messages(details="sample"), by="channel")
    >>> c[["channel", "total", "total_low", "total_high", "cost_per_delivered", "method"]]
    """
    _z(confidence)  # checked before any work
    keys, names = _keyed(messages, by, ["status", "price", "active_contact_price"])
    price = messages["price"].astype("Float64").astype(float).to_numpy()
    markup = messages["active_contact_price"].astype("Float64").astype(float).to_numpy()
    priced = ~np.isnan(price)
    markup = np.where(priced & np.isnan(markup), 0.0, markup)  # a price without its markup: markup 0
    est = _estimate(messages, list(strata), price, markup, priced)
    estimated = est["depth"] > 0
    delivered = _statuses(messages).isin(("DELIVERED", "READ")).fillna(False).to_numpy(dtype=bool)
    values = pd.DataFrame(
        {
            "messages": 1,
            "delivered": delivered.astype("int64"),
            "priced": priced.astype("int64"),
            "estimated": estimated.astype("int64"),
            "unpriced": (~priced & ~estimated).astype("int64"),
            "channel_cost": np.where(priced, price, np.nan_to_num(est["price"])),
            "markup": np.where(priced, markup, np.nan_to_num(est["markup"])),
            "_delivered_counted": (delivered & (priced | estimated)).astype("int64"),
            "_known": np.where(priced, price + markup, 0.0),
        },
        index=messages.index,
    )
    out = _grouped_sum(values, keys, names)
    out["total"] = out["channel_cost"] + out["markup"]
    # Each row's group, numbered as the rows of ``out`` (the same grouping, sorted the same way).
    group = (keys.groupby(names, observed=True, dropna=False, sort=True).ngroup().to_numpy()
             if names else np.zeros(len(keys), dtype=np.int64))  # fmt: skip
    variance, df = _total_variance(group, len(out), est, estimated)
    half = _t(confidence, df) * np.sqrt(variance)
    known = np.minimum(out.pop("_known"), out["total"])  # the known prices are paid whatever the rest costs
    out["total_low"] = np.maximum(out["total"] - half, known)
    out["total_high"] = out["total"] + half
    counted = (out["messages"] - out["unpriced"]).where(lambda s: s > 0)
    out["cost_per_message"] = out["total"] / counted
    delivered_counted = out.pop("_delivered_counted")
    out["cost_per_delivered"] = out["total"] / delivered_counted.where(delivered_counted > 0)
    out["method"] = np.where(out["estimated"] > 0, "estimate", np.where(out["priced"] > 0, "exact", "none"))
    nothing = out["method"].eq("none")  # no price at all: unknown, not zero
    out.loc[nothing, ["channel_cost", "markup", "total", "total_low", "total_high", "cost_per_message",
                      "cost_per_delivered"]] = np.nan  # fmt: skip
    return out


def _first_per(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of ``key``: the index of each one's first row, its row count, and each row's slot."""
    _, first, slot, count = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return first, count, slot.reshape(-1)


def _total_variance(group: np.ndarray, groups: int, est: dict[str, np.ndarray],
                    estimated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Variance of each group's estimated total, and its Satterthwaite degrees of freedom.

    The M unpriced messages of a group priced by one cell's mean (of n priced messages, cost
    variance s2) carry two errors: the mean's own, shared by all M (M^2 s2 / n), and each
    message's spread around it (M s2). A stratum priced by a coarser cell carries a third: its
    own mean may differ from the cell's by about the cell's spread, an error shared by its m
    messages (m^2 s2). Cells are independent samples, so their variances add. Each variance is a
    sum of terms a * s2 whose s2 are estimates with few degrees of freedom: Satterthwaite's df of
    the sum picks the Student t quantile of the interval.
    """
    if not estimated.any():
        return np.zeros(groups), np.full(groups, np.nan)
    g = group[estimated]
    part = {name: value[estimated] for name, value in est.items()}
    cell = np.unique(part["cell"], return_inverse=True)[1].reshape(-1)
    stratum = np.unique(part["stratum"], return_inverse=True)[1].reshape(-1)
    terms = []  # (row standing for the term, its coefficient a)
    first, count, _ = _first_per(g * (cell.max() + 1) + cell)
    terms.append((first, count**2 / part["n"][first] + count))
    coarse = np.flatnonzero(part["coarse"])
    if len(coarse):
        first, count, _ = _first_per(g[coarse] * (stratum.max() + 1) + stratum[coarse])
        terms.append((coarse[first], count.astype(float) ** 2))
    row = np.concatenate([r for r, _ in terms])
    a = np.concatenate([c for _, c in terms])
    # Terms sharing one variance estimate are one term of the Satterthwaite sum.
    source = np.unique(part["source"][row], return_inverse=True)[1].reshape(-1)
    first, _, slot = _first_per(g[row] * (source.max() + 1) + source)
    v = np.bincount(slot, weights=a) * part["s2"][row[first]]
    owner = g[row[first]]
    variance = np.bincount(owner, weights=v, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = variance**2 / np.bincount(owner, weights=v**2 / part["df"][row[first]], minlength=groups)
    return variance, df


def _t(confidence: float, df: np.ndarray) -> np.ndarray:
    """Two-sided Student t critical values for ``df`` degrees of freedom; the normal's where df is unknown."""
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, _z(confidence))
    for nu in np.unique(df[np.isfinite(df) & (df > 0)]):
        out[df == nu] = _t_quantile(float(confidence), float(nu))
    return out


def _t_quantile(confidence: float, nu: float) -> float:
    """Upper ``(1 + confidence) / 2`` quantile of Student's t with ``nu`` (real) degrees of freedom.

    ``nu`` below 1 counts as 1, the widest that can be said.
    """
    from scipy.stats import (
        t,  # imported here: scipy takes a while to import, and only costs() needs it
    )

    return float(t.ppf(0.5 + confidence / 2, max(nu, 1.0)))


# -- latency ----------------------------------------------------------------------------------


def latency(messages: pd.DataFrame, by: By = None, *, percentiles: Sequence[float] = (50, 90, 99)) -> pd.DataFrame:
    """Seconds from QUEUED (else ``created_at``) to SENT, DELIVERED and READ, as percentiles.

    One row per group and ``stage`` (sent, delivered, read), with ``n`` (messages that reached
    the stage: 0, with NaN percentiles, where none did) and a ``p50``/``p90``/``p99`` column per
    percentile, in seconds.

    >>> sentlab.latency(lab.messages(), by="channel")
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
    parts = []
    for code, column in enumerate(LATENCY_STAGES.values()):
        seconds = (pd.to_datetime(messages[column], utc=True) - start).dt.total_seconds()
        reached = seconds.notna().to_numpy()
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


# -- the DataFrame accessor -------------------------------------------------------------------


@pd.api.extensions.register_dataframe_accessor("sent")
class SentAccessor:
    """The metrics as methods of a messages frame: ``messages.sent.delivery_rates(by="channel")``.

    Registered when sentlab's metrics are first used (``sentlab.connect()`` does it).

    >>> lab.messages().sent.delivery_rates(by=["channel", "day"])
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def delivery_rates(self, by: By = None, *, confidence: float = 0.95) -> pd.DataFrame:
        """``sentlab.delivery_rates`` of this frame."""
        return delivery_rates(self._frame, by, confidence=confidence)

    def costs(self, by: By = None, *, strata: Sequence[str] = PRICE_STRATA, confidence: float = 0.95) -> pd.DataFrame:
        """``sentlab.costs`` of this frame."""
        return costs(self._frame, by, strata=strata, confidence=confidence)

    def latency(self, by: By = None, *, percentiles: Sequence[float] = (50, 90, 99)) -> pd.DataFrame:
        """``sentlab.latency`` of this frame."""
        return latency(self._frame, by, percentiles=percentiles)

    def price_sample(self, per_stratum: int = 2, *, strata: Sequence[str] = PRICE_STRATA,
                     seed: int = 0) -> list[str]:  # fmt: skip
        """``sentlab.price_sample`` of this frame."""
        return price_sample(self._frame, per_stratum, strata=strata, seed=seed)
