"""Profiles' setups, TCR brands and 10DLC campaigns: the records and how they read at a time.

What the official SDK (sentdm 0.46) describes, as records that live in ``Records``: each profile's
``Setup`` (billing, TCR inheritance, WhatsApp account, onboarding times), each scope's ``Brand``
(KYC and TCR data) and the ``Campaign`` records registered for brands. The functions here say how
they read at a time (``profile_status``, ``campaign_status``, ``active_campaign``) and draw the
registry's answer to a submission (``submit_brand``, ``submit_campaign``). ``_profile_seed`` draws
the initial account's, ``_profile_changes`` changes them for the routes, ``_profile_wire`` shows them.

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
from dataclasses import dataclass
from typing import Any

from ._ids import hash_int
from ._records import Records, Scope

__all__ = [
    "BILLING_MODELS",
    "CAMPAIGN_TEXT_FIELDS",
    "DCA_HOURS",
    "ONBOARDING_SECONDS",
    "REVIEW_DAYS",
    "SYNC_ERRORS",
    "USER_ROLES",
    "USE_CASES",
    "Brand",
    "Campaign",
    "Setup",
    "UseCase",
    "active_campaign",
    "campaign_status",
    "campaigns_of",
    "draw_lognormal",
    "effective_brand",
    "numbers_of",
    "onboarding_status",
    "profile_status",
    "reached",
    "sender_numbers",
    "submit_brand",
    "submit_campaign",
    "tcr_id",
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
REVIEW_DAYS = (4.0, 0.45)  # lognormal (median, sigma)
DCA_HOURS = (26.0, 0.4)
_BRAND_MINUTES = (6.0, 0.6)
ONBOARDING_SECONDS = (45.0, 0.4)  # complete → approved
_SYNC_ERROR_SHARE = 0.06
SYNC_ERRORS = (
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


def reached(ts: float | None, now: float) -> bool:
    return ts is not None and ts <= now


def onboarding_status(setup: Setup, now: float) -> str:
    """A profile's public status at ``now`` from its ``setup``: see :func:`profile_status`.

    >>> onboarding_status(Setup(1, "organization", None, False, False, None), now=0.0)
    'incomplete'
    """
    if reached(setup.onboarded, now):
        return "approved"
    return "pending_review" if reached(setup.completion_started, now) else "incomplete"


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
    connected = reached(setup.onboarded, now)
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
    if reached(c.expired, now):
        return "EXPIRED"
    return "ACTIVE" if reached(c.activated, now) else "SENT_CREATED"


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


def draw_lognormal(rnd: random.Random, spec: tuple[float, float]) -> float:
    median, sigma = spec
    return median * math.exp(sigma * rnd.gauss(0.0, 1.0))


def tcr_id(rnd: random.Random, prefix: str) -> str:
    return prefix + "".join(rnd.choice(_TCR_ID_CHARS) for _ in range(6))


def submit_campaign(records: Records, c: Campaign, when: float) -> None:
    """Submit ``c`` to TCR at ``when``: draw whether it bounces, or when it is accepted."""
    c.attempt += 1
    rnd = random.Random(hash_int(records.seed, "campaign-review", c.id, c.attempt))
    c.submitted = when
    c.sync_error = c.activated = c.dca_completed = c.tcr_campaign_id = None
    if rnd.random() < _SYNC_ERROR_SHARE:
        c.sync_error = rnd.choice(SYNC_ERRORS)
        return
    c.activated = when + draw_lognormal(rnd, REVIEW_DAYS) * 86400
    c.dca_completed = c.activated + draw_lognormal(rnd, DCA_HOURS) * 3600
    c.tcr_campaign_id = tcr_id(rnd, "C")


def submit_brand(records: Records, b: Brand, when: float) -> None:
    rnd = random.Random(hash_int(records.seed, "brand-registration", b.id))
    b.submitted = when
    b.registered = when + draw_lognormal(rnd, _BRAND_MINUTES) * 60
    b.tcr_brand_id = tcr_id(rnd, "B")
    business = b.business or {}
    if (business.get("entity_type") or "") == "SOLE_PROPRIETOR":
        b.identity_status = "SELF_DECLARED"
    else:
        b.identity_status = "VERIFIED" if business.get("tax_id") else "UNVERIFIED"
