"""The Sent API's fixed vocabulary as the simulator uses it: statuses, channels, event types, reasons.

Everything here is a constant (or a pure function of a message's text): the records, the wire
shapes and the routes all speak these names. The status and reason vocabulary is the official
SDK's (sentdm 0.46); the reason codes' numbering is the simulator's own where the SDK names no
code (see :data:`REASON_CODES`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from sentlab import _statuses as statuses

from . import _pricing

__all__ = [
    "CHANNELS",
    "EVENT_TYPES",
    "MESSAGE_EVENTS",
    "REASON_CODES",
    "STATUSES",
    "STEPS",
    "SUBSCRIBABLE",
    "render",
    "segments",
    "variables",
]

#: A message's lifecycle steps, in the order it can pass them; each has one timestamp column.
#: A message's status at a time is the wire status of the latest step it reached by then.
#: The steps are the statuses' lifecycle (``sentlab._statuses``) but ACCEPTED, which the simulator
#: never shows, and with RESCHEDULED: the second ``SCHEDULED`` of a send that quiet hours moved at
#: release.
STEPS = tuple(step for status in statuses.LIFECYCLE if status != statuses.ACCEPTED
              for step in ((status, "RESCHEDULED") if status == statuses.SCHEDULED else (status,)))  # fmt: skip
(QUEUED, SCHEDULED, RESCHEDULED, PROCESSED, ROUTED, SENT, DELIVERED, READ,
 FAILED, FILTERED, BLOCKED, CANCELLED, RECEIVED) = range(len(STEPS))  # fmt: skip
#: The status each step shows on the wire.
STEP_STATUS = tuple("SCHEDULED" if s == "RESCHEDULED" else s for s in STEPS)
#: Every status the API reports (outbound and inbound), in lifecycle order.
STATUSES = tuple(dict.fromkeys(STEP_STATUS))
#: Steps after which a message is finished (a resend may follow): the final statuses, and
#: DELIVERED (a READ may still come, but the send itself is over).
TERMINAL = frozenset(STEPS.index(s) for s in (*statuses.FINAL, statuses.DELIVERED))
#: Steps at which a message is never billed: price and active_contact_price are 0.
UNBILLED = frozenset(STEPS.index(s) for s in statuses.NEVER_BILLED)
#: From these steps on, a message shows its price (before them, price is null).
PRICED = frozenset({PROCESSED, ROUTED, SENT, DELIVERED, READ, FAILED} | UNBILLED)

CHANNELS: tuple[str, ...] = tuple(_pricing.CHANNELS)
CHANNEL_LABEL = {"sms": "SMS", "whatsapp": "WhatsApp", "rcs": "RCS", "mms": "MMS"}
#: A contact's reachable channels are stored as bits. MMS rides on SMS numbers in markets whose
#: carriers take MMS, so a contact has it when it has SMS in such a market.
CHANNEL_BIT = {"sms": 1, "whatsapp": 2, "rcs": 4, "mms": 8}
#: Channels that report READ.
READ_CHANNELS = frozenset({"whatsapp", "rcs"})

#: Message event names, one per step (``message.<status>``).
MESSAGE_EVENTS = tuple(f"message.{s.lower()}" for s in STEP_STATUS)


_EVENT_TEXT: dict[str, tuple[str, str]] = {
    **{f"message.{s.lower()}": (f"Message {s.capitalize()}", f"a message's status becomes {s}")
       for s in STATUSES if s != "RECEIVED"},
    "message.received": ("Message Received", "a contact messages one of your numbers"),
    "template.approved": ("Template Approved", "a template is approved"),
    "template.rejected": ("Template Rejected", "a template is rejected"),
    "template.paused": ("Template Paused", "a template is paused for low quality"),
    "contact.opt_in": ("Contact Opted In", "a contact opts in to messaging"),
    "contact.opt_out": ("Contact Opted Out", "a contact opts out of messaging"),
    "contact.opted_out": ("Contact Opted Out", "a contact opts out of messaging (2024 name)"),
    "contact.help": ("Contact Asked For Help", "a contact sends a help keyword"),
    "channel.updated": ("Channel Updated", "one of your markets moves in provisioning or compliance"),
    "link.clicked": ("Link Clicked", "a tracked link is clicked"),
}  # fmt: skip

#: Event families and their events. ``message``/``templates``/``contact`` are the SDK's family
#: names; ``messages``/``contacts`` the 2024 docs'. A subscription may name a family or an event.
EVENT_FAMILIES: dict[str, tuple[str, ...]] = {
    "message": tuple(dict.fromkeys(MESSAGE_EVENTS)),
    "templates": ("template.approved", "template.rejected", "template.paused"),
    "contact": ("contact.opt_in", "contact.opt_out", "contact.help"),
    "channel": ("channel.updated",),
    "link": ("link.clicked",),
}
FAMILY_ALIASES = {"messages": "message", "contacts": "contact", "template": "templates"}
_FAMILY_LABEL = {"message": "Messages", "templates": "Templates", "contact": "Contacts",
                 "channel": "Channels", "link": "Links"}  # fmt: skip

#: ``GET /v3/webhooks/event-types``: one entry per family with its ``sub_types`` (the SDK's
#: ``WebhookEventType``), each entry also carrying the docs' ``{name, display_name,
#: description, is_active}``.
EVENT_TYPES: tuple[dict[str, Any], ...] = tuple(
    {
        "name": family,
        "display_name": _FAMILY_LABEL[family],
        "description": f"Every {_FAMILY_LABEL[family].lower()[:-1]} event",
        "is_active": True,
        "event_type": family,
        "sub_types": [
            {"name": name, "display_name": _EVENT_TEXT[name][0],
             "description": f"Triggered when {_EVENT_TEXT[name][1]}", "is_active": True, "event_type": family}
            for name in names
        ],
    }
    for family, names in EVENT_FAMILIES.items()
)
#: Every name a subscription (``event_types``) or a filter may use.
SUBSCRIBABLE = frozenset(EVENT_FAMILIES) | frozenset(FAMILY_ALIASES) | frozenset(
    name for names in EVENT_FAMILIES.values() for name in names
) | {"contact.opted_out"}


def family_of(name: str) -> str | None:
    """The family an event or family name belongs to (aliases resolved).

    >>> family_of("messages"), family_of("message.read"), family_of("contact.opt_out")
    ('message', 'message', 'contact')
    """
    name = FAMILY_ALIASES.get(name, name)
    if name in EVENT_FAMILIES:
        return name
    for family, names in EVENT_FAMILIES.items():
        if name in names:
            return family
    return "contact" if name == "contact.opted_out" else None


def subscribed_events(event_types: list[str], event_filters: dict[str, list[str]] | None) -> set[str]:
    """The event names a webhook receives: its families and events, narrowed by ``event_filters``.

    ``event_filters`` maps a family to the events of it the webhook wants.

    >>> sorted(subscribed_events(["message"], {"message": ["message.read", "message.failed"]}))
    ['message.failed', 'message.read']
    >>> "message.sent" in subscribed_events(["messages"], None)
    True
    """
    names: set[str] = set()
    for t in event_types:
        t = FAMILY_ALIASES.get(t, t)
        names.update(EVENT_FAMILIES.get(t, (t,)))
    for family, wanted in (event_filters or {}).items():
        family = FAMILY_ALIASES.get(family, family)
        keep = set(wanted)
        names = {n for n in names if family_of(n) != family or n in keep}
    return names


ACTIVITY_TEXT = {
    QUEUED: "Message accepted and queued for processing",
    SCHEDULED: "Message scheduled for later delivery",
    RESCHEDULED: "Message moved out of the recipient's quiet hours",
    PROCESSED: "Message processed and queued for sending",
    ROUTED: "Message routed to a sending number",
    DELIVERED: "Message delivered to recipient",
    READ: "Message read by recipient",
    CANCELLED: "Scheduled message cancelled",
    RECEIVED: "Message received from contact",
}

#: Why a message reached FAILED, FILTERED or BLOCKED: code -> (step, meaning). The codes are
#: the platform's (``DELIVERY_0xx`` for what happened on the way to the handset, ``BUSINESS_0xx``
#: for an account precondition). BUSINESS_003/004/005/007/029 and DELIVERY_007 are the codes the
#: SDK and the error catalogue name with these meanings; the other numbers are the simulator's
#: own (the SDK documents the families, not the table).
REASON_CODES: dict[str, tuple[int, str]] = {
    "DELIVERY_001": (FAILED, "The recipient's handset could not be reached"),
    "DELIVERY_002": (FAILED, "The destination carrier rejected the message"),
    "DELIVERY_003": (FAILED, "The number is not in service"),
    "DELIVERY_004": (FAILED, "The message expired before it could be delivered"),
    "DELIVERY_005": (FAILED, "A carrier spam filter blocked the message"),
    "DELIVERY_006": (FAILED, "Meta limited messages to this user to protect the ecosystem"),
    "DELIVERY_007": (FAILED, "The recipient is not registered on this channel"),
    "DELIVERY_008": (FAILED, "The carrier could not fetch the message's media"),
    "DELIVERY_011": (FILTERED, "Duplicate of a message sent to this recipient moments ago"),
    "DELIVERY_012": (FILTERED, "The content was flagged by the platform's content filter"),
    "BUSINESS_003": (BLOCKED, "Insufficient balance"),
    "BUSINESS_004": (FILTERED, "The contact has opted out of messaging"),
    "BUSINESS_005": (BLOCKED, "The template is not approved for sending"),
    "BUSINESS_007": (FAILED, "The channel is not available for this contact"),
    "BUSINESS_029": (BLOCKED, "The sending number is not an active sender on this account"),
    "BUSINESS_030": (BLOCKED, "No active 10DLC campaign covers US SMS from this sender"),
    "BUSINESS_031": (BLOCKED, "Free-form WhatsApp message outside an open conversation window"),
}
#: Every reason, in a fixed order: a message stores its reason as an index into this.
REASONS: tuple[tuple[str, str], ...] = tuple((code, text) for code, (_, text) in REASON_CODES.items())
REASON_INDEX = {code: i for i, (code, _) in enumerate(REASONS)}

#: Delivery failures per channel, drawn for messages that FAILED: reason codes.
FAILURE_REASONS: dict[str, tuple[str, ...]] = {
    "sms": ("DELIVERY_001", "DELIVERY_002", "DELIVERY_003", "DELIVERY_005"),
    "whatsapp": ("DELIVERY_007", "DELIVERY_004", "DELIVERY_006", "DELIVERY_001"),
    "rcs": ("DELIVERY_007", "DELIVERY_004", "DELIVERY_001"),
    "mms": ("DELIVERY_008", "DELIVERY_002", "DELIVERY_003", "DELIVERY_001"),
}

#: Why a scheduled message was held (``schedule_reason`` on ``message.scheduled``).
SCHEDULE_REASONS = {SCHEDULED: "scheduled", RESCHEDULED: "quiet_hours"}

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


# GSM 03.38: the basic character set, and the extension table whose characters take two septets.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_units(text: str) -> tuple[int, bool]:
    """``(length in encoding units, is GSM-7)`` of an SMS text: septets, or UTF-16 code units.

    >>> sms_units("Hi [you]"), sms_units("Olá")
    ((10, True), (3, False))
    """
    if all(c in _GSM_BASIC or c in _GSM_EXTENSION for c in text):
        return sum(2 if c in _GSM_EXTENSION else 1 for c in text), True
    return len(text.encode("utf-16-le")) // 2, False


def segment_count(units: int, gsm7: bool) -> int:
    """Segments of an SMS of ``units`` encoding units: 160/153 septets (GSM-7), 70/67 (UCS-2).

    >>> segment_count(160, True), segment_count(161, True), segment_count(71, False)
    (1, 2, 2)
    """
    single, part = (160, 153) if gsm7 else (70, 67)
    return 1 if units <= single else math.ceil(units / part)


def segments(text: str) -> int:
    """How many SMS segments ``text`` is billed as.

    >>> segments("x" * 160), segments("x" * 161), segments("Olá " * 20)
    (1, 2, 2)
    """
    return segment_count(*sms_units(text))
