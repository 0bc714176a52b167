"""Profiles' onboarding, TCR brands and 10DLC campaigns, and the account's users: records and how they change.

What the official SDK (sentdm 0.46) describes, as records that live in ``Records``: each profile's
``Setup`` (billing, TCR inheritance, WhatsApp account, onboarding times), each scope's ``Brand``
(KYC and TCR data) and the ``Campaign`` records registered for brands. ``populate_profiles`` draws
them from the seed right after the scopes and users; the functions below say how they read at a
time (``profile_status``, ``campaign_status``, ``active_campaign``) and change them for the routes
(``new_profile``, ``complete_profile``, ``new_campaign``, ``invite_user`` …), raising the API's
errors for state the caller cannot change. Wire shapes are ``_profile_wire``'s job.

Lifecycles, all lazily visible on the world clock:

- profile: ``incomplete`` → (``POST …/complete``) ``pending_review`` → ``approved`` once the
  background onboarding finishes (seconds later); onboarding submits the brand and its draft
  campaigns to TCR and connects the reserved SMS (and WhatsApp) numbers;
- brand: created → submitted to TCR → registered (``status: ACTIVE``, ``tcr_brand_id``,
  ``identity_status``) minutes later;
- campaign: ``SENT_CREATED`` (a draft, or submitted and under review, or its submission bounced
  with a ``tcr_sync_error``) → ``ACTIVE`` (``tcr_campaign_id``, billed) → DCA elections complete
  about a day later → ``EXPIRED`` when it lapses.
"""

from __future__ import annotations

import math
import random
import string
import uuid
from dataclasses import dataclass, replace
from typing import Any

from . import _numbers
from ._envelope import ApiError
from ._ids import hash_int, uuid_from_int
from ._records import Records, Scope, User

__all__ = [
    "BILLING_MODELS",
    "USER_ROLES",
    "USE_CASES",
    "Brand",
    "Campaign",
    "Setup",
    "UseCase",
    "active_campaign",
    "campaign_status",
    "campaigns_of",
    "change_campaign",
    "change_profile",
    "complete_profile",
    "delete_campaign",
    "delete_profile",
    "effective_brand",
    "invite_user",
    "key_user",
    "new_campaign",
    "new_profile",
    "numbers_of",
    "onboarding_status",
    "populate_profiles",
    "profile_status",
    "remove_user",
    "sender_numbers",
    "set_role",
    "users_of",
]

# ---------------------------------------------------------------------------------------------
# vocabulary (the SDK's literals) and the data behind fees and review times
# ---------------------------------------------------------------------------------------------

BILLING_MODELS = ("profile", "organization", "profile_and_organization")
USER_ROLES = ("admin", "billing", "developer")
USE_CASES = ("MARKETING", "ACCOUNT_NOTIFICATION", "CUSTOMER_CARE", "FRAUD_ALERT", "TWO_FA",
             "DELIVERY_NOTIFICATION", "SECURITY_ALERT", "M2M", "MIXED", "HIGHER_EDUCATION",
             "POLLING_VOTING", "PUBLIC_SERVICE_ANNOUNCEMENT", "LOW_VOLUME")  # fmt: skip
VERTICALS = ("PROFESSIONAL", "REAL_ESTATE", "HEALTHCARE", "HUMAN_RESOURCES", "ENERGY", "ENTERTAINMENT",
             "RETAIL", "TRANSPORTATION", "AGRICULTURE", "INSURANCE", "POSTAL", "EDUCATION", "HOSPITALITY",
             "FINANCIAL", "POLITICAL", "GAMBLING", "LEGAL", "CONSTRUCTION", "NGO", "MANUFACTURING",
             "GOVERNMENT", "TECHNOLOGY", "COMMUNICATION")  # fmt: skip
BRAND_RELATIONSHIPS = ("BASIC_ACCOUNT", "MEDIUM_ACCOUNT", "LARGE_ACCOUNT", "SMALL_ACCOUNT", "KEY_ACCOUNT")
ENTITY_TYPES = ("PRIVATE_PROFIT", "PUBLIC_PROFIT", "NON_PROFIT", "SOLE_PROPRIETOR", "GOVERNMENT")

#: Campaign fees in USD a month, by volume tier. Source: The Campaign Registry's published 10DLC
#: fee schedule (2023-2024): $10/month for standard use cases, $1.50/month for Low Volume Mixed;
#: the SDK says volumes below 2,000 bill at the low-volume tier. ``cost`` shows the monthly fee.
CAMPAIGN_MONTHLY_FEE = {"standard": 10.00, "low_volume": 1.50}
LOW_VOLUME_BELOW = 2_000
#: The Campaign Service Provider id TCR knows Sent by (synthetic; the SDK says it is the same for
#: every brand of every account).
SENT_CSP_ID = "S4SNTDM"

