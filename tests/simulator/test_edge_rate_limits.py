"""Token buckets per account, on the world clock: burst, refill, sensitive endpoints, send tiers, off."""

from __future__ import annotations

import pytest

from sentlab.simulator._settings import Rate, RateLimits, SimulatorConfig

from .conftest import OTHER_ORG_KEY, PROFILE_KEY, START


def test_burst_of_50_then_429_with_retry_after(make_edge):
    edge = make_edge()
    remaining = [int(edge.request("GET", "/v3/me").headers["x-ratelimit-remaining"]) for _ in range(50)]
    assert remaining == list(range(49, -1, -1))
    assert edge.calls["/v3/me"] == 50

    refused = edge.request("GET", "/v3/me")
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False and body["error"]["code"] == "BUSINESS_002"
    assert body["meta"]["request_id"] == refused.headers["x-request-id"]
    assert refused.headers["retry-after"] == "1"  # 200/min refills a token in 0.3 s
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "200"
    # an empty bucket of 50 at 200/min is full again 15 s later
    assert int(refused.headers["x-ratelimit-reset"]) == int(START + 15)
    assert edge.calls["/v3/me"] == 50, "a refused request never reaches the handler"


def test_bucket_refills_as_the_world_clock_advances(make_edge):
    edge = make_edge()
    for _ in range(50):
        edge.request("GET", "/v3/me")
    assert edge.request("GET", "/v3/me").status_code == 429
    edge.clock.advance(0.2)
    assert edge.request("GET", "/v3/me").status_code == 429
    edge.clock.advance(0.1)  # 0.3 s at 200/min = one token
    assert edge.request("GET", "/v3/me").status_code == 200
    assert edge.request("GET", "/v3/me").status_code == 429
    edge.clock.advance(60)
    response = edge.request("GET", "/v3/me")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "49", "refill stops at the burst"


def test_buckets_are_per_account(make_edge):
    edge = make_edge()
    for _ in range(50):
        edge.request("GET", "/v3/me")
    assert edge.request("GET", "/v3/me").status_code == 429
    assert edge.request("GET", "/v3/me", key=OTHER_ORG_KEY).status_code == 200


def test_profile_keys_spend_their_organizations_bucket(make_edge):
    edge = make_edge()
    for _ in range(25):
        edge.request("GET", "/v3/me")
    for _ in range(25):
        edge.request("GET", "/v3/me", key=PROFILE_KEY)
    assert edge.request("GET", "/v3/me", key=PROFILE_KEY).status_code == 429
    assert edge.request("GET", "/v3/me").status_code == 429


def test_unknown_and_missing_keys_pass_through_to_401(make_edge):
    edge = make_edge(SimulatorConfig(rate_limits=RateLimits.parse("60/min,burst=1")))
    for _ in range(3):
        assert edge.request("GET", "/v3/me", key="sk_nobody").status_code == 401
        assert edge.request("GET", "/v3/me", key=None).status_code == 401


@pytest.mark.parametrize("path", ["/v3/webhooks/wh_1/rotate-secret", "/v3/users"])
def test_sensitive_endpoints_allow_5_then_10_a_minute(make_edge, path):
    edge = make_edge()
    statuses = [edge.request("POST", path, json={}).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    refused = edge.request("POST", path, json={})
    assert refused.headers["x-ratelimit-limit"] == "10"
    assert refused.headers["retry-after"] == "6"  # 10/min: a token every 6 s
    assert edge.request("GET", "/v3/me").status_code == 200, "the standard bucket still has tokens"
    edge.clock.advance(6)
    assert edge.request("POST", path, json={}).status_code == 201


@pytest.mark.parametrize(("tier", "per_minute", "burst"), [("starter", 60, 15), ("growth", 300, 75)])
def test_message_sending_is_limited_by_tier(make_edge, tier, per_minute, burst):
    edge = make_edge(tier=tier)
    ok = 0
    while (response := edge.request("POST", "/v3/messages", json={})).status_code == 201:
        ok += 1
        assert response.headers["x-ratelimit-limit"] == str(per_minute)
    assert ok == min(burst, 50)  # growth's 75 hits the standard burst of 50 first
    assert response.json()["error"]["code"] == "BUSINESS_002"


def test_send_rates_are_configurable():
    limits = RateLimits(send={"starter": Rate(6, 2)})
    assert limits.send_rate("starter") == Rate(6, 2)
    assert limits.send_rate("unknown-tier") == Rate(6, 2)


def test_configured_standard_rate(make_edge):
    edge = make_edge(SimulatorConfig(rate_limits=RateLimits.parse("120/min,burst=3")))
    assert [edge.request("GET", "/v3/me").status_code for _ in range(4)] == [200, 200, 200, 429]
    edge.clock.advance(0.5)
    assert edge.request("GET", "/v3/me").status_code == 200


def test_rate_limits_off_never_refuse(make_edge):
    edge = make_edge(SimulatorConfig(rate_limits=None))
    assert {edge.request("GET", "/v3/me").status_code for _ in range(80)} == {200}
    assert {edge.request("POST", "/v3/users", json={}).status_code for _ in range(12)} == {201}
