"""costs() with calls (a "voice" row, the same method semantics) and call_stats: against the
simulator's call ledger, edge cases, empty frames and dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sentlab
from sentlab._metrics import CALL_COST_COLUMNS, CALL_STAT_COLUMNS, COST_COLUMNS

from .. import kit
from ..kit import HISTORY_NOON as NOW
from .build import messages


def calls(*records: dict) -> pd.DataFrame:
    rows = [{"id": f"c{i}", "direction": "outbound", "started_at": "2026-11-01T10:00:00Z", **r}
            for i, r in enumerate(records)]  # fmt: skip
    return sentlab.build_frame("calls", rows)


DONE = {"status": "COMPLETED", "answered_at": "2026-11-01T10:00:05Z", "duration_seconds": 120, "price": 0.028}


@pytest.fixture(scope="module")
def pulled(make_world, tmp_path_factory):
    world = make_world(seed=8, contacts=300, messages=800, profiles=2, calls=600, at=NOW)
    with kit.make_lab(world, cache_dir=tmp_path_factory.mktemp("store")) as lab:
        yield world, lab.messages(), lab.calls()


def test_cost_per_channel_gains_a_voice_row_equal_to_the_call_ledger(pulled):
    world, m, c = pulled
    ledger = world.call_ledger(as_of=NOW.to_pydatetime())
    assert len(c) == len(ledger) > 100
    both = sentlab.costs(m, calls=c, by="channel").set_index("channel")
    alone = sentlab.costs(m, by="channel").set_index("channel")
    voice = both.loc["voice"]
    assert voice["calls"] == len(ledger) and voice["messages"] == 0
    assert voice["total"] == pytest.approx(ledger["cost"].sum()) == pytest.approx(voice["call_cost"])
    assert voice["minutes"] == pytest.approx(ledger["duration_seconds"].sum() / 60)
    assert voice["cost_per_minute"] == pytest.approx(ledger["cost"].sum() / (ledger["duration_seconds"].sum() / 60))
    assert voice["method"] == "exact" and voice["markup"] == 0
    assert voice["never_billed"] == ledger["status"].isin(["FAILED", "NO_ANSWER", "REJECTED"]).sum()
    for channel in alone.index:  # the messages' rows are the messages-only rows
        for column in COST_COLUMNS:
            assert both.loc[channel, column] == alone.loc[channel, column] or (
                pd.isna(both.loc[channel, column]) and pd.isna(alone.loc[channel, column])), (channel, column)
    overall = sentlab.costs(m, calls=c).iloc[0]
    assert overall["total"] == pytest.approx(sentlab.costs(m).iloc[0]["total"] + ledger["cost"].sum())
    assert overall["cost_per_message"] == pytest.approx(sentlab.costs(m).iloc[0]["cost_per_message"])


def test_a_calls_frame_alone_or_through_the_accessor_gives_the_same_costs(pulled):
    _, m, c = pulled
    expected = sentlab.costs(calls=c, by="region_code")
    for got in (sentlab.costs(c, by="region_code"), c.sent.costs(by="region_code"),
                sentlab.costs(m.iloc[:0], calls=c, by="region_code")):  # fmt: skip
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False, check_categorical=False)
    assert m.sent.costs(by="channel", calls=c).set_index("channel").loc["voice", "calls"] == len(c)


def test_call_stats_match_the_call_ledger(pulled):
    world, _, c = pulled
    ledger = world.call_ledger(as_of=NOW.to_pydatetime())
    stats = sentlab.call_stats(c, by="region_code")
    truth = ledger.assign(answered=ledger["status"].eq("COMPLETED"), ended=ledger["status"].isin(
        ["COMPLETED", "FAILED", "NO_ANSWER", "REJECTED"]))  # fmt: skip
    grouped = truth.groupby("region_code", dropna=False).agg(calls=("call_id", "size"), answered=("answered", "sum"),
                                                             ended=("ended", "sum"), cost=("cost", "sum"))  # fmt: skip
    got = stats.set_index("region_code")
    for region, row in grouped.iterrows():
        key = region if isinstance(region, str) else np.nan
        line = got.loc[key] if isinstance(region, str) else got[got.index.isna()].iloc[0]
        assert (line["calls"], line["answered"], line["ended"]) == (row["calls"], row["answered"], row["ended"]), region
        assert line["cost"] == pytest.approx(row["cost"]), region
    overall = sentlab.call_stats(c).iloc[0]
    assert overall["answer_rate"] == pytest.approx(truth["answered"].sum() / truth["ended"].sum())
    assert overall["answer_rate_low"] < overall["answer_rate"] < overall["answer_rate_high"]
    assert overall["inbound"] + overall["outbound"] == overall["calls"] == len(c)


def test_unpriced_calls_are_counted_and_the_cost_exact_only_when_every_billable_call_is_priced():
    never = {"status": "NO_ANSWER"}  # never connected, no price: 0
    live = {"status": "ANSWERED", "answered_at": "2026-11-01T10:00:05Z"}  # no price until it ends
    lost = {"status": "COMPLETED", "answered_at": "2026-11-01T10:00:05Z", "duration_seconds": 60}  # no price
    exact = sentlab.costs(calls(DONE, never)).iloc[0]
    assert (exact["method"], exact["priced"], exact["never_billed"], exact["total"]) == ("exact", 2, 1, 0.028)
    assert exact["cost_per_call"] == pytest.approx(0.014) and exact["cost_per_minute"] == pytest.approx(0.014)
    waiting = sentlab.costs(calls(DONE, live)).iloc[0]
    assert (waiting["method"], waiting["not_yet_billed"], waiting["unpriced"]) == ("partial", 1, 1)
    assert waiting["unpriced_share"] == 0.5 and waiting["total"] == pytest.approx(0.028)
    partial = sentlab.costs(calls(DONE, lost)).iloc[0]
    assert (partial["method"], partial["unpriced"], partial["not_yet_billed"]) == ("partial", 1, 0)
    assert partial["minutes"] == 2  # only the priced call's minutes
    nothing = sentlab.costs(calls(lost)).iloc[0]
    assert nothing["method"] == "none" and np.isnan(nothing["total"]) and np.isnan(nothing["call_cost"])
    mixed = sentlab.costs(messages({"status": "DELIVERED", "channel": "sms", "price": 0.01}), calls=calls(DONE, live))
    assert mixed.iloc[0]["method"] == "partial" and mixed.iloc[0]["unpriced_share"] == pytest.approx(1 / 3)


def test_calls_group_by_a_message_column_as_null_and_by_time_on_started_at():
    frame = messages({"status": "DELIVERED", "channel": "sms", "template_name": "otp", "price": 0.01,
                      "created_at": "2026-11-02T09:00:00Z"})  # fmt: skip
    out = sentlab.costs(frame, calls=calls(DONE), by=["template_name", "day"])
    assert out["template_name"].isna().sum() == 1 and out["calls"].tolist() == [0, 1]  # sorted by template: null last
    day = out.loc[out["template_name"].isna(), "day"].iloc[0]
    assert day == pd.Timestamp("2026-11-01T00:00:00Z")
    with pytest.raises(sentlab.ConfigurationError, match="cannot group by 'colour'"):
        sentlab.costs(frame, calls=calls(DONE), by="colour")


def test_no_calls_gives_the_declared_columns_and_dtypes():
    empty = sentlab.build_frame("calls", [])
    cost = sentlab.costs(empty, by="channel")
    expected = ["channel", "messages", "calls", "minutes", *COST_COLUMNS[1:11], "call_cost", *COST_COLUMNS[11:-1],
                "cost_per_call", "cost_per_minute", "method"]  # fmt: skip
    assert list(cost.columns) == expected and len(cost) == 0
    assert set(CALL_COST_COLUMNS) <= set(cost.columns)
    one = sentlab.costs(calls(DONE), by="channel")
    for frame in (cost, one):
        assert str(frame["calls"].dtype) == "int64" and str(frame["messages"].dtype) == "int64"
        assert all(str(frame[c].dtype) == "float64" for c in ("minutes", "call_cost", "cost_per_minute", "total"))
    stats = sentlab.call_stats(empty, by="region_code")
    assert list(stats.columns) == ["region_code", *CALL_STAT_COLUMNS] and len(stats) == 0
    overall = sentlab.call_stats(empty).iloc[0]
    assert overall["calls"] == 0 and np.isnan(overall["answer_rate"]) and overall["method"] == "none"
    full = sentlab.call_stats(calls(DONE, {"status": "REJECTED"}), by="direction")
    for frame in (stats, full):
        assert all(str(frame[c].dtype) == "int64" for c in ("calls", "ended", "answered", "answer_rate_denominator"))
        assert all(str(frame[c].dtype) == "float64" for c in ("answer_rate", "answer_rate_low", "minutes", "cost"))
    assert full.iloc[0]["answer_rate"] == 0.5


def test_a_frame_that_is_not_calls_is_refused_as_calls():
    frame = messages({"status": "DELIVERED", "channel": "sms", "price": 0.01})
    with pytest.raises(sentlab.ConfigurationError, match="calls= takes a calls frame"):
        sentlab.costs(frame, calls=frame)
    with pytest.raises(sentlab.ConfigurationError, match="call_stats"):
        sentlab.call_stats(frame)
    with pytest.raises(sentlab.ConfigurationError, match="needs a messages frame"):
        sentlab.costs()
