"""A world's voice records: voice numbers, calls (timelines, parties, prices, recordings), their vocabulary.

``Voice`` holds a world's voice records (``records.voice``): the voice-enabled numbers of every
scope and a columnar table of calls, each with the time it entered every status (NaN = never),
so a call is visible once it started and its status is the latest step whose time has come —
the world advances lazily, as messages do. ``_voice_draw`` draws them from the seed (and dials
live legs), ``_voice_wire`` builds the API's JSON shapes, ``_truth`` the call ledger.

>>> from sentlab.simulator import build_world
>>> voice = build_world(contacts=200, messages=500)._records.voice
>>> voice.calls.n, len(voice.numbers)           # messages // 10 calls, the numbers of 4 scopes
(50, 8)
>>> voice.numbers[0].number, voice.numbers[0].default
('+16593125991', True)
"""

from __future__ import annotations

import base64
import math
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._ids import hash_int, uuid_from_int
from ._records import Table
from ._voice_pricing import call_price

__all__ = [
    "BEHAVIOUR",
    "CALL_STATUSES",
    "DIRECTIONS",
    "FAILURE_REASONS",
    "FINAL",
    "KINDS",
    "CallBehaviour",
    "Recording",
    "Voice",
    "VoiceNumber",
    "billable_seconds",
    "fast_uuid",
    "lognormal",
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
            cid = fast_uuid(self.prng.getrandbits(128))
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
        return billable_seconds(self.calls["times"][i].tolist())

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
        delay = float(lognormal(self.live_rng, BEHAVIOUR.recording_ready, 1)[0])
        recs.append(Recording(uuid_from_int(self.prng.getrandbits(128)), now, math.nan, delay))
        return True

    def stop_recording(self, i: int, now: float) -> bool:
        """Stop the running recording of call ``i`` at ``now``; False if none is running."""
        for r in self.recordings.get(i, []):
            if math.isnan(r.stopped) and r.started <= now:
                r.stopped = now
                return True
        return False


def billable_seconds(row: list[float]) -> int:
    """Billable seconds of a call's final timeline: whole seconds connected (answered, or ringing
    for a call between app users, whose answer Sent never sees), 0 if it never completed."""
    if math.isnan(row[COMPLETED]):
        return 0
    connected = row[ANSWERED] if not math.isnan(row[ANSWERED]) else row[RINGING]
    return math.ceil(max(0.0, row[COMPLETED] - connected) - 1e-9)


_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)


def fast_uuid(n: int) -> str:
    """``_ids.uuid_from_int(n)``, several times faster (10,000 call ids per world).

    >>> fast_uuid(12345) == uuid_from_int(12345)
    True
    """
    h = f"{(n & _UUID4_CLEAR) | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def lognormal(rng: np.random.Generator, spec: tuple[float, float], size: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(size))