# Behaviour of the registry, synthetic: campaign vetting takes days (median 4), carriers' DCA
# elections about a day after approval, brand registration minutes; a few submissions bounce.
_REVIEW_DAYS = (4.0, 0.45)  # lognormal (median, sigma)
_DCA_HOURS = (26.0, 0.4)
_BRAND_MINUTES = (6.0, 0.6)
_ONBOARDING_SECONDS = (45.0, 0.4)  # complete → approved
_SYNC_ERROR_SHARE = 0.06
_SYNC_ERRORS = (
    "TCR rejected the submission: sample messages must name the brand and say how to opt out",
    "TCR rejected the submission: message flow does not describe how consent is collected",
    "TCR rejected the submission: privacy policy link is unreachable",
)
_TCR_ID_CHARS = string.ascii_uppercase + string.digits


# ---------------------------------------------------------------------------------------------
# records
# ---------------------------------------------------------------------------------------------


@dataclass
class Brand:
    """A scope's own TCR brand: the KYC sections as given (snake_case keys), and its TCR state."""

    id: str
    scope: int
    contact: dict[str, Any]
    business: dict[str, Any] | None
    compliance: dict[str, Any]  # destination_countries: [{"id": "US", "is_main": True}]
    created: float
    updated: float | None = None
    submitted: float | None = None  # sent to TCR
    registered: float | None = None  # TCR registered it: status ACTIVE, tcr_brand_id, identity_status
    tcr_brand_id: str | None = None
    identity_status: str | None = None

    @property
    def is_tcr(self) -> bool:
        return bool(self.compliance.get("is_tcr_application"))


@dataclass
class Setup:
    """A profile's configuration beyond its ``Scope``: billing, inheritance, WhatsApp, onboarding."""

    scope: int
    billing_model: str
    billing_contact: dict[str, Any] | None
    inherit_tcr_brand: bool
    inherit_tcr_campaign: bool
    icon: str | None
    waba_id: str | None = None
    waba_number_id: str | None = None  # an existing number of the customer's WABA; None = from our pool
    allow_number_change: bool | None = None
    sms_override: str | None = None  # PATCH sending_phone_number / whatsapp_phone_number
    whatsapp_override: str | None = None
    completion_started: float | None = None
    onboarded: float | None = None  # background onboarding finished: status approved, numbers connected
    completion_webhook: str | None = None


@dataclass
class UseCase:
    id: str
    use_case: str  # one of USE_CASES
    samples: list[str]
    created: float
    updated: float | None = None


@dataclass
class Campaign:
    """A 10DLC campaign of ``scope``'s brand (the organization's, when a profile inherits it).

    ``activated`` is when the campaign became ``ACTIVE`` (None: not accepted, or not yet drawn);
    every time is epoch seconds and may lie ahead of the clock.
    """

    id: str
    scope: int  # the owner: 0 = the organization
    brand_id: str
    name: str
    description: str
    type: str
    use_cases: list[UseCase]
    texts: dict[str, str | None]  # help_keywords, message_flow, … and volume (snake_case)
    created: float
    updated: float | None = None
    submitted: float | None = None
    sync_error: str | None = None  # the submission did not reach the registry
    activated: float | None = None
    dca_completed: float | None = None
    expired: float | None = None
    tcr_campaign_id: str | None = None
    attempt: int = 0  # submissions so far: each one's review is drawn afresh
    deleted: bool = False

    @property
    def monthly_fee(self) -> float:
        volume = self.texts.get("volume")
        low = volume is not None and volume.isdigit() and int(volume) < LOW_VOLUME_BELOW
        return CAMPAIGN_MONTHLY_FEE["low_volume" if low else "standard"]


CAMPAIGN_TEXT_FIELDS = ("help_keywords", "help_message", "message_flow", "optin_keywords", "optin_message",
                        "optout_keywords", "optout_message", "privacy_policy_link", "terms_and_conditions_link",
                        "volume")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# how they read at a time
# ---------------------------------------------------------------------------------------------


def _reached(ts: float | None, now: float) -> bool:
    return ts is not None and ts <= now


def onboarding_status(setup: Setup, now: float) -> str:
    """A profile's public status at ``now`` from its ``setup``: see :func:`profile_status`.

    >>> onboarding_status(Setup(1, "organization", None, False, False, None), now=0.0)
    'incomplete'
    """
    if _reached(setup.onboarded, now):
        return "approved"
    return "pending_review" if _reached(setup.completion_started, now) else "incomplete"


def profile_status(records: Records, scope: int, now: float | None = None) -> str:
    """``incomplete``, ``pending_review`` (onboarding running) or ``approved`` at ``now``.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> profile_status(r, 1)
    'approved'
    """
    return onboarding_status(records.setups[scope], records.now_ts() if now is None else now)


def numbers_of(s: Scope, setup: Setup | None, now: float) -> tuple[str | None, str | None]:
    """``(SMS number, WhatsApp number)`` of scope ``s`` with ``setup`` (None: the organization).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> numbers_of(r.scopes[1], r.setups[1], now=0.0)  # before its onboarding
    (None, None)
    """
    if setup is None:
        return s.sms_number, s.whatsapp_number
    connected = _reached(setup.onboarded, now)
    sms = setup.sms_override or (s.sms_number if connected else None)
    whatsapp = setup.whatsapp_override or (s.whatsapp_number if connected and setup.waba_id else None)
    return sms, whatsapp


