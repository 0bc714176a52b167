"""Records -> typed DataFrames, column by column, following the declared schemas.

``build_frame(name, records)`` is the one builder: it pulls each column out of the records
with one list comprehension, flattens the nested payloads (webhook ``event_data``,
``message_body``, message ``events``: ``sentlab._record_columns``), and converts each column to
its declared dtype with a vectorised pandas call (``sentlab._converters``). No per-row model
objects: that is what keeps it within a small factor of ``pd.DataFrame.from_records``. Webhook
events and message details, the frames with nested payloads, are read by Arrow instead whenever
they fit its layout (``sentlab._arrow_paths``).

``messages_from_events`` builds the messages frame from webhook events alone (DESIGN.md's
cheapest path) and ``merge_message_details`` fills in what only the per-message details give.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from sentlab._arrow_paths import FAST_PATHS as _FAST_PATHS
from sentlab._converters import _convert, _extra
from sentlab._phone import region_of
from sentlab._record_columns import PREPARERS as _PREPARERS
from sentlab._record_columns import _plain
from sentlab._schemas import Column, columns, frame_name
from sentlab._statuses import LIFECYCLE_RANK, RECEIVED, STATUS_TIME_COLUMNS

__all__ = ["build_frame", "conform", "empty_frame", "merge_message_details", "messages_from_events"]

INBOUND_EVENT = "message.received"


# --------------------------------------------------------------------------- the builder


def _n_rows(values: Mapping[str, list], default: int) -> int:
    for column in values.values():
        return len(column)
    return default


def _assemble(cols: tuple[Column, ...], values: dict[str, list], n: int) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for column in cols:
        raw = values.pop(column.name, None)
        data[column.name] = _convert(column, raw if raw is not None else [None] * n)
    for name, raw in values.items():  # unknown fields: kept, after the declared columns
        data[name] = _extra(raw)
    index = pd.RangeIndex(n)
    for name, values in data.items():
        if isinstance(values, np.ndarray) and values.dtype == object:
            # A bare object array of strings would be inferred as str: pin it as object.
            data[name] = pd.Series(values, index=index, dtype=object, copy=False)
    return pd.DataFrame(data, index=index, copy=False)


def build_frame(name: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the typed frame ``name`` from API records (dicts), column by column.

    >>> import sentlab
    >>> sentlab.build_frame("contacts", [{"id": "c1", "available_channels": "sms,whatsapp"}])
       id phone_number format_e164  ... created_at updated_at profile_id
    0  c1          NaN         NaN  ...        NaT        NaT        NaN
    <BLANKLINE>
    [1 rows x 16 columns]
    """
    return _build(name, records, fast=True)


