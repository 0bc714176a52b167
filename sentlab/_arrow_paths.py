"""The Arrow fast paths of the builder: webhook events and message details read by Arrow.

Both frames have nested payloads; where a batch fits the layout Arrow is given, one
``pa.array(values, type=<struct>)`` call per nesting level reads every known field as a typed
column. Where it does not fit, the path gives None and the builder takes the general path
(``sentlab._record_columns``): the frame is the same either way (tests/frames check it).

>>> from sentlab._arrow_paths import FAST_PATHS
>>> sorted(FAST_PATHS)
['messages', 'webhook_events']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from itertools import chain, repeat
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sentlab._converters import _ARROW_ERRORS, _EMPTY, _arrow
from sentlab._record_columns import (
    _ENVELOPE_FIELDS,
    _ENVELOPE_SKIP,
    _MESSAGE_EVENTS,
    _PAYLOAD_FIELDS,
    _mappings,
    _pluck,
    _status_time_columns,
)
from sentlab._schemas import FIELD_ALIASES, columns
from sentlab._statuses import STATUS_TIME_COLUMNS

# --------------------------------------------------------------------------- how they read
# For the two frames with nested payloads (webhook events, message details), Arrow reads the
# records: one ``pa.array(values, type=<struct>)`` call per nesting level walks the values in C
# and gives every known field as a typed Arrow column, instead of a Python pass per field. It is
# only a shortcut: it returns None (and the general preparers of ``_record_columns`` run) whenever the batch does
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


FAST_PATHS = {"webhook_events": _fast_webhook_events, "messages": _fast_messages}
