"""The report: right numbers (checked against the simulator's ground truth), safe HTML, honest cost."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import sentlab

LEFT = ["SENT", "DELIVERED", "READ", "FAILED"]
PENDING = ["QUEUED", "ACCEPTED", "PROCESSED", "ROUTED", "SCHEDULED"]
STOPPED = ["BLOCKED", "FILTERED"]
NOT_YET_BILLED = ["QUEUED", "ACCEPTED", "SCHEDULED"]


def truth_of(world, ids):
    ledger = world.ledger(as_of=world.clock.now())
    return ledger[ledger.message_id.isin(set(ids))]


def contract(truth: pd.DataFrame) -> dict[str, object]:
    """DESIGN.md's figures, computed from the ledger's true statuses."""
    inbound = truth.direction.eq("inbound") | truth.status.eq("RECEIVED")
    out = truth[~inbound]
    count = {s: int(out.status.eq(s).sum()) for s in [*LEFT, *PENDING, *STOPPED, "CANCELLED"]}
    left = sum(count[s] for s in LEFT)
    stopped = count["BLOCKED"] + count["FILTERED"]
    readers = out[out.channel.isin(["whatsapp", "rcs"])]  # the channels that report reads
    return {
        "messages": len(truth), "inbound": int(inbound.sum()), "outbound": len(out), "n": left,
        "pending": sum(count[s] for s in PENDING), "cancelled": count["CANCELLED"], "blocked": count["BLOCKED"],
        "filtered": count["FILTERED"],
        "delivery_rate": (count["DELIVERED"] + count["READ"]) / left, "failure_rate": count["FAILED"] / left,
        "read_rate": readers.status.eq("READ").sum() / readers.status.isin(["DELIVERED", "READ"]).sum(),
        "blocked_rate": stopped / (left + stopped),
        "dashboard_deliverability": (count["SENT"] + count["DELIVERED"] + count["READ"]) / (len(out) - stopped),
    }


def test_the_headline_rates_match_the_ground_truth(world, lab):
    exact = lab.messages(details="all")  # each message's own latest status
    report = sentlab.build_report(exact, account="Acme")
    truth = truth_of(world, exact.id)
    assert len(truth) == len(exact)
    expected = contract(truth)
    assert expected["inbound"] > 0 and expected["blocked"] > 0 and expected["filtered"] > 0  # the live API's world
    for name, value in expected.items():
        assert report.headline[name] == pytest.approx(value), name
    assert report.headline["read_channels"] == "rcs, whatsapp"


def test_the_headline_from_webhook_events_lags_the_truth_only_by_the_unreadable_events(world, messages):
    # Statuses rebuilt from webhook events miss the ones whose event payload was unreadable (the
    # report says how many): every count is within that many of the truth.
    report = sentlab.build_report(messages, account="Acme")
    expected = contract(truth_of(world, messages.id))
    unreadable = int(messages.attrs["unreadable_events"])
    for name in ("messages", "inbound", "outbound", "n", "pending", "cancelled", "blocked", "filtered"):
        assert abs(report.headline[name] - expected[name]) <= unreadable, name
    assert report.headline["messages"] == expected["messages"] == len(messages)
    for name in ("delivery_rate", "failure_rate", "blocked_rate", "dashboard_deliverability"):
        assert report.headline[name] == pytest.approx(expected[name], abs=unreadable / report.headline["n"]), name


def test_blocked_sends_have_their_own_tile_and_tables_by_profile_region_and_reason(world, lab):
    exact = lab.messages(details="all")
    report = sentlab.build_report(exact)
    truth = truth_of(world, exact.id)
    stopped = truth[truth.direction.eq("outbound") & truth.status.isin(STOPPED)]
    by_reason = report.tables["stopped_reasons"].set_index(["status", "reason_code"])["messages"]
    assert by_reason.to_dict() == stopped.groupby(["status", "reason_code"]).size().to_dict()
    assert set(by_reason.index.get_level_values("reason_code")) >= {"BUSINESS_030"}  # US SMS without 10DLC
    by_profile = report.tables["stopped_by_profile"].groupby("profile_id")["messages"].sum()
    assert by_profile.to_dict() == stopped.groupby("profile_id").size().to_dict()
    by_region = report.tables["by_region"].set_index("region_code")
    for region, part in truth[truth.direction.eq("outbound")].groupby("region_code"):
        left, blocked = part.status.isin(LEFT).sum(), part.status.isin(STOPPED).sum()
        if blocked:
            assert by_region.loc[region, "blocked_rate"] == pytest.approx(blocked / (left + blocked))
    page = report.to_html()
    assert "blocked rate" in page and "not carriers" in page and "BUSINESS_030" in page
    assert "dashboard deliverability" in page and "blocked rate" in report.summary()


def billed(messages: pd.DataFrame) -> pd.DataFrame:
    """The messages a cost covers: all but the pending ones with no price yet (not billed yet)."""
    waiting = messages.status.astype(str).isin(NOT_YET_BILLED) & messages.price.isna()
    return messages[~waiting.to_numpy()]


def test_sampled_cost_brackets_the_true_cost_and_is_called_an_estimate(world, messages):
    report = sentlab.build_report(messages)
    true_cost = truth_of(world, billed(messages).id).cost.sum()
    h = report.headline
    assert h["estimated"] > 0 and h["method"] in ("estimate", "partial")
    assert h["total_low"] - 1e-6 <= true_cost <= h["total_high"] + 1e-6
    assert h["total_low"] < h["total_high"]  # prices vary within a stratum: the interval has a width
    assert any(note.startswith("Cost is an estimate") for note in report.notes)
    assert "≈" in report.summary()


def test_exact_prices_give_the_exact_cost_and_say_what_is_not_billed_yet(world, lab):
    report = lab.report(prices="all")
    frame = lab.messages(details="all")
    truth = truth_of(world, billed(frame).id)
    waiting = truth_of(world, frame.id).status.isin(NOT_YET_BILLED).sum()
    h = report.headline
    assert waiting > 0  # scheduled sends, at the frozen clock
    assert (h["method"], h["estimated"], h["unpriced"], h["not_yet_billed"]) == ("partial", 0, waiting, waiting)
    assert h["total"] == pytest.approx(truth.cost.sum()) and h["total_low"] == h["total_high"]
    by_channel = report.tables["cost_by_channel"].set_index("channel")["total"]
    assert by_channel.to_dict() == pytest.approx(truth.groupby("channel").cost.sum().to_dict())
    share = f"{waiting / len(frame):.1%}"
    note = next(n for n in report.notes if n.startswith("Cost is partial"))
    assert f"{waiting:,} messages ({share})" in note and "not billed yet" in note
    assert f"partial: {waiting:,} messages, {share}, left out; {waiting:,} not billed yet" in report.summary()
    assert f"partial: {waiting:,} messages ({share}) left out" in report.to_html()  # the cost tile
    everything_final = sentlab.build_report(billed(frame))
    assert everything_final.headline["method"] == "exact"
    assert any(n.startswith("Cost is exact") for n in everything_final.notes)


def test_no_prices_means_no_cost_not_zero(lab):
    report = lab.report(prices="none")
    assert report.headline["method"] == "none" and pd.isna(report.headline["total"])
    assert any("no cost" in note for note in report.notes)
    assert "cost              –" in report.summary()


def test_the_page_is_self_contained_and_never_holds_the_key(world, lab, tmp_path):
    path = lab.report().save(tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count("<img") == 7
    assert not re.search(r"""src=(?!["']?data:)""", page)  # every image inlined
    for key in (world.org_key, *world.profile_keys.values()):
        assert key not in page
    assert "sk_" not in page
    assert not list((tmp_path / "out").glob("*.part"))


def test_values_from_the_data_are_escaped(messages):
    hostile = messages.copy()
    hostile["template_name"] = hostile["template_name"].astype("string").str.cat(
        pd.Series("<script>alert(1)</script>", index=hostile.index))
    page = sentlab.build_report(hostile, account="<b>Acme</b>").to_html()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>Acme</b>" not in page


def test_a_window_limits_the_report(lab):
    since = "2026-11-15"
    report = lab.report(since=since)
    listed = lab.messages()
    kept = listed[listed.created_at >= pd.Timestamp(since, tz="UTC")]
    assert report.headline["messages"] == len(kept)
    assert report.window.startswith("2026-11-15 00:00 to now")


def test_a_report_of_no_messages_says_so_plainly():
    # an empty window once gave "none only;" in the read tile and an empty Volume section
    report = sentlab.build_report(sentlab.build_frame("messages", []), account="empty")
    assert report.headline["messages"] == 0 and report.figures == {}
    page, summary = report.to_html(), report.summary()
    assert report.window == "no messages"
    assert "no message was created in this window, so there is nothing to report" in page
    assert "nothing to report" in summary and "rate" not in summary
    for garbled in ("none only", "<h2>Volume</h2>", "No data.", "nan", "–%"):
        assert garbled not in page and garbled not in summary


def test_a_rerun_of_the_report_makes_no_request(lab, counted):
    lab.report()
    before = len(counted.paths)
    lab.report()
    assert counted.paths[before:] == []  # the messages list was synced within the store's list_ttl


def test_bad_options_fail_before_any_request(lab, counted):
    before = len(counted.paths)
    with pytest.raises(sentlab.ConfigurationError, match="prices"):
        lab.report(prices="some")
    with pytest.raises(sentlab.ConfigurationError, match="since"):
        lab.report(since="yesterday-ish")
    assert len(counted.paths) == before


def test_the_report_shows_itself_in_a_notebook(messages):
    report = sentlab.build_report(messages, account="Acme")
    html = report._repr_html_()
    assert "<style>" in html and "Delivery rate" not in report.account
    assert repr(report).startswith("<Report 'Delivery & cost report' 'Acme'")


def test_unreadable_events_are_counted_in_a_note(lab):
    events = lab.webhook_events()
    unreadable = int((events.event_type.astype(str).str.startswith("message.") & events.message_id.isna()).sum())
    assert unreadable > 0  # the simulator reproduces the docs' degenerate event rows
    note = next(n for n in lab.report(source="events").notes if "no readable payload" in n)
    assert note.startswith(f"{unreadable:,} message events")


def test_details_give_each_messages_own_status(world, lab):
    exact = lab.messages(details="all")
    truth = truth_of(world, exact.id).set_index("message_id").status
    assert (exact.set_index("id").status.astype(str) == truth.reindex(exact.id).to_numpy()).all()
