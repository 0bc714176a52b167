"""The live API's messages surface: the messages lists, message summaries, cancel and resend,
event filters, and the statuses and channels behind them, checked against the world's truth."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from sentlab.simulator._world import World

from ..kit import MISSING, data, error_code, sim_client, walk


def truth_messages(world: World, profile_id: str | None) -> list[dict]:
    """The scope's messages that exist by the clock, newest first, as the list should serve them."""
    owner = profile_id or world.organization_id
    now = world.clock.now()
    mine = [m for m in world.truth.messages()
            if m["profile_id"] == owner and datetime.fromisoformat(m["created_at"]) <= now]  # fmt: skip
    return sorted(mine, key=lambda m: m["created_at"], reverse=True)


@pytest.mark.parametrize("scope", ["organization", "profile"])
def test_the_messages_list_is_every_message_of_the_scope_newest_first(sim_app, world, scope):
    profile_id = None if scope == "organization" else world.profile_ids[0]
    headers = {"x-api-key": world.org_key, **({"x-profile-id": profile_id} if profile_id else {})}
    with sim_client(sim_app, headers) as c:
        listed = walk(c, "/v3/conversations", "messages")
        assert data(c.get("/v3/conversations", params={"page_size": 1}))["pagination"]["total_count"] == len(listed)
    expected = truth_messages(world, profile_id)
    assert [m["id"] for m in listed] == [m["id"] for m in expected]
    ledger = world.ledger().set_index("message_id")
    for m in listed:
        row = ledger.loc[m["id"]]
        assert (m["status"], m["channel"], m["direction"], m["region_code"]) == (
            row["status"], row["channel"], row["direction"], row["region_code"])  # fmt: skip
        if m["status"] != "SCHEDULED":
            assert m["price"] == row["price"] and m["active_contact_price"] == row["active_contact_price"]
        assert m["events"] and m["events"][-1]["status"] == m["status"]
    assert {m["direction"] for m in listed} == {"outbound", "inbound"}


def test_the_whole_account_is_the_organization_and_each_profile_once(sim_app, world):
    seen: Counter[str] = Counter()
    for profile_id in [None, *world.profile_ids]:
        headers = {"x-api-key": world.org_key, **({"x-profile-id": profile_id} if profile_id else {})}
        with sim_client(sim_app, headers) as c:
            seen.update(m["id"] for m in walk(c, "/v3/conversations", "messages"))
    assert set(seen.values()) == {1}
    now = world.clock.now()
    assert set(seen) == {m["id"] for m in world.truth.messages() if datetime.fromisoformat(m["created_at"]) <= now}


def test_a_profile_key_lists_only_its_own_messages(sim_app, world):
    profile_id = world.profile_ids[1]
    with sim_client(sim_app, {"x-api-key": world.profile_keys[profile_id]}) as c:
        listed = walk(c, "/v3/conversations", "messages")
    assert listed and {m["customer_id"] for m in listed} == {profile_id}


def test_replies_and_future_messages_appear_as_the_clock_advances(sim_app, world, clock, profile_client):
    before = data(profile_client.get("/v3/conversations", params={"page_size": 1}))["pagination"]["total_count"]
    clock.advance(5 * 86400)
    after = data(profile_client.get("/v3/conversations", params={"page_size": 1}))["pagination"]["total_count"]
    assert after >= before
    assert after == len(truth_messages(world, world.profile_ids[0]))


def test_a_conversation_is_one_contacts_thread(profile_client, world, profile_id):
    messages = truth_messages(world, profile_id)
    busiest, _ = Counter(m["contact_id"] for m in messages).most_common(1)[0]
    thread = walk(profile_client, f"/v3/conversations/{busiest}", "messages", page_size=3)
    assert [m["id"] for m in thread] == [m["id"] for m in messages if m["contact_id"] == busiest]
    assert len(thread) > 3  # it took more than one page
    assert error_code(profile_client.get(f"/v3/conversations/{MISSING}"), 404) == "RESOURCE_001"
    assert error_code(profile_client.get("/v3/conversations/not-a-uuid"), 400) == "VALIDATION_003"
    other = next(c for c in world.truth.contacts() if c["profile_id"] == world.profile_ids[2])
    assert error_code(profile_client.get(f"/v3/conversations/{other['id']}"), 404) == "RESOURCE_001"


