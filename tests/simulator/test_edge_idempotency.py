"""Idempotency-Key as api/idempotency.md describes it: replay, scope, format, expiry, concurrency."""

from __future__ import annotations

import asyncio

import pytest

from sentlab.simulator._settings import SimulatorConfig

from .conftest import OTHER_ORG_KEY, PROFILE_KEY

NO_LIMITS = SimulatorConfig(rate_limits=None)


def post(edge, idempotency_key, body=None, path="/v3/contacts", **kwargs):
    headers = kwargs.pop("headers", {"Idempotency-Key": idempotency_key})
    return edge.request("POST", path, headers=headers, json=body or {"n": 1}, **kwargs)


def test_a_repeated_key_replays_status_body_and_headers(make_edge):
    edge = make_edge(NO_LIMITS)
    first = post(edge, "create-contact-1")
    again = post(edge, "create-contact-1")
    assert edge.calls["/v3/contacts"] == 1, "the handler ran once"
    assert again.status_code == first.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-original-request-id"] == first.headers["x-request-id"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert again.headers["x-sandbox"] == first.headers["x-sandbox"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert "idempotent-replayed" not in first.headers


def test_a_reused_key_with_another_body_gets_the_original_response(make_edge):
    edge = make_edge(NO_LIMITS)
    first = post(edge, "k1", {"phone_number": "+1111111111"})
    again = post(edge, "k1", {"phone_number": "+2222222222"})
    assert again.json() == first.json()
    assert again.json()["data"]["echo"] == {"phone_number": "+1111111111"}


def test_different_keys_run_the_handler_again(make_edge):
    edge = make_edge(NO_LIMITS)
    a, b = post(edge, "k-a"), post(edge, "k-b")
    assert a.json()["data"]["id"] != b.json()["data"]["id"]
    assert edge.calls["/v3/contacts"] == 2
    assert "idempotent-replayed" not in b.headers


def test_keys_are_scoped_per_account_and_per_endpoint(make_edge):
    edge = make_edge(NO_LIMITS)
    post(edge, "same")
    assert "idempotent-replayed" not in post(edge, "same", key=OTHER_ORG_KEY).headers
    assert "idempotent-replayed" not in post(edge, "same", key=PROFILE_KEY).headers
    assert "idempotent-replayed" not in post(edge, "same", path="/v3/messages").headers
    assert "idempotent-replayed" not in post(edge, "same", headers={"Idempotency-Key": "same",
                                                                     "x-profile-id": "prof_1"}).headers
    assert post(edge, "same").headers["idempotent-replayed"] == "true"


def test_delete_replays_its_204(make_edge):
    edge = make_edge(NO_LIMITS)
    first = edge.request("DELETE", "/v3/contacts/c1", headers={"Idempotency-Key": "del-1"})
    again = edge.request("DELETE", "/v3/contacts/c1", headers={"Idempotency-Key": "del-1"})
    assert first.status_code == again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"
    assert edge.calls["/v3/contacts/c1"] == 1


@pytest.mark.parametrize("bad", ["has space", "a" * 256, "key@example", "ключ", "semi;colon", "dot.ted"])
def test_a_malformed_key_is_validation_007(make_edge, bad):
    edge = make_edge(NO_LIMITS)
    response = edge.request("POST", "/v3/contacts", headers={"Idempotency-Key": bad.encode("utf-8")}, json={})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_007"
    assert response.json()["meta"]["request_id"] == response.headers["x-request-id"]
    assert edge.calls["/v3/contacts"] == 0


@pytest.mark.parametrize("good", ["a", "A" * 255, "req-abc-123", "send_msg_001", "0-_"])
def test_well_formed_keys_are_accepted(make_edge, good):
    assert post(make_edge(NO_LIMITS), good).status_code == 201


def test_an_empty_key_is_malformed(make_edge):
    edge = make_edge(NO_LIMITS)
    response = edge.request("POST", "/v3/contacts", headers={"Idempotency-Key": ""}, json={})
    assert response.json()["error"]["code"] == "VALIDATION_007"


