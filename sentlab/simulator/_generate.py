"""Drawing a world's synthetic records from its seed: the initial account and its history.

``populate`` fills empty records with an organization, its profiles, users, templates, webhooks,
contacts and a history of messages: outbound sends (some scheduled ahead, moved by quiet hours or
cancelled; some stopped by the platform or the account) and the contacts' inbound replies.
Lifecycles, prices and webhook events are ``_lifecycle``'s; texts are ``_bodies``'. Same seed,
sizes and clock start's date, same records: every draw comes from ``records.prng`` (ids,
numbers) or a numpy generator seeded by it.
"""

from __future__ import annotations

import base64
import random

import numpy as np

from . import _numbers, _pricing
from ._bodies import FIRST_NAMES, message_body, template_units
from ._ids import uuid_from_int
from ._lifecycle import add_messages, gate_reasons, lognormal
from ._profile_seed import populate_profiles
from ._records import Records, Scope, Template, User, Webhook, event_table
from ._vocab import CHANNEL_BIT, CHANNELS, DELIVERED, READ, variables
from ._voice_draw import populate_voice

__all__ = ["add_messages", "message_body", "new_secret", "populate"]


# ---------------------------------------------------------------------------------------------
# what the synthetic profiles are called and send
# ---------------------------------------------------------------------------------------------

_PROFILE_NAMES = (("Marketing", "MKT"), ("Support", "SUP"), ("Billing", "BIL"), ("Growth", "GRW"),
                  ("Operations", "OPS"), ("Logistics", "LOG"), ("Security", "SEC"), ("Retail", "RTL"))  # fmt: skip
# (name, category, channels, language, text, footer, button)
_CATALOGUE: tuple[tuple[str, str, tuple[str, ...], str, str, str | None, str | None], ...] = (
    ("spring_sale", "MARKETING", ("sms", "whatsapp", "rcs", "mms"), "en_US",
     "Hi {{name}}, our spring sale is on: {{discount}} off everything until Sunday. Shop now: {{link}}",
     "Reply STOP to opt out", "Shop now"),
    ("back_in_stock", "MARKETING", ("whatsapp", "rcs"), "en_US",
     "Good news {{name}}! {{product}} is back in stock.", None, "View product"),
    ("loyalty_points", "MARKETING", ("sms", "rcs"), "en_US",
     "{{name}}, you have {{points}} Acme loyalty points waiting. Redeem them online or in any of our "
     "stores before {{date}} and shipping is free on your next order. Reply STOP to opt out",
     None, None),
    ("order_confirmation", "UTILITY", ("sms", "whatsapp", "rcs"), "en_US",
     "Hi {{name}}, your order {{order_id}} has been confirmed.", None, None),
    ("shipping_update", "UTILITY", ("sms", "whatsapp", "rcs"), "en_US",
     "Your order {{order_id}} has shipped and will arrive on {{date}}.", None, "Track order"),
    ("appointment_reminder", "UTILITY", ("sms",), "en_US",
     "Reminder: your appointment is on {{date}} at {{time}}. Reply C to cancel.", None, None),
    ("payment_receipt", "UTILITY", ("whatsapp",), "en_US",
     "We received your payment of {{amount}}. Thank you, {{name}}!", None, None),
    ("confirmacion_pedido", "UTILITY", ("sms", "whatsapp"), "es_ES",
     "Hola {{name}}, tu pedido {{order_id}} ha sido confirmado.", None, None),
    ("confirmacao_pedido", "UTILITY", ("sms", "whatsapp"), "pt_BR",
     "Olá {{name}}, seu pedido {{order_id}} foi confirmado e já está em preparação. Obrigado!",
     None, None),
    ("login_code", "AUTHENTICATION", ("sms", "whatsapp", "rcs"), "en_US",
     "{{code}} is your verification code. It expires in 10 minutes.", None, "Copy code"),
    ("password_reset", "AUTHENTICATION", ("sms", "whatsapp"), "en_US",
     "Use {{code}} to reset your password. Do not share this code.", None, None),
)  # fmt: skip
#: The creative each MMS template sends: (url, mime type, size in bytes).
MMS_MEDIA: dict[str, tuple[str, str, int]] = {
    "spring_sale": ("https://cdn.acme.example/mms/spring-sale.jpg", "image/jpeg", 184_320),
}
# Templates that never get approved, so every profile has PENDING and REJECTED ones.
_UNAPPROVED: tuple[tuple[str, str, tuple[str, ...], str, str, str], ...] = (
    ("summer_preview", "MARKETING", ("whatsapp",), "en_US",
     "{{name}}, be the first to see our summer collection: {{link}}", "PENDING"),
    ("two_factor_voice", "AUTHENTICATION", ("sms",), "en_US", "Your code is {{code}}.", "PENDING"),
    ("flash_deal_urgent", "MARKETING", ("sms", "whatsapp"), "en_US",
     "LAST CHANCE!!! {{discount}} off ends in 1 hour: {{link}}", "REJECTED"),
    ("delivery_window", "UTILITY", ("whatsapp",), "en_US",
     "Choose your delivery window for order {{order_id}}.", "REJECTED"),
)  # fmt: skip


