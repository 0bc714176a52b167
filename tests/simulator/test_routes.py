"""The core app's routes: envelope, pagination, filters, validation, auth, scoping, sandbox, sends."""

from __future__ import annotations

import uuid

import pytest

from sentlab.simulator._world import World

from ..kit import MISSING, data, details, error_code, sim_client, walk

# -- envelope and pagination --------------------------------------------------------------------------


def test_me_describes_the_organization_and_its_profiles(client, world):
    me = data(client.get("/v3/me"))
    assert me["type"] == "organization" and me["id"] == world.organization_id
    assert [p["id"] for p in me["profiles"]] == world.profile_ids
    assert set(me["channels"]) == {"sms", "whatsapp", "rcs"}


def test_me_with_a_profile_key_is_the_profile(sim_app, world, profile_id):
    with sim_client(sim_app, {"x-api-key": world.profile_keys[profile_id]}) as c:
        me = data(c.get("/v3/me"))
    assert me["type"] == "profile" and me["id"] == profile_id
    assert me["organization_id"] == world.organization_id


def test_pagination_object_and_walking_every_page(profile_client, world, profile_id):
    first = data(profile_client.get("/v3/contacts", params={"page": 1, "page_size": 7}))
    p = first["pagination"]
    assert set(p) == {"page", "page_size", "total_count", "total_pages", "has_more", "cursors"}
    assert p["cursors"] is None and p["page_size"] == 7 and p["has_more"] is True
    assert p["total_pages"] == -(-p["total_count"] // 7)
    rows = walk(profile_client, "/v3/contacts", "contacts", page_size=7)
    assert len(rows) == p["total_count"] == len({r["id"] for r in rows})
    own = sum(1 for c in world.truth.contacts() if c["profile_id"] in (profile_id, world.organization_id))
    assert len(rows) == own and profile_id in world.profile_ids


def test_page_past_the_end_is_empty(profile_client):
    d = data(profile_client.get("/v3/contacts", params={"page": 999, "page_size": 100}))
    assert d["contacts"] == [] and d["pagination"]["has_more"] is False


def test_defaults_when_page_params_are_absent(profile_client):
    d = data(profile_client.get("/v3/templates"))
    assert d["pagination"]["page"] == 1 and d["pagination"]["page_size"] == 20


# -- filters ---------------------------------------------------------------------------------------------


def test_contact_filters(profile_client, world):
    wa = walk(profile_client, "/v3/contacts", "contacts", channel="whatsapp")
    assert wa and all("whatsapp" in c["available_channels"].split(",") for c in wa)
    some = wa[0]
    found = data(profile_client.get("/v3/contacts", params={"phone": some["phone_number"]}))
    assert [c["id"] for c in found["contacts"]] == [some["id"]]
    digits = some["phone_number"][-6:]
    searched = walk(profile_client, "/v3/contacts", "contacts", search=digits)
    assert some["id"] in {c["id"] for c in searched}
    assert all(digits in c["phone_number"] for c in searched)
    r = profile_client.get("/v3/contacts", params={"phone": "+14155550000"})
    assert error_code(r, 404) == "RESOURCE_001"


def test_template_filters(profile_client):
    approved = walk(profile_client, "/v3/templates", "templates", status="APPROVED")
    assert approved and all(t["status"] == "APPROVED" for t in approved)
    auth = walk(profile_client, "/v3/templates", "templates", category="AUTHENTICATION")
    assert auth and all(t["category"] == "AUTHENTICATION" for t in auth)
    named = walk(profile_client, "/v3/templates", "templates", search="login")
    assert [t["name"] for t in named] == ["login_code"]


def test_webhook_events_newest_first_and_searchable(profile_client):
    webhook = walk(profile_client, "/v3/webhooks", "webhooks")[0]
    events = walk(profile_client, f"/v3/webhooks/{webhook['id']}/events", "events")
    stamps = [e["created_at"] for e in events]
    assert stamps == sorted(stamps, reverse=True)
    failed = walk(profile_client, f"/v3/webhooks/{webhook['id']}/events", "events", search="message.failed")
    assert failed and all(e["event_type"] == "message.failed" for e in failed)
    inactive = data(profile_client.get("/v3/webhooks", params={"is_active": "false"}))
    assert inactive["webhooks"] == []


# -- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"page": 0}, 400, "VALIDATION_005", "page"),
        ({"page": -3}, 400, "VALIDATION_005", "page"),
        ({"page": "two"}, 400, "VALIDATION_001", "page"),
        ({"page_size": 0}, 400, "VALIDATION_001", "page_size"),
        ({"page_size": 101}, 400, "VALIDATION_001", "page_size"),
        ({"channel": "pigeon"}, 400, "VALIDATION_006", "channel"),
        ({"phone": "12345"}, 400, "VALIDATION_002", "phone"),
    ],
)
def test_list_query_validation(profile_client, params, status, code, field):
    r = profile_client.get("/v3/contacts", params=params)
    assert error_code(r, status) == code
    assert field in details(r)


