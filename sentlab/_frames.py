"""Records -> typed DataFrames, column by column, following the declared schemas.

``build_frame(name, records)`` is the one builder: it pulls each column out of the records
with one list comprehension, flattens the nested payloads (webhook ``event_data``,
``message_body``, message ``events``), and converts each column to its declared dtype with a
vectorised pandas call. No per-row model objects: that is what keeps it within a small factor
of ``pd.DataFrame.from_records``. Webhook events and message details, the frames with nested
payloads, are read by Arrow instead whenever they fit its layout (see "Arrow fast paths").

``messages_from_events`` builds the messages frame from webhook events alone (DESIGN.md's
cheapest path) and ``merge_message_details`` fills in what only the per-message details give.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from itertools import chain, repeat
from operator import is_
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from sentlab._phone import region_of
from sentlab._schemas import FIELD_ALIASES, Column, columns, frame_name
from sentlab._statuses import LIFECYCLE_RANK, RECEIVED, STATUS_TIME_COLUMNS

try:  # private but long-stable; the fallback below is the same thing in Python
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover
    _dicts_to_array = None

__all__ = ["build_frame", "conform", "empty_frame", "merge_message_details", "messages_from_events"]

_EMPTY: Mapping[str, Any] = {}
_STRING_KINDS = frozenset({"string", "empty"})

INBOUND_EVENT = "message.received"


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


def _arrow(values: Any) -> pa.Array | pa.ChunkedArray | None:
    """``values`` as Arrow, of the type pyarrow infers (NaN is null), or None where it cannot.

    One C pass: pyarrow infers the type while converting (no separate ``infer_dtype`` pass).
    """
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values  # already Arrow (the fast paths): chunks are kept, not copied together
    if isinstance(values, np.ndarray) and not values.flags.c_contiguous:
        values = np.ascontiguousarray(values)  # pyarrow is ~4x slower on strided object arrays
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


def _arrow_text(values: Any) -> pa.Array | None:
    """``values`` as an Arrow large_string array when every value is text or null, else None.

    Anything that is not all text (numbers, bytes, nested values, a mix) gives None.
    """
    arr = _arrow(values)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
                            or pa.types.is_null(arr.type)):  # fmt: skip
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
    encoded = pc.dictionary_encode(_arrow_strings(values))
    if isinstance(encoded, pa.ChunkedArray):
        if not encoded.num_chunks:
            encoded = pc.dictionary_encode(pa.array([], type=pa.large_string()))
            encoded = pa.chunked_array([encoded], type=encoded.type)
        if len({len(c.dictionary) for c in encoded.chunks}) > 1:
            encoded = encoded.unify_dictionaries()  # not expected: Arrow gives each chunk the final one
        chunks = encoded.chunks
        dictionary = chunks[-1].dictionary
        indices = pa.chunked_array([c.indices for c in chunks], type=chunks[0].indices.type)
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    categories = np.asarray(dictionary.to_pylist(), dtype=object)
    codes = indices.fill_null(-1).to_numpy().astype("int64")
    # Sorted categories, as pd.Categorical would give: remap the codes through the sort.
    order = np.argsort(categories, kind="stable")
    remap = np.empty(len(order) + 1, dtype="int64")
    remap[order] = np.arange(len(order))
    remap[-1] = -1
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(categories[order], dtype="str"))


_NS_BOUNDS = (pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC"))
_ISO_TIMESTAMP = pa.timestamp("ns", tz="UTC")


_CLOCK_WORDS = frozenset({"now", "today"})


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
    # pandas reads "now" and "today" as the clock's time even with format="ISO8601": not a
    # timestamp the API could send, and a value that would differ between two reads -> NaT.
    values = [None if isinstance(v, str) and v.strip().lower() in _CLOCK_WORDS else v for v in values]
    # ISO8601 is parsed in C (7-digit fractions and any offset included); errors -> NaT.
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    if parsed.unit != "ns":  # coarser units hold years nanoseconds cannot (9999-12-31): -> NaT
        parsed = parsed.where((parsed >= _NS_BOUNDS[0]) & (parsed <= _NS_BOUNDS[1]))
    return parsed.as_unit("ns")


_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"  # what the API writes ("0.0450"): read alike by Arrow and pandas


def _numbers(values: Any) -> np.ndarray:
    arr = _arrow(values)
    if arr is not None and (pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type)):
        # Numbers only (pyarrow rejects a boolean or text among them, and integers a double
        # cannot hold exactly among floats): the values to_numeric gives. Nulls -> NaN.
        return arr.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    text = _arrow_text(arr) if arr is not None else None
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
    arr = _arrow(values)
    if arr is not None and pa.types.is_boolean(arr.type):  # booleans only (NaN and None: null)
        return pd.arrays.BooleanArray(arr.fill_null(False).to_numpy(zero_copy_only=False),
                                      arr.is_null().to_numpy(zero_copy_only=False))  # fmt: skip
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
    if isinstance(values, list) and all(map(is_, values, repeat(None))):
        return np.full(len(values), None, dtype=object)  # all null (e.g. no buttons anywhere)
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


_PREPARERS = {
    "webhooks": _prepare_webhooks,
    "webhook_events": _prepare_webhook_events,
    "messages": _prepare_messages,
    "activities": _prepare_activities,
    "profiles": _prepare_profiles,
    "calls": _prepare_calls,
    "contact_summaries": _prepare_contact_summaries,
    "campaigns": _prepare_campaigns,
}


# --------------------------------------------------------------------------- Arrow fast paths
# For the two frames with nested payloads (webhook events, message details), Arrow reads the
# records: one ``pa.array(values, type=<struct>)`` call per nesting level walks the values in C
# and gives every known field as a typed Arrow column, instead of a Python pass per field. It is
# only a shortcut: it returns None (and the general preparers above run) whenever the batch does
# not fit the layout it knows, so the frame is the same (tests/frames check it).
#
# Why it is laid out this way (both builds stay within 1.3-1.45x of ``pd.DataFrame.from_records``,
# which leaves the nested values untouched; most of the rest is Arrow's conversion itself):
# - chunks of ``_CHUNK`` rows (messages: ``_MESSAGE_CHUNK``): the checks after each Arrow call
#   (key unions and counts, the values of the next level down) then find the chunk's objects
#   still in the CPU cache. Run over the whole batch, each was one more walk through memory,
#   about as slow as a level of the conversion itself. The chunks' arrays are kept as chunked
#   columns, not copied together;
# - one call per level: Arrow converts a struct nested in a struct much more slowly than the
#   same objects given to it as a list (which the checks need anyway);
# - a field the type names but a dict lacks costs Arrow far more than one it holds: at the top
#   level, whose key union is taken anyway, each chunk is read with the fields it holds only.
#
# What Arrow would read differently from the general path, and how each case is caught:
# - a value of another JSON type (a number where text is expected, text or a boolean where a
#   number is expected, a list where an object is expected...): the conversion raises;
# - extra keys (Arrow ignores them): the top level's key union is taken (delivery rows usually
#   hold nulls); below it, the number of keys (sum of len) must equal the number of non-null
#   known fields Arrow found, else the key union of the chunks where it differs is taken;
#   extras are then plucked the general way;
# - missing vs null (Arrow reads both as null): only matters for which columns exist and for
#   the envelope's shape, both decided from the key counts/unions above;
# - non-integral numbers in integer fields (Arrow's int64 truncates them): each numeric field is
#   read twice, as int64 (which rejects booleans and text) and float64 (whose values are used);
# - objects of other Python types (tuples, which Arrow reads positionally, or lists of pairs):
#   ``dict.__len__`` and ``dict.get`` raise on anything that is not a dict, message events'
#   types are checked, and records that are not plain dicts are left to the general path.
# Not caught: bytes where text is expected (not JSON) read as UTF-8 text here, as "b'...'" there.

_TEXT = pa.string()
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, KeyError)
_CHUNK = 1024  # rows of webhook events
_MESSAGE_CHUNK = 4096  # rows of message details: more steps per chunk, fewer chunks
_DICT = {dict}


def _chunks(records: list, size: int) -> Iterator[list]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _text_struct(*names: str) -> pa.StructType:
    return pa.struct([pa.field(k, _TEXT) for k in names])


def _numeric_fields(*names: str) -> list[pa.Field]:
    # Read twice: int64 rejects booleans and text, float64 keeps the exact value (1.5 stays 1.5).
    return [f for name in names for f in (pa.field(name, pa.int64()), pa.field(name, pa.float64()))]


def _joined(arrays: list[pa.Array]) -> pa.ChunkedArray:
    """The chunks' arrays as one column, not copied together (converters take chunked arrays)."""
    return pa.chunked_array(arrays, type=arrays[0].type)


