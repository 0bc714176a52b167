"""What the routes do to the account's profiles, campaigns and users, raising the API's errors.

Create, change, delete and complete a profile; create, change and delete a 10DLC campaign;
list, invite, re-role and remove users. Every change takes ``dry_run`` (a sandbox request): the
answer is built but nothing is stored and no id is drawn from the world's prng. The records and
how they read at a time are ``_profiles``'.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from typing import Any

from . import _numbers
from ._envelope import ApiError
from ._ids import hash_int, uuid_from_int
from ._profiles import (
    CAMPAIGN_TEXT_FIELDS,
    ONBOARDING_SECONDS,
    Brand,
    Campaign,
    Setup,
    UseCase,
    campaign_status,
    campaigns_of,
    draw_lognormal,
    effective_brand,
    reached,
    sender_numbers,
    submit_brand,
    submit_campaign,
)
from ._records import Records, Scope, User

__all__ = [
    "change_campaign",
    "change_profile",
    "complete_profile",
    "completion_problems",
    "delete_campaign",
    "delete_profile",
    "invite_user",
    "key_user",
    "new_campaign",
    "new_profile",
    "remove_user",
    "set_role",
    "users_of",
]


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
    >>> from sentlab.simulator._profiles import profile_status
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
    if spec.get("brand") is not None and own is not None and reached(own.submitted, now):
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
        if reached(setup.onboarded, now):  # onboarding is over: a new brand goes straight to TCR
            submit_brand(records, own, now)
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
    if reached(setup.onboarded, now):
        return 200, {"message": "Profile is already completed", "status": "completed"}
    if setup.completion_started is not None:  # running: the first call's webhook will be called
        return 202, {"message": "Profile completion in progress", "status": "in_progress"}
    if not dry_run:
        rnd = random.Random(hash_int(records.seed, "onboarding", s.id))
        setup.completion_started = now
        setup.completion_webhook = webhook_url
        setup.onboarded = done = now + draw_lognormal(rnd, ONBOARDING_SECONDS)
        brand, inherited = effective_brand(records, s.index)
        if brand is not None and not inherited and brand.submitted is None:
            submit_brand(records, brand, done)
        if brand is not None and not setup.inherit_tcr_campaign:
            for c in campaigns_of(records, s.index)[0]:
                if c.submitted is None:
                    submit_campaign(records, c, done)
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
        submit_campaign(records, c, max(now, brand.submitted))
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
    if reached(c.submitted, now) and c.sync_error is None:
        raise ApiError(400, "VALIDATION_001", "Campaign has been submitted to TCR and can no longer be updated",
                       {"campaign": [f"Campaign status is {campaign_status(c, now)}; create a new campaign instead"]})  # fmt: skip
    c = c if not dry_run else replace(c, use_cases=list(c.use_cases), texts=dict(c.texts))
    c.name, c.description, c.type = spec["name"], spec["description"], spec["type"]
    c.use_cases = _use_cases(records, spec, now, dry_run)
    c.texts = {k: spec.get(k) for k in CAMPAIGN_TEXT_FIELDS}
    c.updated = now
    if c.sync_error is not None or (c.submitted is None and brand.submitted is not None):
        submit_campaign(records, c, max(now, brand.submitted or now))
    return c


def delete_campaign(records: Records, c: Campaign, *, dry_run: bool = False) -> None:
    """Delete ``c`` (an active one is deactivated at the registry with it).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> from sentlab.simulator._profiles import active_campaign
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
