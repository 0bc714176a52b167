"""Cost per group: exact where every message is priced, else a stratified estimate with a Student t interval.

A message's cost is ``price + active_contact_price``, once per message; never-billed and
not-yet-billed messages are set apart; voice calls add their own rows (``calls=``). The
estimator and its variance are described in docs/metrics.md. Pure functions, no I/O.

>>> c = sentlab.costs(lab.messages(), by="channel")
>>> list(c.columns[:4])
['channel', 'messages', 'inbound', 'delivered']
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from sentlab._errors import ConfigurationError
from sentlab._metric_core import (
    COST_COLUMNS,
    PRICE_STRATA,
    TIME_BUCKETS,
    ArrayLike,
    By,
    _bucket,
    _by,
    _grouped_sum,
    _keyed,
    _once_per_message,
    _outcomes,
    _Values,
    _z,
)
from sentlab._special import betainc

# -- cost -------------------------------------------------------------------------------------


def _billing(messages: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each row's billing state: never billed, not billed yet (no price), or billable (with or without one)."""
    classes = _outcomes(messages)
    has_price = messages["price"].notna().to_numpy(dtype=bool)
    never = classes["never_billed"]
    waiting = classes["not_yet_billed"] & ~has_price
    billable = ~never & ~classes["not_yet_billed"]  # PROCESSED on, and unknown statuses
    return {"inbound": classes["inbound"], "delivered": classes["delivered"], "never_billed": never,
            "not_yet_billed": waiting, "has_price": has_price, "sample": has_price & billable,
            "todo": ~has_price & billable}  # fmt: skip


def price_sample(messages: pd.DataFrame, per_stratum: int = 2, *, strata: Sequence[str] = PRICE_STRATA,
                 seed: int = 0) -> list[str]:  # fmt: skip
    """Ids of a stratified random sample of unpriced messages, whose details give a price table.

    Takes up to ``per_stratum`` billable messages of each ``channel x region_code x
    template_category`` (fewer where priced messages already cover the stratum), reproducibly for
    a given ``seed`` whatever the order of the rows. Messages that are never billed (BLOCKED,
    FILTERED, CANCELLED, inbound) or not billed yet (QUEUED, ACCEPTED, SCHEDULED) are never drawn:
    their details hold no price to learn. Fetch the details (``lab.messages(ids, details="all")``)
    and ``costs()`` estimates the rest; ``lab.messages(details="sample")`` does both.

    >>> ids = sentlab.price_sample(lab.messages(), per_stratum=2)
    >>> priced = lab.messages(ids, details="all")
    """
    if isinstance(per_stratum, bool) or not isinstance(per_stratum, Integral) or per_stratum < 1:
        raise ConfigurationError(f"per_stratum must be a whole number of at least 1, not {per_stratum!r}")
    # Drawing ids counts nothing: a message present twice is simply drawn at most once.
    keys, names = _keyed(messages, list(strata), ["id", "status", "price"], once=False)
    stratum = _cell_ids(keys)[-1] if names else np.zeros(len(keys), dtype=np.int64)
    billing = _billing(messages)
    ids = messages["id"].astype(object).to_numpy()
    known = pd.DataFrame({"stratum": stratum, "id": ids})[billing["sample"]].drop_duplicates()
    covered = np.bincount(known["stratum"].to_numpy(dtype=np.int64), minlength=stratum.max(initial=-1) + 1)
    pool = pd.DataFrame({"stratum": stratum, "id": ids})[billing["todo"] & pd.notna(ids)].drop_duplicates()
    pool = pool[~pool["id"].isin(known["id"])]  # priced in another row of the same message
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


