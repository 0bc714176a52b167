"""The report: right numbers (checked against the simulator's ground truth), safe HTML, honest cost."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import sentlab


def truth_of(world, ids):
    ledger = world.ledger(as_of=world.clock.now())
    return ledger[ledger.message_id.isin(set(ids))]


def test_the_headline_rates_match_the_ground_truth(world, lab, messages):
    report = sentlab.build_report(messages, account="Acme")
    truth = truth_of(world, messages.id)
    left = truth.status.isin(["SENT", "DELIVERED", "READ", "FAILED"])
    delivered = truth.status.isin(["DELIVERED", "READ"])
    assert report.headline["messages"] == len(truth) == len(messages)
    assert report.headline["delivery_rate"] == pytest.approx(delivered.sum() / left.sum())
    assert report.headline["failure_rate"] == pytest.approx(truth.status.eq("FAILED").sum() / left.sum())
    whatsapp = truth[truth.channel == "whatsapp"]
    read = whatsapp.status.eq("READ").sum() / whatsapp.status.isin(["DELIVERED", "READ"]).sum()
    assert report.headline["read_rate"] == pytest.approx(read)  # over the channels that report reads
    assert report.headline["read_channels"] == "whatsapp"


def test_sampled_cost_brackets_the_true_cost_and_is_called_an_estimate(world, messages):
    report = sentlab.build_report(messages)
    true_cost = truth_of(world, messages.id).cost.sum()
    h = report.headline
    assert h["method"] == "estimate"
    assert h["total_low"] - 1e-6 <= true_cost <= h["total_high"] + 1e-6
    assert any("estimate" in note for note in report.notes)
    assert "≈" in report.summary()


def test_exact_prices_give_the_exact_cost(world, lab):
    report = lab.report(prices="all")
    truth = truth_of(world, report.tables["by_channel"].pipe(lambda _: lab.messages().id))
    assert report.headline["method"] == "exact"
    assert report.headline["total"] == pytest.approx(truth.cost.sum())
    by_channel = report.tables["cost_by_channel"].set_index("channel")["total"]
    assert by_channel.to_dict() == pytest.approx(truth.groupby("channel").cost.sum().to_dict())


def test_no_prices_means_no_cost_not_zero(lab):
    report = lab.report(prices="none")
    assert report.headline["method"] == "none" and pd.isna(report.headline["total"])
    assert any("no cost" in note for note in report.notes)
    assert "cost              –" in report.summary()


def test_the_page_is_self_contained_and_never_holds_the_key(world, lab, tmp_path):
    path = lab.report().save(tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and page.count("<img") == 6
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


def test_a_window_limits_the_report(lab, messages):
    since = "2026-11-15"
    report = lab.report(since=since)
    kept = messages[messages.created_at >= pd.Timestamp(since, tz="UTC")]
    assert report.headline["messages"] == len(kept)
    assert report.window.startswith("2026-11-15 00:00 to now")


def test_a_report_of_no_messages_still_builds():
    report = sentlab.build_report(sentlab.build_frame("messages", []), account="empty")
    assert report.headline["messages"] == 0 and report.figures == {}
    assert "No data." in report.to_html() and report.window == "no messages"


def test_a_rerun_of_the_report_makes_no_request(lab, counted):
    lab.report()
    before = len(counted.paths)
    lab.report()
    # the event sync asks each webhook for its newest page; nothing per message
    assert all("/events" in p for p in counted.paths[before:])


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
    note = next(n for n in lab.report().notes if "no readable payload" in n)
    assert note.startswith(f"{unreadable:,} message events")


def test_details_give_each_messages_own_status(world, lab):
    exact = lab.messages(details="all")
    truth = truth_of(world, exact.id).set_index("message_id").status
    assert (exact.set_index("id").status.astype(str) == truth.reindex(exact.id).to_numpy()).all()
