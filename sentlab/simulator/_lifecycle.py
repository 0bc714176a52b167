"""Message lifecycles: each message's steps and their times, its reason, its price, its webhook events.

``add_messages`` stores new messages (historical or live, outbound or inbound) with everything
drawn: the gates that stop a send before any delivery attempt (BLOCKED, FILTERED), the hold of a
scheduled send (moved out of quiet hours at release, or cancelled), the delivery pipeline
(PROCESSED, ROUTED, SENT, DELIVERED, READ or FAILED), the price (per SMS segment, per RCS message
kind, per WhatsApp category; nothing for what is never billed) and one webhook event per
subscribed step. ``cancel`` and ``resend`` change a message after the fact, as the API's
``/cancel`` and ``/resend`` do.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from . import _pricing
from ._ids import uuid_from_int
from ._profiles import active_campaign
from ._records import Records, Webhook
from ._vocab import (
    BLOCKED,
    CANCELLED,
    CHANNELS,
    DELIVERED,
    FAILED,
    FAILURE_REASONS,
    FILTERED,
    HTTP_FAILURES,
    PROCESSED,
    QUEUED,
    READ,
    READ_CHANNELS,
    REASON_CODES,
    REASON_INDEX,
    RECEIVED,
    RESCHEDULED,
    ROUTED,
    SCHEDULED,
    SENT,
    STEPS,
    UNBILLED,
    segment_count,
)

__all__ = ["RETRY_AFTER", "add_messages", "cancel", "gate_reasons", "quiet_release", "resend"]

#: Seconds after an event's emission at which each delivery attempt starts: retries back off
#: 30 s, 2 min, 5 min, 15 min, 30 min (the simulator's own schedule: the docs give none).
RETRY_AFTER = np.cumsum([0.0, 30.0, 120.0, 300.0, 900.0, 1800.0])

#: Steps whose event and timeline entry carry the message's reason.
_REASONED = (FAILED, FILTERED, BLOCKED)


def lognormal(rng: np.random.Generator, spec: tuple[float, float], size: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(size))


def _outcome_tables(records: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = (len(CHANNELS), len(records.regions))
    pf, pd_, pr = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for c, ch in enumerate(CHANNELS):
        for r, region in enumerate(records.regions):
            o = records.params.outcome(ch, region)
            pf[c, r], pd_[c, r] = o.failed, o.delivered
            pr[c, r] = o.read if ch in READ_CHANNELS else 0.0
    return pf, pd_, pr


@functools.cache
def _failure_reasons() -> list[np.ndarray]:
    return [np.array([REASON_INDEX[r] for r in FAILURE_REASONS[ch]], dtype=np.int16) for ch in CHANNELS]


# ---------------------------------------------------------------------------------------------
# before delivery: gates, holds
# ---------------------------------------------------------------------------------------------


def gate_reasons(
    records: Records, rng: np.random.Generator, *, scope: np.ndarray, contact: np.ndarray,
    channel: np.ndarray, template: np.ndarray, at: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """The reason each send is stopped before any delivery attempt (-1: it goes ahead).

    Checked when the message is released (``at``), in this order: the account's balance
    (BLOCKED BUSINESS_003 inside an outage window), the template's approval (BLOCKED
    BUSINESS_005), a 10DLC campaign for US SMS (BLOCKED BUSINESS_030), the contact's opt-out
    (FILTERED BUSINESS_004) and the content filter on marketing messages (FILTERED DELIVERY_012).
    """
    params = records.params
    n = len(at)
    reason = np.full(n, -1, dtype=np.int16)
    registered: dict[tuple[int, int], bool] = {}

    def stop(mask: np.ndarray, code: str) -> None:
        reason[mask & (reason < 0)] = REASON_INDEX[code]

    for outage in params.outages:
        start = records.anchor - outage.day * 86400.0 + outage.hour * 3600.0
        stop((scope == outage.scope) & (at >= start) & (at < start + outage.hours * 3600.0), "BUSINESS_003")
    approved = np.array([t.status == "APPROVED" for t in records.templates] + [True])  # index -1: free text
    stop(~approved[template], "BUSINESS_005")
    us = np.array([r == "US" for r in records.regions])[records.contacts["region"][contact]]
    sms_like = (channel == CHANNELS.index("sms")) | (channel == CHANNELS.index("mms"))
    need = us & sms_like
    if need.any():
        allowed = np.ones(n, dtype=bool)
        for k in np.flatnonzero(need):  # by the hour: a campaign's status changes over days, not seconds
            key = (int(scope[k]), int(at[k] // 3600))
            if key not in registered:
                registered[key] = active_campaign(records, key[0], float(at[k])) is not None
            allowed[k] = registered[key]
        stop(need & ~allowed, "BUSINESS_030")
    stop(records.contacts["opt_out"][contact].astype(bool), "BUSINESS_004")
    categories = np.array([t.category == "MARKETING" for t in records.templates] + [False])
    stop(categories[template] & (rng.random(n) < params.content_filter_share), "DELIVERY_012")
    return reason


@functools.cache
def _zone(region: str) -> ZoneInfo:
    return ZoneInfo(_pricing.TIMEZONE.get(region, "UTC"))


def quiet_release(records: Records, region: np.ndarray, release: np.ndarray) -> np.ndarray:
    """Each release moved to the end of the recipient's quiet hours if it falls inside them.

    Quiet hours are ``params.quiet_hours`` (local start and end hour) in the region's main time
    zone; NaN releases (sends not scheduled) stay NaN.
    """
    start, end = records.params.quiet_hours
    out = release.copy()
    for k in np.flatnonzero(~np.isnan(release)):
        zone = _zone(records.regions[int(region[k])])
        local = datetime.fromtimestamp(float(release[k]), zone)
        inside = (local.hour >= start or local.hour < end) if start > end else (start <= local.hour < end)
        if inside:
            day = local.date() if local.hour < end else local.date() + timedelta(days=1)
            out[k] = datetime(day.year, day.month, day.day, end, tzinfo=zone).timestamp()
    return out


# ---------------------------------------------------------------------------------------------
# the pipeline
# ---------------------------------------------------------------------------------------------


def _lifecycles(
    records: Records, rng: np.random.Generator, created: np.ndarray, channel: np.ndarray, region: np.ndarray,
    gate: np.ndarray, sched: np.ndarray, release: np.ndarray, cancel_at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Each outbound message's timeline (n x len(STEPS) epoch seconds, NaN = never) and reason."""
    n = len(created)
    params = records.params
    pf, pd_, pr = _outcome_tables(records)
    p_failed, p_delivered, p_read = pf[channel, region], pd_[channel, region], pr[channel, region]
    u = rng.random(n)
    failed = u < p_failed
    delivered = (u >= p_failed) & (u < p_failed + p_delivered)
    before_send = failed & (rng.random(n) < params.failed_before_send_share)
    read = delivered & (rng.random(n) < p_read)

    def lat(name: str) -> np.ndarray:
        out = np.empty(n)
        for c, ch in enumerate(CHANNELS):
            mask = channel == c
            if mask.any():
                spec = params.latency.get(ch, params.latency["sms"])[name]
                out[mask] = lognormal(rng, spec, int(mask.sum()))
        return out

    times = np.full((n, len(STEPS)), np.nan)
    times[:, QUEUED] = created
    held = ~np.isnan(sched)
    times[held, SCHEDULED] = created[held] + 0.2
    moved = held & (release != sched)
    times[moved, RESCHEDULED] = sched[moved]
    start = np.where(held, release, created)
    cancelled = held & ~np.isnan(cancel_at)
    times[cancelled, CANCELLED] = cancel_at[cancelled]
    times[cancelled & (times[:, RESCHEDULED] > cancel_at), RESCHEDULED] = np.nan

    reason = gate.astype(np.int16).copy()
    blocked = ~cancelled & (gate >= 0) & np.isin(gate, _indexes(BLOCKED))
    filtered = ~cancelled & (gate >= 0) & ~blocked
    go = ~cancelled & (gate < 0)
    t_proc = start + lat("processed")
    times[blocked, BLOCKED] = (start + 0.3 * lat("processed"))[blocked]
    times[filtered | go, PROCESSED] = t_proc[filtered | go]
    times[filtered, FILTERED] = (t_proc + 0.2)[filtered]
    t_routed = t_proc + 0.25 * lat("processed")
    t_fail_early = t_proc + lat("failed_before_send")
    routed = go & ~before_send
    times[routed, ROUTED] = t_routed[routed]
    t_sent = t_routed + lat("sent")
    times[routed, SENT] = t_sent[routed]
    t_deliv = t_sent + lat("delivered")
    times[go & delivered, DELIVERED] = t_deliv[go & delivered]
    times[go & read, READ] = (t_deliv + lat("read"))[go & read]
    t_fail = np.where(before_send, t_fail_early, t_sent + lat("failed"))
    times[go & failed, FAILED] = t_fail[go & failed]
    for c in range(len(CHANNELS)):
        mask = go & failed & (channel == c)
        if mask.any():
            options = _failure_reasons()[c]
            reason[mask] = options[rng.integers(0, len(options), int(mask.sum()))]
    reason[cancelled | (go & ~failed)] = -1
    return times, reason


