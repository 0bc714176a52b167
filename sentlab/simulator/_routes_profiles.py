"""Routes of the account's structure: ``/v3/me``, profiles (and their completion), 10DLC campaigns, users.

Each handler checks who may call it, validates the body and asks ``_profiles`` to read the world
(``_profile_changes`` to change it); ``_profile_wire`` shapes the answers. Who may call what
(the SDK's docstrings):

- organization keys list, create and delete profiles; a profile key reads, updates and completes
  only itself and manages only its own campaigns (another profile is 404 RESOURCE_014);
- mutations of profiles and users need the key's user to be an admin (403 AUTH_004);
- the ``x-profile-id`` header (organization keys) scopes ``/v3/users``; on ``/v3/profiles/{id}``
  routes the path names the profile.

Bodies are validated in full: every problem of a request is reported at once as 400
VALIDATION_001 with ``details`` per field (as the endpoint pages' examples do); ids are GUIDs
(VALIDATION_003). Request keys are accepted in snake_case (the pages) and camelCase (the SDK's
aliases). Every mutation honours ``sandbox``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from . import _numbers
from . import _profile_changes as changes
from . import _profile_wire as shape
from . import _profiles as profiles
from . import _validation as v
from . import _wire as wire
from ._envelope import ApiError, ok
from ._handler import Call, RouteSpec, sandboxed
from ._profiles import (
    BILLING_MODELS,
    BRAND_RELATIONSHIPS,
    ENTITY_TYPES,
    USE_CASES,
    USER_ROLES,
    VERTICALS,
)
from ._records import Scope, User

__all__ = ["ROUTES"]

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SHORT_NAME = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{3,11}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DIGITS = re.compile(r"^\d+$")
_EXPIRY = re.compile(r"^(0[1-9]|1[0-2])/(\d{2})$")


# ---------------------------------------------------------------------------------------------
# validation: every problem of a body at once
# ---------------------------------------------------------------------------------------------


class _Problems:
    """The problems of one request body, by field; ``raise_any`` answers them as one 400."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, text: str) -> None:
        self.details.setdefault(path, []).append(text)

    def raise_any(self, message: str = "Request validation failed") -> None:
        if self.details:
            raise ApiError(400, "VALIDATION_001", message, self.details)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _get(obj: dict[str, Any], key: str) -> Any:
    """``obj[key]``, or its camelCase spelling (what the SDK sends)."""
    return obj[key] if key in obj else obj.get(_camel(key))


def _text(obj: dict[str, Any], key: str, p: _Problems, path: str, *, required: bool = False,
          max_length: int = 1000, missing: str | None = None) -> str | None:  # fmt: skip
    """A string field, stripped (``""`` counts as absent); problems go to ``p``."""
    value = _get(obj, key)
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        if required:
            p.add(path, missing or f"{path} is required")
        return None
    if not isinstance(value, str):
        p.add(path, f"{path} must be a string")
        return None
    if len(value) > max_length:
        p.add(path, f"{path} must be at most {max_length} characters")
        return None
    return value


def _flag(obj: dict[str, Any], key: str, p: _Problems, path: str) -> bool | None:
    value = _get(obj, key)
    if value is not None and not isinstance(value, bool):
        p.add(path, f"{path} must be a boolean")
        return None
    return value


def _section(obj: dict[str, Any], key: str, p: _Problems, path: str, *, required: bool = False) -> dict[str, Any] | None:
    value = _get(obj, key)
    if value is None:
        if required:
            p.add(path, f"{path} is required")
        return None
    if not isinstance(value, dict):
        p.add(path, f"{path} must be an object")
        return None
    return value


def _choice(obj: dict[str, Any], key: str, p: _Problems, path: str, allowed: tuple[str, ...], *,
            required: bool = False, lower: bool = False) -> str | None:  # fmt: skip
    value = _text(obj, key, p, path, required=required, max_length=64)
    if value is None:
        return None
    value = value.lower() if lower else value.upper()
    if value not in allowed:
        p.add(path, f"{path} must be one of: {', '.join(allowed)}")
        return None
    return value


def _url(obj: dict[str, Any], key: str, p: _Problems, path: str, *, required: bool = False) -> str | None:
    value = _text(obj, key, p, path, required=required, max_length=2048)
    if value is not None and not _URL.match(value):
        p.add(path, f"{path} must be a valid HTTP or HTTPS URL")
        return None
    return value