@lru_cache(maxsize=1024)
def _holding(full: pa.StructType, keys: frozenset) -> pa.StructType:
    """``full`` with only the fields named in ``keys``. Arrow looks up every field of the type in
    every dict, and a field that is missing costs much more than one that is there."""
    return pa.struct([f for f in full if f.name in keys])


def _joined_fields(arrays: list[pa.StructArray], full: pa.StructType) -> dict[str, pa.ChunkedArray]:
    """``_children`` of the chunks' arrays, each read with its own ``_holding`` type, as columns:
    a field a chunk's type lacks (no dict of the chunk holds it) is null there."""
    types = {f.name: f.type for f in full}  # a read-twice number: its float64 (the later one)
    per_chunk = [_children(a) for a in arrays]
    return {name: pa.chunked_array([c[name] if name in c else pa.nulls(len(a), t)
                                    for c, a in zip(per_chunk, arrays, strict=True)], type=t)
            for name, t in types.items()}  # fmt: skip


def _children(array: pa.StructArray | pa.ChunkedArray) -> dict[str, Any]:
    """Each field of ``array`` (nulls of the parent applied); a read-twice number: its float64."""
    return dict(zip([f.name for f in array.type], array.flatten(), strict=True))  # later (float64) wins


def _non_null(children: Mapping[str, Any]) -> dict[str, int]:
    return {k: len(v) - v.null_count for k, v in children.items()}


