"""The voice routes: calls, participants, recordings, voice tokens and voice numbers (``/v3/channels/voice``).

Each handler validates, reads or changes the world's ``records.voice`` (``_voice``) and wraps the
envelope. Calls, numbers and tokens belong to the caller's scope (organization or profile); a
call is visible once it started. Error codes not in the 2024 catalogue are the constants below.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import ipaddress
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from starlette.responses import Response

from sentlab._phone import is_valid_number

from . import _numbers
from . import _validation as v
from ._envelope import ApiError, ok
from ._handler import Call, RouteSpec, pagination, sandboxed
from ._ids import hash_uuid, uuid_from_int
from ._voice import CALL_STATUSES, DIRECTIONS, INITIATED, KINDS, NUMBER, USER, Voice, VoiceNumber
from ._voice_draw import dial_leg
from ._voice_pricing import APP_RATE, outbound_rate
from ._voice_wire import call, calls, participant, recordings, voice_number, voice_token
from ._wire import iso

__all__ = ["ROUTES"]

CALL_NOT_FOUND = "RESOURCE_015"  # no catalogue code for calls; the next free RESOURCE_ number
NUMBER_NOT_FOUND = "RESOURCE_013"  # the catalogue's "Phone number not found or invalid"
STATE_CONFLICT = "CONFLICT_002"  # 409: the call or number is not in a state that allows it

_IDENTITY = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_AREA_CODE = re.compile(r"^[2-9]\d{2}$")
_OFFSET_SPACE = re.compile(r" (\d{2}:?\d{2})$")  # a '+' offset decoded as a space in a query string
_DEFAULT_TTL, _MAX_TTL = 600, 3600
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_TEST_CALLER = "+14155550123"  # the caller of a test question (a reserved-looking US number)


def _voice(c: Call) -> Voice:
    return c.records.voice


def _invalid(field: str, problem: str, message: str = "Request validation failed") -> ApiError:
    return ApiError(400, "VALIDATION_001", message, {field: [problem]})


def _required(field: str) -> ApiError:
    return v.bad("VALIDATION_004", "Required field is missing", field, f"{field} is required")


def _conflict(message: str) -> ApiError:
    return ApiError(409, STATE_CONFLICT, message)


# ---------------------------------------------------------------------------------------------
# calls
# ---------------------------------------------------------------------------------------------


def _call_row(c: Call, name: str = "id") -> int:
    """The row of the call in path parameter ``name``, if the caller's scope holds it and it started."""
    call_id = v.uuid_param(c.path(name), name)
    voice = _voice(c)
    i = voice.call_by_id.get(call_id)
    if i is None or int(voice.calls["scope"][i]) != c.scope or voice.calls["times"][i][INITIATED] > c.records.now_ts():
        raise ApiError(404, CALL_NOT_FOUND, "Call not found")
    return i


def _instant(c: Call, field: str) -> int | None:
    """An ISO 8601 instant from the query (naive = UTC), as epoch microseconds; 400 VALIDATION_001 otherwise."""
    raw = c.query.get(field)
    if raw is None or raw.strip() == "":
        return None
    text = _OFFSET_SPACE.sub(r"+\1", raw.strip())
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(field, f"'{raw}' is not an ISO 8601 date-time (e.g. 2026-04-08T12:00:00Z)") from None
    return ((when if when.tzinfo else when.replace(tzinfo=UTC)) - _EPOCH) // _MICROSECOND


