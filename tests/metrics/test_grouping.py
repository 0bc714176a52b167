"""Grouping, shared by every metric: frame columns, UTC time buckets, null keys, empty frames, errors."""

from __future__ import annotations

import pandas as pd
import pytest

import sentlab

from .build import messages

METRICS = {"delivery_rates": sentlab.delivery_rates, "costs": sentlab.costs, "latency": sentlab.latency}
KEYS = ["channel", "region_code", "template_name", "template_category", "profile_id"]


def sample_frame() -> pd.DataFrame:
    return messages(
        {"status": "DELIVERED", "channel": "sms", "region_code": "US", "template_name": "welcome",
         "template_category": "UTILITY", "profile_id": "p1", "created_at": "2026-11-02T08:00:00Z", "price": 0.01},
        {"status": "FAILED", "channel": "whatsapp", "region_code": "GB", "template_name": "sale",
         "template_category": "MARKETING", "profile_id": "p2", "created_at": "2026-11-08T23:59:59Z", "price": 0.02},
        {"status": "READ", "channel": "sms", "region_code": "US", "template_name": "welcome",
         "template_category": "UTILITY", "profile_id": "p1", "created_at": "2026-11-09T00:00:00Z", "price": 0.01},
        {"status": "QUEUED", "created_at": "2026-12-01T00:00:01Z"},  # every key null
    )  # fmt: skip


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("metric", list(METRICS))
def test_every_metric_groups_by_each_key_and_keeps_null_keys_as_their_own_group(metric, key):
    frame = sample_frame()
    out = METRICS[metric](frame, by=key)
    assert list(out.columns[:1]) == [key]
    groups = out[key].drop_duplicates()
    assert groups.isna().sum() == 1  # the message with no key is a group, not dropped
    assert set(groups.dropna()) == set(frame[key].dropna())
    if metric == "delivery_rates":
        assert out["messages"].sum() == len(frame)
        assert out.loc[out[key].isna(), "pending"].item() == 1
    if metric == "costs":
        assert out["messages"].sum() == len(frame)
    if metric == "latency":  # every group gets its three stages
        assert len(out) == 3 * len(groups)


def test_day_week_and_month_buckets_of_created_at_in_utc_weeks_starting_monday():
    frame = sample_frame()
    out = {unit: sentlab.delivery_rates(frame, by=unit) for unit in ("day", "week", "month")}
    utc = pd.Timestamp
    assert out["day"]["day"].tolist() == [utc("2026-11-02", tz="UTC"), utc("2026-11-08", tz="UTC"),
                                          utc("2026-11-09", tz="UTC"), utc("2026-12-01", tz="UTC")]  # fmt: skip
    # 2026-11-02 is a Monday: Sunday 11-08 23:59:59 still belongs to its week, Monday 11-09 starts the next.
    assert out["week"]["week"].tolist() == [utc("2026-11-02", tz="UTC"), utc("2026-11-09", tz="UTC"),
                                            utc("2026-11-30", tz="UTC")]  # fmt: skip
    assert out["week"]["messages"].tolist() == [2, 1, 1]
    assert out["month"]["month"].tolist() == [utc("2026-11-01", tz="UTC"), utc("2026-12-01", tz="UTC")]
    assert out["month"]["messages"].tolist() == [3, 1]


def test_buckets_are_utc_days_whatever_the_time_zone_of_created_at():
    frame = sample_frame()
    local = frame.assign(created_at=frame["created_at"].dt.tz_convert("America/New_York"))
    naive = frame.assign(created_at=frame["created_at"].dt.tz_localize(None))  # naive times are read as UTC
    for unit in ("day", "week", "month"):
        expected = sentlab.delivery_rates(frame, by=unit)
        pd.testing.assert_frame_equal(sentlab.delivery_rates(local, by=unit), expected)
        pd.testing.assert_frame_equal(sentlab.delivery_rates(naive, by=unit), expected)


def test_a_message_without_created_at_is_its_own_time_bucket():
    frame = messages({"status": "DELIVERED", "created_at": "2026-11-02T08:00:00Z"}, {"status": "FAILED"})
    out = sentlab.delivery_rates(frame, by="week")
    assert out["week"].isna().tolist() == [False, True] and out["messages"].tolist() == [1, 1]


