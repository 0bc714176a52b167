"""Drawing a world's voice from its seed: every scope's voice numbers, a history of calls, live legs.

``populate_voice`` runs last in ``_generate.populate`` (it picks the calls' far ends among the
contacts) and draws from generators of its own, so the rest of the world does not depend on it;
``dial_leg`` draws a participant dialled into a room by the API, from ``voice.live_rng``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _numbers
from ._records import Records
from ._voice import (
    ANONYMOUS,
    ANSWERED,
    BEHAVIOUR,
    CALL_STATUSES,
    COMPLETED,
    CONFERENCE,
    FAILED,
    INBOUND,
    INITIATED,
    NO_ANSWER,
    NUMBER,
    OUTBOUND,
    R_NO_ANSWER,
    R_NOT_CONFIGURED,
    R_REJECTED,
    R_TIMEOUT,
    REJECTED,
    RINGING,
    USER,
    Recording,
    Voice,
    VoiceNumber,
    fast_uuid,
    lognormal,
)
from ._voice_pricing import APP_RATE, INBOUND_RATE, outbound_rate

__all__ = ["dial_leg", "populate_voice"]


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
    The steps below draw from one generator in a fixed order; each builds on the ones before.

    >>> from sentlab.simulator import SimClock, WorldParams
    >>> from sentlab.simulator._generate import populate
    >>> from sentlab.simulator._records import Records
    >>> records = Records(7, WorldParams(), SimClock())
    >>> populate(records, contacts=50, messages=20, profiles=2, calls=30)
    >>> records.voice.calls.n, len(records.voice.numbers)
    (30, 7)
    """
    voice = Voice(records.seed, len(records.scopes))
    records.voice = voice
    _draw_numbers(records, voice)
    if calls <= 0:
        return
    rng = np.random.default_rng([records.seed, 2])
    scope, started, direction = _draw_starts(records, rng, calls)
    number = _draw_lines(voice, rng, scope, started)
    ends = _draw_outcomes(voice, rng, direction, number)
    times = _draw_timelines(rng, started, ends)
    pools = _contact_pools(records)
    contact = _draw_far_ends(records, rng, scope, ends, pools)
    region = _regions_of(records.contacts["region"], contact)
    rate = _rates(records, ends, region)
    from_values, to_values = _draw_party_values(records, voice, rng, scope, number, ends, contact)
    primary = {"scope": scope, "number": number, "direction": direction, "times": times, "reason": ends.reason,
               "from_kind": ends.from_kind, "to_kind": ends.to_kind, "region": region, "rate": rate}  # fmt: skip
    legs, leg_from, leg_to = _draw_legs(records, voice, rng, primary, to_values, pools)
    _store_calls(voice, rng, primary, from_values, to_values, legs, leg_from, leg_to)
    _draw_recordings(voice, rng)


