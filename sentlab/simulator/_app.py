"""The simulator's routes: each handler validates, asks the world, and wraps the envelope.

``core_app(world)`` is the bare API: auth, profile scoping, validation,
sandbox and the documented responses. Request ids, rate limits, idempotency,
faults and latency are the edge's job (``_middleware``), which wraps this app.
"""

from __future__ import annotations

import importlib
import logging
import re
from datetime import datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import _numbers
from . import _validation as v
from . import _wire as wire
from ._account import Account
from ._delivery import deliver_test
from ._envelope import ApiError, error, ok
from ._handler import Call, Handler, RouteSpec, endpoint, pagination, sandboxed
from ._ids import hash_uuid, request_id
from ._vocab import (
    CHANNELS,
    EVENT_FAMILIES,
    EVENT_TYPES,
    FAMILY_ALIASES,
    MESSAGE_EVENTS,
    SUBSCRIBABLE,
    family_of,
)
from ._vocab import variables as template_variables
from ._world import World

__all__ = ["core_app"]

log = logging.getLogger("sentlab.simulator")

_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
_TEMPLATE_STATUSES = ("APPROVED", "PENDING", "REJECTED", "DRAFT")
_MAX_RECIPIENTS = 1000
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_LOOKUP_INPUT = re.compile(r"^\+?\d{6,15}$")


# ---------------------------------------------------------------------------------------------
# contacts
# ---------------------------------------------------------------------------------------------


def list_contacts(call: Call) -> Response:
    page, page_size = v.page_params(call.query)
    channel = call.query.get("channel") or None
    if channel is not None:
        channel = v.one_of(channel.lower(), CHANNELS, "channel")
    phone = call.query.get("phone") or None
    if phone is not None:
        phone = v.e164(phone, "phone")
    contacts, total = call.account.contact_page(
        call.scope, page, page_size, search=call.search(), channel=channel, phone=phone
    )
    return ok(call.request, {"contacts": contacts, "pagination": pagination(page, page_size, total)})


def create_contact(call: Call) -> Response:
    phone = call.body.get("phone_number")
    if phone is None or phone == "":
        raise ApiError(400, "VALIDATION_001", "Phone number is required", {"phone_number": ["Phone number is required"]})
    phone = v.e164(phone, "phone_number")
    return sandboxed(call, call.account.create_contact(call.scope, phone, dry_run=call.sandbox), 201)


def get_contact(call: Call) -> Response:
    i = call.account.contact_index(call.scope, call.path_id())
    return ok(call.request, wire.contact(call.records, i, call.scope))


def update_contact(call: Call) -> Response:
    contact_id = call.path_id()
    default_channel = call.body.get("default_channel")
    if default_channel is not None:
        default_channel = v.one_of(default_channel, CHANNELS, "default_channel")
    opt_out = v.optional_bool(call.body, "opt_out")
    contact = call.account.update_contact(
        call.scope, contact_id, default_channel=default_channel, opt_out=opt_out, dry_run=call.sandbox
    )
    return sandboxed(call, contact)