@functools.cache
def _indexes(step: int) -> np.ndarray:
    return np.array([REASON_INDEX[code] for code, (s, _) in REASON_CODES.items() if s == step], dtype=np.int16)


def _prices(
    records: Records, channel: np.ndarray, region: np.ndarray, template: np.ndarray, segments: np.ndarray,
    rich: np.ndarray, final: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Channel price and markup per message; messages that end unbilled cost nothing."""
    n = len(channel)
    price, markup = np.zeros(n), np.zeros(n)
    billed = np.flatnonzero(~np.isin(final, list(UNBILLED)))
    if len(billed) == 0:
        return price, markup
    keys = np.stack([channel[billed], region[billed], template[billed], segments[billed], rich[billed]], axis=1)
    unique, inverse = np.unique(keys.astype(np.int64), axis=0, return_inverse=True)
    values = np.empty((len(unique), 2))
    for k, (ch_i, rg_i, tpl_i, seg, rich_k) in enumerate(unique.tolist()):
        ch, rc = CHANNELS[ch_i], records.regions[rg_i]
        category = records.templates[tpl_i].category if tpl_i >= 0 else None
        values[k] = (records.params.price(ch, rc, category, segments=seg, rich=bool(rich_k)),
                     records.params.markup(ch, rc))  # fmt: skip
    price[billed], markup[billed] = values[inverse.ravel(), 0], values[inverse.ravel(), 1]
    return price, markup


def _emit_events(records: Records, rng: np.random.Generator, webhook: Webhook, msgs: np.ndarray,
                 steps_only: frozenset[int] | None = None, after: float = -math.inf) -> None:  # fmt: skip
    """Append one event per subscribed step of ``msgs`` (message rows) reached after ``after``."""
    steps = sorted(webhook.steps() & (steps_only or frozenset(range(len(STEPS)))))
    if not steps or len(msgs) == 0:
        return
    m = records.messages
    times = m["times"][msgs][:, steps]
    times = np.where(times > after, times, np.nan)
    rows, cols = np.nonzero(~np.isnan(times))
    if len(rows) == 0:
        return
    msg = msgs[rows]
    step = np.asarray(steps, dtype=np.int8)[cols]
    status_time = times[rows, cols]
    k = len(msg)
    created = status_time + lognormal(rng, (0.3, 0.5), k)
    u = rng.random(k)
    failed = u < webhook.failure_share
    retried = ~failed & (u < webhook.failure_share + records.params.webhook_retry_share) & (webhook.retry_count > 1)
    outcome = np.where(failed, 2, np.where(retried, 1, 0)).astype(np.int8)
    attempts = np.ones(k, dtype=np.int8)
    attempts[failed] = webhook.retry_count
    if retried.any():
        attempts[retried] = rng.integers(2, webhook.retry_count + 1, int(retried.sum()))
    http = np.full(k, 200, dtype=np.int16)
    if failed.any():
        codes = np.array([c for c, _ in HTTP_FAILURES], dtype=np.int16)
        http[failed] = codes[rng.integers(0, len(codes), int(failed.sum()))]
    started = lognormal(rng, (0.2, 0.5), k)
    response = lognormal(rng, (0.12, 0.6), k)
    per_try = np.where(http == 0, float(webhook.timeout_seconds), response)
    completed = started + RETRY_AFTER[np.clip(attempts - 1, 0, 5)] + per_try
    serial = np.arange(records.serial, records.serial + k, dtype=np.int64)
    records.serial += k
    degenerate = rng.random(k) < records.params.degenerate_event_share
    reason = np.where(np.isin(step, _REASONED), m["reason"][msg], -1).astype(np.int16)
    sched = np.full(k, np.nan)
    sched[step == SCHEDULED] = m["sched"][msg[step == SCHEDULED]]
    sched[step == RESCHEDULED] = m["release"][msg[step == RESCHEDULED]]
    cancel = step == CANCELLED
    moved = ~np.isnan(m["times"][msg[cancel], RESCHEDULED])
    sched[cancel] = np.where(moved, m["release"][msg[cancel]], m["sched"][msg[cancel]])
    live = webhook.live  # a loopback endpoint: ``_delivery`` POSTs these and records what happened
    if live:
        outcome[:], attempts[:], http[:], degenerate[:] = 0, 0, 0, False
        started, completed = np.full(k, np.inf), np.full(k, np.inf)
    webhook.events.extend(
        k, created=created, msg=msg, step=step, at=status_time, reason=reason, sched=sched, serial=serial,
        outcome=outcome, attempts=attempts, http=http, degenerate=degenerate, started=started, completed=completed,
        live=int(live),
    )  # fmt: skip
    webhook.dirty = True


def _webhooks_for(records: Records, scope: int) -> list[Webhook]:
    """Active webhooks that see ``scope``'s messages: its own, and the organization's."""
    return [w for w in records.webhooks if not w.deleted and w.is_active and w.scope in (0, scope)]


def add_messages(
    records: Records, *, scope: np.ndarray, contact: np.ndarray, channel: np.ndarray, template: np.ndarray,
    created: np.ndarray, rng: np.random.Generator, direction: np.ndarray | None = None,
    sched: np.ndarray | None = None, gate: np.ndarray | None = None, cancel_at: np.ndarray | None = None,
    reply_to: np.ndarray | None = None, units: np.ndarray | None = None, gsm7: np.ndarray | None = None,
    rich: np.ndarray | None = None,
) -> range:  # fmt: skip
    """Draw the lifecycles, prices and webhook events of new messages, and store them.

    ``direction`` (0 outbound, 1 inbound; default all outbound), ``sched`` (the release asked for;
    NaN = send now), ``gate`` (reason index stopping the send at release, -1 = none; default:
    none), ``cancel_at`` (when a held send is called off; NaN = never), ``reply_to`` (an inbound's
    outbound row), ``units``/``gsm7`` (the body's SMS length, for segments; default one segment),
    ``rich`` (RCS billed as a single rich message). Returns the new rows.
    """
    n = len(created)
    nan = np.full(n, np.nan)
    direction = np.zeros(n, dtype=np.int8) if direction is None else direction
    sched = nan if sched is None else sched
    region = records.contacts["region"][contact].astype(np.int64)
    release = quiet_release(records, region, sched)
    gate = np.full(n, -1, dtype=np.int16) if gate is None else gate
    cancel_at = nan if cancel_at is None else cancel_at
    times, reason = _lifecycles(records, rng, created, channel, region, gate, sched, release, cancel_at)
    inbound = direction == 1
    times[inbound] = np.nan
    times[inbound, RECEIVED] = created[inbound]
    reason[inbound] = -1
    sms = channel == CHANNELS.index("sms")
    segments = np.ones(n, dtype=np.int64)
    if units is not None:
        gsm = np.ones(n, dtype=bool) if gsm7 is None else gsm7
        segments[sms] = [segment_count(int(u), bool(g)) for u, g in zip(units[sms], gsm[sms], strict=True)]
    rich = np.zeros(n, dtype=bool) if rich is None else rich
    final = np.nanargmax(times, axis=1)
    price, markup = _prices(records, channel, region, template, segments, rich, final)
    rows = records.messages.extend(
        n, created=created, times=times, channel=channel, direction=direction, contact=contact, template=template,
        scope=scope, reason=reason, segments=np.minimum(segments, 127), rich=rich, sched=sched, release=release,
        reply_to=-1 if reply_to is None else reply_to, price=price, markup=markup,
    )  # fmt: skip
    for row in rows:
        mid = uuid_from_int(records.prng.getrandbits(128))
        records.message_ids.append(mid)
        records.message_by_id[mid] = row
    records.messages_changed()
    new = np.arange(rows.start, rows.stop)
    for w in records.webhooks:
        if w.deleted or not w.is_active:
            continue
        mine = new if w.scope == 0 else new[scope == w.scope]
        _emit_events(records, rng, w, mine)
    return rows


# ---------------------------------------------------------------------------------------------
# after the fact: cancel, resend
# ---------------------------------------------------------------------------------------------


def _drop_future_events(records: Records, i: int, now: float) -> None:
    for w in records.webhooks:
        ev = w.events
        if ev.n:
            ev.keep(~((ev["msg"] == i) & (ev["created"] > now)))


def cancel(records: Records, i: int, rng: np.random.Generator) -> None:
    """Call off held message ``i`` now: CANCELLED, free, with ``message.cancelled`` fired."""
    m = records.messages
    now = records.now_ts()
    row = m["times"][i]
    row[row > now] = np.nan
    row[CANCELLED] = now
    m["reason"][i] = -1
    m["price"][i] = m["markup"][i] = 0.0
    _drop_future_events(records, i, now)
    records.messages_changed()
    scope = int(m["scope"][i])
    for w in _webhooks_for(records, scope):
        _emit_events(records, rng, w, np.array([i]), frozenset({CANCELLED}))


def resend(records: Records, i: int, rng: np.random.Generator) -> None:
    """Put finished message ``i`` through the pipeline again from now: a new, billed attempt.

    The earlier attempt's steps are kept (its timeline entries stay in ``events``); ``price``
    and ``active_contact_price`` become what the message has been billed in all.
    """
    m = records.messages
    now = records.now_ts()
    prior = records.prior_attempts.setdefault(i, [])
    reason_now = int(m["reason"][i])
    prior.extend((float(ts), k, reason_now if k in _REASONED else -1) for ts, k in records.visible_steps(i, now))
    one = np.array([i])
    scope, contact, channel, template = m["scope"][one], m["contact"][one], m["channel"][one], m["template"][one]
    at = np.array([now])
    gate = gate_reasons(records, rng, scope=scope, contact=contact, channel=channel, template=template, at=at)
    region = records.contacts["region"][contact].astype(np.int64)
    nan = np.array([np.nan])
    times, reason = _lifecycles(records, rng, at, channel, region, gate, nan, nan, nan)
    seg = m["segments"][one].astype(np.int64)
    rich = m["rich"][one]
    price, markup = _prices(records, channel, region, template, seg, rich, np.nanargmax(times, axis=1))
    m["times"][i] = times[0]
    m["reason"][i] = reason[0]
    m["sched"][i] = m["release"][i] = np.nan
    m["price"][i] = round(float(m["price"][i]) + float(price[0]), 4)
    m["markup"][i] = round(float(m["markup"][i]) + float(markup[0]), 4)
    records.messages_changed()
    for w in _webhooks_for(records, int(scope[0])):
        _emit_events(records, rng, w, one, after=now - 1e-9)
