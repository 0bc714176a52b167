"""The report's reply-rate, voice and account (10DLC campaigns) sections: the right numbers
(against the simulator's truth), shown only when there is something to show, and what they cost
in requests."""

from __future__ import annotations

import html
import math

import pandas as pd
import pytest

import sentlab
from tests import kit
from tests.kit import HISTORY_NOON as NOW
from tests.kit import Recorder, simulator


@pytest.fixture(scope="module")
def report(lab):
    return lab.report()


@pytest.fixture(scope="module")
def page(report):
    return report.to_html()


@pytest.fixture(scope="module")
def ledger(world):
    return world.call_ledger(as_of=NOW.to_pydatetime())


def test_the_voice_section_shows_the_call_ledgers_calls_answer_rate_minutes_and_cost(report, page, ledger):
    h = report.headline
    ended = ledger["status"].isin(["COMPLETED", "FAILED", "NO_ANSWER", "REJECTED"])
    assert h["calls"] == len(ledger) > 0
    assert (h["calls_inbound"], h["calls_outbound"]) == tuple(ledger["direction"].value_counts()[["inbound", "outbound"]])
    assert h["answer_rate"] == pytest.approx(ledger["status"].eq("COMPLETED").sum() / ended.sum())
    assert h["answer_rate_low"] < h["answer_rate"] < h["answer_rate_high"]
    assert h["call_minutes"] == pytest.approx(ledger["duration_seconds"].sum() / 60)
    assert h["call_cost"] == pytest.approx(ledger["cost"].sum())
    assert h["call_cost_per_minute"] == pytest.approx(h["call_cost"] / h["call_minutes"])
    by_region = report.tables["voice_by_region"].set_index("region_code")
    truth = ledger.groupby("region_code").agg(calls=("call_id", "size"), cost=("cost", "sum"))
    for region, row in truth.iterrows():
        assert by_region.loc[region, "calls"] == row["calls"] and by_region.loc[region, "cost"] == pytest.approx(
            row["cost"]), region
    assert "<h2>Voice</h2>" in page and "<h3>By market</h3>" in page
    top = by_region.sort_values("cost", ascending=False).iloc[0]
    assert f"<td>{sentlab._plots.money_text(top['cost'])}</td>" in page
    assert page.index("<h2>Cost</h2>") < page.index("<h2>Voice</h2>") < page.index("<h2>By region</h2>")


def test_without_calls_there_is_no_voice_section(messages):
    report = sentlab.build_report(messages)
    assert report.headline["calls"] == 0 and sentlab._report._voice_section(report) == ""
    assert "calls" not in report.summary() and "voice_by_region" not in report.tables


def test_the_replies_section_shows_reply_rates_by_channel_template_and_region(world, lab, report, page):
    frame = lab.messages()
    overall = sentlab.reply_rates(frame).iloc[0]
    h = report.headline
    assert (h["reply_rate_numerator"], h["reply_rate_denominator"]) == (overall["replied"], overall["n"])
    assert h["reply_rate"] == pytest.approx(overall["reply_rate"]) and h["reply_censored"] == overall["censored"]
    for name, keys in (("channel", ["channel"]), ("template", ["template_name", "channel"]),
                       ("region", ["region_code"])):  # fmt: skip
        pd.testing.assert_frame_equal(report.tables[f"replies_by_{name}"], sentlab.reply_rates(frame, by=keys))
    # Against the simulator: the replies it generated, to the delivered messages counted.
    answered = {m["reply_to"] for m in world.truth.messages() if m["reply_to"]}
    counted = frame[(frame["direction"] == "outbound") & frame["status"].isin(["DELIVERED", "READ"])
                    & (frame["delivered_at"].fillna(frame["read_at"]) <= frame["created_at"].max() - pd.Timedelta("24h"))]
    assert overall["n"] == len(counted)
    assert overall["replied"] == pytest.approx(counted["id"].isin(answered).sum(), abs=3)
    assert "<h2>Replies</h2>" in page and page.index("<h2>By template</h2>") < page.index("<h2>Replies</h2>")
    assert f"Reply rate {sentlab._report._rate(h, 'reply_rate')}" in page
    assert "reply rate" in report.summary()