def sender_numbers(records: Records, scope: int, now: float | None = None) -> tuple[str | None, str | None]:
    """``(SMS number, WhatsApp number)`` ``scope`` sends from at ``now``; None where not connected.

    The organization always has both; a profile's reserved numbers are connected when its
    onboarding finishes (WhatsApp only with a WhatsApp Business Account); a number set with
    ``PATCH`` shows at once.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> all(n.startswith("+1") for n in sender_numbers(r, 1))
    True
    """
    now = records.now_ts() if now is None else now
    return numbers_of(records.scopes[scope], records.setups.get(scope) if scope else None, now)


def effective_brand(records: Records, scope: int, setup: Setup | None = None,
                    own: Brand | None = None) -> tuple[Brand | None, bool]:  # fmt: skip
    """``(brand, inherited)``: the scope's own brand (``own`` if given), or the organization's when
    the profile (``setup`` if given) inherits it.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> effective_brand(r, 3)[0] is r.brands[0], effective_brand(r, 1)[1]
    (True, False)
    """
    setup = setup or records.setups.get(scope)
    if setup is not None and setup.inherit_tcr_brand:
        return records.brands.get(0), True
    return (own if own is not None else records.brands.get(scope)), False


def campaigns_of(records: Records, scope: int) -> tuple[list[Campaign], bool]:
    """``(campaigns, inherited)``: the scope's own campaigns, or the organization's when it
    inherits them; newest first.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> [len(campaigns_of(r, p)[0]) for p in (1, 2, 3)], campaigns_of(r, 3)[1]
    ([2, 1, 1], True)
    """
    inherited = scope != 0 and records.setups[scope].inherit_tcr_campaign
    owner = 0 if inherited else scope
    found = [c for c in records.campaigns if c.scope == owner and not c.deleted]
    found.sort(key=lambda c: (c.created, c.id), reverse=True)
    return found, inherited


def campaign_status(c: Campaign, now: float) -> str:
    """``SENT_CREATED``, ``ACTIVE`` or ``EXPIRED`` at ``now`` (the SDK's vocabulary).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> c = r.campaigns[0]
    >>> campaign_status(c, c.created), campaign_status(c, c.activated)
    ('SENT_CREATED', 'ACTIVE')
    """
    if _reached(c.expired, now):
        return "EXPIRED"
    return "ACTIVE" if _reached(c.activated, now) else "SENT_CREATED"


def active_campaign(records: Records, scope: int, at: float | None = None) -> Campaign | None:
    """The campaign that makes ``scope``'s US SMS traffic registered at ``at`` (default: now), or None.

    An ``ACTIVE`` campaign of the scope's own brand, or of the organization's when the profile
    inherits its campaigns; the first to have become active if several are. The time it became
    active is ``campaign.activated`` (epoch seconds). A deleted profile has none.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> [active_campaign(r, p) is not None for p in (1, 2, 3)]
    [True, False, True]
    """
    if records.scopes[scope].deleted:
        return None
    at = records.now_ts() if at is None else at
    active = [c for c in campaigns_of(records, scope)[0] if campaign_status(c, at) == "ACTIVE"]
    return min(active, key=lambda c: (c.activated, c.id)) if active else None


# ---------------------------------------------------------------------------------------------
# the registry's answers, drawn per submission (hash-seeded: no draw from the world's prng)
# ---------------------------------------------------------------------------------------------


def _lognormal(rnd: random.Random, spec: tuple[float, float]) -> float:
    median, sigma = spec
    return median * math.exp(sigma * rnd.gauss(0.0, 1.0))


def _tcr_id(rnd: random.Random, prefix: str) -> str:
    return prefix + "".join(rnd.choice(_TCR_ID_CHARS) for _ in range(6))


def _submit_campaign(records: Records, c: Campaign, when: float) -> None:
    """Submit ``c`` to TCR at ``when``: draw whether it bounces, or when it is accepted."""
    c.attempt += 1
    rnd = random.Random(hash_int(records.seed, "campaign-review", c.id, c.attempt))
    c.submitted = when
    c.sync_error = c.activated = c.dca_completed = c.tcr_campaign_id = None
    if rnd.random() < _SYNC_ERROR_SHARE:
        c.sync_error = rnd.choice(_SYNC_ERRORS)
        return
    c.activated = when + _lognormal(rnd, _REVIEW_DAYS) * 86400
    c.dca_completed = c.activated + _lognormal(rnd, _DCA_HOURS) * 3600
    c.tcr_campaign_id = _tcr_id(rnd, "C")


def _submit_brand(records: Records, b: Brand, when: float) -> None:
    rnd = random.Random(hash_int(records.seed, "brand-registration", b.id))
    b.submitted = when
    b.registered = when + _lognormal(rnd, _BRAND_MINUTES) * 60
    b.tcr_brand_id = _tcr_id(rnd, "B")
    business = b.business or {}
    if (business.get("entity_type") or "") == "SOLE_PROPRIETOR":
        b.identity_status = "SELF_DECLARED"
    else:
        b.identity_status = "VERIFIED" if business.get("tax_id") else "UNVERIFIED"


# ---------------------------------------------------------------------------------------------
# the initial account's brands, campaigns and setups
# ---------------------------------------------------------------------------------------------

