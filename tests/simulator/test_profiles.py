"""Profiles, 10DLC campaigns and users: round trips against the truth, scoping and permissions,
sandbox, a created profile as a working scope, a deleted one gone, and the error envelopes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentlab.simulator._app import core_app
from sentlab.simulator._clock import SimClock
from sentlab.simulator._profiles import active_campaign, campaign_status
from sentlab.simulator._world import build_world

from .. import kit
from ..kit import MISSING, START, data, details, error_code, sim_client

BRAND = {
    "contact": {"name": "Ada Lovelace", "businessName": "Acme Labs", "email": "ada@acme.example"},
    "business": {"legalName": "Acme Labs LLC", "taxId": "12-3456789", "taxIdType": "us_ein", "country": "US",
                 "entityType": "PRIVATE_PROFIT"},
    "compliance": {"brandRelationship": "SMALL_ACCOUNT", "vertical": "TECHNOLOGY", "isTcrApplication": True,
                   "destinationCountries": [{"id": "US", "isMain": True}]},
}  # fmt: skip
CAMPAIGN = {"name": "Lab alerts", "description": "Service alerts", "type": "App",
            "useCases": [{"messagingUseCaseUs": "ACCOUNT_NOTIFICATION", "sampleMessages": ["Your job finished."]}]}  # fmt: skip
PROFILE = {"name": "Acme Labs", "short_name": "LABS", "description": "Labs sender profile",
           "billing_model": "organization"}  # fmt: skip


def _as(app, key: str, profile_id: str | None = None):
    return sim_client(app, {"x-api-key": key, **({"x-profile-id": profile_id} if profile_id else {})})


def _created(client, body=None) -> dict:
    return data(client.post("/v3/profiles", json=body or PROFILE), 201)


# -- the default world ------------------------------------------------------------------------------


def test_default_world_has_an_active_and_a_blocked_profile(world):
    r = world._records
    active = [active_campaign(r, i) for i in (1, 2, 3)]
    assert active[0] is not None and active[0].activated <= r.now_ts()  # its own ACTIVE campaign
    assert active[1] is None  # its only campaign's submission bounced
    assert active[2] is not None and active[2].scope == 0  # the organization's, inherited
    truth = {c["id"]: c for c in world.truth.campaigns()}
    assert truth[active[0].id]["status"] == "ACTIVE" and truth[active[0].id]["timeline"]["activated"]
    assert any(c["status"] == "EXPIRED" for c in truth.values())


def test_a_pending_campaign_becomes_active_as_time_passes():
    clock = SimClock.frozen(START)
    world = kit.make_world(seed=5, contacts=80, messages=40, profiles=4, clock=clock)
    r = world._records
    assert active_campaign(r, 4) is None
    (pending,) = [c for c in world.truth.campaigns() if c["profile_id"] == world.profile_ids[3]]
    assert pending["status"] == "SENT_CREATED" and pending["final_status"] == "ACTIVE"
    assert pending["submittedToTCR"] is True and pending["tcrCampaignId"] is None
    clock.advance_to(datetime.fromisoformat(pending["timeline"]["activated"]))
    found = active_campaign(r, 4)
    assert found is not None and found.id == pending["id"]
    with _as(core_app(world), world.org_key) as client:
        listed = data(client.get(f"/v3/profiles/{world.profile_ids[3]}/campaigns"))
    assert listed[0]["status"] == "ACTIVE" and listed[0]["tcrCampaignId"] and listed[0]["cost"] > 0


def test_the_same_seed_draws_the_same_campaigns():
    a, b = (build_world(seed=9, contacts=50, messages=20, clock=SimClock.frozen(START)) for _ in range(2))
    assert a.truth.campaigns() == b.truth.campaigns() and a.truth.profiles() == b.truth.profiles()


def test_profiles_list_and_detail_are_the_truth(client, world):
    listed = data(client.get("/v3/profiles"))["profiles"]
    assert listed == world.truth.profiles()
    for profile in listed:
        assert data(client.get(f"/v3/profiles/{profile['id']}")) == profile
        assert profile["status"] == "approved" and profile["brand"]["status"] == "ACTIVE"
        assert profile["sending_phone_number"] and profile["sending_phone_number_profile_id"] is None
    inherited = [p for p in listed if p["inherit_tcr_brand"]]
    assert inherited and all(p["brand"]["is_inherited"] for p in inherited)
    assert any(p["billing_contact"] for p in listed)


def test_campaign_lists_are_the_truth(client, world):
    truth = world.truth.campaigns()
    for i, profile_id in enumerate(world.profile_ids, start=1):
        listed = data(client.get(f"/v3/profiles/{profile_id}/campaigns"))
        inherited = world._records.setups[i].inherit_tcr_campaign
        owner = world.organization_id if inherited else profile_id
        expected = [{k: val for k, val in c.items() if k not in ("profile_id", "timeline", "final_status", "sync_error")}
                    for c in truth if c["profile_id"] == owner]  # fmt: skip
        assert sorted(listed, key=lambda c: c["id"]) == sorted(expected, key=lambda c: c["id"])
        assert all(c["customerId"] == owner and c["useCases"][0]["sampleMessages"] for c in listed)


# -- who may call what ------------------------------------------------------------------------------


def test_a_profile_key_sees_and_changes_only_itself(sim_app, world):
    own, other = world.profile_ids[0], world.profile_ids[1]
    with _as(sim_app, world.profile_keys[own]) as c:
        assert error_code(c.get("/v3/profiles"), 403) == "AUTH_004"
        assert error_code(c.post("/v3/profiles", json=PROFILE), 403) == "AUTH_004"
        assert error_code(c.delete(f"/v3/profiles/{own}"), 403) == "AUTH_004"
        assert data(c.get(f"/v3/profiles/{own}"))["id"] == own
        assert data(c.patch(f"/v3/profiles/{own}", json={"description": "Ours"}))["description"] == "Ours"
        assert data(c.get(f"/v3/profiles/{own}/campaigns"))
        for method, path in (("GET", f"/v3/profiles/{other}"), ("PATCH", f"/v3/profiles/{other}"),
                             ("GET", f"/v3/profiles/{other}/campaigns"), ("POST", f"/v3/profiles/{other}/complete")):
            assert error_code(c.request(method, path, json={}), 404) == "RESOURCE_014"
        assert data(c.post(f"/v3/profiles/{own}/complete", json={"webHookUrl": "https://x.example/h"}))["status"] == "completed"


def test_x_profile_id_scopes_users_and_the_path_names_the_profile(sim_app, world):
    a, b = world.profile_ids[:2]
    with _as(sim_app, world.org_key, a) as c:
        assert data(c.get(f"/v3/profiles/{b}"))["id"] == b
        users = data(c.get("/v3/users"))["users"]
    assert {u["customer_id"] for u in users} == {a}
    assert len(users) == sum(u["profile_id"] == a for u in world.truth.users())


# -- a created profile is a scope like any other ---------------------------------------------------------


def test_a_created_profile_is_a_working_scope(client, sim_app, world):
    created = _created(client, {**PROFILE, "icon": "https://labs.acme.example/icon.png"})
    profile_id = created["id"]
    assert created["status"] == "incomplete" and created["sending_phone_number"] is None and created["brand"] is None
    assert created["organization_id"] == world.organization_id and created["email"] == world.truth.profiles()[0]["email"]
    assert profile_id in world.profile_ids and data(client.get(f"/v3/profiles/{profile_id}")) == created
    assert created in world.truth.profiles()
    assert profile_id in [p["id"] for p in data(client.get("/v3/me"))["profiles"]]
    key = world.profile_keys[profile_id]
    with _as(sim_app, key) as own:
        me = data(own.get("/v3/me"))
        assert me["type"] == "profile" and me["id"] == profile_id and me["channels"]["sms"] == {"configured": False}
        assert data(own.get("/v3/contacts"))["contacts"][0]["is_inherited"] is True  # only the organization's
        contact = data(own.post("/v3/contacts", json={"phone_number": "+447911123456"}), 201)
        assert contact["customer_id"] == profile_id and contact["is_inherited"] is False
        template = data(own.post("/v3/templates", json={"category": "UTILITY",
                                                        "definition": {"body": {"multi_channel": {"template": "Hi {{name}}"}}}}), 201)
        assert template["customer_id"] == profile_id
        sent = data(own.post("/v3/messages", json={"to": ["+447911123456"], "text": "Hello", "channel": ["sms"]}), 202)
    message_id = sent["recipients"][0]["message_id"]
    with _as(sim_app, world.org_key, profile_id) as scoped:
        assert data(scoped.get(f"/v3/messages/{message_id}"))["customer_id"] == profile_id
        assert data(scoped.get(f"/v3/contacts/{contact['id']}"))["id"] == contact["id"]
        assert data(scoped.get("/v3/users"))["users"] == []
    assert any(m["id"] == message_id and m["profile_id"] == profile_id for m in world.truth.messages())


def test_completion_names_every_prerequisite_then_onboards(client, world, clock):
    profile_id = _created(client, {"name": "Bare", "billing_model": "organization"})["id"]
    r = client.post(f"/v3/profiles/{profile_id}/complete", json={})
    assert error_code(r, 400) == "VALIDATION_001"
    assert set(details(r)) == {"short_name", "description", "webHookUrl", "brand"}
    patched = data(client.patch(f"/v3/profiles/{profile_id}", json={"short_name": "Bare 1", "description": "d",
                                                                      "brand": BRAND}))  # fmt: skip
    assert patched["brand"]["submitted_to_tcr"] is False and patched["brand"]["business"]["legal_name"] == "Acme Labs LLC"
    r = client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "https://x.example/h"})
    assert set(details(r)) == {"campaigns"}  # a TCR application needs a campaign
    campaign = data(client.post(f"/v3/profiles/{profile_id}/campaigns", json={"campaign": CAMPAIGN}), 201)
    assert campaign["status"] == "SENT_CREATED" and campaign["submittedToTCR"] is False  # a draft until onboarding
    assert error_code(client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "not a url"}), 400) == "VALIDATION_001"
    started = client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "https://x.example/h"})
    assert data(started, 202) == {"message": "Profile completion in progress", "status": "in_progress"}
    assert data(client.get(f"/v3/profiles/{profile_id}"))["status"] == "pending_review"
    assert data(client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "https://x.example/h"}), 202)
    clock.advance(3600)  # onboarding takes seconds, the brand's registration minutes
    onboarded = data(client.get(f"/v3/profiles/{profile_id}"))
    assert onboarded["status"] == "approved" and onboarded["sending_phone_number"].startswith("+1")
    assert onboarded["whatsapp_phone_number"] is None  # no WhatsApp Business Account of its own
    assert onboarded["brand"]["submitted_to_tcr"] is True and onboarded["brand"]["tcr_brand_id"]
    assert data(client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "https://x.example/h"}))["status"] == "completed"
    (submitted,) = data(client.get(f"/v3/profiles/{profile_id}/campaigns"))
    assert submitted["submittedAt"] is not None
    if submitted["tcrSyncError"] is None:  # under review: it can no longer change
        r = client.put(f"/v3/profiles/{profile_id}/campaigns/{campaign['id']}", json={"campaign": CAMPAIGN})
        assert error_code(r, 400) == "VALIDATION_001"
    r = client.patch(f"/v3/profiles/{profile_id}", json={"brand": BRAND})
    assert error_code(r, 400) == "VALIDATION_001" and "brand" in details(r)


def test_a_profile_inheriting_brand_and_campaigns_completes_on_the_organizations(client, world, clock):
    created = _created(client, {**PROFILE, "inherit_tcr_brand": True, "inherit_tcr_campaign": True})
    assert created["brand"]["is_inherited"] is True and created["brand"]["id"] == world._records.brands[0].id
    listed = data(client.get(f"/v3/profiles/{created['id']}/campaigns"))
    assert listed and {c["customerId"] for c in listed} == {world.organization_id}
    index = world._records.scope_of_profile(created["id"])
    assert active_campaign(world._records, index).scope == 0  # registered from the start, by inheritance
    data(client.post(f"/v3/profiles/{created['id']}/complete", json={"webHookUrl": "https://x.example/h"}), 202)
    clock.advance(600)
    assert data(client.get(f"/v3/profiles/{created['id']}"))["status"] == "approved"
    assert world._records.brands[0].submitted < START.timestamp()  # the organization's brand was not resubmitted


def test_profile_body_validation_reports_every_problem(client):
    r = client.post("/v3/profiles", json={"short_name": "x!", "payment_details": {"card_number": "42", "cvc": "1",
                                                                                  "expiry": "13/30", "zip_code": ""}})
    assert error_code(r, 400) == "VALIDATION_001"
    assert {"name", "short_name", "billing_contact", "payment_details.card_number", "payment_details.cvc",
            "payment_details.expiry", "payment_details.zip_code"} <= set(details(r))  # fmt: skip
    assert details(r)["name"] == ["Profile name is required"]
    r = client.post("/v3/profiles", json={**PROFILE, "payment_details": {"card_number": "4242424242424242",
                                          "cvc": "123", "expiry": "01/20", "zip_code": "94105"}})  # fmt: skip
    assert set(details(r)) == {"payment_details", "payment_details.expiry"}  # organization billing, and expired
    r = client.post("/v3/profiles", json={**PROFILE, "inherit_tcr_brand": True, "brand": BRAND})
    assert details(r) == {"brand": ["Cannot provide brand data when inherit_tcr_brand is true."]}
    r = client.post("/v3/profiles", json={**PROFILE, "brand": {"contact": {}, "compliance": {"vertical": "SPAM"}}})
    assert {"brand.contact.name", "brand.compliance.vertical", "brand.compliance.brand_relationship"} <= set(details(r))
    r = client.post("/v3/profiles", json={**PROFILE, "billing_model": "profile",
                                          "billing_contact": {"name": "AP", "email": "nope"}})  # fmt: skip
    assert set(details(r)) == {"billing_contact.email"}
    r = client.post("/v3/profiles", json={**PROFILE, "whatsapp_business_account": {"waba_id": "1"}})
    assert set(details(r)) == {"whatsapp_business_account.access_token"}
    assert error_code(client.post("/v3/profiles", json={**PROFILE, "name": 7}), 400) == "VALIDATION_001"


def test_retired_fields_are_accepted_and_read_back_as_the_sdk_says(client, world):
    profile_id = world.profile_ids[0]
    before = data(client.get(f"/v3/profiles/{profile_id}"))
    after = data(client.patch(f"/v3/profiles/{profile_id}", json={
        "allow_contact_sharing": True, "inherit_templates": "yes", "sending_phone_number_profile_id": world.profile_ids[1]}))
    for key in ("allow_contact_sharing", "allow_template_sharing", "inherit_templates", "sending_phone_number_profile_id"):
        assert after[key] == before[key]
    assert after["allow_contact_sharing"] is False and after["sending_phone_number_profile_id"] is None
    other = data(client.get(f"/v3/profiles/{world.profile_ids[1]}"))["sending_phone_number"]
    r = client.patch(f"/v3/profiles/{profile_id}", json={"sending_phone_number": other})
    assert error_code(r, 400) == "VALIDATION_001" and "sending_phone_number" in details(r)


# -- sandbox ------------------------------------------------------------------------------------------


def test_sandbox_profile_mutations_change_nothing(client, world):
    truth = world.truth.profiles()
    keys = dict(world.profile_keys)
    profile_id = world.profile_ids[0]
    r = client.post("/v3/profiles", json={**PROFILE, "sandbox": True})
    assert data(r, 201)["status"] == "incomplete" and r.headers["X-Sandbox"] == "true"
    r = client.patch(f"/v3/profiles/{profile_id}", json={"name": "Renamed", "sandbox": True})
    assert data(r)["name"] == "Renamed" and r.headers["X-Sandbox"] == "true"
    r = client.request("DELETE", f"/v3/profiles/{profile_id}", json={"sandbox": True})
    assert r.status_code == 204 and r.headers["X-Sandbox"] == "true"
    draft = _created(client, {**PROFILE, "brand": BRAND})
    data(client.post(f"/v3/profiles/{draft['id']}/campaigns", json={"campaign": CAMPAIGN}), 201)
    r = client.post(f"/v3/profiles/{draft['id']}/complete", json={"webHookUrl": "https://x.example/h", "sandbox": True})
    assert data(r, 202)["status"] == "in_progress"
    assert data(client.get(f"/v3/profiles/{draft['id']}"))["status"] == "incomplete"
    assert [p for p in world.truth.profiles() if p["id"] != draft["id"]] == truth
    assert {k: v for k, v in world.profile_keys.items() if k != draft["id"]} == keys
    assert error_code(client.post("/v3/profiles", json={**PROFILE, "sandbox": "true"}), 400) == "VALIDATION_001"


# -- deleting ------------------------------------------------------------------------------------------


def test_a_deleted_profile_is_gone_everywhere(client, sim_app, world):
    profile_id = world.profile_ids[1]
    key = world.profile_keys[profile_id]
    assert client.delete(f"/v3/profiles/{profile_id}").status_code == 204
    assert profile_id not in world.profile_ids and key not in world.profile_keys.values()
    assert error_code(client.get(f"/v3/profiles/{profile_id}"), 404) == "RESOURCE_014"
    assert error_code(client.delete(f"/v3/profiles/{profile_id}"), 404) == "RESOURCE_014"
    assert profile_id not in [p["id"] for p in data(client.get("/v3/profiles"))["profiles"]]
    assert profile_id not in [p["id"] for p in data(client.get("/v3/me"))["profiles"]]
    with _as(sim_app, key) as gone:
        assert error_code(gone.get("/v3/me"), 401) == "AUTH_002"
    with _as(sim_app, world.org_key, profile_id) as scoped:
        assert error_code(scoped.get("/v3/contacts"), 404) == "RESOURCE_014"
    truth = world.truth
    assert profile_id not in {p["id"] for p in truth.profiles()}
    for records in (truth.contacts(), truth.templates(), truth.webhooks(), truth.users(), truth.campaigns(), truth.events()):
        assert all(x["profile_id"] != profile_id for x in records)
    assert any(m["profile_id"] == profile_id for m in truth.messages())  # sent and billed: history stays
    assert active_campaign(world._records, 2) is None


def test_a_pool_whatsapp_number_in_the_profiles_own_waba_blocks_deletion(client, world, clock):
    body = {**PROFILE, "brand": BRAND, "whatsapp_business_account": {"waba_id": "123456789012345", "access_token": "t"}}
    profile_id = _created(client, body)["id"]
    data(client.post(f"/v3/profiles/{profile_id}/campaigns", json={"campaign": CAMPAIGN}), 201)
    data(client.post(f"/v3/profiles/{profile_id}/complete", json={"webHookUrl": "https://x.example/h"}), 202)
    clock.advance(600)
    shown = data(client.get(f"/v3/profiles/{profile_id}"))
    assert shown["waba_id"] == "123456789012345" and shown["whatsapp_phone_number"]
    r = client.delete(f"/v3/profiles/{profile_id}")
    assert error_code(r, 409) == "CONFLICT_012" and profile_id in world.profile_ids


# -- campaigns -----------------------------------------------------------------------------------------


def test_campaign_create_update_delete(client, world):
    own, bounced_profile, inheriting = world.profile_ids
    created = data(client.post(f"/v3/profiles/{own}/campaigns", json={"campaign": {**CAMPAIGN, "volume": 1999}}), 201)
    assert created["customerId"] == own and created["volume"] == "1999" and created["submittedAt"]  # the brand is registered
    assert created["id"] in {c["id"] for c in world.truth.campaigns()}
    (bounced,) = data(client.get(f"/v3/profiles/{bounced_profile}/campaigns"))
    assert bounced["tcrSyncError"] and bounced["submittedToTCR"] is False
    fixed = data(client.put(f"/v3/profiles/{bounced_profile}/campaigns/{bounced['id']}",
                            json={"campaign": {**CAMPAIGN, "name": "Support, fixed"}}))  # fmt: skip
    assert fixed["name"] == "Support, fixed" and fixed["useCases"][0]["messagingUseCaseUs"] == "ACCOUNT_NOTIFICATION"
    assert fixed["submittedAt"] > bounced["submittedAt"]  # submitted again
    assert client.delete(f"/v3/profiles/{own}/campaigns/{created['id']}").status_code == 204
    assert created["id"] not in {c["id"] for c in data(client.get(f"/v3/profiles/{own}/campaigns"))}
    assert created["id"] not in {c["id"] for c in world.truth.campaigns()}
    r = client.post(f"/v3/profiles/{inheriting}/campaigns", json={"campaign": CAMPAIGN})
    assert error_code(r, 400) == "VALIDATION_001" and "inherit_tcr_campaign" in r.json()["error"]["message"]
    org_campaign = data(client.get(f"/v3/profiles/{inheriting}/campaigns"))[0]
    assert error_code(client.delete(f"/v3/profiles/{inheriting}/campaigns/{org_campaign['id']}"), 400) == "VALIDATION_001"
    assert error_code(client.delete(f"/v3/profiles/{own}/campaigns/{MISSING}"), 404) == "RESOURCE_010"
    assert error_code(client.delete(f"/v3/profiles/{own}/campaigns/{org_campaign['id']}"), 404) == "RESOURCE_010"
    assert error_code(client.put(f"/v3/profiles/{own}/campaigns/nope", json={"campaign": CAMPAIGN}), 400) == "VALIDATION_003"


def test_campaigns_need_a_brand_and_a_valid_body(client, sim_app, world):
    bare = _created(client)["id"]
    assert error_code(client.get(f"/v3/profiles/{bare}/campaigns"), 404) == "RESOURCE_009"
    assert error_code(client.post(f"/v3/profiles/{bare}/campaigns", json={"campaign": CAMPAIGN}), 404) == "RESOURCE_009"
    own = world.profile_ids[0]
    r = client.post(f"/v3/profiles/{own}/campaigns", json={})
    assert error_code(r, 400) == "VALIDATION_001" and set(details(r)) == {"campaign"}
    bad = {"name": "", "type": "App", "useCases": [{"messagingUseCaseUs": "SPAM", "sampleMessages": []}],
           "privacyPolicyLink": "ftp://x", "volume": "lots"}  # fmt: skip
    r = client.post(f"/v3/profiles/{own}/campaigns", json={"campaign": bad})
    assert set(details(r)) == {"campaign.name", "campaign.description", "campaign.use_cases[0].messagingUseCaseUs",
                               "campaign.use_cases[0].sampleMessages", "campaign.privacy_policy_link", "campaign.volume"}
    with _as(sim_app, world.profile_keys[own]) as c:  # a profile key manages its own campaigns
        made = data(c.post(f"/v3/profiles/{own}/campaigns", json={"campaign": CAMPAIGN, "sandbox": True}), 201)
    assert made["id"] not in {x["id"] for x in world.truth.campaigns()}


# -- users ---------------------------------------------------------------------------------------------


def test_invite_update_and_remove_a_user(client, world):
    invited = data(client.post("/v3/users", json={"email": "Grace@acme.example", "name": "Grace", "role": "Developer"}), 201)
    assert invited["status"] == "invited" and invited["role"] == "developer" and invited["last_login_at"] is None
    assert invited["customer_id"] == world.organization_id
    assert invited["id"] in {u["id"] for u in data(client.get("/v3/users"))["users"]}
    assert {**invited, "profile_id": world.organization_id} in world.truth.users()
    r = client.post("/v3/users", json={"email": "grace@ACME.example", "name": "Grace", "role": "admin"})
    assert error_code(r, 409) == "RESOURCE_007"
    updated = data(client.patch(f"/v3/users/{invited['id']}", json={"role": "billing"}))
    assert updated["role"] == "billing" and data(client.get(f"/v3/users/{invited['id']}"))["role"] == "billing"
    assert client.delete(f"/v3/users/{invited['id']}").status_code == 204
    assert error_code(client.get(f"/v3/users/{invited['id']}"), 404) == "RESOURCE_006"
    assert invited["id"] not in {u["id"] for u in world.truth.users()}


def test_user_rules_yourself_the_last_admin_and_admin_access(client, sim_app, world):
    r = world._records
    me = r.scopes[0].key_user
    assert error_code(client.patch(f"/v3/users/{me}", json={"role": "developer"}), 400) == "VALIDATION_001"
    r_self = client.delete(f"/v3/users/{me}")
    assert error_code(r_self, 400) == "VALIDATION_001" and "yourself" in r_self.json()["error"]["message"]
    profile_id = world.profile_ids[1]
    profile_admin = r.scopes[2].key_user
    with _as(sim_app, world.org_key, profile_id) as scoped:  # its only admin
        assert error_code(scoped.patch(f"/v3/users/{profile_admin}", json={"role": "billing"}), 400) == "VALIDATION_001"
        assert error_code(scoped.delete(f"/v3/users/{profile_admin}"), 400) == "VALIDATION_001"
        second = data(scoped.post("/v3/users", json={"email": "ops@acme.example", "name": "Ops", "role": "admin"}), 201)
        r.users[-1].status = "active"  # the invitation was accepted
        assert data(scoped.patch(f"/v3/users/{profile_admin}", json={"role": "developer"}))["role"] == "developer"
    with _as(sim_app, world.profile_keys[profile_id]) as demoted:  # its key's user is no longer an admin
        r_invite = demoted.post("/v3/users", json={"email": "x@acme.example", "name": "X", "role": "developer"})
        assert error_code(r_invite, 403) == "AUTH_004"
        assert data(demoted.get("/v3/users"))["users"]  # reading still works: keys keep working
    assert second["customer_id"] == profile_id


def test_user_validation_sandbox_and_ids(client, world):
    r = client.post("/v3/users", json={"email": "nope", "role": "owner"})
    assert error_code(r, 400) == "VALIDATION_001"
    assert details(r) == {"email": ["Email must be a valid email address"], "name": ["name is required"],
                          "role": ["role must be one of: admin, billing, developer"]}  # fmt: skip
    users = world.truth.users()
    r = client.post("/v3/users", json={"email": "dry@acme.example", "name": "Dry", "role": "admin", "sandbox": True})
    assert data(r, 201)["status"] == "invited" and r.headers["X-Sandbox"] == "true"
    some = next(u for u in users if u["profile_id"] == world.organization_id and u["role"] == "developer")
    assert data(client.patch(f"/v3/users/{some['id']}", json={"role": "admin", "sandbox": True}))["role"] == "admin"
    assert client.request("DELETE", f"/v3/users/{some['id']}", json={"sandbox": True}).status_code == 204
    assert world.truth.users() == users
    assert error_code(client.patch(f"/v3/users/{some['id']}", json={}), 400) == "VALIDATION_001"
    assert error_code(client.patch("/v3/users/not-a-guid", json={"role": "admin"}), 400) == "VALIDATION_003"
    assert error_code(client.delete(f"/v3/users/{MISSING}"), 404) == "RESOURCE_006"


# -- error envelopes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method, path", [
    ("GET", "/v3/profiles/nope"), ("PATCH", "/v3/profiles/nope"), ("DELETE", "/v3/profiles/nope"),
    ("POST", "/v3/profiles/nope/complete"), ("GET", "/v3/profiles/nope/campaigns"),
    ("POST", "/v3/profiles/nope/campaigns"), ("GET", "/v3/users/nope")])  # fmt: skip
def test_malformed_ids_are_validation_003(client, method, path):
    assert error_code(client.request(method, path, json={}), 400) == "VALIDATION_003"


@pytest.mark.parametrize("method, path", [
    ("GET", f"/v3/profiles/{MISSING}"), ("PATCH", f"/v3/profiles/{MISSING}"), ("DELETE", f"/v3/profiles/{MISSING}"),
    ("POST", f"/v3/profiles/{MISSING}/complete"), ("GET", f"/v3/profiles/{MISSING}/campaigns")])  # fmt: skip
def test_unknown_profiles_are_resource_014(client, method, path):
    assert error_code(client.request(method, path, json={"name": "x", "billing_model": "organization"}), 404) == "RESOURCE_014"


def test_bodies_that_are_not_json_objects(client, world):
    for path in ("/v3/profiles", f"/v3/profiles/{world.profile_ids[0]}/campaigns", "/v3/users"):
        assert error_code(client.post(path, content=b"{nope"), 400) == "VALIDATION_001"
        assert error_code(client.post(path, json=[1]), 400) == "VALIDATION_001"
    assert error_code(client.get(f"/v3/profiles/{world.profile_ids[0]}/campaigns/{MISSING}"), 405) == "METHOD_NOT_ALLOWED"


FUZZ_WORLD = kit.make_world(seed=3, contacts=60, messages=40, at=None)
FUZZ_APP = core_app(FUZZ_WORLD)
_OWN = FUZZ_WORLD.profile_ids[0]
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3), max_leaves=8)
_fields = st.sampled_from(["name", "short_name", "description", "icon", "billing_model", "billing_contact", "brand",
                           "payment_details", "inherit_tcr_brand", "whatsapp_business_account", "sending_phone_number",
                           "campaign", "email", "role", "webHookUrl"])  # fmt: skip
_bodies = st.dictionaries(_fields, _json | st.fixed_dictionaries({}, optional={
    "contact": _json, "compliance": _json, "business": _json, "useCases": _json, "name": _json,
    "description": _json, "type": _json}), max_size=5)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method_path=st.sampled_from([("POST", "/v3/profiles"), ("PATCH", f"/v3/profiles/{_OWN}"),
                                    ("POST", f"/v3/profiles/{_OWN}/complete"), ("POST", f"/v3/profiles/{_OWN}/campaigns"),
                                    ("POST", "/v3/users"), ("PATCH", f"/v3/users/{MISSING}")]), body=_bodies)  # fmt: skip
def test_bodies_never_500(method_path, body):
    method, path = method_path
    with _as(FUZZ_APP, FUZZ_WORLD.org_key) as c:
        r = c.request(method, path, content=json.dumps({**body, "sandbox": True}))  # sandbox: the world stays as it is
    assert r.status_code < 500, r.text
    assert set(r.json()) == {"success", "data", "error", "meta"}


def test_campaign_statuses_follow_their_timeline(world):
    for c in world._records.campaigns:
        for when, status in ((c.created, "SENT_CREATED"), (c.activated, "ACTIVE"), (c.expired, "EXPIRED")):
            if when is not None:
                assert campaign_status(c, when) == status
    assert datetime.fromtimestamp(world._records.now_ts(), tz=UTC) == START
