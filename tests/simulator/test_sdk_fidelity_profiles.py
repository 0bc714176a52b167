"""The official SDK (``sentdm``), strict, against a loopback server: every method of ``profiles``,
``profiles.campaigns`` and ``users``, mutations in and out of sandbox, and every response parses.

Failures are collected per call (the ``Checks`` of ``test_sdk_fidelity``), so one run names every
method the simulator answers wrongly.
"""

from __future__ import annotations

import pytest

sent_dm = pytest.importorskip("sent_dm")

from sentlab.simulator import SimulatorConfig, running_server  # noqa: E402
from tests.kit import Checks  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

BRAND = {
    "contact": {"name": "Ada Lovelace", "business_name": "Acme Labs", "email": "ada@acme.example",
                "phone": "+14155550123", "phone_country_code": "1", "role": "CEO"},
    "business": {"legal_name": "Acme Labs LLC", "tax_id": "12-3456789", "tax_id_type": "us_ein",
                 "entity_type": "PRIVATE_PROFIT", "street": "1 Market Street", "city": "San Francisco",
                 "state": "CA", "postal_code": "94105", "country": "US", "url": "https://labs.acme.example",
                 "country_of_registration": "US"},
    "compliance": {"brand_relationship": "SMALL_ACCOUNT", "vertical": "TECHNOLOGY", "is_tcr_application": True,
                   "destination_countries": [{"id": "US", "is_main": True}], "phone_number_prefix": "+1"},
}  # fmt: skip
CAMPAIGN = {
    "name": "Lab alerts", "description": "Service alerts for Acme Labs customers", "type": "App",
    "use_cases": [{"messaging_use_case_us": "ACCOUNT_NOTIFICATION",
                   "sample_messages": ["Acme Labs: your job 42 finished. Reply STOP to opt out."]}],
    "help_keywords": "HELP", "help_message": "Acme Labs: help at https://labs.acme.example",
    "optout_keywords": "STOP", "optout_message": "You are unsubscribed.", "message_flow": "Opt-in at signup",
    "privacy_policy_link": "https://labs.acme.example/privacy", "volume": "1500",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(make_world):
    world = make_world(seed=11, contacts=300, messages=200, profiles=3)
    with running_server(world, SimulatorConfig(rate_limits=None)) as handle:
        yield handle


def test_every_profiles_method_parses(sent, server):
    check = Checks()
    listed = check("profiles.list", sent.profiles.list)
    if listed is not None:
        assert listed.data.profiles and all(p.brand for p in listed.data.profiles)
    for profile_id in server.profile_keys:
        check(f"profiles.retrieve({profile_id})", lambda p=profile_id: sent.profiles.retrieve(p))
    fake = check("profiles.create sandbox", lambda: sent.profiles.create(
        name="Sandbox Labs", short_name="SBX", billing_model="organization", sandbox=True))
    if fake is not None:
        assert fake.data.status == "incomplete"
    created = check("profiles.create", lambda: sent.profiles.create(
        name="Acme Labs", short_name="LABS", description="Labs sender profile", billing_model="profile",
        billing_contact={"name": "Acme Labs AP", "email": "ap@labs.acme.example"}, brand=BRAND,
        payment_details={"card_number": "4242424242424242", "cvc": "123", "expiry": "09/29", "zip_code": "94105"},
        idempotency_key="sdk-profile-1"))  # fmt: skip
    if created is not None and created.data is not None:
        profile_id = created.data.id
        assert created.data.brand and created.data.brand.submitted_to_tcr is False
        check("profiles.update sandbox", lambda: sent.profiles.update(profile_id, name="Renamed", sandbox=True))
        updated = check("profiles.update", lambda: sent.profiles.update(
            profile_id, description="Acme Labs sender profile", allow_number_change_during_onboarding=True,
            allow_contact_sharing=True, sending_phone_number_profile_id=profile_id))  # fmt: skip
        if updated is not None:
            assert updated.data.allow_contact_sharing is False and updated.data.sending_phone_number_profile_id is None
        campaign = check("campaigns.create (draft)", lambda: sent.profiles.campaigns.create(profile_id, campaign=CAMPAIGN))
        check("profiles.complete sandbox", lambda: sent.profiles.complete(
            profile_id, web_hook_url="https://labs.acme.example/hooks/onboarded", sandbox=True))
        done = check("profiles.complete", lambda: sent.profiles.complete(
            profile_id, web_hook_url="https://labs.acme.example/hooks/onboarded", idempotency_key="sdk-complete-1"))
        if done is not None:
            assert done.data.status == "in_progress"
        if campaign is not None:
            check("campaigns.list (created profile)", lambda: sent.profiles.campaigns.list(profile_id))
        check("profiles.delete sandbox", lambda: sent.profiles.delete(profile_id, sandbox=True))
        check("profiles.delete", lambda: sent.profiles.delete(profile_id))
    check.assert_all_passed()


def test_every_campaigns_method_parses(sent, server):
    check = Checks()
    own = None
    for profile_id in server.profile_keys:
        found = check(f"campaigns.list({profile_id})", lambda p=profile_id: sent.profiles.campaigns.list(p))
        if found is not None:
            assert all(c.status in ("SENT_CREATED", "ACTIVE", "EXPIRED") for c in found.data)
            if own is None and found.data and found.data[0].customer_id == profile_id:
                own = profile_id
    assert own is not None, "no profile with campaigns of its own"
    check("campaigns.create sandbox", lambda: sent.profiles.campaigns.create(own, campaign=CAMPAIGN, sandbox=True))
    created = check("campaigns.create", lambda: sent.profiles.campaigns.create(
        own, campaign=CAMPAIGN, idempotency_key="sdk-campaign-1"))
    if created is not None and created.data is not None:
        campaign_id = created.data.id
        assert created.data.use_cases and created.data.use_cases[0].messaging_use_case_us == "ACCOUNT_NOTIFICATION"
        check("campaigns.delete sandbox", lambda: sent.profiles.campaigns.delete(campaign_id, profile_id=own, sandbox=True))
        check("campaigns.delete", lambda: sent.profiles.campaigns.delete(campaign_id, profile_id=own))
    bounced = next((c for p in server.profile_keys for c in sent.profiles.campaigns.list(p).data
                    if c.tcr_sync_error and c.customer_id == p), None)  # fmt: skip
    assert bounced is not None, "the default world has a campaign whose submission bounced"
    fixed = {**CAMPAIGN, "name": "Support replies (fixed)"}
    check("campaigns.update sandbox", lambda: sent.profiles.campaigns.update(
        bounced.id, profile_id=bounced.customer_id, campaign=fixed, sandbox=True))
    updated = check("campaigns.update", lambda: sent.profiles.campaigns.update(
        bounced.id, profile_id=bounced.customer_id, campaign=fixed, idempotency_key="sdk-campaign-2"))
    if updated is not None:
        assert updated.data.name == "Support replies (fixed)"
    check.assert_all_passed()


def test_every_users_method_parses(sent, server):
    check = Checks()
    listed = check("users.list", sent.users.list)
    if listed is not None:
        check("users.retrieve", lambda: sent.users.retrieve(listed.data.users[0].id))
    profile_id = next(iter(server.profile_keys))
    check("users.list (x-profile-id)", lambda: sent.users.list(x_profile_id=profile_id))
    fake = check("users.invite sandbox", lambda: sent.users.invite(
        email="sandbox@acme.example", name="Sandbox Person", role="developer", sandbox=True))
    if fake is not None:
        assert fake.data.status == "invited"
    invited = check("users.invite", lambda: sent.users.invite(
        email="grace@acme.example", name="Grace Hopper", role="developer", idempotency_key="sdk-user-1"))
    if invited is not None and invited.data is not None:
        user_id = invited.data.id
        check("users.update_role sandbox", lambda: sent.users.update_role(user_id, role="admin", sandbox=True))
        role = check("users.update_role", lambda: sent.users.update_role(user_id, role="billing"))
        if role is not None:
            assert role.data.role == "billing"
        check("users.retrieve (invited)", lambda: sent.users.retrieve(user_id))
        check("users.remove sandbox", lambda: sent.users.remove(user_id, sandbox=True))
        check("users.remove", lambda: sent.users.remove(user_id))
    check.assert_all_passed()