# use case -> (name, description, sample messages)
_CAMPAIGN_COPY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "ACCOUNT_NOTIFICATION": ("Account notifications", "Order confirmations, payment receipts and account alerts",
        ("Acme: your order #10234 is confirmed. Reply STOP to opt out.",
         "Acme: we received your payment of $42.10. Thank you! Reply STOP to opt out.")),
    "MARKETING": ("Promotions", "Sales, offers and new arrivals for subscribers who opted in at checkout",
        ("Acme: our spring sale is on, 20% off until Sunday: https://acme.example/sale Reply STOP to opt out.",
         "Acme: Trail Runner 2 is back in stock. Shop: https://acme.example/new Reply STOP to opt out.")),
    "CUSTOMER_CARE": ("Customer care", "Replies to support requests and appointment reminders",
        ("Acme Support: your ticket 5521 has an update, reply here to continue. Reply STOP to opt out.",
         "Acme: reminder, your appointment is on Apr 12 at 10:30. Reply C to cancel, STOP to opt out.")),
    "DELIVERY_NOTIFICATION": ("Delivery updates", "Shipping and delivery notices for orders",
        ("Acme: order #20451 has shipped and arrives Thursday. Track: https://acme.example/t Reply STOP to opt out.",
         "Acme: your parcel was delivered. Reply STOP to opt out.")),
    "TWO_FA": ("Verification codes", "One-time passcodes for sign-in and password resets",
        ("Acme: 482913 is your verification code. It expires in 10 minutes.",)),
}  # fmt: skip
# per profile position (cycling): (brand inherited, campaigns inherited, billing model,
#  own campaigns as (use case, kind)); kind: active | expired | bounced | pending
_DESIGNS: tuple[tuple[bool, bool, str, tuple[tuple[str, str], ...]], ...] = (
    (False, False, "organization", (("MARKETING", "active"), ("MARKETING", "expired"))),
    (False, False, "organization", (("CUSTOMER_CARE", "bounced"),)),
    (True, True, "profile", ()),
    (False, False, "profile_and_organization", (("DELIVERY_NOTIFICATION", "pending"),)),
)
_STREETS = ("Market Street", "Mission Street", "Howard Street", "Folsom Street", "Bryant Street")


def _design(index: int) -> tuple[bool, bool, str, tuple[tuple[str, str], ...]]:
    return _DESIGNS[(index - 1) % len(_DESIGNS)]


def _ein(rnd: random.Random) -> str:
    return f"{rnd.randint(10, 99)}-{rnd.randint(1_000_000, 9_999_999)}"


def _seed_brand(records: Records, s: Scope, rnd: random.Random, key_user: User | None) -> Brand:
    org = records.organization
    legal = "Acme Corporation Inc." if s.index == 0 else f"Acme {s.name} LLC"
    brand = Brand(
        id=uuid_from_int(rnd.getrandbits(128)),
        scope=s.index,
        contact={"name": key_user.name if key_user else "Acme Compliance", "business_name": org.name,
                 "role": "Compliance lead", "phone": _numbers.make_number("US", rnd),
                 "email": f"compliance+{s.short_name.lower()}@acme.example", "phone_country_code": "1"},
        business={"legal_name": legal, "tax_id": _ein(rnd), "tax_id_type": "us_ein",
                  "entity_type": "PRIVATE_PROFIT", "street": f"{rnd.randint(100, 999)} {rnd.choice(_STREETS)}",
                  "city": "San Francisco", "state": "CA", "postal_code": "94105", "country": "US",
                  "url": "https://acme.example", "country_of_registration": "US"},
        compliance={"brand_relationship": "MEDIUM_ACCOUNT" if s.index == 0 else "SMALL_ACCOUNT",
                    "vertical": s.vertical, "destination_countries": [{"id": "US", "is_main": True}],
                    "is_tcr_application": True, "notes": None, "phone_number_prefix": "+1"},
        created=s.created + 86400 * (1 + rnd.random()),
    )  # fmt: skip
    brand.updated = brand.created + 3600 * rnd.random()
    _submit_brand(records, brand, brand.created + 86400 * (0.5 + rnd.random()))
    return brand


