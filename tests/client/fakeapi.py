"""A small fake of the Sent v3 wire format for ``httpx.MockTransport``: fast, scriptable, observable.

It follows the docs' envelope, pagination shapes, error codes and rate-limit headers; the
simulator tests (``test_simulator_integration.py``) check the same client against the real thing.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

KEY = "sk_test_SECRET-KEY-h3Wq8Zr2Lx6Vn0Pt"
ORG_PROFILES = ["660e8400-e29b-41d4-a716-446655440001", "660e8400-e29b-41d4-a716-446655440002"]


def uid(kind: str, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{n}"))


def envelope(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data, "error": None,
            "meta": {"request_id": "req_fake", "timestamp": "2026-01-01T00:00:00+00:00", "version": "v3"}}


def error_envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"success": False, "data": None,
            "error": {"code": code, "message": message, "details": details,
                      "doc_url": f"https://docs.sent.dm/errors/{code}"},
            "meta": {"request_id": "req_fake_err", "timestamp": "2026-01-01T00:00:00+00:00", "version": "v3"}}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(),
                          headers={"content-type": "application/json", "x-request-id": "req_hdr", **(headers or {})})


@dataclass
class FakeAPI:
    contacts: int = 250
    shape: str = "endpoint"  # endpoint | models | glossary | has_more | bare
    latency: float = 0.0
    rate_per_minute: float | None = None  # server-side token bucket; None = unlimited
    burst: int = 50
    script: list[Any] = field(default_factory=list)  # responses (status int or httpx.Response) served first
    requests: list[httpx.Request] = field(default_factory=list)
    grow_after_first_page: int = 0  # contacts inserted at the top after page 1 (data changing while paging)
    profile_contacts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tokens = float(self.burst)
        self._updated = time.monotonic()
        self.rate_limited = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self._rows = [self._contact(i) for i in range(self.contacts)]

    @staticmethod
    def _contact(i: int) -> dict[str, Any]:
        return {"id": uid("contact", i), "phone_number": f"+1415555{i:04d}", "region_code": "US",
                "available_channels": "sms,whatsapp", "opt_out": False, "created_at": "2026-01-01T00:00:00+00:00"}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # -- the handler ------------------------------------------------------------------------

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return self._respond(request)
        finally:
            self.in_flight -= 1

    def _limit_headers(self, remaining: float) -> dict[str, str]:
        if self.rate_per_minute is None:
            return {}
        return {"x-ratelimit-limit": str(int(self.rate_per_minute)),
                "x-ratelimit-remaining": str(max(0, math.floor(remaining))),
                "x-ratelimit-reset": str(int(time.time()) + 60)}

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if self.script:
            scripted = self.script.pop(0)
            if isinstance(scripted, Exception):
                raise scripted
            if isinstance(scripted, httpx.Response):
                return scripted
            if isinstance(scripted, int):
                code = {429: "BUSINESS_002", 503: "INTERNAL_005", 500: "INTERNAL_001", 502: "INTERNAL_003",
                        409: "CONFLICT_001", 408: "INTERNAL_004"}.get(scripted, "INTERNAL_001")
                headers = {"retry-after": "0"} if scripted in (429, 503) else {}
                return json_response(scripted, error_envelope(code, f"scripted {scripted}"), headers)
        if request.headers.get("x-api-key") != KEY:
            code = "AUTH_001" if not request.headers.get("x-api-key") else "AUTH_002"
            return json_response(401, error_envelope(code, f"Invalid API key {request.headers.get('x-api-key')}"))
        headers: dict[str, str] = {}
        if self.rate_per_minute is not None:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate_per_minute / 60)
            self._updated = now
            if self._tokens < 1:
                self.rate_limited += 1
                return json_response(429, error_envelope("BUSINESS_002", "Rate limit exceeded"),
                                     {"retry-after": "1", **self._limit_headers(0)})
            self._tokens -= 1
            headers = self._limit_headers(self._tokens)
        return self._route(request, headers)

    def _route(self, request: httpx.Request, headers: dict[str, str]) -> httpx.Response:
        path = request.url.path
        profile = request.headers.get("x-profile-id")
        if path == "/v3/me":
            return json_response(200, envelope({"type": "organization", "id": uid("org", 0), "name": "Acme"}), headers)
        if path == "/v3/profiles":
            return json_response(200, envelope({"profiles": [{"id": p, "name": f"P{i}"} for i, p in enumerate(ORG_PROFILES)]}), headers)
        if path == "/v3/contacts" and request.method == "GET":
            rows = self._rows
            if profile is not None:
                rows = [self._contact(10_000 * (ORG_PROFILES.index(profile) + 1) + i)
                        for i in range(self.profile_contacts.get(profile, 3))]
            return self._page(request, rows, "contacts", headers)
        if path.startswith("/v3/contacts/") and request.method == "DELETE":
            return httpx.Response(204, headers=headers)
        if path.startswith("/v3/contacts/"):
            cid = path.rsplit("/", 1)[-1]
            match = [r for r in self._rows if r["id"] == cid]
            if not match:
                return json_response(404, error_envelope("RESOURCE_001", "Contact not found"), headers)
            return json_response(200, envelope(match[0]), headers)
        if path == "/v3/contacts" and request.method == "POST":
            body = json.loads(request.content)
            return json_response(201, envelope({"id": uid("new", 0), **body}), headers)
        if path.startswith("/v3/messages/"):
            mid = path.split("/")[3]
            if mid.endswith("0000000404"):
                return json_response(404, error_envelope("RESOURCE_003", "Message not found"), headers)
            if path.endswith("/activities"):
                return json_response(200, envelope({"message_id": mid, "activities": [
                    {"status": "DELIVERED", "price": "0.0450"}, {"status": "QUEUED", "price": None}]}), headers)
            return json_response(200, envelope({"id": mid, "status": "DELIVERED", "price": 0.045}), headers)
        if path == "/v3/messages" and request.method == "POST":
            body = json.loads(request.content)
            return json_response(202, envelope({"status": "QUEUED", "recipients": [
                {"message_id": uid("msg", i), "to": to, "channel": "sms"} for i, to in enumerate(body["to"])]}),
                {**headers, **({"x-sandbox": "true"} if body.get("sandbox") else {})})
        if path.startswith("/v3/numbers/lookup/"):
            phone = path.rsplit("/", 1)[-1]
            return json_response(200, envelope({"phone_number": phone, "is_valid": True, "line_type": "mobile"}), headers)
        if path == "/v3/webhooks":
            return self._page(request, [{"id": uid("webhook", i), "endpoint_url": f"https://x/{i}"} for i in range(2)],
                              "webhooks", headers)
        if path.startswith("/v3/webhooks/") and path.endswith("/events"):
            wid = path.split("/")[3]
            events = [{"id": uid(f"event/{wid}", i), "event_type": "message.delivered",
                       "event_data": {"field": "messages", "payload": {"message_id": uid("msg", i)}}} for i in range(130)]
            return self._page(request, events, "events", headers)
        return json_response(404, error_envelope("RESOURCE_999", f"no fake route {path}"), headers)

    def _page(self, request: httpx.Request, rows: list[Any], key: str, headers: dict[str, str]) -> httpx.Response:
        params = request.url.params
        page, size = int(params.get("page", 1)), int(params.get("page_size", 20))
        if not 1 <= size <= 100:
            return json_response(400, error_envelope("VALIDATION_001", "Request validation failed",
                                                     {"page_size": ["must be between 1 and 100"]}), headers)
        items = rows[(page - 1) * size: page * size]
        if page == 1 and self.grow_after_first_page and key == "contacts":
            self._rows = [self._contact(100_000 + i) for i in range(self.grow_after_first_page)] + self._rows
            self.grow_after_first_page = 0
        total = len(rows)
        pages = math.ceil(total / size)
        has_more = page < pages
        if self.shape == "endpoint":
            data = {key: items, "pagination": {"page": page, "page_size": size, "total_count": total,
                                               "total_pages": pages, "has_more": has_more, "cursors": None}}
        elif self.shape == "models":
            data = {key: items, "pagination": {"has_next_page": has_more, "has_previous_page": page > 1,
                                               "next_cursor": None, "previous_cursor": None}}
        elif self.shape == "glossary":
            data = {"items": items, "totalCount": total, "page": page, "pageSize": size, "totalPages": pages}
        elif self.shape == "has_more":
            data = {key: items, "pagination": {"page": page, "page_size": size, "has_more": has_more}}
        else:  # bare: no pagination info at all
            data = {key: items}
        return json_response(200, envelope(data), headers)