def _non_none(values: list) -> list:
    return values if all(values) else [v for v in values if v is not None]


def _chunked_key_union(presents: list[list], lens: list[int], children: Mapping[str, Any],
                       sizes: list[int]) -> set:  # fmt: skip
    """The union of the keys of every chunk's dicts (``presents``), given each chunk's number of
    keys (``lens``, of ``sizes`` rows) and the Arrow fields read from them (``children``).

    Each key holding a non-null known value is counted by Arrow; in a chunk holding no more keys
    than that, there is no other (extra, or holding null): only the other chunks are walked.
    """
    non_null = _non_null(children)
    keys = {k for k, c in non_null.items() if c}
    if sum(lens) == sum(non_null.values()):
        return keys
    valid = sum(np.cumsum(v.is_valid().to_numpy(zero_copy_only=False), dtype=np.int64) for v in children.values())
    ends = np.cumsum(sizes) - 1
    known = np.diff(valid[ends], prepend=0)  # per chunk
    for present, n_keys, n_known in zip(presents, lens, known, strict=True):
        if n_keys != n_known:
            keys.update(*present)
    return keys


def _ordered(first: Any, union: set) -> list:
    """``_keys`` order (the first dict's keys, then the others sorted) from a known union."""
    head = [k for k in first] if type(first) is dict else []
    return head + sorted(union.difference(head), key=str)


# --------------------------------------------------------------------------- webhook events

_EVENT_TOP_TEXT = ("id", "webhook_id", "event_type", "delivery_status", "response_body", "error_message",
                   "created_at", "processing_started_at", "processing_completed_at", "profile_id")  # fmt: skip
_EVENT_TOP_NUMBERS = ("http_status_code", "delivery_attempts")
_EVENT_TOP_TYPE = pa.struct([*[pa.field(k, _TEXT) for k in _EVENT_TOP_TEXT], *_numeric_fields(*_EVENT_TOP_NUMBERS)])
_EVENT_ENVELOPE_TYPE = _text_struct("field", "event", "timestamp", "request_id", "valueKind")
_EVENT_PAYLOAD_TYPE = _text_struct(*_PAYLOAD_FIELDS)
_EVENT_TOP_KNOWN = frozenset({*_EVENT_TOP_TEXT, *_EVENT_TOP_NUMBERS, "event_data"})
_EVENT_COLUMNS = frozenset(c.name for c in columns("webhook_events"))
_OLD_EVENT_KEYS = frozenset({"payload", *FIELD_ALIASES["webhook_events"]})  # the older shape's names