def test_the_account_section_shows_the_campaigns_and_warns_where_us_sms_has_no_active_one(world, lab, report, page):
    profiles = {p["id"]: p for p in world.truth.profiles()}
    inherits = [pid for pid, p in profiles.items() if p["inherit_tcr_campaign"]]
    # the API lists campaigns per profile: the organization's own show only where a profile inherits them
    truth = {c["id"]: c for c in world.truth.campaigns() if c["profile_id"] in profiles or inherits}
    shown = report.tables["campaigns"]
    assert dict(zip(shown["id"], shown["status"], strict=True)) == {i: c["status"] for i, c in truth.items()}
    h = report.headline
    assert h["campaigns"] == len(truth) and h["campaigns_active"] == sum(c["status"] == "ACTIVE" for c in truth.values())
    active = {c["profile_id"] for c in truth.values() if c["status"] == "ACTIVE"}
    frame = lab.messages()
    us_sms = frame[(frame["direction"] == "outbound") & frame["channel"].isin(["sms", "mms"])
                   & frame["region_code"].eq("US")]
    senders = set(us_sms["profile_id"]) & set(profiles)
    assert h["us_sms_uncovered"] == sorted(senders - active) and h["us_sms_uncovered"]  # Support has none active
    coverage = report.tables["us_sms_campaigns"].set_index("profile_id")["active_campaign"]
    assert world.organization_id in set(us_sms["profile_id"]) and not inherits
    assert pd.isna(coverage[world.organization_id])  # its own campaigns are not listed: unknown, no warning
    assert "<h2>Account</h2>" in page and page.index("<h2>Account</h2>") < page.index("<h2>Volume</h2>")
    for c in truth.values():
        assert f"<td>{c['name']}</td><td>{c['status']}</td>" in page
    shown = report.tables["us_sms_campaigns"].set_index("profile_id")["profile"]
    for profile in h["us_sms_uncovered"]:
        sent = int((us_sms["profile_id"] == profile).sum())
        name = html.escape(shown[profile])  # the profile's name, not its id
        assert f"Warning: {name} sent {sent:,} US SMS/MMS messages with no ACTIVE 10DLC campaign" in page
    assert "WARNING: US SMS with no active campaign" in report.summary()


def test_no_warning_when_an_active_campaign_covers_every_us_sender(lab):
    frame = lab.messages()
    campaigns = lab.campaigns()
    part = sentlab._report._campaign_part  # the account section's figures, without the rest of the report
    covered, _ = part(frame, campaigns.assign(status="ACTIVE"))
    assert covered["campaigns_active"] == len(campaigns)
    us = frame["channel"].isin(["sms", "mms"]) & frame["region_code"].eq("US") & frame["direction"].eq("outbound")
    listed = campaigns.attrs.get("listed") or set(frame["profile_id"])
    covering = {p for ps in campaigns["profile_ids"] for p in ps} | set(campaigns["profile_id"])
    assert covered["us_sms_uncovered"] == sorted(set(frame.loc[us, "profile_id"]) & listed - covering)
    none, tables = part(frame, campaigns.assign(status="EXPIRED"))
    assert none["campaigns_active"] == 0
    assert none["us_sms_uncovered"] == sorted(set(frame.loc[us, "profile_id"]) & listed)
    assert len(sentlab._report_parts._campaign_notes(none, tables)) == len(none["us_sms_uncovered"])
    unlisted = campaigns.assign(status="EXPIRED")
    unlisted.attrs = {}
    everyone, _ = part(frame, unlisted)  # no list of the profiles read: every sender is taken as listed
    assert everyone["us_sms_uncovered"] == sorted(set(frame.loc[us, "profile_id"]))
    nothing, _ = part(frame, None)  # campaigns not fetched: no account section, no claim
    assert nothing["campaigns"] is None and nothing["us_sms_uncovered"] == []


def test_an_empty_window_still_shows_the_account_section():
    report = sentlab.build_report(sentlab.build_frame("messages", []), calls=sentlab.build_frame("calls", []),
                                  campaigns=sentlab.build_frame("campaigns", []))  # fmt: skip
    h = report.headline
    assert h["calls"] == 0 and h["campaigns"] == 0 and h["us_sms_uncovered"] == [] and math.isnan(h["reply_rate"])
    page = report.to_html()
    # no messages: said plainly, no reply section to show; the campaigns do not depend on the window
    assert "No messages" in page and "<h2>Replies</h2>" not in page
    assert "<h2>Account</h2>" in page and "<h2>Voice</h2>" not in page
    assert "no message" in report.summary().lower()


def test_the_report_adds_a_calls_page_per_100_calls_of_each_scope_and_a_campaigns_request_per_profile(
        world, tmp_path):
    app = Recorder(simulator(world))
    with kit.make_lab(world, app, cache_dir=tmp_path) as lab:
        lab.messages()
        lab.profiles()
        before = len(app.paths)
        lab.report()
        added = app.paths[before:]
        profiles = [p["id"] for p in world.truth.profiles()]
        per_scope = world.call_ledger(as_of=NOW.to_pydatetime())["profile_id"].value_counts()
        pages = sum(max(1, math.ceil(per_scope.get(p, 0) / 100)) for p in profiles)
        own = max(1, math.ceil(per_scope.get(world.organization_id, 0) / 100))
        assert added.count("/v3/voice/calls") == pages + own
        assert sorted(p for p in added if p.endswith("/campaigns")) == sorted(
            f"/v3/profiles/{p}/campaigns" for p in profiles)
        assert len(added) == pages + own + len(profiles) + added.count("/v3/profiles")
        assert added.count("/v3/profiles") <= 1  # the profiles list, read again only past list_ttl
        rerun = len(app.paths)
        lab.report()
        assert app.paths[rerun:] == []