def _email(obj: dict[str, Any], key: str, p: _Problems, path: str, *, required: bool = False,
           problem: str | None = None) -> str | None:  # fmt: skip
    value = _text(obj, key, p, path, required=required, max_length=254)
    if value is not None and not _EMAIL.match(value):
        p.add(path, problem or f"{path} must be a valid email address")
        return None
    return value


def _phone(obj: dict[str, Any], key: str, p: _Problems, path: str) -> str | None:
    value = _text(obj, key, p, path, max_length=20)
    if value is not None and not _numbers.is_e164(value):
        p.add(path, f"{path} must be a phone number in E.164 format (e.g. +12025551234)")
        return None
    return value


def _brand(raw: dict[str, Any], p: _Problems) -> dict[str, Any] | None:
    """``BrandsBrandDataParam`` (contact and compliance required, business optional), snake_case."""
    contact = _section(raw, "contact", p, "brand.contact", required=True)
    compliance = _section(raw, "compliance", p, "brand.compliance", required=True)
    business = _section(raw, "business", p, "brand.business")
    out: dict[str, Any] = {}
    if contact is not None:
        out["contact"] = {
            "name": _text(contact, "name", p, "brand.contact.name", required=True, max_length=255),
            "business_name": _text(contact, "business_name", p, "brand.contact.business_name", max_length=255),
            "role": _text(contact, "role", p, "brand.contact.role", max_length=255),
            "email": _email(contact, "email", p, "brand.contact.email"),
            "phone": _phone(contact, "phone", p, "brand.contact.phone"),
            "phone_country_code": _text(contact, "phone_country_code", p, "brand.contact.phone_country_code", max_length=4),
        }
        code = out["contact"]["phone_country_code"]
        if code is not None and not _DIGITS.match(code.lstrip("+")):
            p.add("brand.contact.phone_country_code", "brand.contact.phone_country_code must be digits (e.g. \"1\")")
    if compliance is not None:
        countries = []
        raw_countries = _get(compliance, "destination_countries")
        if raw_countries is not None and not isinstance(raw_countries, list):
            p.add("brand.compliance.destination_countries", "destination_countries must be a list")
        for k, item in enumerate(raw_countries if isinstance(raw_countries, list) else []):
            path = f"brand.compliance.destination_countries[{k}]"
            if not isinstance(item, dict):
                p.add(path, f"{path} must be an object with id and isMain")
                continue
            country = _text(item, "id", p, f"{path}.id", required=True, max_length=2)
            if country is not None and not _COUNTRY.match(country.upper()):
                p.add(f"{path}.id", "id must be an ISO 3166-1 alpha-2 country code (e.g. US)")
            is_main = _flag(item, "is_main", p, f"{path}.isMain")
            if country is not None:
                countries.append({"id": country.upper(), "is_main": bool(is_main)})
        prefix = _text(compliance, "phone_number_prefix", p, "brand.compliance.phone_number_prefix", max_length=5)
        if prefix is not None and not re.match(r"^\+\d{1,4}$", prefix):
            p.add("brand.compliance.phone_number_prefix", "phone_number_prefix must look like \"+1\"")
        out["compliance"] = {
            "brand_relationship": _choice(compliance, "brand_relationship", p, "brand.compliance.brand_relationship",
                                          BRAND_RELATIONSHIPS, required=True),
            "vertical": _choice(compliance, "vertical", p, "brand.compliance.vertical", VERTICALS, required=True),
            "destination_countries": countries,
            "is_tcr_application": _flag(compliance, "is_tcr_application", p, "brand.compliance.is_tcr_application"),
            "notes": _text(compliance, "notes", p, "brand.compliance.notes", max_length=5000),
            "phone_number_prefix": prefix,
        }  # fmt: skip
    if business is not None:
        out["business"] = {key: _text(business, key, p, f"brand.business.{key}", max_length=255)
                           for key in ("legal_name", "tax_id", "tax_id_type", "street", "city", "state", "postal_code")}  # fmt: skip
        out["business"]["entity_type"] = _choice(business, "entity_type", p, "brand.business.entity_type", ENTITY_TYPES)
        out["business"]["url"] = _url(business, "url", p, "brand.business.url")
        for key in ("country", "country_of_registration"):
            code = _text(business, key, p, f"brand.business.{key}", max_length=2)
            if code is not None and not _COUNTRY.match(code.upper()):
                p.add(f"brand.business.{key}", f"{key} must be an ISO 3166-1 alpha-2 country code (e.g. US)")
                code = None
            out["business"][key] = code.upper() if code else None
    return out if {"contact", "compliance"} <= out.keys() else None