class _EventChunk(NamedTuple):
    top: pa.StructArray  # the delivery row's fields
    top_keys: set
    envelope: pa.StructArray  # event_data's fields
    envelopes: list  # event_data per row: a dict or None
    env_present: list  # the dicts among them
    env_len: int  # their keys, counted
    payload: pa.StructArray  # likewise for event_data.payload
    payloads: list
    pay_present: list
    pay_len: int


def _event_chunk(chunk: list) -> _EventChunk | None:
    """One chunk of webhook events read by Arrow, and the keys the general path would see."""
    if set(map(type, chunk)) != _DICT:  # other mappings, non-mappings: the general path's business
        return None
    top_keys = set().union(*chunk)  # delivery rows usually hold nulls (error_message...): no count
    try:
        top = pa.array(chunk, type=_holding(_EVENT_TOP_TYPE, frozenset(top_keys & _EVENT_TOP_KNOWN)))
        envelopes = list(map(dict.get, chunk, repeat("event_data")))
        envelope = pa.array(envelopes, type=_EVENT_ENVELOPE_TYPE)
        env_present = _non_none(envelopes)
        # dict.__len__ raises TypeError on NaN (null to Arrow, not None) and on what Arrow reads
        # as an object without being one (a tuple, a list of pairs); dict.get on the latter too.
        env_len = sum(map(dict.__len__, env_present))
        rows = envelopes if env_present is envelopes else [_EMPTY if e is None else e for e in envelopes]
        payloads = list(map(dict.get, rows, repeat("payload")))
        payload = pa.array(payloads, type=_EVENT_PAYLOAD_TYPE)
        pay_present = _non_none(payloads)
        pay_len = sum(map(dict.__len__, pay_present))
    except _ARROW_ERRORS:
        return None
    return _EventChunk(top, top_keys, envelope, envelopes, env_present, env_len, payload, payloads, pay_present,
                       pay_len)  # fmt: skip


def _read_chunks(records: list, size: int, read: Callable[[list], Any]) -> list | None:
    """``read`` of each chunk of ``records``, or None as soon as one chunk does not fit the fast path."""
    parts = []
    for chunk in _chunks(records, size):
        part = read(chunk)
        if part is None:
            return None
        parts.append(part)
    return parts


def _fast_webhook_events(records: list) -> dict[str, Any] | None:
    """``_prepare_webhook_events`` read by Arrow, or None where the batch does not fit."""
    parts = _read_chunks(records, _CHUNK, _event_chunk)
    if parts is None:
        return None
    top_keys = set().union(*(p.top_keys for p in parts))
    extras = top_keys - _EVENT_TOP_KNOWN
    # The old shape (aliases, top-level payload) and names that the flattening would overwrite
    # are left to the general path.
    if any(type(k) is not str or k in _EVENT_COLUMNS or k in _OLD_EVENT_KEYS
           or k.startswith(("event_data_", "payload_")) for k in extras):  # fmt: skip
        return None
    top = _joined_fields([p.top for p in parts], _EVENT_TOP_TYPE)
    values: dict[str, Any] = {}
    plucked = _pluck(records, sorted(extras)) if extras else {}
    for key in _ordered(records[0], top_keys):
        if key != "event_data":
            values[key] = top[key] if key in top else plucked[key]
    for key in _EVENT_TOP_TEXT + _EVENT_TOP_NUMBERS:
        values.setdefault(key, top[key])  # absent everywhere: all null, as the general path reads it
    envelope = _joined([p.envelope for p in parts])
    if envelope.null_count == len(envelope):
        return values  # no envelope anywhere: nothing to flatten
    sizes = [len(p.envelopes) for p in parts]
    fields = _children(envelope)
    payload = _joined([p.payload for p in parts])
    env_keys = _chunked_key_union([p.env_present for p in parts], [p.env_len for p in parts],
                                  {**fields, "payload": payload}, sizes)  # fmt: skip
    # An object with none of payload/field/event/valueKind is the old shape's bare payload: the
    # general path reads it differently. Null and missing look alike to Arrow: give up on both.
    marked = pc.or_(pc.or_(payload.is_valid(), fields["field"].is_valid()),
                    pc.or_(fields["event"].is_valid(), fields["valueKind"].is_valid()))  # fmt: skip
    if pc.any(pc.and_(envelope.is_valid(), pc.invert(marked))).as_py():
        return None
    if any(type(k) is not str for k in env_keys):
        return None
    env_extras = [k for k in _ordered(parts[0].envelopes[0], env_keys)
                  if k not in _ENVELOPE_FIELDS and k not in _ENVELOPE_SKIP]  # fmt: skip
    if env_extras:
        envelopes = list(chain.from_iterable(p.envelopes for p in parts))
        for key, column in _pluck(_mappings(envelopes), env_extras).items():
            values[f"event_data_{key}"] = column
    for key, name in _ENVELOPE_FIELDS.items():
        values[name] = fields[key]
    if payload.null_count == len(payload):
        return values
    payload_fields = _children(payload)
    pay_keys = _chunked_key_union([p.pay_present for p in parts], [p.pay_len for p in parts], payload_fields, sizes)
    if any(type(k) is not str for k in pay_keys):
        return None
    pay_extras = [k for k in _ordered(parts[0].payloads[0], pay_keys) if k not in payload_fields]
    if pay_extras:
        payloads = list(chain.from_iterable(p.payloads for p in parts))
        for key, column in _pluck(_mappings(payloads), pay_extras).items():
            values[f"payload_{key}"] = column
    values.update(payload_fields)
    return values


