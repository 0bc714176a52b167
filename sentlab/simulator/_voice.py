"""Voice in a world: voice numbers and calls (timelines, parties, prices, recordings), drawn and shown.

``Voice`` holds a world's voice records (``records.voice``): the voice-enabled numbers of every
scope and a columnar table of calls, each with the time it entered every status (NaN = never),
so a call is visible once it started and its status is the latest step whose time has come —
the world advances lazily, as messages do. ``populate_voice`` draws the numbers and a history
of calls from the seed; ``call``, ``voice_number``, ``participant`` and ``recordings`` build the
API's JSON shapes; ``truth_calls`` and ``call_ledger`` are the ground truth.

>>> from sentlab.simulator import build_world
>>> voice = build_world(contacts=200, messages=500)._records.voice
>>> voice.calls.n >= 50, voice.numbers[0].default
(True, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _numbers
from ._ids import hash_int, uuid_from_int
from ._records import Records, Table
from ._voice_pricing import APP_RATE, INBOUND_RATE, call_price, outbound_rate
from ._wire import iso

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CALL_STATUSES",
    "DIRECTIONS",
    "FAILURE_REASONS",
    "KINDS",
    "CallBehaviour",
    "Recording",
    "Voice",
    "VoiceNumber",
    "call",
    "call_ledger",
    "calls",
    "combined_ledger",
    "dial_leg",
    "participant",
    "populate_voice",
    "recordings",
    "truth_calls",
    "voice_number",
    "voice_token",
]

# ---------------------------------------------------------------------------------------------
# vocabulary (the SDK's Call docstrings)
# ---------------------------------------------------------------------------------------------

CALL_STATUSES = ("INITIATED", "RINGING", "ANSWERED", "COMPLETED", "FAILED", "NO_ANSWER", "REJECTED")
INITIATED, RINGING, ANSWERED, COMPLETED, FAILED, NO_ANSWER, REJECTED = range(7)
FINAL = (COMPLETED, FAILED, NO_ANSWER, REJECTED)
FAILURE_REASONS = ("callback_timeout", "invalid_answer", "insufficient_balance", "destination_blocked",
                   "callback_not_configured", "rejected", "no_answer")  # fmt: skip
R_TIMEOUT, R_INVALID, R_BALANCE, R_BLOCKED, R_NOT_CONFIGURED, R_REJECTED, R_NO_ANSWER = range(7)
KINDS = ("user", "number", "conference", "anonymous")
USER, NUMBER, CONFERENCE, ANONYMOUS = range(4)
DIRECTIONS = ("outbound", "inbound")
OUTBOUND, INBOUND = range(2)


@dataclass(frozen=True)
class CallBehaviour:
    """How the synthetic calls behave: shares, latencies (median seconds, lognormal sigma).

    Illustrative figures for a support-and-sales contact centre, not measurements.

    >>> CallBehaviour().inbound_share
    0.45
    """

    inbound_share: float = 0.45
    anonymous_share: float = 0.04  # inbound callers who withhold their number
    #: where an inbound call's answer connects it: an app user, a conference room, a phone number
    inbound_to: tuple[float, float, float] = (0.80, 0.12, 0.08)
    #: what an app user dials: a phone number, another app user, a conference room
    outbound_to: tuple[float, float, float] = (0.85, 0.10, 0.05)
    #: (failed, no answer, rejected) shares; the rest complete
    inbound_outcomes: tuple[float, float, float] = (0.03, 0.08, 0.03)
    outbound_outcomes: tuple[float, float, float] = (0.05, 0.17, 0.06)
    app_no_answer: float = 0.15  # app user to app user
    #: failure reasons of FAILED calls (-1 = failed without a recorded reason)
    inbound_failures: tuple[tuple[int, float], ...] = ((R_TIMEOUT, 0.45), (R_INVALID, 0.35), (-1, 0.20))
    outbound_failures: tuple[tuple[int, float], ...] = ((R_BLOCKED, 0.25), (R_BALANCE, 0.10), (R_TIMEOUT, 0.25),
                                                       (R_INVALID, 0.15), (-1, 0.25))  # fmt: skip
    ring_after: tuple[float, float] = (1.5, 0.4)  # INITIATED -> RINGING
    answer_after: tuple[float, float] = (7.0, 0.6)  # RINGING -> ANSWERED
    room_answer_after: tuple[float, float] = (0.8, 0.3)  # a conference room answers at once
    reject_after: tuple[float, float] = (6.0, 0.6)
    fail_after: tuple[float, float] = (0.6, 0.5)  # a failure before ringing (blocked, balance, bad answer)
    ring_fail_after: tuple[float, float] = (5.0, 0.6)  # a reasonless failure while ringing
    ring_timeout: float = 30.0  # NO_ANSWER after this much ringing
    callback_deadline: float = 10.0  # callback_timeout after this long without an answer
    talk: tuple[float, float] = (150.0, 1.0)  # ANSWERED -> COMPLETED
    max_talk: float = 4 * 3600.0
    recorded_share: float = 0.18  # of answered calls with a phone leg
    recorded_twice_share: float = 0.12  # of recorded calls: stopped and started again
    recording_ready: tuple[float, float] = (12.0, 0.5)  # recording end -> call.recording_ready
    max_legs: int = 3  # participants dialled into a conference room, besides the call itself
    leg_user_share: float = 0.6
    leave_early_share: float = 0.3
    muted_share: float = 0.2
    disconnect: float = 0.4  # hangup -> the disconnect is reported and the call ends
    link_ttl: float = 3600.0  # lifetime of a recording download link
    hour_weights: tuple[float, ...] = (1, 1, 1, 1, 1, 1, 2, 4, 8, 11, 12, 11, 9, 10, 11, 11, 10, 8, 6, 4, 3, 2, 1, 1)


BEHAVIOUR = CallBehaviour()

# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------


@dataclass
class VoiceNumber:
    scope: int
    number: str
    callback_url: str | None
    secret: str
    status: str  # ACTIVE | INACTIVE
    default: bool
    created: float
    updated: float


@dataclass
class Recording:
    id: str
    started: float
    stopped: float  # NaN: until the call ends
    delay: float  # recording end -> available

    def ready(self, call_end: float) -> float:
        end = self.stopped if self.stopped == self.stopped else call_end
        return end + self.delay


def _call_table() -> Table:
    return Table(
        {
            "scope": (np.int16, (), 0),
            "number": (np.int16, (), -1),  # index into Voice.numbers
            "direction": (np.int8, (), 0),
            "times": (np.float64, (len(CALL_STATUSES),), np.nan),
            "reason": (np.int8, (), -1),
            "from_kind": (np.int8, (), 0),
            "to_kind": (np.int8, (), 0),
            "region": (np.int16, (), -1),  # the far end's region, -1 = no phone at the far end
            "rate": (np.float64, (), 0.0),  # USD per started minute
            "parent": (np.int32, (), -1),  # a participant leg: the conference call it was dialled into
            "muted": (np.bool_, (), False),
        }
    )


class Voice:
    """A world's voice records: numbers per scope, calls, recordings, token bindings.

    >>> voice = Voice(7, 2)
    >>> voice.calls.n, voice.numbers
    (0, [])
    """

    def __init__(self, seed: int, n_scopes: int) -> None:
        self.seed = seed
        self.prng = random.Random(hash_int(seed, "voice"))  # ids, numbers, secrets
        self.live_rng = np.random.default_rng([seed, 3])  # legs dialled by the API
        self.numbers: list[VoiceNumber] = []
        self.identities: list[list[str]] = [[] for _ in range(n_scopes)]  # app users per scope
        self.forward_numbers: list[str] = []  # per scope: the mobile inbound calls are forwarded to
        self.bindings: dict[tuple[int, str], int] = {}  # (scope, identity) -> number index
        self.calls = _call_table()
        self.call_ids: list[str] = []
        self.from_values: list[str | None] = []
        self.to_values: list[str | None] = []
        self.call_by_id: dict[str, int] = {}
        self.legs: dict[int, list[int]] = {}  # conference call -> its participant legs
        self.recordings: dict[int, list[Recording]] = {}
        self._index: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
        self.n_scopes = n_scopes

    # -- numbers ----------------------------------------------------------------------------------

    def numbers_of(self, scope: int) -> list[VoiceNumber]:
        """``scope``'s voice numbers, oldest first."""
        return sorted((n for n in self.numbers if n.scope == scope), key=lambda n: n.created)

    def number_of(self, scope: int, e164: str) -> VoiceNumber | None:
        for n in self.numbers:
            if n.scope == scope and n.number == e164:
                return n
        return None

    def default_of(self, scope: int) -> VoiceNumber | None:
        for n in self.numbers:
            if n.scope == scope and n.default and n.status == "ACTIVE":
                return n
        return None

    def new_secret(self) -> str:
        return "whsec_" + base64.b64encode(self.prng.randbytes(24)).decode()

    # -- calls ------------------------------------------------------------------------------------

    def add_calls(self, count: int, from_values: list[str | None], to_values: list[str | None],
                  **columns: Any) -> range:  # fmt: skip
        rows = self.calls.extend(count, **columns)
        for i, f, t in zip(rows, from_values, to_values, strict=True):
            cid = _uuid4(self.prng.getrandbits(128))
            self.call_ids.append(cid)
            self.call_by_id[cid] = i
            self.from_values.append(f)
            self.to_values.append(t)
        parents = self.calls["parent"][rows.start : rows.stop]
        for i in np.nonzero(parents >= 0)[0]:
            self.legs.setdefault(int(parents[i]), []).append(rows.start + int(i))
        self._index = None
        return rows

    def scope_index(self, scope: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``scope``'s call rows ordered by start (oldest first; ties by row), their start times, and
        those in whole microseconds as the API shows them (what ``from``/``to`` filters compare)."""
        if self._index is None:
            started = self.calls["times"][:, INITIATED]
            order = np.lexsort((np.arange(self.calls.n), started))
            scopes = self.calls["scope"][order]
            self._index = []
            for s in range(self.n_scopes):
                rows = order[scopes == s]
                t = started[rows]
                whole = np.floor(t)
                micros = whole.astype(np.int64) * 1_000_000 + np.round((t - whole) * 1e6).astype(np.int64)
                self._index.append((rows, t, micros))
        return self._index[scope]

    def status_at(self, rows: np.ndarray, now: float) -> np.ndarray:
        """The status index of each call in ``rows`` at ``now`` (calls already started)."""
        times = self.calls["times"][rows]
        return np.argmax(np.where(times <= now, times, -np.inf), axis=1)

    def end_time(self, i: int) -> float:
        """When call ``i`` ends (its final status: every call has one, reached or ahead)."""
        row = self.calls["times"][i].tolist()
        return max(row[k] for k in FINAL if row[k] == row[k])

    def is_live(self, i: int, now: float) -> bool:
        return float(self.calls["times"][i][INITIATED]) <= now < self.end_time(i)

    def has_phone_leg(self, i: int) -> bool:
        """Whether one end of call ``i`` is a phone (a number, or a caller who withheld it)."""
        c = self.calls
        return int(c["from_kind"][i]) in (NUMBER, ANONYMOUS) or int(c["to_kind"][i]) in (NUMBER, ANONYMOUS)

    def room_of(self, i: int) -> int | None:
        """The conference call whose room call ``i`` is in (itself for the room's call), or None."""
        parent = int(self.calls["parent"][i])
        if parent >= 0:
            return parent
        return i if int(self.calls["to_kind"][i]) == CONFERENCE else None

    def room_members(self, root: int, now: float) -> list[int]:
        """Who is connected to ``root``'s room at ``now``: the call itself, then answered legs."""
        times = self.calls["times"]
        members = [root] if times[root][INITIATED] <= now < self.end_time(root) else []
        for leg in self.legs.get(root, []):
            if times[leg][ANSWERED] <= now < self.end_time(leg):
                members.append(leg)
        return members

    def billable(self, i: int) -> int:
        """Billable seconds of call ``i`` once ended: connected time, 0 if it never connected."""
        return _billable(self.calls["times"][i].tolist())

    def price(self, i: int) -> float:
        return call_price(self.billable(i), float(self.calls["rate"][i]))

    def recording_available(self, i: int, now: float) -> bool:
        recs = self.recordings.get(i)
        if not recs:
            return False
        end = self.end_time(i)
        return any(r.ready(end) <= now for r in recs)

    def end_call(self, i: int, now: float, disconnect: float = BEHAVIOUR.disconnect) -> None:
        """End live call ``i``: reported ``disconnect`` seconds after ``now``, the way a hangup ends.

        Answered: COMPLETED. Still ringing: NO_ANSWER. Not yet ringing: FAILED (no reason).
        """
        t = now + disconnect
        if self.end_time(i) <= t:
            return  # already ending by then
        row = self.calls["times"][i]
        reached = row <= now
        if reached[ANSWERED]:
            step, reason = COMPLETED, -1
        elif reached[RINGING]:
            step, reason = NO_ANSWER, R_NO_ANSWER
        else:
            step, reason = FAILED, -1
        row[~reached] = np.nan
        row[step] = t
        self.calls["reason"][i] = reason

    def start_recording(self, i: int, now: float) -> bool:
        """Start recording call ``i`` at ``now``; False if a recording is already running."""
        recs = self.recordings.setdefault(i, [])
        if any(math.isnan(r.stopped) and r.started <= now for r in recs):
            return False
        delay = float(_lognormal(self.live_rng, BEHAVIOUR.recording_ready, 1)[0])
        recs.append(Recording(uuid_from_int(self.prng.getrandbits(128)), now, math.nan, delay))
        return True

    def stop_recording(self, i: int, now: float) -> bool:
        """Stop the running recording of call ``i`` at ``now``; False if none is running."""
        for r in self.recordings.get(i, []):
            if math.isnan(r.stopped) and r.started <= now:
                r.stopped = now
                return True
        return False


def _billable(row: list[float]) -> int:
    """Billable seconds of a call's final timeline: whole seconds connected (answered, or ringing
    for a call between app users, whose answer Sent never sees), 0 if it never completed."""
    if math.isnan(row[COMPLETED]):
        return 0
    connected = row[ANSWERED] if not math.isnan(row[ANSWERED]) else row[RINGING]
    return math.ceil(max(0.0, row[COMPLETED] - connected) - 1e-9)


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def _uuid4(n: int) -> str:
    """``_ids.uuid_from_int(n)``, several times faster (10,000 call ids per world).

    >>> _uuid4(12345) == uuid_from_int(12345)
    True
    """
    h = f"{(n & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _lognormal(rng: np.random.Generator, spec: tuple[float, float], size: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(size))


# ---------------------------------------------------------------------------------------------
# drawing the world's voice
# ---------------------------------------------------------------------------------------------

_AGENTS = ("ana", "ben", "chloe", "dev", "elif", "farah", "goran", "hana", "ivan", "jia", "kofi", "lena")


def _draw_numbers(records: Records, voice: Voice) -> None:
    """Every scope's voice numbers: its SMS number as the default line, and a few more."""
    prng = voice.prng
    taken = {s.sms_number for s in records.scopes} | {s.whatsapp_number for s in records.scopes}
    scopes = range(len(records.scopes))

    def fresh() -> str:  # a US number nobody in the organization holds
        phone = _numbers.make_number("US", prng)
        while phone in taken or any((k, phone) in records.contact_by_phone for k in scopes):
            phone = _numbers.make_number("US", prng)
        taken.add(phone)
        return phone

    start, anchor = records.history_start, records.anchor
    for s in records.scopes:
        slug = s.short_name.lower()
        url = f"https://voice.acme.example/{slug}/calls"
        enabled = max(s.created + 20 * 86400, start - 90 * 86400)
        voice.numbers.append(VoiceNumber(s.index, s.sms_number, url, voice.new_secret(), "ACTIVE", True,
                                         enabled, enabled))  # fmt: skip
        default = len(voice.numbers) - 1
        if s.index == 0:  # a line switched on without a callback URL: its inbound calls are declined
            voice.numbers.append(VoiceNumber(0, fresh(), None, voice.new_secret(), "ACTIVE", False,
                                             start + 10 * 86400, start + 10 * 86400))  # fmt: skip
        if s.index % 2 == 0:
            voice.numbers.append(VoiceNumber(s.index, fresh(), f"https://voice.acme.example/{slug}/sales", voice.new_secret(),
                                             "ACTIVE", False, start - 60 * 86400, start - 30 * 86400))  # fmt: skip
        if s.index % 3 == 1:  # a line turned off a few days before the history ends
            off = anchor - (4 + s.index) * 86400
            voice.numbers.append(VoiceNumber(s.index, fresh(), f"https://voice.acme.example/{slug}/legacy",
                                             voice.new_secret(), "INACTIVE", False, start - 200 * 86400, off))  # fmt: skip
        voice.identities[s.index] = [f"{_AGENTS[(s.index * 5 + k) % len(_AGENTS)]}_{slug}" for k in range(4 + s.index % 3)]
        voice.forward_numbers.append(fresh())
        for ident in voice.identities[s.index]:
            voice.bindings[(s.index, ident)] = default


def _regions_of(contact_regions: np.ndarray, contact: np.ndarray) -> np.ndarray:
    """The region index of each contact row (-1 where there is none)."""
    region = np.full(len(contact), -1, dtype=np.int16)
    has = contact >= 0
    region[has] = contact_regions[contact[has]]
    return region


def _pick(rng: np.random.Generator, shares: tuple[float, ...], size: int) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def populate_voice(records: Records, calls: int) -> None:
    """Draw the voice numbers of every scope and ``calls`` calls over the history and the clock's day.

    Calls start over the ``history_days`` before the clock's start (floored to midnight) and on
    the start day itself, so calls near ``now`` are live and later ones appear as the clock moves.

    >>> from sentlab.simulator import SimClock, WorldParams
    >>> from sentlab.simulator._generate import populate
    >>> records = Records(7, WorldParams(), SimClock())
    >>> populate(records, contacts=50, messages=20, profiles=2, calls=30)
    >>> records.voice.calls.n >= 30
    True
    """
    b = BEHAVIOUR
    voice = Voice(records.seed, len(records.scopes))
    records.voice = voice
    _draw_numbers(records, voice)
    if calls <= 0:
        return
    rng = np.random.default_rng([records.seed, 2])
    params = records.params
    n_scopes = len(records.scopes)
    n = calls
    weights = np.array([0.05, *[params.profile_weights[p % len(params.profile_weights)] for p in range(n_scopes - 1)]])
    scope = rng.choice(n_scopes, size=n, p=weights / weights.sum()).astype(np.int16)
    days = rng.integers(0, params.history_days + 1, n)  # the last day is the clock's start day
    hours = _pick(rng, b.hour_weights, n)
    started = records.history_start + days * 86400.0 + hours * 3600.0 + rng.random(n) * 3600.0
    order = np.argsort(started, kind="stable")
    scope, started = scope[order], started[order]
    direction = (rng.random(n) < b.inbound_share).astype(np.int8)

    # the owning number: mostly the default line, the others while they were on
    number = np.empty(n, dtype=np.int16)
    for s in range(n_scopes):
        mask = scope == s
        own = [k for k, vn in enumerate(voice.numbers) if vn.scope == s]
        default = next(k for k in own if voice.numbers[k].default)
        others = [k for k in own if k != default]
        pick = np.full(int(mask.sum()), default, dtype=np.int16)
        if others:
            other = rng.random(len(pick)) < 0.35
            pick[other] = np.asarray(others, dtype=np.int16)[rng.integers(0, len(others), int(other.sum()))]
        t = started[mask]
        for k in others:
            vn = voice.numbers[k]
            until = vn.updated if vn.status == "INACTIVE" else math.inf
            pick[(pick == k) & ((t < vn.created) | (t >= until))] = default
        number[mask] = pick

    # parties and outcomes
    u = rng.random(n)
    reason = np.full(n, -1, dtype=np.int8)
    outcome = np.zeros(n, dtype=np.int8)  # 0 completes, 1 fails before ringing, 2 fails ringing, 3 no answer, 4 rejected
    from_kind = np.where(direction == INBOUND, np.where(rng.random(n) < b.anonymous_share, ANONYMOUS, NUMBER), USER)
    to_pick_in = _pick(rng, b.inbound_to, n)
    to_pick_out = _pick(rng, b.outbound_to, n)
    to_kind = np.where(direction == INBOUND, np.array([USER, CONFERENCE, NUMBER])[to_pick_in],
                       np.array([NUMBER, USER, CONFERENCE])[to_pick_out]).astype(np.int8)  # fmt: skip

    def reasons(spec: tuple[tuple[int, float], ...], size: int) -> np.ndarray:
        return np.array([r for r, _ in spec], dtype=np.int8)[_pick(rng, tuple(p for _, p in spec), size)]

    inbound = direction == INBOUND
    no_callback = np.array([voice.numbers[k].callback_url is None for k in number])
    f, na, rj = b.inbound_outcomes
    fail_in = inbound & (u < f)
    reason[fail_in] = reasons(b.inbound_failures, int(fail_in.sum()))
    na_in = inbound & (u >= f) & (u < f + na)
    rj_in = inbound & (u >= f + na) & (u < f + na + rj)
    declined = inbound & no_callback
    fail_in |= declined
    reason[declined] = R_NOT_CONFIGURED
    na_in &= ~declined
    rj_in &= ~declined
    f, na, rj = b.outbound_outcomes
    phone_out = ~inbound & (to_kind == NUMBER)
    fail_out = phone_out & (u < f)
    reason[fail_out] = reasons(b.outbound_failures, int(fail_out.sum()))
    na_out = phone_out & (u >= f) & (u < f + na)
    rj_out = phone_out & (u >= f + na) & (u < f + na + rj)
    app = ~inbound & (to_kind == USER)
    na_app = app & (u < b.app_no_answer)
    failed = fail_in | fail_out
    before_ring = failed & (reason >= 0)
    outcome[before_ring] = 1
    outcome[failed & (reason < 0)] = 2
    outcome[na_in | na_out | na_app] = 3
    reason[na_in | na_out | na_app] = R_NO_ANSWER
    outcome[rj_in | rj_out] = 4
    reason[rj_in | rj_out] = R_REJECTED
    # an inbound call the callback never routed reads as to the dialled number; one that rang out was for a user
    to_kind[inbound & before_ring] = NUMBER
    to_kind[inbound & (outcome >= 2) & (to_kind == CONFERENCE)] = USER

    # timelines
    times = np.full((n, len(CALL_STATUSES)), np.nan)
    times[:, INITIATED] = started
    ring = started + _lognormal(rng, b.ring_after, n)
    conference = to_kind == CONFERENCE
    answer = ring + np.where(conference, _lognormal(rng, b.room_answer_after, n), _lognormal(rng, b.answer_after, n))
    talk = np.minimum(_lognormal(rng, b.talk, n), b.max_talk)
    rings = outcome != 1
    times[rings, RINGING] = ring[rings]
    done = outcome == 0
    answered = done & ~app
    times[answered, ANSWERED] = answer[answered]
    times[done, COMPLETED] = np.where(app, ring + _lognormal(rng, b.answer_after, n) + talk, answer + talk)[done]
    fast = np.where(reason == R_TIMEOUT, b.callback_deadline, _lognormal(rng, b.fail_after, n))
    times[outcome == 1, FAILED] = (started + fast)[outcome == 1]
    times[outcome == 2, FAILED] = (ring + _lognormal(rng, b.ring_fail_after, n))[outcome == 2]
    times[outcome == 3, NO_ANSWER] = (ring + b.ring_timeout + rng.random(n))[outcome == 3]
    times[outcome == 4, REJECTED] = (ring + _lognormal(rng, b.reject_after, n))[outcome == 4]

    # who: contacts at the phone end, app users, rooms
    c = records.contacts
    pools = []
    for s in range(n_scopes):
        own = records.scope_contacts[s]
        pools.append(np.asarray(own if s == 0 else own + records.scope_contacts[0], dtype=np.int64))
    contact = np.full(n, -1, dtype=np.int64)
    phone_end = (inbound & (from_kind == NUMBER)) | (~inbound & (to_kind == NUMBER))
    for s in range(n_scopes):
        mask = phone_end & (scope == s)
        if mask.any() and len(pools[s]):
            pick = (rng.power(0.6, int(mask.sum())) * len(pools[s])).astype(np.int64)
            contact[mask] = pools[s][np.minimum(pick, len(pools[s]) - 1)]
    orphan = phone_end & (contact < 0)  # a world without contacts: withheld callers, app users dialling app users
    from_kind[orphan & inbound] = ANONYMOUS
    to_kind[orphan & ~inbound] = USER
    region = _regions_of(c["region"], contact)
    rate = np.where(inbound, INBOUND_RATE, APP_RATE)
    rate = np.where(inbound & (to_kind == NUMBER) & ~before_ring, INBOUND_RATE + outbound_rate("US"), rate)
    out_rates = np.array([outbound_rate(r) for r in records.regions])
    rate = np.where(~inbound & (to_kind == NUMBER), out_rates[np.maximum(region, 0)], rate)

    agent = rng.integers(0, 1 << 30, n)
    room = rng.integers(0, 1 << 24, n)
    from_values: list[str | None] = []
    to_values: list[str | None] = []
    for k in range(n):
        s = int(scope[k])
        idents = voice.identities[s]
        me = idents[int(agent[k]) % len(idents)]
        fk, tk = int(from_kind[k]), int(to_kind[k])
        phone = records.contact_phones[int(contact[k])] if contact[k] >= 0 else None
        if inbound[k]:
            from_values.append(phone if fk == NUMBER else None)
            if tk == USER:
                to_values.append(me)
            elif tk == CONFERENCE:
                to_values.append(f"room-{int(room[k]):06x}")
            elif before_ring[k]:
                to_values.append(voice.numbers[int(number[k])].number)
            else:
                to_values.append(voice.forward_numbers[s])
        else:
            # minting a token re-binds an identity, so an app user's calls go out on whichever line was picked
            from_values.append(me)
            if tk == NUMBER:
                to_values.append(phone)
            elif tk == USER:
                to_values.append(idents[(int(agent[k]) + 1) % len(idents)])
            else:
                to_values.append(f"room-{int(room[k]):06x}")
    primary = {"scope": scope, "number": number, "direction": direction, "times": times, "reason": reason,
               "from_kind": from_kind, "to_kind": to_kind, "region": region, "rate": rate}  # fmt: skip
    legs, leg_from, leg_to = _draw_legs(records, voice, rng, primary, to_values, pools)
    # participant legs are calls of their own: make room for them, so the world has ``calls`` calls
    droppable = np.nonzero(to_kind != CONFERENCE)[0]
    m = min(len(leg_from), len(droppable))
    keep = np.ones(n, dtype=bool)
    keep[rng.choice(droppable, size=m, replace=False)] = False
    kept = np.nonzero(keep)[0]
    base = voice.calls.n
    voice.add_calls(len(kept), [from_values[k] for k in kept], [to_values[k] for k in kept],
                    **{name: column[keep] for name, column in primary.items()})  # fmt: skip
    legs = {name: column[:m] for name, column in legs.items()}
    legs["parent"] = (np.cumsum(keep) - 1 + base)[legs["parent"]]
    voice.add_calls(m, leg_from[:m], leg_to[:m], **legs)
    _draw_recordings(voice, rng)


def _draw_legs(records: Records, voice: Voice, rng: np.random.Generator, primary: dict[str, np.ndarray],
               room_names: list[str | None], pools: list[np.ndarray],
               ) -> tuple[dict[str, np.ndarray], list[str | None], list[str | None]]:  # fmt: skip
    """Participants dialled into each answered conference call: calls of their own, ending with the room.

    Returns the legs' columns (``parent`` indexes ``primary``) and their from/to values.
    """
    b = BEHAVIOUR
    times = primary["times"]
    roots = np.nonzero((primary["to_kind"] == CONFERENCE) & ~np.isnan(times[:, ANSWERED]))[0]
    k = rng.integers(1, b.max_legs + 1, len(roots))
    parent = np.repeat(roots, k)
    m = len(parent)
    answered, end = times[parent, ANSWERED], times[parent, COMPLETED]
    start = answered + rng.random(m) * 0.5 * (end - answered)
    ring = np.minimum(start + _lognormal(rng, b.ring_after, m), (start + end) / 2)
    pickup = ring + _lognormal(rng, b.answer_after, m)
    leaves = np.where(rng.random(m) < b.leave_early_share, pickup + rng.random(m) * (end - pickup), end)
    leg_times = np.full((m, len(CALL_STATUSES)), np.nan)
    leg_times[:, INITIATED] = start
    leg_times[:, RINGING] = ring
    joined = pickup < end
    leg_times[joined, ANSWERED] = pickup[joined]
    leg_times[joined, COMPLETED] = leaves[joined]
    leg_times[~joined, NO_ANSWER] = end[~joined]
    reason = np.where(joined, -1, R_NO_ANSWER).astype(np.int8)
    scope = primary["scope"][parent]
    to_user = rng.random(m) < b.leg_user_share
    contact = np.full(m, -1, dtype=np.int64)
    for s in np.unique(scope):
        mask = (scope == s) & ~to_user
        pool = pools[int(s)]
        if mask.any():
            if len(pool):
                contact[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
            else:
                to_user[mask] = True
    region = _regions_of(records.contacts["region"], contact)
    out_rates = np.array([outbound_rate(r) for r in records.regions])
    rate = np.where(to_user, APP_RATE, out_rates[np.maximum(region, 0)])
    agent = rng.integers(0, 1 << 30, m)
    from_values = [room_names[int(p)] for p in parent]
    to_values: list[str | None] = [
        voice.identities[int(scope[j])][int(agent[j]) % len(voice.identities[int(scope[j])])] if to_user[j]
        else records.contact_phones[int(contact[j])] for j in range(m)
    ]  # fmt: skip
    columns = {"scope": scope, "number": primary["number"][parent], "direction": np.full(m, OUTBOUND, dtype=np.int8),
               "times": leg_times, "reason": reason, "from_kind": np.full(m, CONFERENCE, dtype=np.int8),
               "to_kind": np.where(to_user, USER, NUMBER).astype(np.int8), "region": region, "rate": rate,
               "parent": parent, "muted": rng.random(m) < b.muted_share}  # fmt: skip
    return columns, from_values, to_values


def _draw_recordings(voice: Voice, rng: np.random.Generator) -> None:
    """Recordings of some answered calls with a phone leg: the whole call, or two parts of it."""
    b = BEHAVIOUR
    c = voice.calls
    times = c["times"]
    phone = np.isin(c["from_kind"], (NUMBER, ANONYMOUS)) | np.isin(c["to_kind"], (NUMBER, ANONYMOUS))
    eligible = np.nonzero(phone & ~np.isnan(times[:, ANSWERED]) & ~np.isnan(times[:, COMPLETED]))[0]
    recorded = eligible[rng.random(len(eligible)) < b.recorded_share]
    twice = rng.random(len(recorded)) < b.recorded_twice_share
    split = rng.random(len(recorded)) * 0.6 + 0.2
    delays = _lognormal(rng, b.recording_ready, 2 * len(recorded)).reshape(-1, 2)
    for j, i in enumerate(recorded):
        answered, end = float(times[i, ANSWERED]), float(times[i, COMPLETED])
        new_id = lambda: _uuid4(voice.prng.getrandbits(128))  # noqa: E731
        if twice[j]:
            mid = answered + float(split[j]) * (end - answered)
            voice.recordings[int(i)] = [Recording(new_id(), answered, mid, float(delays[j, 0])),
                                        Recording(new_id(), mid + 0.5 * (end - mid), math.nan, float(delays[j, 1]))]  # fmt: skip
        else:
            voice.recordings[int(i)] = [Recording(new_id(), answered, math.nan, float(delays[j, 0]))]


def dial_leg(voice: Voice, root: int, kind: int, value: str, number: int, rate: float, region: int,
             now: float) -> int:  # fmt: skip
    """Dial a participant into ``root``'s room at ``now``: a new call ending with the room; its row."""
    b = BEHAVIOUR
    rng = voice.live_rng
    end = voice.end_time(root)
    ring = min(now + float(_lognormal(rng, b.ring_after, 1)[0]), (now + end) / 2)
    pickup = ring + float(_lognormal(rng, b.answer_after, 1)[0])
    row = np.full(len(CALL_STATUSES), np.nan)
    row[INITIATED], row[RINGING] = now, ring
    if pickup < end:
        row[ANSWERED], row[COMPLETED] = pickup, end
        reason = -1
    else:
        row[NO_ANSWER], reason = end, R_NO_ANSWER
    c = voice.calls
    rows = voice.add_calls(1, [voice.to_values[root]], [value], scope=int(c["scope"][root]), number=number,
                           direction=OUTBOUND, times=row, reason=reason, from_kind=CONFERENCE, to_kind=kind,
                           region=region, rate=rate, parent=root)  # fmt: skip
    return rows.start


# ---------------------------------------------------------------------------------------------
# wire shapes (the SDK's Call, CallParticipant, CallRecordings, VoiceNumber)
# ---------------------------------------------------------------------------------------------


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
        billable = _billable(row) if ended else None
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


# ---------------------------------------------------------------------------------------------
# ground truth
# ---------------------------------------------------------------------------------------------


def _newest_first(voice: Voice) -> np.ndarray:
    started = voice.calls["times"][:, INITIATED]
    return np.lexsort((np.arange(voice.calls.n), started))[::-1]


def truth_calls(records: Records, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every call, newest first, with ``profile_id`` and its ``timeline``.

    ``as_of`` None: as every call will finally read (future calls included); a datetime: the calls
    started by then, as they read then.
    """
    voice: Voice = records.voice
    now = math.inf if as_of is None else as_of.timestamp()
    out = []
    for i in _newest_first(voice):
        i = int(i)
        if voice.calls["times"][i][INITIATED] > now:
            continue
        scope = int(voice.calls["scope"][i])
        out.append({**call(voice, i, now, timeline=True), "profile_id": records.scopes[scope].id})
    return out


def call_ledger(records: Records, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per call (newest first) with its true outcome and cost (``cost = price``, no markup).

    ``as_of`` None: every call as it finally reads; a datetime: the calls started by then, as
    they read then (``duration_seconds``, ``price`` and ``cost`` NaN while live).
    """
    import pandas as pd

    voice: Voice = records.voice
    now = math.inf if as_of is None else as_of.timestamp()
    c = voice.calls
    rows = _newest_first(voice)
    rows = rows[c["times"][rows, INITIATED] <= now]
    status = voice.status_at(rows, now) if len(rows) else np.zeros(0, dtype=np.int64)
    ended = np.isin(status, FINAL)
    duration = np.array([voice.billable(int(i)) for i in rows], dtype=float)
    price = np.array([voice.price(int(i)) for i in rows], dtype=float)
    duration[~ended] = np.nan
    price[~ended] = np.nan
    region = c["region"][rows]
    frame = pd.DataFrame(
        {
            "call_id": [voice.call_ids[int(i)] for i in rows],
            "profile_id": [records.scopes[int(s)].id for s in c["scope"][rows]],
            "direction": [DIRECTIONS[int(d)] for d in c["direction"][rows]],
            "status": [CALL_STATUSES[int(k)] for k in status],
            "failure_reason": [FAILURE_REASONS[int(r)] if e and k != COMPLETED and r >= 0 else None
                               for r, e, k in zip(c["reason"][rows], ended, status, strict=True)],
            "number": [voice.numbers[int(k)].number for k in c["number"][rows]],
            "from_kind": [KINDS[int(k)] for k in c["from_kind"][rows]],
            "from": [voice.from_values[int(i)] for i in rows],
            "to_kind": [KINDS[int(k)] for k in c["to_kind"][rows]],
            "to": [voice.to_values[int(i)] for i in rows],
            "region_code": [records.regions[int(r)] if r >= 0 else None for r in region],
            "started_at": pd.to_datetime(c["times"][rows, INITIATED], unit="s", utc=True),
            "duration_seconds": duration,
            "price": price,
        }
    )
    frame["cost"] = frame["price"]
    return frame


def combined_ledger(messages: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """Messages and calls in one frame, oldest first: ``kind``, ``id``, ``channel`` ``"voice"`` for calls.

    A call's ``created_at`` is when it started and its ``active_contact_price`` 0 (no markup).
    """
    import pandas as pd

    m = messages.rename(columns={"message_id": "id"}).assign(kind="message")
    c = calls.rename(columns={"call_id": "id", "started_at": "created_at"}).assign(
        kind="call", channel="voice", active_contact_price=0.0)  # fmt: skip
    frame = pd.concat([m, c], ignore_index=True, sort=False)
    frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    return frame[["kind", *[col for col in frame.columns if col != "kind"]]]