def _seed_campaign(records: Records, s: Scope, brand: Brand, use_case: str, kind: str, rnd: random.Random,
                   onboarded: float | None = None) -> Campaign:  # fmt: skip
    """One campaign of the initial account, with dates that make ``kind`` hold at the clock's start.

    Campaigns made before the profile's onboarding (``onboarded``) were submitted by it.
    """
    anchor = records.anchor
    name, description, samples = _CAMPAIGN_COPY[use_case]
    if kind == "expired":
        name = f"Holiday {name.lower()} {records.clock.now().year - 1}"
    if kind == "pending":
        created = anchor - 86400 * (2.5 + rnd.random())
    elif kind == "bounced":
        created = anchor - 86400 * (15 + 10 * rnd.random())
    elif kind == "expired":  # a seasonal campaign of the profile's first year
        created = max(brand.created, s.created) + 86400 * (30 + 10 * rnd.random())
    else:  # registered with the brand, before onboarding
        created = max(brand.created, s.created) + 3600 * (1 + 5 * rnd.random())
    cid = uuid_from_int(rnd.getrandbits(128))
    c = Campaign(
        id=cid, scope=s.index, brand_id=brand.id, name=name, description=description, type="App",
        use_cases=[UseCase(uuid_from_int(rnd.getrandbits(128)), use_case, list(samples), created)],
        texts={"help_keywords": "HELP, INFO", "help_message": "Acme: help at https://acme.example/help or reply STOP to opt out.",
               "message_flow": "Customers opt in by ticking the SMS consent box at checkout on acme.example "
                               "or by texting START; consent is logged with a timestamp.",
               "optin_keywords": "START, YES", "optin_message": "Acme: you are subscribed. Msg&data rates may apply. Reply STOP to opt out.",
               "optout_keywords": "STOP, UNSUBSCRIBE, END", "optout_message": "Acme: you are unsubscribed and will get no more messages.",
               "privacy_policy_link": "https://acme.example/privacy", "terms_and_conditions_link": "https://acme.example/terms",
               "volume": str(rnd.choice((1_500, 5_000, 10_000, 25_000)) if use_case != "MARKETING" else 25_000)},
        created=created, updated=created + 3600 * rnd.random(),
    )  # fmt: skip
    c.attempt = 1
    c.submitted = created + 3600 * (1 + 5 * rnd.random())
    if onboarded is not None and c.submitted < onboarded:
        c.submitted = onboarded
    if kind == "bounced":
        c.sync_error = _SYNC_ERRORS[0]
        return c
    review = _lognormal(rnd, _REVIEW_DAYS) * 86400
    c.activated = c.submitted + review
    if kind == "pending":  # approval lands a day or two after the clock's start
        c.activated = anchor + 86400 * (1 + rnd.random())
    c.dca_completed = c.activated + _lognormal(rnd, _DCA_HOURS) * 3600
    c.tcr_campaign_id = _tcr_id(rnd, "C")
    if kind == "expired":  # lapsed a month or two ago (or two weeks after approval, for a young profile)
        c.expired = max(anchor - 86400 * (30 + 30 * rnd.random()), c.activated + 14 * 86400)
    return c


def populate_profiles(records: Records) -> None:
    """Draw the initial account's setups, brands and campaigns (after its scopes and users).

    Profiles cycle through four designs so a default world (3 profiles) has one with its own
    ``ACTIVE`` campaign (and an ``EXPIRED`` one), one whose only campaign's submission bounced
    (none active), and one inheriting the organization's brand and ``ACTIVE`` campaign; a fourth
    has its campaign under review, approved a day or two after the clock's start. Draws come from
    a generator of their own, so the rest of the world does not depend on them.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> sorted(campaign_status(c, r.now_ts()) for c in r.campaigns)
    ['ACTIVE', 'ACTIVE', 'EXPIRED', 'SENT_CREATED']
    """
    rnd = random.Random(hash_int(records.seed, "profiles"))
    for s in records.scopes:
        admins = [u for u in records.users if u.scope == s.index and u.role == "admin"]
        s.key_user = admins[0].id if admins else None
    org = records.organization
    key_users = {u.id: u for u in records.users}
    org_brand = records.brands[0] = _seed_brand(records, org, rnd, key_users.get(org.key_user or ""))
    records.campaigns.append(_seed_campaign(records, org, org_brand, "ACCOUNT_NOTIFICATION", "active", rnd))
    for s in records.scopes[1:]:
        brand_inherited, campaigns_inherited, billing, campaigns = _design(s.index)
        setup = records.setups[s.index] = Setup(
            scope=s.index, billing_model=billing,
            billing_contact=None if billing == "organization" else {
                "name": f"Acme {s.name} accounts payable", "email": f"ap+{s.short_name.lower()}@acme.example",
                "phone": _numbers.make_number("US", rnd), "address": "500 Market Street, San Francisco, CA 94105, US"},
            inherit_tcr_brand=brand_inherited, inherit_tcr_campaign=campaigns_inherited,
            icon=f"https://cdn.sent.dm/icons/{s.short_name.lower()}.png",
            waba_id=str(rnd.randint(10**14, 10**15 - 1)), waba_number_id=str(rnd.randint(10**14, 10**15 - 1)),
        )  # fmt: skip
        brand = org_brand
        if not brand_inherited:
            brand = records.brands[s.index] = _seed_brand(records, s, rnd, key_users.get(s.key_user or ""))
        setup.completion_started = max(brand.created, s.created) + 86400 * (1 + rnd.random())
        setup.onboarded = setup.completion_started + _lognormal(rnd, _ONBOARDING_SECONDS)
        if not brand_inherited:  # onboarding submitted the profile's brand
            _submit_brand(records, brand, setup.onboarded)
        for use_case, kind in campaigns:
            records.campaigns.append(_seed_campaign(records, s, brand, use_case, kind, rnd, setup.onboarded))


# ---------------------------------------------------------------------------------------------
# profiles: create, change, delete, complete
# ---------------------------------------------------------------------------------------------


def _new_id(records: Records, dry_run: bool) -> str:
    """A fresh id: from the world's prng for a real record, random for a sandbox answer."""
    return str(uuid.uuid4()) if dry_run else uuid_from_int(records.prng.getrandbits(128))


