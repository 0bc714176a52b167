"""The API's JSON shapes of a world's records, built on demand for the page a request asks for.

Every function takes the world's ``Records`` and one record (a row index or a small dataclass)
and returns the dict a route puts in its envelope's ``data``. What is visible depends on the
clock: a status or event shows once its time has come.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import _numbers, _pricing
from ._generate import message_body
from ._ids import hash_uuid, request_id
from ._records import Records, Template, User, Webhook
from ._vocab import (
    ACTIVITY_TEXT,
    CHANNEL_BIT,
    CHANNEL_LABEL,
    CHANNELS,
    FAILED,
    HTTP_FAILURES,
    MESSAGE_EVENTS,
    PRICED_FROM,
    QUEUED,
    SCHEDULED,
    SENT,
    STATUSES,
)

__all__ = ["activities", "contact", "event", "iso", "message", "template", "user", "webhook"]


def iso(ts: float | None) -> str | None:
    """Epoch seconds as the API's ISO-8601 UTC timestamp; None (or NaN) stays None.

    >>> iso(0.0)
    '1970-01-01T00:00:00+00:00'
    """
    if ts is None or ts != ts:  # None or NaN
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def contact(records: Records, i: int, viewer: int) -> dict[str, Any]:
    c = records.contacts
    owner = int(c["scope"][i])
    bits = int(c["channels"][i])
    formats = _numbers.number_formats(records.contact_phones[i])
    return {
        "id": records.contact_ids[i],
        **formats,
        "region_code": formats.get("region_code") or records.regions[int(c["region"][i])],
        "available_channels": ",".join(ch for ch in CHANNELS if bits & CHANNEL_BIT.get(ch, 0)),
        "default_channel": CHANNELS[int(c["default"][i])],
        "opt_out": bool(c["opt_out"][i]),
        "is_inherited": owner != viewer,
        "customer_id": records.scopes[owner].id,
        "created_at": iso(float(c["created"][i])),
        "updated_at": iso(float(c["updated"][i])),
    }


def template(records: Records, t: Template) -> dict[str, Any]:
    return {
        "id": t.id,
        "customer_id": records.scopes[t.scope].id,
        "name": t.name,
        "category": t.category,
        "language": t.language,
        "status": t.status,
        "channels": list(t.channels),
        "variables": list(t.variables),
        "created_at": iso(t.created),
        "updated_at": iso(t.updated),
        "is_published": t.is_published,
    }


def webhook(records: Records, w: Webhook, *, secret: bool = False) -> dict[str, Any]:
    now = records.now_ts()
    ev = records.sorted_events(w)
    visible = records.visible_event_count(w, now)
    last_attempt = last_success = None
    failures = 0
    if visible:
        last_attempt = float(ev["created"][visible - 1] + ev["started"][visible - 1])
        outcome = ev["outcome"][:visible]
        ok = np.nonzero(outcome != 2)[0]
        if len(ok):
            j = ok[-1]
            last_success = float(ev["created"][j] + ev["completed"][j])
        failures = int(visible - 1 - ok[-1]) if len(ok) else visible
    return {
        "id": w.id,
        "customer_id": records.scopes[w.scope].id,
        "display_name": w.display_name,
        "endpoint_url": w.endpoint_url,
        "signing_secret": w.secret if secret else None,  # shown once, on create and rotate
        "is_active": w.is_active,
        "event_types": list(w.event_types),
        "retry_count": w.retry_count,
        "timeout_seconds": w.timeout_seconds,
        "last_delivery_attempt_at": iso(last_attempt),
        "last_successful_delivery_at": iso(last_success),
        "consecutive_failures": failures,
        "created_at": iso(w.created),
        "updated_at": iso(w.updated),
    }


def message(records: Records, i: int) -> dict[str, Any]:
    m = records.messages
    now = records.now_ts()
    steps = records.visible_steps(i, now)
    status = STATUSES[steps[-1][1]] if steps else "QUEUED"
    contact = int(m["contact"][i])
    phone = records.contact_phones[contact]
    formats = _numbers.number_formats(phone)
    tpl = records.template_of(i)
    channel = CHANNELS[int(m["channel"][i])]
    priced = any(k >= PRICED_FROM for _, k in steps)
    reason = records.reason(i) if status == "FAILED" else None
    events = []
    for ts, k in steps:
        event = {"status": STATUSES[k], "timestamp": iso(ts), "description": _describe(records, k, channel, i)}
        if k == FAILED and reason:
            event["reason_code"], event["reason"] = reason
        events.append(event)
    return {
        "id": records.message_ids[i],
        "customer_id": records.scopes[int(m["scope"][i])].id,
        "contact_id": records.contact_ids[contact],
        "phone": phone,
        "phone_international": formats.get("format_international"),
        "region_code": formats.get("region_code") or records.regions[int(records.contacts["region"][contact])],
        "template_id": tpl.id if tpl else None,
        "template_name": tpl.name if tpl else None,
        "template_category": tpl.category if tpl else None,
        "channel": channel,
        "direction": "outbound",
        "message_body": {
            "header": None,
            "content": message_body(records, i),
            "footer": tpl.footer if tpl and channel == "whatsapp" else None,
            "buttons": [{"type": "QUICK_REPLY", "value": tpl.button}]
            if tpl and tpl.button and channel == "whatsapp"
            else None,
        },
        "status": status,
        "created_at": iso(float(m["created"][i])),
        "price": round(float(m["price"][i]), 4) if priced else None,
        "active_contact_price": round(float(m["markup"][i]), 4) if priced else None,
        "reason_code": reason[0] if reason else None,
        "reason": reason[1] if reason else None,
        "events": events,
    }


def _describe(records: Records, step: int, channel: str, i: int) -> str:
    if step == SENT:
        return f"Message sent via {CHANNEL_LABEL.get(channel, channel)}"
    if step == FAILED:
        reason = records.reason(i)
        return f"Message failed: {reason[1]}" if reason else "Message failed"
    return ACTIVITY_TEXT[step]


def activities(records: Records, i: int) -> dict[str, Any]:
    m = records.messages
    channel = CHANNELS[int(m["channel"][i])]
    price = _pricing.format_price(round(float(m["price"][i]), 4))
    markup = _pricing.format_price(round(float(m["markup"][i]), 4))
    reason = records.reason(i)
    activities = []
    for ts, k in reversed(records.visible_steps(i, records.now_ts())):  # newest first
        priced = k not in (QUEUED, SCHEDULED)  # the price repeats on every later activity
        activity: dict[str, Any] = {
            "status": STATUSES[k],
            "description": _describe(records, k, channel, i),
            "timestamp": iso(ts),
            "price": price if priced else None,
            "active_contact_price": markup if priced else None,
        }
        if k == FAILED and reason:
            activity["reason_code"], activity["reason"] = reason
        activities.append(activity)
    return {"message_id": records.message_ids[i], "activities": activities}


def event(records: Records, w: Webhook, j: int, now: float | None = None) -> dict[str, Any]:
    """Row ``j`` of ``w``'s (sorted) event log, as ``GET /v3/webhooks/{id}/events`` shows it."""
    ev = w.events
    now = records.now_ts() if now is None else now
    created = float(ev["created"][j])
    i = int(ev["msg"][j])
    step = int(ev["step"][j])
    serial = int(ev["serial"][j])
    started = created + float(ev["started"][j])
    completed = created + float(ev["completed"][j])
    if bool(ev["degenerate"][j]):
        data: dict[str, Any] = {"valueKind": "Undefined"}
    else:
        data = {
            "field": "messages",
            "event": MESSAGE_EVENTS[step],
            "timestamp": iso(created),
            "request_id": request_id(records.seed, "event", serial),
            "payload": _event_payload(records, i, step),
        }
    done = completed <= now
    outcome = int(ev["outcome"][j])
    http = int(ev["http"][j])
    failed = done and outcome == 2
    error = None
    if failed:
        error = next(text for code, text in HTTP_FAILURES if code == http)
        if http == 0:
            error = f"Timeout after {w.timeout_seconds}s"
    return {
        "id": hash_uuid(records.seed, "event", serial),
        "event_type": MESSAGE_EVENTS[step],
        "event_data": data,
        "delivery_status": ("failed" if failed else "delivered") if done else "pending",
        "http_status_code": (http or None) if done else None,
        "response_body": None,
        "delivery_attempts": int(ev["attempts"][j]) if done else int(started <= now),
        "error_message": error,
        "created_at": iso(created),
        "processing_started_at": iso(started) if started <= now else None,
        "processing_completed_at": iso(completed) if done else None,
    }


def _event_payload(records: Records, i: int, step: int) -> dict[str, Any]:
    m = records.messages
    tpl = records.template_of(i)
    payload: dict[str, Any] = {
        "message_id": records.message_ids[i],
        "message_status": STATUSES[step],
        "channel": CHANNELS[int(m["channel"][i])],
        "template_id": tpl.id if tpl else None,
        "template_name": tpl.name if tpl else None,
        "outbound_number": records.contact_phones[int(m["contact"][i])],
        "updated_at": iso(float(m["times"][i, step])),
        "account_id": records.scopes[int(m["scope"][i])].id,
        "body": message_body(records, i),
    }
    if step == FAILED:
        reason = records.reason(i)
        if reason:
            payload["reason_code"], payload["reason"] = reason
    return payload


def user(records: Records, u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "customer_id": records.scopes[u.scope].id,
        "email": u.email,
        "name": u.name,
        "role": u.role,
        "status": u.status,
        "invited_at": iso(u.invited),
        "last_login_at": iso(u.last_login),
        "created_at": iso(u.created),
        "updated_at": iso(u.updated),
    }
