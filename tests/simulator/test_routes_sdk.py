"""In-process fidelity: the official SDK's pydantic models (strict) parse every response shape.

The loopback-server SDK test lives in ``test_sdk_fidelity.py``; this one runs without a port,
through an ``httpx.Client`` on the core app, and also validates every webhook event's body
against the SDK's ``MessageEvent``.
"""

from __future__ import annotations

import httpx
import pytest

sent_dm = pytest.importorskip("sent_dm")

from sent_dm.types.inbound_message_event import InboundMessageEvent  # noqa: E402
from sent_dm.types.message_event import MessageEvent  # noqa: E402

from ..kit import SyncASGITransport  # noqa: E402


@pytest.fixture
def sdk(sim_app, world):
    http = httpx.Client(transport=SyncASGITransport(sim_app), base_url="http://sim")
    client = sent_dm.Sent(base_url="http://sim", api_key=world.org_key, http_client=http,
                          _strict_response_validation=True, max_retries=0)
    yield client
    client.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_endpoint_parses_strictly(sdk, world, profile_id):
    p = {"x_profile_id": profile_id}
    assert sdk.me.retrieve().data.type == "organization"
    assert sdk.me.retrieve(**p).data.type == "profile"
    contacts = list(sdk.contacts.list(page_size=50, **p))
    assert len(contacts) > 50 and len({c.id for c in contacts}) == len(contacts)
    assert sdk.contacts.retrieve(contacts[0].id, **p).data.id == contacts[0].id
    templates = list(sdk.templates.list(page_size=5, **p))
    assert templates and all(t.customer_id for t in templates)
    webhooks = list(sdk.webhooks.list(**p))
    events = list(sdk.webhooks.list_events(webhooks[0].id, page_size=100, **p))
    assert len(events) > 100
    message_id = next(e.event_data.payload.message_id for e in events
                      if isinstance(e.event_data, MessageEvent) and e.event_data.payload)  # fmt: skip
    status = sdk.messages.retrieve_status(message_id, **p).data
    assert status.events and all(ev.status and ev.timestamp for ev in status.events)
    assert sdk.messages.retrieve_activities(message_id, **p).data.activities
    assert sdk.numbers.lookup("+447400123456").data.is_valid is True
    assert sdk.webhooks.list_event_types().data.event_types
    assert len(sdk.profiles.list().data.profiles) == 3
    assert sdk.profiles.retrieve(profile_id).data.id == profile_id
    users = sdk.users.list().data.users
    assert sdk.users.retrieve(users[0].id).data.id == users[0].id
    sent = sdk.messages.send(to=["+447400123456"], template={"name": "login_code", "parameters": {"code": "1"}},
                             channel=["sms"], **p)  # fmt: skip
    assert sent.data.recipients[0].message_id
    sandbox = sdk.messages.send(to=["+447400123456"], template={"name": "login_code"}, sandbox=True, **p)
    assert sandbox.data.recipients
    created = sdk.contacts.create(phone_number="+447812345678", **p).data
    assert sdk.contacts.update(created.id, opt_out=True, **p).data.opt_out is True
    sdk.contacts.delete(created.id, **p)
    tpl = sdk.templates.create(category="UTILITY", definition={"body": {"sms": {"template": "Hi {{name}}"}, "whatsapp": {"template": "Hi {{name}}"}}}, **p).data
    assert sdk.templates.update(tpl.id, name="renamed", **p).data.name == "renamed"
    sdk.templates.delete(tpl.id, **p)
    hook = sdk.webhooks.create(display_name="x", endpoint_url="https://x.example/h", event_types=["messages"], **p).data
    assert sdk.webhooks.retrieve(hook.id, **p).data.id == hook.id
    assert sdk.webhooks.update(hook.id, display_name="y", **p).data.display_name == "y"
    assert sdk.webhooks.test(hook.id, **p).data.success is True
    assert sdk.webhooks.rotate_secret(hook.id, **p).data.signing_secret.startswith("whsec_")
    assert sdk.webhooks.toggle_status(hook.id, **p).data.is_active is False
    sdk.webhooks.delete(hook.id, **p)


def test_every_event_body_is_a_valid_sdk_message_event(world):
    for event in world.truth.events():
        data = event["event_data"]
        if data == {"valueKind": "Undefined"}:
            continue
        if data["event"] == "message.received":  # a reply: the inbound envelope
            inbound = InboundMessageEvent.model_validate(data)
            assert inbound.payload is not None and inbound.payload.inbound_number and inbound.payload.received_at
            continue
        parsed = MessageEvent.model_validate(data)
        assert parsed.payload is not None and parsed.payload.message_status
