"""Typed errors from the envelope, what is retried (and what never is), and idempotency keys."""

from __future__ import annotations

import time

import httpx
import pytest

import sentlab
from sentlab import Retries
from sentlab._errors import error_class

from .fakeapi import FakeAPI, error_envelope, json_response

pytestmark = pytest.mark.anyio

CONTACT = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, "AUTH_001", sentlab.AuthenticationError),
        (401, "AUTH_002", sentlab.AuthenticationError),
        (403, "AUTH_004", sentlab.PermissionDeniedError),
        (400, "VALIDATION_001", sentlab.ValidationError),
        (422, "BUSINESS_004", sentlab.ValidationError),
        (404, "RESOURCE_001", sentlab.NotFoundError),
        (409, "RESOURCE_007", sentlab.ConflictError),
        (409, "CONFLICT_001", sentlab.ConflictError),
        (429, "BUSINESS_002", sentlab.RateLimitError),
        (500, "INTERNAL_001", sentlab.ServerError),
        (502, "INTERNAL_003", sentlab.ServerError),
        (503, "SERVICE_001", sentlab.ServerError),
        (402, "BUSINESS_003", sentlab.APIError),
        (418, None, sentlab.APIError),
    ],
)
def test_status_and_code_map_to_one_exception_class(status, code, expected):
    assert error_class(status, code) is expected
    assert issubclass(expected, sentlab.SentError)


def test_configuration_error_is_also_a_value_error():
    assert issubclass(sentlab.ConfigurationError, ValueError)
    assert issubclass(sentlab.APITimeoutError, sentlab.APIConnectionError)
    assert issubclass(sentlab.UnexpectedResponseError, sentlab.APIError)


async def test_validation_error_carries_everything_and_reads_well(make_async):
    body = error_envelope("VALIDATION_001", "Request validation failed",
                          {"page_size": ["must be between 1 and 100"], "phone": ["bad"]})
    api = FakeAPI(script=[json_response(400, body)])
    async with make_async(api) as client:
        with pytest.raises(sentlab.ValidationError) as info:
            await client.me()
    exc = info.value
    assert (exc.status, exc.code, exc.request_id) == (400, "VALIDATION_001", "req_fake_err")
    assert exc.details == {"page_size": ["must be between 1 and 100"], "phone": ["bad"]}
    assert exc.doc_url.endswith("VALIDATION_001")
    text = str(exc)
    assert text.startswith("400 VALIDATION_001: Request validation failed")
    assert "  page_size: must be between 1 and 100" in text and "GET https://api.test/v3/me" in text


async def test_not_found_is_not_retried(make_async, fake):
    async with make_async() as client:
        with pytest.raises(sentlab.NotFoundError):
            await client.contact(CONTACT)
    assert len(fake.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 408])
async def test_transient_statuses_are_retried_then_succeed(make_async, status):
    api = FakeAPI(script=[status, status])
    async with make_async(api) as client:
        assert (await client.me())["name"] == "Acme"
        assert client.stats.retries == 2
    assert len(api.requests) == 3


async def test_conflict_001_is_retried_but_resource_007_is_not(make_async):
    api = FakeAPI(script=[409])
    async with make_async(api) as client:
        await client.me()
    assert len(api.requests) == 2
    api = FakeAPI(script=[json_response(409, error_envelope("RESOURCE_007", "exists"))])
    async with make_async(api) as client:
        with pytest.raises(sentlab.ConflictError):
            await client.create_contact("+14155550100")
    assert len(api.requests) == 1


async def test_attempts_are_bounded(make_async):
    api = FakeAPI(script=[503] * 10)
    async with make_async(api, retries=Retries(attempts=3, backoff_seconds=0.001)) as client:
        with pytest.raises(sentlab.ServerError) as info:
            await client.me()
    assert len(api.requests) == 3 and info.value.code == "INTERNAL_005"


async def test_total_retry_time_is_bounded(make_async):
    api = FakeAPI(script=[json_response(503, error_envelope("INTERNAL_005", "x"), {"retry-after": "30"})])
    started = time.monotonic()
    async with make_async(api, retries=Retries(attempts=5, total_seconds=2)) as client:
        with pytest.raises(sentlab.ServerError):
            await client.me()
    assert time.monotonic() - started < 10 and len(api.requests) == 1  # not the 30 s it asked for