def list_calls(c: Call) -> Response:
    page, page_size = v.page_params(c.query)
    q = c.query
    direction = q.get("direction") or None
    if direction is not None:
        direction = v.one_of(direction.strip().lower(), DIRECTIONS, "direction")
    status = q.get("status") or None
    if status is not None:
        status = v.one_of(status.strip().lower(), [s.lower() for s in CALL_STATUSES], "status")
    number = q.get("number") or None
    if number is not None:
        number = v.e164(number, "number")
    since, until = _instant(c, "from"), _instant(c, "to")
    if since is not None and until is not None and since > until:
        raise _invalid("from", "from must not be after to")
    voice, now = _voice(c), c.records.now_ts()
    rows, started, micros = voice.scope_index(c.scope)
    hi = int(np.searchsorted(started, now, side="right"))
    if until is not None:  # inclusive, at the microseconds the API shows
        hi = min(hi, int(np.searchsorted(micros, until, side="right")))
    lo = int(np.searchsorted(micros, since, side="left")) if since is not None else 0
    matched = rows[lo:hi][::-1]  # newest first
    table = voice.calls
    if direction is not None:
        matched = matched[table["direction"][matched] == DIRECTIONS.index(direction)]
    if number is not None:
        owned = [k for k, n in enumerate(voice.numbers) if n.scope == c.scope and n.number == number]
        matched = matched[np.isin(table["number"][matched], owned)]
    if status is not None and len(matched):
        matched = matched[voice.status_at(matched, now) == CALL_STATUSES.index(status.upper())]
    start = (page - 1) * page_size
    data = calls(voice, matched[start : start + page_size], now)
    return ok(c.request, {"calls": data, "pagination": pagination(page, page_size, len(matched))})


def get_call(c: Call) -> Response:
    return ok(c.request, call(_voice(c), _call_row(c), c.records.now_ts(), timeline=True))


def _live_phone_call(c: Call) -> int:
    i = _call_row(c)
    voice = _voice(c)
    if not voice.is_live(i, c.records.now_ts()):
        raise _conflict("The call has already ended")
    if not voice.has_phone_leg(i):
        raise _conflict("The call has no phone leg (a call between app users)")
    return i


def hangup_call(c: Call) -> Response:
    i = _live_phone_call(c)
    if not c.sandbox:
        _voice(c).end_call(i, c.records.now_ts())
    return sandboxed(c, None, 204)


def record_call(c: Call) -> Response:
    action = c.body.get("action")
    if action is None or action == "":
        raise _required("action")
    action = v.one_of(action, ("start", "stop"), "action")
    i = _live_phone_call(c)
    if not c.sandbox:  # starting while recording, or stopping while not, changes nothing
        voice, now = _voice(c), c.records.now_ts()
        voice.start_recording(i, now) if action == "start" else voice.stop_recording(i, now)
    return sandboxed(c, None, 204)


def list_call_recordings(c: Call) -> Response:
    return ok(c.request, recordings(_voice(c), _call_row(c), c.records.now_ts()))


# ---------------------------------------------------------------------------------------------
# participants
# ---------------------------------------------------------------------------------------------


def _room(c: Call) -> int:
    """The conference call whose room the live call in the path is in; 409 if ended or not in one."""
    i = _call_row(c)
    voice, now = _voice(c), c.records.now_ts()
    if not voice.is_live(i, now):
        raise _conflict("The call has already ended")
    root = voice.room_of(i)
    if root is None:
        raise _conflict("The call is not in a conference")
    if not voice.is_live(root, now):
        raise _conflict("The conference has ended")
    return root


def _member(c: Call, root: int) -> int:
    participant_id = v.uuid_param(c.path("participant_id"), "participant_id")
    voice = _voice(c)
    j = voice.call_by_id.get(participant_id)
    if j is None or j not in voice.room_members(root, c.records.now_ts()):
        raise ApiError(404, CALL_NOT_FOUND, "Participant not found in this call's room")
    return j


def list_participants(c: Call) -> Response:
    voice, now = _voice(c), c.records.now_ts()
    root = _room(c)
    return ok(c.request, [participant(voice, j, now) for j in voice.room_members(root, now)])