def _build_slow(name: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """``build_frame`` without the Arrow fast paths: the reference they are tested against."""
    return _build(name, records, fast=False)


def _build(name: str, records: Iterable[Mapping[str, Any]], fast: bool) -> pd.DataFrame:
    name = frame_name(name)
    cols = columns(name)
    records = records if isinstance(records, list) else list(records)
    values = None
    if fast and records and name in _FAST_PATHS:
        values = _FAST_PATHS[name](records)  # None unless every record is a dict, among others
    if values is None:
        if set(map(type, records)) - {dict}:  # other mappings are copied; non-mappings read as empty
            records = [dict(r) if isinstance(r, Mapping) else {} for r in records]
        prepare = _PREPARERS.get(name, _plain)
        values = prepare(records, cols) if records else {}
    return _assemble(cols, values, _n_rows(values, len(records)))


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with every declared column of ``name`` and its dtype.

    >>> from sentlab._frames import empty_frame
    >>> empty_frame("messages").dtypes["price"]
    Float64Dtype()
    """
    return build_frame(name, [])


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the declared columns of ``name`` first, in order and dtype; extras kept.

    >>> from sentlab._frames import conform
    >>> conform("messages", pd.DataFrame({"id": ["m1"]})).shape[1] >= 29
    True
    """
    cols = columns(name)
    names = [c.name for c in cols]
    if list(frame.columns[: len(names)]) == names and all(
        str(frame.dtypes.iloc[k]) == c.dtype for k, c in enumerate(cols)
    ):
        return frame  # already conformed: nothing to convert or reorder
    n = len(frame)
    data: dict[str, Any] = {}
    for column in cols:
        if column.name not in frame.columns:
            data[column.name] = _convert(column, [None] * n)
            continue
        series = frame[column.name]
        if str(series.dtype) == column.dtype:
            data[column.name] = series
        elif column.kind == "timestamp" and pd.api.types.is_datetime64_any_dtype(series.dtype):
            stamps = pd.DatetimeIndex(series)
            stamps = stamps.tz_localize("UTC") if stamps.tz is None else stamps.tz_convert("UTC")
            data[column.name] = stamps.as_unit("ns")
        else:
            raw = series.astype(object).where(series.notna(), None).tolist()
            data[column.name] = _convert(column, raw)
    for name_ in frame.columns:
        if name_ not in data:
            data[name_] = frame[name_]
    for key, values in data.items():  # arrays take the frame's index; Series already have it
        if not isinstance(values, pd.Series):
            dtype = object if isinstance(values, np.ndarray) and values.dtype == object else None
            data[key] = pd.Series(values, index=frame.index, dtype=dtype, copy=False)
    return pd.DataFrame(data, index=frame.index, copy=False)


# --------------------------------------------------------------------------- messages


def _regions(numbers: pd.Series) -> pd.Categorical:
    # Parse each distinct number once; the categorical maps them back to every row.
    codes, uniques = pd.factorize(numbers)
    regions = np.array([region_of(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    return pd.Categorical(regions[codes])  # code -1 (missing) picks the trailing None


def _status_rank(statuses: pd.Series) -> np.ndarray:
    return statuses.astype(object).map(LIFECYCLE_RANK).fillna(-1).to_numpy(dtype="float64")


def messages_from_events(events: pd.DataFrame, templates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The messages frame from a webhook_events frame alone: no per-message request.

    Latest status per message (by the time the status changed, ties broken by status order),
    channel, template, the time of each status, and the region parsed from the contact's
    number. ``message.received`` events are inbound messages (direction "inbound", the phone
    their ``inbound_number``, the body their ``text``); every other message event is about an
    outbound message. The reason (FAILED, FILTERED, BLOCKED) is that of the latest status.
    ``templates`` (a templates frame), when given, fills ``template_category``.

    >>> events = lab.webhook_events()
    >>> messages_from_events(events).status.value_counts()
    status
    DELIVERED    345
    READ         120
    ...
    Name: count, dtype: int64
    """
    if events.empty or "message_id" not in events.columns:
        return empty_frame("messages")
    ev = events[events["message_id"].notna()]
    if ev.empty:
        return empty_frame("messages")
    inbound = _is_inbound(ev)
    # When the status changed; fall back to the emit time, then the delivery row's creation.
    when = ev["updated_at"].fillna(ev["received_at"]).fillna(ev["event_timestamp"]).fillna(ev["created_at"])
    status = ev["message_status"].astype(object).where(ev["message_status"].notna(),
                                                       _status_from_event_type(ev["event_type"]))
    status = status.where(~inbound | status.notna(), RECEIVED)
    # An inbound payload's outbound_number is the account's own number: the contact's is inbound_number.
    phone = ev["outbound_number"].astype(object).where(~inbound, ev["inbound_number"].astype(object))
    work = pd.DataFrame({
        "id": ev["message_id"].to_numpy(),
        "status": status.to_numpy(),
        "when": when.to_numpy(),
        "rank": _status_rank(status),
        "direction": np.where(inbound, "inbound", "outbound"),
        "channel": ev["channel"].to_numpy(),
        "template_id": ev["template_id"].to_numpy(),
        "template_name": ev["template_name"].to_numpy(),
        "phone": phone.to_numpy(),
        "account_id": ev["account_id"].to_numpy(),
        "body": ev["body"].fillna(ev["text"]).to_numpy(),
        "reason_code": ev["reason_code"].to_numpy(),
        "reason": ev["reason"].to_numpy(),
        "profile_id": ev["profile_id"].to_numpy(),
    })  # fmt: skip
    work = work.sort_values(["id", "when", "rank"], kind="stable", na_position="first")
    grouped = work.groupby("id", sort=False)
    latest = grouped.tail(1).set_index("id")
    # The reason belongs to the status that carries it: a resent message that was delivered in
    # the end keeps no reason from its failed attempt.
    of_latest = work["status"].to_numpy() == latest["status"].reindex(work["id"]).to_numpy()
    work["reason_code"] = work["reason_code"].where(of_latest)
    work["reason"] = work["reason"].where(of_latest)
    # Fields an event may leave empty take the last non-null value seen for the message.
    filled = grouped[["direction", "channel", "template_id", "template_name", "phone", "account_id", "body",
                      "reason_code", "reason", "profile_id"]].last()  # fmt: skip
    times = work[work["status"].isin(list(STATUS_TIME_COLUMNS))].groupby(["id", "status"])["when"].min()
    created = grouped["when"].min()
    index = latest.index
    out = pd.DataFrame(index=index)
    out["id"] = index.to_numpy()
    out["customer_id"] = filled["account_id"].reindex(index).to_numpy()
    for column in ("direction", "channel", "template_id", "template_name", "phone", "body", "reason_code", "reason",
                   "profile_id"):  # fmt: skip
        out[column] = filled[column].reindex(index).to_numpy()
    out["status"] = latest["status"].to_numpy()
    out["updated_at"] = latest["when"].to_numpy()
    out["created_at"] = created.reindex(index).to_numpy()
    statuses_present = set(times.index.get_level_values("status"))
    for st, column in STATUS_TIME_COLUMNS.items():
        if st in statuses_present:
            out[column] = times.xs(st, level="status").reindex(index).to_numpy()
    if "queued_at" in out:  # creation is when the message was queued, when we saw it
        out["created_at"] = out["queued_at"].fillna(out["created_at"])
    out["source"] = "events"
    out = out.reset_index(drop=True)
    frame = conform("messages", out)
    frame["region_code"] = _regions(frame["phone"])
    if templates is not None and not templates.empty:
        categories = templates.drop_duplicates("id").set_index("id")["category"].astype(object)
        frame["template_category"] = pd.Categorical(frame["template_id"].astype(object).map(categories))
    return frame


def _is_inbound(events: pd.DataFrame) -> np.ndarray:
    """Rows of webhook events about an inbound message: ``message.received`` (delivery row or envelope)."""
    inbound = np.zeros(len(events), dtype=bool)
    for column in ("event_type", "event"):
        inbound |= (events[column].astype(object) == INBOUND_EVENT).to_numpy(dtype=bool)
    return inbound


def _status_from_event_type(event_types: pd.Series) -> pd.Series:
    # "message.delivered" -> "DELIVERED" when the payload carries no message_status.
    text = event_types.astype(object).where(event_types.notna(), None)
    return text.map(lambda t: t.rsplit(".", 1)[-1].upper() if isinstance(t, str) and "." in t else None)


def merge_message_details(messages: pd.DataFrame, details: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Fill a messages frame with what per-message details add (prices, contact, category...).

    Rows for ids only in ``details`` are appended. Details win for every field they carry,
    except the status, which follows whichever source saw the later status change. ``details``
    may be records, a frame, or a mapping of id to record (a fan-out's ``results``).

    >>> msgs = messages_from_events(lab.webhook_events())
    >>> merge_message_details(msgs, lab.api.messages_details(list(msgs.id[:10])).results).shape
    (604, 38)
    """
    if isinstance(details, Mapping):  # FanOutResult.results: id -> record
        details = list(details.values())
    extra = details if isinstance(details, pd.DataFrame) else build_frame("messages", list(details))
    if extra.empty:
        return conform("messages", messages)
    if messages.empty:
        out = conform("messages", extra)
        out["source"] = pd.Categorical(["details"] * len(out))
        return out
    extra = extra.drop_duplicates("id", keep="last").set_index("id", drop=False)
    base = messages.drop_duplicates("id", keep="last").set_index("id", drop=False)
    # Event-derived status wins only where its status change is strictly newer.
    events_newer = base["updated_at"].reindex(extra.index) > extra["updated_at"]
    events_newer = events_newer.fillna(False).to_numpy(dtype=bool)
    combined = extra.astype(object).combine_first(base.astype(object))
    combined = combined.reindex(columns=list(dict.fromkeys([*base.columns, *extra.columns])))
    keep = extra.index[events_newer]
    for column in ("status", "updated_at"):
        if len(keep) and column in base.columns:
            combined.loc[keep, column] = base.loc[keep, column].astype(object)
    for column in STATUS_TIME_COLUMNS.values():  # earliest known time of each status
        if column in base.columns and column in extra.columns:
            both = pd.concat([pd.to_datetime(base[column], utc=True), pd.to_datetime(extra[column], utc=True)],
                             axis=1).min(axis=1)
            combined[column] = both.reindex(combined.index).astype(object)
    in_base = combined.index.isin(base.index)
    in_extra = combined.index.isin(extra.index)
    combined["source"] = np.where(in_base & in_extra, "events+details", np.where(in_base, "events", "details"))
    # Preserve the events frame's order, then the details-only messages.
    order = [*base.index, *extra.index[~extra.index.isin(base.index)]]
    combined = combined.loc[order].reset_index(drop=True)
    combined = combined.where(combined.notna(), None)
    return conform("messages", combined)
