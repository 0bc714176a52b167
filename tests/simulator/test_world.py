"""The synthetic world: determinism, coverage, lifecycles, prices, events, time and scale."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sentlab.simulator import _pricing, _wire
from sentlab.simulator._account import Account
from sentlab.simulator._clock import SimClock
from sentlab.simulator._params import Outcome, WorldParams
from sentlab.simulator._vocab import STATUSES
from sentlab.simulator._world import build_world, demo_world

from ..conftest import START

ORDER = {s: i for i, s in enumerate(STATUSES)}


def small(seed: int = 7, **kwargs):
    return build_world(seed=seed, contacts=300, messages=600, clock=SimClock.frozen(START), **kwargs)


# -- clock --------------------------------------------------------------------------------------


def test_frozen_clock_moves_only_when_advanced():
    clock = SimClock.frozen(START)
    assert clock.now() == START and clock.time() == START.timestamp()
    assert clock.advance(90) == START + timedelta(seconds=90)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_wall_clock_follows_time_and_takes_an_offset():
    clock = SimClock()
    before = time.time()
    assert abs(clock.time() - before) < 1
    clock.advance(3600)
    assert 3599 < clock.time() - time.time() < 3601
    assert clock.now().tzinfo is not None


# -- determinism and shape --------------------------------------------------------------------------


def test_same_seed_and_sizes_give_the_same_records():
    a, b = small(), small()
    assert a.org_key == b.org_key and a.profile_keys == b.profile_keys
    assert a.truth.contacts() == b.truth.contacts()
    assert a.truth.messages() == b.truth.messages()
    assert a.truth.events() == b.truth.events()
    assert a.truth.templates() == b.truth.templates()


def test_another_seed_gives_another_world():
    assert small(seed=1).truth.contacts()[0]["id"] != small(seed=2).truth.contacts()[0]["id"]


def test_organization_has_profiles_with_their_own_keys(world):
    assert len(world.profile_keys) == 3
    assert world.org_key.startswith("sk_test_")
    keys = [world.org_key, *world.profile_keys.values()]
    assert len(set(keys)) == 4
    assert all(world.account_for_key(k) == world.organization_id for k in keys)
    assert world.account_for_key("sk_test_unknown") is None
    assert world.tier in ("starter", "growth")


def test_contacts_cover_regions_and_continents_with_valid_numbers(world):
    contacts = world.truth.contacts()
    regions = {c["region_code"] for c in contacts}
    assert len(regions) >= 12
    assert len({_pricing.CONTINENT[r] for r in regions}) >= 5
    for c in contacts:
        assert c["format_e164"] == c["phone_number"] and c["format_rfc"].startswith("tel:+")
        assert set(c["available_channels"].split(",")) <= {"sms", "whatsapp"}
        assert c["default_channel"] in c["available_channels"].split(",")
        assert c["customer_id"] == c["profile_id"]
    assert any(c["updated_at"] is None for c in contacts)
    assert any(c["updated_at"] is not None for c in contacts)
    assert any(c["opt_out"] for c in contacts)
    assert len({c["phone_number"] for c in contacts}) == len(contacts)


def test_every_profile_owns_contacts_templates_webhooks_and_messages(world):
    truth = world.truth
    for pid in world.profile_ids:
        assert any(c["profile_id"] == pid for c in truth.contacts())
        assert any(t["profile_id"] == pid for t in truth.templates())
        assert any(w["profile_id"] == pid for w in truth.webhooks())
        assert any(m["profile_id"] == pid for m in truth.messages())
    assert any(c["profile_id"] == world.organization_id for c in truth.contacts())


def test_templates_span_all_categories_and_statuses(world):
    templates = world.truth.templates()
    assert {t["category"] for t in templates} == {"MARKETING", "UTILITY", "AUTHENTICATION"}
    assert {t["status"] for t in templates} == {"APPROVED", "PENDING", "REJECTED"}
    for t in templates:
        assert t["customer_id"] and t["channels"] and isinstance(t["variables"], list)
        assert t["is_published"] == (t["status"] == "APPROVED")


# -- lifecycles ----------------------------------------------------------------------------------------


def test_lifecycles_follow_the_channel_rules(world):
    messages = world.truth.messages()
    finals = Counter((m["channel"], m["final_status"]) for m in messages)
    assert finals[("whatsapp", "READ")] > 0
    assert finals[("sms", "READ")] == 0  # read receipts only on WhatsApp
    assert finals[("sms", "SENT")] > 0  # some SMS never get a receipt
    assert finals[("sms", "FAILED")] + finals[("whatsapp", "FAILED")] > 0
    for m in messages:
        steps = list(m["timeline"])
        assert steps[0] == "QUEUED" and "PROCESSED" in steps
        times = list(m["timeline"].values())
        assert times == sorted(times)
        assert steps[-1] == m["final_status"]
        if m["final_status"] == "FAILED":
            assert m["reason_code"]
            assert "DELIVERED" not in steps
        else:
            assert m["reason_code"] is None
            assert [ORDER[s] for s in steps] == sorted(ORDER[s] for s in steps)


def test_latencies_are_realistic(world):
    gaps = []
    for m in world.truth.messages():
        t = {k: datetime.fromisoformat(v) for k, v in m["timeline"].items()}
        if "DELIVERED" in t:
            gaps.append((t["DELIVERED"] - t["QUEUED"]).total_seconds())
    assert 1 < float(np.median(gaps)) < 120


def test_history_lies_in_the_window_before_the_clock(world):
    start = datetime(2026, 4, 8, tzinfo=UTC) - timedelta(days=30)
    created = [datetime.fromisoformat(m["created_at"]) for m in world.truth.messages()]
    assert min(created) >= start and max(created) < datetime(2026, 4, 8, tzinfo=UTC)


def test_params_change_the_outcomes():
    params = WorldParams(overrides={(ch, r): Outcome(failed=1.0, delivered=0.0)
                                    for ch in ("sms", "whatsapp") for r in _pricing.REGIONS})
    world = small(params=params)
    assert set(world.ledger()["status"]) == {"FAILED"}


def test_observed_rates_approach_the_true_probabilities():
    world = build_world(seed=3, contacts=3000, messages=20_000, clock=SimClock.frozen(START))
    ledger = world.ledger()
    wa = ledger[ledger["channel"] == "whatsapp"]
    truth = world.params.outcome("whatsapp", "BR")
    br = wa[wa["region_code"] == "BR"]
    delivered = br["status"].isin(["DELIVERED", "READ"]).mean()
    assert abs(delivered - truth.delivered) < 0.05
    read_given_delivered = (br["status"] == "READ").sum() / br["status"].isin(["DELIVERED", "READ"]).sum()
    assert abs(read_given_delivered - truth.read) < 0.06


# -- prices and the ledger --------------------------------------------------------------------------------


def test_ledger_matches_the_price_table(world):
    ledger = world.ledger()
    assert len(ledger) == world._records.messages.n
    for row in ledger.sample(100, random_state=0).itertuples():
        assert row.price == _pricing.channel_price(row.channel, row.region_code, row.template_category)
        assert row.active_contact_price == _pricing.active_contact_price(row.channel, row.region_code)
        assert row.cost == pytest.approx(row.price + row.active_contact_price)


def test_ledger_as_of_reflects_the_clock(world):
    early = world.ledger(as_of=datetime(2026, 3, 1, tzinfo=UTC))
    created_later = early["created_at"] > datetime(2026, 3, 1, tzinfo=UTC)
    assert (early.loc[created_later, "status"] == "QUEUED").all()


def test_activities_repeat_the_price_after_queued(world):
    records = world._records
    for i in range(0, records.messages.n, 37):
        wire = _wire.activities(records, i)
        acts = wire["activities"]
        stamps = [a["timestamp"] for a in acts]
        assert stamps == sorted(stamps, reverse=True)  # newest first
        assert acts[-1]["status"] == "QUEUED" and acts[-1]["price"] is None
        prices = {a["price"] for a in acts[:-1]}
        assert prices == {_pricing.format_price(round(float(records.messages["price"][i]), 4))}


# -- webhook events -----------------------------------------------------------------------------------------


def test_a_messages_webhook_gets_an_event_per_status_change(world):
    truth = world.truth
    webhook = next(w for w in truth.webhooks() if w["event_types"] == ["messages"])
    events = truth.events(webhook["id"])
    mine = [m for m in truth.messages() if m["profile_id"] == webhook["profile_id"]]
    assert len(events) == sum(len(m["timeline"]) for m in mine)
    by_message = Counter(e["event_data"]["payload"]["message_id"] for e in events
                         if "payload" in e["event_data"])  # fmt: skip
    m = mine[0]
    assert by_message[m["id"]] <= len(m["timeline"])


def test_narrow_subscriptions_only_get_their_events(world):
    truth = world.truth
    for w in truth.webhooks():
        kinds = {e["event_type"] for e in truth.events(w["id"])}
        if "messages" not in w["event_types"]:
            assert kinds <= set(w["event_types"])


def test_events_carry_the_message_envelope_and_some_fail(world):
    events = world.truth.events()
    real = [e for e in events if "payload" in e["event_data"]]
    degenerate = [e for e in events if e["event_data"] == {"valueKind": "Undefined"}]
    assert real and degenerate
    for e in real[:200]:
        data = e["event_data"]
        assert data["field"] == "messages" and data["event"] == e["event_type"]
        assert data["request_id"].startswith("req_")
        p = data["payload"]
        assert p["message_status"] == e["event_type"].split(".")[1].upper()
        assert p["outbound_number"].startswith("+") and p["account_id"]
        assert ("reason_code" in p) == (p["message_status"] == "FAILED")
    failed = [e for e in events if e["delivery_status"] == "failed"]
    assert failed and all(e["delivery_attempts"] >= 1 and e["error_message"] for e in failed)
    assert any(e["http_status_code"] is None for e in failed) or any(e["http_status_code"] >= 500 for e in failed)
    assert any(e["delivery_attempts"] > 1 for e in events)


def test_events_and_statuses_appear_as_the_clock_advances(world, clock):
    records = world._records
    webhook = next(w for w in records.webhooks if w.event_types == ["messages"])
    total = webhook.events.n
    visible = records.visible_event_count(webhook)
    assert 0 < visible <= total
    clock.advance(7 * 86400)
    assert records.visible_event_count(webhook) == total


# -- scale --------------------------------------------------------------------------------------------------------


def test_a_20k_world_builds_and_serves_full_pages():
    # speed is measured by benchmarks/simulator_scale.py, not asserted here
    world = build_world(seed=5, contacts=20_000, messages=20_000, clock=SimClock.frozen(START))
    account = Account(world._records)
    webhook = next(w for w in world._records.webhooks if w.event_types == ["messages"])
    for page in (3, 4, 5):
        rows, total = account.contact_page(1, page, 100)
        events, event_total = account.event_page(webhook, page, 100)
        assert len(rows) == 100 and len(events) == 100
        assert total > 300 and event_total > 300


def test_demo_world_is_cached():
    assert demo_world() is demo_world()
