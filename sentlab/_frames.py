"""Records -> typed DataFrames, column by column, following the declared schemas.

``build_frame(name, records)`` is the one builder: it pulls each column out of the records
with one list comprehension, flattens the nested payloads (webhook ``event_data``,
``message_body``, message ``events``), and converts each column to its declared dtype with a
vectorised pandas call. No per-row model objects: that is what keeps it within a small factor
of ``pd.DataFrame.from_records``.

``messages_from_events`` builds the messages frame from webhook events alone (DESIGN.md's
cheapest path) and ``merge_message_details`` fills in what only the per-message details give.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain, repeat
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from sentlab._schemas import Column, columns, frame_name

try:  # private but long-stable; the fallback below is the same thing in Python
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover
    _dicts_to_array = None

__all__ = ["build_frame", "conform", "empty_frame", "merge_message_details", "messages_from_events"]

_EMPTY: Mapping[str, Any] = {}
_STRING_KINDS = frozenset({"string", "empty"})

# Status -> messages column holding the time it was reached. Other statuses are an open set:
# they still count as the latest status, they just have no column of their own.
STATUS_TIME_COLUMNS: dict[str, str] = {
    "QUEUED": "queued_at",
    "SENT": "sent_at",
    "DELIVERED": "delivered_at",
    "READ": "read_at",
    "FAILED": "failed_at",
}
# Order used to break ties between events with the same timestamp (later = more advanced).
_STATUS_RANK: dict[str, int] = {
    "SCHEDULED": 0, "QUEUED": 1, "ACCEPTED": 2, "PROCESSED": 3, "ROUTED": 4,
    "SENT": 5, "DELIVERED": 6, "READ": 7, "FAILED": 8,
}  # fmt: skip


# --------------------------------------------------------------------------- converters
# Each takes a list of raw JSON values and returns an array of the declared dtype. The fast
# path (values already of the expected JSON type) is one vectorised call; anything else is
# cleaned first, so garbage gives nulls, never an exception.


def _clean_str(values: list) -> list:
    out = []
    for v in values:
        if v is None or isinstance(v, str):
            out.append(v)
        elif isinstance(v, float) and v != v:  # NaN
            out.append(None)
        elif isinstance(v, dict | list):
            out.append(json.dumps(v, default=str))
        else:
            out.append(str(v))
    return out


def _arrow_text(values: Any) -> pa.Array | None:
    """``values`` as an Arrow large_string array when every value is text or null, else None.

    One C pass: pyarrow infers the type while converting (no separate ``infer_dtype`` pass).
    Anything that is not all text (numbers, bytes, nested values, a mix) gives None.
    """
    if isinstance(values, np.ndarray) and not values.flags.c_contiguous:
        values = np.ascontiguousarray(values)  # pyarrow is ~4x slower on strided object arrays
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_null(arr.type):
        return arr.cast(pa.large_string())
    return None


def _arrow_strings(values: list) -> pa.Array:
    arr = _arrow_text(values)
    if arr is not None:
        return arr
    # Not all text: numbers and the like become their text, nested values JSON, NaN null.
    return pa.array(_clean_str(values), type=pa.large_string(), from_pandas=True)


def _to_str(values: list) -> pd.api.extensions.ExtensionArray:
    return pd.array(_arrow_strings(values), dtype="str")


def _to_category(values: list) -> pd.Categorical:
    encoded = _arrow_strings(values).dictionary_encode()
    categories = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")
    # Sorted categories, as pd.Categorical would give: remap the codes through the sort.
    order = np.argsort(categories, kind="stable")
    remap = np.empty(len(order) + 1, dtype="int64")
    remap[order] = np.arange(len(order))
    remap[-1] = -1
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(categories[order], dtype="str"))


_NS_BOUNDS = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))
_ISO_TIMESTAMP = pa.timestamp("ns", tz="UTC")


def _to_timestamp(values: Any) -> pd.DatetimeIndex:
    if isinstance(values, pd.DatetimeIndex | pd.arrays.DatetimeArray) and str(values.dtype) == "datetime64[ns, UTC]":
        return pd.DatetimeIndex(values)  # already typed (derived columns)
    text = _arrow_text(values)
    if text is not None:
        try:
            # Arrow's ISO 8601 cast, in C: 7-digit fractions, Z or +hh:mm offsets -> UTC ns. It
            # rejects the whole column on anything it does not read (no offset, out of range...):
            # pandas below then gives the same values for what both read, NaT for the rest.
            stamps = pc.cast(text, _ISO_TIMESTAMP)
        except pa.ArrowException:
            pass
        else:
            ns = stamps.cast(pa.int64()).fill_null(np.iinfo("int64").min).to_numpy()
            return pd.DatetimeIndex(ns.view("M8[ns]")).tz_localize("UTC")
        values = text.to_pylist()
    else:
        kind = infer_dtype(values, skipna=True)
        if kind in ("datetime64", "datetime"):  # already parsed (e.g. derived columns)
            return pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit("ns")
        values = [v if isinstance(v, str) else None for v in values]
    # ISO8601 is parsed in C (7-digit fractions and any offset included); errors -> NaT.
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    if parsed.unit != "ns":  # coarser units hold years nanoseconds cannot (9999-12-31): -> NaT
        parsed = parsed.where((parsed >= _NS_BOUNDS[0]) & (parsed <= _NS_BOUNDS[1]))
    return parsed.as_unit("ns")


_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"  # what the API writes ("0.0450"): read alike by Arrow and pandas


def _numbers(values: Any) -> np.ndarray:
    if isinstance(values, pa.Array) and pa.types.is_floating(values.type):  # fast paths: exact already
        return values.to_numpy(zero_copy_only=False)  # nulls -> NaN
    text = _arrow_text(values)
    if text is not None and text.null_count < len(text):
        if pc.all(pc.match_substring_regex(text, _DECIMAL), skip_nulls=True).as_py():
            return pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)  # nulls -> NaN
        values = text.to_pylist()
    kind = infer_dtype(values, skipna=True)
    if kind not in ("floating", "integer", "mixed-integer-float", "empty", "string"):
        # 4-decimal strings ("0.0450") and numbers; booleans and nested values are not money.
        values = [
            v if isinstance(v, int | float | str) and not isinstance(v, bool) else None
            for v in values
        ]
    numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
    return np.asarray(numeric, dtype="float64")


def _to_money(values: list) -> pd.api.extensions.ExtensionArray:
    floats = _numbers(values)
    return pd.array(floats, dtype="Float64")  # NaN -> <NA>


def _to_int(values: list) -> pd.api.extensions.ExtensionArray:
    floats = _numbers(values)
    # Non-integral or out-of-range numbers become null rather than failing the cast.
    bad = ~np.isfinite(floats) | (floats != np.floor(floats)) | (np.abs(floats) > 2**53)
    mask = bad | np.isnan(floats)
    ints = np.where(mask, 0, floats).astype("int64")
    return pd.arrays.IntegerArray(ints, mask)


_BOOLS: dict[Any, bool] = {True: True, False: False, "true": True, "false": False,
                           "True": True, "False": False}  # fmt: skip


def _to_bool(values: list) -> pd.api.extensions.ExtensionArray:
    if infer_dtype(values, skipna=True) not in ("boolean", "empty"):
        values = [_BOOLS.get(v) if isinstance(v, bool | str | int) else None for v in values]
    return pd.array(values, dtype="boolean")


def _as_list(v: Any) -> list | None:
    if v is None:
        return None
    if isinstance(v, list):
        return v
    if isinstance(v, str):  # the API's comma-separated lists, e.g. "sms,whatsapp"
        return [part.strip() for part in v.split(",") if part.strip()]
    if isinstance(v, tuple | set):
        return list(v)
    if isinstance(v, float) and v != v:
        return None
    return [v]


def _object_array(values: list) -> np.ndarray:
    """A 1-D object array holding ``values`` as elements (lists stay lists); NaN -> None."""
    out = np.empty(len(values), dtype=object)
    try:
        out[:] = values
    except ValueError:  # ragged nesting numpy tries to broadcast: place one by one
        for i, v in enumerate(values):
            out[i] = v
    missing = pd.isna(out)
    if missing.any():
        out[missing] = None
    return out


def _to_list(values: list) -> np.ndarray:
    if infer_dtype(values, skipna=True) in _STRING_KINDS:
        # Few distinct strings ("sms,whatsapp"): split each once. Rows with the same string
        # share one list object (as df.copy() shares nested objects): treat them as read-only.
        split = {v: _as_list(v) for v in set(values)}
        return _object_array([split[v] for v in values])
    return _object_array([_as_list(v) for v in values])


_CONVERTERS = {
    "str": _to_str,
    "category": _to_category,
    "timestamp": _to_timestamp,
    "money": _to_money,
    "int": _to_int,
    "bool": _to_bool,
    "list": _to_list,
    "object": _object_array,
}


def _convert(column: Column, values: list) -> Any:
    return _CONVERTERS[column.kind](values)


def _extra(values: list) -> Any:
    # Unknown fields are kept with pandas' own inference; nested values stay objects.
    kind = infer_dtype(values, skipna=True)
    if kind in _STRING_KINDS:
        return pd.array(values, dtype="str")
    if kind in ("floating", "integer", "mixed-integer-float", "boolean"):
        return pd.Series(values).to_numpy() if kind != "boolean" else pd.array(values, dtype="boolean")
    return _object_array(values)


# --------------------------------------------------------------------------- extraction


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
    """Column lists for every key present; ``aliases`` maps an old field name to its column."""
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


_PAYLOAD_FIELDS = ("message_id", "message_status", "channel", "template_id", "template_name",
                   "outbound_number", "updated_at", "account_id", "body", "reason_code", "reason")  # fmt: skip
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
    values = _plain(records, cols, {"status": "delivery_status", "response_status_code": "http_status_code"})
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


def _body_columns(bodies: list) -> tuple[Any, Any, Any, Any]:
    """(content, header, footer, buttons) columns from ``message_body`` values.

    Endpoint shape {header, content, footer, buttons}; data-models shape
    {body, header{type, content}, footer{content}, buttons}. Non-dict bodies read as empty.
    """
    mbs = _mappings(bodies)
    plucked = _pluck(mbs, ["content", "header", "footer", "buttons"])  # missing key: NaN
    content = plucked["content"]
    # Null there: no "content" key (NaN, e.g. the data-models shape) or a null value: decide
    # those rows the long way ("content" present wins over "body", even when it holds null).
    for i in np.flatnonzero(pd.isna(content)):
        mb = mbs[i]
        content[i] = mb["content"] if "content" in mb else mb.get("body")
    header, footer = (
        [v.get("content") if isinstance(v, dict) else v for v in plucked[key]] for key in ("header", "footer")
    )
    return content, header, footer, plucked["buttons"]


def _prepare_messages(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    bodies = values.pop("message_body", None)
    if bodies is not None:
        parts = _body_columns(bodies.tolist() if isinstance(bodies, np.ndarray) else bodies)
        for name, column in zip(("body", "body_header", "body_footer", "body_buttons"), parts, strict=True):
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
    if isinstance(statuses, pa.Array):  # compare in Arrow (nulls never match), once per status
        statuses = {status: pc.equal(statuses, status).fill_null(False).to_numpy(zero_copy_only=False)[valid]
                    for status in STATUS_TIME_COLUMNS}  # fmt: skip
    else:
        statuses = {status: statuses[valid] == status for status in STATUS_TIME_COLUMNS}
    rows, stamps = rows[valid], stamps[valid]

    def per_row(reduce: np.ufunc, where: np.ndarray | None, start: int) -> pd.DatetimeIndex:
        at, t = (rows, stamps) if where is None else (rows[where], stamps[where])
        out = np.full(n, start, dtype=np.int64)
        reduce.at(out, at, t)  # latest (max) or first (min) time per row, in C
        seen = np.zeros(n, dtype=bool)
        seen[at] = True
        out[~seen] = _NAT
        return pd.DatetimeIndex(out.view("M8[ns]")).tz_localize("UTC")

    out: dict[str, Any] = {"updated_at": per_row(np.maximum, None, _NAT)}
    for status, column in STATUS_TIME_COLUMNS.items():
        match = statuses[status]  # only the exact status text: nested or odd values never match
        if match.any():
            out[column] = per_row(np.minimum, match, np.iinfo("int64").max)
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


def _prepare_profiles(records: list, cols: tuple[Column, ...]) -> dict[str, list]:
    values = _plain(records, cols)
    if "brand" in values and "brand_id" not in values:
        values["brand_id"] = [b.get("id") for b in _mappings(values["brand"])]
    return values


_PREPARERS = {
    "webhooks": _prepare_webhooks,
    "webhook_events": _prepare_webhook_events,
    "messages": _prepare_messages,
    "activities": _prepare_activities,
    "profiles": _prepare_profiles,
}


# --------------------------------------------------------------------------- Arrow fast paths
# For the two frames with nested payloads, one ``pa.array(records, type=<struct>)`` call walks
# every record in C and gives each flattened field as an Arrow column, instead of a Python
# pass per nesting level. It is only a shortcut: it returns None (and the general preparers
# above run) whenever the batch does not fit the layout it knows, so the frame is the same.
#
# What Arrow would read differently from the general path, and how each case is caught:
# - a value of another JSON type (a number where text is expected, text or a boolean where a
#   number is expected, a list where an object is expected...): the conversion raises;
# - extra keys (Arrow ignores them): at each level the number of keys (sum of len) must equal
#   the number of non-null known fields Arrow found, else the key union is computed and extras
#   are plucked the general way;
# - missing vs null (Arrow reads both as null): only matters for which columns exist and for
#   the envelope's shape, both decided from the key counts/unions above;
# - non-integral numbers in integer fields (Arrow's int64 truncates them): each numeric field is
#   read twice, as int64 (which rejects booleans and text) and float64 (whose values are used);
# - objects of other Python types (tuples, which Arrow reads positionally): ``dict.__len__`` and
#   ``dict.get`` raise on anything that is not a dict (messages: the value types are checked).
# Not caught: bytes where text is expected (not JSON) read as UTF-8 text here, as "b'...'" there.

_TEXT = pa.string()
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, KeyError)


def _numeric_fields(*names: str) -> list[pa.Field]:
    # Read twice: int64 rejects booleans and text, float64 keeps the exact value (1.5 stays 1.5).
    return [f for name in names for f in (pa.field(name, pa.int64()), pa.field(name, pa.float64()))]


def _children(array: pa.StructArray) -> dict[str, pa.Array]:
    """Each field of ``array`` (nulls of the parent applied); a read-twice number: its float64."""
    return dict(zip([f.name for f in array.type], array.flatten(), strict=True))  # later (float64) wins


def _non_null(children: Mapping[str, pa.Array]) -> dict[str, int]:
    return {k: len(v) - v.null_count for k, v in children.items()}


def _key_union(dicts: list, non_null: Mapping[str, int] | None) -> set:
    """Every key of ``dicts`` (all dicts: TypeError otherwise), cheaply when nothing is extra.

    Each key holding a non-null known value is counted by Arrow (``non_null``); when the total
    number of keys equals that count, there is no extra key (and no key holding null) anywhere.
    ``non_null=None``: take the union directly (where keys holding null are expected).
    """
    if non_null is not None and sum(map(dict.__len__, dicts)) == sum(non_null.values()):
        return {k for k, c in non_null.items() if c}
    return set().union(*dicts)


def _ordered(first: Any, union: set) -> list:
    """``_keys`` order (the first dict's keys, then the others sorted) from a known union."""
    head = [k for k in first] if type(first) is dict else []
    return head + sorted(union.difference(head), key=str)


def _nested(records: list, key: str, column: pa.Array) -> tuple[list, list] | None:
    """(per-row values of ``key``, the non-null ones): dicts or None, else None (no fast path)."""
    values = list(map(dict.get, records, repeat(key)))
    if column.null_count == 0:
        return values, values
    present = [v for v in values if v is not None]
    if len(present) != len(values) - column.null_count:  # NaN (null to Arrow) is not None: give up
        return None
    return values, present


_EVENT_TOP_TEXT = ("id", "webhook_id", "event_type", "delivery_status", "response_body", "error_message",
                   "created_at", "processing_started_at", "processing_completed_at", "profile_id")  # fmt: skip
_EVENT_TOP_NUMBERS = ("http_status_code", "delivery_attempts")
_EVENT_ENVELOPE_TEXT = ("field", "event", "timestamp", "request_id", "valueKind")
_EVENT_TYPE = pa.struct([
    *[pa.field(k, _TEXT) for k in _EVENT_TOP_TEXT],
    *_numeric_fields(*_EVENT_TOP_NUMBERS),
    pa.field("event_data", pa.struct([
        *[pa.field(k, _TEXT) for k in _EVENT_ENVELOPE_TEXT],
        pa.field("payload", pa.struct([pa.field(k, _TEXT) for k in _PAYLOAD_FIELDS])),
    ])),
])  # fmt: skip
_EVENT_TOP_KNOWN = frozenset({*_EVENT_TOP_TEXT, *_EVENT_TOP_NUMBERS, "event_data"})
_EVENT_COLUMNS = frozenset(c.name for c in columns("webhook_events"))


def _fast_webhook_events(records: list) -> dict[str, Any] | None:
    """``_prepare_webhook_events`` in one Arrow pass, or None where the batch does not fit."""
    try:
        table = pa.array(records, type=_EVENT_TYPE)
        top = _children(table)
        envelope = top.pop("event_data")
        top_keys = _key_union(records, None)  # delivery rows usually hold nulls (error_message...)
    except _ARROW_ERRORS:
        return None
    extras = top_keys - _EVENT_TOP_KNOWN
    # The old shape (aliases, top-level payload) and names that the flattening would overwrite
    # are left to the general path.
    if any(type(k) is not str or k in _EVENT_COLUMNS or k in ("payload", "status", "response_status_code")
           or k.startswith(("event_data_", "payload_")) for k in extras):  # fmt: skip
        return None
    values: dict[str, Any] = {}
    plucked = _pluck(records, sorted(extras)) if extras else {}
    for key in _ordered(records[0], top_keys):
        if key != "event_data":
            values[key] = top[key] if key in top else plucked[key]
    for key in _EVENT_TOP_TEXT + _EVENT_TOP_NUMBERS:
        values.setdefault(key, top[key])  # absent everywhere: all null, as the general path reads it
    if "event_data" not in top_keys or envelope.null_count == len(envelope):
        return values  # no envelope anywhere: nothing to flatten
    nested = _nested(records, "event_data", envelope)
    if nested is None:
        return None
    envelopes, present = nested
    fields = _children(envelope)
    payload = fields.pop("payload")
    try:
        env_keys = _key_union(present, {**_non_null(fields), "payload": len(payload) - payload.null_count})
    except TypeError:
        return None
    # An object with none of payload/field/event/valueKind is the old shape's bare payload: the
    # general path reads it differently. Null and missing look alike to Arrow: give up on both.
    marked = pc.or_(pc.or_(payload.is_valid(), fields["field"].is_valid()),
                    pc.or_(fields["event"].is_valid(), fields["valueKind"].is_valid()))  # fmt: skip
    if pc.any(pc.and_(envelope.is_valid(), pc.invert(marked))).as_py():
        return None
    if any(type(k) is not str for k in env_keys):
        return None
    env_extras = [k for k in _ordered(envelopes[0], env_keys) if k not in _ENVELOPE_FIELDS and k not in _ENVELOPE_SKIP]
    if env_extras:
        mappings = _mappings(envelopes)
        for key, column in _pluck(mappings, env_extras).items():
            values[f"event_data_{key}"] = column
    for key, name in _ENVELOPE_FIELDS.items():
        values[name] = fields[key]
    if "payload" not in env_keys or payload.null_count == len(payload):
        return values
    envelopes = [e if e is not None else _EMPTY for e in envelopes] if len(present) < len(envelopes) else envelopes
    payloads = list(map(dict.get, envelopes, repeat("payload")))
    payload_fields = _children(payload)
    try:  # NaN (null to Arrow) or a tuple among the payloads: TypeError
        pay_keys = _key_union([p for p in payloads if p is not None] if payload.null_count else payloads,
                              _non_null(payload_fields))  # fmt: skip
    except TypeError:
        return None
    if any(type(k) is not str for k in pay_keys):
        return None
    pay_extras = [k for k in _ordered(payloads[0], pay_keys) if k not in payload_fields]
    if pay_extras:
        for key, column in _pluck(_mappings(payloads), pay_extras).items():
            values[f"payload_{key}"] = column
    values.update(payload_fields)
    return values



# Only webhook events, the largest frame, have one: for messages it gained 5-10% for much code.
_FAST_PATHS = {"webhook_events": _fast_webhook_events}


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
    """
    return _build(name, records, fast=True)


def _build_slow(name: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """``build_frame`` without the Arrow fast paths: the reference they are tested against."""
    return _build(name, records, fast=False)


def _build(name: str, records: Iterable[Mapping[str, Any]], fast: bool) -> pd.DataFrame:
    name = frame_name(name)
    cols = columns(name)
    records = records if isinstance(records, list) else list(records)
    if set(map(type, records)) - {dict}:  # other mappings are copied; non-mappings read as empty
        records = [dict(r) if isinstance(r, Mapping) else {} for r in records]
    values = None
    if fast and records and name in _FAST_PATHS:
        values = _FAST_PATHS[name](records)
    if values is None:
        prepare = _PREPARERS.get(name, _plain)
        values = prepare(records, cols) if records else {}
    return _assemble(cols, values, _n_rows(values, len(records)))


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with every declared column of ``name`` and its dtype.

    >>> from sentlab._frames import empty_frame
    >>> empty_frame("messages").dtypes["price"]
    """
    return build_frame(name, [])


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the declared columns of ``name`` first, in order and dtype; extras kept.

    >>> from sentlab._frames import conform
    >>> conform("messages", pd.DataFrame({"id": ["m1"]})).shape[1] >= 29
    """
    cols = columns(name)
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


@lru_cache(maxsize=200_000)
def region_of(number: str) -> str | None:
    """ISO region of a phone number (``'+14155551234'`` -> ``'US'``), cached per number.

    >>> from sentlab._frames import region_of
    >>> region_of("+447700900123")
    """
    import phonenumbers  # deferred: a few ms at first use, never at import

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    # Numbers outside any allocated range (test and fiction ranges) still have a country code.
    region = phonenumbers.region_code_for_number(parsed) or phonenumbers.region_code_for_country_code(
        parsed.country_code
    )
    return region if region not in (None, "ZZ", "001") else None


def _regions(numbers: pd.Series) -> pd.Categorical:
    # Parse each distinct number once; the categorical maps them back to every row.
    codes, uniques = pd.factorize(numbers)
    regions = np.array([region_of(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    return pd.Categorical(regions[codes])  # code -1 (missing) picks the trailing None


def _status_rank(statuses: pd.Series) -> np.ndarray:
    return statuses.astype(object).map(_STATUS_RANK).fillna(-1).to_numpy(dtype="float64")


def messages_from_events(events: pd.DataFrame, templates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The messages frame from a webhook_events frame alone: no per-message request.

    Latest status per message (by the time the status changed, ties broken by status order),
    channel, template, the time of each status, and the region parsed from the recipient
    number. ``templates`` (a templates frame), when given, fills ``template_category``.

    >>> events = lab.webhook_events()
    >>> messages_from_events(events).status.value_counts()
    """
    if events.empty or "message_id" not in events.columns:
        return empty_frame("messages")
    ev = events[events["message_id"].notna()]
    if ev.empty:
        return empty_frame("messages")
    # When the status changed; fall back to the emit time, then the delivery row's creation.
    when = ev["updated_at"].fillna(ev["event_timestamp"]).fillna(ev["created_at"])
    status = ev["message_status"].astype(object).where(ev["message_status"].notna(),
                                                       _status_from_event_type(ev["event_type"]))
    work = pd.DataFrame({
        "id": ev["message_id"].to_numpy(),
        "status": status.to_numpy(),
        "when": when.to_numpy(),
        "rank": _status_rank(status),
        "channel": ev["channel"].to_numpy(),
        "template_id": ev["template_id"].to_numpy(),
        "template_name": ev["template_name"].to_numpy(),
        "phone": ev["outbound_number"].to_numpy(),
        "account_id": ev["account_id"].to_numpy(),
        "body": ev["body"].to_numpy(),
        "reason_code": ev["reason_code"].to_numpy(),
        "reason": ev["reason"].to_numpy(),
        "profile_id": ev["profile_id"].to_numpy(),
    })  # fmt: skip
    work = work.sort_values(["id", "when", "rank"], kind="stable", na_position="first")
    grouped = work.groupby("id", sort=False)
    latest = grouped.tail(1).set_index("id")
    # Fields an event may leave empty take the last non-null value seen for the message.
    filled = grouped[["channel", "template_id", "template_name", "phone", "account_id", "body",
                      "reason_code", "reason", "profile_id"]].last()  # fmt: skip
    times = work[work["status"].isin(list(STATUS_TIME_COLUMNS))].groupby(["id", "status"])["when"].min()
    created = grouped["when"].min()
    index = latest.index
    out = pd.DataFrame(index=index)
    out["id"] = index.to_numpy()
    out["customer_id"] = filled["account_id"].reindex(index).to_numpy()
    for column in ("channel", "template_id", "template_name", "phone", "body", "reason_code", "reason", "profile_id"):
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


def _status_from_event_type(event_types: pd.Series) -> pd.Series:
    # "message.delivered" -> "DELIVERED" when the payload carries no message_status.
    text = event_types.astype(object).where(event_types.notna(), None)
    return text.map(lambda t: t.rsplit(".", 1)[-1].upper() if isinstance(t, str) and "." in t else None)


def merge_message_details(messages: pd.DataFrame, details: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Fill a messages frame with what per-message details add (prices, contact, category...).

    Rows for ids only in ``details`` are appended. Details win for every field they carry,
    except the status, which follows whichever source saw the later status change.

    >>> msgs = messages_from_events(lab.webhook_events())
    >>> merge_message_details(msgs, lab.api.messages_details(list(msgs.id[:10])).results)
    """
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