def _brand_from(records: Records, scope: int, data: dict[str, Any], old: Brand | None, now: float,
                dry_run: bool) -> Brand:  # fmt: skip
    """``data`` (validated ``{contact, compliance, business?}``) as a new brand, or ``old`` updated."""
    if old is None:
        return Brand(_new_id(records, dry_run), scope, data["contact"], data.get("business"), data["compliance"], now)
    business = data["business"] if data.get("business") is not None else old.business
    return replace(old, contact=data["contact"], compliance=data["compliance"], business=business, updated=now)


def new_profile(records: Records, spec: dict[str, Any], *, dry_run: bool = False) -> tuple[Scope, Setup, Brand | None]:
    """A new profile of the organization from a validated ``spec``; stored unless ``dry_run``.

    It is a scope like any other (its own key, reserved numbers, no contacts yet) with status
    ``incomplete``; without ``whatsapp_business_account`` it has no WhatsApp.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> s, setup, brand = new_profile(r, {"name": "Labs", "billing_model": "organization"})
    >>> profile_status(r, s.index), r.scope_of_profile(s.id) == s.index, brand is None
    ('incomplete', True, True)
    """
    org = records.organization
    now = records.now_ts()
    index = -1 if dry_run else len(records.scopes)
    s = Scope(
        index, _new_id(records, dry_run), "profile", spec["name"], spec.get("short_name") or "", org.email,
        spec.get("description") or "", now, now,
        "" if dry_run else f"sk_test_{records.prng.getrandbits(128):032x}",
        "" if dry_run else _numbers.make_number("US", records.prng),
        "" if dry_run else _numbers.make_number("US", records.prng),
        key_user=org.key_user,
    )  # fmt: skip
    waba = spec.get("whatsapp_business_account") or {}
    setup = Setup(
        scope=index, billing_model=spec.get("billing_model") or "profile", billing_contact=spec.get("billing_contact"),
        inherit_tcr_brand=bool(spec.get("inherit_tcr_brand")), inherit_tcr_campaign=bool(spec.get("inherit_tcr_campaign")),
        icon=spec.get("icon"), waba_id=waba.get("waba_id"), waba_number_id=waba.get("phone_number_id"),
    )  # fmt: skip
    brand = _brand_from(records, index, spec["brand"], None, now, dry_run) if spec.get("brand") else None
    if brand is not None:
        s.vertical = brand.compliance["vertical"]
    if not dry_run:
        records.scopes.append(s)
        records.scope_contacts.append([])
        records.setups[index] = setup
        if brand is not None:
            records.brands[index] = brand
    return s, setup, brand


def change_profile(records: Records, s: Scope, spec: dict[str, Any], *,
                   dry_run: bool = False) -> tuple[Scope, Setup, Brand | None]:  # fmt: skip
    """Apply a validated partial ``spec`` to profile ``s`` (copies when ``dry_run``).

    A brand already submitted to TCR cannot change (400 VALIDATION_001).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> change_profile(r, r.scopes[1], {"description": "Promotions"}, dry_run=True)[0].description
    'Promotions'
    >>> r.scopes[1].description
    'Marketing sender profile'
    """
    now = records.now_ts()
    setup, own = records.setups[s.index], records.brands.get(s.index)
    if spec.get("brand") is not None and own is not None and _reached(own.submitted, now):
        raise ApiError(400, "VALIDATION_001", "Request validation failed",
                       {"brand": ["The brand has been submitted to TCR and can no longer be modified"]})  # fmt: skip
    if dry_run:
        s, setup = replace(s), replace(setup)
    for key in ("name", "description", "short_name"):
        if spec.get(key) is not None:
            setattr(s, key, spec[key])
    mapping = {"billing_model": "billing_model", "billing_contact": "billing_contact", "icon": "icon",
               "inherit_tcr_brand": "inherit_tcr_brand", "inherit_tcr_campaign": "inherit_tcr_campaign",
               "allow_number_change_during_onboarding": "allow_number_change",
               "sending_phone_number": "sms_override", "whatsapp_phone_number": "whatsapp_override"}  # fmt: skip
    for key, attr in mapping.items():
        if spec.get(key) is not None:
            setattr(setup, attr, spec[key])
    if spec.get("brand") is not None:
        own = _brand_from(records, s.index, spec["brand"], own, now, dry_run)
        s.vertical = own.compliance["vertical"]
        if _reached(setup.onboarded, now):  # onboarding is over: a new brand goes straight to TCR
            _submit_brand(records, own, now)
        if not dry_run:
            records.brands[s.index] = own
    s.updated = now
    return s, setup, own