def _billing_contact(raw: dict[str, Any], p: _Problems) -> dict[str, Any]:
    return {
        "name": _text(raw, "name", p, "billing_contact.name", required=True, max_length=255),
        "email": _email(raw, "email", p, "billing_contact.email", required=True),
        "phone": _phone(raw, "phone", p, "billing_contact.phone"),
        "address": _text(raw, "address", p, "billing_contact.address", max_length=1000),
    }


def _payment_details(call: Call, raw: dict[str, Any], p: _Problems) -> None:
    """Checked like the payment processor would; never stored (the SDK: forwarded, not persisted)."""
    card = _text(raw, "card_number", p, "payment_details.card_number", required=True, max_length=32)
    if card is not None and not re.match(r"^\d{13,19}$", card):
        p.add("payment_details.card_number", "payment_details.card_number must be 13–19 digits")
    cvc = _text(raw, "cvc", p, "payment_details.cvc", required=True, max_length=8)
    if cvc is not None and not re.match(r"^\d{3,4}$", cvc):
        p.add("payment_details.cvc", "payment_details.cvc must be 3–4 digits")
    expiry = _text(raw, "expiry", p, "payment_details.expiry", required=True, max_length=8)
    if expiry is not None:
        match = _EXPIRY.match(expiry)
        if match is None:
            p.add("payment_details.expiry", "payment_details.expiry must be in MM/YY format (e.g. '09/27')")
        else:
            now = datetime.fromtimestamp(call.records.now_ts(), tz=UTC)
            if (2000 + int(match.group(2)), int(match.group(1))) < (now.year, now.month):
                p.add("payment_details.expiry", "The card has expired")
    _text(raw, "zip_code", p, "payment_details.zip_code", required=True, max_length=16)


def _profile_spec(call: Call, *, current: profiles.Setup | None) -> dict[str, Any]:
    """A validated create (``current`` None) or partial update of a profile; raises every problem."""
    body, p = call.body, _Problems()
    create = current is None
    spec: dict[str, Any] = {
        "name": _text(body, "name", p, "name", required=create, max_length=255, missing="Profile name is required"),
        "description": _text(body, "description", p, "description", max_length=5000),
        "icon": _url(body, "icon", p, "icon"),
        "billing_model": _choice(body, "billing_model", p, "billing_model", BILLING_MODELS, lower=True),
        "inherit_tcr_brand": _flag(body, "inherit_tcr_brand", p, "inherit_tcr_brand"),
        "inherit_tcr_campaign": _flag(body, "inherit_tcr_campaign", p, "inherit_tcr_campaign"),
    }
    if not create and isinstance(body.get("name"), str) and not body["name"].strip():
        p.add("name", "Profile name cannot be empty")
    short_name = _text(body, "short_name", p, "short_name", max_length=64)
    if short_name is not None and not _SHORT_NAME.match(short_name):
        p.add("short_name", "short_name must be 3–11 characters, contain only letters, numbers, and spaces, "
                            "and include at least one letter")  # fmt: skip
    spec["short_name"] = short_name
    billing = _section(body, "billing_contact", p, "billing_contact")
    spec["billing_contact"] = _billing_contact(billing, p) if billing is not None else None
    raw_brand = _section(body, "brand", p, "brand")
    spec["brand"] = _brand(raw_brand, p) if raw_brand is not None else None
    payment = _section(body, "payment_details", p, "payment_details")
    if payment is not None:
        _payment_details(call, payment, p)
    if create:
        waba = _section(body, "whatsapp_business_account", p, "whatsapp_business_account")
        if waba is not None:
            spec["whatsapp_business_account"] = {
                "waba_id": _text(waba, "waba_id", p, "whatsapp_business_account.waba_id", required=True, max_length=64),
                "access_token": _text(waba, "access_token", p, "whatsapp_business_account.access_token",
                                      required=True, max_length=4096),
                "phone_number_id": _text(waba, "phone_number_id", p, "whatsapp_business_account.phone_number_id",
                                         max_length=64),
            }  # fmt: skip
    else:
        spec["allow_number_change_during_onboarding"] = _flag(
            body, "allow_number_change_during_onboarding", p, "allow_number_change_during_onboarding")
        for key in ("sending_phone_number", "whatsapp_phone_number"):
            spec[key] = _phone(body, key, p, key)
    # the retired sharing flags and sender borrowing are accepted and ignored (the SDK)
    model = spec["billing_model"] or (current.billing_model if current else "profile")
    contact = spec["billing_contact"] or (current.billing_contact if current else None)
    if model != "organization" and contact is None and "billing_contact" not in p.details:
        p.add("billing_contact", f'billing_contact is required when billing_model is "{model}"')
    if payment is not None and model == "organization":
        p.add("payment_details", 'payment_details is not allowed when billing_model is "organization"')
    inherit = spec["inherit_tcr_brand"] if spec["inherit_tcr_brand"] is not None else bool(current and current.inherit_tcr_brand)
    if raw_brand is not None and inherit:
        p.add("brand", "Cannot provide brand data when inherit_tcr_brand is true.")
    p.raise_any()
    return spec


