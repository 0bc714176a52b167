"""verify() against signatures computed here with hmac directly, from the documented scheme alone."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sentlab
from sentlab import ConfigurationError, WebhookVerificationError
from sentlab.webhooks import signing_key, verify

KEY = bytes(range(24))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
OTHER = "whsec_" + base64.b64encode(b"another key, 24 bytes!!!").decode()
NOW = 1_775_649_600  # 2026-04-08 12:00 UTC
BODY = json.dumps({"field": "message", "event": "message.delivered", "timestamp": "2026-04-08T12:00:00+00:00",
                   "request_id": "req_1", "payload": {"message_id": "m1", "message_status": "DELIVERED"}}).encode()


def reference_signature(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The docs' Python example, verbatim in substance: v1, + base64 HMAC-SHA256 of id.timestamp.body."""
    signed = f"{webhook_id}.{timestamp}.{body.decode('utf-8')}"
    return "v1," + base64.b64encode(hmac.new(key, signed.encode("utf-8"), hashlib.sha256).digest()).decode()


def headers_for(body: bytes = BODY, *, key: bytes = KEY, webhook_id: str = "wh_1", timestamp: int = NOW) -> dict[str, str]:
    return {"X-Webhook-ID": webhook_id, "X-Webhook-Timestamp": str(timestamp),
            "X-Webhook-Signature": reference_signature(key, webhook_id, timestamp, body)}


def test_a_delivery_signed_as_documented_verifies_and_returns_its_envelope() -> None:
    envelope = verify(BODY, headers_for(), SECRET, now=NOW)
    assert envelope["payload"]["message_status"] == "DELIVERED"
    assert verify(BODY.decode(), headers_for(), SECRET, now=NOW) == envelope  # the body as text too


def test_the_public_names() -> None:
    assert sentlab.webhooks.verify is verify
    assert sentlab.WebhookVerificationError is WebhookVerificationError
    assert issubclass(WebhookVerificationError, sentlab.SentError)


@given(st.lists(st.booleans(), min_size=len("x-webhook-signature"), max_size=len("x-webhook-signature")),
       st.sampled_from(["dict", "pairs", "bytes"]))
def test_header_names_match_in_any_case(upper: list[bool], shape: str) -> None:
    def recase(name: str) -> str:
        return "".join(c.upper() if u else c.lower() for c, u in zip(name, upper + [False] * len(name), strict=False))

    given_headers = {recase(k): v for k, v in headers_for().items()}
    if shape == "pairs":
        given_headers = list(given_headers.items())
    elif shape == "bytes":
        given_headers = [(k.encode(), v.encode()) for k, v in given_headers.items()]
    assert verify(BODY, given_headers, SECRET, now=NOW)["event"] == "message.delivered"


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=4), st.integers(0, 4),
       st.sampled_from(["v1", "v2", "v1a"]))
def test_one_matching_signature_among_several_is_enough(others: list[bytes], position: int, version: str) -> None:
    good = headers_for()["X-Webhook-Signature"]
    bogus = [f"v1,{base64.b64encode(d).decode()}" for d in others] + [f"{version},{good.split(',', 1)[1]}x"]
    signatures = [*bogus[:position], good, *bogus[position:]]
    headers = {**headers_for(), "X-Webhook-Signature": " ".join(signatures)}
    assert verify(BODY, headers, SECRET, now=NOW)["request_id"] == "req_1"
    headers["X-Webhook-Signature"] = " ".join(bogus)  # all wrong: refused
    with pytest.raises(WebhookVerificationError) as caught:
        verify(BODY, headers, SECRET, now=NOW)
    assert caught.value.check == "no_signature_matched"


@given(st.binary(min_size=1, max_size=64), st.text(alphabet="abcdef0123456789-_", min_size=1, max_size=40),
       st.integers(1_000_000_000, 4_000_000_000))
def test_any_key_id_and_timestamp_verify_exactly_as_the_reference_signs(key: bytes, webhook_id: str, ts: int) -> None:
    secret = "whsec_" + base64.b64encode(key).decode()
    headers = headers_for(key=key, webhook_id=webhook_id, timestamp=ts)
    assert verify(BODY, headers, secret, now=ts)["event"] == "message.delivered"


def test_several_secrets_accepted_during_a_rotation() -> None:
    assert verify(BODY, headers_for(), [OTHER, SECRET], now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify(BODY, headers_for(), [OTHER], now=NOW)


@pytest.mark.parametrize(("change", "check"), [
    ("body", "no_signature_matched"),
    ("id", "no_signature_matched"),
    ("secret", "no_signature_matched"),
    ("old", "stale_timestamp"),
    ("future", "stale_timestamp"),
    ("timestamp text", "bad_timestamp"),
])  # fmt: skip
def test_each_failed_check_is_named(change: str, check: str) -> None:
    body, headers, secret = BODY, headers_for(), SECRET
    if change == "body":
        body = BODY.replace(b"DELIVERED", b"READ")
    elif change == "id":
        headers["X-Webhook-ID"] = "wh_2"
    elif change == "secret":
        secret = OTHER
    elif change == "old":
        headers = headers_for(timestamp=NOW - 301)
    elif change == "future":
        headers = headers_for(timestamp=NOW + 301)
    else:
        headers["X-Webhook-Timestamp"] = "2026-04-08T12:00:00Z"
    with pytest.raises(WebhookVerificationError) as caught:
        verify(body, headers, secret, now=NOW)
    assert caught.value.check == check
    assert SECRET not in str(caught.value)


def test_the_tolerance_is_inclusive_and_can_be_turned_off() -> None:
    assert verify(BODY, headers_for(timestamp=NOW - 300), SECRET, now=NOW)
    assert verify(BODY, headers_for(timestamp=NOW - 86_400), SECRET, tolerance=None, now=NOW)
    with pytest.raises(WebhookVerificationError):
        verify(BODY, headers_for(timestamp=NOW - 11), SECRET, tolerance=10, now=NOW)


@pytest.mark.parametrize("missing", ["X-Webhook-ID", "X-Webhook-Timestamp", "X-Webhook-Signature"])
def test_a_missing_header_is_named(missing: str) -> None:
    headers = headers_for()
    del headers[missing]
    with pytest.raises(WebhookVerificationError, match=missing) as caught:
        verify(BODY, headers, SECRET, now=NOW)
    assert caught.value.check == "missing_header"


def test_a_signed_body_that_is_not_an_envelope_is_refused() -> None:
    for body in (b"not json", b"[1, 2]"):
        with pytest.raises(WebhookVerificationError) as caught:
            verify(body, headers_for(body), SECRET, now=NOW)
        assert caught.value.check == "bad_body"


@pytest.mark.parametrize("secret", ["whsec_n3wS3cr3tK3yG3n3r4t3d", "whsec_abc123...", "", "whsec_"])
def test_a_malformed_secret_is_a_configuration_error_naming_the_secret(secret: str) -> None:
    """The docs' own examples include secrets that are not base64 (21 characters; dots)."""
    with pytest.raises(ConfigurationError, match="secret") as caught:
        verify(BODY, headers_for(), secret, now=NOW)
    if len(secret) > 6:
        assert secret.removeprefix("whsec_") not in str(caught.value)


def test_the_prefix_is_optional_and_the_key_is_the_decoded_remainder() -> None:
    assert signing_key(SECRET) == KEY == signing_key(SECRET.removeprefix("whsec_"))