def delete_contact(call: Call) -> Response:
    call.account.delete_contact(call.scope, call.path_id(), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


# ---------------------------------------------------------------------------------------------
# templates
# ---------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    words = re.findall(r"[a-z]+", _VARIABLE_FREE.sub("", text.lower()))[:3]
    return "_".join(words) or "template"


_VARIABLE_FREE = re.compile(r"\{\{[^}]*\}\}")


def _template_texts(body: dict[str, Any]) -> tuple[dict[str, str], list[str]] | None:
    """``(texts per channel, declared variable names)`` from a template request, or None if absent.

    Accepts the SDK's ``definition.body``: a ``multi_channel`` body, or an ``sms`` + ``whatsapp``
    pair, either with optional ``rcs``/``mms`` overrides (the SDK's rule); and the data-models
    page's ``body.content`` (+ ``channels``).
    """
    definition = body.get("definition")
    declared: list[str] = []
    texts: dict[str, str] = {}
    if definition is not None:
        if not isinstance(definition, dict) or not isinstance(definition.get("body"), dict):
            raise ApiError(400, "VALIDATION_001", "Template definition is invalid",
                           {"definition": ["definition.body is required"]})  # fmt: skip
        body = definition["body"]
        present = {("multi_channel" if k == "multiChannel" else k) for k, c in body.items() if c is not None}
        if "multi_channel" in present and present & {"sms", "whatsapp"}:
            raise ApiError(400, "VALIDATION_001", "Template definition is invalid",
                           {"definition.body": ["multi_channel cannot be combined with sms or whatsapp"]})  # fmt: skip
        if "multi_channel" not in present and not {"sms", "whatsapp"} <= present:
            raise ApiError(400, "VALIDATION_001", "Template definition is invalid",
                           {"definition.body": ["Give a multi_channel body, or both an sms and a whatsapp body "
                                                "(rcs and mms may add to either, not stand alone)"]})  # fmt: skip
        for key, content in body.items():
            if content is None:
                continue
            if not isinstance(content, dict) or not isinstance(content.get("template"), str):
                raise ApiError(400, "VALIDATION_001", "Template definition is invalid",
                               {f"definition.body.{key}": ["template (string) is required"]})  # fmt: skip
            for var in content.get("variables") or []:
                if isinstance(var, dict) and isinstance(var.get("name"), str):
                    declared.append(var["name"])
            if key in CHANNELS:
                texts[key] = content["template"]
        shared = body.get("multi_channel") or body.get("multiChannel")
        for ch in CHANNELS:  # the shared body (or the SMS one, for MMS) covers what no override does
            if isinstance(shared, dict):
                texts.setdefault(ch, shared["template"])
        if "mms" not in texts and "sms" in texts:
            texts["mms"] = texts["sms"]
        if "rcs" not in texts and "sms" in texts:
            texts["rcs"] = texts["sms"]
        texts = {ch: texts[ch] for ch in CHANNELS if ch in texts}
        return texts, declared
    legacy = body.get("body")
    if legacy is not None:
        if not isinstance(legacy, dict) or not isinstance(legacy.get("content"), str):
            raise ApiError(400, "VALIDATION_001", "Template definition is invalid",
                           {"body": ["body.content (string) is required"]})  # fmt: skip
        channels = v.string_list(body, "channels") or list(CHANNELS)
        for ch in channels:
            v.one_of(ch, CHANNELS, "channels")
        declared = [x["name"] for x in legacy.get("variables") or [] if isinstance(x, dict) and isinstance(x.get("name"), str)]
        return {ch: legacy["content"] for ch in channels}, declared
    return None


def _template_spec(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    name = v.optional_str(body, "name", max_length=512)
    category = body.get("category")
    if category is not None:
        category = v.one_of(category, _CATEGORIES, "category", upper=True)
    elif not partial:
        raise ApiError(400, "VALIDATION_004", "Required field is missing", {"category": ["Category is required"]})
    language = v.optional_str(body, "language", max_length=16)
    parsed = _template_texts(body)
    if parsed is None and not partial:
        raise ApiError(400, "VALIDATION_001", "Template definition is required",
                       {"definition": ["Template definition is required"]})  # fmt: skip
    submit = v.optional_bool(body, "submit_for_review")
    spec: dict[str, Any] = {"name": name, "category": category, "language": language, "submit": bool(submit)}
    if parsed is not None:
        texts, declared = parsed
        variables = list(dict.fromkeys([*declared, *(n for t in texts.values() for n in template_variables(t))]))
        spec.update(texts=texts, channels=list(texts), variables=variables)
        if spec["name"] is None and not partial:
            spec["name"] = _slug(next(iter(texts.values())))
    if not partial:
        spec["language"] = language or "en_US"
    return spec


def list_templates(call: Call) -> Response:
    page, page_size = v.page_params(call.query)
    status = call.query.get("status") or None
    if status is not None:
        status = v.one_of(status, _TEMPLATE_STATUSES, "status", upper=True)
    category = call.query.get("category") or None
    if category is not None:
        category = v.one_of(category, _CATEGORIES, "category", upper=True)
    welcome = v.query_bool(call.query, "is_welcome_playground")
    if welcome:  # the synthetic account has no welcome-playground templates
        return ok(call.request, {"templates": [], "pagination": pagination(page, page_size, 0)})
    templates, total = call.account.template_page(
        call.scope, page, page_size, search=call.search(), status=status, category=category
    )
    return ok(call.request, {"templates": templates, "pagination": pagination(page, page_size, total)})


def create_template(call: Call) -> Response:
    spec = _template_spec(call.body, partial=False)
    return sandboxed(call, call.account.create_template(call.scope, spec, dry_run=call.sandbox), 201)


def get_template(call: Call) -> Response:
    return ok(call.request, wire.template(call.records, call.account.template(call.scope, call.path_id())))


def update_template(call: Call) -> Response:
    template_id = call.path_id()
    spec = _template_spec(call.body, partial=True)
    return sandboxed(call, call.account.update_template(call.scope, template_id, spec, dry_run=call.sandbox))


def delete_template(call: Call) -> Response:
    call.account.delete_template(call.scope, call.path_id(), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


# ---------------------------------------------------------------------------------------------
# messages and numbers
# ---------------------------------------------------------------------------------------------


def _send_request(call: Call) -> dict[str, Any]:
    body = call.body
    to, template, text = body.get("to"), body.get("template"), body.get("text")
    missing: dict[str, list[str]] = {}
    if to is None or to == []:
        missing["to"] = ["'to' must contain at least one recipient"]
    if template is None and text is None:
        missing["template"] = ["'template' is required"]
    if missing:
        raise ApiError(400, "VALIDATION_004", "Request validation failed", missing)
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(x, str) for x in to):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"to": ["'to' must be a list of phone numbers"]})
    if len(to) > _MAX_RECIPIENTS:
        raise v.bad("VALIDATION_005", "Field value out of valid range", "to", f"At most {_MAX_RECIPIENTS} recipients")
    recipients = []
    for phone in to:
        if not _numbers.is_e164(phone.strip()):
            raise v.bad("VALIDATION_002", "Invalid phone number format", "to",
                        f"'{phone}' is not a valid E.164 phone number (e.g., +14155551234)")  # fmt: skip
        recipients.append(phone.strip())
    ref: dict[str, Any] | None = None
    if template is not None:
        if not isinstance(template, dict):
            raise ApiError(400, "VALIDATION_001", "Request validation failed", {"template": ["'template' must be an object"]})
        template_id, name = template.get("id"), template.get("name")
        if template_id is None and not name:
            raise ApiError(400, "VALIDATION_004", "Request validation failed",
                           {"template": ["template.id or template.name is required"]})  # fmt: skip
        if template_id is not None:
            template_id = v.uuid_param(template_id, "template.id")
        if name is not None and not isinstance(name, str):
            raise ApiError(400, "VALIDATION_001", "Request validation failed", {"template.name": ["must be a string"]})
        parameters = template.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ApiError(400, "VALIDATION_001", "Request validation failed",
                           {"template.parameters": ["must be an object of strings"]})  # fmt: skip
        ref = {"id": template_id, "name": name, "parameters": {str(k): str(x) for k, x in parameters.items()}}
    if text is not None and not isinstance(text, str):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"text": ["'text' must be a string"]})
    channel = body.get("channel")
    if channel is None or channel == []:
        channels = ["sent"]
    else:
        channels = [channel] if isinstance(channel, str) else channel
        if not isinstance(channels, list):
            raise ApiError(400, "VALIDATION_001", "Request validation failed", {"channel": ["must be a list of channels"]})
        channels = [v.one_of(c.lower() if isinstance(c, str) else c, (*CHANNELS, "sent"), "channel") for c in channels]
    release = _scheduled_at(call, body.get("scheduled_at"))
    media = v.string_list(body, "media_urls")
    for url in media or []:
        if not url.startswith("https://") or not _URL.match(url):
            raise v.bad("VALIDATION_001", "Request validation failed", "media_urls",
                        f"'{url}' is not a public https URL")  # fmt: skip
    v.optional_str(body, "subject", max_length=256)
    return {"to": recipients, "template": ref, "channels": channels, "text": text, "release": release,
            "media_urls": media, "senders": _senders(body.get("channels"))}  # fmt: skip


