"""Raw JSON values -> arrays of a column's declared dtype, one vectorised call per column.

Each converter takes a list of raw JSON values (or an Arrow array, from the fast paths) and returns
an array of the declared dtype. The fast path (values already of the expected JSON type) is one
vectorised call; anything else is cleaned first, so garbage gives nulls, never an exception.

>>> from sentlab._converters import _convert
>>> from sentlab._schemas import Column
>>> _convert(Column("price", "money", ""), ["0.0450", None, "n/a"])
<FloatingArray>
[0.045, <NA>, <NA>]
Length: 3, dtype: Float64
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from itertools import repeat
from operator import is_
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from sentlab._schemas import Column

_EMPTY: Mapping[str, Any] = {}
_STRING_KINDS = frozenset({"string", "empty"})
#: What Arrow raises on values it cannot read as the type asked for.
_ARROW_ERRORS = (pa.ArrowException, TypeError, ValueError, OverflowError, KeyError)

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
