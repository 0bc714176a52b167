"""Drawing a world's synthetic records from its seed: the initial account, then each new message.

``populate`` fills empty records with an organization, its profiles, users, templates, webhooks,
contacts and a history of messages; ``add_messages`` draws the lifecycle, prices and webhook
events of messages (historical or live sends). Same seed, sizes and clock start's date, same
records: every draw comes from ``records.prng`` (ids, numbers) or a numpy generator seeded by it.
"""

from __future__ import annotations

import base64
import functools
import random
from datetime import UTC, datetime

import numpy as np

from . import _numbers
from ._ids import hash_int, uuid_from_int
from ._records import Records, Scope, Template, User, Webhook, event_table
from ._vocab import (
    CHANNELS,
    DELIVERED,
    FAILED,
    FAILURE_REASONS,
    HTTP_FAILURES,
    PROCESSED,
    QUEUED,
    READ,
    REASON_INDEX,
    SCHEDULED,
    SENT,
    STATUSES,
    render,
    variables,
)

__all__ = ["add_messages", "message_body", "new_secret", "populate"]


def _lognormal(rng: np.random.Generator, spec: tuple[float, float], size: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(size))


# ---------------------------------------------------------------------------------------------
# what the synthetic profiles are called and send
# ---------------------------------------------------------------------------------------------

_PROFILE_NAMES = (("Marketing", "MKT"), ("Support", "SUP"), ("Billing", "BIL"), ("Growth", "GRW"),
                  ("Operations", "OPS"), ("Logistics", "LOG"), ("Security", "SEC"), ("Retail", "RTL"))  # fmt: skip
# (name, category, channels, language, text, footer, button)
_CATALOGUE: tuple[tuple[str, str, tuple[str, ...], str, str, str | None, str | None], ...] = (
    ("spring_sale", "MARKETING", ("sms", "whatsapp"), "en_US",
     "Hi {{name}}, our spring sale is on: {{discount}} off everything until Sunday. Shop now: {{link}}",
     "Reply STOP to opt out", "Shop now"),
    ("back_in_stock", "MARKETING", ("whatsapp",), "en_US",
     "Good news {{name}}! {{product}} is back in stock.", None, "View product"),
    ("loyalty_points", "MARKETING", ("sms",), "en_US",
     "{{name}}, you have {{points}} loyalty points. Redeem them before {{date}}.", None, None),
    ("order_confirmation", "UTILITY", ("sms", "whatsapp"), "en_US",
     "Hi {{name}}, your order {{order_id}} has been confirmed.", None, None),
    ("shipping_update", "UTILITY", ("sms", "whatsapp"), "en_US",
     "Your order {{order_id}} has shipped and will arrive on {{date}}.", None, "Track order"),
    ("appointment_reminder", "UTILITY", ("sms",), "en_US",
     "Reminder: your appointment is on {{date}} at {{time}}. Reply C to cancel.", None, None),
    ("payment_receipt", "UTILITY", ("whatsapp",), "en_US",
     "We received your payment of {{amount}}. Thank you, {{name}}!", None, None),
    ("confirmacion_pedido", "UTILITY", ("sms", "whatsapp"), "es_ES",
     "Hola {{name}}, tu pedido {{order_id}} ha sido confirmado.", None, None),
    ("login_code", "AUTHENTICATION", ("sms", "whatsapp"), "en_US",
     "{{code}} is your verification code. It expires in 10 minutes.", None, "Copy code"),
    ("password_reset", "AUTHENTICATION", ("sms", "whatsapp"), "en_US",
     "Use {{code}} to reset your password. Do not share this code.", None, None),
)  # fmt: skip
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
_FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jia",
                "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq")  # fmt: skip
_PRODUCTS = ("Trail Runner 2", "Linen Shirt", "Espresso Grinder", "Yoga Mat", "Desk Lamp")