def _senders(raw: Any) -> dict[str, list[str]] | None:
    """``channels``: which of the account's numbers each channel may send from (the SDK's shape
    ``{"sms": [{"from": ["+1..."], "country": "US", "strategy": ...}]}``), as channel -> numbers."""
    if raw is None:
        return None
    problem = "channels must map a channel to a list of {from: [E.164 numbers], country?, strategy?}"
    if not isinstance(raw, dict):
        raise v.bad("VALIDATION_001", "Request validation failed", "channels", problem)
    out: dict[str, list[str]] = {}
    for channel, entries in raw.items():
        if channel == "sent":
            raise v.bad("VALIDATION_001", "Request validation failed", "channels",
                        "'sent' is auto-detect, not a channel: name sms, whatsapp, rcs or mms")  # fmt: skip
        v.one_of(channel, CHANNELS, "channels")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise v.bad("VALIDATION_001", "Request validation failed", f"channels.{channel}", problem)
        for entry in entries:
            numbers = v.string_list(entry, "from") or []
            out.setdefault(channel, []).extend(v.e164(n, f"channels.{channel}.from") for n in numbers)
    return out


def _scheduled_at(call: Call, raw: Any) -> float | None:
    if raw is None:
        return None
    problem = "scheduled_at must be an ISO-8601 timestamp with an explicit UTC offset"
    if not isinstance(raw, str):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"scheduled_at": [problem]})
    try:
        when = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"scheduled_at": [problem]}) from None
    if when.tzinfo is None:
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"scheduled_at": [problem]})
    ahead = when.timestamp() - call.records.now_ts()
    if not 60 <= ahead <= 30 * 86400:
        raise v.bad("VALIDATION_005", "Field value out of valid range", "scheduled_at",
                    "scheduled_at must be between 1 minute and 30 days ahead")  # fmt: skip
    return when.timestamp()