def test_template_and_webhook_enum_and_range_validation(profile_client):
    r = profile_client.get("/v3/templates", params={"category": "SPAM"})
    assert error_code(r, 400) == "VALIDATION_006"
    r = profile_client.post("/v3/webhooks", json={"endpoint_url": "https://x.example", "retry_count": 9})
    assert error_code(r, 400) == "VALIDATION_005" and "retry_count" in details(r)
    r = profile_client.post("/v3/webhooks", json={"endpoint_url": "ftp://x", "event_types": ["messages"]})
    assert error_code(r, 400) == "VALIDATION_001" and "endpoint_url" in details(r)
    r = profile_client.post("/v3/webhooks", json={"endpoint_url": "https://x.example", "event_types": ["bogus"]})
    assert error_code(r, 400) == "VALIDATION_006"


@pytest.mark.parametrize("path", ["/v3/contacts/nope", "/v3/templates/123", "/v3/messages/x",
                                  "/v3/messages/x/activities", "/v3/webhooks/abc/events"])  # fmt: skip
def test_malformed_ids_are_validation_003(profile_client, path):
    r = profile_client.get(path)
    assert error_code(r, 400) == "VALIDATION_003" and "id" in details(r)


@pytest.mark.parametrize(
    ("path", "code"),
    [("/v3/contacts/", "RESOURCE_001"), ("/v3/templates/", "RESOURCE_002"), ("/v3/messages/", "RESOURCE_003"),
     ("/v3/webhooks/", "RESOURCE_008"), ("/v3/users/", "RESOURCE_006"), ("/v3/profiles/", "RESOURCE_014")],
)  # fmt: skip
def test_unknown_ids_are_404_with_their_code(profile_client, path, code):
    assert error_code(profile_client.get(path + MISSING), 404) == code


def test_body_validation(profile_client):
    r = profile_client.post("/v3/contacts", content=b"{not json")
    assert error_code(r, 400) == "VALIDATION_001" and "body" in details(r)
    r = profile_client.post("/v3/contacts", json=[1, 2])
    assert error_code(r, 400) == "VALIDATION_001"
    r = profile_client.post("/v3/contacts", json={})
    assert error_code(r, 400) == "VALIDATION_001" and "phone_number" in details(r)
    r = profile_client.post("/v3/contacts", json={"phone_number": "0044 7911"})
    assert error_code(r, 400) == "VALIDATION_002"
    r = profile_client.post("/v3/contacts", json={"phone_number": "+447400123456", "sandbox": "true"})
    assert error_code(r, 400) == "VALIDATION_001" and "sandbox" in details(r)
    r = profile_client.post("/v3/templates", json={"category": "UTILITY"})
    assert error_code(r, 400) == "VALIDATION_001" and "definition" in details(r)