def _target(body: dict[str, Any]) -> tuple[int, str]:
    to = body.get("to")
    if to is None:
        raise _required("to")
    if not isinstance(to, dict):
        raise _invalid("to", "to must be an object with kind and value")
    kind = to.get("kind")
    if kind is None:
        raise _required("to.kind")
    kind = v.one_of(kind, ("user", "number"), "to.kind")
    value = to.get("value")
    if value is None or value == "":
        raise _required("to.value")
    if kind == "number":
        return NUMBER, v.e164(value, "to.value")
    if not isinstance(value, str) or not _IDENTITY.match(value):
        raise _invalid("to.value", "An app user's identity: letters, digits, hyphens and underscores, up to 200")
    return USER, value


def add_participant(c: Call) -> Response:
    v.uuid_param(c.path("id"), "id")
    kind, value = _target(c.body)
    caller_id = c.body.get("caller_id")
    voice = _voice(c)
    caller: int | None = None
    if caller_id is not None:
        caller_id = v.e164(caller_id, "caller_id")
        owned = voice.number_of(c.scope, caller_id)
        if owned is None or owned.status != "ACTIVE":
            raise _invalid("caller_id", "caller_id must be one of your active voice numbers")
        caller = voice.numbers.index(owned)
    root = _room(c)  # a call connected to a user or a number is not in a room: 409
    now = c.records.now_ts()
    number = caller if caller is not None else int(voice.calls["number"][root])
    if kind == NUMBER:
        region_code = _numbers.number_formats(value).get("region_code")
        region = c.records.region_idx(region_code) if region_code else -1
        rate = outbound_rate(region_code)
    else:
        region, rate = -1, APP_RATE
    if c.sandbox:
        data = _would_be_leg(voice, root, kind, value, number, now)
    else:
        row = dial_leg(voice, root, kind, value, number, rate, region, now)
        data = call(voice, row, now, timeline=True)
    return sandboxed(c, data, 201)


def _would_be_leg(voice: Voice, root: int, kind: int, value: str, number: int, now: float) -> dict[str, Any]:
    """What a sandboxed add answers: the participant's call as it would read, under an id never stored."""
    return {
        "id": hash_uuid(voice.seed, "sandbox-leg", voice.call_ids[root], now, value),
        "direction": "outbound", "mode": "inapp", "number": voice.numbers[number].number,
        "from": {"kind": "conference", "value": voice.to_values[root]}, "to": {"kind": KINDS[kind], "value": value},
        "status": "INITIATED", "failure_reason": None, "started_at": iso(now), "answered_at": None,
        "ended_at": None, "duration_seconds": None, "price": None, "recording_available": False,
        "timeline": [{"status": "INITIATED", "timestamp": iso(now)}],
    }  # fmt: skip


def update_participant(c: Call) -> Response:
    v.uuid_param(c.path("id"), "id")
    v.uuid_param(c.path("participant_id"), "participant_id")
    muted = v.optional_bool(c.body, "muted")
    if muted is None:
        raise _required("muted")
    j = _member(c, _room(c))
    if not c.sandbox:  # muting the muted, or unmuting the unmuted, succeeds too
        _voice(c).calls["muted"][j] = muted
    return sandboxed(c, None, 204)


def remove_participant(c: Call) -> Response:
    j = _member(c, _room(c))
    if not c.sandbox:
        _voice(c).end_call(j, c.records.now_ts())
    return sandboxed(c, None, 204)


def remove_all_participants(c: Call) -> Response:
    root = _room(c)
    voice, now = _voice(c), c.records.now_ts()
    if not c.sandbox:
        for j in [root, *voice.legs.get(root, [])]:
            if voice.is_live(j, now):
                voice.end_call(j, now)
    return sandboxed(c, None, 204)


# ---------------------------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------------------------


