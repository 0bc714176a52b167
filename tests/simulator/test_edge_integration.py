"""The edge layers around the real routes and world (frozen clock): state changes happen once."""

from __future__ import annotations

import pytest

from sentlab.simulator import Faults, SimulatorConfig, create_app
from tests.kit import sim_client

PHONE = "+447911123456"


def client_for(world, config, **headers):
    return sim_client(create_app(world, config), {"x-api-key": world.org_key, **headers})


def contact_count(client) -> int:
    return client.get("/v3/contacts", params={"page_size": 1}).json()["data"]["pagination"]["total_count"]


def approved_template_id(client) -> str:
    templates = client.get("/v3/templates", params={"status": "APPROVED", "page_size": 100}).json()
    return templates["data"]["templates"][0]["id"]


def test_a_retried_contact_create_creates_one_contact(world):
    with client_for(world, SimulatorConfig(rate_limits=None)) as client:
        before = contact_count(client)
        headers = {"Idempotency-Key": "import-row-42"}
        first = client.post("/v3/contacts", json={"phone_number": PHONE}, headers=headers)
        again = client.post("/v3/contacts", json={"phone_number": PHONE}, headers=headers)
        assert first.status_code in (200, 201)
        assert again.status_code == first.status_code
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()
        assert contact_count(client) == before + 1


def test_a_retried_send_sends_once(world):
    with client_for(world, SimulatorConfig(rate_limits=None)) as client:
        body = {"to": [PHONE], "template": {"id": approved_template_id(client)}, "channel": ["sms"]}
        first = client.post("/v3/messages", json=body, headers={"Idempotency-Key": "send-1"})
        again = client.post("/v3/messages", json=body, headers={"Idempotency-Key": "send-1"})
        other = client.post("/v3/messages", json=body, headers={"Idempotency-Key": "send-2"})
        ids = [r.json()["data"]["recipients"][0]["message_id"] for r in (first, again, other)]
        assert first.status_code == 202
        assert ids[0] == ids[1] != ids[2]
        assert again.headers["x-original-request-id"] == first.json()["meta"]["request_id"]


def test_profile_and_organization_keys_do_not_share_replays(world):
    app = create_app(world, SimulatorConfig(rate_limits=None))
    profile_key = next(iter(world.profile_keys.values()))
    headers = {"Idempotency-Key": "shared-key"}
    with sim_client(app, {"x-api-key": world.org_key}) as org, sim_client(app, {"x-api-key": profile_key}) as prof:
        first = org.post("/v3/contacts", json={"phone_number": PHONE}, headers=headers)
        mine = prof.post("/v3/contacts", json={"phone_number": "+447911123457"}, headers=headers)
        assert "idempotent-replayed" not in mine.headers
        assert mine.json()["data"]["id"] != first.json()["data"]["id"]


@pytest.mark.parametrize("spec", ["500=1", "502=1", "503=1", "429=1", "html=1"])
def test_faults_never_change_the_world(world, spec):
    with client_for(world, SimulatorConfig(rate_limits=None)) as clean:
        before = contact_count(clean)
    with client_for(world, SimulatorConfig(rate_limits=None, faults=Faults.parse(spec))) as faulty:
        for _ in range(3):
            assert faulty.post("/v3/contacts", json={"phone_number": PHONE}).status_code >= 429
    with client_for(world, SimulatorConfig(rate_limits=None)) as clean:
        assert contact_count(clean) == before


def test_documented_limits_on_the_real_routes(world):
    with client_for(world, SimulatorConfig()) as client:
        statuses = [client.get("/v3/contacts").status_code for _ in range(51)]
        assert statuses == [200] * 50 + [429]
        refused = client.get("/v3/me")
        assert refused.json()["error"]["code"] == "BUSINESS_002"
        assert int(refused.headers["retry-after"]) >= 1
        world.clock.advance(15)
        assert client.get("/v3/me").status_code == 200


def test_rotate_secret_is_a_sensitive_endpoint(world):
    with client_for(world, SimulatorConfig()) as client:
        webhook_id = client.get("/v3/webhooks").json()["data"]["webhooks"][0]["id"]
        statuses = [client.post(f"/v3/webhooks/{webhook_id}/rotate-secret", json={}).status_code for _ in range(6)]
        assert statuses[:5] == [200] * 5
        assert statuses[5] == 429


def test_send_rate_follows_the_worlds_tier(world):
    assert world.tier == "growth"
    with client_for(world, SimulatorConfig()) as client:
        template_id = approved_template_id(client)
        body = {"to": [PHONE], "template": {"id": template_id}, "channel": ["sms"], "sandbox": True}
        response = client.post("/v3/messages", json=body)
        assert response.headers["x-ratelimit-limit"] == "300"