def test_the_message_summary_matches_the_contacts_messages(profile_client, world, profile_id):
    messages = truth_messages(world, profile_id)
    for contact_id, _ in Counter(m["contact_id"] for m in messages).most_common(5):
        mine = [m for m in messages if m["contact_id"] == contact_id]
        summary = data(profile_client.get(f"/v3/contacts/{contact_id}/message-summary"))
        assert summary["contact_id"] == contact_id and summary["message_count"] == len(mine)
        assert summary["first_message_at"] == min(m["created_at"] for m in mine)
        assert summary["last_message_at"] == max(m["created_at"] for m in mine)
        assert summary["channels_used"] == sorted({m["channel"] for m in mine})
        for score in summary["channel_scores"]:
            on = [m for m in mine if m["channel"] == score["channel"]]
            ok = sum(m["final_status"] in ("SENT", "DELIVERED", "READ", "RECEIVED") for m in on)
            assert score["success_score"] == round(100 * ok / len(on))
            assert score["fail_score"] == round(100 * sum(m["final_status"] == "FAILED" for m in on) / len(on))
    silent = next(c for c in world.truth.contacts()
                  if c["profile_id"] == profile_id and c["id"] not in {m["contact_id"] for m in messages})  # fmt: skip
    empty = data(profile_client.get(f"/v3/contacts/{silent['id']}/message-summary"))
    assert empty["message_count"] == 0 and empty["channel_scores"] == [] and empty["first_message_at"] is None


def send(client, **body) -> str:
    r = client.post("/v3/messages", json={"to": ["+447400123456"], "template": {"name": "login_code"},
                                          "channel": ["sms"], **body})  # fmt: skip
    assert r.status_code == 202, r.text
    return r.json()["data"]["recipients"][0]["message_id"]


def test_a_scheduled_send_is_held_then_cancelled_for_free(profile_client, clock):
    when = (clock.now() + timedelta(hours=3)).isoformat()
    mid = send(profile_client, scheduled_at=when)
    clock.advance(5)
    held = data(profile_client.get(f"/v3/messages/{mid}"))
    assert held["status"] == "SCHEDULED" and held["scheduled_at"] and held["price"] is None
    dry = data(profile_client.post(f"/v3/messages/{mid}/cancel", json={"sandbox": True}))
    assert dry["status"] == "CANCELLED"
    assert data(profile_client.get(f"/v3/messages/{mid}"))["status"] == "SCHEDULED"  # the sandbox changed nothing
    cancelled = data(profile_client.post(f"/v3/messages/{mid}/cancel", json={}))
    assert cancelled["status"] == "CANCELLED" and cancelled["price"] == 0 and cancelled["scheduled_at"]
    clock.advance(6 * 3600)  # the release time passes: nothing is sent
    assert data(profile_client.get(f"/v3/messages/{mid}"))["status"] == "CANCELLED"
    acts = data(profile_client.get(f"/v3/messages/{mid}/activities"))["activities"]
    assert [a["status"] for a in acts] == ["CANCELLED", "SCHEDULED", "QUEUED"]
    assert acts[0]["scheduled_at"] == acts[1]["scheduled_at"] == held["scheduled_at"]
    r = profile_client.post(f"/v3/messages/{mid}/cancel", json={})
    assert error_code(r, 422) == "BUSINESS_006"  # final
    assert error_code(profile_client.post(f"/v3/messages/{mid}/resend", json={}), 422) == "BUSINESS_006"


def test_only_a_held_message_can_be_cancelled(profile_client, clock):
    mid = send(profile_client)
    clock.advance(3600)
    r = profile_client.post(f"/v3/messages/{mid}/cancel", json={})
    assert error_code(r, 422) == "BUSINESS_006" and "scheduled" in r.json()["error"]["details"]["status"][0]


