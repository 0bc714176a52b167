"""The API's JSON shapes of the account: ``/v3/me``, profiles (with brand and billing) and campaigns.

Like ``_wire`` for the message side: each function takes the world's ``Records`` and a record and
returns what a route puts in ``data``, as it reads at ``now`` (default: the clock). Field names
and nullability follow the official SDK (sentdm 0.46): ``ProfileDetail``, ``MeRetrieveResponse``,
``BrandCampaign`` (camelCase, as the SDK's aliases say).
"""

from __future__ import annotations

from typing import Any

from ._profiles import (
    SENT_CSP_ID,
    Brand,
    Campaign,
    Setup,
    campaign_status,
    effective_brand,
    numbers_of,
    onboarding_status,
)
from ._records import Records, Scope
from ._wire import iso

__all__ = ["brand", "campaign", "me", "profile", "settings"]

_BUSINESS = ("city", "country", "country_of_registration", "entity_type", "legal_name", "postal_code",
             "state", "street", "tax_id", "tax_id_type", "url")  # fmt: skip
_CONTACT = ("business_name", "email", "name", "phone", "phone_country_code", "role")


def _reached(ts: float | None, now: float) -> bool:
    return ts is not None and ts <= now


def brand(b: Brand, inherited: bool, now: float) -> dict[str, Any]:
    """A brand as ``ProfileDetail.brand``: KYC sections, then the registry's answers once they came.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> shown = brand(r.brands[0], False, r.now_ts())
    >>> shown["status"], shown["submitted_to_tcr"], shown["compliance"]["primary_use_case"]
    ('ACTIVE', True, None)
    """
    submitted, registered = _reached(b.submitted, now), _reached(b.registered, now)
    compliance = b.compliance
    business = b.business
    return {
        "id": b.id,
        "business": {k: business.get(k) for k in _BUSINESS} if business is not None else None,
        "compliance": {
            "brand_relationship": compliance.get("brand_relationship"),
            "destination_countries": [{"id": d["id"], "isMain": d.get("is_main", False)}
                                      for d in compliance.get("destination_countries") or []],
            "is_tcr_application": compliance.get("is_tcr_application"),
            "notes": compliance.get("notes"),
            "phone_number_prefix": compliance.get("phone_number_prefix"),
            "primary_use_case": None,  # the SDK: always null (no longer stored)
            "vertical": compliance.get("vertical"),
        },
        "contact": {k: b.contact.get(k) for k in _CONTACT},
        "created_at": iso(b.created),
        "csp_id": SENT_CSP_ID if submitted else None,
        "identity_status": b.identity_status if registered else None,
        "is_inherited": inherited,
        "status": "ACTIVE" if registered else None,
        "submitted_at": iso(b.submitted) if submitted else None,
        "submitted_to_tcr": submitted,
        "tcr_brand_id": b.tcr_brand_id if registered else None,
        "universal_ein": (business or {}).get("tax_id") if registered and (business or {}).get("tax_id_type") == "us_ein" else None,
        "updated_at": iso(b.updated),
    }


def settings(setup: Setup) -> dict[str, Any]:
    """``ProfileSettings``: the four sharing flags read as the world behaves (profiles inherit the
    organization's contacts, nothing else is shared).

    >>> from sentlab.simulator import build_world
    >>> settings(build_world(contacts=50, messages=10)._records.setups[3])["inherit_tcr_campaign"]
    True
    """
    return {"allow_contact_sharing": False, "allow_template_sharing": False, "billing_model": setup.billing_model,
            "inherit_contacts": True, "inherit_tcr_brand": setup.inherit_tcr_brand,
            "inherit_tcr_campaign": setup.inherit_tcr_campaign, "inherit_templates": False}  # fmt: skip


def profile(records: Records, s: Scope, setup: Setup | None = None, own: Brand | None = None,
            now: float | None = None) -> dict[str, Any]:  # fmt: skip
    """``ProfileDetail`` of profile ``s`` (``setup``/``own`` brand given for a sandbox answer).

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> shown = profile(r, r.scopes[3])
    >>> shown["status"], shown["brand"]["is_inherited"], shown["sending_phone_number_profile_id"]
    ('approved', True, None)
    """
    now = records.now_ts() if now is None else now
    setup = setup or records.setups[s.index]
    b, inherited = effective_brand(records, s.index, setup, own)
    sms, whatsapp = numbers_of(s, setup, now)
    return {
        "id": s.id,
        "organization_id": records.organization.id,
        "name": s.name,
        "email": records.organization.email,  # the SDK: inherited from the organization
        "icon": setup.icon,
        "description": s.description or None,
        "short_name": s.short_name or None,
        "status": onboarding_status(setup, now),
        "created_at": iso(s.created),
        "updated_at": iso(s.updated),
        **settings(setup),
        "sending_phone_number_profile_id": None,  # the SDK: always null (no sender borrowing)
        "sending_whatsapp_number_profile_id": None,
        "sending_phone_number": sms,
        "whatsapp_phone_number": whatsapp,
        "allow_number_change_during_onboarding": setup.allow_number_change,
        "waba_id": setup.waba_id,
        "billing_contact": ({k: setup.billing_contact.get(k) for k in ("address", "email", "name", "phone")}
                            if setup.billing_contact else None),
        "brand": brand(b, inherited, now) if b is not None else None,
    }