def _cell_stats(cell: np.ndarray, sample: np.ndarray, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per cell: ``n`` sampled messages, the mean of each of ``values``, and of ``cost`` its ``ss`` and variance."""
    at = cell[sample]
    size = cell.max(initial=-1) + 1
    n = np.bincount(at, minlength=size).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = {name: np.bincount(at, weights=v[sample], minlength=size) / n for name, v in values.items()}
        spread = (values["cost"][sample] - stats["cost"][at]) ** 2
        stats["ss"] = np.bincount(at, weights=spread, minlength=size)
        stats["s2"] = np.where(n > 1, stats["ss"] / (n - 1), np.nan)
    stats["n"] = n
    return stats


def _pooled(group: np.ndarray, ss: np.ndarray, df: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: ``sum(ss) / sum(df)`` (NaN where the group has no degree of freedom) and ``sum(df)``."""
    size = group.max(initial=-1) + 1
    total_df = np.bincount(group, weights=df, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total_df > 0, np.bincount(group, weights=ss, minlength=size) / total_df, np.nan), total_df


def _stratum_variance(keys: pd.DataFrame, ids: list[np.ndarray],
                      finest: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Per stratum: the variance of one message's cost, its degrees of freedom, and an id of its estimate.

    With two sampled messages a stratum's own variance rests on one degree of freedom and is 0
    whenever both cost the same, which prices taking few values (SMS segments, RCS basic or rich)
    make common: a falsely narrow interval. So a stratum's variance is pooled, the larger of

    - the *relative* spread of the strata that differ from it only by region (e.g. its channel x
      category), pooled as ``sum(ss / mean^2) / sum(n - 1)`` and scaled by its mean squared: the
      content (segments, rich or basic) sets how much prices spread, the destination their level;
    - the *absolute* spread of the strata of its coarser cell (e.g. its channel x region),
      pooled as ``sum(ss) / sum(n - 1)``.

    Each sums squared deviations from each stratum's own mean, over strata with two or more
    sampled messages; NaN where none has. Source ids number the relative pools from 0, the
    coarse ones after them.
    """
    count, mean, ss = finest["n"], finest["cost"], finest["ss"]
    strata = len(count)
    names = list(keys.columns)

    def per_stratum(row_group: np.ndarray) -> np.ndarray:
        out = np.zeros(strata, dtype=np.int64)
        out[ids[-1]] = row_group  # a function of the stratum: every row of one stratum agrees
        return out

    spread = count > 1
    df = np.where(spread, count - 1, 0.0)
    alike = [k for k in names if k != "region_code"]
    relative_group = per_stratum(_cell_ids(keys[alike])[-1] if "region_code" in names and alike else ids[0])
    scaled = spread & (mean > 0)
    relative = np.where(scaled, ss / np.where(scaled, mean, 1.0) ** 2, 0.0)
    cv2, cv2_df = _pooled(relative_group, relative, np.where(scaled, df, 0.0))
    s2_relative, df_relative = cv2[relative_group] * mean**2, cv2_df[relative_group]
    coarse_group = per_stratum(ids[-2])
    s2_coarse, df_coarse = _pooled(coarse_group, np.where(spread, ss, 0.0), df)
    s2_coarse, df_coarse = s2_coarse[coarse_group], df_coarse[coarse_group]
    coarse = np.nan_to_num(s2_coarse, nan=-1.0) > np.nan_to_num(s2_relative, nan=-1.0)
    return (np.where(coarse, s2_coarse, s2_relative), np.where(coarse, df_coarse, df_relative),
            np.where(coarse, strata + coarse_group, relative_group))  # fmt: skip


def _estimate(messages: pd.DataFrame, strata: list[str], price: np.ndarray, markup: np.ndarray,
              sample: np.ndarray, todo: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """For each row to estimate (``todo``), the price cell that prices it: its stratum, else a coarser one.

    ``sample`` marks the priced billable rows, the sample the cells' figures come from. Returns
    arrays, one value per row: ``depth`` of the cell (0 where nothing prices it, and for rows not
    estimated), whether it is ``coarse`` (coarser than the stratum), ``cell`` (an id, -1 for
    none), the finest ``stratum``; the cell's ``n`` sampled messages, mean ``price`` and
    ``markup``; ``s2``, the variance of a message's cost within the cell, with its degrees of
    freedom ``df`` and ``source`` (an id of that variance estimate).

    A stratum's variance is pooled across similar strata (``_stratum_variance``); a coarser cell
    keeps its own, which includes the spread between the strata it joins. Where neither exists
    the channel's variance is borrowed, then the whole sample's, then the cell's squared mean with
    1 df: wide rather than falsely narrow.
    """
    rows, depths = len(messages), len(strata)
    keys, _ = _keyed(messages, strata, [], once=False)
    est = {"depth": np.zeros(rows, dtype=np.int64), "coarse": np.zeros(rows, dtype=bool),
           "cell": np.full(rows, -1, dtype=np.int64), "source": np.zeros(rows, dtype=np.int64),
           "stratum": np.zeros(rows, dtype=np.int64),
           **{name: np.full(rows, np.nan) for name in ("n", "price", "markup", "s2", "df")}}  # fmt: skip
    todo = todo.copy()
    if not todo.any() or not sample.any() or not depths:
        return est
    ids = _cell_ids(keys)
    est["stratum"] = ids[-1]
    values = {"price": price, "markup": markup, "cost": price + markup}
    stride = 2 * (rows + 1)  # cell and pool ids are below it: k * stride + id names one of any kind k
    sampled = int(sample.sum())
    overall_s2 = float(np.var(values["cost"][sample], ddof=1)) if sampled > 1 else np.nan
    channel = _cell_stats(ids[0], sample, values)
    finest = _cell_stats(ids[-1], sample, values)
    if depths > 1:
        pooled_s2, pooled_df, pooled_source = _stratum_variance(keys, ids, finest)
    for depth in range(depths, 0, -1):
        cell = ids[depth - 1]
        stats = finest if depth == depths else _cell_stats(cell, sample, values)
        at = np.flatnonzero(todo & (stats["n"][cell] > 0))
        c, ch = cell[at], ids[0][at]
        if depth == depths and depths > 1:
            s2, df, source = pooled_s2[c], pooled_df[c], (depths + 3) * stride + pooled_source[c]
        else:
            s2, df, source = stats["s2"][c], stats["n"][c] - 1, depth * stride + c
        # No variance of its own: borrow the channel's, the whole sample's, or guess.
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


def costs(messages: pd.DataFrame | None = None, by: By = None, *, calls: pd.DataFrame | None = None,
          strata: Sequence[str] = PRICE_STRATA, confidence: float = 0.95) -> pd.DataFrame:  # fmt: skip
    """Cost per group: channel cost, markup, total, per message and per delivered message; calls too.

    A message's cost is ``price + active_contact_price``, once per message. BLOCKED, FILTERED,
    CANCELLED and inbound messages are never billed: they cost 0 (``never_billed``), price or
    not. QUEUED, ACCEPTED and SCHEDULED messages without a price are not billed yet
    (``not_yet_billed``): left out of the money, as ``unpriced``. Other messages without a price
    are estimated: the priced billable ones act as a stratified sample (``channel x region_code x
    template_category``), each unpriced message gets its stratum's mean price and markup, and
    ``total_low``/``total_high`` bound the total at ``confidence`` (Student t with
    Satterthwaite's degrees of freedom, see docs/metrics.md). A stratum with no priced message
    borrows a coarser one's figures (channel x region, then channel); a message nothing can price
    is ``unpriced``. ``method`` is ``"exact"`` (every message priced), ``"estimate"`` (some
    estimated, none left out), ``"partial"`` (``unpriced`` messages, ``unpriced_share`` of the
    group, are left out of every money figure) or ``"none"`` (no message that can be billed has a
    price or an estimate: every money figure is NaN, unknown rather than 0).

    ``calls=`` (``lab.calls()``), or a calls frame in place of the messages, adds voice: each call
    is a row of channel ``"voice"`` (its ``region_code``, ``profile_id``, and ``started_at`` for
    the time buckets) costing its ``price`` (no markup). A call with a price is priced; one that
    never connected (FAILED, NO_ANSWER, REJECTED, never answered) is never billed (0); a live one
    (INITIATED, RINGING, ANSWERED) without a price is not billed yet; any other call without a
    price is ``unpriced`` (never estimated). ``method`` reads the same over messages and calls
    together. Five columns are added: ``calls``, ``minutes`` (billable minutes of the priced
    calls), ``call_cost``, ``cost_per_call`` and ``cost_per_minute``; ``cost_per_message`` and
    ``cost_per_delivered`` stay the messages' own.

    >>> c = sentlab.costs(lab.messages(details="sample"), by="channel")
    >>> c[["channel", "total", "total_low", "total_high", "unpriced_share", "method"]]
        channel    total  total_low  total_high  unpriced_share method
    0       mms   0.2200     0.2200      0.2200             0.0  exact
    1       rcs   1.5330     1.5330      1.5330             0.0  exact
    2       sms  29.0902    29.0902     29.0902             0.0  exact
    3  whatsapp   4.3713     4.3713      4.3713             0.0  exact
    >>> sentlab.costs(lab.messages(), calls=lab.calls(), by="channel")[["channel", "messages", "calls"]]
        channel  messages  calls
    0       mms        12      0
    1       rcs        72      0
    2       sms       366      0
    3  whatsapp       183      0
    4     voice         0     60
    """
    _z(confidence)  # checked before any work
    if calls is None and messages is not None and _is_calls(messages):
        messages, calls = None, messages  # a calls frame alone
    if messages is None and calls is None:
        raise ConfigurationError("costs() needs a messages frame (lab.messages()), a calls frame (calls=lab.calls()), "
                                 "or both")  # fmt: skip
    if calls is not None and not _is_calls(calls):
        raise ConfigurationError("calls= takes a calls frame (lab.calls(): started_at, status, duration_seconds, "
                                 f"price); this one has {list(calls.columns)[:12]}...")  # fmt: skip
    names = _by(by)
    parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    est: dict[str, np.ndarray] | None = None
    if messages is not None:
        keys, _ = _keyed(messages, by, ["status", "price", "active_contact_price"], fallback=_call_only_columns(calls))
        values, est = _message_cost_values(messages, strata)
        parts.append((keys, values))
    if calls is not None:
        parts.append(_call_cost_rows(calls, names, messages))
    keys = _stack([k for k, _ in parts])
    values = pd.concat([v for _, v in parts], ignore_index=True).fillna(0)
    if calls is None:
        values = values.astype({c: "int64" for c in values.columns if c in _COUNT_COLUMNS})
    else:
        values = values.astype({c: "int64" for c in values.columns if c in _COUNT_COLUMNS or c == "calls"})
    if est is None:
        est = {name: np.zeros(0, dtype=float) for name in ("depth", "cell", "stratum", "source", "n", "price",
                                                            "markup", "s2", "df")}  # fmt: skip
        est["coarse"] = np.zeros(0, dtype=bool)
    return _cost_frame(keys, values, names, est, confidence, voice=calls is not None)


_COUNT_COLUMNS = frozenset({"messages", "inbound", "delivered", "priced", "never_billed", "estimated", "unpriced",
                            "not_yet_billed", "_outbound_counted", "_billed_counted", "_delivered_counted",
                            "_calls_counted"})  # fmt: skip


def _message_cost_values(messages: pd.DataFrame, strata: Sequence[str]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Each message's part of every cost sum, and the estimate of the unpriced ones."""
    bill = _billing(messages)
    price = messages["price"].astype("Float64").astype(float).to_numpy()
    markup = messages["active_contact_price"].astype("Float64").astype(float).to_numpy()
    priced = bill["has_price"] | bill["never_billed"]
    price = np.where(bill["never_billed"] & np.isnan(price), 0.0, price)  # never billed: 0, price or not
    markup = np.where(priced & np.isnan(markup), 0.0, markup)  # a price without its markup: markup 0
    est = _estimate(messages, list(strata), price, markup, bill["sample"], bill["todo"])
    estimated = est["depth"] > 0
    counted = priced | estimated
    delivered = bill["delivered"]
    values = pd.DataFrame(
        {
            "messages": np.ones(len(messages), dtype="int64"),
            "inbound": bill["inbound"].astype("int64"),
            "delivered": delivered.astype("int64"),
            "priced": priced.astype("int64"),
            "never_billed": bill["never_billed"].astype("int64"),
            "estimated": estimated.astype("int64"),
            "unpriced": (~counted).astype("int64"),
            "not_yet_billed": bill["not_yet_billed"].astype("int64"),
            "channel_cost": np.where(priced, price, np.nan_to_num(est["price"])),
            "markup": np.where(priced, markup, np.nan_to_num(est["markup"])),
            "_outbound_counted": (counted & ~bill["inbound"]).astype("int64"),
            "_billed_counted": ((priced & ~bill["never_billed"]) | estimated).astype("int64"),
            "_delivered_counted": (delivered & counted).astype("int64"),
            "_known": np.where(priced, price + markup, 0.0),
        }
    )
    return values, est


#: Call statuses (the SDK's, upper-cased): live ones are not billed yet; these end without connecting.
CALL_LIVE = ("INITIATED", "RINGING", "ANSWERED")
CALL_NOT_CONNECTED = ("FAILED", "NO_ANSWER", "REJECTED")
CALL_FINAL = ("COMPLETED", *CALL_NOT_CONNECTED)
#: Columns ``costs(..., calls=)`` adds, before ``method``.
CALL_COST_COLUMNS = ("calls", "minutes", "call_cost", "cost_per_call", "cost_per_minute")
_CALL_COLUMNS = ("started_at", "status", "duration_seconds", "price")


def _is_calls(frame: pd.DataFrame) -> bool:
    return all(c in frame.columns for c in _CALL_COLUMNS) and "created_at" not in frame.columns


def _call_only_columns(calls: pd.DataFrame | None) -> frozenset[str]:
    return frozenset() if calls is None else frozenset(calls.columns)


def _call_billing(calls: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each call's billing state and billable figures (``sentlab.costs`` with ``calls=``, ``call_stats``)."""
    status = _Values(calls["status"])
    price = calls["price"].astype("Float64").astype(float).to_numpy()
    seconds = calls["duration_seconds"].astype("Float64").astype(float).to_numpy()
    has_price = ~np.isnan(price)
    answered = (calls["answered_at"].notna().to_numpy(dtype=bool) if "answered_at" in calls.columns
                else np.zeros(len(calls), dtype=bool))  # fmt: skip
    never = status.isin(CALL_NOT_CONNECTED) & ~answered & ~(np.nan_to_num(seconds) > 0)
    waiting = status.isin(CALL_LIVE) & ~has_price
    priced = has_price | never
    price = np.where(never & ~has_price, 0.0, price)
    return {"status": status, "priced": priced, "never_billed": never, "not_yet_billed": waiting,
            "price": price, "seconds": seconds, "answered": answered}  # fmt: skip


def _call_keys(calls: pd.DataFrame, names: list[str], messages: pd.DataFrame | None) -> pd.DataFrame:
    """The group keys of each call: channel "voice", buckets of ``started_at``, a column the calls
    lack (but the messages have) null."""
    _once_per_message(calls)
    started = pd.to_datetime(calls["started_at"], utc=True)
    keys: dict[str, object] = {}
    for name in names:
        if name in TIME_BUCKETS:
            keys[name] = _bucket(started, name).to_numpy()
        elif name == "channel":
            keys[name] = pd.Categorical(["voice"] * len(calls))
        elif name in calls.columns:
            keys[name] = calls[name].array
        elif messages is not None and name in messages.columns:
            keys[name] = pd.array([None] * len(calls), dtype=messages[name].dtype)
        else:
            raise ConfigurationError(
                f"cannot group by {name!r}: it is not a column of the frames nor one of {TIME_BUCKETS}; "
                "try channel, region_code, profile_id, direction or day"
            )
    return pd.DataFrame(keys, index=pd.RangeIndex(len(calls)))


def _call_cost_rows(calls: pd.DataFrame, names: list[str],
                    messages: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    keys = _call_keys(calls, names, messages)
    bill = _call_billing(calls)
    priced = bill["priced"]
    price = np.where(priced, bill["price"], 0.0)
    minutes = np.where(priced, np.nan_to_num(bill["seconds"]) / 60, 0.0)
    zeros = np.zeros(len(calls), dtype="int64")
    values = pd.DataFrame({
        "messages": zeros, "inbound": zeros, "delivered": zeros,
        "priced": priced.astype("int64"), "never_billed": bill["never_billed"].astype("int64"), "estimated": zeros,
        "unpriced": (~priced).astype("int64"), "not_yet_billed": bill["not_yet_billed"].astype("int64"),
        "channel_cost": price, "markup": np.zeros(len(calls)), "_outbound_counted": zeros,
        "_billed_counted": (priced & ~bill["never_billed"]).astype("int64"), "_delivered_counted": zeros,
        "_known": price, "calls": np.ones(len(calls), dtype="int64"), "minutes": minutes, "call_cost": price,
        "_calls_counted": priced.astype("int64"),
    })  # fmt: skip
    return keys, values


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Key frames one under the other; a categorical key stays categorical (its categories joined)."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    columns = {}
    for name in frames[0].columns:
        parts = [f[name] for f in frames]
        if any(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            cats = [pd.Categorical(p) for p in parts]
            order = list(dict.fromkeys(v for c in cats for v in c.categories.tolist()))
            joined = np.concatenate([np.asarray(c, dtype=object) for c in cats])
            columns[name] = pd.Series(pd.Categorical(joined, categories=order))
        else:
            columns[name] = pd.concat([p.reset_index(drop=True) for p in parts], ignore_index=True)
    return pd.DataFrame(columns, index=pd.RangeIndex(sum(len(f) for f in frames)))


def _cost_frame(keys: pd.DataFrame, values: pd.DataFrame, names: list[str], est: dict[str, np.ndarray],
                confidence: float, *, voice: bool) -> pd.DataFrame:  # fmt: skip
    """The cost figures of each group from every row's part (messages first, as ``est`` numbers them)."""
    out = _grouped_sum(values, keys, names)
    items = out["messages"] + (out["calls"] if voice else 0)
    out.insert(out.columns.get_loc("channel_cost"), "unpriced_share",
               out["unpriced"] / items.where(items > 0))  # fmt: skip
    out["total"] = out["channel_cost"] + out["markup"]
    # Each row's group, numbered as the rows of ``out`` (the same grouping, sorted the same way).
    group = (keys.groupby(names, observed=True, dropna=False, sort=True).ngroup().to_numpy()
             if names else np.zeros(len(keys), dtype=np.int64))  # fmt: skip
    estimated = est["depth"] > 0
    variance, df = _total_variance(group[: len(estimated)], len(out), est, estimated)
    half = _t(confidence, df) * np.sqrt(variance)
    known = np.minimum(out.pop("_known"), out["total"])  # the known prices are paid whatever the rest costs
    out["total_low"] = np.maximum(out["total"] - half, known)
    out["total_high"] = out["total"] + half
    message_total = out["total"] - (out["call_cost"] if voice else 0)
    outbound_counted = out.pop("_outbound_counted")
    out["cost_per_message"] = message_total / outbound_counted.where(outbound_counted > 0)
    delivered_counted = out.pop("_delivered_counted")
    out["cost_per_delivered"] = message_total / delivered_counted.where(delivered_counted > 0)
    # A money figure needs a price or an estimate for some message that can be billed; a group of
    # never-billed messages only costs exactly 0.
    billed_counted = out.pop("_billed_counted")
    some = (billed_counted > 0) | ((items > 0) & (out["never_billed"] == items))
    out["method"] = np.where(~some, "none", np.where(out["unpriced"] > 0, "partial",
                                                     np.where(out["estimated"] > 0, "estimate", "exact")))
    money = ["channel_cost", "markup", "total", "total_low", "total_high", "cost_per_message", "cost_per_delivered"]
    if voice:
        calls_counted = out.pop("_calls_counted")
        out["cost_per_call"] = out["call_cost"] / calls_counted.where(calls_counted > 0)
        out["cost_per_minute"] = out["call_cost"] / out["minutes"].where(out["minutes"] > 0)
        money += ["call_cost", "cost_per_call", "cost_per_minute"]
        out = out[[*names, *COST_COLUMNS[:1], *CALL_COST_COLUMNS[:2], *COST_COLUMNS[1:11], CALL_COST_COLUMNS[2],
                   *COST_COLUMNS[11:-1], *CALL_COST_COLUMNS[3:], COST_COLUMNS[-1]]]  # fmt: skip
    # No money figure at all: unknown, not zero.
    if not some.all():
        out.loc[~some, money] = np.nan
    return out


def _first_per(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct values of ``key``: the index of each one's first row, its row count, and each row's slot."""
    _, first, slot, count = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return first, count, slot.reshape(-1)


def _total_variance(group: np.ndarray, groups: int, est: dict[str, np.ndarray],
                    estimated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Variance of each group's estimated total, and its Satterthwaite degrees of freedom.

    The M unpriced messages of a group priced by one cell's mean (of n sampled messages, cost
    variance s2) carry two errors: the mean's own, shared by all M (M^2 s2 / n), and each
    message's spread around it (M s2). A stratum priced by a coarser cell carries a third: its
    own mean may differ from the cell's by about the cell's spread, an error shared by its m
    messages (m^2 s2). Cells are independent samples, so their variances add. Each variance term
    rests on a variance estimate with few degrees of freedom; terms resting on the same estimate
    are summed into one, and Satterthwaite's df of the sum picks the Student t quantile.
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
    # Terms resting on one variance estimate are one term of the Satterthwaite sum.
    source = np.unique(part["source"][row], return_inverse=True)[1].reshape(-1)
    first, _, slot = _first_per(g[row] * (source.max() + 1) + source)
    v = np.bincount(slot, weights=a * part["s2"][row])
    owner = g[row[first]]
    variance = np.bincount(owner, weights=v, minlength=groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        df = variance**2 / np.bincount(owner, weights=v**2 / part["df"][row[first]], minlength=groups)
    return variance, df


def _t(confidence: float, df: np.ndarray) -> np.ndarray:
    """Two-sided Student t critical values for ``df`` degrees of freedom; the normal's where df is unknown."""
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, _z(confidence))
    known = np.isfinite(df) & (df > 0)
    if known.any():
        out[known] = _t_quantile(float(confidence), df[known])
    return out


def _t_quantile(confidence: float, nu: ArrayLike) -> Any:
    """Upper ``(1 + confidence) / 2`` quantile of Student's t with ``nu`` (real) degrees of freedom.

    ``nu`` below 1 counts as 1, the widest that can be said. Computed here rather than with
    scipy (seconds to import), to about 1e-9 relative: P(|T| > t) = I_x(nu/2, 1/2) with
    x = nu / (nu + t^2), solved for x by bisection; from 50 degrees of freedom on, the
    Cornish-Fisher expansion of t around the normal quantile (four terms).

    >>> round(float(_t_quantile(0.95, 10.0)), 6)
    2.228139
    """
    from math import lgamma

    scalar = np.ndim(nu) == 0
    nu = np.maximum(np.atleast_1d(np.asarray(nu, dtype=float)), 1.0)
    z = _z(confidence)
    z2 = z * z
    with np.errstate(divide="ignore", over="ignore"):
        out = z + z * (z2 + 1) / (4 * nu) + z * ((5 * z2 + 16) * z2 + 3) / (96 * nu**2) + \
            z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / (384 * nu**3) + \
            z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / (92160 * nu**4)  # fmt: skip
    small = nu < 50
    if small.any():
        a = nu[small] / 2
        lbeta = np.array([lgamma(v) + lgamma(0.5) - lgamma(v + 0.5) for v in a])  # B(a, 1/2), the same swapped
        low, high = np.zeros_like(a), np.ones_like(a)
        for _ in range(48):  # I_x grows with x: halve the bracket of the x where it is 1 - confidence
            mid = (low + high) / 2
            below = betainc(a, 0.5, mid, lbeta) < 1.0 - confidence
            low, high = np.where(below, mid, low), np.where(below, high, mid)
        x = (low + high) / 2
        out[small] = np.sqrt(nu[small] * (1 - x) / x)
    return float(out[0]) if scalar else out



_NO_ESTIMATE: dict[str, np.ndarray] = {
    **{name: np.zeros(0, dtype=np.int64) for name in ("depth", "cell", "stratum", "source")},
    **{name: np.zeros(0) for name in ("n", "price", "markup", "s2", "df")}, "coarse": np.zeros(0, dtype=bool)}
