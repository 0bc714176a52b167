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
COUNTS = ["messages", "inbound", "outbound", "pending", "cancelled", "blocked", "filtered", "unknown", "n", "sent",
          "delivered", "read", "failed"]  # fmt: skip
RATES = ["delivery_rate", "failure_rate", "read_rate", "blocked_rate", "dashboard_deliverability"]
COLUMNS = [*COUNTS, *(f"{rate}{end}" for rate in RATES for end in ("", "_low", "_high", "_numerator", "_denominator"))]


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


def test_unknown_and_missing_statuses_are_counted_in_unknown_and_left_out_of_our_rates():
    row = one_row(messages({"status": "DELIVERED"}, {"status": "CANCELLED"}, {"status": "bounced"}, {}))
    assert (row["messages"], row["unknown"], row["cancelled"], row["pending"], row["n"]) == (4, 2, 1, 0, 1)
    assert row["delivery_rate"] == 1.0 and row["blocked_rate_denominator"] == 1
    # The dashboard counts every outbound message but BLOCKED and FILTERED, unknown ones included.
    assert (row["dashboard_deliverability_numerator"], row["dashboard_deliverability_denominator"]) == (1, 4)


def test_blocked_and_filtered_are_stopped_by_the_platform_and_have_their_own_rate():
    statuses = ["DELIVERED", "READ", "SENT", "FAILED", "BLOCKED", "BLOCKED", "FILTERED", "QUEUED", "CANCELLED"]
    row = one_row(messages(*({"status": s} for s in statuses)))
    assert (row["n"], row["blocked"], row["filtered"], row["pending"], row["cancelled"]) == (4, 2, 1, 1, 1)
    # Stopped messages never reached a carrier: not in the delivery or failure rate's denominator.
    assert row["delivery_rate"] == pytest.approx(2 / 4) and row["failure_rate"] == pytest.approx(1 / 4)
    assert row["blocked_rate"] == pytest.approx(3 / 7)  # (BLOCKED + FILTERED) / (left the queue + them)
    assert (row["blocked_rate_numerator"], row["blocked_rate_denominator"]) == (3, 7)
    low, high = sentlab.wilson_interval(3, 7)
    assert (row["blocked_rate_low"], row["blocked_rate_high"]) == (pytest.approx(low), pytest.approx(high))
    # The dashboard: SENT counts as a success, pending and cancelled are in the denominator.
    assert row["dashboard_deliverability"] == pytest.approx(3 / 6)
    assert (row["dashboard_deliverability_numerator"], row["dashboard_deliverability_denominator"]) == (3, 6)


def test_inbound_messages_are_never_in_an_outbound_rate_whatever_their_status():
    frame = messages({"status": "DELIVERED", "direction": "outbound"}, {"status": "FAILED"},
                     {"status": "RECEIVED"},                          # inbound by its status
                     {"status": "DELIVERED", "direction": "inbound"},  # inbound by its direction
                     {"status": "BLOCKED", "direction": "INBOUND"}, {"status": "QUEUED", "direction": "inbound"})  # fmt: skip
    row = one_row(frame)
    assert (row["messages"], row["inbound"], row["outbound"]) == (6, 4, 2)
    assert (row["n"], row["delivered"], row["blocked"], row["pending"], row["unknown"]) == (2, 1, 0, 0, 0)
    assert row["delivery_rate"] == 0.5 and row["dashboard_deliverability_denominator"] == 2
    # Without a direction column every message but a RECEIVED one is outbound.
    assert one_row(frame.drop(columns="direction"))["inbound"] == 1


def test_each_rate_carries_its_numerator_and_denominator():
    frame = messages(*({"status": s, "channel": c} for s, c in [("DELIVERED", "sms"), ("READ", "whatsapp"),
                     ("FAILED", "sms"), ("BLOCKED", "sms"), ("QUEUED", "whatsapp"), ("SENT", "rcs")]))  # fmt: skip
    for _, row in sentlab.delivery_rates(frame, by="channel").iterrows():
        stopped = row["blocked"] + row["filtered"]
        expected = {"delivery_rate": (row["delivered"], row["n"]), "failure_rate": (row["failed"], row["n"]),
                    "read_rate": (row["read"], 0 if row["channel"] == "sms" else row["delivered"]),  # no receipts
                    "blocked_rate": (stopped, row["n"] + stopped),
                    "dashboard_deliverability": (row["sent"] + row["delivered"], row["outbound"] - stopped)}
        for rate, (k, n) in expected.items():
            assert (row[f"{rate}_numerator"], row[f"{rate}_denominator"]) == (k, n)
            assert np.isnan(row[rate]) if n == 0 else row[rate] == pytest.approx(k / n)


def test_delivered_counts_read_and_read_rate_is_over_delivered_plus_read():
    row = one_row(messages(*({"status": s} for s in ["DELIVERED", "DELIVERED", "READ", "SENT", "FAILED"])))
    assert (row["n"], row["sent"], row["delivered"], row["read"], row["failed"]) == (5, 1, 3, 1, 1)
    assert row["delivery_rate"] == pytest.approx(3 / 5)
    assert row["failure_rate"] == pytest.approx(1 / 5)
    assert row["read_rate"] == pytest.approx(1 / 3)  # not 1/5: only delivered messages can be read
    low, high = sentlab.wilson_interval(1, 3)
    assert (row["read_rate_low"], row["read_rate_high"]) == (pytest.approx(low), pytest.approx(high))


