"""Webhooks without spending the rate limit: verify a delivery, receive and store them, replay a log.

>>> envelope = sentlab.webhooks.verify(body, headers, secret)          # or WebhookVerificationError
>>> receiver = sentlab.webhooks.app(secret_env="SENT_WEBHOOK_SECRET")  # ASGI: mount it, or `sentlab listen`
>>> received = lab.webhook_events(source="received")                  # what it stored: no API request
>>> sentlab.webhooks.read_log("deliveries.jsonl", secret=secret)[["id", "message_status"]]  # a log replayed
              id message_status
0  evt_doctest_1      DELIVERED
>>> gaps = sentlab.webhooks.reconcile(lab, webhook_id)                # doctest: +SKIP

The scheme, the log format and the receiver are described in docs/webhooks.md.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> private module that defines it (imported on first use: ``verify`` needs no pandas)
_EXPORTS: dict[str, str] = {
    "verify": "._verify",
    "signing_key": "._verify",
    "WebhookVerificationError": "._verify",
    "app": "._receiver",
    "Receiver": "._receiver",
    "resolve_secrets": "._receiver",
    "DEFAULT_SECRET_ENV": "._receiver",
    "Inbox": "._inbox",
    "received_records": "._inbox",
    "read_log": "._log",
    "reconcile": "._reconcile",
    "VERDICTS": "._reconcile",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sentlab.webhooks' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