def test_send_validation(profile_client, world):
    r = profile_client.post("/v3/messages", json={})
    assert error_code(r, 400) == "VALIDATION_004"
    assert set(details(r)) == {"to", "template"}
    r = profile_client.post("/v3/messages", json={"to": ["4155550123"], "template": {"name": "login_code"}})
    assert error_code(r, 400) == "VALIDATION_002"
    r = profile_client.post("/v3/messages", json={"to": ["+14155550123"], "template": {"id": "nope"}})
    assert error_code(r, 400) == "VALIDATION_003"
    r = profile_client.post("/v3/messages", json={"to": ["+14155550123"], "template": {"name": "login_code"},
                                                  "channel": ["fax"]})  # fmt: skip
    assert error_code(r, 400) == "VALIDATION_006"
    r = profile_client.post("/v3/messages", json={"to": ["+14155550123"], "template": {"name": "no_such"}})
    assert error_code(r, 404) == "RESOURCE_002"


def test_send_business_rules(profile_client, world, profile_id, clock):
    truth = world.truth
    pending = next(t for t in truth.templates() if t["profile_id"] == profile_id and t["status"] != "APPROVED")
    # account preconditions are accepted (202) and the message is recorded BLOCKED or FILTERED
    r = profile_client.post("/v3/messages", json={"to": ["+14155550123"], "template": {"id": pending["id"]}})
    assert r.status_code == 202, r.text
    clock.advance(60)  # the pipeline runs on the world's clock
    blocked = data(profile_client.get(f"/v3/messages/{r.json()['data']['recipients'][0]['message_id']}"))
    assert (blocked["status"], blocked["reason_code"]) == ("BLOCKED", "BUSINESS_005")
    assert blocked["price"] == 0 and blocked["events"][-1]["reason_code"] == "BUSINESS_005"
    opted = next(c for c in truth.contacts() if c["profile_id"] == profile_id and c["opt_out"])
    r = profile_client.post("/v3/messages", json={"to": [opted["phone_number"]], "template": {"name": "login_code"}})
    assert r.status_code == 202, r.text
    clock.advance(60)
    filtered = data(profile_client.get(f"/v3/messages/{r.json()['data']['recipients'][0]['message_id']}"))
    assert (filtered["status"], filtered["reason_code"]) == ("FILTERED", "BUSINESS_004")
    # what is wrong with the request itself is refused
    sms_only = next(c for c in truth.contacts()
                    if c["profile_id"] == profile_id and "whatsapp" not in c["available_channels"] and not c["opt_out"])  # fmt: skip
    r = profile_client.post("/v3/messages", json={"to": [sms_only["phone_number"]], "template": {"name": "login_code"},
                                                  "channel": ["whatsapp"]})  # fmt: skip
    assert error_code(r, 422) == "BUSINESS_007"


def test_unknown_route_wrong_method(client):
    assert error_code(client.get("/v3/nothing-here"), 404) == "NOT_FOUND"
    r = client.request("PUT", "/v3/contacts")
    assert error_code(r, 405) == "METHOD_NOT_ALLOWED"


# -- auth and profile scoping -------------------------------------------------------------------------------


def test_missing_and_wrong_keys(sim_app):
    with sim_client(sim_app, {}) as anonymous:
        assert error_code(anonymous.get("/v3/me"), 401) == "AUTH_001"
    with sim_client(sim_app, {"x-api-key": "sk_test_wrong"}) as wrong:
        assert error_code(wrong.get("/v3/contacts"), 401) == "AUTH_002"


