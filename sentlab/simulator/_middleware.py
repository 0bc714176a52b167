"""The simulator's edge: what the real API does around every handler, as pure ASGI middleware.

Five layers, composed by :func:`edge` from the outside in:

``EdgeHeaders``   request id, fixed latency, and the headers every response carries
                  (``X-Request-Id``, ``X-Response-Time``, ``X-API-Version``, ``X-RateLimit-*``);
``RequestLimits`` what a front door refuses before the rest: an over-long URL (414), oversized
                  headers (431), a body over 1 MiB (413), read without buffering more than that;
``RateLimiter``   token buckets per account: standard, sensitive, and message sending by tier;
``FaultInjector`` seeded 5xx, spurious 429s, dropped connections, HTML proxy pages, slow and
                  truncated responses;
``Idempotency``   ``Idempotency-Key`` format, replay of the first response, 409 on a concurrent
                  duplicate, expiry on the world clock.

What each layer does is set by a :class:`~._settings.SimulatorConfig` (defined in ``_settings``).
Error faults are injected before the handler runs and truncation after, so a fault never changes
the world; the idempotency cache always holds the untruncated response. Times used for buckets
and key expiry come from ``world.clock.time()``, so tests drive them with a frozen clock.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from starlette.requests import ClientDisconnect

from . import _validation as v
from ._envelope import API_VERSION, ApiError, error_body, new_request_id
from ._settings import Faults, Rate, RateLimits, SimulatorConfig

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_EXCHANGE = "sentlab.exchange"  # scope key of the per-request state the layers share


# ---------------------------------------------------------------------------------------------
# shared per-request state and small ASGI helpers
# ---------------------------------------------------------------------------------------------


class _Clock(Protocol):
    def time(self) -> float: ...


class _World(Protocol):  # the part of sentlab.simulator.World the edge uses
    clock: _Clock
    tier: str

    def account_for_key(self, api_key: str) -> str | None: ...


@dataclass
class _Exchange:
    """What the edge layers know about one request."""

    request_id: str
    method: str
    path: str
    api_key: str | None
    profile_id: str | None
    idempotency_key: str | None
    account: str | None
    # X-RateLimit-* values: limit, remaining, reset (Unix seconds)
    limit: tuple[int, int, int] | None = None


def _exchange(scope: Scope) -> _Exchange:
    return scope[_EXCHANGE]


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised by the ``drop`` fault after the status line: uvicorn closes the socket, the in-process
    transport re-raises it, so in both modes the client sees an ``httpx.RemoteProtocolError``."""

    def __init__(self) -> None:
        super().__init__("peer closed connection without sending complete message body (simulated drop)")


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


async def _respond(send: Send, status: int, body: bytes, content_type: bytes = b"application/json",
                   headers: list[tuple[bytes, bytes]] | None = None) -> None:
    raw = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": raw + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def _respond_error(send: Send, request_id: str, status: int, code: str, message: str,
                         headers: list[tuple[bytes, bytes]] | None = None,
                         details: dict[str, Any] | None = None) -> None:
    await _respond(send, status, _json_bytes(error_body(code, message, request_id, details)), headers=headers)


# ---------------------------------------------------------------------------------------------
# the layers
# ---------------------------------------------------------------------------------------------

_EDGE_HEADER_NAMES = frozenset({
    b"x-request-id", b"x-response-time", b"x-api-version",
    b"x-ratelimit-limit", b"x-ratelimit-remaining", b"x-ratelimit-reset",
})


class EdgeHeaders:
    """Outermost layer: gives the request its id, waits the fixed latency, stamps every response."""

    def __init__(self, app: ASGIApp, world: _World, latency: float, nominal: Rate | None) -> None:
        self.app = app
        self.world = world
        self.latency = latency
        # what X-RateLimit-* say when no bucket applies; None (limits off): no such headers,
        # since claiming a limit the server does not enforce would slow a header-led client
        self.nominal = nominal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        api_key = profile_id = idempotency_key = None
        for name, value in scope["headers"]:
            if name == b"x-api-key":
                api_key = value.decode("latin-1")
            elif name == b"idempotency-key":
                idempotency_key = value.decode("latin-1")
            elif name == b"x-profile-id":
                profile_id = value.decode("latin-1")
        request_id = new_request_id()
        now = self.world.clock.time()
        exchange = _Exchange(
            request_id=request_id,
            method=scope["method"],
            path=scope["path"],
            api_key=api_key,
            profile_id=profile_id,
            idempotency_key=idempotency_key,
            account=self.world.account_for_key(api_key) if api_key else None,
            limit=(int(self.nominal.per_minute), self.nominal.burst, math.ceil(now)) if self.nominal else None,
        )
        # starlette's request.state is scope["state"]; copy it so the server's dict stays untouched
        scope = {**scope, "state": {**scope.get("state", {}), "request_id": request_id}, _EXCHANGE: exchange}

        async def stamped_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed_ms = round((time.perf_counter() - started) * 1000)
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _EDGE_HEADER_NAMES]
                headers += [
                    (b"x-request-id", request_id.encode()),
                    (b"x-response-time", b"%dms" % elapsed_ms),
                    (b"x-api-version", API_VERSION.encode()),
                ]
                if exchange.limit is not None:
                    limit, remaining, reset = exchange.limit
                    headers += [
                        (b"x-ratelimit-limit", b"%d" % limit),
                        (b"x-ratelimit-remaining", b"%d" % remaining),
                        (b"x-ratelimit-reset", b"%d" % reset),
                    ]
                message = {**message, "headers": headers}
            await send(message)

        if self.latency > 0:
            await asyncio.sleep(self.latency)
        await self.app(scope, receive, stamped_send)


