"""Drawing the initial account's profile setups, TCR brands and 10DLC campaigns from the seed.

``populate_profiles`` runs right after the scopes and users are drawn, from a generator of its
own (hash-seeded), so the rest of the world does not depend on it. The records are ``_profiles``'.
"""

from __future__ import annotations

import random

from . import _numbers
from ._ids import hash_int, uuid_from_int
from ._profiles import (
    DCA_HOURS,
    ONBOARDING_SECONDS,
    REVIEW_DAYS,
    SYNC_ERRORS,
    Brand,
    Campaign,
    Setup,
    UseCase,
    draw_lognormal,
    submit_brand,
    tcr_id,
)
from ._records import Records, Scope, User

__all__ = ["populate_profiles"]


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
    submit_brand(records, brand, brand.created + 86400 * (0.5 + rnd.random()))
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
        c.sync_error = SYNC_ERRORS[0]
        return c
    review = draw_lognormal(rnd, REVIEW_DAYS) * 86400
    c.activated = c.submitted + review
    if kind == "pending":  # approval lands a day or two after the clock's start
        c.activated = anchor + 86400 * (1 + rnd.random())
    c.dca_completed = c.activated + draw_lognormal(rnd, DCA_HOURS) * 3600
    c.tcr_campaign_id = tcr_id(rnd, "C")
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
    >>> from sentlab.simulator._profiles import campaign_status
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
        setup.onboarded = setup.completion_started + draw_lognormal(rnd, ONBOARDING_SECONDS)
        if not brand_inherited:  # onboarding submitted the profile's brand
            submit_brand(records, brand, setup.onboarded)
        for use_case, kind in campaigns:
            records.campaigns.append(_seed_campaign(records, s, brand, use_case, kind, rnd, setup.onboarded))
