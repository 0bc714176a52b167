"""The API's JSON shapes of a world's records, built on demand for the page a request asks for.

Every function takes the world's ``Records`` and one record (a row index or a small dataclass)
and returns the dict a route puts in its envelope's ``data``. What is visible depends on the
clock: a status or event shows once its time has come.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from . import _numbers, _pricing
from ._bodies import message_body
from ._generate import MMS_MEDIA
from ._ids import hash_uuid, request_id
from ._records import Records, Template, User, Webhook
from ._vocab import (
    ACTIVITY_TEXT,
    BLOCKED,
    CANCELLED,
    CHANNEL_BIT,
    CHANNEL_LABEL,
    CHANNELS,
    DELIVERED,
    FAILED,
    FILTERED,
    HTTP_FAILURES,
    MESSAGE_EVENTS,
    PRICED,
    QUEUED,
    READ,
    REASONS,
    RECEIVED,
    RESCHEDULED,
    ROUTED,
    SCHEDULE_REASONS,
    SCHEDULED,
    SENT,
    STEP_STATUS,
)

#: Steps that carry the message's reason (on the message, its events and the webhook).
REASONED = (FAILED, FILTERED, BLOCKED)

__all__ = ["activities", "contact", "event", "iso", "message", "message_summary", "template", "timeline", "user",
           "webhook"]


_DAYS: dict[int, str] = {}  # day number since the epoch -> "YYYY-MM-DDT"


def iso(ts: float | None) -> str | None:
    """Epoch seconds as the API's ISO-8601 UTC timestamp; None (or NaN) stays None.

    The same text as ``datetime.fromtimestamp(ts, UTC).isoformat()`` (microseconds rounded half
    to even, left out when zero), written with integer arithmetic and a cache of dates: a page of
    100 messages writes some 800 timestamps.

    >>> iso(0.0), iso(1775649600.25)
    ('1970-01-01T00:00:00+00:00', '2026-04-08T12:00:00.250000+00:00')
    """
    if ts is None or ts != ts:  # None or NaN
        return None
    frac, whole = math.modf(ts)
    micros = round(frac * 1e6)
    seconds = int(whole)
    if micros >= 1_000_000:
        seconds, micros = seconds + 1, micros - 1_000_000
    elif micros < 0:
        seconds, micros = seconds - 1, micros + 1_000_000
    day, second = divmod(seconds, 86400)
    date = _DAYS.get(day)
    if date is None:
        date = _DAYS[day] = datetime.fromtimestamp(day * 86400, tz=UTC).strftime("%Y-%m-%dT")
    hour, rest = divmod(second, 3600)
    minute, sec = divmod(rest, 60)
    if micros:
        return f"{date}{hour:02d}:{minute:02d}:{sec:02d}.{micros:06d}+00:00"
    return f"{date}{hour:02d}:{minute:02d}:{sec:02d}+00:00"


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
        # a real delivery not yet attempted, or not yet finished, has no time yet (``_delivery``)
        attempted = np.nonzero(np.isfinite(ev["started"][:visible]))[0]
        if len(attempted):
            k = attempted[-1]
            last_attempt = float(ev["created"][k] + ev["started"][k])
        done = np.isfinite(ev["completed"][:visible])
        failed = done & (ev["outcome"][:visible] == 2)
        ok = np.nonzero(done & ~failed)[0]
        if len(ok):
            j = ok[-1]
            last_success = float(ev["created"][j] + ev["completed"][j])
        failures = int(failed[ok[-1] + 1 :].sum()) if len(ok) else int(failed.sum())
    return {
        "id": w.id,
        "customer_id": records.scopes[w.scope].id,
        "display_name": w.display_name,
        "endpoint_url": w.endpoint_url,
        "signing_secret": w.secret if secret else None,  # shown once, on create and rotate
        "is_active": w.is_active,
        "event_types": list(w.event_types),
        "event_filters": {k: list(v) for k, v in w.event_filters.items()} if w.event_filters else None,
        "retry_count": w.retry_count,
        "timeout_seconds": w.timeout_seconds,
        "last_delivery_attempt_at": iso(last_attempt),
        "last_successful_delivery_at": iso(last_success),
        "consecutive_failures": failures,
        "created_at": iso(w.created),
        "updated_at": iso(w.updated),
    }


def _reason_fields(index: int) -> dict[str, str]:
    """``{reason_code, reason}`` for a reason index, or nothing: the SDK omits both keys otherwise."""
    if index < 0:
        return {}
    code, text = REASONS[index]
    return {"reason_code": code, "reason": text}


def timeline(records: Records, i: int, now: float, current: list[tuple[float, int]] | None = None
             ) -> list[tuple[float, int, int]]:  # fmt: skip
    """``(timestamp, step, reason index)`` of every step message ``i`` reached by ``now``, oldest
    first: earlier attempts of a resent message, then its current one (``current``: its
    ``visible_steps``, if already known)."""
    reason = int(records.messages.at("reason", i))
    steps = records.visible_steps(i, now) if current is None else current
    out = [(ts, k, reason if k in REASONED else -1) for ts, k in steps]
    prior = records.prior_attempts.get(i)
    return [*prior, *out] if prior else out


def scheduled_at(records: Records, i: int, now: float) -> float | None:
    """The instant a held message is (or was) held for, as it stands at ``now``; None if never held."""
    m = records.messages
    times = m.at("times", i)
    if not times[SCHEDULED] <= now:
        return None
    return float(m.at("release", i) if times[RESCHEDULED] <= now else m.at("sched", i))


def sender_number(records: Records, i: int) -> str:
    """The account number message ``i`` went out from (outbound) or came in to (inbound)."""
    scope = records.scopes[int(records.messages["scope"][i])]
    return scope.whatsapp_number if CHANNELS[int(records.messages["channel"][i])] == "whatsapp" else scope.sms_number


def message_body_fields(records: Records, i: int) -> dict[str, Any]:
    """``message_body`` as the API stores it: every key present, null where the channel has none."""
    tpl = records.template_of(i)
    channel = CHANNELS[int(records.messages.at("channel", i))]
    rich = channel in ("whatsapp", "rcs")
    media = None
    if channel == "mms":
        urls = records.message_media.get(i)
        if urls is None and tpl is not None and tpl.name in MMS_MEDIA:
            url, mime, size = MMS_MEDIA[tpl.name]
            media = [{"url": url, "mediaType": "image", "mimeType": mime, "sizeBytes": size}]
        elif urls:
            media = [{"url": u, "mediaType": None, "mimeType": None, "sizeBytes": None} for u in urls]
    return {
        "header": None,
        "headerMedia": None,
        "content": message_body(records, i),
        "footer": tpl.footer if tpl and rich else None,
        "buttons": [{"type": "QUICK_REPLY", "value": tpl.button, "text": tpl.button, "postbackData": None}]
        if tpl and tpl.button and rich
        else None,
        "media": media,
        "subject": None,
    }


def message(records: Records, i: int, now: float | None = None) -> dict[str, Any]:
    """Message ``i`` as ``GET /v3/messages/{id}`` and the conversation lists show it at ``now``."""
    m = records.messages
    now = records.now_ts() if now is None else now
    current = records.visible_steps(i, now)
    steps = timeline(records, i, now, current)
    last = current[-1][1] if current else QUEUED
    contact = int(m.at("contact", i))
    phone = records.contact_phones[contact]
    tpl = records.template_of(i)
    channel = CHANNELS[int(m.at("channel", i))]
    priced = any(k in PRICED for _, k, _ in steps)
    out: dict[str, Any] = {
        "id": records.message_ids[i],
        "customer_id": records.scopes[int(m.at("scope", i))].id,
        "contact_id": records.contact_ids[contact],
        "phone": phone,
        "phone_international": _numbers.format_international(phone),
        "region_code": records.regions[int(records.contacts.at("region", contact))],
        "template_id": tpl.id if tpl else None,
        "template_name": tpl.name if tpl else None,
        "template_category": tpl.category if tpl else None,
        "channel": channel,
        "direction": "inbound" if int(m.at("direction", i)) else "outbound",
        "message_body": message_body_fields(records, i),
        "status": STEP_STATUS[last],
        "created_at": iso(float(m.at("created", i))),
        "price": round(float(m.at("price", i)), 4) if priced else None,
        "active_contact_price": round(float(m.at("markup", i)), 4) if priced else None,
        **(_reason_fields(int(m.at("reason", i))) if last in REASONED else {}),
        "events": [
            {"status": STEP_STATUS[k], "timestamp": iso(ts), "description": _describe(records, k, channel, r),
             **_reason_fields(r)}
            for ts, k, r in steps
        ],
    }
    held = scheduled_at(records, i, now)
    if held is not None:
        out["scheduled_at"] = iso(held)
    return out


def message_json(records: Records, i: int, now: float) -> bytes:
    """:func:`message` as JSON bytes; cached once the message is settled (every step it will
    ever reach is in the past, so it can no longer change without a cancel or resend, which
    clear the cache)."""
    cached = records.wire_cache.get(i)
    if cached is not None:
        return cached
    encoded = orjson.dumps(message(records, i, now))
    if max(t for t in records.messages.at("times", i).tolist() if t == t) <= now:
        if len(records.wire_cache) >= 200_000:
            records.wire_cache.clear()
        records.wire_cache[i] = encoded
    return encoded


def _describe(records: Records, step: int, channel: str, reason: int) -> str:
    if step == SENT:
        return f"Message sent via {CHANNEL_LABEL.get(channel, channel)}"
    if step in REASONED:
        label = {FAILED: "failed", FILTERED: "filtered", BLOCKED: "blocked"}[step]
        return f"Message {label}: {REASONS[reason][1]}" if reason >= 0 else f"Message {label}"
    return ACTIVITY_TEXT[step]


def activities(records: Records, i: int) -> dict[str, Any]:
    m = records.messages
    now = records.now_ts()
    channel = CHANNELS[int(m["channel"][i])]
    price = _pricing.format_price(round(float(m["price"][i]), 4))
    markup = _pricing.format_price(round(float(m["markup"][i]), 4))
    inbound = bool(m["direction"][i])
    account_number = sender_number(records, i)
    contact_phone = records.contact_phones[int(m["contact"][i])]
    routed = bool(m["times"][i, ROUTED] <= now) or i in records.prior_attempts
    out = []
    for ts, k, reason in reversed(timeline(records, i, now)):  # newest first
        priced = k not in (QUEUED, SCHEDULED, RESCHEDULED)  # the price repeats on every later activity
        activity: dict[str, Any] = {
            "status": STEP_STATUS[k],
            "description": _describe(records, k, channel, reason),
            "timestamp": iso(ts),
            "price": price if priced else None,
            "active_contact_price": markup if priced else None,
            "from": contact_phone if inbound else (account_number if routed and k >= ROUTED and k not in (BLOCKED, FILTERED, CANCELLED) else None),
            **_reason_fields(reason),
        }
        if k in (SCHEDULED, RESCHEDULED, CANCELLED):
            activity["scheduled_at"] = iso(_held_for(records, i, k))
        out.append(activity)
    return {"message_id": records.message_ids[i], "activities": out}


def _held_for(records: Records, i: int, step: int) -> float:
    """scheduled_at as it stood at ``step``: asked for, moved by quiet hours, or called off."""
    m = records.messages
    if step == SCHEDULED:
        return float(m["sched"][i])
    if step == RESCHEDULED:
        return float(m["release"][i])
    return float(m["release"][i] if m["times"][i, RESCHEDULED] <= m["times"][i, CANCELLED] else m["sched"][i])


def message_summary(records: Records, scope: int, contact: int, now: float | None = None) -> dict[str, Any]:
    """``GET /v3/contacts/{id}/message-summary``: counts, time bounds and scores per channel of the
    messages ``scope`` exchanged with ``contact`` that exist by ``now``."""
    m = records.messages
    now = records.now_ts() if now is None else now
    rows = [int(r) for r in records.scope_messages(scope, contact) if m["created"][r] <= now]
    per_channel: dict[str, list[int]] = {}
    for r in rows:
        steps = records.visible_steps(r, now)
        last = steps[-1][1] if steps else QUEUED
        counts = per_channel.setdefault(CHANNELS[int(m["channel"][r])], [0, 0, 0])
        counts[0] += 1
        counts[1] += last in (SENT, DELIVERED, READ, RECEIVED)
        counts[2] += last == FAILED
    created = [float(m["created"][r]) for r in rows]
    return {
        "contact_id": records.contact_ids[contact],
        "message_count": len(rows),
        "first_message_at": iso(min(created)) if created else None,
        "last_message_at": iso(max(created)) if created else None,
        "channels_used": sorted(per_channel),
        "channel_scores": [
            {"channel": ch, "success_score": round(100 * ok / n), "fail_score": round(100 * bad / n)}
            for ch, (n, ok, bad) in sorted(per_channel.items())
        ],
    }


def event(records: Records, w: Webhook, j: int, now: float | None = None) -> dict[str, Any]:
    """Row ``j`` of ``w``'s (sorted) event log, as ``GET /v3/webhooks/{id}/events`` shows it."""
    ev = w.events
    now = records.now_ts() if now is None else now
    created = float(ev["created"][j])
    step = int(ev["step"][j])
    serial = int(ev["serial"][j])
    started = created + float(ev["started"][j])
    completed = created + float(ev["completed"][j])
    if bool(ev["degenerate"][j]):
        data: dict[str, Any] = {"valueKind": "Undefined"}
    else:
        data = {
            "field": "message",
            "event": MESSAGE_EVENTS[step],
            "timestamp": iso(created),
            "request_id": request_id(records.seed, "event", serial),
            "payload": _event_payload(records, w, j),
        }
    done = completed <= now
    outcome = int(ev["outcome"][j])
    http = int(ev["http"][j])
    failed = done and outcome == 2
    error = response_body = None
    live = int(ev["live"][j])
    if live:  # delivered for real: what the endpoint answered (``_delivery``)
        done = live == 2  # settled when its last attempt ended (stored as float32 seconds: no ``<= now``)
        failed = done and outcome == 2
        error, response_body = w.live_notes.get(serial, (None, None))
        attempts = int(ev["attempts"][j])
        return {
            "id": hash_uuid(records.seed, "event", serial),
            "event_type": MESSAGE_EVENTS[step],
            "event_data": data,
            "delivery_status": ("failed" if failed else "delivered") if done else "pending",
            "http_status_code": (http or None) if attempts else None,
            "response_body": response_body,
            "delivery_attempts": attempts,
            "error_message": error,
            "created_at": iso(created),
            "processing_started_at": iso(started) if attempts else None,
            "processing_completed_at": iso(completed) if done else None,
        }
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
        "response_body": response_body,
        "delivery_attempts": int(ev["attempts"][j]) if done else int(started <= now),
        "error_message": error,
        "created_at": iso(created),
        "processing_started_at": iso(started) if started <= now else None,
        "processing_completed_at": iso(completed) if done else None,
    }


