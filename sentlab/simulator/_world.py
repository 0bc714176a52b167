"""The synthetic Sent account the simulator serves: records, their ground truth, and its state.

One organization with child profiles, each owning contacts, templates, webhooks
and messages. Everything is drawn from a seed, so ``build_world(seed, sizes)``
on a frozen clock gives the same records every time.

Storage is columnar (numpy arrays and parallel lists); wire dicts are built on
demand for the page a request asks for, so a world of 100,000 contacts and
100,000 messages builds in seconds and serves a page in about a millisecond.

Time: the history lies in the ``history_days`` before the clock's start
(floored to midnight UTC, so worlds built the same day agree). A message's
statuses and its webhook events exist from the start, each with its
timestamp, and become visible once ``timestamp <= clock.now()``: the world
"advances with time" lazily, and a live send schedules its lifecycle from
``clock.now()`` forward.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import math
import random
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _numbers, _pricing
from ._clock import SimClock
from ._envelope import ApiError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHANNELS",
    "EVENT_TYPES",
    "STATUSES",
    "Outcome",
    "Truth",
    "World",
    "WorldParams",
    "build_world",
    "demo_world",
]

# ---------------------------------------------------------------------------------------------
# vocabulary
# ---------------------------------------------------------------------------------------------

#: Lifecycle steps, in the order a message can pass them. A message's status
#: at a time is the latest step it reached by then.
STATUSES = ("QUEUED", "SCHEDULED", "PROCESSED", "SENT", "DELIVERED", "READ", "FAILED")
QUEUED, SCHEDULED, PROCESSED, SENT, DELIVERED, READ, FAILED = range(7)
_PRICED_FROM = PROCESSED  # price is known (and shown) from PROCESSED on

CHANNELS: tuple[str, ...] = tuple(_pricing.CHANNELS)
_CHANNEL_LABEL = {"sms": "SMS", "whatsapp": "WhatsApp"}

#: Message event names, one per lifecycle step (``message.<status>``).
MESSAGE_EVENTS = tuple(f"message.{s.lower()}" for s in STATUSES)

#: Event types a webhook can subscribe to: ``{name, display_name, description, is_active}``.
#: A subscription may name a single event or a whole family (``messages``).
EVENT_TYPES: tuple[dict[str, Any], ...] = (
    *(
        {
            "name": name,
            "display_name": "Message " + status.capitalize(),
            "description": f"Triggered when a message's status becomes {status}",
            "is_active": True,
        }
        for name, status in zip(MESSAGE_EVENTS, STATUSES, strict=True)
    ),
    {"name": "template.approved", "display_name": "Template Approved",
     "description": "Triggered when a template is approved", "is_active": True},
    {"name": "template.rejected", "display_name": "Template Rejected",
     "description": "Triggered when a template is rejected", "is_active": True},
    {"name": "contact.opted_out", "display_name": "Contact Opted Out",
     "description": "Triggered when a contact opts out of messaging", "is_active": True},
)  # fmt: skip
EVENT_FAMILIES = {"messages": MESSAGE_EVENTS, "templates": ("template.approved", "template.rejected"),
                  "contacts": ("contact.opted_out",)}  # fmt: skip
SUBSCRIBABLE = frozenset(EVENT_FAMILIES) | {e["name"] for e in EVENT_TYPES}

_ACTIVITY_TEXT = {
    QUEUED: "Message accepted and queued for processing",
    SCHEDULED: "Message scheduled for later delivery",
    PROCESSED: "Message processed and queued for sending",
    DELIVERED: "Message delivered to recipient",
    READ: "Message read by recipient",
}

#: Failure reasons per channel: ``(reason_code, reason)``.
FAILURE_REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "sms": (
        ("UNDELIVERABLE", "The carrier reported the handset as unreachable"),
        ("CARRIER_REJECTED", "The destination carrier rejected the message"),
        ("INVALID_NUMBER", "The number is not in service"),
        ("BLOCKED", "The message was blocked by a carrier spam filter"),
    ),
    "whatsapp": (
        ("NOT_ON_WHATSAPP", "The recipient does not have a WhatsApp account"),
        ("EXPIRED", "The message expired before it could be delivered"),
        ("ECOSYSTEM_LIMIT", "Meta limited messages to this user to protect the ecosystem"),
        ("UNDELIVERABLE", "WhatsApp could not deliver the message"),
    ),
}
_REASONS: tuple[tuple[str, str], ...] = tuple({r for rs in FAILURE_REASONS.values() for r in rs})
_REASONS = tuple(sorted(_REASONS))
_REASON_INDEX = {r: i for i, r in enumerate(_REASONS)}

_HTTP_FAILURES = ((500, "HTTP 500 Internal Server Error"), (502, "HTTP 502 Bad Gateway"),
                  (503, "HTTP 503 Service Unavailable"), (0, "Timeout"))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# parameters: the truth an analysis should recover
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """True outcome probabilities of a message on one channel in one region.

    ``failed`` = P(FAILED), ``delivered`` = P(DELIVERED or READ), the rest stays
    at SENT (no receipt); ``read`` = P(READ | delivered).
    """

    failed: float
    delivered: float
    read: float = 0.0

    @property
    def stuck(self) -> float:
        return max(0.0, 1.0 - self.failed - self.delivered)


def _default_outcomes() -> dict[str, Outcome]:
    # SMS: no read receipts, some handsets/carriers never return a delivery receipt.
    return {"sms": Outcome(failed=0.04, delivered=0.89), "whatsapp": Outcome(0.03, 0.95, 0.62)}


def _default_region_factor() -> dict[str, float]:
    # How much worse (>1) or better (<1) than the channel baseline failures and missing receipts are.
    return {"US": 0.8, "CA": 0.8, "MX": 1.3, "BR": 1.3, "AR": 1.4, "CO": 1.4, "GB": 0.7, "DE": 0.6,
            "FR": 0.8, "ES": 0.8, "IT": 0.9, "NL": 0.6, "IN": 1.8, "ID": 1.6, "PH": 1.5, "SG": 0.6,
            "AE": 1.0, "SA": 1.1, "JP": 0.5, "ZA": 1.5, "NG": 2.5, "KE": 2.0, "EG": 1.9,
            "AU": 0.7}  # fmt: skip


def _default_region_weights() -> dict[str, float]:
    return {"US": 18, "CA": 3, "MX": 5, "BR": 8, "AR": 2, "CO": 2, "GB": 8, "DE": 5, "FR": 4,
            "ES": 3, "IT": 3, "NL": 2, "IN": 10, "ID": 5, "PH": 3, "SG": 1, "AE": 2, "SA": 2,
            "JP": 2, "ZA": 2, "NG": 4, "KE": 2, "EG": 2, "AU": 2}  # fmt: skip


def _default_whatsapp_share() -> dict[str, float]:
    # Share of contacts reachable on WhatsApp: low in the US/JP, near universal in BR/IN/ID/NG.
    return {"US": 0.35, "CA": 0.4, "JP": 0.2, "AU": 0.45, "GB": 0.7, "FR": 0.7, "NL": 0.75,
            "PH": 0.6, "SG": 0.8}  # fmt: skip


def _default_latency() -> dict[str, dict[str, tuple[float, float]]]:
    # Lognormal (median seconds, sigma) of each transition, per channel.
    return {
        "sms": {"processed": (0.8, 0.6), "sent": (2.5, 0.7), "delivered": (7.0, 1.0),
                "read": (600.0, 1.5), "failed_before_send": (1.5, 0.5), "failed": (25.0, 1.2)},
        "whatsapp": {"processed": (0.5, 0.5), "sent": (1.2, 0.6), "delivered": (2.5, 0.9),
                     "read": (900.0, 1.6), "failed_before_send": (1.0, 0.5), "failed": (40.0, 1.3)},
    }  # fmt: skip


@dataclass
class WorldParams:
    """The true behaviour of the synthetic world, which analytics should recover.

    >>> p = WorldParams()
    >>> p.outcome("whatsapp", "NG").failed > p.outcome("whatsapp", "DE").failed
    True
    """

    history_days: int = 30
    #: Baseline outcome probabilities per channel.
    channel_outcomes: dict[str, Outcome] = field(default_factory=_default_outcomes)
    #: Per region, a factor on failures and missing receipts (1.0 when absent).
    region_factor: dict[str, float] = field(default_factory=_default_region_factor)
    #: Exact outcomes for some (channel, region), overriding the two above.
    overrides: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    #: Share of failures that happen before the message is sent (at PROCESSED).
    failed_before_send_share: float = 0.3
    #: Transition latencies: channel -> transition -> (median seconds, lognormal sigma).
    latency: dict[str, dict[str, tuple[float, float]]] = field(default_factory=_default_latency)
    #: Relative share of contacts per region.
    region_weights: dict[str, float] = field(default_factory=_default_region_weights)
    #: Share of contacts reachable on WhatsApp per region (``whatsapp_share_default`` otherwise).
    whatsapp_share: dict[str, float] = field(default_factory=_default_whatsapp_share)
    whatsapp_share_default: float = 0.85
    opt_out_share: float = 0.03
    #: Share of contacts owned by the organization (inherited by every profile).
    org_contact_share: float = 0.05
    #: Relative message/contact volume per profile (cycled when there are more profiles).
    profile_weights: tuple[float, ...] = (0.5, 0.3, 0.2)
    #: Share of webhook deliveries that fail for good, and that succeed only after retries.
    webhook_failure_share: float = 0.02
    webhook_retry_share: float = 0.03
    #: Failure share of the one deliberately flaky webhook in the world.
    flaky_webhook_failure_share: float = 0.25
    #: Share of webhook events whose event_data is the docs' ``{"valueKind": "Undefined"}``.
    degenerate_event_share: float = 0.004
    #: Account tier for the send rate limit ("starter" 60/min or "growth" 300/min).
    tier: str = "growth"
    #: Price overrides: (channel, region, category) -> price; (channel, region) -> markup.
    price_overrides: dict[tuple[str, str, str | None], float] = field(default_factory=dict)
    markup_overrides: dict[tuple[str, str], float] = field(default_factory=dict)

    def outcome(self, channel: str, region_code: str) -> Outcome:
        """The true outcome probabilities for ``channel`` in ``region_code``."""
        exact = self.overrides.get((channel, region_code))
        if exact is not None:
            return exact
        base = self.channel_outcomes.get(channel) or self.channel_outcomes["sms"]
        factor = self.region_factor.get(region_code, 1.0)
        failed = min(0.5, base.failed * factor)
        stuck = min(0.4, base.stuck * factor)
        return Outcome(failed=round(failed, 6), delivered=round(1.0 - failed - stuck, 6), read=base.read)

    def price(self, channel: str, region_code: str, category: str | None) -> float:
        """The channel price of one message (``_pricing`` unless overridden)."""
        key = (channel, region_code, category)
        if key in self.price_overrides:
            return self.price_overrides[key]
        if channel == "whatsapp" and category is None:
            category = "UTILITY"  # free-form WhatsApp text is priced as a utility conversation
        return _pricing.channel_price(channel, region_code, category)

    def markup(self, channel: str, region_code: str) -> float:
        """The ``active_contact_price`` of one message."""
        key = (channel, region_code)
        if key in self.markup_overrides:
            return self.markup_overrides[key]
        return _pricing.active_contact_price(channel, region_code)


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------


def _iso(ts: float | None) -> str | None:
    if ts is None or ts != ts:  # None or NaN
        return None
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


def _hash_int(*parts: object) -> int:
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


def _uuid_from_int(n: int) -> str:
    return str(uuid.UUID(int=n & ((1 << 128) - 1), version=4))


def _hash_uuid(*parts: object) -> str:
    """A stable UUID (v4-shaped) for ``parts``: ids of records made on demand."""
    return _uuid_from_int(_hash_int(*parts))


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _request_id(*parts: object) -> str:
    n = _hash_int(*parts)
    chars = []
    for _ in range(10):
        n, r = divmod(n, 62)
        chars.append(_B62[r])
    return "req_" + "".join(chars)


class _Table:
    """Growable columnar storage: named numpy columns sharing a row count."""

    def __init__(self, columns: dict[str, tuple[Any, tuple[int, ...], Any]], capacity: int = 64) -> None:
        self._spec = columns  # name -> (dtype, trailing shape, fill)
        self.n = 0
        self._cap = max(capacity, 16)
        self._data = {name: np.full((self._cap, *shape), fill, dtype=dt) for name, (dt, shape, fill) in columns.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self.n]

    def extend(self, count: int, **values: Any) -> range:
        """Append ``count`` rows (columns not given keep their fill); returns their indices."""
        need = self.n + count
        if need > self._cap:
            new_cap = max(need, self._cap * 2)
            for name, (dt, shape, fill) in self._spec.items():
                grown = np.full((new_cap, *shape), fill, dtype=dt)
                grown[: self.n] = self._data[name][: self.n]
                self._data[name] = grown
            self._cap = new_cap
        for name, value in values.items():
            self._data[name][self.n : need] = value
        rows = range(self.n, need)
        self.n = need
        return rows

    def take(self, order: np.ndarray) -> None:
        """Reorder the rows in place by ``order`` (used to keep event logs sorted by time)."""
        for name in self._spec:
            self._data[name][: self.n] = self._data[name][: self.n][order]


def _lognormal(rng: np.random.Generator, spec: tuple[float, float], size: int) -> np.ndarray:
    median, sigma = spec
    return median * np.exp(sigma * rng.standard_normal(size))


# ---------------------------------------------------------------------------------------------
# records that are few: scopes (organization, profiles), templates, webhooks, users
# ---------------------------------------------------------------------------------------------


@dataclass
class _Scope:
    index: int  # 0 = the organization, 1.. = profiles
    id: str
    kind: str  # "organization" | "profile"
    name: str
    short_name: str
    email: str
    description: str
    created: float
    updated: float
    key: str
    sms_number: str
    whatsapp_number: str
    vertical: str = "RETAIL"


@dataclass
class _Template:
    id: str
    scope: int
    name: str
    category: str
    language: str
    status: str
    channels: list[str]
    texts: dict[str, str]  # channel -> body text with {{variables}}
    variables: list[str]
    created: float
    updated: float | None
    footer: str | None = None
    button: str | None = None
    deleted: bool = False

    @property
    def is_published(self) -> bool:
        return self.status == "APPROVED"


@dataclass
class _Webhook:
    id: str
    scope: int
    display_name: str
    endpoint_url: str
    secret: str
    is_active: bool
    event_types: list[str]
    retry_count: int
    timeout_seconds: int
    created: float
    updated: float | None
    failure_share: float
    events: _Table
    dirty: bool = False  # events appended out of time order since the last sort
    deleted: bool = False

    def steps(self) -> set[int]:
        """Lifecycle steps this webhook is subscribed to."""
        names: set[str] = set()
        for t in self.event_types:
            names.update(EVENT_FAMILIES.get(t, (t,)))
        return {i for i, name in enumerate(MESSAGE_EVENTS) if name in names}


@dataclass
class _User:
    id: str
    scope: int
    email: str
    name: str
    role: str
    status: str
    invited: float
    last_login: float | None
    created: float
    updated: float


def _event_table() -> _Table:
    return _Table(
        {
            "created": (np.float64, (), np.nan),  # when Sent emitted the event
            "msg": (np.int32, (), -1),
            "step": (np.int8, (), -1),
            "serial": (np.int64, (), -1),  # global creation order: ids and tie-breaks
            "outcome": (np.int8, (), 0),  # 0 delivered, 1 delivered after retries, 2 failed
            "attempts": (np.int8, (), 1),
            "http": (np.int16, (), 200),  # 0 = timeout (null status code)
            "degenerate": (np.bool_, (), False),
            "started": (np.float32, (), 0.0),  # seconds after created
            "completed": (np.float32, (), 0.0),  # seconds after created
        }
    )


# ---------------------------------------------------------------------------------------------
# template catalogue: what the synthetic profiles send
# ---------------------------------------------------------------------------------------------

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

_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jia",
                "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq")  # fmt: skip
_PRODUCTS = ("Trail Runner 2", "Linen Shirt", "Espresso Grinder", "Yoga Mat", "Desk Lamp")


def _variables(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for name in _VARIABLE.findall(text):
        seen.setdefault(name, None)
    return list(seen)


def _fake_values(key: int, created: float) -> dict[str, str]:
    """Deterministic template parameters for message number ``key`` (cheap: one hash, no RNG)."""
    h = _hash_int("values", key)

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


def _render(text: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# ---------------------------------------------------------------------------------------------
# the world
# ---------------------------------------------------------------------------------------------

_CH_BIT = {"sms": 1, "whatsapp": 2}


class World:
    """A synthetic Sent organization: its profiles, records, ground truth and clock.

    Build one with :func:`build_world`; serve it with ``core_app(world)``.

    >>> world = build_world(seed=7, contacts=200, messages=500)
    >>> world.profile_keys  # doctest: +SKIP
    {'3f6c…': 'sk_test_…', …}
    """

    def __init__(self, seed: int, params: WorldParams, clock: SimClock) -> None:
        self.seed = seed
        self.params = params
        self.clock = clock
        self.tier = params.tier
        self.lock = threading.RLock()  # one request at a time; the server may run in a thread
        self._version = 0  # bumped by contact mutations (invalidates filtered-list caches)
        self._list_cache: dict[tuple[Any, ...], list[int]] = {}
        self._serial = 0  # next webhook-event serial
        self._sends = 0
        self._live_rng = np.random.default_rng([seed, 1])
        self._prng = random.Random(seed)
        start = clock.now()
        anchor = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.anchor = anchor.timestamp()  # history ends here
        self.history_start = self.anchor - params.history_days * 86400.0
        self.scopes: list[_Scope] = []
        self.templates: list[_Template] = []
        self.webhooks: list[_Webhook] = []
        self.users: list[_User] = []
        self.regions: list[str] = list(_pricing.REGIONS)
        self._region_index = {r: i for i, r in enumerate(self.regions)}
        # contacts
        self.contacts = _Table(
            {
                "scope": (np.int16, (), 0),
                "region": (np.int16, (), 0),
                "channels": (np.int8, (), 1),  # bit 1 = sms, bit 2 = whatsapp
                "default": (np.int8, (), 0),  # index into CHANNELS
                "opt_out": (np.bool_, (), False),
                "created": (np.float64, (), np.nan),
                "updated": (np.float64, (), np.nan),
                "deleted": (np.bool_, (), False),
            }
        )
        self.contact_ids: list[str] = []
        self.contact_phones: list[str] = []
        self._contact_by_id: dict[str, int] = {}
        self._contact_by_phone: dict[tuple[int, str], int] = {}
        self._scope_contacts: list[list[int]] = []  # per scope, newest first
        # messages
        self.messages = _Table(
            {
                "created": (np.float64, (), np.nan),
                "times": (np.float64, (len(STATUSES),), np.nan),
                "channel": (np.int8, (), 0),
                "contact": (np.int32, (), -1),
                "template": (np.int32, (), -1),
                "scope": (np.int16, (), 0),
                "reason": (np.int16, (), -1),
                "price": (np.float64, (), np.nan),
                "markup": (np.float64, (), np.nan),
            }
        )
        self.message_ids: list[str] = []
        self._message_by_id: dict[str, int] = {}
        self._message_text: dict[int, str] = {}  # free text / explicit parameters of live sends
        self._body_cache: dict[int, str] = {}  # rendered bodies of historical messages

    # -- identity -----------------------------------------------------------------------------

    @property
    def organization(self) -> _Scope:
        return self.scopes[0]

    @property
    def organization_id(self) -> str:
        return self.scopes[0].id

    @property
    def org_key(self) -> str:
        return self.scopes[0].key

    @property
    def profile_keys(self) -> dict[str, str]:
        """profile id -> that profile's API key."""
        return {s.id: s.key for s in self.scopes[1:]}

    @property
    def profile_ids(self) -> list[str]:
        return [s.id for s in self.scopes[1:]]

    def account_for_key(self, api_key: str) -> str | None:
        """The organization id an API key belongs to (what rate limits count per), or None."""
        return self.organization_id if self.scope_for_key(api_key) is not None else None

    def scope_for_key(self, api_key: str) -> int | None:
        for s in self.scopes:
            if s.key == api_key:
                return s.index
        return None

    def scope_of_profile(self, profile_id: str) -> int | None:
        for s in self.scopes[1:]:
            if s.id == profile_id:
                return s.index
        return None

    def now_ts(self) -> float:
        return self.clock.time()

    @property
    def truth(self) -> Truth:
        """Every record, as the world knows it (future statuses and events included)."""
        return Truth(self)

    def __repr__(self) -> str:
        return (
            f"<World seed={self.seed} profiles={len(self.scopes) - 1} contacts={self.contacts.n} "
            f"messages={self.messages.n}>"
        )

    # -- regions and rates ----------------------------------------------------------------------

    def _region_idx(self, code: str) -> int:
        idx = self._region_index.get(code)
        if idx is None:
            idx = len(self.regions)
            self.regions.append(code)
            self._region_index[code] = idx
        return idx

    def _outcome_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        shape = (len(CHANNELS), len(self.regions))
        pf, pd_, pr = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        for c, ch in enumerate(CHANNELS):
            for r, region in enumerate(self.regions):
                o = self.params.outcome(ch, region)
                pf[c, r], pd_[c, r], pr[c, r] = o.failed, o.delivered, o.read
        return pf, pd_, pr

    @functools.cached_property
    def _reasons_by_channel(self) -> list[np.ndarray]:
        return [np.array([_REASON_INDEX[r] for r in FAILURE_REASONS.get(ch, FAILURE_REASONS["sms"])])
                for ch in CHANNELS]  # fmt: skip

    def _lifecycles(
        self,
        rng: np.random.Generator,
        created: np.ndarray,
        channel: np.ndarray,
        region: np.ndarray,
        release: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sample each message's timeline (n x 7 epoch seconds, NaN = never) and failure reason."""
        n = len(created)
        pf, pd_, pr = self._outcome_tables()
        p_failed, p_delivered, p_read = pf[channel, region], pd_[channel, region], pr[channel, region]
        u = rng.random(n)
        failed = u < p_failed
        delivered = (u >= p_failed) & (u < p_failed + p_delivered)
        before_send = failed & (rng.random(n) < self.params.failed_before_send_share)
        read = delivered & (rng.random(n) < p_read)

        def lat(name: str) -> np.ndarray:
            out = np.empty(n)
            for c, ch in enumerate(CHANNELS):
                mask = channel == c
                if mask.any():
                    spec = self.params.latency.get(ch, self.params.latency["sms"])[name]
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
                options = self._reasons_by_channel[c]
                reason[mask] = options[rng.integers(0, len(options), int(mask.sum()))]
        return times, reason

    # -- webhook events ---------------------------------------------------------------------------

    def _webhooks_for_scope(self, scope: int) -> list[_Webhook]:
        """Webhooks that hear about a message of ``scope``: its own, and the organization's."""
        return [w for w in self.webhooks if not w.deleted and w.is_active and w.scope in (scope, 0)]

    def _emit_events(self, rng: np.random.Generator, webhook: _Webhook, msgs: np.ndarray) -> None:
        """Append one event per subscribed status change of ``msgs`` (message row indices)."""
        steps = sorted(webhook.steps())
        if not steps or len(msgs) == 0:
            return
        times = self.messages["times"][msgs][:, steps]
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
        retried = ~failed & (u < webhook.failure_share + self.params.webhook_retry_share) & (webhook.retry_count > 1)
        outcome = np.where(failed, 2, np.where(retried, 1, 0)).astype(np.int8)
        attempts = np.ones(k, dtype=np.int8)
        attempts[failed] = webhook.retry_count
        if retried.any():
            attempts[retried] = rng.integers(2, webhook.retry_count + 1, int(retried.sum()))
        http = np.full(k, 200, dtype=np.int16)
        if failed.any():
            codes = np.array([c for c, _ in _HTTP_FAILURES], dtype=np.int16)
            http[failed] = codes[rng.integers(0, len(codes), int(failed.sum()))]
        started = _lognormal(rng, (0.2, 0.5), k)
        response = _lognormal(rng, (0.12, 0.6), k)
        # retries back off 30 s, 2 min, 5 min, 15 min...; a timeout waits timeout_seconds
        backoff = np.cumsum([0.0, 30.0, 120.0, 300.0, 900.0, 1800.0])
        per_try = np.where(http == 0, float(webhook.timeout_seconds), response)
        completed = started + backoff[np.clip(attempts - 1, 0, 5)] + per_try
        serial = np.arange(self._serial, self._serial + k, dtype=np.int64)
        self._serial += k
        degenerate = rng.random(k) < self.params.degenerate_event_share
        webhook.events.extend(
            k, created=created, msg=msg, step=step, serial=serial, outcome=outcome, attempts=attempts,
            http=http, degenerate=degenerate, started=started, completed=completed,
        )  # fmt: skip
        webhook.dirty = True

    def _sorted_events(self, webhook: _Webhook) -> _Table:
        if webhook.dirty:
            ev = webhook.events
            ev.take(np.lexsort((ev["serial"], ev["created"])))
            webhook.dirty = False
        return webhook.events

    def visible_event_count(self, webhook: _Webhook, now: float | None = None) -> int:
        ev = self._sorted_events(webhook)
        now = self.now_ts() if now is None else now
        return int(np.searchsorted(ev["created"], now, side="right"))

    # -- wire dicts -----------------------------------------------------------------------------

    def contact_wire(self, i: int, viewer: int) -> dict[str, Any]:
        c = self.contacts
        owner = int(c["scope"][i])
        bits = int(c["channels"][i])
        formats = _numbers.number_formats(self.contact_phones[i])
        return {
            "id": self.contact_ids[i],
            **formats,
            "region_code": formats.get("region_code") or self.regions[int(c["region"][i])],
            "available_channels": ",".join(ch for ch in CHANNELS if bits & _CH_BIT.get(ch, 0)),
            "default_channel": CHANNELS[int(c["default"][i])],
            "opt_out": bool(c["opt_out"][i]),
            "is_inherited": owner != viewer,
            "customer_id": self.scopes[owner].id,
            "created_at": _iso(float(c["created"][i])),
            "updated_at": _iso(float(c["updated"][i])),
        }

    def template_wire(self, t: _Template) -> dict[str, Any]:
        return {
            "id": t.id,
            "customer_id": self.scopes[t.scope].id,
            "name": t.name,
            "category": t.category,
            "language": t.language,
            "status": t.status,
            "channels": list(t.channels),
            "variables": list(t.variables),
            "created_at": _iso(t.created),
            "updated_at": _iso(t.updated),
            "is_published": t.is_published,
        }

    def webhook_wire(self, w: _Webhook, *, secret: bool = False) -> dict[str, Any]:
        now = self.now_ts()
        ev = self._sorted_events(w)
        visible = self.visible_event_count(w, now)
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
            "customer_id": self.scopes[w.scope].id,
            "display_name": w.display_name,
            "endpoint_url": w.endpoint_url,
            "signing_secret": w.secret if secret else None,  # shown once, on create and rotate
            "is_active": w.is_active,
            "event_types": list(w.event_types),
            "retry_count": w.retry_count,
            "timeout_seconds": w.timeout_seconds,
            "last_delivery_attempt_at": _iso(last_attempt),
            "last_successful_delivery_at": _iso(last_success),
            "consecutive_failures": failures,
            "created_at": _iso(w.created),
            "updated_at": _iso(w.updated),
        }

    def _template_of(self, i: int) -> _Template | None:
        t = int(self.messages["template"][i])
        return self.templates[t] if t >= 0 else None

    def message_body(self, i: int) -> str:
        text = self._message_text.get(i)
        if text is not None:
            return text
        tpl = self._template_of(i)
        if tpl is None:
            return ""
        channel = CHANNELS[int(self.messages["channel"][i])]
        raw = tpl.texts.get(channel) or next(iter(tpl.texts.values()))
        body = self._body_cache.get(i)
        if body is None:
            body = _render(raw, _fake_values(self.seed * 1_000_003 + i, float(self.messages["created"][i])))
            if len(self._body_cache) > 100_000:
                self._body_cache.clear()
            self._body_cache[i] = body
        return body

    def _visible_steps(self, i: int, now: float) -> list[tuple[float, int]]:
        row = self.messages["times"][i]
        return sorted((float(row[k]), k) for k in range(len(STATUSES)) if row[k] <= now)

    def status_at(self, i: int, now: float | None = None) -> str:
        steps = self._visible_steps(i, self.now_ts() if now is None else now)
        return STATUSES[steps[-1][1]] if steps else STATUSES[QUEUED]

    def _reason(self, i: int) -> tuple[str, str] | None:
        r = int(self.messages["reason"][i])
        return _REASONS[r] if r >= 0 else None

    def message_wire(self, i: int) -> dict[str, Any]:
        m = self.messages
        now = self.now_ts()
        steps = self._visible_steps(i, now)
        status = STATUSES[steps[-1][1]] if steps else "QUEUED"
        contact = int(m["contact"][i])
        phone = self.contact_phones[contact]
        formats = _numbers.number_formats(phone)
        tpl = self._template_of(i)
        channel = CHANNELS[int(m["channel"][i])]
        priced = any(k >= _PRICED_FROM for _, k in steps)
        reason = self._reason(i) if status == "FAILED" else None
        events = []
        for ts, k in steps:
            event = {"status": STATUSES[k], "timestamp": _iso(ts), "description": self._describe(k, channel, i)}
            if k == FAILED and reason:
                event["reason_code"], event["reason"] = reason
            events.append(event)
        return {
            "id": self.message_ids[i],
            "customer_id": self.scopes[int(m["scope"][i])].id,
            "contact_id": self.contact_ids[contact],
            "phone": phone,
            "phone_international": formats.get("format_international"),
            "region_code": formats.get("region_code") or self.regions[int(self.contacts["region"][contact])],
            "template_id": tpl.id if tpl else None,
            "template_name": tpl.name if tpl else None,
            "template_category": tpl.category if tpl else None,
            "channel": channel,
            "direction": "outbound",
            "message_body": {
                "header": None,
                "content": self.message_body(i),
                "footer": tpl.footer if tpl and channel == "whatsapp" else None,
                "buttons": [{"type": "QUICK_REPLY", "value": tpl.button}]
                if tpl and tpl.button and channel == "whatsapp"
                else None,
            },
            "status": status,
            "created_at": _iso(float(m["created"][i])),
            "price": round(float(m["price"][i]), 4) if priced else None,
            "active_contact_price": round(float(m["markup"][i]), 4) if priced else None,
            "reason_code": reason[0] if reason else None,
            "reason": reason[1] if reason else None,
            "events": events,
        }

    def _describe(self, step: int, channel: str, i: int) -> str:
        if step == SENT:
            return f"Message sent via {_CHANNEL_LABEL.get(channel, channel)}"
        if step == FAILED:
            reason = self._reason(i)
            return f"Message failed: {reason[1]}" if reason else "Message failed"
        return _ACTIVITY_TEXT[step]

    def activities_wire(self, i: int) -> dict[str, Any]:
        m = self.messages
        channel = CHANNELS[int(m["channel"][i])]
        price = _pricing.format_price(round(float(m["price"][i]), 4))
        markup = _pricing.format_price(round(float(m["markup"][i]), 4))
        reason = self._reason(i)
        activities = []
        for ts, k in reversed(self._visible_steps(i, self.now_ts())):  # newest first
            priced = k not in (QUEUED, SCHEDULED)  # the price repeats on every later activity
            activity: dict[str, Any] = {
                "status": STATUSES[k],
                "description": self._describe(k, channel, i),
                "timestamp": _iso(ts),
                "price": price if priced else None,
                "active_contact_price": markup if priced else None,
            }
            if k == FAILED and reason:
                activity["reason_code"], activity["reason"] = reason
            activities.append(activity)
        return {"message_id": self.message_ids[i], "activities": activities}

    def event_wire(self, w: _Webhook, j: int, now: float | None = None) -> dict[str, Any]:
        """Row ``j`` of ``w``'s (sorted) event log, as ``GET /v3/webhooks/{id}/events`` shows it."""
        ev = w.events
        now = self.now_ts() if now is None else now
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
                "timestamp": _iso(created),
                "request_id": _request_id(self.seed, "event", serial),
                "payload": self._event_payload(i, step),
            }
        done = completed <= now
        outcome = int(ev["outcome"][j])
        http = int(ev["http"][j])
        failed = done and outcome == 2
        error = None
        if failed:
            error = next(text for code, text in _HTTP_FAILURES if code == http)
            if http == 0:
                error = f"Timeout after {w.timeout_seconds}s"
        return {
            "id": _hash_uuid(self.seed, "event", serial),
            "event_type": MESSAGE_EVENTS[step],
            "event_data": data,
            "delivery_status": ("failed" if failed else "delivered") if done else "pending",
            "http_status_code": (http or None) if done else None,
            "response_body": None,
            "delivery_attempts": int(ev["attempts"][j]) if done else int(started <= now),
            "error_message": error,
            "created_at": _iso(created),
            "processing_started_at": _iso(started) if started <= now else None,
            "processing_completed_at": _iso(completed) if done else None,
        }

    def _event_payload(self, i: int, step: int) -> dict[str, Any]:
        m = self.messages
        tpl = self._template_of(i)
        payload: dict[str, Any] = {
            "message_id": self.message_ids[i],
            "message_status": STATUSES[step],
            "channel": CHANNELS[int(m["channel"][i])],
            "template_id": tpl.id if tpl else None,
            "template_name": tpl.name if tpl else None,
            "outbound_number": self.contact_phones[int(m["contact"][i])],
            "updated_at": _iso(float(m["times"][i, step])),
            "account_id": self.scopes[int(m["scope"][i])].id,
            "body": self.message_body(i),
        }
        if step == FAILED:
            reason = self._reason(i)
            if reason:
                payload["reason_code"], payload["reason"] = reason
        return payload

    def profile_wire(self, s: _Scope) -> dict[str, Any]:
        org = self.organization
        return {
            "id": s.id,
            "organization_id": org.id,
            "name": s.name,
            "email": s.email,
            "icon": f"https://cdn.sent.dm/icons/{s.short_name.lower()}.png",
            "description": s.description,
            "short_name": s.short_name,
            "status": "approved",
            "created_at": _iso(s.created),
            "updated_at": _iso(s.updated),
            "allow_contact_sharing": True,
            "allow_template_sharing": False,
            "inherit_contacts": True,
            "inherit_templates": False,
            "inherit_tcr_brand": True,
            "inherit_tcr_campaign": False,
            "billing_model": "organization",
            "sending_phone_number_profile_id": None,
            "sending_whatsapp_number_profile_id": None,
            "sending_phone_number": s.sms_number,
            "whatsapp_phone_number": s.whatsapp_number,
            "allow_number_change_during_onboarding": None,
            "waba_id": None,
            "billing_contact": None,
            "brand": None,
        }

    def _settings(self) -> dict[str, Any]:
        return {"allow_contact_sharing": True, "allow_template_sharing": False, "inherit_contacts": True,
                "inherit_templates": False, "inherit_tcr_brand": True, "inherit_tcr_campaign": False,
                "billing_model": "organization"}  # fmt: skip

    def _channels(self, s: _Scope) -> dict[str, Any]:
        return {
            "sms": {"configured": True, "phone_number": s.sms_number},
            "whatsapp": {"configured": True, "phone_number": s.whatsapp_number, "business_name": self.organization.name},
            "rcs": {"configured": False, "phone_number": None},
        }

    def me_wire(self, scope: int) -> dict[str, Any]:
        s = self.scopes[scope]
        base = {
            "id": s.id,
            "name": s.name,
            "email": s.email,
            "icon": f"https://cdn.sent.dm/icons/{s.short_name.lower()}.png",
            "description": s.description,
            "created_at": _iso(s.created),
            "channels": self._channels(s),
        }
        if s.kind == "organization":
            profiles = [
                {"id": p.id, "name": p.name, "icon": f"https://cdn.sent.dm/icons/{p.short_name.lower()}.png",
                 "description": p.description, "short_name": p.short_name, "role": "admin", "status": "approved",
                 "created_at": _iso(p.created), "settings": self._settings()}
                for p in self.scopes[1:]
            ]  # fmt: skip
            return {"type": "organization", **base, "profiles": profiles}
        return {"type": "profile", **base, "organization_id": self.organization_id, "short_name": s.short_name,
                "status": "approved", "settings": self._settings(), "profiles": []}  # fmt: skip

    def user_wire(self, u: _User) -> dict[str, Any]:
        return {
            "id": u.id,
            "customer_id": self.scopes[u.scope].id,
            "email": u.email,
            "name": u.name,
            "role": u.role,
            "status": u.status,
            "invited_at": _iso(u.invited),
            "last_login_at": _iso(u.last_login),
            "created_at": _iso(u.created),
            "updated_at": _iso(u.updated),
        }

    # -- queries ----------------------------------------------------------------------------------

    def _visible_contact_lists(self, scope: int) -> list[list[int]]:
        """Own contacts (newest first), then the organization's, which profiles inherit."""
        own = self._scope_contacts[scope]
        return [own] if scope == 0 else [own, self._scope_contacts[0]]

    def contact_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None,
        channel: str | None = None, phone: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """One page of the contacts ``scope`` sees, and the total matching."""
        if phone is not None:
            i = self.find_contact(scope, phone)
            if i is None:
                raise ApiError(404, "RESOURCE_001", "Contact not found with the specified phone number")
            rows = [i]
            return ([self.contact_wire(i, scope)] if page == 1 else []), len(rows)
        lists = self._visible_contact_lists(scope)
        if search or channel:
            key = (scope, search, channel, self._version)
            matched = self._list_cache.get(key)
            if matched is None:
                matched = [i for lst in lists for i in lst if self._contact_matches(i, search, channel)]
                if len(self._list_cache) > 64:
                    self._list_cache.clear()
                self._list_cache[key] = matched
            lists = [matched]
        total = sum(len(lst) for lst in lists)
        start = (page - 1) * page_size
        rows: list[int] = []
        for lst in lists:
            if start >= len(lst):
                start -= len(lst)
                continue
            rows.extend(lst[start : start + page_size - len(rows)])
            start = 0
            if len(rows) >= page_size:
                break
        return [self.contact_wire(i, scope) for i in rows], total

    def _contact_matches(self, i: int, search: str | None, channel: str | None) -> bool:
        if channel and not int(self.contacts["channels"][i]) & _CH_BIT.get(channel, 0):
            return False
        if search:
            needle = search.strip().lower()
            digits = re.sub(r"\D", "", needle)
            if digits and digits in self.contact_phones[i]:
                return True
            region = self.regions[int(self.contacts["region"][i])].lower()
            return needle in (region, self.contact_ids[i])
        return True

    def find_contact(self, scope: int, phone: str) -> int | None:
        """The contact ``scope`` sees with this E.164 number (its own first, then inherited)."""
        i = self._contact_by_phone.get((scope, phone))
        if i is None and scope != 0:
            i = self._contact_by_phone.get((0, phone))
        return i

    def contact_index(self, scope: int, contact_id: str) -> int:
        i = self._contact_by_id.get(contact_id)
        if i is None or int(self.contacts["scope"][i]) not in (scope, 0):
            raise ApiError(404, "RESOURCE_001", "Contact not found")
        return i

    def _templates_of(self, scope: int) -> list[_Template]:
        ts = [t for t in self.templates if t.scope == scope and not t.deleted]
        ts.sort(key=lambda t: (t.created, t.id), reverse=True)
        return ts

    def template_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None,
        status: str | None = None, category: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        ts = self._templates_of(scope)
        if search:
            ts = [t for t in ts if search.lower() in t.name.lower()]
        if status:
            ts = [t for t in ts if t.status == status]
        if category:
            ts = [t for t in ts if t.category == category]
        start = (page - 1) * page_size
        return [self.template_wire(t) for t in ts[start : start + page_size]], len(ts)

    def template(self, scope: int, template_id: str) -> _Template:
        for t in self.templates:
            if t.id == template_id and t.scope == scope and not t.deleted:
                return t
        raise ApiError(404, "RESOURCE_002", "Template not found")

    def _webhooks_of(self, scope: int) -> list[_Webhook]:
        ws = [w for w in self.webhooks if w.scope == scope and not w.deleted]
        ws.sort(key=lambda w: (w.created, w.id), reverse=True)
        return ws

    def webhook_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None, is_active: bool | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        ws = self._webhooks_of(scope)
        if search:
            ws = [w for w in ws if search.lower() in (w.display_name + " " + w.endpoint_url).lower()]
        if is_active is not None:
            ws = [w for w in ws if w.is_active == is_active]
        start = (page - 1) * page_size
        return [self.webhook_wire(w) for w in ws[start : start + page_size]], len(ws)

    def webhook(self, scope: int, webhook_id: str) -> _Webhook:
        for w in self.webhooks:
            if w.id == webhook_id and w.scope == scope and not w.deleted:
                return w
        raise ApiError(404, "RESOURCE_008", "Webhook not found")

    def event_page(
        self, w: _Webhook, page: int, page_size: int, *, search: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Events of ``w`` visible now, newest first (ties: latest-emitted first)."""
        now = self.now_ts()
        visible = self.visible_event_count(w, now)
        if search:
            needle = search.strip().lower()
            rows = [j for j in range(visible - 1, -1, -1) if self._event_matches(w, j, needle)]
            start = (page - 1) * page_size
            return [self.event_wire(w, j, now) for j in rows[start : start + page_size]], len(rows)
        hi = visible - (page - 1) * page_size
        lo = max(hi - page_size, 0)
        return [self.event_wire(w, j, now) for j in range(hi - 1, lo - 1, -1)], visible

    def _event_matches(self, w: _Webhook, j: int, needle: str) -> bool:
        ev = w.events
        i = int(ev["msg"][j])
        step = int(ev["step"][j])
        hay = (MESSAGE_EVENTS[step], STATUSES[step].lower(), self.message_ids[i], self.contact_phones[int(self.messages["contact"][i])])
        return any(needle in h for h in hay)

    def message_index(self, scope: int, message_id: str) -> int:
        """A message the caller may read: its profile's, or any of the organization's for an org key."""
        i = self._message_by_id.get(message_id)
        if i is None or (scope != 0 and int(self.messages["scope"][i]) != scope):
            raise ApiError(404, "RESOURCE_003", "Message not found")
        return i

    def profile(self, profile_id: str) -> _Scope:
        for s in self.scopes[1:]:
            if s.id == profile_id:
                return s
        raise ApiError(404, "RESOURCE_014", "Profile not found")

    def users_of(self, scope: int) -> list[_User]:
        return [u for u in self.users if u.scope == scope]

    # -- contact mutations ------------------------------------------------------------------------

    def _new_contact_fields(self, phone: str) -> tuple[str, int, int]:
        """(region, channel bits, default channel index) of a contact made for ``phone``."""
        try:
            region = _numbers.number_formats(phone).get("region_code")
        except ValueError:
            region = None
        if not region:
            raise ApiError(400, "VALIDATION_002", "Invalid phone number format",
                           {"phone_number": ["Phone number is not a valid number"]})  # fmt: skip
        share = self.params.whatsapp_share.get(region, self.params.whatsapp_share_default)
        whatsapp = (_hash_int(self.seed, "wa", phone) % 1000) / 1000 < share
        return region, 1 | (2 if whatsapp else 0), 0

    def create_contact(self, scope: int, phone: str, *, dry_run: bool = False) -> dict[str, Any]:
        if self.find_contact(scope, phone) is not None:
            raise ApiError(409, "RESOURCE_007", "Contact with this phone number already exists for this customer")
        region, bits, default = self._new_contact_fields(phone)
        now = self.now_ts()
        if dry_run:  # a realistic record that is never stored
            return {
                "id": str(uuid.uuid4()), **_numbers.number_formats(phone), "region_code": region,
                "available_channels": ",".join(ch for ch in CHANNELS if bits & _CH_BIT[ch]),
                "default_channel": CHANNELS[default], "opt_out": False, "is_inherited": False,
                "customer_id": self.scopes[scope].id, "created_at": _iso(now), "updated_at": None,
            }  # fmt: skip
        (i,) = self._add_contacts(scope, [phone], [region], [bits], [default], [False], [now], [np.nan])
        return self.contact_wire(i, scope)

    def _add_contacts(
        self, scope: int, phones: Sequence[str], regions: Sequence[str], bits: Sequence[int],
        defaults: Sequence[int], opt_out: Sequence[bool], created: Sequence[float], updated: Sequence[float],
    ) -> range:  # fmt: skip
        ids = [_uuid_from_int(self._prng.getrandbits(128)) for _ in phones]
        rows = self.contacts.extend(
            len(phones), scope=scope, region=[self._region_idx(r) for r in regions], channels=bits,
            default=defaults, opt_out=opt_out, created=created, updated=updated,
        )  # fmt: skip
        for i, cid, phone in zip(rows, ids, phones, strict=True):
            self.contact_ids.append(cid)
            self.contact_phones.append(phone)
            self._contact_by_id[cid] = i
            self._contact_by_phone[(scope, phone)] = i
        self._scope_contacts[scope][:0] = reversed(rows)  # lists are newest first
        self._version += 1
        return rows

    def update_contact(
        self, scope: int, contact_id: str, *, default_channel: str | None, opt_out: bool | None, dry_run: bool = False
    ) -> dict[str, Any]:
        i = self.contact_index(scope, contact_id)
        if int(self.contacts["scope"][i]) != scope:
            raise ApiError(422, "BUSINESS_001", "Cannot modify inherited contact")
        wire = self.contact_wire(i, scope)
        if default_channel is not None and default_channel not in wire["available_channels"].split(","):
            raise ApiError(400, "VALIDATION_001", "Request validation failed",
                           {"default_channel": [f"Channel '{default_channel}' is not available for this contact"]})  # fmt: skip
        now = self.now_ts()
        if dry_run:
            if default_channel is not None:
                wire["default_channel"] = default_channel
            if opt_out is not None:
                wire["opt_out"] = opt_out
            wire["updated_at"] = _iso(now)
            return wire
        if default_channel is not None:
            self.contacts["default"][i] = CHANNELS.index(default_channel)
        if opt_out is not None:
            self.contacts["opt_out"][i] = opt_out
        self.contacts["updated"][i] = now
        self._version += 1
        return self.contact_wire(i, scope)

    def delete_contact(self, scope: int, contact_id: str, *, dry_run: bool = False) -> None:
        i = self.contact_index(scope, contact_id)
        if int(self.contacts["scope"][i]) != scope:
            raise ApiError(422, "BUSINESS_001", "Cannot modify inherited contact")
        if dry_run:
            return
        self.contacts["deleted"][i] = True
        del self._contact_by_id[contact_id]
        self._contact_by_phone.pop((scope, self.contact_phones[i]), None)
        self._scope_contacts[scope].remove(i)
        self._version += 1

    # -- template mutations -----------------------------------------------------------------------

    def create_template(self, scope: int, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """``spec``: name, category, language, texts {channel: text}, variables, submit (bool)."""
        now = self.now_ts()
        t = _Template(
            id=str(uuid.uuid4()) if dry_run else _uuid_from_int(self._prng.getrandbits(128)),
            scope=scope,
            name=spec["name"],
            category=spec["category"],
            language=spec["language"],
            status="PENDING" if spec["submit"] or dry_run else "DRAFT",
            channels=spec["channels"],
            texts=spec["texts"],
            variables=spec["variables"],
            created=now,
            updated=now,
        )
        if not dry_run:
            self.templates.append(t)
        return self.template_wire(t)

    def update_template(
        self, scope: int, template_id: str, spec: dict[str, Any], *, dry_run: bool = False
    ) -> dict[str, Any]:
        t = self.template(scope, template_id)
        if dry_run:
            t = _Template(**{**t.__dict__, "channels": list(t.channels), "texts": dict(t.texts)})
        content_changed = any(spec.get(k) is not None for k in ("category", "texts", "language"))
        for key in ("name", "category", "language", "texts", "channels", "variables"):
            if spec.get(key) is not None:
                setattr(t, key, spec[key])
        if spec.get("submit"):
            t.status = "PENDING"
        elif content_changed:
            t.status = "DRAFT"  # an edited template needs review again
        t.updated = self.now_ts()
        return self.template_wire(t)

    def delete_template(self, scope: int, template_id: str, *, dry_run: bool = False) -> None:
        t = self.template(scope, template_id)
        if not dry_run:
            t.deleted = True

    # -- webhook mutations ------------------------------------------------------------------------

    def _secret(self) -> str:
        return "whsec_" + base64.b64encode(random.Random(self._prng.getrandbits(64)).randbytes(24)).decode()

    def create_webhook(self, scope: int, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        now = self.now_ts()
        w = _Webhook(
            id=str(uuid.uuid4()) if dry_run else _uuid_from_int(self._prng.getrandbits(128)),
            scope=scope,
            display_name=spec.get("display_name") or "Webhook",
            endpoint_url=spec["endpoint_url"],
            secret="whsec_" + base64.b64encode(uuid.uuid4().bytes).decode() if dry_run else self._secret(),
            is_active=True,
            event_types=spec.get("event_types") or ["messages"],
            retry_count=spec.get("retry_count") or 3,
            timeout_seconds=spec.get("timeout_seconds") or 30,
            created=now,
            updated=None,
            failure_share=self.params.webhook_failure_share,
            events=_event_table(),
        )
        if not dry_run:
            self.webhooks.append(w)
        return self.webhook_wire(w, secret=True)

    def update_webhook(self, scope: int, webhook_id: str, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        w = self.webhook(scope, webhook_id)
        if dry_run:
            w = _Webhook(**{**w.__dict__, "event_types": list(w.event_types)})
        for key in ("display_name", "endpoint_url", "event_types", "retry_count", "timeout_seconds"):
            if spec.get(key) is not None:
                setattr(w, key, spec[key])
        w.updated = self.now_ts()
        return self.webhook_wire(w)

    def delete_webhook(self, scope: int, webhook_id: str, *, dry_run: bool = False) -> None:
        w = self.webhook(scope, webhook_id)
        if not dry_run:
            w.deleted = True

    def toggle_webhook(self, scope: int, webhook_id: str, is_active: bool | None, *, dry_run: bool = False) -> dict[str, Any]:
        w = self.webhook(scope, webhook_id)
        if dry_run:
            w = _Webhook(**w.__dict__)
        target = (not w.is_active) if is_active is None else is_active
        now = self.now_ts()
        if w.is_active and not target and not dry_run:
            # deliveries not yet emitted are dropped: events during inactivity are lost, as in life
            ev = self._sorted_events(w)
            keep = int(np.searchsorted(ev["created"], now, side="right"))
            ev.n = keep
        w.is_active = target
        w.updated = now
        return self.webhook_wire(w)

    def rotate_secret(self, scope: int, webhook_id: str, *, dry_run: bool = False) -> str:
        w = self.webhook(scope, webhook_id)
        secret = self._secret()
        if not dry_run:
            w.secret = secret
            w.updated = self.now_ts()
        return secret

    # -- sending ----------------------------------------------------------------------------------

    def resolve_template(self, scope: int, ref: dict[str, Any]) -> _Template:
        if ref.get("id"):
            return self.template(scope, ref["id"])
        candidates = [t for t in self._templates_of(scope) if t.name == ref.get("name")]
        if not candidates:
            raise ApiError(404, "RESOURCE_002", "Template not found")
        candidates.sort(key=lambda t: t.status != "APPROVED")
        return candidates[0]

    def send(
        self, scope: int, *, to: list[str], template: dict[str, Any] | None, channels: list[str],
        text: str | None = None, release: float | None = None, dry_run: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Validate a send against the world and, unless ``dry_run``, create its messages.

        One message per (recipient, channel); ``"sent"`` picks the contact's default channel.
        """
        tpl = self.resolve_template(scope, template) if template else None
        if tpl is not None and tpl.status != "APPROVED":
            raise ApiError(422, "BUSINESS_005", "Template not approved for sending",
                           {"template": [f"Template '{tpl.name}' is {tpl.status}"]})  # fmt: skip
        plan: list[tuple[str, int | None, str, int, str]] = []  # phone, contact, channel, region, body
        seen: set[tuple[str, str]] = set()
        for phone in dict.fromkeys(to):
            i = self.find_contact(scope, phone)
            if i is not None:
                if bool(self.contacts["opt_out"][i]):
                    raise ApiError(422, "BUSINESS_004", "Contact has opted out of messaging", {"to": [phone]})
                region = self.regions[int(self.contacts["region"][i])]
                bits = int(self.contacts["channels"][i])
                default = CHANNELS[int(self.contacts["default"][i])]
            else:
                region, bits, default_idx = self._new_contact_fields(phone)
                default = CHANNELS[default_idx]
            available = [ch for ch in CHANNELS if bits & _CH_BIT[ch]]
            for requested in channels:
                if requested == "sent":  # auto-detect
                    options = [c for c in [default, *available] if tpl is None or c in tpl.channels]
                    if not options:
                        raise ApiError(422, "BUSINESS_007", "Channel not available for this contact",
                                       {"channel": [f"No channel of template '{tpl.name if tpl else ''}' reaches {phone}"]})  # fmt: skip
                    channel = options[0]
                else:
                    channel = requested
                    if channel not in available or (tpl is not None and channel not in tpl.channels):
                        raise ApiError(422, "BUSINESS_007", "Channel not available for this contact",
                                       {"channel": [f"'{channel}' is not available for {phone}"]})  # fmt: skip
                if (phone, channel) in seen:
                    continue
                seen.add((phone, channel))
                params = (template or {}).get("parameters") or {}
                if text is not None:
                    body = text
                else:
                    assert tpl is not None
                    body = _render(tpl.texts.get(channel) or next(iter(tpl.texts.values())), params)
                plan.append((phone, i, channel, self._region_idx(region), body))
        response: dict[str, Any] = {
            "status": "QUEUED",
            "template_id": tpl.id if tpl else None,
            "template_name": tpl.name if tpl else None,
            "recipients": [],
        }
        if release is not None:
            response["scheduled_at"] = _iso(release)
        if dry_run:
            response["recipients"] = [
                {"message_id": str(uuid.uuid4()), "to": phone, "channel": ch, "body": body}
                for phone, _, ch, _, body in plan
            ]
            return response
        now = self.now_ts()
        contact_rows = []
        for phone, i, _, region_idx, _ in plan:
            if i is None:
                i = self.find_contact(scope, phone)
            if i is None:
                _, bits, default_idx = self._new_contact_fields(phone)
                (i,) = self._add_contacts(scope, [phone], [self.regions[region_idx]], [bits], [default_idx],
                                          [False], [now], [np.nan])  # fmt: skip
            contact_rows.append(i)
        rows = self._add_messages(
            scope=np.full(len(plan), scope),
            contact=np.array(contact_rows),
            channel=np.array([CHANNELS.index(ch) for _, _, ch, _, _ in plan]),
            template=np.full(len(plan), self.templates.index(tpl) if tpl else -1),
            created=np.full(len(plan), now),
            release=np.full(len(plan), np.nan if release is None else release),
            rng=self._live_rng,
        )
        for row, (phone, _, ch, _, body) in zip(rows, plan, strict=True):
            self._message_text[row] = body
            response["recipients"].append({"message_id": self.message_ids[row], "to": phone, "channel": ch, "body": body})
        self._sends += 1
        return response

    def _add_messages(
        self, *, scope: np.ndarray, contact: np.ndarray, channel: np.ndarray, template: np.ndarray,
        created: np.ndarray, rng: np.random.Generator, release: np.ndarray | None = None,
    ) -> range:  # fmt: skip
        region = self.contacts["region"][contact].astype(np.int64)
        times, reason = self._lifecycles(rng, created, channel, region, release)
        n = len(created)
        price = np.empty(n)
        markup = np.empty(n)
        cache: dict[tuple[int, int, int], tuple[float, float]] = {}
        for k in range(n):
            key = (int(channel[k]), int(region[k]), int(template[k]))
            if key not in cache:
                ch, rc = CHANNELS[key[0]], self.regions[key[1]]
                category = self.templates[key[2]].category if key[2] >= 0 else None
                cache[key] = (self.params.price(ch, rc, category), self.params.markup(ch, rc))
            price[k], markup[k] = cache[key]
        rows = self.messages.extend(
            n, created=created, times=times, channel=channel, contact=contact, template=template,
            scope=scope, reason=reason, price=price, markup=markup,
        )  # fmt: skip
        for row in rows:
            mid = _uuid_from_int(self._prng.getrandbits(128))
            self.message_ids.append(mid)
            self._message_by_id[mid] = row
        new = np.arange(rows.start, rows.stop)
        scopes = set(int(s) for s in np.unique(scope))
        for w in self.webhooks:
            if w.deleted or not w.is_active:
                continue
            mine = new if w.scope == 0 else new[scope == w.scope]
            if w.scope == 0 or w.scope in scopes:
                self._emit_events(rng, w, mine)
        return rows

    # -- ground truth -----------------------------------------------------------------------------

    def final_status(self, i: int) -> str:
        row = self.messages["times"][i]
        return STATUSES[int(np.nanargmax(row))]

    def ledger(self, as_of: datetime | None = None) -> pd.DataFrame:
        """One row per message with its true outcome and cost (``cost = price + active_contact_price``).

        ``status`` is the final status (or the status at ``as_of``).

        >>> build_world(contacts=100, messages=50).ledger()["cost"].sum() > 0
        True
        """
        import pandas as pd

        m = self.messages
        n = m.n
        times = m["times"]
        if as_of is None:
            last = np.nanargmax(times, axis=1)
        else:
            masked = np.where(times <= as_of.timestamp(), times, -np.inf)
            last = np.argmax(masked, axis=1)
        tpl_idx = m["template"]
        contact = m["contact"]
        region_codes = [self.regions[int(r)] for r in self.contacts["region"][contact]]
        templates = [self.templates[int(t)] if t >= 0 else None for t in tpl_idx]
        frame = pd.DataFrame(
            {
                "message_id": self.message_ids[:n],
                "profile_id": [self.scopes[int(s)].id for s in m["scope"]],
                "contact_id": [self.contact_ids[int(c)] for c in contact],
                "phone": [self.contact_phones[int(c)] for c in contact],
                "channel": [CHANNELS[int(c)] for c in m["channel"]],
                "region_code": region_codes,
                "template_id": [t.id if t else None for t in templates],
                "template_name": [t.name if t else None for t in templates],
                "template_category": [t.category if t else None for t in templates],
                "status": [STATUSES[int(k)] for k in last],
                "reason_code": [_REASONS[r][0] if r >= 0 else None for r in m["reason"]],
                "created_at": pd.to_datetime(m["created"], unit="s", utc=True),
                "price": np.round(m["price"], 4),
                "active_contact_price": np.round(m["markup"], 4),
            }
        )
        frame["cost"] = (frame["price"] + frame["active_contact_price"]).round(4)
        return frame


class Truth:
    """Every record of a world as plain dicts, for tests to compare against what a client pulled.

    Records carry ``profile_id`` (the owning scope: the organization id for its
    own records); messages carry their whole ``timeline`` (future steps included)
    and ``final_status``; events carry ``webhook_id``.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.params = world.params

    def profiles(self) -> list[dict[str, Any]]:
        return [self.world.profile_wire(s) for s in self.world.scopes[1:]]

    def contacts(self) -> list[dict[str, Any]]:
        w = self.world
        out = []
        for i in range(w.contacts.n):
            if w.contacts["deleted"][i]:
                continue
            owner = int(w.contacts["scope"][i])
            out.append({**w.contact_wire(i, owner), "profile_id": w.scopes[owner].id})
        return out

    def templates(self) -> list[dict[str, Any]]:
        w = self.world
        return [{**w.template_wire(t), "profile_id": w.scopes[t.scope].id, "texts": dict(t.texts)}
                for t in w.templates if not t.deleted]  # fmt: skip

    def webhooks(self) -> list[dict[str, Any]]:
        w = self.world
        return [{**w.webhook_wire(h, secret=True), "profile_id": w.scopes[h.scope].id}
                for h in w.webhooks if not h.deleted]  # fmt: skip

    def messages(self) -> list[dict[str, Any]]:
        w = self.world
        out = []
        for i in range(w.messages.n):
            row = w.messages["times"][i]
            timeline = {STATUSES[k]: _iso(float(row[k])) for k in np.argsort(row) if not math.isnan(row[k])}
            tpl = w._template_of(i)
            reason = w._reason(i)
            out.append({
                "id": w.message_ids[i],
                "profile_id": w.scopes[int(w.messages["scope"][i])].id,
                "contact_id": w.contact_ids[int(w.messages["contact"][i])],
                "phone": w.contact_phones[int(w.messages["contact"][i])],
                "channel": CHANNELS[int(w.messages["channel"][i])],
                "template_id": tpl.id if tpl else None,
                "template_name": tpl.name if tpl else None,
                "template_category": tpl.category if tpl else None,
                "created_at": _iso(float(w.messages["created"][i])),
                "final_status": w.final_status(i),
                "timeline": timeline,
                "reason_code": reason[0] if reason else None,
                "price": round(float(w.messages["price"][i]), 4),
                "active_contact_price": round(float(w.messages["markup"][i]), 4),
                "body": w.message_body(i),
            })  # fmt: skip
        return out

    def events(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        """Every event (future ones included) as it will finally read, newest first per webhook."""
        w = self.world
        out = []
        for h in w.webhooks:
            if h.deleted or (webhook_id is not None and h.id != webhook_id):
                continue
            ev = w._sorted_events(h)
            for j in range(ev.n - 1, -1, -1):
                out.append({**w.event_wire(h, j, now=math.inf), "webhook_id": h.id,
                            "profile_id": w.scopes[h.scope].id})  # fmt: skip
        return out

    def outcome(self, channel: str, region_code: str) -> Outcome:
        return self.params.outcome(channel, region_code)


# ---------------------------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------------------------

_PROFILE_NAMES = (("Marketing", "MKT"), ("Support", "SUP"), ("Billing", "BIL"), ("Growth", "GRW"),
                  ("Operations", "OPS"), ("Logistics", "LOG"), ("Security", "SEC"), ("Retail", "RTL"))  # fmt: skip


def build_world(
    seed: int = 7,
    contacts: int = 2_000,
    messages: int = 5_000,
    profiles: int = 3,
    params: WorldParams | None = None,
    clock: SimClock | None = None,
) -> World:
    """A synthetic organization with ``profiles`` child profiles, deterministic for its arguments.

    On a frozen clock the same arguments give the same records; on the wall
    clock the history ends at today's midnight UTC.

    >>> world = build_world(seed=7, contacts=500, messages=1_000, clock=SimClock.frozen(datetime(2026, 4, 8, tzinfo=UTC)))
    >>> world.messages.n
    1000
    """
    if profiles < 1:
        raise ValueError("a world needs at least one profile")
    params = params or WorldParams()
    world = World(seed, params, clock or SimClock())
    prng = world._prng
    rng = np.random.default_rng(seed)
    anchor, start = world.anchor, world.history_start

    def new_id() -> str:
        return _uuid_from_int(prng.getrandbits(128))

    def key() -> str:
        return f"sk_test_{prng.getrandbits(128):032x}"

    # scopes: the organization, then its profiles
    org_created = start - 400 * 86400
    world.scopes.append(_Scope(0, new_id(), "organization", "Acme Corporation", "ACME", "admin@acme.example",
                               "Acme Corporation organization account", org_created, anchor - 20 * 86400, key(),
                               _numbers.make_number("US", prng), _numbers.make_number("US", prng)))  # fmt: skip
    for p in range(profiles):
        name, short = _PROFILE_NAMES[p % len(_PROFILE_NAMES)]
        if p >= len(_PROFILE_NAMES):
            name, short = f"{name} {p // len(_PROFILE_NAMES) + 1}", f"{short}{p // len(_PROFILE_NAMES) + 1}"
        created = org_created + (p + 1) * 11 * 86400
        world.scopes.append(_Scope(p + 1, new_id(), "profile", name, short, f"{short.lower()}@acme.example",
                                   f"{name} sender profile", created, anchor - (p + 3) * 86400, key(),
                                   _numbers.make_number("US", prng), _numbers.make_number("US", prng)))  # fmt: skip
    world._scope_contacts = [[] for _ in world.scopes]
    n_scopes = len(world.scopes)

    # users
    roles = (("admin", "active"), ("developer", "active"), ("billing", "invited"))
    for s in world.scopes:
        for u, (role, status) in enumerate(roles if s.index == 0 else roles[: 1 + s.index % 2]):
            first = _FIRST_NAMES[(s.index * 3 + u) % len(_FIRST_NAMES)]
            invited = s.created + u * 86400
            world.users.append(_User(new_id(), s.index, f"{first.lower()}.{role}@acme.example", f"{first} {role.title()}",
                                     role, status, invited, None if status == "invited" else anchor - (u + 1) * 3600,
                                     invited, invited + 86400))  # fmt: skip

    # templates: every profile gets the catalogue (a few dropped, varying by profile) plus unapproved ones
    for s in world.scopes:
        created0 = s.created + 86400
        for k, (name, cat, chans, lang, text, footer, button) in enumerate(_CATALOGUE):
            if s.index > 0 and k % (s.index + 3) == s.index and cat != "AUTHENTICATION":
                continue  # profiles differ a little
            if s.index == 0 and k % 3:
                continue  # the organization keeps a few of its own
            created = created0 + k * 3 * 86400
            world.templates.append(_Template(new_id(), s.index, name, cat, lang, "APPROVED", list(chans),
                                             {c: text for c in chans}, _variables(text), created,
                                             created + 2 * 86400 if k % 2 else None, footer, button))  # fmt: skip
        for k, (name, cat, chans, lang, text, status) in enumerate(_UNAPPROVED):
            created = anchor - (k + 2) * 86400
            world.templates.append(_Template(new_id(), s.index, name, cat, lang, status, list(chans),
                                             {c: text for c in chans}, _variables(text), created, created + 3600))  # fmt: skip

    # webhooks: each profile has a "messages" webhook; odd profiles add a narrow, flaky one; the
    # organization has one for failures across all its profiles
    for s in world.scopes:
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
            world.webhooks.append(_Webhook(new_id(), s.index, name, url, world._secret(), True, types, 3, 30,
                                           start - 10 * 86400, None, failure, _event_table()))  # fmt: skip

    # contacts
    weights = np.array([params.profile_weights[p % len(params.profile_weights)] for p in range(profiles)], dtype=float)
    org_n = max(1, round(contacts * params.org_contact_share)) if contacts else 0
    per_profile = rng.multinomial(max(contacts - org_n, 0), weights / weights.sum())
    counts = [org_n, *per_profile.tolist()]
    regions = world.regions
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
        world._add_contacts(scope_idx, [phones[k] for k in order], [regions[int(reg[k])] for k in order],
                            bits[order], default[order], opt_out[order], created[order], updated[order])  # fmt: skip

    # messages
    if messages:
        c = world.contacts
        eligible_contacts = []
        for scope_idx in range(n_scopes):
            own = [i for i in world._scope_contacts[scope_idx] if not c["opt_out"][i]]
            inherited = [] if scope_idx == 0 else [i for i in world._scope_contacts[0] if not c["opt_out"][i]]
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
                pool = np.array([k for k, t in enumerate(world.templates)
                                 if t.scope == scope_idx and t.status == "APPROVED" and ch in t.channels])  # fmt: skip
                template[mask] = pool[rng.integers(0, len(pool), int(mask.sum()))]
        hour_w = np.array([1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 9, 9, 9, 9, 9, 8, 7, 6, 5, 3, 2, 1], dtype=float)
        days = rng.integers(0, params.history_days, messages)
        hours = rng.choice(24, size=messages, p=hour_w / hour_w.sum())
        created = start + days * 86400.0 + hours * 3600.0 + rng.random(messages) * 3600.0
        order = np.argsort(created, kind="stable")
        world._add_messages(scope=scope[order], contact=contact[order], channel=channel[order],
                            template=template[order], created=created[order], rng=rng)  # fmt: skip
    world._version += 1
    return world


@functools.lru_cache(maxsize=1)
def demo_world() -> World:
    """The default offline world (seed 7, 2,000 contacts, 5,000 messages), built once per process.

    >>> demo_world() is demo_world()
    True
    """
    return build_world()