def _channels(records: Records, s: Scope, sms: str | None, whatsapp: str | None) -> dict[str, Any]:
    """All three channels; a configured one carries its number (the SDK: left out when there is none)."""
    return {
        "sms": {"configured": True, "phone_number": sms} if sms else {"configured": False},
        "whatsapp": {"configured": True, "phone_number": whatsapp, "business_name": records.organization.name}
        if whatsapp else {"configured": False},
        "rcs": {"configured": False},
    }


def me(records: Records, scope: int) -> dict[str, Any]:
    """``GET /v3/me``: the organization with its (not deleted) profiles, or one profile.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> me(r, 0)["type"], len(me(r, 0)["profiles"]), me(r, 1)["status"]
    ('organization', 3, 'approved')
    """
    now = records.now_ts()
    s = records.scopes[scope]
    setup = records.setups.get(scope) if scope else None
    sms, whatsapp = numbers_of(s, setup, now)
    base = {
        "id": s.id,
        "name": s.name,
        "email": records.organization.email,
        "icon": setup.icon if setup else f"https://cdn.sent.dm/icons/{s.short_name.lower()}.png",
        "description": s.description or None,
        "created_at": iso(s.created),
        "channels": _channels(records, s, sms, whatsapp),
        "sending_phone_number": sms,
        "sending_phone_number_profile_id": s.id if sms else None,
        "enable_template_auto_creation_for_sp": False,
    }
    if setup is None:
        profiles = []
        for p in records.profiles():
            ps = records.setups[p.index]
            profiles.append({"id": p.id, "name": p.name, "icon": ps.icon, "description": p.description or None,
                             "short_name": p.short_name or None, "role": "admin",
                             "status": onboarding_status(ps, now), "created_at": iso(p.created),
                             "settings": settings(ps)})  # fmt: skip
        return {"type": "organization", **base, "profiles": profiles}
    return {"type": "profile", **base, "organization_id": records.organization.id, "short_name": s.short_name or None,
            "status": onboarding_status(setup, now), "settings": settings(setup), "profiles": []}  # fmt: skip


def campaign(records: Records, c: Campaign, now: float | None = None) -> dict[str, Any]:
    """``BrandCampaign`` as it reads at ``now``: the registry's answers appear as their times pass.

    >>> from sentlab.simulator import build_world
    >>> r = build_world(contacts=50, messages=10)._records
    >>> shown = campaign(r, r.campaigns[0])
    >>> shown["status"], shown["submittedToTCR"], shown["tcrCampaignId"].startswith("C")
    ('ACTIVE', True, True)
    """
    now = records.now_ts() if now is None else now
    owner = records.scopes[c.scope].id
    status = campaign_status(c, now)
    submitted = _reached(c.submitted, now)
    bounced = submitted and c.sync_error is not None
    billed = status != "SENT_CREATED"
    dca = _reached(c.dca_completed, now)
    return {
        "id": c.id,
        "billedDate": iso(c.activated) if billed else None,
        "brandId": c.brand_id,
        "cost": c.monthly_fee if billed else None,
        "createdAt": iso(c.created),
        "customerId": owner,
        "dcaElectionsComplete": dca,
        "dcaElectionsCompletedAt": iso(c.dca_completed) if dca else None,
        "description": c.description,
        "hasSubmissionTransaction": submitted and not bounced,
        "helpKeywords": c.texts.get("help_keywords"),
        "helpMessage": c.texts.get("help_message"),
        "messageFlow": c.texts.get("message_flow"),
        "name": c.name,
        "optinKeywords": c.texts.get("optin_keywords"),
        "optinMessage": c.texts.get("optin_message"),
        "optoutKeywords": c.texts.get("optout_keywords"),
        "optoutMessage": c.texts.get("optout_message"),
        "privacyPolicyLink": c.texts.get("privacy_policy_link"),
        "status": status,
        "submittedAt": iso(c.submitted) if submitted else None,
        "submittedToTCR": submitted and not bounced,
        "tcrCampaignId": c.tcr_campaign_id if billed else None,
        "tcrSyncError": c.sync_error if bounced else None,
        "termsAndConditionsLink": c.texts.get("terms_and_conditions_link"),
        "type": c.type,
        "updatedAt": iso(c.updated),
        "useCases": [{"id": u.id, "campaignId": c.id, "createdAt": iso(u.created), "customerId": owner,
                      "messagingUseCaseUs": u.use_case, "sampleMessages": list(u.samples),
                      "updatedAt": iso(u.updated)} for u in c.use_cases],
        "volume": c.texts.get("volume"),
    }