def _event_payload(records: Records, w: Webhook, j: int) -> dict[str, Any]:
    ev = w.events
    m = records.messages
    i = int(ev["msg"][j])
    step = int(ev["step"][j])
    at = iso(float(ev["at"][j]))
    channel = CHANNELS[int(m["channel"][i])]
    account = records.scopes[int(m["scope"][i])].id
    phone = records.contact_phones[int(m["contact"][i])]
    if step == RECEIVED:  # the SDK's InboundMessageEventPayload
        return {"message_id": records.message_ids[i], "inbound_number": phone,
                "outbound_number": sender_number(records, i), "received_at": at, "updated_at": at,
                "account_id": account, "channel": channel, "text": message_body(records, i)}  # fmt: skip
    tpl = records.template_of(i)
    payload: dict[str, Any] = {
        "message_id": records.message_ids[i],
        "message_status": STEP_STATUS[step],
        "channel": channel,
        "template_id": tpl.id if tpl else None,
        "outbound_number": phone,
        "updated_at": at,
        "account_id": account,
        "body": message_body(records, i),
        **_reason_fields(int(ev["reason"][j])),
    }
    if tpl is not None:
        payload["template_name"] = tpl.name
    if step in (SCHEDULED, RESCHEDULED, CANCELLED):
        payload["scheduled_at"] = iso(float(ev["sched"][j]))
        if step != CANCELLED:
            payload["schedule_reason"] = SCHEDULE_REASONS[step]
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