def create_token(c: Call) -> Response:
    identity = c.body.get("identity")
    if identity is None or identity == "":
        raise _required("identity")
    if not isinstance(identity, str) or not _IDENTITY.match(identity):
        raise _invalid("identity", "Letters, digits, hyphens and underscores only, up to 200 characters")
    ttl = v.optional_int_in_range(c.body, "ttl", 1, _MAX_TTL) or _DEFAULT_TTL
    voice = _voice(c)
    raw = c.body.get("number")
    if raw is not None:
        n = voice.number_of(c.scope, v.e164(raw, "number"))
        if n is None:
            raise ApiError(404, NUMBER_NOT_FOUND, "Voice number not found: turn voice on for it first")
        if n.status != "ACTIVE":
            raise _conflict("The voice number is INACTIVE: turn it on again first")
    else:
        n = voice.default_of(c.scope)
        if n is None:
            raise _conflict("No default app-call number: turn voice on for a number first")
    expires = c.records.now_ts() + ttl
    token = voice_token(voice, identity, n.number, expires)
    if not c.sandbox:
        voice.bindings[(c.scope, identity)] = voice.numbers.index(n)
    data = {"token": token, "expires_at": iso(expires), "identity": identity, "number": n.number}
    return sandboxed(c, data, 202 if c.sandbox else 201)


# ---------------------------------------------------------------------------------------------
# voice numbers (/v3/channels/voice)
# ---------------------------------------------------------------------------------------------


def _callback_url(value: object, field: str = "callback_url") -> str:
    """An absolute HTTP(S) URL on a public host; 400 VALIDATION_001 otherwise."""
    problem = "Must be an absolute HTTP or HTTPS URL on a public host"
    if not isinstance(value, str):
        raise _invalid(field, problem)
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise _invalid(field, problem) from None
    if parts.scheme.lower() not in ("http", "https") or not host or len(url) > 2048:
        raise _invalid(field, problem)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if "." not in host or host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise _invalid(field, problem) from None
    else:
        if not ip.is_global:
            raise _invalid(field, problem)
    return url


def _path_number(c: Call) -> VoiceNumber:
    raw = c.path("number").strip()
    if raw.isdigit():
        raw = "+" + raw  # the plus sign may be left out, as for number lookups
    n = _voice(c).number_of(c.scope, v.e164(raw, "number"))
    if n is None:
        raise ApiError(404, NUMBER_NOT_FOUND, "Voice number not found: turn voice on for it first")
    return n


def list_voice_numbers(c: Call) -> Response:
    return ok(c.request, [voice_number(n) for n in _voice(c).numbers_of(c.scope)])


def get_voice_number(c: Call) -> Response:
    return ok(c.request, voice_number(_path_number(c)))


def _held_numbers(c: Call) -> set[str]:
    """Every number the organization holds: voice numbers and each scope's SMS and WhatsApp senders."""
    held = {n.number for n in _voice(c).numbers}
    for s in c.records.scopes:
        held.update((s.sms_number, s.whatsapp_number))
    return held


def _new_us_number(c: Call, area_code: str | None) -> str:
    voice, held = _voice(c), _held_numbers(c)
    for _ in range(400):
        if area_code is None:
            candidate = _numbers.make_number("US", voice.prng)
        else:
            line = f"{voice.prng.randint(2, 9)}{voice.prng.randrange(100):02d}{voice.prng.randrange(10_000):04d}"
            candidate = f"+1{area_code}{line}"
            if not is_valid_number(candidate):
                continue
        if candidate not in held:
            return candidate
    raise _invalid("area_code", f"No numbers available in area code {area_code}")


def _move_default(voice: Voice, scope: int, to: VoiceNumber) -> None:
    for other in voice.numbers:
        if other.scope == scope and other is not to:
            other.default = False
    to.default = True