def send_message(call: Call) -> Response:
    request = _send_request(call)
    data = call.account.send(call.scope, **request, dry_run=call.sandbox)
    return sandboxed(call, data, 202)


def get_message(call: Call) -> Response:
    i = call.account.message_index(call.scope, call.path_id())
    return ok(call.request, wire.message(call.records, i))


def get_message_activities(call: Call) -> Response:
    i = call.account.message_index(call.scope, call.path_id())
    return ok(call.request, wire.activities(call.records, i))


def lookup_number(call: Call) -> Response:
    phone = call.path("phone_number").strip()
    if not phone:
        raise ApiError(400, "VALIDATION_001", "Phone number is required", {"phone_number": ["Phone number is required"]})
    if not _LOOKUP_INPUT.match(phone):
        raise v.bad("VALIDATION_002", "Invalid phone number format", "phone_number",
                    "Phone number must be in E.164 format (e.g., +1234567890)")  # fmt: skip
    try:
        return ok(call.request, _numbers.lookup(phone))
    except ValueError:
        raise ApiError(404, "RESOURCE_013", "Phone number not found or invalid") from None


# ---------------------------------------------------------------------------------------------
# webhooks
# ---------------------------------------------------------------------------------------------


def _webhook_spec(body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    url = body.get("endpoint_url")
    if url is not None or not partial:
        if not isinstance(url, str) or not _URL.match(url.strip()):
            raise ApiError(400, "VALIDATION_001", "Endpoint URL must be a valid HTTP or HTTPS URL",
                           {"endpoint_url": ["Endpoint URL must be a valid HTTP or HTTPS URL"]})  # fmt: skip
        url = url.strip()
    event_types = v.string_list(body, "event_types")
    if event_types is not None:
        event_types = [v.one_of(t, sorted(SUBSCRIBABLE), "event_types") for t in event_types]
        if not event_types:
            raise ApiError(400, "VALIDATION_001", "Request validation failed",
                           {"event_types": ["Subscribe to at least one event type"]})  # fmt: skip
    filters = body.get("event_filters")
    if filters is not None:
        if not isinstance(filters, dict):
            raise v.bad("VALIDATION_001", "Request validation failed", "event_filters",
                        "event_filters maps an event family to the events of it to receive")  # fmt: skip
        for family in filters:
            if family_of(family) != FAMILY_ALIASES.get(family, family):
                raise v.bad("VALIDATION_006", "Invalid enum value", "event_filters",
                            f"'{family}' is not an event family: one of {', '.join(sorted(EVENT_FAMILIES))}")  # fmt: skip
            for name in v.string_list(filters, family) or []:
                if family_of(name) != family_of(family) or name == family_of(family):
                    raise v.bad("VALIDATION_006", "Invalid enum value", f"event_filters.{family}",
                                f"'{name}' is not an event of the {family_of(family)} family")  # fmt: skip
    return {
        "event_filters": filters,
        "display_name": v.optional_str(body, "display_name", max_length=200),
        "endpoint_url": url,
        "event_types": event_types,
        "retry_count": v.optional_int_in_range(body, "retry_count", 1, 5),
        "timeout_seconds": v.optional_int_in_range(body, "timeout_seconds", 5, 120),
    }


def list_webhooks(call: Call) -> Response:
    page, page_size = v.page_params(call.query)
    is_active = v.query_bool(call.query, "is_active")
    webhooks, total = call.account.webhook_page(call.scope, page, page_size, search=call.search(), is_active=is_active)
    return ok(call.request, {"webhooks": webhooks, "pagination": pagination(page, page_size, total)})


def create_webhook(call: Call) -> Response:
    spec = _webhook_spec(call.body, partial=False)
    return sandboxed(call, call.account.create_webhook(call.scope, spec, dry_run=call.sandbox), 201)


def get_webhook(call: Call) -> Response:
    return ok(call.request, wire.webhook(call.records, call.account.webhook(call.scope, call.path_id())))


def update_webhook(call: Call) -> Response:
    webhook_id = call.path_id()
    spec = _webhook_spec(call.body, partial=True)
    return sandboxed(call, call.account.update_webhook(call.scope, webhook_id, spec, dry_run=call.sandbox))


def delete_webhook(call: Call) -> Response:
    call.account.delete_webhook(call.scope, call.path_id(), dry_run=call.sandbox)
    return sandboxed(call, None, 204)


def list_webhook_events(call: Call) -> Response:
    webhook = call.account.webhook(call.scope, call.path_id())
    page, page_size = v.page_params(call.query)
    events, total = call.account.event_page(webhook, page, page_size, search=call.search())
    return ok(call.request, {"events": events, "pagination": pagination(page, page_size, total)})


def list_event_types(call: Call) -> Response:
    return ok(call.request, {"event_types": [{**e, "sub_types": [dict(s) for s in e["sub_types"]]} for e in EVENT_TYPES]})


class _TestDelivery(Response):
    """The answer of a test on a loopback webhook: POSTs the specimen when sent (the world's lock
    released), then answers with the outcome, as the API does."""

    def __init__(self, request: Request, webhook: Any, body: bytes) -> None:
        super().__init__()
        self.request, self.webhook, self.body_to_send = request, webhook, body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        success, message = await deliver_test(self.webhook, self.body_to_send)
        response = ok(self.request, {"success": success, "message": message})
        for name, value in self.headers.items():  # what the endpoint wrapper added (X-Profile-Id)
            if name not in ("content-length", "content-type"):
                response.headers[name] = value
        await response(scope, receive, send)


def _test_envelope(call: Call, event_type: str | None) -> bytes:
    """A specimen message event (the SDK's envelope) for ``event_type`` (default message.delivered)."""
    event = event_type if event_type in MESSAGE_EVENTS else "message.delivered"
    now = call.records.now_ts()
    specimen = hash_uuid(call.records.seed, "test-event", call.path_id(), now)
    payload = {"message_id": specimen, "message_status": event.removeprefix("message.").upper(), "channel": "sms",
               "template_id": None, "outbound_number": "+15555550100", "updated_at": wire.iso(now),
               "account_id": call.records.scopes[call.scope].id, "body": "This is a test event from Sent"}  # fmt: skip
    envelope = {"field": "message", "event": event, "timestamp": wire.iso(now),
                "request_id": request_id(call.records.seed, "test-event", specimen), "payload": payload}  # fmt: skip
    return orjson.dumps(envelope)


def test_webhook(call: Call) -> Response:
    webhook = call.account.webhook(call.scope, call.path_id())
    event_type = call.body.get("event_type")
    if event_type is not None:
        v.one_of(event_type, sorted(SUBSCRIBABLE), "event_type")
    if not webhook.is_active:
        data = {"success": False, "message": "Webhook is inactive; activate it before testing"}
    elif webhook.live and not call.sandbox:  # a loopback endpoint gets a real, signed specimen
        return _TestDelivery(call.request, webhook, _test_envelope(call, event_type))
    elif "fail" in webhook.endpoint_url:
        data = {"success": False, "message": "Test event delivery failed: HTTP 500 Internal Server Error"}
    else:
        data = {"success": True, "message": "Test event delivered successfully"}
    return sandboxed(call, data)


def rotate_webhook_secret(call: Call) -> Response:
    secret = call.account.rotate_secret(call.scope, call.path_id(), dry_run=call.sandbox)
    return sandboxed(call, {"signing_secret": secret})


def toggle_webhook(call: Call) -> Response:
    webhook_id = call.path_id()
    is_active = v.optional_bool(call.body, "is_active")
    return sandboxed(call, call.account.toggle_webhook(call.scope, webhook_id, is_active, dry_run=call.sandbox))


# ---------------------------------------------------------------------------------------------
# the routes of the 2024 docs; ROUTE_MODULES add the rest of the live API (and /v3/me, profiles, users)
# ---------------------------------------------------------------------------------------------

ROUTES: list[RouteSpec] = [
    ("/v3/contacts", list_contacts, "GET"),
    ("/v3/contacts", create_contact, "POST"),
    ("/v3/contacts/{id}", get_contact, "GET"),
    ("/v3/contacts/{id}", update_contact, "PATCH"),
    ("/v3/contacts/{id}", delete_contact, "DELETE"),
    ("/v3/templates", list_templates, "GET"),
    ("/v3/templates", create_template, "POST"),
    ("/v3/templates/{id}", get_template, "GET"),
    ("/v3/templates/{id}", update_template, "PUT"),
    ("/v3/templates/{id}", delete_template, "DELETE"),
    ("/v3/messages", send_message, "POST"),
    ("/v3/messages/{id}", get_message, "GET"),
    ("/v3/messages/{id}/activities", get_message_activities, "GET"),
    ("/v3/numbers/lookup/{phone_number:path}", lookup_number, "GET"),
    ("/v3/webhooks/event-types", list_event_types, "GET"),  # before /{id}
    ("/v3/webhooks", list_webhooks, "GET"),
    ("/v3/webhooks", create_webhook, "POST"),
    ("/v3/webhooks/{id}", get_webhook, "GET"),
    ("/v3/webhooks/{id}", update_webhook, "PUT"),
    ("/v3/webhooks/{id}", delete_webhook, "DELETE"),
    ("/v3/webhooks/{id}/events", list_webhook_events, "GET"),
    ("/v3/webhooks/{id}/test", test_webhook, "POST"),
    ("/v3/webhooks/{id}/rotate-secret", rotate_webhook_secret, "POST"),
    ("/v3/webhooks/{id}/toggle-status", toggle_webhook, "PATCH"),
]

#: Modules with a ``ROUTES`` list of their own, relative to this package.
ROUTE_MODULES: tuple[str, ...] = ("._routes_messages", "._routes_profiles", "._routes_voice")


# ---------------------------------------------------------------------------------------------
# the app: errors
# ---------------------------------------------------------------------------------------------

async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = (exc.headers or {}).get("Allow", "")
        return error(request, 405, "METHOD_NOT_ALLOWED", f"Method {request.method} is not allowed here",
                     {"method": [f"Allowed: {allow}"]} if allow else None, {"Allow": allow} if allow else None)  # fmt: skip
    if exc.status_code == 404:
        return error(request, 404, "NOT_FOUND", f"No route for {request.method} {request.url.path}")
    return error(request, exc.status_code, "VALIDATION_001", str(exc.detail))


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("simulator failed: %s %s", request.method, request.url.path, exc_info=exc)
    return error(request, 500, "INTERNAL_001", "Unexpected internal server error")


def core_app(world: World) -> Starlette:
    """The Sent v3 API over ``world``: every route, with auth, scoping, validation and sandbox.

    >>> import httpx
    >>> from sentlab.simulator import build_world
    >>> world = build_world(contacts=50, messages=10)
    >>> async with httpx.AsyncClient(transport=httpx.ASGITransport(core_app(world)), base_url="http://sim") as client:
    ...     response = await client.get("/v3/me", headers={"x-api-key": world.org_key})
    >>> response.status_code, response.json()["data"]["name"]
    (200, 'Acme Corporation')
    """

    account = Account(world._records)

    def route(path: str, handler: Handler, method: str) -> Route:
        return Route(path, endpoint(account, handler), methods=[method])

    specs: list[RouteSpec] = list(ROUTES)
    for name in ROUTE_MODULES:  # the rest of the live API, one module per resource family
        specs.extend(importlib.import_module(name, __package__).ROUTES)
    routes = [route(path, handler, method) for path, handler, method in specs]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.router.redirect_slashes = False  # the API answers a trailing slash with 404, not a redirect
    app.state.world = world
    return app
