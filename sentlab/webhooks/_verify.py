"""Webhook signatures: checking that a delivery was signed by Sent with the endpoint's secret.

The scheme is the one the Python SDK page and NOTES.md document (see docs/webhooks.md for why
not the hex-of-body variant some pages show): the ``whsec_`` secret's remainder base64-decoded
is the HMAC key; the signed content is ``{X-Webhook-ID}.{X-Webhook-Timestamp}.{raw body}``;
``X-Webhook-Signature`` holds ``v1,<base64 HMAC-SHA256>``, several space-separated when Sent
signs with more than one key, and one match is enough.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sentlab._errors import ConfigurationError, SentError

__all__ = ["WebhookVerificationError", "header", "signing_key", "verify"]

ID_HEADER = "x-webhook-id"
TIMESTAMP_HEADER = "x-webhook-timestamp"
SIGNATURE_HEADER = "x-webhook-signature"
EVENT_ID_HEADER = "x-webhook-event-id"
_PREFIX = "whsec_"
_DISPLAY = {ID_HEADER: "X-Webhook-ID", TIMESTAMP_HEADER: "X-Webhook-Timestamp", SIGNATURE_HEADER: "X-Webhook-Signature"}


class WebhookVerificationError(SentError):
    """A delivery failed verification; ``check`` says which check, the message what to look at.

    ``check`` is one of ``missing_header``, ``bad_timestamp``, ``stale_timestamp``,
    ``no_signature_matched``, ``bad_body``.

    >>> try:
    ...     sentlab.webhooks.verify(body + b" ", headers, secret)      # a body altered on the way
    ... except sentlab.WebhookVerificationError as exc:
    ...     print(exc.check)
    no_signature_matched
    """

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


def signing_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: the base64-decoded remainder (the prefix may be left off).

    A malformed secret is a ``ConfigurationError`` naming the secret (never showing it).

    >>> signing_key("whsec_" + base64.b64encode(b"0123456789abcdef").decode())
    b'0123456789abcdef'
    """
    if not isinstance(secret, str) or not secret.strip():
        raise ConfigurationError("the webhook signing secret is empty: pass the endpoint's whsec_... secret")
    encoded = secret.strip().removeprefix(_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(
            f"the webhook signing secret is not valid base64 after '{_PREFIX}' ({len(encoded)} characters): "
            "copy it exactly as POST /v3/webhooks or rotate-secret showed it"
        ) from None
    if not key:
        raise ConfigurationError("the webhook signing secret decodes to an empty key")
    return key


def header(headers: Mapping[str, Any] | Iterable[tuple[Any, Any]], name: str) -> str | None:
    """The value of header ``name`` in ``headers`` (a mapping or pairs, str or bytes), in any case.

    >>> header({"X-Webhook-ID": "wh_1"}, "x-webhook-id")
    'wh_1'
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    wanted = name.lower()
    for key, value in items:
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == wanted:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def _expected(key: bytes, webhook_id: str, timestamp: str, body: bytes) -> bytes:
    signed = webhook_id.encode() + b"." + timestamp.encode() + b"." + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())


def verify(body: bytes | str, headers: Mapping[str, Any] | Iterable[tuple[Any, Any]], secret: str | Iterable[str],
           *, tolerance: float | None = 300, now: float | None = None) -> dict[str, Any]:  # fmt: skip
    """Check a delivery's signature and timestamp; return its parsed envelope.

    ``body`` is the raw request body (bytes, or the exact text); ``headers`` in any case.
    ``secret`` may be several (old and new during a rotation): one match is enough. A timestamp
    more than ``tolerance`` seconds from ``now`` (default: the wall clock) is refused;
    ``tolerance=None`` skips that check (replaying an old log). Raises
    :class:`WebhookVerificationError` naming the check that failed.

    >>> import os
    >>> envelope = sentlab.webhooks.verify(body, headers, os.environ["SENT_WEBHOOK_SECRET"])
    >>> envelope["event"], envelope["payload"]["message_status"]
    ('message.delivered', 'DELIVERED')
    """
    raw = body.encode() if isinstance(body, str) else bytes(body)
    secrets = [secret] if isinstance(secret, str) else list(secret)
    keys = [signing_key(s) for s in secrets]
    if not keys:
        raise ConfigurationError("no webhook signing secret given")
    values = {name: header(headers, name) for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)}
    missing = [name for name, value in values.items() if not value]
    if missing:
        names = ", ".join(_DISPLAY[n] for n in missing)
        raise WebhookVerificationError("missing_header", f"missing header: {names} (is this a Sent delivery?)")
    webhook_id, timestamp, signatures = values[ID_HEADER], values[TIMESTAMP_HEADER], values[SIGNATURE_HEADER]
    assert webhook_id is not None and timestamp is not None and signatures is not None
    timestamp = timestamp.strip()
    if not timestamp.isdigit():
        raise WebhookVerificationError("bad_timestamp", f"X-Webhook-Timestamp is not Unix seconds: {timestamp[:40]!r}")
    if tolerance is not None:
        skew = (time.time() if now is None else now) - int(timestamp)
        if abs(skew) > tolerance:
            when = "old" if skew > 0 else "in the future"
            raise WebhookVerificationError(
                "stale_timestamp", f"X-Webhook-Timestamp is {abs(skew):.0f} s {when} (tolerance {tolerance:g} s): "
                "a replayed delivery, or a clock out of sync")  # fmt: skip
    candidates = [s.split(",", 1)[1].encode() for s in signatures.split() if s.startswith("v1,")]
    expected = [_expected(key, webhook_id, timestamp, raw) for key in keys]
    # every pair compared in constant time, none skipped: the time taken does not say which matched
    matched = False
    for candidate in candidates:
        for want in expected:
            matched |= hmac.compare_digest(candidate, want)
    if not matched:
        raise WebhookVerificationError(
            "no_signature_matched",
            "no signature matched: the body or the X-Webhook-ID/-Timestamp headers were altered, or the "
            "secret is not this endpoint's current one" + ("" if candidates else " (no v1 signature in the header)"),
        )
    try:
        envelope = json.loads(raw)
    except ValueError:
        raise WebhookVerificationError("bad_body", "the signed body is not JSON") from None
    if not isinstance(envelope, dict):
        raise WebhookVerificationError("bad_body", "the signed body is not a JSON object (the webhook envelope)")
    return envelope