def test_keys_expire_after_24_hours_of_world_time(make_edge):
    edge = make_edge(NO_LIMITS)
    first = post(edge, "daily")
    edge.clock.advance(24 * 3600 - 1)
    assert post(edge, "daily").headers["x-original-request-id"] == first.headers["x-request-id"]
    edge.clock.advance(1)
    fresh = post(edge, "daily")
    assert "idempotent-replayed" not in fresh.headers
    assert fresh.json()["data"]["id"] != first.json()["data"]["id"]
    assert edge.calls["/v3/contacts"] == 2


def test_ttl_is_configurable(make_edge):
    edge = make_edge(SimulatorConfig(rate_limits=None, idempotency_ttl=60))
    post(edge, "short")
    edge.clock.advance(60)
    assert "idempotent-replayed" not in post(edge, "short").headers


def test_server_errors_are_not_kept_so_a_retry_runs(make_edge):
    edge = make_edge(NO_LIMITS)
    assert post(edge, "retry-me", path="/v3/explode").status_code == 500
    assert post(edge, "retry-me", path="/v3/explode").status_code == 500
    assert edge.calls["/v3/explode"] == 2


def test_client_errors_are_replayed(make_edge):
    edge = make_edge(NO_LIMITS)
    # 404 from the router is a response below 500: kept and replayed like any other
    first = edge.request("POST", "/v3/nowhere", headers={"Idempotency-Key": "nf"})
    again = edge.request("POST", "/v3/nowhere", headers={"Idempotency-Key": "nf"})
    assert first.status_code == again.status_code == 404
    assert again.headers["idempotent-replayed"] == "true"


def test_without_a_key_or_on_get_there_is_no_replay(make_edge):
    edge = make_edge(NO_LIMITS)
    edge.request("POST", "/v3/contacts", json={})
    assert "idempotent-replayed" not in edge.request("POST", "/v3/contacts", json={}).headers
    edge.request("GET", "/v3/me", headers={"Idempotency-Key": "g"})
    assert "idempotent-replayed" not in edge.request("GET", "/v3/me", headers={"Idempotency-Key": "g"}).headers
    # on GET the key is ignored entirely, even a malformed one
    assert edge.request("GET", "/v3/me", headers={"Idempotency-Key": "bad key"}).status_code == 200


def test_unknown_keys_get_their_401_not_a_key_check(make_edge):
    edge = make_edge(NO_LIMITS)
    response = edge.request("POST", "/v3/contacts", key="sk_nobody", headers={"Idempotency-Key": "bad key"})
    assert response.status_code == 401


def test_a_concurrent_duplicate_gets_409_conflict_001(make_edge):
    edge = make_edge(NO_LIMITS)
    headers = {"x-api-key": "sk_test_org", "Idempotency-Key": "in-flight"}

    async def go():
        edge.stand_in.entered, edge.stand_in.release = asyncio.Event(), asyncio.Event()
        async with edge.client() as client:
            first = asyncio.create_task(client.post("/v3/blocking", headers=headers, json={}))
            await asyncio.wait_for(edge.stand_in.entered.wait(), 5)
            duplicate = await client.post("/v3/blocking", headers=headers, json={})
            edge.stand_in.release.set()
            original = await asyncio.wait_for(first, 5)
            after = await client.post("/v3/blocking", headers=headers, json={})
            return duplicate, original, after

    duplicate, original, after = asyncio.run(go())
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "CONFLICT_001"
    assert original.status_code == 201
    assert after.headers["idempotent-replayed"] == "true"
    assert after.content == original.content
    assert edge.calls["/v3/blocking"] == 1


def test_replays_spend_rate_limit_tokens(make_edge):
    edge = make_edge()
    first = post(edge, "counted")
    again = post(edge, "counted")
    assert int(again.headers["x-ratelimit-remaining"]) == int(first.headers["x-ratelimit-remaining"]) - 1