def new_secret(records: Records) -> str:
    """A fresh ``whsec_`` signing secret, drawn from the world's seed."""
    return "whsec_" + base64.b64encode(random.Random(records.prng.getrandbits(64)).randbytes(24)).decode()


# ---------------------------------------------------------------------------------------------
# the initial account
# ---------------------------------------------------------------------------------------------


def populate(records: Records, contacts: int, messages: int, profiles: int, calls: int | None = None) -> None:
    """Fill empty ``records`` with a synthetic organization of ``profiles`` profiles.

    The steps run in a fixed order, since each draws from the same generators: scopes, users,
    brands and campaigns, templates, webhooks, contacts, messages, and ``calls`` (default
    ``messages // 10``) voice calls last, by ``_voice_draw``.

    >>> from sentlab.simulator import SimClock, WorldParams
    >>> records = Records(7, WorldParams(), SimClock())
    >>> populate(records, contacts=50, messages=20, profiles=2)
    >>> records.messages.n, len(records.scopes)
    (20, 3)
    """
    rng = np.random.default_rng(records.seed)
    _draw_scopes(records, profiles)
    _draw_users(records)
    populate_profiles(records)  # brands, 10DLC campaigns, onboarding: a generator of their own
    _draw_templates(records)
    _draw_webhooks(records)
    weights = _profile_weights(records, profiles)
    _draw_contacts(records, rng, contacts, weights)
    if messages:
        _outbound_history(records, rng, messages, weights)
        _inbound_history(records, rng)
    populate_voice(records, messages // 10 if calls is None else calls)  # on the finished account
    records.version += 1


def _new_id(records: Records) -> str:
    return uuid_from_int(records.prng.getrandbits(128))


def _new_key(records: Records) -> str:
    return f"sk_test_{records.prng.getrandbits(128):032x}"


def _draw_scopes(records: Records, profiles: int) -> None:
    """The organization, then its ``profiles`` profiles, each with its key and two numbers."""
    prng = records.prng
    anchor, start = records.anchor, records.history_start
    org_created = start - 400 * 86400
    records.scopes.append(Scope(0, _new_id(records), "organization", "Acme Corporation", "ACME", "admin@acme.example",
                                "Acme Corporation organization account", org_created, anchor - 20 * 86400,
                                _new_key(records), _numbers.make_number("US", prng),
                                _numbers.make_number("US", prng)))  # fmt: skip
    for p in range(profiles):
        name, short = _PROFILE_NAMES[p % len(_PROFILE_NAMES)]
        if p >= len(_PROFILE_NAMES):
            name, short = f"{name} {p // len(_PROFILE_NAMES) + 1}", f"{short}{p // len(_PROFILE_NAMES) + 1}"
        created = org_created + (p + 1) * 11 * 86400
        records.scopes.append(Scope(p + 1, _new_id(records), "profile", name, short, f"{short.lower()}@acme.example",
                                    f"{name} sender profile", created, anchor - (p + 3) * 86400, _new_key(records),
                                    _numbers.make_number("US", prng), _numbers.make_number("US", prng)))  # fmt: skip
    records.scope_contacts = [[] for _ in records.scopes]


def _draw_users(records: Records) -> None:
    """The organization's admin, developer and invited billing user; one or two users a profile."""
    anchor = records.anchor
    roles = (("admin", "active"), ("developer", "active"), ("billing", "invited"))
    for s in records.scopes:
        for u, (role, status) in enumerate(roles if s.index == 0 else roles[: 1 + s.index % 2]):
            first = FIRST_NAMES[(s.index * 3 + u) % len(FIRST_NAMES)]
            invited = s.created + u * 86400
            records.users.append(User(_new_id(records), s.index, f"{first.lower()}.{role}@acme.example",
                                      f"{first} {role.title()}", role, status, invited,
                                      None if status == "invited" else anchor - (u + 1) * 3600,
                                      invited, invited + 86400))  # fmt: skip


def _draw_templates(records: Records) -> None:
    """Every scope gets the catalogue (a few dropped, varying by profile) plus the unapproved ones."""
    anchor = records.anchor
    for s in records.scopes:
        created0 = s.created + 86400
        for k, (name, cat, chans, lang, text, footer, button) in enumerate(_CATALOGUE):
            if s.index > 0 and k % (s.index + 3) == s.index and cat != "AUTHENTICATION":
                continue  # profiles differ a little
            if s.index == 0 and k % 3:
                continue  # the organization keeps a few of its own
            created = created0 + k * 3 * 86400
            records.templates.append(Template(_new_id(records), s.index, name, cat, lang, "APPROVED", list(chans),
                                              {c: text for c in chans}, variables(text), created,
                                              created + 2 * 86400 if k % 2 else None, footer, button))  # fmt: skip
        for k, (name, cat, chans, lang, text, status) in enumerate(_UNAPPROVED):
            created = anchor - (k + 2) * 86400
            records.templates.append(Template(_new_id(records), s.index, name, cat, lang, status, list(chans),
                                              {c: text for c in chans}, variables(text), created,
                                              created + 3600))  # fmt: skip


def _draw_webhooks(records: Records) -> None:
    """Each profile's "messages" webhook, a narrow (on profile 1 flaky) one on odd profiles, and
    the organization's webhook for failures across all its profiles."""
    params = records.params
    for s in records.scopes:
        specs: list[tuple[str, str, list[str], float]] = []
        if s.index == 0:
            specs.append(("Failure alerts", "https://hooks.acme.example/sent/failures", ["message.failed"],
                          params.webhook_failure_share))  # fmt: skip
        else:
            specs.append((f"{s.name} delivery receipts", f"https://hooks.acme.example/sent/{s.short_name.lower()}",
                          ["messages"], params.webhook_failure_share))  # fmt: skip
            if s.index % 2 == 1:
                specs.append((f"{s.name} analytics", f"https://analytics.acme.example/ingest/{s.short_name.lower()}",
                              ["message.delivered", "message.read", "message.failed"],
                              params.flaky_webhook_failure_share if s.index == 1 else params.webhook_failure_share))  # fmt: skip
        for name, url, types, failure in specs:
            records.webhooks.append(Webhook(_new_id(records), s.index, name, url, new_secret(records), True, types,
                                            3, 30, records.history_start - 10 * 86400, None, failure,
                                            event_table()))  # fmt: skip


def _profile_weights(records: Records, profiles: int) -> np.ndarray:
    """Each profile's share of the contacts and sends (``params.profile_weights``, cycled)."""
    weights = records.params.profile_weights
    return np.array([weights[p % len(weights)] for p in range(profiles)], dtype=float)


def _draw_contacts(records: Records, rng: np.random.Generator, contacts: int, weights: np.ndarray) -> None:
    """``contacts`` contacts: a share the organization's, the rest split over the profiles by
    ``weights``; each with a region, channels, a default channel, opt-out and a unique phone."""
    params = records.params
    org_n = max(1, round(contacts * params.org_contact_share)) if contacts else 0
    per_profile = rng.multinomial(max(contacts - org_n, 0), weights / weights.sum())
    counts = [org_n, *per_profile.tolist()]
    regions = records.regions
    region_p = np.array([params.region_weights.get(r, 1.0) for r in regions], dtype=float)
    region_p /= region_p.sum()
    used_phones: set[str] = set()
    for scope_idx in range(len(records.scopes)):
        n = counts[scope_idx]
        if n == 0:
            continue
        reg = rng.choice(len(regions), size=n, p=region_p)
        _add_scope_contacts(records, rng, scope_idx, reg, used_phones)


def _add_scope_contacts(records: Records, rng: np.random.Generator, scope_idx: int, reg: np.ndarray,
                        used_phones: set[str]) -> None:  # fmt: skip
    """Draw and store the contacts of one scope, in regions ``reg``; ``used_phones`` grows."""
    params = records.params
    regions = records.regions
    anchor, start = records.anchor, records.history_start
    n = len(reg)
    bits = contact_bits(records, rng, reg)
    pick = rng.random(n)
    default = np.where((bits & 2 > 0) & (pick < 0.6), CHANNELS.index("whatsapp"),
                       np.where((bits & 4 > 0) & (pick > 0.8), CHANNELS.index("rcs"), 0)).astype(np.int8)  # fmt: skip
    opt_out = rng.random(n) < params.opt_out_share
    created = start - 150 * 86400 + rng.random(n) * 120 * 86400  # all before the history window
    updated = np.where(rng.random(n) < 0.6, created + rng.random(n) * (anchor - created), np.nan)
    phones = []
    for r in reg:
        phone = _numbers.make_number(regions[int(r)], records.prng)
        while phone in used_phones:  # unique across the organization: no inherited duplicates
            phone = _numbers.make_number(regions[int(r)], records.prng)
        used_phones.add(phone)
        phones.append(phone)
    order = np.argsort(created, kind="stable")  # stored oldest first; lists show newest first
    records.add_contacts(scope_idx, [phones[k] for k in order], [regions[int(reg[k])] for k in order],
                         bits[order], default[order], opt_out[order], created[order], updated[order])  # fmt: skip


def contact_bits(records: Records, rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """Channel bits of new contacts in ``region`` (region indices): SMS always, WhatsApp and RCS
    by their regional shares, MMS wherever carriers take it."""
    params = records.params
    regions = records.regions
    wa = np.array([params.whatsapp_share.get(r, params.whatsapp_share_default) for r in regions])[region]
    rcs = np.array([params.rcs_share.get(r, 0.0) if r in _pricing.RCS_RATES else 0.0 for r in regions])[region]
    mms = np.array([r in _pricing.MMS_RATES for r in regions])[region]
    bits = np.full(len(region), CHANNEL_BIT["sms"], dtype=np.int8)
    bits |= np.where(rng.random(len(region)) < wa, CHANNEL_BIT["whatsapp"], 0).astype(np.int8)
    bits |= np.where(rng.random(len(region)) < rcs, CHANNEL_BIT["rcs"], 0).astype(np.int8)
    bits |= np.where(mms, CHANNEL_BIT["mms"], 0).astype(np.int8)
    return bits


def _pick_channels(records: Records, rng: np.random.Generator, contact: np.ndarray) -> np.ndarray:
    """The channel of each outbound message: mostly the contact's default, else another of its
    channels; SMS goes out as MMS for a share of contacts who can take it."""
    c = records.contacts
    bits, default = c["channels"][contact].astype(np.int64), c["default"][contact].astype(np.int64)
    n = len(contact)
    choices = np.array([CHANNELS.index(ch) for ch in ("sms", "whatsapp", "rcs")])
    reachable = (bits[:, None] & np.array([CHANNEL_BIT[CHANNELS[ch]] for ch in choices])) > 0
    reachable &= choices[None, :] != default[:, None]
    # a quarter of the messages go out on another of the contact's channels, picked at random
    scores = np.where(reachable, rng.random((n, len(choices))), -1.0)
    other = (rng.random(n) >= 0.75) & reachable.any(axis=1)
    channel = np.where(other, choices[np.argmax(scores, axis=1)], default)
    mms = (channel == 0) & (bits & CHANNEL_BIT["mms"] > 0) & (rng.random(n) < records.params.mms_share)
    channel[mms] = CHANNELS.index("mms")
    return channel.astype(np.int8)


def _outbound_history(records: Records, rng: np.random.Generator, messages: int, weights: np.ndarray) -> None:
    """``messages`` outbound sends over the history: who sent each to whom, on which channel and
    template, when (some scheduled, held or cancelled), stored oldest first with their lifecycles."""
    scope, contact = _pick_recipients(records, rng, messages, weights)
    channel = _pick_channels(records, rng, contact)
    template = _pick_templates(records, rng, scope, channel)
    created, sched, cancel_at, at = _send_times(records, rng, messages)
    order = np.argsort(created, kind="stable")
    scope, contact, channel, template = scope[order], contact[order], channel[order], template[order]
    created, sched, cancel_at, at = created[order], sched[order], cancel_at[order], at[order]
    gate = gate_reasons(records, rng, scope=scope, contact=contact, channel=channel, template=template, at=at)
    rows = np.arange(records.messages.n, records.messages.n + messages)
    units, gsm7 = template_units(records, rows, template, channel)
    buttons = np.array([t.button is not None for t in records.templates])[template]
    rich = (channel == CHANNELS.index("rcs")) & ((units > 160) | buttons)
    add_messages(records, scope=scope, contact=contact, channel=channel, template=template, created=created,
                 rng=rng, sched=sched, gate=gate, cancel_at=cancel_at, units=units, gsm7=gsm7, rich=rich)  # fmt: skip


def _pick_recipients(records: Records, rng: np.random.Generator, messages: int,
                     weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(scope, contact)`` of each send: scopes by ``weights`` (the organization a little), a
    skewed pick over each scope's reachable contacts, and a few sends to opted-out ones."""
    params = records.params
    c = records.contacts
    n_scopes = len(records.scopes)
    eligible, opted_out = [], []
    for scope_idx in range(n_scopes):
        seen = list(records.scope_contacts[scope_idx]) + ([] if scope_idx == 0 else list(records.scope_contacts[0]))
        eligible.append(np.array(sorted(i for i in seen if not c["opt_out"][i]), dtype=np.int32))
        opted_out.append(np.array(sorted(i for i in seen if c["opt_out"][i]), dtype=np.int32))
    msg_weights = np.array([0.05, *weights.tolist()]) * np.array([len(e) > 0 for e in eligible])
    scope = rng.choice(n_scopes, size=messages, p=msg_weights / msg_weights.sum()).astype(np.int16)
    contact = np.empty(messages, dtype=np.int32)
    for scope_idx in range(n_scopes):
        mask = scope == scope_idx
        if mask.any():
            pool = eligible[scope_idx]
            # a few contacts get many messages: a skewed pick over the pool
            pick = (rng.power(0.6, int(mask.sum())) * len(pool)).astype(np.int64)
            contact[mask] = pool[np.minimum(pick, len(pool) - 1)]
            # some sends go to contacts who have opted out since the list was built
            stale = mask & (rng.random(messages) < params.opted_out_send_share)
            if len(opted_out[scope_idx]) and stale.any():
                contact[stale] = opted_out[scope_idx][rng.integers(0, len(opted_out[scope_idx]), int(stale.sum()))]
    return scope, contact


def _pick_templates(records: Records, rng: np.random.Generator, scope: np.ndarray, channel: np.ndarray) -> np.ndarray:
    """An approved template of the sender's that speaks each send's channel; where none does, the
    send goes out as SMS (``channel`` is changed in place)."""
    template = np.full(len(scope), -1, dtype=np.int32)
    for scope_idx in range(len(records.scopes)):
        for ch_idx, ch in enumerate(CHANNELS):
            mask = (scope == scope_idx) & (channel == ch_idx)
            if not mask.any():
                continue
            pool = np.array([k for k, t in enumerate(records.templates)
                             if t.scope == scope_idx and t.status == "APPROVED" and ch in t.channels])  # fmt: skip
            if len(pool) == 0:  # no template of this scope speaks the channel: send it as SMS
                channel[mask] = 0
                pool = np.array([k for k, t in enumerate(records.templates)
                                 if t.scope == scope_idx and t.status == "APPROVED" and "sms" in t.channels])  # fmt: skip
            template[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
    return template


def _send_times(records: Records, rng: np.random.Generator,
                messages: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """``(created, sched, cancel_at, at)`` of each send: release times in a daily rhythm over the
    history; a share scheduled ahead (a few still held past its end), some holds cancelled."""
    params = records.params
    start, anchor = records.history_start, records.anchor
    hour_w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 9, 9, 8, 7, 6, 5, 3, 2, 1], dtype=float)
    days = rng.integers(0, params.history_days, messages)
    hours = rng.choice(24, size=messages, p=hour_w / hour_w.sum())
    at = start + days * 86400.0 + hours * 3600.0 + rng.random(messages) * 3600.0
    # a share were scheduled ahead (requested hours to days before release); a few of the latest
    # are still held for a release after the history ends; some holds were cancelled
    held = rng.random(messages) < params.scheduled_share
    lead = np.clip(lognormal(rng, (6 * 3600.0, 1.2), messages), 120.0, 29 * 86400.0)
    future = held & (at > anchor - 2 * 86400.0) & (rng.random(messages) < 0.25)
    at[future] = anchor + rng.random(int(future.sum())) * 3 * 86400.0
    sched = np.where(held, at, np.nan)
    created = np.where(held, np.where(future, anchor - rng.random(messages) * 86400.0, at - lead), at)
    cancel = held & (rng.random(messages) < params.cancelled_share)
    cancel_at = np.where(cancel, created + rng.random(messages) * np.maximum(at - created, 60.0), np.nan)
    return created, sched, cancel_at, at


def _inbound_history(records: Records, rng: np.random.Generator) -> None:
    """Contacts' messages to the account: replies to delivered messages, and a few unprompted."""
    params = records.params
    m = records.messages
    out = np.flatnonzero(m["direction"] == 0)
    final = np.nanargmax(m["times"][out], axis=1)
    delivered = out[np.isin(final, (DELIVERED, READ))]
    share = np.array([params.reply_share.get(ch, 0.0) for ch in CHANNELS])[m["channel"][delivered]]
    replied = delivered[rng.random(len(delivered)) < share]
    when = m["times"][replied, DELIVERED] + lognormal(rng, params.reply_delay, len(replied))
    n_cold = round(len(out) * params.unprompted_inbound_per_100 / 100)
    cold_src = out[rng.integers(0, len(out), n_cold)] if n_cold and len(out) else np.empty(0, dtype=np.int64)
    cold_at = records.history_start + rng.random(n_cold) * (records.anchor - records.history_start)
    source = np.concatenate([replied, cold_src]).astype(np.int64)
    if len(source) == 0:
        return
    created = np.concatenate([when, cold_at])
    reply_to = np.concatenate([replied, np.full(n_cold, -1)]).astype(np.int32)
    channel = m["channel"][source].copy()
    channel[channel == CHANNELS.index("mms")] = CHANNELS.index("sms")  # replies to an MMS come back as SMS
    order = np.argsort(created, kind="stable")
    k = len(order)
    add_messages(records, scope=m["scope"][source][order], contact=m["contact"][source][order],
                 channel=channel[order], template=np.full(k, -1, dtype=np.int32), created=created[order],
                 rng=rng, direction=np.ones(k, dtype=np.int8), reply_to=reply_to[order])  # fmt: skip
