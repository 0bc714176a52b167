"""Records -> column lists, frame by frame: the fields plucked, nested payloads flattened.

The general path of the builder (``sentlab._frames``): each frame with nested payloads has a
*preparer* that turns its records into ``{column: list of raw values}`` (webhook ``event_data``,
``message_body``, a message's ``events`` as the time of each status, a profile's brand...);
other frames are plucked as they are. The converters (``sentlab._converters``) then type them.

>>> from sentlab._record_columns import PREPARERS
>>> list(PREPARERS["webhook_events"]([{"event_data": {"payload": {"message_id": "m1"}}}], ())["message_id"])
['m1']
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sentlab._converters import _ARROW_ERRORS, _EMPTY, _object_array, _to_timestamp
from sentlab._phone import region_of
from sentlab._schemas import FIELD_ALIASES, Column
from sentlab._statuses import STATUS_TIME_COLUMNS

try:  # private but long-stable; the fallback below is the same thing in Python
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover
    _dicts_to_array = None


def _keys(records: list[Mapping[str, Any]]) -> list[str]:
    """Every key seen in ``records``: the first record's order, then others as first seen."""
    first = list(records[0]) if records else []
    union = set().union(*records)
    if len(union) == len(first):
        return first
    return first + sorted(union.difference(first), key=str)  # extras in a stable, sorted order


def _pluck(records: list[Mapping[str, Any]], keys: list[str]) -> dict[str, Any]:
    """One column (object array, or list) per key; a missing key reads as null."""
    if not keys or not records:
        return {k: [None] * len(records) for k in keys}
    if _dicts_to_array is not None:
        # pandas' C routine behind from_records: one pass, missing keys -> NaN (read as null).
        block = _dicts_to_array(records, keys)
        return {k: block[:, i] for i, k in enumerate(keys)}
    return {k: [r.get(k) for r in records] for k in keys}