def _draw_starts(records: Records, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(scope, started, direction)`` of ``n`` calls, oldest first: who owns each call, when it
    starts (a business-hours rhythm over the history and the start day), inbound or outbound."""
    params = records.params
    n_scopes = len(records.scopes)
    weights = np.array([0.05, *[params.profile_weights[p % len(params.profile_weights)] for p in range(n_scopes - 1)]])
    scope = rng.choice(n_scopes, size=n, p=weights / weights.sum()).astype(np.int16)
    days = rng.integers(0, params.history_days + 1, n)  # the last day is the clock's start day
    hours = _pick(rng, BEHAVIOUR.hour_weights, n)
    started = records.history_start + days * 86400.0 + hours * 3600.0 + rng.random(n) * 3600.0
    order = np.argsort(started, kind="stable")
    scope, started = scope[order], started[order]
    direction = (rng.random(n) < BEHAVIOUR.inbound_share).astype(np.int8)
    return scope, started, direction


def _draw_lines(voice: Voice, rng: np.random.Generator, scope: np.ndarray, started: np.ndarray) -> np.ndarray:
    """The owning number of each call: mostly its scope's default line, the others while they were on."""
    number = np.empty(len(scope), dtype=np.int16)
    for s in range(voice.n_scopes):
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
    return number


@dataclass
class _Ends:
    """Who each call is between and how it ends (columns, one row per call)."""

    inbound: np.ndarray  # bool
    from_kind: np.ndarray
    to_kind: np.ndarray
    reason: np.ndarray  # index into FAILURE_REASONS, -1 = none
    #: 0 completes, 1 fails before ringing, 2 fails ringing, 3 no answer, 4 rejected
    outcome: np.ndarray
    before_ring: np.ndarray  # bool: failed before it rang (the callback never routed it)
    app: np.ndarray  # bool: an app user calling an app user (as drawn, before far ends are picked)


def _draw_outcomes(voice: Voice, rng: np.random.Generator, direction: np.ndarray, number: np.ndarray) -> _Ends:
    """Each call's parties (kinds of its two ends) and its outcome, with a failure reason."""
    b = BEHAVIOUR
    n = len(direction)
    u = rng.random(n)
    reason = np.full(n, -1, dtype=np.int8)
    outcome = np.zeros(n, dtype=np.int8)
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
    return _Ends(inbound, from_kind, to_kind, reason, outcome, before_ring, app)


def _draw_timelines(rng: np.random.Generator, started: np.ndarray, ends: _Ends) -> np.ndarray:
    """When each call reached each status (NaN = never), from its start and its outcome."""
    b = BEHAVIOUR
    n = len(started)
    outcome, reason, app = ends.outcome, ends.reason, ends.app
    times = np.full((n, len(CALL_STATUSES)), np.nan)
    times[:, INITIATED] = started
    ring = started + lognormal(rng, b.ring_after, n)
    conference = ends.to_kind == CONFERENCE
    answer = ring + np.where(conference, lognormal(rng, b.room_answer_after, n), lognormal(rng, b.answer_after, n))
    talk = np.minimum(lognormal(rng, b.talk, n), b.max_talk)
    rings = outcome != 1
    times[rings, RINGING] = ring[rings]
    done = outcome == 0
    answered = done & ~app
    times[answered, ANSWERED] = answer[answered]
    times[done, COMPLETED] = np.where(app, ring + lognormal(rng, b.answer_after, n) + talk, answer + talk)[done]
    fast = np.where(reason == R_TIMEOUT, b.callback_deadline, lognormal(rng, b.fail_after, n))
    times[outcome == 1, FAILED] = (started + fast)[outcome == 1]
    times[outcome == 2, FAILED] = (ring + lognormal(rng, b.ring_fail_after, n))[outcome == 2]
    times[outcome == 3, NO_ANSWER] = (ring + b.ring_timeout + rng.random(n))[outcome == 3]
    times[outcome == 4, REJECTED] = (ring + lognormal(rng, b.reject_after, n))[outcome == 4]
    return times


def _contact_pools(records: Records) -> list[np.ndarray]:
    """The contacts each scope may call or be called by: its own, and (profiles) the inherited ones."""
    pools = []
    for s in range(len(records.scopes)):
        own = records.scope_contacts[s]
        pools.append(np.asarray(own if s == 0 else own + records.scope_contacts[0], dtype=np.int64))
    return pools


def _draw_far_ends(records: Records, rng: np.random.Generator, scope: np.ndarray, ends: _Ends,
                   pools: list[np.ndarray]) -> np.ndarray:  # fmt: skip
    """The contact at each call's phone end (-1: none); without contacts to pick, the phone end
    becomes a withheld caller (inbound) or an app user (outbound), in ``ends``."""
    inbound, from_kind, to_kind = ends.inbound, ends.from_kind, ends.to_kind
    contact = np.full(len(scope), -1, dtype=np.int64)
    phone_end = (inbound & (from_kind == NUMBER)) | (~inbound & (to_kind == NUMBER))
    for s in range(len(records.scopes)):
        mask = phone_end & (scope == s)
        if mask.any() and len(pools[s]):
            pick = (rng.power(0.6, int(mask.sum())) * len(pools[s])).astype(np.int64)
            contact[mask] = pools[s][np.minimum(pick, len(pools[s]) - 1)]
    orphan = phone_end & (contact < 0)  # a world without contacts: withheld callers, app users dialling app users
    from_kind[orphan & inbound] = ANONYMOUS
    to_kind[orphan & ~inbound] = USER
    return contact


def _rates(records: Records, ends: _Ends, region: np.ndarray) -> np.ndarray:
    """Each call's rate in USD a minute: inbound, in-app, forwarded to a number, or dialled out by region."""
    inbound, to_kind = ends.inbound, ends.to_kind
    rate = np.where(inbound, INBOUND_RATE, APP_RATE)
    rate = np.where(inbound & (to_kind == NUMBER) & ~ends.before_ring, INBOUND_RATE + outbound_rate("US"), rate)
    out_rates = np.array([outbound_rate(r) for r in records.regions])
    return np.where(~inbound & (to_kind == NUMBER), out_rates[np.maximum(region, 0)], rate)


def _draw_party_values(records: Records, voice: Voice, rng: np.random.Generator, scope: np.ndarray,
                       number: np.ndarray, ends: _Ends, contact: np.ndarray,
                       ) -> tuple[list[str | None], list[str | None]]:  # fmt: skip
    """The ``from`` and ``to`` values of each call: phone numbers, app user identities, rooms."""
    n = len(scope)
    inbound, before_ring = ends.inbound, ends.before_ring
    agent = rng.integers(0, 1 << 30, n)
    room = rng.integers(0, 1 << 24, n)
    from_values: list[str | None] = []
    to_values: list[str | None] = []
    for k in range(n):
        s = int(scope[k])
        idents = voice.identities[s]
        me = idents[int(agent[k]) % len(idents)]
        fk, tk = int(ends.from_kind[k]), int(ends.to_kind[k])
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
    return from_values, to_values


def _store_calls(voice: Voice, rng: np.random.Generator, primary: dict[str, np.ndarray],
                 from_values: list[str | None], to_values: list[str | None], legs: dict[str, np.ndarray],
                 leg_from: list[str | None], leg_to: list[str | None]) -> None:  # fmt: skip
    """Store the calls, then their participant legs; legs are calls of their own, so as many
    calls that are not conferences are dropped at random, and the world has the calls asked for."""
    to_kind = primary["to_kind"]
    n = len(to_kind)
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
    ring = np.minimum(start + lognormal(rng, b.ring_after, m), (start + end) / 2)
    pickup = ring + lognormal(rng, b.answer_after, m)
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
    delays = lognormal(rng, b.recording_ready, 2 * len(recorded)).reshape(-1, 2)
    for j, i in enumerate(recorded):
        answered, end = float(times[i, ANSWERED]), float(times[i, COMPLETED])
        new_id = lambda: fast_uuid(voice.prng.getrandbits(128))  # noqa: E731
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
    ring = min(now + float(lognormal(rng, b.ring_after, 1)[0]), (now + end) / 2)
    pickup = ring + float(lognormal(rng, b.answer_after, 1)[0])
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