def _campaign_spec(call: Call) -> dict[str, Any]:
    """A validated ``CampaignDataParam`` (create and update both send the whole campaign)."""
    p = _Problems()
    raw = _section(call.body, "campaign", p, "campaign", required=True)
    if raw is None:
        p.raise_any()
        return {}
    spec: dict[str, Any] = {
        "name": _text(raw, "name", p, "campaign.name", required=True, max_length=255),
        "description": _text(raw, "description", p, "campaign.description", required=True, max_length=4096),
        "type": _text(raw, "type", p, "campaign.type", required=True, max_length=64),
    }
    use_cases = _get(raw, "use_cases")
    spec["use_cases"] = []
    if use_cases is None or use_cases == []:
        p.add("campaign.use_cases", "At least one use case with sample messages is required")
    elif not isinstance(use_cases, list):
        p.add("campaign.use_cases", "campaign.use_cases must be a list")
    else:
        for k, item in enumerate(use_cases):
            path = f"campaign.use_cases[{k}]"
            if not isinstance(item, dict):
                p.add(path, f"{path} must be an object")
                continue
            use_case = _choice(item, "messaging_use_case_us", p, f"{path}.messagingUseCaseUs", USE_CASES, required=True)
            samples = _get(item, "sample_messages")
            ok_samples = isinstance(samples, list) and 1 <= len(samples) <= 5 and all(
                isinstance(m, str) and 0 < len(m.strip()) <= 1024 for m in samples)
            if not ok_samples:
                p.add(f"{path}.sampleMessages", "1–5 sample messages are required, each at most 1024 characters")
            if use_case is not None and ok_samples:
                spec["use_cases"].append({"use_case": use_case, "samples": [m.strip() for m in samples]})
    for key in ("help_keywords", "optin_keywords", "optout_keywords"):
        spec[key] = _text(raw, key, p, f"campaign.{key}", max_length=255)
    for key in ("help_message", "optin_message", "optout_message", "message_flow"):
        spec[key] = _text(raw, key, p, f"campaign.{key}", max_length=2048)
    for key in ("privacy_policy_link", "terms_and_conditions_link"):
        spec[key] = _url(raw, key, p, f"campaign.{key}")
    volume = _get(raw, "volume")
    if isinstance(volume, int) and not isinstance(volume, bool) and volume >= 0:
        volume = str(volume)
    if volume is not None and not (isinstance(volume, str) and _DIGITS.match(volume.strip())):
        p.add("campaign.volume", 'campaign.volume must be a numeric string (e.g. "5000")')
        volume = None
    spec["volume"] = volume.strip() if isinstance(volume, str) else None
    p.raise_any()
    return spec


# ---------------------------------------------------------------------------------------------
# who may call
# ---------------------------------------------------------------------------------------------


def _org_key_only(call: Call, action: str) -> None:
    if call.key_scope != 0:
        raise ApiError(403, "AUTH_004", f"Only organization API keys can {action}")


def _admin_only(call: Call) -> None:
    """The key's user must (still) be an admin of the key's organization or profile."""
    user = changes.key_user(call.records, call.key_scope)
    if user is None or user.role != "admin":
        raise ApiError(403, "AUTH_004", "You do not have admin access to this organization or profile")