def test_profile_header_rules(sim_app, world, profile_id):
    profile_key = world.profile_keys[profile_id]
    with sim_client(sim_app, {"x-api-key": profile_key, "x-profile-id": profile_id}) as c:
        assert error_code(c.get("/v3/contacts"), 403) == "AUTH_004"
    with sim_client(sim_app, {"x-api-key": world.org_key, "x-profile-id": "not-a-guid"}) as c:
        assert error_code(c.get("/v3/contacts"), 400) == "VALIDATION_003"
    with sim_client(sim_app, {"x-api-key": world.org_key, "x-profile-id": str(uuid.uuid4())}) as c:
        assert error_code(c.get("/v3/contacts"), 404) == "RESOURCE_014"
    with sim_client(sim_app, {"x-api-key": world.org_key, "x-profile-id": profile_id}) as c:
        r = c.get("/v3/contacts")
        assert r.status_code == 200 and r.headers["X-Profile-Id"] == profile_id


def test_profile_key_and_org_key_with_header_see_the_same(sim_app, world, profile_id, profile_client):
    with sim_client(sim_app, {"x-api-key": world.profile_keys[profile_id]}) as c:
        own = walk(c, "/v3/contacts", "contacts")
    assert own == walk(profile_client, "/v3/contacts", "contacts")


def test_org_contacts_appear_inherited_in_profiles(client, profile_client, world):
    org = walk(client, "/v3/contacts", "contacts")
    assert org and not any(c["is_inherited"] for c in org)
    assert all(c["customer_id"] == world.organization_id for c in org)
    seen = {c["id"]: c for c in walk(profile_client, "/v3/contacts", "contacts")}
    assert all(seen[c["id"]]["is_inherited"] for c in org)
    inherited = org[0]["id"]
    r = profile_client.patch(f"/v3/contacts/{inherited}", json={"opt_out": True})
    assert error_code(r, 422) == "BUSINESS_001"
    assert error_code(profile_client.delete(f"/v3/contacts/{inherited}"), 422) == "BUSINESS_001"


def test_profiles_are_isolated(sim_app, world):
    a, b = world.profile_ids[:2]
    with sim_client(sim_app, {"x-api-key": world.profile_keys[a]}) as ca:
        webhook_of_a = walk(ca, "/v3/webhooks", "webhooks")[0]["id"]
        tpl_of_a = walk(ca, "/v3/templates", "templates")[0]["id"]
    with sim_client(sim_app, {"x-api-key": world.profile_keys[b]}) as cb:
        assert error_code(cb.get(f"/v3/webhooks/{webhook_of_a}"), 404) == "RESOURCE_008"
        assert error_code(cb.get(f"/v3/templates/{tpl_of_a}"), 404) == "RESOURCE_002"
        assert error_code(cb.get("/v3/profiles"), 403) == "AUTH_004"
        assert error_code(cb.get(f"/v3/profiles/{a}"), 404) == "RESOURCE_014"
        assert data(cb.get(f"/v3/profiles/{b}"))["id"] == b


def test_profiles_and_users(client, world):
    profiles = data(client.get("/v3/profiles"))["profiles"]
    assert [p["id"] for p in profiles] == world.profile_ids
    assert all(p["organization_id"] == world.organization_id for p in profiles)
    users = data(client.get("/v3/users"))["users"]
    assert users and data(client.get(f"/v3/users/{users[0]['id']}"))["email"] == users[0]["email"]


# -- messages -------------------------------------------------------------------------------------------------