def test_a_blocked_message_resent_goes_through_again_and_is_billed(profile_client, world, profile_id, clock):
    pending = next(t for t in world.truth.templates() if t["profile_id"] == profile_id and t["status"] == "PENDING"
                   and "sms" in t["channels"])  # fmt: skip
    r = profile_client.post("/v3/messages", json={"to": ["+447400123456"], "template": {"id": pending["id"]},
                                                  "channel": ["sms"]})  # fmt: skip
    mid = r.json()["data"]["recipients"][0]["message_id"]
    assert error_code(profile_client.post(f"/v3/messages/{mid}/resend", json={}), 422) == "BUSINESS_006"  # in flight
    clock.advance(60)
    assert data(profile_client.get(f"/v3/messages/{mid}"))["status"] == "BLOCKED"
    world._records.templates[[t.id for t in world._records.templates].index(pending["id"])].status = "APPROVED"
    resent = data(profile_client.post(f"/v3/messages/{mid}/resend", json={}), 202)
    assert resent["id"] == mid
    clock.advance(3600)
    after = data(profile_client.get(f"/v3/messages/{mid}"))
    assert after["status"] in ("SENT", "DELIVERED", "FAILED") and after["price"] > 0
    statuses = [e["status"] for e in after["events"]]
    assert statuses[:2] == ["QUEUED", "BLOCKED"] and statuses[2] == "QUEUED"  # both attempts, in order
    assert after["events"][1]["reason_code"] == "BUSINESS_005"
    ledger = world.ledger().set_index("message_id")
    assert ledger.at[mid, "price"] == after["price"]


def test_a_filtered_message_is_never_resendable(profile_client, world, profile_id, clock):
    opted = next(c for c in world.truth.contacts() if c["profile_id"] == profile_id and c["opt_out"])
    r = profile_client.post("/v3/messages", json={"to": [opted["phone_number"]], "template": {"name": "login_code"}})
    mid = r.json()["data"]["recipients"][0]["message_id"]
    clock.advance(60)
    assert data(profile_client.get(f"/v3/messages/{mid}"))["status"] == "FILTERED"
    r = profile_client.post(f"/v3/messages/{mid}/resend", json={})
    assert error_code(r, 422) == "BUSINESS_006" and "never resendable" in r.json()["error"]["details"]["status"][0]


def test_free_form_whatsapp_needs_an_open_conversation(profile_client, world, profile_id, clock):
    wa = next(c for c in world.truth.contacts() if c["profile_id"] == profile_id and not c["opt_out"]
              and "whatsapp" in c["available_channels"])  # fmt: skip
    r = profile_client.post("/v3/messages", json={"to": [wa["phone_number"]], "text": "hello", "channel": ["whatsapp"]})
    mid = r.json()["data"]["recipients"][0]["message_id"]
    clock.advance(60)
    shown = data(profile_client.get(f"/v3/messages/{mid}"))
    assert (shown["status"], shown["reason_code"]) == ("BLOCKED", "BUSINESS_031")


def test_mms_needs_media_and_carries_it(profile_client, world, profile_id, clock):
    us = next(c for c in world.truth.contacts() if c["profile_id"] == profile_id and not c["opt_out"]
              and "mms" in c["available_channels"])  # fmt: skip
    r = profile_client.post("/v3/messages", json={"to": [us["phone_number"]], "text": "hi", "channel": ["mms"]})
    assert error_code(r, 400) == "VALIDATION_001" and "media_urls" in r.json()["error"]["details"]
    url = "https://cdn.example.com/a.png"
    r = profile_client.post("/v3/messages", json={"to": [us["phone_number"]], "text": "hi", "channel": ["mms"],
                                                  "media_urls": [url]})  # fmt: skip
    mid = r.json()["data"]["recipients"][0]["message_id"]
    clock.advance(120)
    shown = data(profile_client.get(f"/v3/messages/{mid}"))
    assert shown["channel"] == "mms" and shown["message_body"]["media"][0]["url"] == url


def test_sender_numbers_not_on_the_account_block_the_message(profile_client, clock):
    mid = send(profile_client, channels={"sms": [{"from": ["+12125550000"]}]})
    clock.advance(60)
    shown = data(profile_client.get(f"/v3/messages/{mid}"))
    assert (shown["status"], shown["reason_code"]) == ("BLOCKED", "BUSINESS_029")
    r = profile_client.post("/v3/messages", json={"to": ["+447400123456"], "text": "x",
                                                  "channels": {"sent": [{"from": ["+12125550000"]}]}})  # fmt: skip
    assert error_code(r, 400) == "VALIDATION_001"


