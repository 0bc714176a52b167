"""The API's JSON shapes of voice: the SDK's Call, CallParticipant, CallRecordings, VoiceNumber, tokens.

Like ``_wire`` for messages: each function takes a world's ``Voice`` and a record and builds the
dict a route returns, as it reads at ``now``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import numpy as np

from ._voice import (
    ANONYMOUS,
    ANSWERED,
    BEHAVIOUR,
    CALL_STATUSES,
    COMPLETED,
    DIRECTIONS,
    FAILURE_REASONS,
    FINAL,
    INITIATED,
    KINDS,
    Voice,
    VoiceNumber,
    billable_seconds,
)
from ._voice_pricing import call_price
from ._wire import iso

__all__ = ["call", "calls", "participant", "recordings", "voice_number", "voice_token"]


_ISO_CACHE: dict[float, str | None] = {}


def _iso(ts: float) -> str | None:
    """``_wire.iso``, cached: a call's timestamps are read again on every page that shows it."""
    text = _ISO_CACHE.get(ts)
    if text is None:
        if len(_ISO_CACHE) > 200_000:
            _ISO_CACHE.clear()
        text = _ISO_CACHE[ts] = iso(ts)
    return text


def _party(kind: int, value: str | None) -> dict[str, Any]:
    return {"kind": KINDS[kind], "value": None if kind == ANONYMOUS else value}


def call(voice: Voice, i: int, now: float, *, timeline: bool = False) -> dict[str, Any]:
    """Call ``i`` as it reads at ``now`` (``timeline`` only when reading one call, as the SDK says)."""
    return calls(voice, [i], now, timeline=timeline)[0]


def calls(voice: Voice, rows: Any, now: float, *, timeline: bool = False) -> list[dict[str, Any]]:
    """Calls ``rows`` (all started by ``now``) as they read then: one page, columns read at once."""
    c = voice.calls
    rows = np.asarray(rows, dtype=np.int64)
    times = c["times"][rows].tolist()
    columns = zip(rows.tolist(), times, c["direction"][rows].tolist(), c["number"][rows].tolist(),
                  c["from_kind"][rows].tolist(), c["to_kind"][rows].tolist(), c["reason"][rows].tolist(),
                  c["rate"][rows].tolist(), strict=True)  # fmt: skip
    out = []
    for i, row, direction, number, from_kind, to_kind, r, rate in columns:
        steps = sorted((t, k) for k, t in enumerate(row) if t <= now)  # NaN (never) compares False
        end, last = steps[-1]
        ended = last in FINAL
        billable = billable_seconds(row) if ended else None
        item = {
            "id": voice.call_ids[i],
            "direction": DIRECTIONS[direction],
            "mode": "inapp",
            "number": voice.numbers[number].number,
            "from": _party(from_kind, voice.from_values[i]),
            "to": _party(to_kind, voice.to_values[i]),
            "status": CALL_STATUSES[last],
            "failure_reason": FAILURE_REASONS[r] if ended and last != COMPLETED and r >= 0 else None,
            "started_at": _iso(row[INITIATED]),
            "answered_at": _iso(row[ANSWERED]) if row[ANSWERED] <= now else None,
            "ended_at": _iso(end) if ended else None,
            "duration_seconds": billable,
            "price": call_price(billable, rate) if billable is not None else None,
            "recording_available": i in voice.recordings and voice.recording_available(i, now),
        }
        if timeline:
            item["timeline"] = [{"status": CALL_STATUSES[k], "timestamp": _iso(ts)} for ts, k in steps]
        out.append(item)
    return out


def participant(voice: Voice, i: int, now: float) -> dict[str, Any]:
    """Call ``i`` as a participant of its room: who it is, muted, seconds connected."""
    c = voice.calls
    if int(c["parent"][i]) >= 0:
        kind, value = int(c["to_kind"][i]), voice.to_values[i]
    else:  # the room's own call: the party that is not the room
        kind, value = int(c["from_kind"][i]), voice.from_values[i]
    row = c["times"][i]
    since = row[ANSWERED] if row[ANSWERED] <= now else row[INITIATED]
    return {"id": voice.call_ids[i], "kind": KINDS[kind], "value": None if kind == ANONYMOUS else value,
            "muted": bool(c["muted"][i]), "duration_seconds": int(max(0.0, now - float(since)))}  # fmt: skip


def recordings(voice: Voice, i: int, now: float) -> dict[str, Any]:
    """The recordings of call ``i`` available at ``now``, oldest first, each with a fresh link."""
    end = voice.end_time(i)
    expires = now + BEHAVIOUR.link_ttl
    out = []
    for r in voice.recordings.get(i, []):
        if r.ready(end) > now:
            continue
        query = f"expires={int(expires)}"
        signature = hmac.new(str(voice.seed).encode(), f"{r.id}?{query}".encode(), hashlib.sha256).hexdigest()[:32]
        out.append({"recording_id": r.id, "url_expires_at": iso(expires),
                    "download_url": f"https://media.sent.dm/recordings/{voice.call_ids[i]}/{r.id}.mp3?{query}&signature={signature}"})  # fmt: skip
    return {"recordings": out}


def voice_number(n: VoiceNumber, *, secret: bool = False) -> dict[str, Any]:
    """A voice number as ``GET /v3/channels/voice/{number}`` reads it (``secret``: as created)."""
    out = {"number": n.number, "status": n.status, "default_for_app_calls": n.default,
           "callback_url": n.callback_url, "created_at": iso(n.created), "updated_at": iso(n.updated)}  # fmt: skip
    if secret:
        out["callback_secret"] = n.secret
    return out


def voice_token(voice: Voice, identity: str, number: str, expires: float) -> str:
    """An opaque signed token (JWT-shaped) for ``identity`` on ``number``."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64(json.dumps({"sub": identity, "num": number, "exp": int(expires),
                              "jti": f"{voice.prng.getrandbits(64):016x}"}, separators=(",", ":")).encode())  # fmt: skip
    signature = b64(hmac.new(str(voice.seed).encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"