def _null(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _coalesce(first: Any, second: Any) -> list:
    """Element-wise: ``first`` where it holds a value, else ``second``."""
    return [b if _null(a) else a for a, b in zip(first, second, strict=True)]


def _mappings(values: list) -> list[Mapping[str, Any]]:
    # Non-dict values (null, the docs' {"valueKind": "Undefined"} artefact aside) read as empty.
    return [v if isinstance(v, dict) else _EMPTY for v in values]


def _plain(records: list[Mapping[str, Any]], cols: tuple[Column, ...],
           aliases: Mapping[str, str] | None = None) -> dict[str, list]:  # fmt: skip
    """Column lists for every key present; ``aliases`` maps another name of a field to its column
    (``sentlab._schemas.FIELD_ALIASES``)."""
    present = _keys(records)
    values = _pluck(records, present)
    for old, new in (aliases or {}).items():
        if old in values:
            old_values = values.pop(old)
            if new in values:  # both shapes in one batch: the new name wins where present
                values[new] = _coalesce(values[new], old_values)
            else:
                values[new] = old_values
    return values


def _prepare_webhooks(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    secrets = values.pop("signing_secret", None)  # never kept in a frame (or an export)
    if secrets is not None and "has_signing_secret" not in values:
        values["has_signing_secret"] = [None if s is None else bool(s) for s in secrets]
    return values


# The SDK's MessageEventPayload, then what its InboundMessageEventPayload (message.received) adds.
_PAYLOAD_FIELDS = ("message_id", "message_status", "channel", "template_id", "template_name",
                   "outbound_number", "updated_at", "account_id", "body", "reason_code", "reason",
                   "scheduled_at", "schedule_reason", "inbound_number", "received_at", "text")  # fmt: skip
_ENVELOPE_FIELDS = {"field": "field", "event": "event", "timestamp": "event_timestamp",
                    "request_id": "request_id"}  # fmt: skip
_ENVELOPE_SKIP = frozenset({"payload", "valueKind"})  # valueKind: the docs' serialization artefact


def _envelope(v: Any) -> Mapping[str, Any]:
    if not isinstance(v, dict):
        return _EMPTY
    if "payload" in v or "field" in v or "event" in v or "valueKind" in v:
        return v
    return {"payload": v}  # the old shape's `payload` may hold the bare payload


def _prepare_webhook_events(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    # Old (data-models) shape: payload/status/response_status_code.
    values = _plain(records, cols, FIELD_ALIASES["webhook_events"])
    raw = values.pop("event_data", None)
    old = values.pop("payload", None)
    if raw is None and old is None:
        return values
    if raw is None:
        raw = old
    elif old is not None:
        raw = _coalesce(raw, old)
    if isinstance(raw, np.ndarray):
        raw = raw.tolist()  # a list iterates faster than an object array
    # The usual envelope (a dict with its payload) passes through without a function call.
    envelopes = [v if type(v) is dict and "payload" in v else _envelope(v) for v in raw]
    envelope_keys = [k for k in _keys(envelopes) if k not in _ENVELOPE_SKIP or k == "payload"]
    plucked = _pluck(envelopes, envelope_keys)
    payload_column = plucked.pop("payload", None)
    for key, column in plucked.items():
        values[_ENVELOPE_FIELDS.get(key, f"event_data_{key}")] = column
    if payload_column is None:
        return values
    payloads = _mappings(payload_column.tolist() if isinstance(payload_column, np.ndarray) else payload_column)
    known = set(_PAYLOAD_FIELDS)
    for key, column in _pluck(payloads, _keys(payloads)).items():
        # Unknown payload fields (other event families) are kept, prefixed to avoid clashes.
        values[key if key in known else f"payload_{key}"] = column
    return values


def _body_columns(bodies: list) -> tuple[Any, Any, Any, Any, Any, Any]:
    """(content, header, footer, buttons, subject, media) columns from ``message_body`` values.

    Endpoint shape {header, content, footer, buttons} (the SDK adds subject, media and
    headerMedia); data-models shape {body, header{type, content}, footer{content}, buttons}.
    Non-dict bodies read as empty.
    """
    mbs = _mappings(bodies)
    plucked = _pluck(mbs, ["content", "header", "footer", "buttons", "subject", "media"])  # missing key: NaN
    content = plucked["content"]
    # Null there: no "content" key (NaN, e.g. the data-models shape) or a null value: decide
    # those rows the long way ("content" present wins over "body", even when it holds null).
    for i in np.flatnonzero(pd.isna(content)):
        mb = mbs[i]
        content[i] = mb["content"] if "content" in mb else mb.get("body")
    header, footer = (
        [v.get("content") if isinstance(v, dict) else v for v in plucked[key]] for key in ("header", "footer")
    )
    return content, header, footer, plucked["buttons"], plucked["subject"], plucked["media"]


_BODY_COLUMNS = ("body", "body_header", "body_footer", "body_buttons", "body_subject", "body_media")


def _prepare_messages(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    bodies = values.pop("message_body", None)
    if bodies is not None:
        parts = _body_columns(bodies.tolist() if isinstance(bodies, np.ndarray) else bodies)
        for name, column in zip(_BODY_COLUMNS, parts, strict=True):
            if name in values:  # a flat field wins where present
                column = _coalesce(values[name], column)
            values[name] = column
    events = values.pop("events", None)
    if events is not None:
        values.update(_status_times(events, len(records)))
    return values


_NAT = np.iinfo("int64").min


_MESSAGE_EVENTS = pa.list_(pa.struct([pa.field("timestamp", pa.string()), pa.field("status", pa.string())]))
_ARROW_STATUS_TIMES = True  # tests switch it off to compare with the general path


def _status_times(events_per_row: Any, n: int) -> dict[str, Any]:
    """status-time columns and updated_at from each detail's ``events`` list."""
    lists = [evs if isinstance(evs, list) else [] for evs in (events_per_row.tolist()
             if isinstance(events_per_row, np.ndarray) else events_per_row)]  # fmt: skip
    if _ARROW_STATUS_TIMES and set(map(type, chain.from_iterable(lists))) == {dict}:
        # Usual case: one Arrow pass reads every event's timestamp and status as text. Anything
        # else (a number, a nested value...) makes it raise: the general code below then runs.
        # Not caught, as in the webhook-events fast path: bytes (not JSON) read as UTF-8 text.
        try:
            events = pa.array(lists, type=_MESSAGE_EVENTS)
        except _ARROW_ERRORS:
            pass
        else:
            rows = pc.list_parent_indices(events).to_numpy()
            timestamps, statuses = pc.list_flatten(events).flatten()
            return _status_time_columns(rows, timestamps, statuses, n)
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = [ev for evs in lists for ev in evs]
    rows = np.repeat(np.arange(n), counts)
    if set(map(type, flat)) != {dict}:  # rare: skip what is not an event object
        keep = np.fromiter((isinstance(ev, dict) for ev in flat), dtype=bool, count=len(flat))
        if not keep.any():
            return {}
        rows = rows[keep]
        flat = [ev for ev, k in zip(flat, keep, strict=True) if k]
    columns_ = _pluck(flat, ["timestamp", "status"])  # one C pass; a missing key reads as null
    return _status_time_columns(rows, columns_["timestamp"], _object_array(columns_["status"]), n)


def _status_time_columns(rows: np.ndarray, timestamps: Any, statuses: Any, n: int) -> dict[str, Any]:
    """The status-time columns from every event's row, raw timestamp and status (object array,
    or Arrow text)."""
    stamps = _to_timestamp(timestamps).asi8
    valid = stamps != _NAT
    known = list(STATUS_TIME_COLUMNS)
    # Each event's status as its index in STATUS_TIME_COLUMNS, len(known) for any other value: only
    # the exact status text matches (nulls, nested or odd values never do).
    if isinstance(statuses, pa.Array | pa.ChunkedArray):
        codes = pc.index_in(statuses, value_set=pa.array(known)).fill_null(len(known))
        codes = codes.to_numpy(zero_copy_only=False)[valid]
    else:
        codes = np.full(len(statuses), len(known), dtype=np.int64)
        for i, status in enumerate(known):
            codes[statuses == status] = i
        codes = codes[valid]
    rows, stamps = rows[valid], stamps[valid]

    def as_times(ns: np.ndarray) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC")

    latest = np.full(n, _NAT, dtype=np.int64)
    np.maximum.at(latest, rows, stamps)  # latest time per row, in C; rows without one keep NaT
    out: dict[str, Any] = {"updated_at": as_times(latest)}
    # First time of each status per row: one pass over (row, status) cells.
    cells = rows * (len(known) + 1) + codes
    first = np.full(n * (len(known) + 1), np.iinfo("int64").max, dtype=np.int64)
    np.minimum.at(first, cells, stamps)
    seen = np.zeros(n * (len(known) + 1), dtype=bool)
    seen[cells] = True  # (the latest possible time is int64's max too: the mask tells them apart)
    first, seen = first.reshape(n, -1), seen.reshape(n, -1)
    for i, column in enumerate(STATUS_TIME_COLUMNS.values()):
        if seen[:, i].any():
            out[column] = as_times(np.where(seen[:, i], first[:, i], _NAT))
    return out


def _prepare_activities(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    # Accept both activity rows and the endpoint's {message_id, activities: [...]} body.
    values = _plain(records, cols)
    if "activities" not in values or not any(isinstance(a, list) for a in values["activities"]):
        return values
    flat: list[Mapping[str, Any]] = []
    parents: list[Mapping[str, Any]] = []
    for r in records:
        acts = r.get("activities")
        if isinstance(acts, list):
            items = [a if isinstance(a, dict) else _EMPTY for a in acts]
            flat.extend(items)
            parents.extend([r] * len(items))
        else:
            flat.append(r)
            parents.append(_EMPTY)
    values = _plain(flat, cols)
    for inherited in ("message_id", "profile_id"):
        from_parent = [p.get(inherited) for p in parents]
        if inherited in values:
            values[inherited] = _coalesce(values[inherited], from_parent)
        elif not all(_null(v) for v in from_parent):
            values[inherited] = from_parent
    return values


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    """``value[path[0]][path[1]]...``, None where a level is missing or not a dict."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _set_flat(values: dict[str, Any], column: str, derived: list) -> None:
    # A flat field of the same name wins where it holds a value.
    values[column] = _coalesce(values[column], derived) if column in values else derived


# ProfileDetail.brand (SDK 0.46) -> flat profile columns
_BRAND_PATHS: dict[str, tuple[str, ...]] = {
    "brand_status": ("status",), "brand_identity_status": ("identity_status",),
    "brand_tcr_brand_id": ("tcr_brand_id",), "brand_is_inherited": ("is_inherited",),
    "brand_submitted_to_tcr": ("submitted_to_tcr",), "brand_submitted_at": ("submitted_at",),
    "brand_legal_name": ("business", "legal_name"), "brand_entity_type": ("business", "entity_type"),
    "brand_country": ("business", "country"), "brand_vertical": ("compliance", "vertical"),
    "brand_relationship": ("compliance", "brand_relationship"),
}  # fmt: skip


def _country_ids(countries: Any) -> list | None:
    if not isinstance(countries, list):
        return None
    return [d.get("id") for d in countries if isinstance(d, dict)]


def _prepare_profiles(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    if "brand" in values:
        brands = _mappings(values["brand"])
        if "brand_id" not in values:
            values["brand_id"] = [b.get("id") for b in brands]
        for column, path in _BRAND_PATHS.items():
            _set_flat(values, column, [_dig(b, path) for b in brands])
        _set_flat(values, "brand_destination_countries",
                  [_country_ids(_dig(b, ("compliance", "destination_countries"))) for b in brands])  # fmt: skip
    if "billing_contact" in values:
        contacts = _mappings(values["billing_contact"])
        for key in ("name", "email"):
            _set_flat(values, f"billing_contact_{key}", [c.get(key) for c in contacts])
    return values


def _party(values: Any) -> tuple[list, list]:
    """(kinds, values) of a call's ``from`` or ``to`` column: ``{kind, value}`` dicts (a bare
    string reads as the value, of unknown kind)."""
    kinds, names = [], []
    for v in values:
        if isinstance(v, dict):
            kinds.append(v.get("kind"))
            names.append(v.get("value"))
        else:
            kinds.append(None)
            names.append(v if isinstance(v, str) else None)
    return kinds, names


def _far_end_regions(direction: Any, from_kind: list, from_: list, to_kind: list, to: list) -> list:
    """The region of each call's far end: the caller of an inbound call, the callee of an
    outbound one, when that end is a phone number (each distinct number parsed once)."""
    ends = [(f if fk == "number" else None) if d == "inbound" else (t if tk == "number" else None) if d == "outbound"
            else None for d, fk, f, tk, t in zip(direction, from_kind, from_, to_kind, to, strict=True)]  # fmt: skip
    regions = {n: region_of(n) for n in set(ends) if isinstance(n, str)}
    return [regions.get(n) if isinstance(n, str) else None for n in ends]


def _prepare_calls(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    n = len(records)
    for end in ("from", "to"):
        kinds, names = _party(values[end]) if end in values else ([None] * n, [None] * n)
        _set_flat(values, f"{end}_kind", kinds)
        values[end] = names
    direction = values.get("direction", [None] * n)
    regions = _far_end_regions(direction, values["from_kind"], values["from"], values["to_kind"], values["to"])
    _set_flat(values, "region_code", regions)  # the API's own region_code, if it ever sends one, wins
    return values


def _prepare_contact_summaries(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    # One row per contact x channel score; a contact with no scores (no messages) keeps one row.
    rows: list[Mapping[str, Any]] = []
    for r in records:
        scores = r.get("channel_scores")
        if scores is None:
            rows.append(r)
            continue
        base = {k: v for k, v in r.items() if k != "channel_scores"}
        items = [s for s in scores if isinstance(s, dict)] if isinstance(scores, list) else []
        rows.extend([{**base, **s} for s in items] if items else [base])
    return _plain(rows, cols)


def _use_case_columns(raw: Any) -> tuple[list, list, list]:
    """(first use case, every use case, every sample message) from ``useCases`` lists of
    ``{messagingUseCaseUs, sampleMessages...}`` (a list of names reads as the names)."""
    first, names, samples = [], [], []
    for v in raw:
        if not isinstance(v, list):
            first.append(None)
            names.append(None)
            samples.append(None)
            continue
        row_names, row_samples = [], []
        for u in v:
            if isinstance(u, dict):
                name = u.get("messagingUseCaseUs", u.get("messaging_use_case_us"))
                texts = u.get("sampleMessages", u.get("sample_messages"))
                if isinstance(texts, list):
                    row_samples.extend(t for t in texts if isinstance(t, str))
            else:
                name = u
            if isinstance(name, str):
                row_names.append(name)
        first.append(row_names[0] if row_names else None)
        names.append(row_names)
        samples.append(row_samples)
    return first, names, samples


def _prepare_campaigns(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols, FIELD_ALIASES["campaigns"])
    if "use_cases" in values:
        first, names, samples = _use_case_columns(values.pop("use_cases"))
        _set_flat(values, "use_case", first)
        values["use_cases"] = names
        _set_flat(values, "sample_messages", samples)
    return values


PREPARERS = {
    "webhooks": _prepare_webhooks,
    "webhook_events": _prepare_webhook_events,
    "messages": _prepare_messages,
    "activities": _prepare_activities,
    "profiles": _prepare_profiles,
    "calls": _prepare_calls,
    "contact_summaries": _prepare_contact_summaries,
    "campaigns": _prepare_campaigns,
}
