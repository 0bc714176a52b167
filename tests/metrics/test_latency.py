"""latency: percentiles of the seconds from QUEUED (else created_at) to SENT, DELIVERED and READ."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentlab

from .build import messages

T0 = pd.Timestamp("2026-11-02T10:00:00Z")


def at(seconds: float | None) -> str | None:
    return None if seconds is None else (T0 + pd.Timedelta(seconds=seconds)).isoformat()


def message(queued=0.0, sent=None, delivered=None, read=None, created=None, **extra) -> dict:
    return {"created_at": at(created if created is not None else queued), "queued_at": at(queued),
            "sent_at": at(sent), "delivered_at": at(delivered), "read_at": at(read), **extra}  # fmt: skip


def test_columns_are_the_keys_stage_n_and_one_per_percentile():
    frame = messages(message(sent=1, channel="sms"))
    assert list(sentlab.latency(frame).columns) == ["stage", "n", "p50", "p90", "p99"]
    assert list(sentlab.latency(frame, by="channel", percentiles=(25, 99.9)).columns) == [
        "channel", "stage", "n", "p25", "p99.9"]
    assert sentlab.latency(frame)["stage"].astype(str).tolist() == ["sent", "delivered", "read"]


stage_seconds = st.one_of(st.none(), st.floats(0, 86_400, allow_nan=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(stage_seconds, stage_seconds, stage_seconds), min_size=1, max_size=40))
def test_percentiles_equal_numpys_on_the_same_differences(stages):
    frame = messages(*(message(queued=0, sent=s, delivered=d, read=r) for s, d, r in stages))
    out = sentlab.latency(frame, percentiles=(0, 50, 90, 99, 100)).set_index("stage")
    for i, stage in enumerate(("sent", "delivered", "read")):
        # The differences as the frame holds them (to the nanosecond), for every message that got there.
        reached = np.array([(pd.Timestamp(at(row[i])) - T0).total_seconds() for row in stages if row[i] is not None])
        assert out.loc[stage, "n"] == len(reached)  # only messages that reached the stage
        for p in (0, 50, 90, 99, 100):
            expected = np.percentile(reached, p) if len(reached) else np.nan
            np.testing.assert_allclose(out.loc[stage, f"p{p}"], expected, rtol=1e-12, atol=1e-9)


def test_the_clock_starts_at_queued_else_at_created_at():
    frame = messages(message(queued=10, created=0, sent=15), {**message(created=0, sent=7), "queued_at": None})
    out = sentlab.latency(frame, percentiles=(0, 100)).set_index("stage")
    assert (out.loc["sent", "p0"], out.loc["sent", "p100"]) == (5.0, 7.0)  # 15 - 10 (queued), 7 - 0 (created)
    no_queued_column = frame.drop(columns="queued_at")
    assert sentlab.latency(no_queued_column, percentiles=(100,)).set_index("stage").loc["sent", "p100"] == 15.0


def test_n_counts_only_messages_that_reached_each_stage_and_a_stage_none_reached_is_nan():
    frame = messages(message(sent=1, delivered=3, read=30, channel="whatsapp"), message(sent=2, channel="whatsapp"),
                     message(channel="whatsapp"), message(sent=1, delivered=4, channel="sms"))  # fmt: skip
    out = sentlab.latency(frame, by="channel").set_index(["channel", "stage"])
    assert out["n"].to_dict() == {("sms", "sent"): 1, ("sms", "delivered"): 1, ("sms", "read"): 0,
                                  ("whatsapp", "sent"): 2, ("whatsapp", "delivered"): 1, ("whatsapp", "read"): 1}
    assert np.isnan(out.loc[("sms", "read"), "p50"])
    assert out.loc[("whatsapp", "read"), "p50"] == 30.0 and out.loc[("whatsapp", "sent"), "p50"] == 1.5


def test_a_group_where_no_message_reached_any_stage_still_has_its_three_rows():
    frame = messages(message(sent=1, template_name="a"), message(template_name="b"), message())
    out = sentlab.latency(frame, by="template_name")
    assert out["template_name"].iloc[:6].tolist() == ["a"] * 3 + ["b"] * 3  # then the null key's group
    assert out["template_name"].iloc[6:].isna().all() and len(out) == 9
    assert out["n"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("percentiles", [(), (50, 101), (-1,), ("median",), None])
def test_bad_percentiles_are_a_configuration_error(percentiles):
    with pytest.raises(sentlab.ConfigurationError, match=r"percentiles must be numbers in \[0, 100\]"):
        sentlab.latency(messages(message(sent=1)), percentiles=percentiles)