def delete_profile(records: Records, s: Scope, *, dry_run: bool = False) -> None:
    """Soft-delete profile ``s``: it leaves every list and its key and ``x-profile-id`` stop working.

    Refused (409 CONFLICT_012) while a WhatsApp number from Sent's pool is still registered in the
    profile's own WhatsApp Business Account: only the customer can take it off in WhatsApp Manager.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> delete_profile(r, r.scopes[2])
    >>> r.scope_of_profile(r.scopes[2].id) is None, len(r.profiles())
    (True, 2)
    """
    setup = records.setups[s.index]
    _, whatsapp = sender_numbers(records, s.index)
    if whatsapp and setup.waba_number_id is None and setup.whatsapp_override is None:
        raise ApiError(409, "CONFLICT_012",
                       "The profile's WhatsApp number is still registered in your WhatsApp Business Account: "
                       "deregister and delete it in WhatsApp Manager, then try again",
                       {"whatsapp_phone_number": [whatsapp]})  # fmt: skip
    if not dry_run:
        s.deleted = True
        s.updated = records.now_ts()
        records.version += 1


def completion_problems(records: Records, s: Scope) -> dict[str, list[str]]:
    """Every unmet prerequisite of completing profile ``s``, by field (empty: none).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> completion_problems(r, r.scopes[1])
    {}
    """
    problems: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        problems.setdefault(name, []).append(text)

    if not s.short_name:
        add("short_name", "The profile needs a short name")
    if not s.description:
        add("description", "The profile needs a description")
    setup = records.setups[s.index]
    brand, _ = effective_brand(records, s.index)
    if brand is None:
        add("brand", "A brand is required, on the profile or inherited from the organization"
            if not setup.inherit_tcr_brand else "The organization has no brand to inherit")
    elif not (brand.business or {}).get("legal_name"):
        add("kyc", "A KYC submission is required: give the brand's business details (legal name, address, tax id)")
    if brand is not None and brand.is_tcr and not campaigns_of(records, s.index)[0]:
        add("campaigns", "A TCR application needs at least one campaign, own or inherited")
    return problems


def complete_profile(records: Records, s: Scope, webhook_url: str | None, *,
                     request_problems: dict[str, list[str]] | None = None,
                     dry_run: bool = False) -> tuple[int, dict[str, str]]:  # fmt: skip
    """``(HTTP status, data)`` of completing ``s``: 400 naming every unmet prerequisite (with the
    request's own ``request_problems``), 200 when already onboarded, else 202 with the onboarding
    started; it finishes seconds later (the simulator makes no call to ``webhook_url``).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> complete_profile(r, r.scopes[1], "https://hooks.example/onboarded")
    (200, {'message': 'Profile is already completed', 'status': 'completed'})
    """
    problems = {**(request_problems or {}), **completion_problems(records, s)}
    if webhook_url is None and not request_problems:
        problems["webHookUrl"] = ["webHookUrl is required"]
    if problems:
        raise ApiError(400, "VALIDATION_001", "Profile prerequisites are not met", problems)
    now = records.now_ts()
    setup = records.setups[s.index]
    if _reached(setup.onboarded, now):
        return 200, {"message": "Profile is already completed", "status": "completed"}
    if setup.completion_started is not None:  # running: the first call's webhook will be called
        return 202, {"message": "Profile completion in progress", "status": "in_progress"}
    if not dry_run:
        rnd = random.Random(hash_int(records.seed, "onboarding", s.id))
        setup.completion_started = now
        setup.completion_webhook = webhook_url
        setup.onboarded = done = now + _lognormal(rnd, _ONBOARDING_SECONDS)
        brand, inherited = effective_brand(records, s.index)
        if brand is not None and not inherited and brand.submitted is None:
            _submit_brand(records, brand, done)
        if brand is not None and not setup.inherit_tcr_campaign:
            for c in campaigns_of(records, s.index)[0]:
                if c.submitted is None:
                    _submit_campaign(records, c, done)
    return 202, {"message": "Profile completion in progress", "status": "in_progress"}


# ---------------------------------------------------------------------------------------------
# campaigns
# ---------------------------------------------------------------------------------------------


def _use_cases(records: Records, spec: dict[str, Any], now: float, dry_run: bool) -> list[UseCase]:
    return [UseCase(_new_id(records, dry_run), u["use_case"], list(u["samples"]), now) for u in spec["use_cases"]]


def new_campaign(records: Records, scope: int, brand: Brand, spec: dict[str, Any], *,
                 dry_run: bool = False) -> Campaign:  # fmt: skip
    """A campaign of profile ``scope`` under ``brand`` from a validated ``spec``; stored unless ``dry_run``.

    Submitted to TCR at once when the brand already was (else when onboarding submits the brand).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> spec = {"name": "Codes", "description": "Sign-in codes", "type": "App",
    ...         "use_cases": [{"use_case": "TWO_FA", "samples": ["Acme: 123456 is your code."]}]}
    >>> c = new_campaign(r, 1, r.brands[1], spec, dry_run=True)
    >>> campaign_status(c, r.now_ts()), c.submitted is not None, c in r.campaigns
    ('SENT_CREATED', True, False)
    """
    now = records.now_ts()
    c = Campaign(
        id=_new_id(records, dry_run), scope=scope, brand_id=brand.id, name=spec["name"],
        description=spec["description"], type=spec["type"], use_cases=_use_cases(records, spec, now, dry_run),
        texts={k: spec.get(k) for k in CAMPAIGN_TEXT_FIELDS}, created=now,
    )  # fmt: skip
    if brand.submitted is not None:
        _submit_campaign(records, c, max(now, brand.submitted))
    if not dry_run:
        records.campaigns.append(c)
    return c