def test_long_and_unicode_sms_are_billed_per_segment(profile_client, world, clock):
    prices = {}
    for label, text in (("short", "x" * 160), ("long", "x" * 161), ("unicode", "ó" * 71)):
        r = profile_client.post("/v3/messages", json={"to": ["+447400123456"], "text": text, "channel": ["sms"]})
        prices[label] = r.json()["data"]["recipients"][0]["message_id"]
    clock.advance(120)
    ledger = world.ledger().set_index("message_id")
    assert [int(ledger.at[prices[k], "segments"]) for k in ("short", "long", "unicode")] == [1, 2, 2]
    assert ledger.at[prices["long"], "price"] == pytest.approx(2 * ledger.at[prices["short"], "price"])


def test_event_filters_narrow_a_family_subscription(profile_client, world, profile_id, clock):
    created = data(profile_client.post("/v3/webhooks", json={
        "endpoint_url": "https://x.example/h", "event_types": ["message"],
        "event_filters": {"message": ["message.delivered", "message.failed"]}}), 201)  # fmt: skip
    assert created["event_filters"] == {"message": ["message.delivered", "message.failed"]}
    for _ in range(5):
        send(profile_client)
    clock.advance(3600)
    events = walk(profile_client, f"/v3/webhooks/{created['id']}/events", "events")
    assert events and {e["event_type"] for e in events} <= {"message.delivered", "message.failed"}
    r = profile_client.post("/v3/webhooks", json={"endpoint_url": "https://x.example/h", "event_types": ["message"],
                                                  "event_filters": {"message": ["template.approved"]}})  # fmt: skip
    assert error_code(r, 400) == "VALIDATION_006"
    r = profile_client.post("/v3/webhooks", json={"endpoint_url": "https://x.example/h", "event_types": ["message"],
                                                  "event_filters": {"nope": []}})  # fmt: skip
    assert error_code(r, 400) == "VALIDATION_006"


def test_sdk_and_docs_family_names_both_subscribe(profile_client, clock):
    ids = []
    for family in ("message", "messages"):
        ids.append(data(profile_client.post("/v3/webhooks", json={
            "endpoint_url": "https://x.example/h", "event_types": [family]}), 201)["id"])  # fmt: skip
    send(profile_client)
    clock.advance(3600)
    kinds = [{e["event_type"] for e in walk(profile_client, f"/v3/webhooks/{i}/events", "events")} for i in ids]
    assert kinds[0] == kinds[1] and "message.queued" in kinds[0]


def test_us_sms_needs_an_active_10dlc_campaign(world):
    from sentlab.simulator._profiles import active_campaign

    ledger = world.ledger()
    records = world._records
    us_sms = ledger[(ledger["region_code"] == "US") & ledger["channel"].isin(["sms", "mms"])
                    & (ledger["direction"] == "outbound")]  # fmt: skip
    for scope in range(1, len(records.scopes)):
        mine = us_sms[us_sms["profile_id"] == records.scopes[scope].id]
        blocked = mine["reason_code"] == "BUSINESS_030"
        if active_campaign(records, scope, records.history_start) is None and active_campaign(records, scope) is None:
            released = mine[~mine["status"].isin(["CANCELLED", "SCHEDULED"])]  # never released, never gated
            assert len(released) and (released["status"] == "BLOCKED").all() and (released["cost"] == 0).all()
            # a balance outage is checked first; every other release is stopped for the campaign
            assert released["reason_code"].isin(["BUSINESS_030", "BUSINESS_003"]).all() and blocked.any()
        else:
            assert not blocked.any()
    assert (us_sms["reason_code"] == "BUSINESS_030").any()  # the default world has a profile without one
    others = ledger[(ledger["region_code"] != "US") | (ledger["channel"] == "whatsapp")]
    assert not (others["reason_code"] == "BUSINESS_030").any()
