"""The vectorised paths of the builder (Arrow casts, per-row reductions) against the plain pandas
readings they replace: same values, and the rare inputs they do not read fall back, not fail."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.api.types import infer_dtype

from sentlab._converters import (
    _BOOLS,
    _numbers,
    _to_bool,
    _to_category,
    _to_list,
    _to_str,
    _to_timestamp,
)
from sentlab._frames import build_frame

STAMPS = [
    "2026-04-08T15:54:52.1546567+00:00", "2026-04-08T15:54:52Z", "2026-04-08T17:54:52.1+02:00",
    "2026-04-08 15:54:52+00:00", "2026-04-08T15:54:52+0200", "2026-04-08T15:54+00:00",
    "2026-04-08T15:54:52-05:30", "2026-04-08T15:54:52.123456789+00:00", "2262-04-11T23:47:16.854775807+00:00",
    # Arrow does not read these: the column falls back to pandas.
    "2026-04-08T15:54:52", "2026-04-08", "20260408T155452Z", "2026-04-08T15:54:52.+00:00",
    " 2026-04-08T15:54:52+00:00", "2026-04-08T15:54:52.123456789123+00:00",
    # Nobody reads these: NaT.
    "2026-02-30T00:00:00+00:00", "2026-04-08T24:00:00+00:00", "not a date", "",
    "2262-04-11T23:47:16.854775808+00:00",
]  # fmt: skip


def pandas_reading(values: list) -> pd.DatetimeIndex:
    parsed = pd.to_datetime([v if isinstance(v, str) else None for v in values], format="ISO8601", utc=True,
                            errors="coerce")  # fmt: skip
    lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
    return parsed.where((parsed >= lo) & (parsed <= hi)).as_unit("ns")


@pytest.mark.parametrize("stamp", STAMPS)
def test_each_timestamp_form_reads_as_pandas_reads_it(stamp):
    pd.testing.assert_index_equal(_to_timestamp([stamp, None]), pandas_reading([stamp, None]))


def test_columns_mixing_forms_read_as_pandas_reads_them():
    rng = random.Random(7)
    for _ in range(50):
        column = [rng.choice([*STAMPS[:9], None]) for _ in range(20)]
        if rng.random() < 0.5:
            column[rng.randrange(20)] = rng.choice(STAMPS[9:])
        pd.testing.assert_index_equal(_to_timestamp(column), pandas_reading(column))


def test_out_of_range_years_give_nat_not_an_error():
    # Before: "9999-12-31" (a common "never" sentinel) raised OutOfBoundsDatetime from
    # build_frame unless a 7-digit fraction elsewhere in the column made pandas pick ns.
    frame = build_frame("contacts", [{"id": "a", "created_at": "9999-12-31T00:00:00+00:00"},
                                     {"id": "b", "created_at": "2026-04-08T15:54:52+00:00"}])  # fmt: skip
    assert pd.isna(frame.created_at[0]) and frame.created_at[1] == pd.Timestamp("2026-04-08T15:54:52Z")
    assert str(frame.created_at.dtype) == "datetime64[ns, UTC]"
    alone = build_frame("contacts", [{"created_at": "1000-01-01T00:00:00+00:00"}])
    assert alone.created_at.isna().all()


def test_decimal_strings_read_exactly_as_to_numeric():
    rng = random.Random(3)
    strings = [f"{rng.randrange(0, 10**6) / 10**4:.4f}" for _ in range(5000)]
    strings += ["0", "-0.0050", "12345678901234567890", "9007199254740993", "0.1", None]
    expected = pd.to_numeric(pd.Series(strings, dtype=object), errors="coerce").to_numpy(dtype="float64")
    np.testing.assert_array_equal(_numbers(strings), expected)


@pytest.mark.parametrize("odd", ["1e3", " 1", "inf", "NaN", "+1", ".5", "5.", "0x10", "n/a", "1,5"])
def test_other_numeric_text_falls_back_to_to_numeric(odd):
    values = ["0.0450", odd, None]
    expected = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype="float64")
    np.testing.assert_array_equal(_numbers(values), expected)


@pytest.mark.parametrize("values", [
    [1, 2, None], [0.0055, None, float("nan")], [1, 2.5], [2**53 + 1, -3], [2**63, 5], [2**63, -1],
    [2**70], [1.5, 2**60], [True, 1], [True, None], [1, "2"], [float("inf"), -0.0], [None, None],
])  # fmt: skip
def test_numbers_read_exactly_as_to_numeric(values):
    # Numbers only: read by Arrow; anything else (booleans, text, integers a double cannot hold
    # among floats...) the long way. Both give what pandas' to_numeric gives (booleans: null).
    cleaned = [None if isinstance(v, bool) else v for v in values]
    expected = pd.to_numeric(pd.Series(cleaned, dtype=object), errors="coerce").to_numpy(dtype="float64")
    np.testing.assert_array_equal(_numbers(values), expected)


@pytest.mark.parametrize("values", [
    [True, False, None], [True, float("nan")], [np.bool_(True), False], [None, None],
    [True, 1], ["true", "False", True], [True, 0.0], [[True], False],
])  # fmt: skip
def test_booleans_read_as_before(values):
    # The reading before Arrow's: pandas' inference, and the values cleaned unless all booleans.
    if infer_dtype(values, skipna=True) not in ("boolean", "empty"):
        values = [_BOOLS.get(v) if isinstance(v, bool | str | int) else None for v in values]
    pd.testing.assert_extension_array_equal(_to_bool(values), pd.array(values, dtype="boolean"))


def test_categories_from_chunked_arrow_text_are_those_of_the_values():
    chunks = pa.chunked_array([pa.array(["sms", None]), pa.array(["whatsapp", "sms"]), pa.array(["rcs"])])
    expected = pd.Categorical(["sms", None, "whatsapp", "sms", "rcs"])
    actual = _to_category(chunks)
    assert actual.tolist()[:1] == ["sms"] and pd.isna(actual[1])
    assert list(actual.categories) == list(expected.categories) and actual.tolist()[2:] == expected.tolist()[2:]
    assert len(_to_category(pa.chunked_array([], type=pa.string()))) == 0


def test_all_null_lists_stay_null():
    out = _to_list([None] * 4)
    assert out.dtype == object and all(v is None for v in out)


def test_text_columns_holding_other_values_are_cleaned_as_before():
    values = ["a", 5, 2.5, True, {"k": 1}, [1], b"raw", float("nan"), None]
    assert _to_str(values).tolist()[:7] == ["a", "5", "2.5", "True", '{"k": 1}', "[1]", "b'raw'"]
    assert pd.isna(_to_str(values)[7]) and pd.isna(_to_str(values)[8])


def test_status_times_take_the_first_of_each_status_and_the_latest_of_all():
    t = "2026-04-08T10:00:0{}+00:00".format
    events = [
        [{"status": "QUEUED", "timestamp": t(3)}, {"status": "QUEUED", "timestamp": t(1)},
         {"status": "SENT", "timestamp": t(5)}, {"status": "CANCELLED", "timestamp": t(9)}],
        [],
        None,
        ["junk", {"status": "READ"}, {"status": {"nested": 1}, "timestamp": t(2)}, {"timestamp": t(4)}],
        [{"status": "FAILED", "timestamp": "garbage"}],
        [{"status": "QUEUED", "timestamp": "2262-04-11T23:47:16.854775807+00:00"}],  # the latest time there is
    ]  # fmt: skip
    frame = build_frame("messages", [{"id": str(i), "events": e} for i, e in enumerate(events)])
    ts = pd.Timestamp
    assert frame.queued_at.tolist()[:1] == [ts(t(1))] and frame.sent_at[0] == ts(t(5))
    assert frame.updated_at.tolist()[0] == ts(t(9)) and frame.updated_at[3] == ts(t(4))
    assert frame.updated_at[1:3].isna().all() and pd.isna(frame.updated_at[4])
    assert frame.read_at.isna().all() and frame.failed_at.isna().all() and frame.delivered_at.isna().all()
    latest = pd.Timestamp("2262-04-11T23:47:16.854775807+00:00")
    assert frame.queued_at[5] == latest and frame.updated_at[5] == latest
