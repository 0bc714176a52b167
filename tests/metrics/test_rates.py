"""delivery_rates: the contract of DESIGN.md on hand-built frames, and a naive reference."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentlab

from .build import messages

LEFT = {"SENT", "DELIVERED", "READ", "FAILED"}
PENDING = {"QUEUED", "ACCEPTED", "PROCESSED", "ROUTED", "SCHEDULED"}
COUNTS = ["messages", "pending", "other", "n", "sent", "delivered", "read", "failed"]
RATES = ["delivery_rate", "failure_rate", "read_rate"]
COLUMNS = [*COUNTS, *(f"{rate}{end}" for rate in RATES for end in ("", "_low", "_high"))]


def one_row(frame: pd.DataFrame) -> dict:
    out = sentlab.delivery_rates(frame)
    assert len(out) == 1
    return out.iloc[0].to_dict()


def test_pending_messages_are_counted_but_never_in_a_denominator():
    frame = messages(*({"status": s} for s in ["DELIVERED", "FAILED", *PENDING, "QUEUED"]))
    row = one_row(frame)
    assert (row["messages"], row["pending"], row["n"]) == (8, 6, 2)
    assert row["delivery_rate"] == 0.5 and row["failure_rate"] == 0.5
    only_pending = one_row(messages({"status": "QUEUED"}, {"status": "SCHEDULED"}))
    assert only_pending["n"] == 0 and np.isnan(only_pending["delivery_rate"])
    assert np.isnan(only_pending["delivery_rate_low"]) and np.isnan(only_pending["delivery_rate_high"])


def test_unknown_and_missing_statuses_are_counted_in_other_and_left_out_of_every_rate():
    row = one_row(messages({"status": "DELIVERED"}, {"status": "CANCELLED"}, {"status": "bounced"}, {}))
    assert (row["messages"], row["other"], row["pending"], row["n"]) == (4, 3, 0, 1)
    assert row["delivery_rate"] == 1.0


def test_delivered_counts_read_and_read_rate_is_over_delivered_plus_read():
    row = one_row(messages(*({"status": s} for s in ["DELIVERED", "DELIVERED", "READ", "SENT", "FAILED"])))
    assert (row["n"], row["sent"], row["delivered"], row["read"], row["failed"]) == (5, 1, 3, 1, 1)
    assert row["delivery_rate"] == pytest.approx(3 / 5)
    assert row["failure_rate"] == pytest.approx(1 / 5)
    assert row["read_rate"] == pytest.approx(1 / 3)  # not 1/5: only delivered messages can be read
    low, high = sentlab.wilson_interval(1, 3)
    assert (row["read_rate_low"], row["read_rate_high"]) == (pytest.approx(low), pytest.approx(high))


def test_lower_case_statuses_count_like_upper_case():
    lower = one_row(messages(*({"status": s} for s in ["delivered", "Read", "failed", "queued", "sent"])))
    upper = one_row(messages(*({"status": s} for s in ["DELIVERED", "READ", "FAILED", "QUEUED", "SENT"])))
    assert lower == upper


def test_every_rate_carries_its_wilson_interval_and_n():
    frame = messages(*({"status": "DELIVERED"} for _ in range(90)), *({"status": "FAILED"} for _ in range(10)))
    row = one_row(frame)
    assert row["n"] == 100
    assert round(row["delivery_rate_low"], 3) == 0.826 and round(row["delivery_rate_high"], 3) == 0.945
    low, high = sentlab.wilson_interval(10, 100)
    assert row["failure_rate_low"] == pytest.approx(low) and row["failure_rate_high"] == pytest.approx(high)


def test_confidence_changes_the_interval_width():
    frame = messages(*({"status": "DELIVERED"} for _ in range(9)), {"status": "FAILED"})
    narrow = sentlab.delivery_rates(frame, confidence=0.8).iloc[0]
    wide = sentlab.delivery_rates(frame, confidence=0.99).iloc[0]
    assert wide.delivery_rate_low < narrow.delivery_rate_low <= 0.9
    assert 0.9 <= narrow.delivery_rate_high < wide.delivery_rate_high


def test_output_columns_are_the_keys_then_the_counts_then_the_rates():
    frame = messages({"status": "DELIVERED", "channel": "sms"})
    assert list(sentlab.delivery_rates(frame).columns) == COLUMNS
    assert list(sentlab.delivery_rates(frame, by="channel").columns) == ["channel", *COLUMNS]
    counts = sentlab.delivery_rates(frame)[COUNTS].dtypes
    assert all(dtype == "int64" for dtype in counts)


# -- a naive reference, one row at a time ---------------------------------------------------------

STATUSES = ["QUEUED", "accepted", "Processed", "ROUTED", "scheduled", "SENT", "delivered", "Delivered", "READ",
            "FAILED", "failed", "CANCELLED", "bounced", None]  # fmt: skip
CHANNELS = ["sms", "whatsapp", "rcs", None]


def reference(records: list[dict]) -> dict[object, Counter]:
    """The contract, read literally: one message at a time."""
    groups: dict[object, Counter] = {}
    for record in records:
        status = record["status"].upper() if record["status"] is not None else None
        count = groups.setdefault(record["channel"], Counter())
        count["messages"] += 1
        if status in PENDING:
            count["pending"] += 1
        elif status in LEFT:
            count["n"] += 1
            count["sent"] += status == "SENT"
            count["delivered"] += status in ("DELIVERED", "READ")
            count["read"] += status == "READ"
            count["failed"] += status == "FAILED"
        else:
            count["other"] += 1
    return groups


def rate(k: int, n: int) -> float:
    return k / n if n else float("nan")


records_strategy = st.lists(
    st.fixed_dictionaries({"status": st.sampled_from(STATUSES), "channel": st.sampled_from(CHANNELS)}),
    max_size=60,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records_strategy)
def test_delivery_rates_equal_a_naive_per_message_reference(records):
    expected = reference(records)
    frame = messages(*records)
    by_channel = sentlab.delivery_rates(frame, by="channel")
    assert len(by_channel) == len(expected)
    for _, row in by_channel.iterrows():
        count = expected[None if pd.isna(row["channel"]) else row["channel"]]
        assert [int(row[c]) for c in COUNTS] == [count[c] for c in COUNTS]
        for name, k, n in (("delivery_rate", "delivered", "n"), ("failure_rate", "failed", "n"),
                           ("read_rate", "read", "delivered")):  # fmt: skip
            np.testing.assert_allclose(row[name], rate(count[k], count[n]))
            low, high = sentlab.wilson_interval(count[k], count[n])
            np.testing.assert_allclose([row[f"{name}_low"], row[f"{name}_high"]], [low, high])
    overall = sentlab.delivery_rates(frame).iloc[0]
    total = sum(expected.values(), Counter())
    assert [int(overall[c]) for c in COUNTS] == [total[c] for c in COUNTS]
