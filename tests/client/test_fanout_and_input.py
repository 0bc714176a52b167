"""Fan-out over ids, sends, and bad local input caught before any request."""

from __future__ import annotations

import pytest

import sentlab
from sentlab import Limits

from .fakeapi import FakeAPI, uid

pytestmark = pytest.mark.anyio

MISSING = "00000000-0000-0000-0000-000000000404"


async def test_fan_out_dedupes_collects_failures_and_keeps_input_order(make_async):
    api = FakeAPI(latency=0.005)
    ids = [uid("msg", i) for i in range(40)]
    asked = [*ids, ids[0], MISSING, "not-a-uuid"]
    async with make_async(api) as client:
        out = await client.messages_details(asked)
    assert list(out.results) == ids
    assert set(out.failures) == {MISSING, "not-a-uuid"}
    assert isinstance(out.failures[MISSING], sentlab.NotFoundError)
    assert isinstance(out.failures["not-a-uuid"], sentlab.ConfigurationError)
    assert len(api.requests) == 41  # duplicates once, the malformed id never
    assert not out.ok and "40 results, 2 failures" in repr(out)


async def test_fan_out_is_bounded(make_async):
    api = FakeAPI(latency=0.01)
    async with make_async(api, limits=Limits(concurrency=5)) as client:
        out = await client.activities_many([uid("msg", i) for i in range(30)])
    assert out.ok and api.max_in_flight <= 5
    first = next(iter(out.results.values()))
    assert first[0]["status"] == "DELIVERED" and first[0]["message_id"] == uid("msg", 0)


async def test_server_errors_in_a_fan_out_do_not_raise(make_async):
    api = FakeAPI(script=[400] * 1)
    from .fakeapi import error_envelope, json_response

    api.script = [json_response(400, error_envelope("VALIDATION_003", "Invalid GUID"))]
    async with make_async(api) as client:
        out = await client.messages_details([uid("msg", 1), uid("msg", 2)])
    assert len(out.results) == 1 and len(out.failures) == 1


async def test_lookup_numbers_normalises_and_rejects_locally(make_async, fake):
    async with make_async() as client:
        out = await client.lookup_numbers(["+1 415 555 0100", "+14155550100", "hello", "4155550100"])
    assert set(out.results) == {"+1 415 555 0100", "+14155550100"}
    assert set(out.failures) == {"hello", "4155550100"}
    assert [r.url.path for r in fake.requests] == ["/v3/numbers/lookup/%2B14155550100"] or [
        r.url.path for r in fake.requests] == ["/v3/numbers/lookup/+14155550100"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c: c.message("123"), "message_id"),
        (lambda c: c.message_activities("abc"), "message_id"),
        (lambda c: c.contact("x"), "contact_id"),
        (lambda c: c.lookup_number("12"), "country code"),
        (lambda c: c.lookup_number("+1 23"), "wrong length"),
        (lambda c: c.create_contact(""), "empty"),
        (lambda c: c.with_profile("acme").contacts(), "profile_id"),
        (lambda c: c.send("+14155550100", template_id=uid("t", 1)), "sandbox=True"),
        (lambda c: c.send([], template_id=uid("t", 1), sandbox=True), "recipient"),
        (lambda c: c.send("+14155550100", sandbox=True), "template"),
        (lambda c: c.webhook_events(page_size=500), "page_size"),
    ],
)
async def test_bad_local_input_raises_before_any_request(make_async, fake, call, match):
    async with make_async() as client:
        with pytest.raises(sentlab.ConfigurationError, match=match):
            await call(client)
    assert fake.requests == []


@pytest.mark.parametrize("key", ["", "   ", None, "has space", "new\nline"])
def test_bad_keys_are_configuration_errors(key):
    with pytest.raises(sentlab.ConfigurationError) as info:
        sentlab.AsyncSentClient(key)
    assert (key or "").strip() == "" or key not in str(info.value)


@pytest.mark.parametrize("url", ["api.sent.dm", "ftp://x", ""])
def test_bad_base_urls_are_configuration_errors(url):
    with pytest.raises(sentlab.ConfigurationError, match="base_url"):
        sentlab.AsyncSentClient("k", base_url=url)


async def test_send_is_explicit_about_sandbox_and_marks_the_body(make_async, fake):
    async with make_async() as client:
        out = await client.send(["+14155550100", "+442071838750"], template_id=uid("t", 1),
                                parameters={"name": "Ada"}, channels="sms", sandbox=True)
    import json

    body = json.loads(fake.requests[-1].content)  # after the read of the template's variables
    assert body["sandbox"] is True and body["channel"] == ["sms"]
    assert body["template"] == {"id": uid("t", 1), "parameters": {"name": "Ada"}}
    assert len(out["recipients"]) == 2