def change_campaign(records: Records, c: Campaign, brand: Brand, spec: dict[str, Any], *,
                    dry_run: bool = False) -> Campaign:  # fmt: skip
    """Replace ``c``'s data with a validated ``spec`` (a copy when ``dry_run``).

    Refused (400 VALIDATION_001) once it reached the registry; a bounced submission may be fixed,
    and is then submitted again.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> bounced = campaigns_of(r, 2)[0][0]
    >>> spec = {"name": "Care", "description": "Support replies", "type": "App",
    ...         "use_cases": [{"use_case": "CUSTOMER_CARE", "samples": ["Acme: ticket 5 updated. STOP to opt out."]}]}
    >>> fixed = change_campaign(r, bounced, r.brands[2], spec, dry_run=True)
    >>> fixed.attempt, bounced.attempt
    (2, 1)
    """
    now = records.now_ts()
    if _reached(c.submitted, now) and c.sync_error is None:
        raise ApiError(400, "VALIDATION_001", "Campaign has been submitted to TCR and can no longer be updated",
                       {"campaign": [f"Campaign status is {campaign_status(c, now)}; create a new campaign instead"]})  # fmt: skip
    c = c if not dry_run else replace(c, use_cases=list(c.use_cases), texts=dict(c.texts))
    c.name, c.description, c.type = spec["name"], spec["description"], spec["type"]
    c.use_cases = _use_cases(records, spec, now, dry_run)
    c.texts = {k: spec.get(k) for k in CAMPAIGN_TEXT_FIELDS}
    c.updated = now
    if c.sync_error is not None or (c.submitted is None and brand.submitted is not None):
        _submit_campaign(records, c, max(now, brand.submitted or now))
    return c


def delete_campaign(records: Records, c: Campaign, *, dry_run: bool = False) -> None:
    """Delete ``c`` (an active one is deactivated at the registry with it).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> delete_campaign(r, r.campaigns[0])
    >>> active_campaign(r, 3) is None  # the organization's campaign, which profile 3 inherited
    True
    """
    if not dry_run:
        c.deleted = True


# ---------------------------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------------------------


def users_of(records: Records, scope: int) -> list[User]:
    """The users of ``scope`` (removed ones gone), oldest first.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> [u.role for u in users_of(r, 0)]
    ['admin', 'developer', 'billing']
    """
    return [u for u in records.users if u.scope == scope and not u.removed]


def key_user(records: Records, key_scope: int) -> User | None:
    """The user who made ``key_scope``'s API key, while they still have access.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> key_user(r, 0).role
    'admin'
    """
    user_id = records.scopes[key_scope].key_user
    return next((u for u in records.users if u.id == user_id and not u.removed), None)


def invite_user(records: Records, scope: int, email: str, name: str, role: str, *, dry_run: bool = False) -> User:
    """Invite ``email`` to ``scope`` (status ``invited``); 409 RESOURCE_007 if already a user there.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> invite_user(r, 0, "ada@acme.example", "Ada", "developer").status
    'invited'
    """
    if any(u.email.lower() == email.lower() for u in users_of(records, scope)):
        raise ApiError(409, "RESOURCE_007", "User already exists in this organization", {"email": [email]})
    now = records.now_ts()
    user = User(_new_id(records, dry_run), scope, email, name, role, "invited", now, None, now, now)
    if not dry_run:
        records.users.append(user)
    return user


def _last_admin(records: Records, user: User) -> bool:
    """Whether ``user`` is the only active admin of their organization or profile."""
    if user.role != "admin" or user.status != "active":
        return False
    return not any(u.role == "admin" and u.status == "active" and u.id != user.id for u in users_of(records, user.scope))


def set_role(records: Records, key_scope: int, user: User, role: str, *, dry_run: bool = False) -> User:
    """Change ``user``'s role; not one's own (the key's user), not demoting the last admin (400).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> developer = next(u for u in users_of(r, 0) if u.role == "developer")
    >>> set_role(r, 0, developer, "billing").role
    'billing'
    """
    if user.id == records.scopes[key_scope].key_user:
        raise ApiError(400, "VALIDATION_001", "You cannot change your own role", {"role": ["You cannot change your own role"]})
    if role != "admin" and _last_admin(records, user):
        raise ApiError(400, "VALIDATION_001", "You cannot demote the last admin",
                       {"role": ["The organization or profile needs at least one active admin"]})  # fmt: skip
    user = user if not dry_run else replace(user)
    user.role = role
    user.updated = records.now_ts()
    return user


def remove_user(records: Records, key_scope: int, user: User, *, dry_run: bool = False) -> None:
    """Remove ``user``'s access; not oneself (the key's user), not the last admin (400).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> developer = next(u for u in users_of(r, 0) if u.role == "developer")
    >>> remove_user(r, 0, developer)
    >>> developer in users_of(r, 0)
    False
    """
    if user.id == records.scopes[key_scope].key_user:
        raise ApiError(400, "VALIDATION_001", "You cannot remove yourself from the organization")
    if _last_admin(records, user):
        raise ApiError(400, "VALIDATION_001", "You cannot remove the last admin")
    if not dry_run:
        user.removed = True