def _profile(call: Call) -> Scope:
    """The path's profile, if the caller may see it: any for an organization key, itself for a profile key."""
    profile_id = v.uuid_param(call.path("profile_id"), "profile_id")
    index = call.records.scope_of_profile(profile_id)
    if index is None or call.key_scope not in (0, index):
        raise ApiError(404, "RESOURCE_014", "Profile not found")
    return call.records.scopes[index]


def _user(call: Call, user_id: str) -> User:
    for u in changes.users_of(call.records, call.scope):
        if u.id == user_id:
            return u
    raise ApiError(404, "RESOURCE_006", "User not found")


# ---------------------------------------------------------------------------------------------
# account and profiles
# ---------------------------------------------------------------------------------------------


def get_me(call: Call) -> Response:
    return ok(call.request, shape.me(call.records, call.scope))


def list_profiles(call: Call) -> Response:
    _org_key_only(call, "list the organization's profiles")
    return ok(call.request, {"profiles": [shape.profile(call.records, s) for s in call.records.profiles()]})


def create_profile(call: Call) -> Response:
    _org_key_only(call, "create profiles")
    _admin_only(call)
    spec = _profile_spec(call, current=None)
    s, setup, brand = changes.new_profile(call.records, spec, dry_run=call.sandbox)
    return sandboxed(call, shape.profile(call.records, s, setup, brand), 201)


def get_profile(call: Call) -> Response:
    return ok(call.request, shape.profile(call.records, _profile(call)))


def update_profile(call: Call) -> Response:
    s = _profile(call)
    _admin_only(call)
    spec = _profile_spec(call, current=call.records.setups[s.index])
    others = [0, *(p.index for p in call.records.profiles() if p.index != s.index)]
    for key in ("sending_phone_number", "whatsapp_phone_number"):
        number = spec.get(key)
        if number is not None and any(number in profiles.sender_numbers(call.records, i) for i in others):
            raise ApiError(400, "VALIDATION_001", "Request validation failed",
                           {key: [f"{number} is another profile's sender: a profile sends only from its own numbers"]})  # fmt: skip
    s, setup, brand = changes.change_profile(call.records, s, spec, dry_run=call.sandbox)
    return sandboxed(call, shape.profile(call.records, s, setup, brand))


