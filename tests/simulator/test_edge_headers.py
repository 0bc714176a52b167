"""Every response carries the edge headers, errors and faults included, and its id matches the body."""

from __future__ import annotations

import asyncio

import pytest

from sentlab.simulator._settings import Faults, RateLimits, SimulatorConfig

from .conftest import START

EDGE_HEADERS = ("x-request-id", "x-response-time", "x-api-version",
                "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def assert_edge_headers(response):
    for name in EDGE_HEADERS:
        assert name in response.headers, f"{name} missing on {response.status_code}"
    assert response.headers["x-api-version"] == "v3"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-response-time"].endswith("ms")
    assert int(response.headers["x-response-time"][:-2]) >= 0
    assert int(response.headers["x-ratelimit-reset"]) >= int(START)
    assert int(response.headers["x-ratelimit-remaining"]) <= int(response.headers["x-ratelimit-limit"])


def test_success_carries_every_header_and_its_request_id_is_the_envelopes(make_edge):
    response = make_edge().request("GET", "/v3/me")
    assert response.status_code == 200
    assert_edge_headers(response)
    assert response.headers["x-request-id"] == response.json()["meta"]["request_id"]
    assert response.headers["x-ratelimit-limit"] == "200"
    assert response.headers["x-ratelimit-remaining"] == "49"


@pytest.mark.parametrize("key", [None, "sk_wrong"])
def test_auth_errors_carry_every_header(make_edge, key):
    response = make_edge().request("GET", "/v3/me", key=key)
    assert response.status_code == 401
    assert_edge_headers(response)
    assert response.headers["x-request-id"] == response.json()["meta"]["request_id"]


def test_unrouted_404_carries_every_header(make_edge):
    response = make_edge().request("GET", "/v3/nowhere")
    assert response.status_code == 404
    assert_edge_headers(response)


def test_429_and_faults_carry_every_header(make_edge):
    edge = make_edge(SimulatorConfig(rate_limits=RateLimits.parse("60/min,burst=1")))
    edge.request("GET", "/v3/me")
    assert_edge_headers(edge.request("GET", "/v3/me"))
    for spec in ("500=1", "502=1", "503=1", "429=1", "html=1"):
        assert_edge_headers(make_edge(SimulatorConfig(faults=Faults.parse(spec))).request("GET", "/v3/me"))


def test_rate_limit_headers_absent_when_limits_are_off(make_edge):
    # claiming a limit the server does not enforce would slow down a header-led client
    response = make_edge(SimulatorConfig(rate_limits=None)).request("GET", "/v3/me")
    assert response.status_code == 200
    assert response.headers["x-api-version"] == "v3"
    assert response.headers["x-request-id"].startswith("req_")
    assert not any(name.startswith("x-ratelimit-") for name in response.headers)


def test_each_request_gets_a_new_id(make_edge):
    edge = make_edge()
    ids = {edge.request("GET", "/v3/me").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_streaming_responses_pass_through_unbuffered(make_edge):
    edge = make_edge()

    async def go():
        headers = {"x-api-key": "sk_test_org"}
        async with edge.client() as client, client.stream("GET", "/v3/stream", headers=headers) as response:
            chunks = [chunk async for chunk in response.aiter_raw()]
            return response, chunks

    response, chunks = asyncio.run(go())
    assert b"".join(chunks) == b"chunk0;chunk1;chunk2;"
    assert_edge_headers(response)


def test_lifespan_passes_through(make_edge):
    edge = make_edge()
    sent = []

    async def go():
        messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

        async def receive():
            return next(messages)

        async def send(message):
            sent.append(message["type"])

        await edge.app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)

    asyncio.run(go())
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