def _fake_values(key: int, created: float) -> dict[str, str]:
    """Deterministic template parameters for message number ``key`` (cheap: one hash, no RNG)."""
    h = hash_int("values", key)

    def take(n: int) -> int:
        nonlocal h
        h, r = divmod(h, n)
        return r

    day = datetime.fromtimestamp(created + 86400 * (1 + take(5)), tz=UTC)
    return {
        "name": _FIRST_NAMES[take(len(_FIRST_NAMES))],
        "discount": f"{(10, 15, 20, 25, 30)[take(5)]}%",
        "link": f"https://sent.dm/l/{take(1 << 24):06x}",
        "product": _PRODUCTS[take(len(_PRODUCTS))],
        "points": str(50 + take(4950)),
        "date": day.strftime("%b %d"),
        "time": f"{8 + take(11)}:{('00', '15', '30', '45')[take(4)]}",
        "order_id": f"#{10000 + take(90000)}",
        "amount": f"${5 + take(395)}.{take(100):02d}",
        "code": f"{take(1_000_000):06d}",
    }


def message_body(records: Records, i: int) -> str:
    """The text of message ``i``: a live send's as sent, a historical one's rendered from the seed."""
    text = records.message_text.get(i)
    if text is not None:
        return text
    tpl = records.template_of(i)
    if tpl is None:
        return ""
    channel = CHANNELS[int(records.messages["channel"][i])]
    raw = tpl.texts.get(channel) or next(iter(tpl.texts.values()))
    body = records.body_cache.get(i)
    if body is None:
        body = render(raw, _fake_values(records.seed * 1_000_003 + i, float(records.messages["created"][i])))
        if len(records.body_cache) > 100_000:
            records.body_cache.clear()
        records.body_cache[i] = body
    return body


def new_secret(records: Records) -> str:
    """A fresh ``whsec_`` signing secret, drawn from the world's seed."""
    return "whsec_" + base64.b64encode(random.Random(records.prng.getrandbits(64)).randbytes(24)).decode()


# ---------------------------------------------------------------------------------------------
# lifecycles and webhook events
# ---------------------------------------------------------------------------------------------


