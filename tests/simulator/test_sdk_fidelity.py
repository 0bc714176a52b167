"""The official SDK (``sentdm``), strict validation on, against the simulator on a loopback port.

Every endpoint the SDK shares with the simulator is called and every response must parse; the
list endpoints are walked to the end with the SDK's own auto-pagination. Failures are collected
per endpoint so one run names every field the simulator gets wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

sent_dm = pytest.importorskip("sent_dm")

from sentlab.simulator import SimulatorConfig, running_server  # noqa: E402
from tests.kit import Checks  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

PHONE = "+447911123456"  # a valid UK mobile number


@pytest.fixture(scope="module")
def server(make_world):
    world = make_world(seed=11, contacts=600, messages=1_500, profiles=3, at=None)
    with running_server(world, SimulatorConfig(rate_limits=None)) as handle:
        yield handle


def test_account_profiles_users_and_numbers_parse(sent, server):
    check = Checks()
    me = check("me.retrieve", sent.me.retrieve)
    if me is not None:
        assert me.success is True
    profiles = check("profiles.list", sent.profiles.list)
    for profile_id in server.profile_keys:
        check(f"profiles.retrieve({profile_id})", lambda p=profile_id: sent.profiles.retrieve(p))
    if profiles is not None:
        assert profiles.success is True
    check("users.list", sent.users.list)
    lookup = check("numbers.lookup", lambda: sent.numbers.lookup(PHONE))
    if lookup is not None:
        assert lookup.success is True
    check.assert_all_passed()


def _total_count(server, path: str, profile_id: str | None) -> int:
    headers = {"x-api-key": server.org_key, **({"x-profile-id": profile_id} if profile_id else {})}
    body = httpx.get(f"{server.base_url}{path}", params={"page_size": 1}, headers=headers, timeout=10).json()
    return body["data"]["pagination"]["total_count"]


def _scopes(server) -> list[str | None]:
    """The organization (no x-profile-id) and each of its profiles."""
    return [None, *server.profile_keys]


def test_contacts_paginate_and_round_trip(sent, server):
    check = Checks()
    walked = {}
    for profile_id in _scopes(server):
        scope = {"x_profile_id": profile_id} if profile_id else {}
        contacts = check(f"contacts.list (auto-paginated, profile {profile_id})",
                         lambda s=scope: list(sent.contacts.list(page_size=100, **s)))
        if contacts is not None:
            assert len({c.id for c in contacts}) == len(contacts)
            assert len(contacts) == _total_count(server, "/v3/contacts", profile_id)
            walked[profile_id] = len(contacts)
    assert max(walked.values(), default=0) > 100, f"no scope needed more than one page: {walked}"
    created = check("contacts.create", lambda: sent.contacts.create(phone_number=PHONE, idempotency_key="sdk-c1"))
    if created is not None and created.data is not None:
        contact_id = created.data.id
        check("contacts.retrieve", lambda: sent.contacts.retrieve(contact_id))
        check("contacts.update", lambda: sent.contacts.update(contact_id, opt_out=True))
        check("contacts.delete", lambda: sent.contacts.delete(contact_id))
    check("contacts.create sandbox", lambda: sent.contacts.create(phone_number="+447911123457", sandbox=True))
    check.assert_all_passed()


TEMPLATE_DEFINITION = {
    "body": {"multi_channel": {
        "type": "text",
        "template": "Hello {{0:variable}}, your order {{1:variable}} has shipped today.",
        "variables": [
            {"id": 0, "name": "name", "type": "variable",
             "props": {"media_type": "text", "sample": "Ada", "url": "", "variable_type": "text"}},
            {"id": 1, "name": "order", "type": "variable",
             "props": {"media_type": "text", "sample": "A-1001", "url": "", "variable_type": "text"}},
        ],
    }},
}


def test_templates_paginate_and_round_trip(sent):
    check = Checks()
    templates = check("templates.list (auto-paginated)", lambda: list(sent.templates.list(page_size=100)))
    if templates is not None:
        assert templates
    created = check("templates.create", lambda: sent.templates.create(
        category="UTILITY", language="en_US", definition=TEMPLATE_DEFINITION, idempotency_key="sdk-t1"))
    if created is not None and created.data is not None:
        template_id = created.data.id
        check("templates.retrieve", lambda: sent.templates.retrieve(template_id))
        check("templates.update", lambda: sent.templates.update(template_id, name="order_shipped_v2"))
        check("templates.delete", lambda: sent.templates.delete(template_id))
    check.assert_all_passed()


def _approved_template(sent) -> Any:
    for template in sent.templates.list(page_size=100):
        if (template.status or "").upper() == "APPROVED":
            return template
    raise AssertionError("the world has no APPROVED template")


def test_messages_send_retrieve_and_activities(sent):
    check = Checks()
    template = _approved_template(sent)
    ref = {"id": template.id, "name": template.name}
    sandbox = check("messages.send sandbox", lambda: sent.messages.send(
        to=[PHONE], template=ref, channel=["sms"], sandbox=True))
    if sandbox is not None:
        assert sandbox.success is True
    real = check("messages.send", lambda: sent.messages.send(
        to=[PHONE], template=ref, channel=["sms"], idempotency_key="sdk-m1"))
    if real is not None and real.data is not None:
        message_id = real.data.recipients[0].message_id
        check("messages.retrieve_status (sent)", lambda: sent.messages.retrieve_status(message_id))
        check("messages.retrieve_activities (sent)", lambda: sent.messages.retrieve_activities(message_id))
    check.assert_all_passed()


def test_webhooks_events_and_management(sent, server):
    check = Checks()
    webhooks = []
    for profile_id in _scopes(server):
        scope = {"x_profile_id": profile_id} if profile_id else {}
        found = check(f"webhooks.list (auto-paginated, profile {profile_id})",
                      lambda s=scope: list(sent.webhooks.list(page_size=100, **s)))
        webhooks += [(webhook, scope) for webhook in found or []]
    event_types = check("webhooks.list_event_types", sent.webhooks.list_event_types)
    type_names = [t.name for t in (event_types.data.event_types if event_types and event_types.data else [])]
    type_names = [name for name in type_names if name] or ["message.delivered"]
    ids_by_status: dict[str, set[str]] = {}
    walked = []
    for webhook, scope in webhooks:
        events = check(f"webhooks.list_events({webhook.id}) (auto-paginated)",
                       lambda w=webhook, s=scope: list(sent.webhooks.list_events(w.id, page_size=100, **s)))
        walked.append(len(events or []))
        for event in events or []:
            payload = getattr(getattr(event, "event_data", None), "payload", None)
            message_id = getattr(payload, "message_id", None)
            if message_id:
                status = str(getattr(payload, "message_status", None))
                ids_by_status.setdefault(status, set()).add(message_id)
    assert ids_by_status, "webhook events carry message ids"
    assert "FAILED" in ids_by_status, f"no failed message to check: {sorted(ids_by_status)}"
    assert max(walked) > 100, f"no webhook needed more than one page of events: {walked}"
    # details and activities of the world's messages, a few in every status (failures included)
    sample = {message_id for ids in ids_by_status.values() for message_id in sorted(ids)[:8]}
    for message_id in sorted(sample):
        check(f"messages.retrieve_status({message_id})", lambda m=message_id: sent.messages.retrieve_status(m))
        check(f"messages.retrieve_activities({message_id})",
              lambda m=message_id: sent.messages.retrieve_activities(m))

    created = check("webhooks.create", lambda: sent.webhooks.create(
        display_name="sdk fidelity", endpoint_url="https://example.com/hooks/sent",
        event_types=type_names[:2], idempotency_key="sdk-w1"))
    if created is not None and created.data is not None:
        webhook_id = created.data.id
        check("webhooks.retrieve", lambda: sent.webhooks.retrieve(webhook_id))
        check("webhooks.update", lambda: sent.webhooks.update(
            webhook_id, display_name="sdk fidelity 2", endpoint_url="https://example.com/hooks/sent2",
            event_types=type_names[:1]))
        check("webhooks.test", lambda: sent.webhooks.test(webhook_id, event_type=type_names[0]))
        check("webhooks.rotate_secret", lambda: sent.webhooks.rotate_secret(webhook_id))
        check("webhooks.toggle_status", lambda: sent.webhooks.toggle_status(webhook_id, is_active=False))
        check("webhooks.delete", lambda: sent.webhooks.delete(webhook_id))
    check.assert_all_passed()


def test_profile_key_sees_its_own_account(server):
    profile_key = next(iter(server.profile_keys.values()))
    with sent_dm.Sent(base_url=server.base_url, api_key=profile_key, _strict_response_validation=True,
                      max_retries=0, timeout=10) as client:
        check = Checks()
        check("me.retrieve (profile key)", client.me.retrieve)
        check("contacts.list (profile key)", lambda: list(client.contacts.list(page_size=100)))
        check.assert_all_passed()


STATUSES = {"QUEUED", "SCHEDULED", "PROCESSED", "ROUTED", "SENT", "DELIVERED", "READ", "FAILED", "FILTERED",
            "BLOCKED", "CANCELLED", "RECEIVED"}  # fmt: skip


def test_messages_lists_summaries_and_every_status(sent, server):
    check = Checks()
    by_status: dict[str, list[Any]] = {}
    for profile_id in _scopes(server):
        scope = {"x_profile_id": profile_id} if profile_id else {}
        listed = check(f"conversations.list (auto-paginated, profile {profile_id})",
                       lambda s=scope: list(sent.conversations.list(page_size=100, **s)))
        if listed is None:
            continue
        assert len({m.id for m in listed}) == len(listed) == _total_count(server, "/v3/conversations", profile_id)
        for m in listed:
            by_status.setdefault(m.status, []).append((m, scope))
            assert m.events and m.direction in ("outbound", "inbound")
            assert (m.reason_code is not None) == (m.status in ("FAILED", "FILTERED", "BLOCKED"))
    seen = set(by_status)
    assert seen <= STATUSES and {"SENT", "DELIVERED", "READ", "FAILED", "FILTERED", "BLOCKED", "CANCELLED",
                                 "RECEIVED"} <= seen, seen  # fmt: skip
    for status, found in sorted(by_status.items()):
        for m, scope in found[:4]:
            check(f"messages.retrieve_status({status})", lambda m=m, s=scope: sent.messages.retrieve_status(m.id, **s))
            check(f"messages.retrieve_activities({status})",
                  lambda m=m, s=scope: sent.messages.retrieve_activities(m.id, **s))
            check(f"conversations.list_messages({status})",
                  lambda m=m, s=scope: list(sent.conversations.list_messages(m.contact_id, page_size=5, **s)))
            check(f"contacts.retrieve_message_summary({status})",
                  lambda m=m, s=scope: sent.contacts.retrieve_message_summary(m.contact_id, **s))
    check.assert_all_passed()


def test_scheduled_sends_cancel_and_resend(sent):
    """cancel and resend have no SDK method yet: the SDK's own client posts them, strictly parsed."""
    from sent_dm.types.message_retrieve_status_response import MessageRetrieveStatusResponse

    check = Checks()
    template = _approved_template(sent)
    when = datetime.now(UTC) + timedelta(days=1)
    held = check("messages.send scheduled", lambda: sent.messages.send(
        to=[PHONE], template={"id": template.id}, channel=["sms"], scheduled_at=when, idempotency_key="sdk-s1"))
    if held is not None and held.data is not None:
        message_id = held.data.recipients[0].message_id
        status = check("messages.retrieve_status (held)", lambda: sent.messages.retrieve_status(message_id))
        assert status is None or status.data.status in ("QUEUED", "SCHEDULED")
        cancelled = check("POST /v3/messages/{id}/cancel", lambda: sent.post(
            f"/v3/messages/{message_id}/cancel", body={}, cast_to=MessageRetrieveStatusResponse))
        assert cancelled is None or cancelled.data.status == "CANCELLED"
    finished = next(m for m in sent.conversations.list(page_size=100) if m.status in ("FAILED", "BLOCKED"))
    resent = check("POST /v3/messages/{id}/resend", lambda: sent.post(
        f"/v3/messages/{finished.id}/resend", body={}, cast_to=MessageRetrieveStatusResponse))
    assert resent is None or (resent.data.id == finished.id and resent.data.events[0].status == "QUEUED")
    check.assert_all_passed()


