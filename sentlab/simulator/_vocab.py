"""The Sent API's fixed vocabulary as the simulator uses it: statuses, channels, event types, reasons.

Everything here is a constant (or a pure function of a template's text): the records, the wire
shapes and the routes all speak these names.
"""

from __future__ import annotations

import re
from typing import Any

from . import _pricing

__all__ = [
    "CHANNELS",
    "EVENT_TYPES",
    "FAILURE_REASONS",
    "MESSAGE_EVENTS",
    "STATUSES",
    "SUBSCRIBABLE",
    "render",
    "variables",
]

#: Lifecycle steps, in the order a message can pass them. A message's status
#: at a time is the latest step it reached by then.
STATUSES = ("QUEUED", "SCHEDULED", "PROCESSED", "SENT", "DELIVERED", "READ", "FAILED")
QUEUED, SCHEDULED, PROCESSED, SENT, DELIVERED, READ, FAILED = range(7)
PRICED_FROM = PROCESSED  # price is known (and shown) from PROCESSED on

CHANNELS: tuple[str, ...] = tuple(_pricing.CHANNELS)
CHANNEL_LABEL = {"sms": "SMS", "whatsapp": "WhatsApp"}
#: A contact's reachable channels are stored as bits: 1 = sms, 2 = whatsapp.
CHANNEL_BIT = {"sms": 1, "whatsapp": 2}

#: Message event names, one per lifecycle step (``message.<status>``).
MESSAGE_EVENTS = tuple(f"message.{s.lower()}" for s in STATUSES)

#: Event types a webhook can subscribe to: ``{name, display_name, description, is_active}``.
#: A subscription may name a single event or a whole family (``messages``).
EVENT_TYPES: tuple[dict[str, Any], ...] = (
    *(
        {
            "name": name,
            "display_name": "Message " + status.capitalize(),
            "description": f"Triggered when a message's status becomes {status}",
            "is_active": True,
        }
        for name, status in zip(MESSAGE_EVENTS, STATUSES, strict=True)
    ),
    {"name": "template.approved", "display_name": "Template Approved",
     "description": "Triggered when a template is approved", "is_active": True},
    {"name": "template.rejected", "display_name": "Template Rejected",
     "description": "Triggered when a template is rejected", "is_active": True},
    {"name": "contact.opted_out", "display_name": "Contact Opted Out",
     "description": "Triggered when a contact opts out of messaging", "is_active": True},
)  # fmt: skip
EVENT_FAMILIES = {"messages": MESSAGE_EVENTS, "templates": ("template.approved", "template.rejected"),
                  "contacts": ("contact.opted_out",)}  # fmt: skip
SUBSCRIBABLE = frozenset(EVENT_FAMILIES) | {e["name"] for e in EVENT_TYPES}

ACTIVITY_TEXT = {
    QUEUED: "Message accepted and queued for processing",
    SCHEDULED: "Message scheduled for later delivery",
    PROCESSED: "Message processed and queued for sending",
    DELIVERED: "Message delivered to recipient",
    READ: "Message read by recipient",
}

#: Failure reasons per channel: ``(reason_code, reason)``.
FAILURE_REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "sms": (
        ("UNDELIVERABLE", "The carrier reported the handset as unreachable"),
        ("CARRIER_REJECTED", "The destination carrier rejected the message"),
        ("INVALID_NUMBER", "The number is not in service"),
        ("BLOCKED", "The message was blocked by a carrier spam filter"),
    ),
    "whatsapp": (
        ("NOT_ON_WHATSAPP", "The recipient does not have a WhatsApp account"),
        ("EXPIRED", "The message expired before it could be delivered"),
        ("ECOSYSTEM_LIMIT", "Meta limited messages to this user to protect the ecosystem"),
        ("UNDELIVERABLE", "WhatsApp could not deliver the message"),
    ),
}
#: Every distinct reason, sorted: a message stores its reason as an index into this.
REASONS: tuple[tuple[str, str], ...] = tuple(sorted({r for rs in FAILURE_REASONS.values() for r in rs}))
REASON_INDEX = {r: i for i, r in enumerate(REASONS)}

#: How a webhook delivery fails for good: (HTTP status, 0 = timeout; error message).
HTTP_FAILURES = ((500, "HTTP 500 Internal Server Error"), (502, "HTTP 502 Bad Gateway"),
                 (503, "HTTP 503 Service Unavailable"), (0, "Timeout"))  # fmt: skip

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def variables(text: str) -> list[str]:
    """The ``{{name}}`` placeholders of a template text, in order of first appearance.

    >>> variables("Hi {{name}}, order {{ order_id }} for {{name}}")
    ['name', 'order_id']
    """
    seen: dict[str, None] = {}
    for name in _VARIABLE.findall(text):
        seen.setdefault(name, None)
    return list(seen)


def render(text: str, values: dict[str, str]) -> str:
    """Fill a template text's placeholders; missing ones stay as written.

    >>> render("Hi {{name}}, use {{code}}", {"name": "Ana"})
    'Hi Ana, use {{code}}'
    """
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
