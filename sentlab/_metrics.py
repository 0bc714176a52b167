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
    if not 0 < confidence < 1:
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
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(total > 0, low, np.nan), np.where(total > 0, high, np.nan)


# -- grouping ---------------------------------------------------------------------------------


def _by(by: By) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _bucket(created_at: pd.Series, unit: str) -> pd.Series:
    day = created_at.dt.floor("D")
    if unit == "day":
        return day
    if unit == "week":
        return day - pd.to_timedelta(day.dt.dayofweek, unit="D")
    return day - pd.to_timedelta(day.dt.day - 1, unit="D")  # month


def _keyed(frame: pd.DataFrame, by: By, needs: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    """The columns ``by`` names, time buckets derived from ``created_at``; a clear error otherwise."""
    names = _by(by)
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
    (fewer where priced messages already cover the stratum), reproducibly for a given ``seed``.
    Fetch their details (``lab.messages(ids, details="all")``) and ``costs()`` estimates the
    rest; ``lab.messages(details="sample")`` does both.

    >>> ids = sentlab.price_sample(lab.messages(), per_stratum=2)
    >>> priced = lab.messages(ids, details="all")
    """
    if per_stratum < 1:
        raise ConfigurationError(f"per_stratum must be at least 1, not {per_stratum!r}")
    keys, names = _keyed(messages, list(strata), ["id", "price"])
    priced = messages["price"].notna()
    rng = np.random.default_rng(seed)
    chosen: list[str] = []
    frame = pd.concat([keys, messages[["id"]], priced.rename("_priced")], axis=1)
    for _, group in frame.groupby(names, observed=True, dropna=False, sort=True):
        wanted = per_stratum - int(group["_priced"].sum())
        pool = np.sort(group.loc[~group["_priced"], "id"].dropna().to_numpy(dtype=object))
        if wanted > 0 and len(pool):
            chosen.extend(rng.choice(pool, size=min(wanted, len(pool)), replace=False).tolist())
    return chosen


def _cells(keys: pd.DataFrame, depth: int) -> np.ndarray:
    """One string per row naming its price cell: the first ``depth`` strata (nulls included)."""
    cols = [keys.iloc[:, i].astype("string").fillna("\x00").to_numpy(dtype=object) for i in range(depth)]
    out = cols[0]
    for col in cols[1:]:
        out = out + "\x1f" + col
    return out


def _estimate(messages: pd.DataFrame, strata: list[str], price: np.ndarray, markup: np.ndarray,
              priced: np.ndarray) -> pd.DataFrame:  # fmt: skip
    """For each unpriced message, the price cell that prices it: its stratum, else a coarser one.

    Returns, per row: ``cell`` (None where nothing prices it), the cell's ``n``, mean ``price``
    and ``markup``, and ``s2``, the variance of a message's cost within the cell. A cell of one
    priced message has no variance of its own and borrows its channel's (then the whole
    sample's, then its squared mean: wide rather than falsely narrow).
    """
    keys, _ = _keyed(messages, strata, [])
    cost = price + markup
    todo = ~priced
    rows = len(messages)
    est = pd.DataFrame({"cell": np.full(rows, None, dtype=object), "n": np.nan, "price": np.nan,
                        "markup": np.nan, "s2": np.nan})  # fmt: skip
    if not todo.any() or not priced.any():
        return est
    overall_var = float(np.var(cost[priced], ddof=1)) if priced.sum() > 1 else np.nan
    channel = _cells(keys, 1)
    channel_var = pd.Series(cost[priced]).groupby(channel[priced]).var()
    for depth in range(len(strata), 0, -1):
        if not todo.any():
            break
        cells = _cells(keys, depth)
        sample = pd.DataFrame({"cell": cells[priced], "cost": cost[priced], "price": price[priced],
                               "markup": markup[priced]})  # fmt: skip
        table = sample.groupby("cell").agg(n=("cost", "size"), price=("price", "mean"),
                                           markup=("markup", "mean"), s2=("cost", "var"))
        hit = table.reindex(cells[todo])
        found = hit["n"].notna().to_numpy()
        at = np.flatnonzero(todo)[found]
        s2 = hit["s2"].to_numpy()[found]
        borrowed = channel_var.reindex(channel[at]).to_numpy()
        s2 = np.where(np.isnan(s2), borrowed, s2)
        s2 = np.where(np.isnan(s2), overall_var, s2)
        s2 = np.where(np.isnan(s2), hit["price"].to_numpy()[found] ** 2, s2)
        est.loc[at, "cell"] = [f"{depth}:{c}" for c in cells[at]]
        est.loc[at, "n"] = hit["n"].to_numpy()[found]
        est.loc[at, "price"] = hit["price"].to_numpy()[found]
        est.loc[at, "markup"] = hit["markup"].to_numpy()[found]
        est.loc[at, "s2"] = s2
        todo[at] = False
    return est


def costs(messages: pd.DataFrame, by: By = None, *, strata: Sequence[str] = PRICE_STRATA,
          confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Cost per group: channel cost, markup, total, per message and per delivered message.

    A message's cost is ``price + active_contact_price``, once per message. Where every message
    has its price (``lab.messages(details="all")``) the figures are exact (``method="exact"``).
    Otherwise the priced messages act as a stratified sample (``channel x region_code x
    template_category``): each unpriced message gets its stratum's mean price and markup, and
    ``total_low``/``total_high`` bound the total at ``confidence`` (``method="estimate"``). A
    stratum with no priced message borrows a coarser one's figures (channel x region, then
    channel); ``unpriced`` counts the messages nothing could price (left out of the totals).

    >>> c = sentlab.costs(lab.messages(details="sample"), by="channel")
    >>> c[["channel", "total", "total_low", "total_high", "cost_per_delivered", "method"]]
    """
    z = _z(confidence)
    keys, names = _keyed(messages, by, ["status", "price", "active_contact_price"])
    price = messages["price"].astype("Float64").astype(float).to_numpy()
    markup = messages["active_contact_price"].astype("Float64").astype(float).to_numpy()
    priced = ~np.isnan(price)
    markup = np.where(priced & np.isnan(markup), 0.0, markup)  # a price without its markup: markup 0
    est = _estimate(messages, list(strata), price, markup, priced)
    estimated = est["cell"].notna().to_numpy()
    status = _statuses(messages)
    values = pd.DataFrame(
        {
            "messages": 1,
            "delivered": status.isin(("DELIVERED", "READ")).fillna(False).astype("int64").to_numpy(),
            "priced": priced.astype("int64"),
            "estimated": estimated.astype("int64"),
            "unpriced": (~priced & ~estimated).astype("int64"),
            "channel_cost": np.where(priced, price, np.nan_to_num(est["price"].to_numpy())),
            "markup": np.where(priced, markup, np.nan_to_num(est["markup"].to_numpy())),
        },
        index=messages.index,
    )
    out = _grouped_sum(values, keys, names)
    out["total"] = out["channel_cost"] + out["markup"]
    half = z * np.sqrt(_total_variance(keys, names, out, est, estimated))
    out["total_low"] = np.maximum(out["total"] - half, 0.0)
    out["total_high"] = out["total"] + half
    counted = (out["messages"] - out["unpriced"]).where(lambda s: s > 0)
    out["cost_per_message"] = out["total"] / counted
    out["cost_per_delivered"] = out["total"] / out["delivered"].where(out["delivered"] > 0)
    out["method"] = np.where(out["estimated"] > 0, "estimate", np.where(out["priced"] > 0, "exact", "none"))
    nothing = out["method"].eq("none")  # no price at all: unknown, not zero
    out.loc[nothing, ["channel_cost", "markup", "total", "total_low", "total_high", "cost_per_message",
                      "cost_per_delivered"]] = np.nan  # fmt: skip
    return out


def _total_variance(keys: pd.DataFrame, names: list[str], out: pd.DataFrame, est: pd.DataFrame,
                    estimated: np.ndarray) -> np.ndarray:  # fmt: skip
    """Variance of each group's estimated total: the sum over cells of s^2 m (m / n + 1).

    The m unpriced messages of a group priced by one cell's mean carry two errors: the mean's
    own, shared by all m (m^2 s^2 / n), and each message's spread around it (m s^2). Cells are
    independent samples, so their variances add.
    """
    if not estimated.any():
        return np.zeros(len(out))
    frame = keys.loc[estimated].reset_index(drop=True)
    part = est.loc[estimated].reset_index(drop=True)
    frame["_cell"] = part["cell"]
    frame["_n"] = part["n"]
    frame["_s2"] = part["s2"]
    per = frame.groupby([*names, "_cell"], observed=True, dropna=False, sort=False).agg(
        m=("_n", "size"), n=("_n", "first"), s2=("_s2", "first"))
    per["var"] = per["s2"] * per["m"] * (per["m"] / per["n"] + 1)
    if not names:
        return np.array([per["var"].sum()])
    var = per.groupby(level=list(range(len(names))), observed=True, dropna=False)["var"].sum()
    index = pd.MultiIndex.from_frame(out[names]) if len(names) > 1 else pd.Index(out[names[0]])
    return var.reindex(index).fillna(0.0).to_numpy()


# -- latency ----------------------------------------------------------------------------------


def latency(messages: pd.DataFrame, by: By = None, *, percentiles: Sequence[float] = (50, 90, 99)) -> pd.DataFrame:
    """Seconds from QUEUED (else ``created_at``) to SENT, DELIVERED and READ, as percentiles.

    One row per group and ``stage`` (sent, delivered, read), with ``n`` (messages that reached
    the stage) and a ``p50``/``p90``/``p99`` column per percentile, in seconds.

    >>> sentlab.latency(lab.messages(), by="channel")
    """
    qs = [float(p) for p in percentiles]
    if not qs or any(not 0 <= p <= 100 for p in qs):
        raise ConfigurationError(f"percentiles must be numbers in [0, 100], e.g. (50, 90, 99), not {percentiles!r}")
    keys, names = _keyed(messages, by, ["created_at", *LATENCY_STAGES.values()])
    start = pd.to_datetime(messages["queued_at"], utc=True) if "queued_at" in messages else None
    created = pd.to_datetime(messages["created_at"], utc=True)
    start = created if start is None else start.fillna(created)
    parts = []
    for stage, column in LATENCY_STAGES.items():
        seconds = (pd.to_datetime(messages[column], utc=True) - start).dt.total_seconds()
        part = keys.assign(stage=stage, seconds=seconds)
        parts.append(part[seconds.notna().to_numpy()])
    long = pd.concat(parts, ignore_index=True)
    long["stage"] = pd.Categorical(long["stage"], categories=list(LATENCY_STAGES), ordered=True)
    columns = {f"p{p:g}": p / 100 for p in qs}
    grouped = long.groupby([*names, "stage"], observed=False, dropna=False, sort=True)["seconds"]
    out = grouped.size().rename("n").to_frame()
    for label, q in columns.items():
        out[label] = grouped.quantile(q)
    out = out.reset_index()
    if names:  # observed=False crosses every stage with every key combination: keep the real groups
        real = keys.drop_duplicates()
        out = out.merge(real, on=names, how="inner")
    return out.astype({"n": "int64"})


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

    def price_sample(self, per_stratum: int = 2, *, seed: int = 0) -> list[str]:
        """``sentlab.price_sample`` of this frame."""
        return price_sample(self._frame, per_stratum, seed=seed)