def create_voice_number(c: Call) -> Response:
    body = c.body
    if body.get("callback_url") in (None, ""):
        raise _required("callback_url")
    url = _callback_url(body["callback_url"])
    default = v.optional_bool(body, "default_for_app_calls")
    area_code = body.get("area_code")
    if "number" in body:
        if body["number"] in (None, ""):
            raise _invalid("number", "Leave number out to be given a new one; an empty number is refused")
        if area_code is not None:
            raise _invalid("area_code", "Send number or area_code, not both")
    if area_code is not None and (not isinstance(area_code, str) or not _AREA_CODE.match(area_code)):
        raise _invalid("area_code", "A US area code of three digits, such as 212")
    voice, now = _voice(c), c.records.now_ts()
    scope = c.records.scopes[c.scope]
    existing: VoiceNumber | None = None
    if "number" in body:
        number = v.e164(body["number"], "number")
        existing = voice.number_of(c.scope, number)
        if existing is None and number not in (scope.sms_number, scope.whatsapp_number):
            raise ApiError(404, NUMBER_NOT_FOUND, "Phone number not found on this account")
    else:
        number = _new_us_number(c, area_code)
    if existing is not None:
        n = copy.copy(existing) if c.sandbox else existing
        n.callback_url, n.status, n.updated = url, "ACTIVE", now
    else:
        n = VoiceNumber(c.scope, number, url, voice.new_secret(), "ACTIVE", False, now, now)
    becomes_default = bool(default) or voice.default_of(c.scope) in (None, existing)
    if c.sandbox:
        n.default = becomes_default
        return sandboxed(c, voice_number(n, secret=True), 202)
    if existing is None:
        voice.numbers.append(n)
    if becomes_default:
        _move_default(voice, c.scope, n)
    return sandboxed(c, voice_number(n, secret=True), 201)


def update_voice_number(c: Call) -> Response:
    body = c.body
    named = [k for k in ("callback_url", "default_for_app_calls", "status") if body.get(k) is not None]
    if not named:
        raise _invalid("body", "Send at least one of callback_url, default_for_app_calls, status")
    url = _callback_url(body["callback_url"]) if body.get("callback_url") is not None else None
    status = body.get("status")
    if status is not None:
        status = v.one_of(status, ("ACTIVE", "INACTIVE"), "status", upper=True)
    default = v.optional_bool(body, "default_for_app_calls")
    if default is False:
        raise _invalid("default_for_app_calls", "false is refused: give the default to another number instead")
    stored = _path_number(c)
    voice, now = _voice(c), c.records.now_ts()
    new_status = status or stored.status
    if default and new_status != "ACTIVE":
        raise _invalid("default_for_app_calls", "An inactive number cannot be the default: send status ACTIVE too")
    others_active = [n for n in voice.numbers if n.scope == c.scope and n is not stored and n.status == "ACTIVE"]
    if new_status == "INACTIVE" and stored.default and stored.status == "ACTIVE" and others_active:
        raise _conflict("This is the default line: move the default to another number before turning it off")
    n = copy.copy(stored) if c.sandbox else stored
    if url is not None:
        n.callback_url = url
    n.status = new_status
    n.updated = now
    if new_status == "INACTIVE":
        n.default = False
    elif default or not any(o.default for o in others_active):
        if c.sandbox:
            n.default = True
        else:
            _move_default(voice, c.scope, n)
    return sandboxed(c, voice_number(n))


def rotate_voice_secret(c: Call) -> Response:
    n = _path_number(c)
    secret = _voice(c).new_secret()
    if not c.sandbox:
        n.secret, n.updated = secret, c.records.now_ts()
    return sandboxed(c, {"callback_secret": secret}, 202 if c.sandbox else 200)


def _signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The webhook-style signature of a question: ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


#: What a test question's answer is, by a word in the callback URL (as webhook tests do with "fail").
_TEST_OUTCOMES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("timeout", "slow"), "timeout"),
    (("unreachable", "refused"), "connection_failed"),
    (("fail", "error"), "http_error"),
    (("invalid",), "invalid_answer"),
)