async def test_retry_after_is_honoured(make_async):
    api = FakeAPI(script=[json_response(429, error_envelope("BUSINESS_002", "slow down"), {"retry-after": "0.3"})])
    started = time.monotonic()
    async with make_async(api) as client:
        await client.me()
    assert time.monotonic() - started >= 0.3


async def test_every_post_gets_an_idempotency_key_kept_across_retries(make_async):
    api = FakeAPI(script=[503, 503])
    async with make_async(api) as client:
        await client.create_contact("+14155550100")
    keys = [r.headers.get("idempotency-key") for r in api.requests]
    assert len(keys) == 3 and keys[0] and len(set(keys)) == 1


async def test_a_given_idempotency_key_is_used(make_async, fake):
    async with make_async() as client:
        await client.send("+14155550100", template_id=CONTACT, sandbox=True, idempotency_key="import-row-42")
    assert fake.requests[-1].headers["idempotency-key"] == "import-row-42"


async def test_a_post_that_may_have_arrived_is_not_retried_without_a_key(make_async):
    """A read error after sending is ambiguous: GET is retried; a POST only thanks to its key."""
    from sentlab._http import Requester

    api = FakeAPI(script=[httpx.ReadError("reset"), httpx.ReadError("reset")])
    async with make_async(api) as client:
        requester: Requester = client._requester
        with pytest.raises(sentlab.APIConnectionError):
            # bypass the automatic key to prove the rule itself
            await requester._attempt("POST", "/v3/contacts", {}, {"phone_number": "+1"}, {}, 1)
    api = FakeAPI(script=[httpx.ReadError("reset")])
    async with make_async(api) as client:
        await client.create_contact("+14155550100")
    assert len(api.requests) == 2


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (httpx.Response(502, content=b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                        headers={"content-type": "text/html"}), "an HTML page"),
        (httpx.Response(200, content=b'{"success": true, "data": {"na', headers={"content-type": "application/json"}),
         "application/json"),
        (httpx.Response(200, content=b'{"hello": "world"}'), "not the API's envelope"),
    ],
)
async def test_unexpected_bodies_are_typed_and_retried(make_async, response, fragment):
    api = FakeAPI(script=[response] * 5)
    async with make_async(api, retries=Retries(attempts=2, backoff_seconds=0.001)) as client:
        with pytest.raises(sentlab.UnexpectedResponseError) as info:
            await client.me()
    assert fragment in str(info.value) and len(api.requests) == 2


async def test_unreachable_base_url_fails_fast_and_says_what_to_check():
    client = sentlab.AsyncSentClient("k", base_url="http://127.0.0.1:9", pacing=None)
    started = time.monotonic()
    with pytest.raises(sentlab.APIConnectionError) as info:
        await client.me()
    await client.aclose()
    assert time.monotonic() - started < 5
    assert "check base_url" in str(info.value) and not isinstance(info.value, sentlab.APITimeoutError)


async def test_timeouts_are_typed(make_async):
    api = FakeAPI(script=[httpx.ReadTimeout("slow")] * 5)
    async with make_async(api, retries=Retries(attempts=2, backoff_seconds=0.001)) as client:
        with pytest.raises(sentlab.APITimeoutError, match="timed out"):
            await client.me()


async def test_delete_retried_after_a_lost_answer_counts_404_as_done(make_async):
    api = FakeAPI(script=[503, json_response(404, error_envelope("RESOURCE_001", "Contact not found"))])
    async with make_async(api) as client:
        assert await client.delete_contact(CONTACT) is None


async def test_wrong_key_is_an_authentication_error():
    api = FakeAPI()
    client = sentlab.AsyncSentClient("wrong-key", base_url="https://api.test", transport=api.transport(), pacing=None)
    with pytest.raises(sentlab.AuthenticationError) as info:
        await client.me()
    await client.aclose()
    assert info.value.code == "AUTH_002"
    assert "check it" in str(info.value)
