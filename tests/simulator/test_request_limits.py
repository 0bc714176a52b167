"""The request limits: body size, JSON depth and strictness, URL and header size, repeated
parameters; in the bare app, through the edge layers, and over a real loopback server."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from sentlab.simulator import RateLimits, SimulatorConfig, create_app, running_server
from sentlab.simulator._app import core_app
from sentlab.simulator._validation import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    MAX_JSON_DEPTH,
    MAX_URL_BYTES,
)

from .. import kit
from ..kit import asgi_call, assert_clean

WORLD = kit.make_world(seed=11, contacts=60, messages=40, profiles=1, at=None)
CORE = core_app(WORLD)
KEY = [(b"x-api-key", WORLD.org_key.encode())]
WEBHOOK = {"endpoint_url": "https://example.com/hooks/sent", "display_name": "limits", "sandbox": True}


def padded(size: int) -> bytes:
    """A sandboxed create-webhook body of exactly ``size`` bytes."""
    body = json.dumps({**WEBHOOK, "pad": ""}).encode()
    return body[:-2] + b"x" * (size - len(body)) + b'"}'


def error_of(answer) -> tuple[int, str | None, dict | None]:
    """``(status, error code, error details)``; the code and details are None on success."""
    assert_clean(answer, "limits")
    error = json.loads(answer.body)["error"] or {"code": None, "details": None}
    return answer.status, error["code"], error["details"]


# ---------------------------------------------------------------------------------------------
# the body
# ---------------------------------------------------------------------------------------------


def test_a_body_up_to_the_limit_is_read_and_one_byte_more_is_413():
    assert error_of(asgi_call(CORE, "POST", b"/v3/webhooks", KEY, padded(MAX_BODY_BYTES)))[0] == 201
    status, code, details = error_of(asgi_call(CORE, "POST", b"/v3/webhooks", KEY, padded(MAX_BODY_BYTES + 1)))
    assert (status, code) == (413, "VALIDATION_001")
    assert details == {"body": ["The request body is larger than 1 MiB (1048576 bytes)"]}


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    headers = [*KEY, (b"content-length", b"%d" % (50 * MAX_BODY_BYTES))]
    assert error_of(asgi_call(CORE, "POST", b"/v3/webhooks", headers, b"{}"))[:2] == (413, "VALIDATION_001")


@pytest.mark.parametrize(("depth", "status"), [(MAX_JSON_DEPTH, 201), (MAX_JSON_DEPTH + 1, 400)])
def test_nesting_up_to_the_depth_limit_is_parsed(depth, status):
    inner = "[" * (depth - 1) + "]" * (depth - 1)  # the body object is the first level
    body = json.dumps(WEBHOOK)[:-1].encode() + b', "pad": ' + inner.encode() + b"}"
    answer = error_of(asgi_call(CORE, "POST", b"/v3/webhooks", KEY, body))
    assert answer[0] == status
    if status == 400:
        assert answer[2] == {"body": [f"The request body nests deeper than {MAX_JSON_DEPTH} levels"]}


def test_a_megabyte_of_brackets_is_refused_quickly():
    started = time.perf_counter()
    for body in (b"[" * MAX_BODY_BYTES, b'{"a":' * (MAX_BODY_BYTES // 5)):
        assert error_of(asgi_call(CORE, "POST", b"/v3/messages", KEY, body))[:2] == (400, "VALIDATION_001")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(("raw", "problem"), [
    (b'{"retry_count": NaN}', "NaN is not valid JSON"),
    (b'{"retry_count": Infinity}', "Infinity is not valid JSON"),
    (b'{"retry_count": -Infinity}', "-Infinity is not valid JSON"),
    (b'{"retry_count": 1e999}', "A number in the request body is too large"),
    (b'{"retry_count": 9223372036854775808}', "A number in the request body is outside the 64-bit integer range"),
    (b'{"retry_count": ' + b"9" * 5000 + b"}", "A number in the request body is outside the 64-bit integer range"),
    (b'{"display_name": "\\ud800"}', "The request body has a string with an unpaired UTF-16 surrogate"),
    (b'{"\\udfff": 1}', "The request body has a string with an unpaired UTF-16 surrogate"),
    (b'{"display_name": "\xff"}', "The request body is not valid UTF-8"),
    ('{"display_name": "x"}'.encode("utf-16"), "The request body is not valid UTF-8"),
    (b'{"display_name": "x",}', "The request body is not valid JSON"),
    (b"[1]", "The request body must be a JSON object"),
    (b"null", "The request body must be a JSON object"),
])  # fmt: skip
def test_what_python_would_parse_but_json_or_the_api_forbids_is_400(raw, problem):
    status, code, details = error_of(asgi_call(CORE, "POST", b"/v3/webhooks", KEY, raw))
    assert (status, code, details) == (400, "VALIDATION_001", {"body": [problem]})


@pytest.mark.parametrize("raw", [
    json.dumps({**WEBHOOK, "display_name": "\U0001f600"}).encode(),  # a surrogate pair, escaped
    b"\xef\xbb\xbf" + json.dumps(WEBHOOK).encode(),  # a UTF-8 byte order mark
    json.dumps({**WEBHOOK, "retry_count": 5, "pad": 2**63 - 1}).encode(),
])  # fmt: skip
def test_what_json_allows_is_accepted(raw):
    answer = asgi_call(CORE, "POST", b"/v3/webhooks", KEY, raw)
    assert error_of(answer)[0] == 201
    if b"\\ud83d" in raw:
        assert json.loads(answer.body)["data"]["display_name"] == "\U0001f600"


@pytest.mark.parametrize("content_type", [b"text/plain", b"application/x-www-form-urlencoded", b""])
def test_the_content_type_is_not_checked(content_type):
    headers = [*KEY, (b"content-type", content_type)]
    assert error_of(asgi_call(CORE, "POST", b"/v3/webhooks", headers, json.dumps(WEBHOOK).encode()))[0] == 201


# ---------------------------------------------------------------------------------------------
# the URL and the headers
# ---------------------------------------------------------------------------------------------


def test_a_url_over_the_limit_is_414():
    ok = b"/v3/contacts?search=" + b"x" * (MAX_URL_BYTES - len(b"/v3/contacts") - len(b"search="))
    assert error_of(asgi_call(CORE, "GET", ok, KEY))[0] == 200
    status, code, details = error_of(asgi_call(CORE, "GET", ok + b"x", KEY))
    assert (status, code) == (414, "VALIDATION_001") and "url" in details
    long_id = b"/v3/contacts/" + b"a" * MAX_URL_BYTES
    assert error_of(asgi_call(CORE, "GET", long_id, KEY))[0] == 414


def test_headers_over_the_limit_are_431():
    room = MAX_HEADER_BYTES - sum(len(k) + len(v) for k, v in [(b"host", b"sim"), *KEY]) - len(b"x-pad")
    assert error_of(asgi_call(CORE, "GET", b"/v3/me", [*KEY, (b"x-pad", b"p" * room)]))[0] == 200
    status, code, details = error_of(asgi_call(CORE, "GET", b"/v3/me", [*KEY, (b"x-pad", b"p" * (room + 1))]))
    assert (status, code) == (431, "VALIDATION_001") and "headers" in details


def test_a_repeated_query_parameter_is_400_naming_it():
    status, code, details = error_of(asgi_call(CORE, "GET", b"/v3/contacts?page=1&page=2&page_size=5", KEY))
    assert (status, code, details) == (400, "VALIDATION_001", {"page": ["The query parameter is given more than once"]})
    assert error_of(asgi_call(CORE, "GET", b"/v3/contacts?channel=sms,whatsapp&page=1", KEY))[0] != 500


@pytest.mark.parametrize("name", [b"x-api-key", b"x-profile-id", b"Idempotency-Key"])
def test_a_repeated_credential_header_is_400(name):
    headers = [*KEY, (name, b"a"), (name, b"b")] if name != b"x-api-key" else [*KEY, *KEY]
    assert error_of(asgi_call(CORE, "GET", b"/v3/me", headers))[:2] == (400, "VALIDATION_001")


@pytest.mark.parametrize(("headers", "expected"), [
    ([(b"x-api-key", b"k" * 20_000)], (401, "AUTH_002")),
    ([(b"x-api-key", "sk_tést".encode())], (401, "AUTH_002")),
    ([(b"x-api-key", b"\xff\xfe")], (401, "AUTH_002")),
    ([*KEY, (b"x-profile-id", "é".encode() * 18)], (400, "VALIDATION_003")),
    ([*KEY, (b"x-profile-id", b"p" * 20_000)], (400, "VALIDATION_003")),
])  # fmt: skip
def test_odd_credential_values_get_their_documented_errors(headers, expected):
    assert error_of(asgi_call(CORE, "GET", b"/v3/me", headers))[:2] == expected


# ---------------------------------------------------------------------------------------------
# the edge: refused before rate limits and idempotency
# ---------------------------------------------------------------------------------------------


def edge_app(rate_limits: RateLimits | None = None):
    return create_app(kit.make_world(seed=11, contacts=60, messages=40, profiles=1, at=None),
                      SimulatorConfig(rate_limits=rate_limits))  # fmt: skip


@pytest.mark.parametrize("value", [b"k" * 300, "clé".encode(), b"a b", b""])
def test_an_odd_idempotency_key_is_400_validation_007(value):
    app = edge_app()
    headers = [(b"x-api-key", app.world.org_key.encode()), (b"idempotency-key", value)]
    answer = asgi_call(app, "POST", b"/v3/webhooks", headers, json.dumps(WEBHOOK).encode())
    assert error_of(answer)[:2] == (400, "VALIDATION_007")


def test_a_refused_body_is_not_stored_under_its_idempotency_key_nor_charged():
    app = edge_app(RateLimits.parse("60/min,burst=1"))
    headers = [(b"x-api-key", app.world.org_key.encode()), (b"idempotency-key", b"limits-1")]
    refused = asgi_call(app, "POST", b"/v3/webhooks", headers, padded(MAX_BODY_BYTES + 1))
    assert error_of(refused)[:2] == (413, "VALIDATION_001")
    assert refused.headers[b"x-request-id"] == json.loads(refused.body)["meta"]["request_id"].encode()
    created = asgi_call(app, "POST", b"/v3/webhooks", headers, json.dumps(WEBHOOK).encode())
    assert created.status == 201 and b"idempotent-replayed" not in created.headers  # the one token was left


# ---------------------------------------------------------------------------------------------
# over a real loopback server (uvicorn's path, not the in-process transport)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with running_server(WORLD, SimulatorConfig(rate_limits=None)) as handle:
        yield handle


def envelope_error(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"success", "data", "error", "meta"}
    assert response.headers["x-request-id"] == body["meta"]["request_id"]
    return response.status_code, body["error"]["code"]


@pytest.mark.server
def test_loopback_body_limits_answer_with_the_envelope_and_keep_the_connection(server):
    big = padded(2 * MAX_BODY_BYTES)
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": server.org_key}) as client:
        assert envelope_error(client.post("/v3/webhooks", content=big)) == (413, "VALIDATION_001")
        chunked = client.post("/v3/webhooks", content=iter([big[i:i + 65536] for i in range(0, len(big), 65536)]))
        assert envelope_error(chunked) == (413, "VALIDATION_001")
        deep = client.post("/v3/messages", content=b"[" * 200_000 + b"]" * 200_000)
        assert envelope_error(deep) == (400, "VALIDATION_001")
        assert envelope_error(client.post("/v3/webhooks", content=b'{"retry_count": NaN}')) == (400, "VALIDATION_001")
        assert client.post("/v3/webhooks", json=WEBHOOK).status_code == 201  # the same connection, drained


@pytest.mark.server
def test_loopback_url_and_header_limits_answer_with_the_envelope(server):
    with httpx.Client(base_url=server.base_url, headers={"x-api-key": server.org_key}) as client:
        assert envelope_error(client.get("/v3/contacts", params={"search": "x" * MAX_URL_BYTES})) == (414, "VALIDATION_001")
        assert envelope_error(client.get("/v3/me", headers={"x-pad": "p" * MAX_HEADER_BYTES})) == (431, "VALIDATION_001")
        assert envelope_error(client.get("/v3/contacts?page=1&page=1")) == (400, "VALIDATION_001")


def raw_exchange(server, data: list[bytes]) -> bytes:
    """Send ``data`` a part at a time (letting the server read each), then read to the end."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        for part in data:
            sock.sendall(part)
            time.sleep(0.02)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


@pytest.mark.server
@pytest.mark.parametrize(("data", "status"), [
    ([b"NOT HTTP AT ALL\r\n\r\n"], 400),
    ([b"GET /v3/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"], 400),
    # a head that does not end: uvicorn stops buffering past 2 x (URL + header limits)
    ([b"GET /v3/me HTTP/1.1\r\nHost: x\r\n", b"x-pad: " + b"p" * 2 * (MAX_URL_BYTES + MAX_HEADER_BYTES)], 431),
])  # fmt: skip
def test_loopback_requests_uvicorn_cannot_parse_get_the_envelope_too(server, data, status):
    head, _, body = raw_exchange(server, data).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d" % status)
    envelope = json.loads(body)
    assert envelope["error"]["code"] == "VALIDATION_001" and envelope["success"] is False