def test_webhook_families_filters_and_inbound_events(sent, server):
    from sent_dm.types.inbound_message_event import InboundMessageEvent

    check = Checks()
    types = check("webhooks.list_event_types", sent.webhooks.list_event_types)
    families = {t.name: t for t in (types.data.event_types if types and types.data else [])}
    assert {"message", "templates", "contact"} <= set(families)
    assert "message.received" in {s.name for s in families["message"].sub_types or []}
    created = check("webhooks.create (family + filter)", lambda: sent.webhooks.create(
        endpoint_url="https://example.com/hooks/filtered", event_types=["message"],
        event_filters={"message": ["message.delivered", "message.received"]}, idempotency_key="sdk-w2"))
    if created is not None and created.data is not None:
        assert created.data.event_filters == {"message": ["message.delivered", "message.received"]}
        check("webhooks.delete (family + filter)", lambda: sent.webhooks.delete(created.data.id))
    inbound = 0
    for profile_id in server.profile_keys:
        for webhook in sent.webhooks.list(page_size=100, x_profile_id=profile_id):
            for event in sent.webhooks.list_events(webhook.id, page_size=100, x_profile_id=profile_id):
                inbound += isinstance(event.event_data, InboundMessageEvent) and event.event_type == "message.received"
    assert inbound, "replies reach the webhooks as message.received, parsed as InboundMessageEvent"
    check.assert_all_passed()