def test_voice_number(c: Call) -> Response:
    n = _path_number(c)
    if n.callback_url is None:
        raise _conflict("The number has no callback URL to test: set one with PATCH first")
    voice, now = _voice(c), c.records.now_ts()
    call_id = uuid_from_int(voice.prng.getrandbits(128))
    if c.sandbox:
        data = {"outcome": "ok", "call_id": call_id, "request": None, "response": None, "answer": None, "error": None}
        return sandboxed(c, data, 202)
    identity = voice.identities[c.scope][0] if voice.identities[c.scope] else "agent"
    question = json.dumps({"type": "call.request", "test": True, "call_id": call_id, "direction": "inbound",
                           "number": n.number, "from": {"kind": "number", "value": _TEST_CALLER},
                           "to": {"kind": "number", "value": n.number}, "timestamp": iso(now)},
                          separators=(",", ":"))  # fmt: skip
    message_id = f"msg_{voice.prng.getrandbits(96):024x}"
    headers = {"Content-Type": "application/json", "User-Agent": "Sent-Voice/1.0", "X-Webhook-ID": message_id,
               "X-Webhook-Timestamp": str(int(now)),
               "X-Webhook-Signature": _signature(n.secret, message_id, int(now), question)}  # fmt: skip
    url = n.callback_url.lower()
    outcome = next((o for words, o in _TEST_OUTCOMES if any(w in url for w in words)), "ok")
    answer_body = json.dumps({"action": "connect", "to": {"kind": "user", "value": identity}}, separators=(",", ":"))
    response: dict[str, Any] | None = {"status_code": 200, "body": answer_body}
    answer: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    if outcome == "ok":
        answer = {"action": "connect", "to": {"kind": "user", "value": identity}, "caller_id": n.number}
    elif outcome == "timeout":
        response = None
        error = {"reason": "timeout", "message": "Your endpoint did not answer within 10 seconds", "path": None}
    elif outcome == "connection_failed":
        response = None
        error = {"reason": "connection_failed", "message": "Could not connect to the callback URL's host", "path": None}
    elif outcome == "http_error":
        response = {"status_code": 500, "body": "Internal Server Error"}
        error = {"reason": "http_error", "message": "Your endpoint answered HTTP 500: answer 200 with an action",
                 "path": None}  # fmt: skip
    else:
        response = {"status_code": 200, "body": '{"action":"transfer"}'}
        error = {"reason": "unknown_action", "path": "action",
                 "message": "Unknown action 'transfer': answer connect, say, gather, hangup or reject"}  # fmt: skip
    data = {"outcome": outcome, "call_id": call_id, "answer": answer, "error": error, "response": response,
            "request": {"url": n.callback_url, "headers": headers, "body": question}}  # fmt: skip
    return ok(c.request, data)


ROUTES: list[RouteSpec] = [
    ("/v3/voice/calls", list_calls, "GET"),
    ("/v3/voice/calls/{id}", get_call, "GET"),
    ("/v3/voice/calls/{id}/hangup", hangup_call, "POST"),
    ("/v3/voice/calls/{id}/recordings", list_call_recordings, "GET"),
    ("/v3/voice/calls/{id}/recordings", record_call, "POST"),
    ("/v3/voice/calls/{id}/participants", list_participants, "GET"),
    ("/v3/voice/calls/{id}/participants", add_participant, "POST"),
    ("/v3/voice/calls/{id}/participants", remove_all_participants, "DELETE"),
    ("/v3/voice/calls/{id}/participants/{participant_id}", update_participant, "PATCH"),
    ("/v3/voice/calls/{id}/participants/{participant_id}", remove_participant, "DELETE"),
    ("/v3/voice/tokens", create_token, "POST"),
    ("/v3/channels/voice", list_voice_numbers, "GET"),
    ("/v3/channels/voice", create_voice_number, "POST"),
    ("/v3/channels/voice/{number}", get_voice_number, "GET"),
    ("/v3/channels/voice/{number}", update_voice_number, "PATCH"),
    ("/v3/channels/voice/{number}/test", test_voice_number, "POST"),
    ("/v3/channels/voice/{number}/rotate-secret", rotate_voice_secret, "POST"),
]