# --------------------------------------------------------------------------- message details
# The flat text fields, the endpoint shape of ``message_body`` and the ``events`` lists are
# read by Arrow; prices (numbers, or the API's strings) and buttons (any JSON) are plucked per
# chunk. Anything else (the data-models body shape, flat body or status-time fields, values of
# another type...) is left to ``_prepare_messages``.

_MESSAGE_FLAT = ("id", "customer_id", "contact_id", "phone", "phone_international", "region_code", "channel",
                 "direction", "template_id", "template_name", "template_category", "status", "created_at",
                 "reason_code", "reason", "source", "profile_id", "scheduled_at")  # fmt: skip
_MESSAGE_TYPE = _text_struct(*_MESSAGE_FLAT)
_MESSAGE_BODY_TYPE = _text_struct("content", "header", "footer", "body", "subject")
_MESSAGE_PLUCKED = ("price", "active_contact_price")
_MESSAGE_KNOWN = frozenset({*_MESSAGE_FLAT, *_MESSAGE_PLUCKED, "message_body", "events"})
# Columns the flattening writes: a flat field of the same name is the general path's business.
_MESSAGE_DERIVED = frozenset({"body", "body_header", "body_footer", "body_buttons", "body_subject", "body_media",
                              "updated_at", *STATUS_TIME_COLUMNS.values()})  # fmt: skip
_EVENT_LISTS = {list, type(None)}
_EVENT_ITEMS = {dict, type(None)}


class _MessageChunk(NamedTuple):
    flat: pa.StructArray
    keys: set
    plucked: tuple[list, ...]  # price, active_contact_price per row
    numbers: tuple[pa.Array | None, ...]  # the same as float64 where they are numbers (or null)
    body: pa.StructArray
    bodies: list  # message_body per row
    buttons: list  # message_body.buttons per row
    media: list  # message_body.media per row
    events: pa.ListArray


def _message_chunk(chunk: list) -> _MessageChunk | None:
    """One chunk of message details read by Arrow, or None where it does not fit."""
    if set(map(type, chunk)) != _DICT:
        return None
    keys = set().union(*chunk)
    try:
        flat = pa.array(chunk, type=_holding(_MESSAGE_TYPE, frozenset(keys & _MESSAGE_KNOWN)))
        plucked = tuple(list(map(dict.get, chunk, repeat(key))) for key in _MESSAGE_PLUCKED)
        numbers = tuple(map(_float64, plucked))
        bodies = list(map(dict.get, chunk, repeat("message_body")))
        body = pa.array(bodies, type=_MESSAGE_BODY_TYPE)
        rows = bodies if all(bodies) else [_EMPTY if b is None else b for b in bodies]
        buttons = list(map(dict.get, rows, repeat("buttons")))  # TypeError: NaN, a tuple, a list of pairs
        media = list(map(dict.get, rows, repeat("media")))
        lists = list(map(dict.get, chunk, repeat("events")))
        # Arrow reads any sequence as a list, and a tuple or a list of pairs as an object; the
        # general path only lists (anything else: no events) of dicts (anything else: skipped).
        if not set(map(type, lists)) <= _EVENT_LISTS:
            return None
        if not set(map(type, chain.from_iterable(filter(None, lists)))) <= _EVENT_ITEMS:
            return None
        events = pa.array(lists, type=_MESSAGE_EVENTS)
    except _ARROW_ERRORS:
        return None
    return _MessageChunk(flat, keys, plucked, numbers, body, bodies, buttons, media, events)