def _outcome_tables(records: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shape = (len(CHANNELS), len(records.regions))
    pf, pd_, pr = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for c, ch in enumerate(CHANNELS):
        for r, region in enumerate(records.regions):
            o = records.params.outcome(ch, region)
            pf[c, r], pd_[c, r], pr[c, r] = o.failed, o.delivered, o.read
    return pf, pd_, pr


@functools.cache
def _reasons_by_channel() -> list[np.ndarray]:
    return [np.array([REASON_INDEX[r] for r in FAILURE_REASONS.get(ch, FAILURE_REASONS["sms"])])
            for ch in CHANNELS]  # fmt: skip


def _lifecycles(
    records: Records,
    rng: np.random.Generator,
    created: np.ndarray,
    channel: np.ndarray,
    region: np.ndarray,
    release: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample each message's timeline (n x 7 epoch seconds, NaN = never) and failure reason."""
    n = len(created)
    pf, pd_, pr = _outcome_tables(records)
    p_failed, p_delivered, p_read = pf[channel, region], pd_[channel, region], pr[channel, region]
    u = rng.random(n)
    failed = u < p_failed
    delivered = (u >= p_failed) & (u < p_failed + p_delivered)
    before_send = failed & (rng.random(n) < records.params.failed_before_send_share)
    read = delivered & (rng.random(n) < p_read)

    def lat(name: str) -> np.ndarray:
        out = np.empty(n)
        for c, ch in enumerate(CHANNELS):
            mask = channel == c
            if mask.any():
                spec = records.params.latency.get(ch, records.params.latency["sms"])[name]
                out[mask] = _lognormal(rng, spec, int(mask.sum()))
        return out

    times = np.full((n, len(STATUSES)), np.nan)
    times[:, QUEUED] = created
    start = created
    if release is not None:  # scheduled sends: held until release
        scheduled = ~np.isnan(release)
        times[scheduled, SCHEDULED] = created[scheduled] + 0.2
        start = np.where(scheduled, release, created)
    t_proc = start + lat("processed")
    times[:, PROCESSED] = t_proc
    t_sent = t_proc + lat("sent")
    times[~before_send, SENT] = t_sent[~before_send]
    t_deliv = t_sent + lat("delivered")
    times[delivered, DELIVERED] = t_deliv[delivered]
    times[read, READ] = (t_deliv + lat("read"))[read]
    t_fail = np.where(before_send, t_proc + lat("failed_before_send"), t_sent + lat("failed"))
    times[failed, FAILED] = t_fail[failed]
    reason = np.full(n, -1, dtype=np.int16)
    for c in range(len(CHANNELS)):
        mask = failed & (channel == c)
        if mask.any():
            options = _reasons_by_channel()[c]
            reason[mask] = options[rng.integers(0, len(options), int(mask.sum()))]
    return times, reason


def _emit_events(records: Records, rng: np.random.Generator, webhook: Webhook, msgs: np.ndarray) -> None:
    """Append one event per subscribed status change of ``msgs`` (message row indices)."""
    steps = sorted(webhook.steps())
    if not steps or len(msgs) == 0:
        return
    times = records.messages["times"][msgs][:, steps]
    rows, cols = np.nonzero(~np.isnan(times))
    if len(rows) == 0:
        return
    msg = msgs[rows]
    step = np.asarray(steps, dtype=np.int8)[cols]
    status_time = times[rows, cols]
    k = len(msg)
    created = status_time + _lognormal(rng, (0.3, 0.5), k)
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
    started = _lognormal(rng, (0.2, 0.5), k)
    response = _lognormal(rng, (0.12, 0.6), k)
    # retries back off 30 s, 2 min, 5 min, 15 min...; a timeout waits timeout_seconds
    backoff = np.cumsum([0.0, 30.0, 120.0, 300.0, 900.0, 1800.0])
    per_try = np.where(http == 0, float(webhook.timeout_seconds), response)
    completed = started + backoff[np.clip(attempts - 1, 0, 5)] + per_try
    serial = np.arange(records.serial, records.serial + k, dtype=np.int64)
    records.serial += k
    degenerate = rng.random(k) < records.params.degenerate_event_share
    webhook.events.extend(
        k, created=created, msg=msg, step=step, serial=serial, outcome=outcome, attempts=attempts,
        http=http, degenerate=degenerate, started=started, completed=completed,
    )  # fmt: skip
    webhook.dirty = True


def add_messages(
    records: Records, *, scope: np.ndarray, contact: np.ndarray, channel: np.ndarray, template: np.ndarray,
    created: np.ndarray, rng: np.random.Generator, release: np.ndarray | None = None,
) -> range:  # fmt: skip
    """Draw the lifecycles, prices and webhook events of new messages, and store them."""
    region = records.contacts["region"][contact].astype(np.int64)
    times, reason = _lifecycles(records, rng, created, channel, region, release)
    n = len(created)
    price = np.empty(n)
    markup = np.empty(n)
    cache: dict[tuple[int, int, int], tuple[float, float]] = {}
    for k in range(n):
        key = (int(channel[k]), int(region[k]), int(template[k]))
        if key not in cache:
            ch, rc = CHANNELS[key[0]], records.regions[key[1]]
            category = records.templates[key[2]].category if key[2] >= 0 else None
            cache[key] = (records.params.price(ch, rc, category), records.params.markup(ch, rc))
        price[k], markup[k] = cache[key]
    rows = records.messages.extend(
        n, created=created, times=times, channel=channel, contact=contact, template=template,
        scope=scope, reason=reason, price=price, markup=markup,
    )  # fmt: skip
    for row in rows:
        mid = uuid_from_int(records.prng.getrandbits(128))
        records.message_ids.append(mid)
        records.message_by_id[mid] = row
    new = np.arange(rows.start, rows.stop)
    scopes = set(int(s) for s in np.unique(scope))
    for w in records.webhooks:
        if w.deleted or not w.is_active:
            continue
        mine = new if w.scope == 0 else new[scope == w.scope]
        if w.scope == 0 or w.scope in scopes:
            _emit_events(records, rng, w, mine)
    return rows


# ---------------------------------------------------------------------------------------------
# the initial account
# ---------------------------------------------------------------------------------------------


def populate(records: Records, contacts: int, messages: int, profiles: int, calls: int | None = None) -> None:
    """Fill empty ``records`` with a synthetic organization of ``profiles`` profiles.

    ``calls`` (default ``messages // 10``) voice calls are drawn last, by ``_voice``.

    >>> from sentlab.simulator import SimClock, WorldParams
    >>> records = Records(7, WorldParams(), SimClock())
    >>> populate(records, contacts=50, messages=20, profiles=2)
    >>> records.messages.n, len(records.scopes)
    (20, 3)
    """
    params = records.params
    prng = records.prng
    rng = np.random.default_rng(records.seed)
    anchor, start = records.anchor, records.history_start

    def new_id() -> str:
        return uuid_from_int(prng.getrandbits(128))

    def key() -> str:
        return f"sk_test_{prng.getrandbits(128):032x}"

    # scopes: the organization, then its profiles
    org_created = start - 400 * 86400
    records.scopes.append(Scope(0, new_id(), "organization", "Acme Corporation", "ACME", "admin@acme.example",
                                "Acme Corporation organization account", org_created, anchor - 20 * 86400, key(),
                                _numbers.make_number("US", prng), _numbers.make_number("US", prng)))  # fmt: skip
    for p in range(profiles):
        name, short = _PROFILE_NAMES[p % len(_PROFILE_NAMES)]
        if p >= len(_PROFILE_NAMES):
            name, short = f"{name} {p // len(_PROFILE_NAMES) + 1}", f"{short}{p // len(_PROFILE_NAMES) + 1}"
        created = org_created + (p + 1) * 11 * 86400
        records.scopes.append(Scope(p + 1, new_id(), "profile", name, short, f"{short.lower()}@acme.example",
                                    f"{name} sender profile", created, anchor - (p + 3) * 86400, key(),
                                    _numbers.make_number("US", prng), _numbers.make_number("US", prng)))  # fmt: skip
    records.scope_contacts = [[] for _ in records.scopes]
    n_scopes = len(records.scopes)

    # users
    roles = (("admin", "active"), ("developer", "active"), ("billing", "invited"))
    for s in records.scopes:
        for u, (role, status) in enumerate(roles if s.index == 0 else roles[: 1 + s.index % 2]):
            first = _FIRST_NAMES[(s.index * 3 + u) % len(_FIRST_NAMES)]
            invited = s.created + u * 86400
            records.users.append(User(new_id(), s.index, f"{first.lower()}.{role}@acme.example", f"{first} {role.title()}",
                                      role, status, invited, None if status == "invited" else anchor - (u + 1) * 3600,
                                      invited, invited + 86400))  # fmt: skip

    # templates: every profile gets the catalogue (a few dropped, varying by profile) plus unapproved ones
    for s in records.scopes:
        created0 = s.created + 86400
        for k, (name, cat, chans, lang, text, footer, button) in enumerate(_CATALOGUE):
            if s.index > 0 and k % (s.index + 3) == s.index and cat != "AUTHENTICATION":
                continue  # profiles differ a little
            if s.index == 0 and k % 3:
                continue  # the organization keeps a few of its own
            created = created0 + k * 3 * 86400
            records.templates.append(Template(new_id(), s.index, name, cat, lang, "APPROVED", list(chans),
                                              {c: text for c in chans}, variables(text), created,
                                              created + 2 * 86400 if k % 2 else None, footer, button))  # fmt: skip
        for k, (name, cat, chans, lang, text, status) in enumerate(_UNAPPROVED):
            created = anchor - (k + 2) * 86400
            records.templates.append(Template(new_id(), s.index, name, cat, lang, status, list(chans),
                                              {c: text for c in chans}, variables(text), created, created + 3600))  # fmt: skip

    # webhooks: each profile has a "messages" webhook; odd profiles add a narrow, flaky one; the
    # organization has one for failures across all its profiles
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
            records.webhooks.append(Webhook(new_id(), s.index, name, url, new_secret(records), True, types, 3, 30,
                                            start - 10 * 86400, None, failure, event_table()))  # fmt: skip

    # contacts
    weights = np.array([params.profile_weights[p % len(params.profile_weights)] for p in range(profiles)], dtype=float)
    org_n = max(1, round(contacts * params.org_contact_share)) if contacts else 0
    per_profile = rng.multinomial(max(contacts - org_n, 0), weights / weights.sum())
    counts = [org_n, *per_profile.tolist()]
    regions = records.regions
    region_p = np.array([params.region_weights.get(r, 1.0) for r in regions], dtype=float)
    region_p /= region_p.sum()
    used_phones: set[str] = set()
    wa_share = np.array([params.whatsapp_share.get(r, params.whatsapp_share_default) for r in regions])
    for scope_idx in range(n_scopes):
        n = counts[scope_idx]
        if n == 0:
            continue
        reg = rng.choice(len(regions), size=n, p=region_p)
        whatsapp = rng.random(n) < wa_share[reg]
        bits = np.where(whatsapp, 3, 1).astype(np.int8)
        default = np.where(whatsapp & (rng.random(n) < 0.6), 1, 0).astype(np.int8)
        opt_out = rng.random(n) < params.opt_out_share
        created = start - 150 * 86400 + rng.random(n) * 120 * 86400  # all before the history window
        updated = np.where(rng.random(n) < 0.6, created + rng.random(n) * (anchor - created), np.nan)
        phones = []
        for r in reg:
            phone = _numbers.make_number(regions[int(r)], prng)
            while phone in used_phones:  # unique across the organization: no inherited duplicates
                phone = _numbers.make_number(regions[int(r)], prng)
            used_phones.add(phone)
            phones.append(phone)
        order = np.argsort(created, kind="stable")  # stored oldest first; lists show newest first
        records.add_contacts(scope_idx, [phones[k] for k in order], [regions[int(reg[k])] for k in order],
                            bits[order], default[order], opt_out[order], created[order], updated[order])  # fmt: skip

    # messages
    if messages:
        c = records.contacts
        eligible_contacts = []
        for scope_idx in range(n_scopes):
            own = [i for i in records.scope_contacts[scope_idx] if not c["opt_out"][i]]
            inherited = [] if scope_idx == 0 else [i for i in records.scope_contacts[0] if not c["opt_out"][i]]
            eligible_contacts.append(np.array(sorted(own + inherited), dtype=np.int32))
        msg_weights = np.array([0.05, *weights.tolist()]) * np.array([len(e) > 0 for e in eligible_contacts])
        scope = rng.choice(n_scopes, size=messages, p=msg_weights / msg_weights.sum()).astype(np.int16)
        contact = np.empty(messages, dtype=np.int32)
        for scope_idx in range(n_scopes):
            mask = scope == scope_idx
            if mask.any():
                pool = eligible_contacts[scope_idx]
                # a few contacts get many messages: a skewed pick over the pool
                pick = (rng.power(0.6, int(mask.sum())) * len(pool)).astype(np.int64)
                contact[mask] = pool[np.minimum(pick, len(pool) - 1)]
        bits = c["channels"][contact]
        default = c["default"][contact]
        both = bits == 3
        channel = np.where(both, np.where(rng.random(messages) < 0.8, default, 1 - default), 0).astype(np.int8)
        template = np.empty(messages, dtype=np.int32)
        for scope_idx in range(n_scopes):
            for ch_idx, ch in enumerate(CHANNELS):
                mask = (scope == scope_idx) & (channel == ch_idx)
                if not mask.any():
                    continue
                pool = np.array([k for k, t in enumerate(records.templates)
                                 if t.scope == scope_idx and t.status == "APPROVED" and ch in t.channels])  # fmt: skip
                template[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
        hour_w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 9, 9, 8, 7, 6, 5, 3, 2, 1], dtype=float)
        days = rng.integers(0, params.history_days, messages)
        hours = rng.choice(24, size=messages, p=hour_w / hour_w.sum())
        created = start + days * 86400.0 + hours * 3600.0 + rng.random(messages) * 3600.0
        order = np.argsort(created, kind="stable")
        add_messages(records, scope=scope[order], contact=contact[order], channel=channel[order],
                     template=template[order], created=created[order], rng=rng)  # fmt: skip
    records.version += 1
    # voice builds on the finished account (and _voice imports this module, hence here)
    from ._voice import populate_voice

    populate_voice(records, messages // 10 if calls is None else calls)