class RequestLimits:
    """Refuses requests over the limits in ``_validation`` before any other layer sees them.

    The body is read here, never more than ``MAX_BODY_BYTES`` of it (a larger ``Content-Length``
    is refused unread), and handed on whole, so the layers inside (idempotency included) and the
    handler see a bounded body. A refused request spends no rate-limit token and is not stored
    under its ``Idempotency-Key``.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            v.check_head(scope)
            body = await v.read_body(receive, scope["headers"])
        except ApiError as exc:
            await _respond_error(send, _exchange(scope).request_id, exc.status, exc.code, exc.message,
                                 details=exc.details)
            return
        except ClientDisconnect:  # gone before the body arrived: nothing to answer
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # a disconnect, for a handler that listens for one
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


_EPSILON = 1e-6  # float maths on Unix times (~2e-7 s apart): 0.3 s at 200/min is one token
_SENSITIVE = re.compile(
    r"^/v3/(?:webhooks/[^/]+/rotate-secret|users|profiles/[^/]+/complete|channels/voice/[^/]+/rotate-secret)/?$"
)
_SEND = re.compile(r"^/v3/messages/?$")


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


class RateLimiter:
    """Token buckets per account; unknown or missing keys pass through to get their 401."""

    def __init__(self, app: ASGIApp, world: _World, limits: RateLimits) -> None:
        self.app = app
        self.world = world
        self.limits = limits
        self.buckets: dict[tuple[str, str], _Bucket] = {}

    def rates_for(self, method: str, path: str) -> list[tuple[str, Rate]]:
        """The buckets a request spends from, the most specific first."""
        rates = [("standard", self.limits.standard)]
        if method == "POST" and _SEND.match(path):
            rates.insert(0, ("send", self.limits.send_rate(getattr(self.world, "tier", None))))
        elif method == "POST" and _SENSITIVE.match(path):
            rates.insert(0, ("sensitive", self.limits.sensitive))
        return rates

    def _refilled(self, account: str, name: str, rate: Rate, now: float) -> _Bucket:
        bucket = self.buckets.get((account, name))
        if bucket is None:
            bucket = self.buckets[(account, name)] = _Bucket(float(rate.burst), now)
        elif now > bucket.updated:
            bucket.tokens = min(float(rate.burst), bucket.tokens + (now - bucket.updated) * rate.per_second)
            bucket.updated = now
        return bucket

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exchange(scope).account is None:
            await self.app(scope, receive, send)
            return
        exchange = _exchange(scope)
        now = self.world.clock.time()
        rates = self.rates_for(exchange.method, exchange.path)
        buckets = [(rate, self._refilled(exchange.account, name, rate, now)) for name, rate in rates]
        empty = [(rate, bucket) for rate, bucket in buckets if bucket.tokens < 1.0 - _EPSILON]
        if empty:
            # the bucket that frees up last decides when to come back
            rate, bucket = max(empty, key=lambda rb: (1.0 - rb[1].tokens) / rb[0].per_second)
            wait = (1.0 - bucket.tokens) / rate.per_second
            exchange.limit = (int(rate.per_minute), 0, math.ceil(now + (rate.burst - bucket.tokens) / rate.per_second))
            retry_after = max(1, math.ceil(wait))
            await _respond_error(send, exchange.request_id, 429, "BUSINESS_002", "Rate limit exceeded",
                                 headers=[(b"retry-after", b"%d" % retry_after)])
            return
        for _, bucket in buckets:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
        rate, bucket = buckets[0]
        exchange.limit = (int(rate.per_minute), math.floor(bucket.tokens + _EPSILON),
                          math.ceil(now + (rate.burst - bucket.tokens) / rate.per_second))
        await self.app(scope, receive, send)


_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)

_ERROR_FAULTS = {
    "500": (500, "INTERNAL_001", "Unexpected internal server error"),
    "502": (502, "INTERNAL_003", "External service error (SMS/WhatsApp provider)"),
    "503": (503, "INTERNAL_005", "Service temporarily unavailable"),
}


class FaultInjector:
    """Seeded faults. Each request draws the same four numbers, so a seed and the order of
    requests decide exactly which requests fail."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults
        self.rng = random.Random(faults.seed)

    def draw(self) -> tuple[str | None, bool, float]:
        """(fault replacing the handler or None, truncate?, extra delay in seconds)."""
        pick, cut, slow, jitter = (self.rng.random() for _ in range(4))
        chosen = None
        for name, p in self.faults.before_handler():
            if pick < p:
                chosen = name
                break
            pick -= p
        delay = (self.faults.slow_delay if slow < self.faults.slow else 0.0) + jitter * self.faults.jitter
        return chosen, cut < self.faults.truncate, delay

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _exchange(scope)
        fault, truncate, delay = self.draw()
        if delay > 0:
            await asyncio.sleep(delay)
        if fault == "drop":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise DroppedConnection()
        if fault == "html":
            await _respond(send, 502, _HTML_502, content_type=b"text/html")
            return
        if fault == "429":
            # a spurious 429 looks like a real one, whether or not limits are enforced
            limit, _, reset = exchange.limit or (int(RateLimits().standard.per_minute), 0, 0)
            exchange.limit = (limit, 0, reset or math.ceil(time.time()) + 1)
            await _respond_error(send, exchange.request_id, 429, "BUSINESS_002", "Rate limit exceeded",
                                 headers=[(b"retry-after", b"1")])
            return
        if fault in _ERROR_FAULTS:
            status, code, message = _ERROR_FAULTS[fault]
            extra = [(b"retry-after", b"1")] if status == 503 else []
            await _respond_error(send, exchange.request_id, status, code, message, headers=extra)
            return
        if truncate:
            await self._truncated(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the handler, then send only the first half of its body (with a matching length)."""
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, hold)
        if start is None:
            return
        body = b"".join(chunks)
        cut = body[: len(body) // 2]
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(cut)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": cut})


_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_MUTATIONS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    request_id: str
    expires: float


class Idempotency:
    """Replays the first response to a repeated ``Idempotency-Key`` (api/idempotency.md).

    Keys are scoped by API key, ``x-profile-id``, method and path; the payload is not compared
    (the docs: a reused key with another body gets the original response). Responses below 500
    are kept for ``ttl`` seconds of world time; 5xx are not, so a retry after a server error runs.
    """

    def __init__(self, app: ASGIApp, clock: _Clock, ttl: float) -> None:
        self.app = app
        self.clock = clock
        self.ttl = ttl
        self.stored: dict[tuple[str | None, ...], _Stored] = {}
        self.in_flight: set[tuple[str | None, ...]] = set()
        self._sweep_at = 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _exchange(scope)
        key = exchange.idempotency_key
        if key is None or exchange.method not in _MUTATIONS or exchange.account is None:
            await self.app(scope, receive, send)
            return
        if not _IDEMPOTENCY_KEY.match(key):
            await _respond_error(send, exchange.request_id, 400, "VALIDATION_007", "Invalid Idempotency-Key format")
            return
        # per API key (profile keys share their organization's account, not its responses)
        scoped = (exchange.api_key, exchange.profile_id, exchange.method, exchange.path.rstrip("/"), key)
        now = self.clock.time()
        stored = self.stored.get(scoped)
        if stored is not None and stored.expires <= now:
            del self.stored[scoped]
            stored = None
        if stored is not None:
            headers = [*stored.headers, (b"idempotent-replayed", b"true"),
                       (b"x-original-request-id", stored.request_id.encode())]
            await send({"type": "http.response.start", "status": stored.status, "headers": headers})
            await send({"type": "http.response.body", "body": stored.body})
            return
        if scoped in self.in_flight:
            await _respond_error(send, exchange.request_id, 409, "CONFLICT_001",
                                 "Concurrent idempotent request in progress")
            return
        self.in_flight.add(scoped)
        try:
            await self._run_and_store(scope, receive, send, scoped, exchange.request_id)
        finally:
            self.in_flight.discard(scoped)

    async def _run_and_store(self, scope: Scope, receive: Receive, send: Send,
                             scoped: tuple[str | None, ...], request_id: str) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def tee(message: Message) -> None:  # streams through while keeping a copy
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, tee)
        if start is None or start["status"] >= 500:
            return
        now = self.clock.time()
        if len(self.stored) >= self._sweep_at:
            self.stored = {k: v for k, v in self.stored.items() if v.expires > now}
            self._sweep_at = max(1024, 2 * len(self.stored))
        self.stored[scoped] = _Stored(start["status"], list(start.get("headers", [])), b"".join(chunks),
                                      request_id, now + self.ttl)


def edge(app: ASGIApp, world: _World, config: SimulatorConfig) -> ASGIApp:
    """Wrap ``app`` (the routes) in the edge layers ``config`` asks for; layers that would do
    nothing are left out, so the default costs a header stamp, a bucket and a dict lookup."""
    wrapped = Idempotency(app, world.clock, config.idempotency_ttl)
    if config.faults.active:
        wrapped = FaultInjector(wrapped, config.faults)
    if config.rate_limits is not None:
        wrapped = RateLimiter(wrapped, world, config.rate_limits)
    nominal = config.rate_limits.standard if config.rate_limits else None
    return EdgeHeaders(RequestLimits(wrapped), world, config.latency, nominal)