def _float64(values: list) -> pa.Array | None:
    """``values`` as a float64 Arrow array if they are all numbers or null (as ``_numbers`` reads
    them), else None."""
    arr = _arrow(values)
    if arr is not None and (pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type)
                            or pa.types.is_null(arr.type)):  # fmt: skip
        return arr.cast(pa.float64(), safe=False)
    return None


def _fast_messages(records: list) -> dict[str, Any] | None:
    """``_prepare_messages`` read by Arrow, or None where the batch does not fit."""
    parts = _read_chunks(records, _MESSAGE_CHUNK, _message_chunk)
    if parts is None:
        return None
    keys = set().union(*(p.keys for p in parts))
    extras = keys - _MESSAGE_KNOWN
    if any(type(k) is not str or k in _MESSAGE_DERIVED for k in extras):
        return None
    flat = _joined_fields([p.flat for p in parts], _MESSAGE_TYPE)
    plucked = _pluck(records, sorted(extras)) if extras else {}
    values: dict[str, Any] = {}
    for key in _ordered(records[0], keys):  # the general path's order (that of the extras)
        if key in flat:
            values[key] = flat[key]
        elif key in plucked:
            values[key] = plucked[key]
    for i, key in enumerate(_MESSAGE_PLUCKED):
        if key in keys:
            numbers = [p.numbers[i] for p in parts]
            if all(a is not None for a in numbers):
                values[key] = _joined(numbers)
            else:  # text (the API's "0.0450"), or something else: read the general way
                values[key] = list(chain.from_iterable(p.plucked[i] for p in parts))
    if "message_body" in keys:
        body = _children(_joined([p.body for p in parts]))
        content, text = body["content"], body["body"]
        if text.null_count < len(text):
            # "content" present wins over "body", even holding null: rows with no content and
            # a body are decided the long way.
            bodies = list(chain.from_iterable(p.bodies for p in parts))
            pick = pc.and_(content.is_null(), text.is_valid()).to_numpy(zero_copy_only=False)
            content = content.to_pylist()
            for i in np.flatnonzero(pick):
                if "content" not in bodies[i]:
                    content[i] = bodies[i]["body"]
        values["body"] = content
        values["body_header"] = body["header"]
        values["body_footer"] = body["footer"]
        values["body_buttons"] = list(chain.from_iterable(p.buttons for p in parts))
        values["body_subject"] = body["subject"]
        values["body_media"] = list(chain.from_iterable(p.media for p in parts))
    if "events" in keys:
        values.update(_arrow_status_times([p.events for p in parts], len(records)))
    return values


def _arrow_status_times(chunks: list[pa.ListArray], n: int) -> dict[str, Any]:
    """``_status_times`` from the Arrow-read ``events`` lists (list<struct<timestamp, status>>)."""
    rows, flat, offset = [], [], 0
    for chunk in chunks:
        rows.append(pc.list_parent_indices(chunk).to_numpy() + offset)
        flat.append(pc.list_flatten(chunk))
        offset += len(chunk)
    timestamps, statuses = _joined(flat).flatten()
    return _status_time_columns(np.concatenate(rows), timestamps, statuses, n)


_FAST_PATHS = {"webhook_events": _fast_webhook_events, "messages": _fast_messages}


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
    """
    return build_frame(name, [])


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the declared columns of ``name`` first, in order and dtype; extras kept.

    >>> from sentlab._frames import conform
    >>> conform("messages", pd.DataFrame({"id": ["m1"]})).shape[1] >= 29
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