def test_read_rate_only_over_channels_with_read_receipts():
    # SMS and MMS cannot report a read: no read rate of their own, and none diluting a mixed group's
    rows = [("READ", "whatsapp"), ("DELIVERED", "whatsapp"), ("DELIVERED", "sms"), ("DELIVERED", "SMS"),
            ("DELIVERED", "mms"), ("READ", "rcs")]
    frame = messages(*({"status": s, "channel": c, "region_code": "US"} for s, c in rows))
    by_channel = sentlab.delivery_rates(frame, by="channel").set_index("channel")
    for channel in ("sms", "SMS", "mms"):
        assert np.isnan(by_channel.loc[channel, "read_rate"]) and by_channel.loc[channel, "read_rate_denominator"] == 0
        assert np.isnan(by_channel.loc[channel, "read_rate_low"])
    assert by_channel.loc["whatsapp", "read_rate"] == pytest.approx(1 / 2)
    region = sentlab.delivery_rates(frame, by="region_code").iloc[0]
    assert (region["read_rate_numerator"], region["read_rate_denominator"]) == (2, 3)  # not 2 of 6
    assert region["delivered"] == 6  # the delivery counts still see every channel


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
    parts = [f"{rate}{end}" for rate in RATES for end in ("_numerator", "_denominator")]
    counts = sentlab.delivery_rates(frame)[COUNTS + parts].dtypes
    assert all(dtype == "int64" for dtype in counts)


# -- a naive reference, one row at a time ---------------------------------------------------------

STATUSES = ["QUEUED", "accepted", "Processed", "ROUTED", "scheduled", "SENT", "delivered", "Delivered", "READ",
            "FAILED", "failed", "CANCELLED", "cancelled", "BLOCKED", "blocked", "FILTERED", "RECEIVED", "received",
            "bounced", None]  # fmt: skip
CHANNELS = ["sms", "whatsapp", "rcs", "mms", None]
DIRECTIONS = ["outbound", "inbound", "Inbound", None]


def reference(records: list[dict]) -> dict[object, Counter]:
    """The contract, read literally: one message at a time."""
    groups: dict[object, Counter] = {}
    for record in records:
        status = record["status"].upper() if record["status"] is not None else None
        direction = (record.get("direction") or "").lower()
        count = groups.setdefault(record["channel"], Counter())
        count["messages"] += 1
        if direction == "inbound" or status == "RECEIVED":
            count["inbound"] += 1  # never in an outbound rate, whatever its status
            continue
        count["outbound"] += 1
        if status in PENDING:
            count["pending"] += 1
        elif status in LEFT:
            count["n"] += 1
            count["sent"] += status == "SENT"
            count["delivered"] += status in ("DELIVERED", "READ")
            count["read"] += status == "READ"
            count["failed"] += status == "FAILED"
        elif status == "BLOCKED":
            count["blocked"] += 1
        elif status == "FILTERED":
            count["filtered"] += 1
        elif status == "CANCELLED":
            count["cancelled"] += 1
        else:
            count["unknown"] += 1
    return groups


def reference_rates(count: Counter, channel: str | None = None) -> dict[str, tuple[int, int]]:
    """Each rate's (numerator, denominator), as DESIGN.md words them, for one channel's messages."""
    receipts = str(channel).lower() not in ("sms", "mms")  # SMS and MMS report no reads
    stopped = count["blocked"] + count["filtered"]
    all_outbound = count["pending"] + count["n"] + stopped + count["cancelled"] + count["unknown"]
    return {
        "delivery_rate": (count["delivered"], count["n"]),
        "failure_rate": (count["failed"], count["n"]),
        "read_rate": (count["read"], count["delivered"]) if receipts else (0, 0),
        "blocked_rate": (stopped, count["n"] + stopped),
        "dashboard_deliverability": (count["sent"] + count["delivered"], all_outbound - stopped),
    }


def rate(k: int, n: int) -> float:
    return k / n if n else float("nan")


records_strategy = st.lists(
    st.fixed_dictionaries({"status": st.sampled_from(STATUSES), "channel": st.sampled_from(CHANNELS),
                           "direction": st.sampled_from(DIRECTIONS)}),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records_strategy, st.booleans())
def test_delivery_rates_equal_a_naive_per_message_reference(records, with_direction):
    if not with_direction:  # a frame without the column: every message outbound but a RECEIVED one
        records = [{k: v for k, v in r.items() if k != "direction"} for r in records]
    expected = reference(records)
    frame = messages(*records)
    if not with_direction:
        frame = frame.drop(columns="direction")
    by_channel = sentlab.delivery_rates(frame, by="channel")
    assert len(by_channel) == len(expected)
    for _, row in by_channel.iterrows():
        channel = None if pd.isna(row["channel"]) else row["channel"]
        count = expected[channel]
        assert [int(row[c]) for c in COUNTS] == [count[c] for c in COUNTS]
        for name, (k, n) in reference_rates(count, channel).items():
            assert (row[f"{name}_numerator"], row[f"{name}_denominator"]) == (k, n)
            np.testing.assert_allclose(row[name], rate(k, n))
            low, high = sentlab.wilson_interval(k, n)
            np.testing.assert_allclose([row[f"{name}_low"], row[f"{name}_high"]], [low, high])
    overall = sentlab.delivery_rates(frame).iloc[0]
    total = sum(expected.values(), Counter())
    assert [int(overall[c]) for c in COUNTS] == [total[c] for c in COUNTS]
    readable = sum((c for ch, c in expected.items() if str(ch).lower() not in ("sms", "mms")), Counter())
    overall_rates = {**reference_rates(total), "read_rate": (readable["read"], readable["delivered"])}
    for name, (k, n) in overall_rates.items():
        assert (overall[f"{name}_numerator"], overall[f"{name}_denominator"]) == (k, n)