def test_grouping_by_several_keys_crosses_them_and_a_repeated_key_counts_once():
    frame = sample_frame()
    out = sentlab.delivery_rates(frame, by=["channel", "week"])
    assert list(out.columns[:2]) == ["channel", "week"] and len(out) == 4
    pd.testing.assert_frame_equal(sentlab.delivery_rates(frame, by=["channel", "channel"]),
                                  sentlab.delivery_rates(frame, by="channel"))  # fmt: skip
    pd.testing.assert_frame_equal(sentlab.delivery_rates(frame, by=("channel",)),
                                  sentlab.delivery_rates(frame, by=["channel"]))  # fmt: skip


@pytest.mark.parametrize("by", [None, "channel", ["channel", "day"]])
@pytest.mark.parametrize("metric", list(METRICS))
def test_an_empty_frame_gives_the_full_columns(metric, by):
    full = METRICS[metric](sample_frame(), by=by)
    empty = METRICS[metric](sample_frame().iloc[:0], by=by)
    assert list(empty.columns) == list(full.columns)
    if by is not None:
        assert len(empty) == 0


@pytest.mark.parametrize("metric", list(METRICS))
def test_a_bad_by_is_a_configuration_error_that_names_the_choices(metric):
    frame = sample_frame()
    with pytest.raises(sentlab.ConfigurationError, match=r"cannot group by 'chanel'.*channel, region_code"):
        METRICS[metric](frame, by="chanel")
    with pytest.raises(sentlab.ConfigurationError, match="by must be a column name or a list"):
        METRICS[metric](frame, by=3)
    with pytest.raises(sentlab.ConfigurationError, match="created_at"):  # a time bucket needs it
        METRICS[metric](frame.drop(columns="created_at"), by="week")


@pytest.mark.parametrize("metric", ["delivery_rates", "costs"])
@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5, float("nan"), "0.95", True, None])
def test_a_bad_confidence_is_a_configuration_error(metric, confidence):
    with pytest.raises(sentlab.ConfigurationError, match=r"confidence must be between 0 and 1 \(e.g. 0.95\)"):
        METRICS[metric](sample_frame(), confidence=confidence)
    with pytest.raises(sentlab.ConfigurationError, match="confidence must be between 0 and 1"):
        sentlab.wilson_interval(1, 2, confidence)


@pytest.mark.parametrize("metric", list(METRICS))
def test_a_frame_that_is_not_a_messages_frame_is_a_configuration_error(metric):
    with pytest.raises(sentlab.ConfigurationError, match=r"needs the column\(s\).*lab.messages\(\)"):
        METRICS[metric](pd.DataFrame({"id": ["m1"]}))


@pytest.mark.parametrize("metric", list(METRICS))
def test_a_message_twice_is_refused_with_how_to_fix_it(metric):
    frame = sample_frame()
    twice = pd.concat([frame, frame.iloc[:2]], ignore_index=True)  # two pulls put together
    with pytest.raises(sentlab.DuplicateMessagesError, match=r"2 rows repeat the id.*drop_duplicates\('id'") as caught:
        METRICS[metric](twice)
    assert isinstance(caught.value, sentlab.ConfigurationError) and caught.value.duplicates == 2
    with pytest.raises(sentlab.DuplicateMessagesError):
        getattr(twice.sent, metric)(by="channel")
    # The fix it names gives the frame each message once, and the same figures.
    pd.testing.assert_frame_equal(METRICS[metric](twice.drop_duplicates("id", keep="last"), by="channel"),
                                  METRICS[metric](frame, by="channel"))  # fmt: skip


@pytest.mark.parametrize("metric", list(METRICS))
def test_activities_joined_to_messages_are_not_a_messages_frame(metric):
    frame = sample_frame()
    activities = sentlab.build_frame("activities", [
        {"message_id": "m0", "status": s, "price": 0.01, "timestamp": "2026-11-02T08:00:00Z"}
        for s in ("QUEUED", "SENT", "DELIVERED")
    ])  # fmt: skip
    joined = frame.merge(activities, left_on="id", right_on="message_id", suffixes=("", "_activity"))
    with pytest.raises(sentlab.DuplicateMessagesError, match=r"joined to messages are not a messages frame"):
        METRICS[metric](joined)


def test_messages_without_an_id_are_not_duplicates_of_each_other():
    frame = sample_frame().assign(id=None)
    assert sentlab.delivery_rates(frame)["messages"].item() == len(frame)