def delete_profile(call: Call) -> Response:
    _org_key_only(call, "delete profiles")
    _admin_only(call)
    changes.delete_profile(call.records, _profile(call), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


def complete_profile(call: Call) -> Response:
    s = _profile(call)
    _admin_only(call)
    url = _get(call.body, "web_hook_url")
    request_problems = {}
    if url is not None and not (isinstance(url, str) and _URL.match(url.strip())):
        request_problems["webHookUrl"] = ["webHookUrl must be a valid HTTP or HTTPS URL"]
    status, data = changes.complete_profile(call.records, s, url.strip() if isinstance(url, str) else None,
                                             request_problems=request_problems, dry_run=call.sandbox)  # fmt: skip
    return sandboxed(call, data, status)


# ---------------------------------------------------------------------------------------------
# campaigns
# ---------------------------------------------------------------------------------------------


def _own_campaigns_brand(call: Call, s: Scope, *, creating: bool = False) -> profiles.Brand:
    """The brand ``s``'s own campaigns live under; 400 when it inherits campaigns, 404 without a brand."""
    if call.records.setups[s.index].inherit_tcr_campaign:
        raise ApiError(400, "VALIDATION_001", "Cannot create campaigns when inherit_tcr_campaign=true. Set "
                       "inherit_tcr_campaign=false to create your own campaigns." if creating else
                       "These campaigns are read-only. Set inherit_tcr_campaign to false to manage your own campaigns.")  # fmt: skip
    brand, _ = profiles.effective_brand(call.records, s.index)
    if brand is None:
        raise ApiError(404, "RESOURCE_009", "Brand not found for this profile")
    return brand


def _campaign(call: Call, s: Scope) -> profiles.Campaign:
    campaign_id = v.uuid_param(call.path("campaign_id"), "campaign_id")
    for c in call.records.campaigns:
        if c.id == campaign_id and c.scope == s.index and not c.deleted:
            return c
    raise ApiError(404, "RESOURCE_010", "Campaign not found for this profile")


def list_campaigns(call: Call) -> Response:
    s = _profile(call)
    found, inherited = profiles.campaigns_of(call.records, s.index)
    if not inherited and profiles.effective_brand(call.records, s.index)[0] is None:
        raise ApiError(404, "RESOURCE_009", "Brand not found for this profile")
    return ok(call.request, [shape.campaign(call.records, c) for c in found])


def create_campaign(call: Call) -> Response:
    s = _profile(call)
    spec = _campaign_spec(call)
    brand = _own_campaigns_brand(call, s, creating=True)
    c = changes.new_campaign(call.records, s.index, brand, spec, dry_run=call.sandbox)
    return sandboxed(call, shape.campaign(call.records, c), 201)


def update_campaign(call: Call) -> Response:
    s = _profile(call)
    v.uuid_param(call.path("campaign_id"), "campaign_id")
    spec = _campaign_spec(call)
    brand = _own_campaigns_brand(call, s)
    c = changes.change_campaign(call.records, _campaign(call, s), brand, spec, dry_run=call.sandbox)
    return sandboxed(call, shape.campaign(call.records, c))


def delete_campaign(call: Call) -> Response:
    s = _profile(call)
    v.uuid_param(call.path("campaign_id"), "campaign_id")
    _own_campaigns_brand(call, s)
    changes.delete_campaign(call.records, _campaign(call, s), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


# ---------------------------------------------------------------------------------------------
# users
# ---------------------------------------------------------------------------------------------


def list_users(call: Call) -> Response:
    return ok(call.request, {"users": [wire.user(call.records, u) for u in changes.users_of(call.records, call.scope)]})


def get_user(call: Call) -> Response:
    return ok(call.request, wire.user(call.records, _user(call, v.uuid_param(call.path("user_id"), "user_id"))))


def _role(call: Call, p: _Problems) -> str | None:
    return _choice(call.body, "role", p, "role", USER_ROLES, required=True, lower=True)


def invite_user(call: Call) -> Response:
    _admin_only(call)
    p = _Problems()
    email = _email(call.body, "email", p, "email", required=True, problem="Email must be a valid email address")
    name = _text(call.body, "name", p, "name", required=True, max_length=255)
    role = _role(call, p)
    p.raise_any()
    assert email is not None and name is not None and role is not None
    user = changes.invite_user(call.records, call.scope, email, name, role, dry_run=call.sandbox)
    return sandboxed(call, wire.user(call.records, user), 201)


def update_user(call: Call) -> Response:
    user_id = v.uuid_param(call.path("user_id"), "user_id")
    _admin_only(call)
    p = _Problems()
    role = _role(call, p)
    p.raise_any()
    assert role is not None
    user = changes.set_role(call.records, call.key_scope, _user(call, user_id), role, dry_run=call.sandbox)
    return sandboxed(call, wire.user(call.records, user))


def remove_user(call: Call) -> Response:
    user_id = v.uuid_param(call.path("user_id"), "user_id")
    _admin_only(call)
    changes.remove_user(call.records, call.key_scope, _user(call, user_id), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


ROUTES: list[RouteSpec] = [
    ("/v3/me", get_me, "GET"),
    ("/v3/profiles", list_profiles, "GET"),
    ("/v3/profiles", create_profile, "POST"),
    ("/v3/profiles/{profile_id}", get_profile, "GET"),
    ("/v3/profiles/{profile_id}", update_profile, "PATCH"),
    ("/v3/profiles/{profile_id}", delete_profile, "DELETE"),
    ("/v3/profiles/{profile_id}/complete", complete_profile, "POST"),
    ("/v3/profiles/{profile_id}/campaigns", list_campaigns, "GET"),
    ("/v3/profiles/{profile_id}/campaigns", create_campaign, "POST"),
    ("/v3/profiles/{profile_id}/campaigns/{campaign_id}", update_campaign, "PUT"),
    ("/v3/profiles/{profile_id}/campaigns/{campaign_id}", delete_campaign, "DELETE"),
    ("/v3/users", list_users, "GET"),
    ("/v3/users", invite_user, "POST"),
    ("/v3/users/{user_id}", get_user, "GET"),
    ("/v3/users/{user_id}", update_user, "PATCH"),
    ("/v3/users/{user_id}", remove_user, "DELETE"),
]