def test_message_detail_and_activities_agree_with_the_ledger(client, world):
    ledger = world.ledger().set_index("message_id")
    for mid in list(ledger.index[:: max(1, len(ledger) // 25)]):
        detail = data(client.get(f"/v3/messages/{mid}"))
        row = ledger.loc[mid]
        assert detail["status"] == row["status"]  # history is complete by the frozen clock's start
        if row["status"] != "SCHEDULED":  # a held send is priced once released
            assert detail["price"] == row["price"] and detail["active_contact_price"] == row["active_contact_price"]
        assert detail["channel"] == row["channel"] and detail["region_code"] == row["region_code"]
        assert detail["direction"] == row["direction"]
        assert set(detail["message_body"]) == {"header", "headerMedia", "content", "footer", "buttons", "media", "subject"}
        assert detail["events"][0]["status"] == ("RECEIVED" if row["direction"] == "inbound" else "QUEUED")
        assert ("reason_code" in detail) == (row["status"] in ("FAILED", "FILTERED", "BLOCKED"))
        acts = data(client.get(f"/v3/messages/{mid}/activities"))["activities"]
        assert [a["status"] for a in acts] == [e["status"] for e in reversed(detail["events"])]


def test_number_lookup(client):
    d = data(client.get("/v3/numbers/lookup/+447400123456"))
    assert d["phone_number"] == "+447400123456" and d["country_code"] == "GB"
    assert error_code(client.get("/v3/numbers/lookup/hello"), 400) == "VALIDATION_002"


def _status(client, mid: str) -> str:
    return data(client.get(f"/v3/messages/{mid}"))["status"]


def test_a_live_send_advances_with_the_clock_and_emits_events(profile_client, world, clock):
    webhook = next(w for w in walk(profile_client, "/v3/webhooks", "webhooks") if w["event_types"] == ["messages"])
    before = data(profile_client.get(f"/v3/webhooks/{webhook['id']}/events"))["pagination"]["total_count"]
    r = profile_client.post("/v3/messages", json={
        "to": ["+447400123456"], "template": {"name": "login_code", "parameters": {"code": "424242"}},
        "channel": ["sms"],
    })  # fmt: skip
    sent = data(r, 202)
    assert sent["status"] == "QUEUED" and sent["template_name"] == "login_code"
    (recipient,) = sent["recipients"]
    assert recipient["body"].startswith("424242") and recipient["channel"] == "sms"
    mid = recipient["message_id"]
    assert _status(profile_client, mid) == "QUEUED"
    acts = data(profile_client.get(f"/v3/messages/{mid}/activities"))["activities"]
    assert [a["status"] for a in acts] == ["QUEUED"] and acts[0]["price"] is None
    clock.advance(3600)
    final = _status(profile_client, mid)
    assert final in ("SENT", "DELIVERED", "FAILED")
    events = walk(profile_client, f"/v3/webhooks/{webhook['id']}/events", "events", search=mid)
    assert [e["event_data"]["payload"]["message_status"] for e in reversed(events) if "payload" in e["event_data"]][-1] == final
    after = data(profile_client.get(f"/v3/webhooks/{webhook['id']}/events"))["pagination"]["total_count"]
    assert after >= before + len(events)
    # the contact was created by the send
    assert data(profile_client.get("/v3/contacts", params={"phone": "+447400123456"}))["contacts"]


def test_multi_channel_send_makes_one_message_per_recipient_and_channel(profile_client, world, profile_id):
    both = [c["phone_number"] for c in world.truth.contacts()
            if c["profile_id"] == profile_id and c["available_channels"] == "sms,whatsapp" and not c["opt_out"]][:2]  # fmt: skip
    sent = data(profile_client.post("/v3/messages", json={
        "to": both, "template": {"name": "login_code"}, "channel": ["sms", "whatsapp"]}), 202)  # fmt: skip
    assert sorted((r["to"], r["channel"]) for r in sent["recipients"]) == sorted(
        (p, ch) for p in both for ch in ("sms", "whatsapp"))


def test_scheduled_send_is_held_until_release(profile_client, world, clock):
    when = (clock.now().replace(microsecond=0)).timestamp() + 7200
    from datetime import UTC, datetime

    at = datetime.fromtimestamp(when, tz=UTC).isoformat()
    sent = data(profile_client.post("/v3/messages", json={
        "to": ["+447400123456"], "template": {"name": "login_code"}, "channel": ["sms"], "scheduled_at": at}), 202)  # fmt: skip
    mid = sent["recipients"][0]["message_id"]
    clock.advance(60)
    assert _status(profile_client, mid) == "SCHEDULED"
    clock.advance(7200)
    assert _status(profile_client, mid) != "SCHEDULED"
    r = profile_client.post("/v3/messages", json={"to": ["+447400123456"], "template": {"name": "login_code"},
                                                  "scheduled_at": "2020-01-01T00:00:00"})  # fmt: skip
    assert error_code(r, 400) == "VALIDATION_001"


# -- mutations and sandbox ---------------------------------------------------------------------------------------


def _snapshot(world: World):
    t, records = world.truth, world._records
    return (t.contacts(), t.templates(), [dict(w, last_delivery_attempt_at=None) for w in t.webhooks()],
            records.messages.n, sum(w.events.n for w in records.webhooks))  # fmt: skip


def test_sandbox_validates_answers_and_changes_nothing(profile_client, world):
    before = _snapshot(world)
    contact = walk(profile_client, "/v3/contacts", "contacts")[0]
    own = next(c for c in walk(profile_client, "/v3/contacts", "contacts") if not c["is_inherited"])
    template = walk(profile_client, "/v3/templates", "templates")[0]
    webhook = walk(profile_client, "/v3/webhooks", "webhooks")[0]
    calls = [
        ("POST", "/v3/contacts", {"phone_number": "+447400123456"}, 201),
        ("PATCH", f"/v3/contacts/{own['id']}", {"opt_out": True}, 200),
        ("DELETE", f"/v3/contacts/{own['id']}", {}, 204),
        ("POST", "/v3/templates", {"category": "UTILITY", "definition": {"body": {"multi_channel": {"template": "Hi {{name}}"}}}}, 201),
        ("PUT", f"/v3/templates/{template['id']}", {"name": "renamed"}, 200),
        ("DELETE", f"/v3/templates/{template['id']}", {}, 204),
        ("POST", "/v3/webhooks", {"endpoint_url": "https://x.example/h"}, 201),
        ("PUT", f"/v3/webhooks/{webhook['id']}", {"display_name": "renamed"}, 200),
        ("PATCH", f"/v3/webhooks/{webhook['id']}/toggle-status", {}, 200),
        ("POST", f"/v3/webhooks/{webhook['id']}/rotate-secret", {}, 200),
        ("DELETE", f"/v3/webhooks/{webhook['id']}", {}, 204),
        ("POST", "/v3/messages", {"to": [contact["phone_number"]], "template": {"name": "login_code"}}, 202),
    ]
    for method, path, body, status in calls:
        r = profile_client.request(method, path, json={**body, "sandbox": True})
        assert r.status_code == status, (method, path, r.text)
        assert r.headers.get("X-Sandbox") == "true"
        if status != 204:
            assert r.json()["success"] is True
    assert _snapshot(world) == before
    r = profile_client.post("/v3/messages", json={"to": ["+14155550123"], "template": {"name": "no_such"}, "sandbox": True})
    assert error_code(r, 404) == "RESOURCE_002"  # sandbox still validates


def test_contact_create_get_update_delete(profile_client):
    created = data(profile_client.post("/v3/contacts", json={"phone_number": "+447400123456"}), 201)
    assert created["is_inherited"] is False and created["region_code"] == "GB"
    cid = created["id"]
    assert data(profile_client.get(f"/v3/contacts/{cid}")) == created
    assert cid in {c["id"] for c in walk(profile_client, "/v3/contacts", "contacts")}
    r = profile_client.post("/v3/contacts", json={"phone_number": "+447400123456"})
    assert error_code(r, 409) == "RESOURCE_007"
    updated = data(profile_client.patch(f"/v3/contacts/{cid}", json={"opt_out": True, "default_channel": "sms"}))
    assert updated["opt_out"] is True and updated["updated_at"] is not None
    r = profile_client.patch(f"/v3/contacts/{cid}", json={"default_channel": "carrier-pigeon"})
    assert error_code(r, 400) == "VALIDATION_006"
    assert profile_client.delete(f"/v3/contacts/{cid}").status_code == 204
    assert error_code(profile_client.get(f"/v3/contacts/{cid}"), 404) == "RESOURCE_001"


def test_template_create_update_delete(profile_client, clock):
    created = data(profile_client.post("/v3/templates", json={
        "name": "welcome", "category": "marketing", "submit_for_review": True,
        "definition": {"body": {"multi_channel": {"template": "Welcome {{name}} to {{company}}"}}},
    }), 201)  # fmt: skip
    assert created["status"] == "PENDING" and created["category"] == "MARKETING"
    assert created["channels"] == ["sms", "whatsapp", "rcs", "mms"] and created["variables"] == ["name", "company"]
    tid = created["id"]
    assert tid in {t["id"] for t in walk(profile_client, "/v3/templates", "templates")}
    r = profile_client.post("/v3/messages", json={"to": ["+447400123456"], "template": {"id": tid}})
    clock.advance(60)
    sent = data(profile_client.get(f"/v3/messages/{r.json()['data']['recipients'][0]['message_id']}"))
    assert (r.status_code, sent["status"], sent["reason_code"]) == (202, "BLOCKED", "BUSINESS_005")  # not approved yet
    for body in ({"sms": {"template": "x"}}, {"multi_channel": {"template": "x"}, "sms": {"template": "y"}},
                 {"rcs": {"template": "x"}}):  # the SDK's rule: multi_channel, or sms + whatsapp
        r = profile_client.post("/v3/templates", json={"category": "UTILITY", "definition": {"body": body}})
        assert error_code(r, 400) == "VALIDATION_001" and "definition.body" in details(r)
    assert data(profile_client.put(f"/v3/templates/{tid}", json={"name": "welcome_v2"}))["name"] == "welcome_v2"
    assert profile_client.delete(f"/v3/templates/{tid}").status_code == 204
    assert error_code(profile_client.get(f"/v3/templates/{tid}"), 404) == "RESOURCE_002"


def test_webhook_lifecycle(profile_client):
    created = data(profile_client.post("/v3/webhooks", json={
        "display_name": "Mine", "endpoint_url": "https://x.example/h", "event_types": ["message.delivered"]}), 201)  # fmt: skip
    wid = created["id"]
    assert created["signing_secret"].startswith("whsec_")
    assert data(profile_client.get(f"/v3/webhooks/{wid}"))["signing_secret"] is None
    assert data(profile_client.post(f"/v3/webhooks/{wid}/test", json={}))["success"] is True
    rotated = data(profile_client.post(f"/v3/webhooks/{wid}/rotate-secret", json={}))["signing_secret"]
    assert rotated.startswith("whsec_") and rotated != created["signing_secret"]
    assert data(profile_client.patch(f"/v3/webhooks/{wid}/toggle-status", json={}))["is_active"] is False
    assert data(profile_client.patch(f"/v3/webhooks/{wid}/toggle-status", json={"is_active": True}))["is_active"] is True
    updated = data(profile_client.put(f"/v3/webhooks/{wid}", json={"retry_count": 5, "event_types": ["messages"]}))
    assert updated["retry_count"] == 5 and updated["event_types"] == ["messages"]
    assert profile_client.delete(f"/v3/webhooks/{wid}").status_code == 204
    assert error_code(profile_client.get(f"/v3/webhooks/{wid}"), 404) == "RESOURCE_008"


def test_event_types(client):
    types = data(client.get("/v3/webhooks/event-types"))["event_types"]
    families = {t["name"]: t for t in types}
    assert {"message", "templates", "contact"} <= set(families)
    events = {s["name"] for s in families["message"]["sub_types"]}
    assert {"message.sent", "message.delivered", "message.failed", "message.read", "message.filtered",
            "message.blocked", "message.cancelled", "message.scheduled", "message.received"} <= events
    for t in types:
        assert set(t) >= {"name", "display_name", "description", "is_active", "event_type", "sub_types"}
        assert all(s["event_type"] == t["name"] for s in t["sub_types"])
