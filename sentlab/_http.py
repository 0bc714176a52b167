"""One API request, done properly: auth and profile headers, idempotency key, pacing, retries, envelope, typed error."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._config import DEFAULT_LIMITS, DEFAULT_RETRIES, Limits, Retries
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    Secret,
    SentError,
    UnexpectedResponseError,
    detached,
    error_class,
    parse_retry_after,
    redact,
)
from ._ratelimit import Limiter

logger = logging.getLogger("sentlab")

USER_AGENT = "sentlab/0.1 (+httpx)"
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


@dataclass
class Reply:
    """A successful response: the envelope's ``data`` and ``meta``, with the status and headers."""

    status: int
    data: Any
    meta: dict[str, Any]
    headers: httpx.Headers
    request_id: str | None


@dataclass
class Stats:
    """Counters of what a client did, for progress lines, tests and benchmarks."""

    requests: int = 0  # HTTP attempts sent
    retries: int = 0
    rate_limited: int = 0  # 429 responses received
    errors: int = 0  # calls that ended in an exception
    seconds_waiting: float = 0.0  # spent in backoff sleeps
    by_status: dict[int, int] = field(default_factory=dict)


class Requester:
    """Sends API requests for one key and base URL over one ``httpx.AsyncClient``.

    The clients make one each; here, on the simulated account's loopback address (``base_url``;
    the API's is https://api.sent.dm):

    >>> from sentlab import Pacing
    >>> requester = Requester(api_key=Secret(key), base_url=base_url, limiter=Limiter(Pacing()))
    >>> reply = await requester.request("GET", "/v3/me")
    >>> reply.status, reply.data["type"]
    (200, 'organization')
    >>> await requester.aclose()
    """

    def __init__(
        self,
        *,
        api_key: Secret,
        base_url: str,
        limiter: Limiter,
        retries: Retries = DEFAULT_RETRIES,
        limits: Limits = DEFAULT_LIMITS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.limiter = limiter
        self.retries = retries
        self.limits = limits
        self.stats = Stats()
        # revealed per request only, so no long-lived object (or traceback local) holds it in clear
        self._secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        self._slots: asyncio.Semaphore | None = None
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            headers={"user-agent": USER_AGENT, "accept": "application/json"},
            timeout=httpx.Timeout(limits.timeout_seconds, connect=limits.connect_timeout_seconds),
            limits=httpx.Limits(max_connections=max(10, 2 * limits.concurrency)),
        )

    def __repr__(self) -> str:
        return f"Requester(base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def slots(self) -> asyncio.Semaphore:
        """At most ``limits.concurrency`` requests of this client in flight, whatever asks for them."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limits.concurrency)
        return self._slots

    def redact(self, value: Any) -> Any:
        return redact(value, [self._secret.reveal()])

    def _refuse_key_in(self, path: str, params: dict[str, Any] | None, json_body: Any, profile_id: str | None) -> None:
        """A ConfigurationError, before any request, when the API key was pasted into an id, a
        query value or a body: it would travel in a URL (and so into logs) or in a record."""
        key = self._secret.reveal()
        places = {"the path (an id)": path, "x-profile-id": profile_id or "",
                  "a query parameter": " ".join(map(str, (params or {}).values()))}  # fmt: skip
        if json_body is not None:
            places["the request body"] = json.dumps(json_body, default=str)
        for place, text in places.items():
            if key in text:
                raise ConfigurationError(
                    f"the API key was given as {place} (not shown, nothing sent): pass it only as "
                    "api_key=; ids are the records' UUIDs"
                )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        profile_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Reply:
        """Send, retrying what is safe to retry, and return the envelope's data or raise a typed error."""
        method = method.upper()
        self._refuse_key_in(path, params, json_body, profile_id)
        headers: dict[str, str] = {}
        if profile_id:
            headers["x-profile-id"] = profile_id
        if method in ("POST", "PUT", "PATCH"):
            # Every mutation carries a key, so a retry can never do the thing twice.
            headers["Idempotency-Key"] = idempotency_key or uuid.uuid4().hex
        idempotent = method in _SAFE_METHODS or "Idempotency-Key" in headers
        params = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(method, path, params, json_body, headers, attempt)
            except SentError as error:
                delay = self._retry_delay(error, method, attempt, idempotent, started)
                if delay is None:
                    self.stats.errors += 1
                    raise detached(error) from None  # nothing from httpx (its request has the key) rides along
                self.stats.retries += 1
                self.stats.seconds_waiting += delay
                logger.info("retrying %s %s in %.2fs after: %s", method, path, delay, _first_line(error))
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        json_body: Any,
        headers: dict[str, str],
        attempt: int,
    ) -> Reply:
        url = self.redact(str(self._http.base_url.join(path)))
        async with self.slots:
            reservations = await self.limiter.acquire(method, path)
            sent = time.monotonic()
            self.stats.requests += 1
            failure: SentError | None = None
            try:
                response = await self._http.request(
                    method,
                    path,
                    params=params or None,
                    json=json_body,
                    headers={"x-api-key": self._secret.reveal(), **headers},
                )
            except httpx.TimeoutException as exc:
                failure = APITimeoutError(
                    f"{method} {url} timed out ({type(exc).__name__}) after "
                    f"{time.monotonic() - sent:.1f}s: the API is slow or unreachable; "
                    "check base_url and your network, or raise Limits(timeout_seconds=...)",
                    method=method,
                    url=url,
                )
            except httpx.ConnectError as exc:
                failure = APIConnectionError(
                    f"could not connect to {self.base_url} ({self.redact(str(exc)) or type(exc).__name__}): "
                    "check base_url / SENT_BASE_URL, your network or proxy, and that the server is up",
                    method=method,
                    url=url,
                )
            except httpx.TransportError as exc:
                failure = APIConnectionError(
                    f"{method} {url}: the connection failed mid-request "
                    f"({type(exc).__name__}: {self.redact(str(exc))})",
                    method=method,
                    url=url,
                )
            if failure is not None:
                # raised outside the except blocks: its __context__ is not the httpx exception
                raise detached(failure)
            status = response.status_code
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            if status == 429:
                self.stats.rate_limited += 1
            self.limiter.observe(reservations, response.headers, status)
        logger.debug(
            "%s %s -> %s (%.0f ms)", method, url, status, 1000 * (time.monotonic() - sent)
        )
        if method == "DELETE" and status == 404 and attempt > 1:
            # An earlier attempt deleted it and its answer was lost: the goal is reached.
            return Reply(status, None, {}, response.headers, response.headers.get("x-request-id"))
        return self._parse(response, method, url)

    def _parse(self, response: httpx.Response, method: str, url: str) -> Reply:
        status = response.status_code
        headers = response.headers
        request_id = headers.get("x-request-id")
        context = dict(method=method, url=url, status=status, request_id=request_id)
        if status == 204 or (200 <= status < 300 and not response.content):
            return Reply(status, None, {}, headers, request_id)
        try:
            body = json.loads(response.content)
        except ValueError:
            body = _NOT_JSON
        if body is _NOT_JSON:
            raise UnexpectedResponseError(
                self.redact(
                    f"expected a JSON envelope from the Sent API, got {_describe_body(response)}: "
                    "is base_url the API (not a web page or a proxy)?"
                ),
                headers=dict(headers),
                **context,
            )
        if not isinstance(body, dict) or not ({"success", "data", "error"} & body.keys()):
            raise UnexpectedResponseError(
                self.redact(
                    f"the response is JSON but not the API's envelope ({_describe_json(body)}): "
                    "is base_url the Sent API?"
                ),
                headers=dict(headers),
                **context,
            )
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        context["request_id"] = meta.get("request_id") or request_id
        if 200 <= status < 300 and body.get("success") is not False:
            return Reply(status, body.get("data"), meta, headers, context["request_id"])
        error = body.get("error")
        if not isinstance(error, dict):
            raise UnexpectedResponseError(
                f"HTTP {status} without an error object in the envelope", headers=dict(headers), **context
            )
        code = error.get("code")
        cls = error_class(status, code)
        raise cls(
            self.redact(str(error.get("message") or f"HTTP {status}")),
            code=code,
            details=self.redact(error.get("details")),
            doc_url=error.get("doc_url"),
            headers={k: v for k, v in headers.items() if k.lower() != "set-cookie"},
            **context,
        )

    def _retry_delay(
        self, error: SentError, method: str, attempt: int, idempotent: bool, started: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the error is final."""
        retries = self.retries
        retry_after: float | None = None
        if isinstance(error, APIConnectionError) and not isinstance(error, APITimeoutError):
            refused = "could not connect" in error.message
            if attempt >= (retries.connect_attempts if refused else retries.attempts):
                return None
            if not refused and not idempotent:
                return None  # the request may have arrived: only a keyed POST may go again
        elif isinstance(error, APITimeoutError):
            if not idempotent or attempt >= retries.attempts:
                return None
        elif isinstance(error, APIError):
            status = error.status or 0
            retryable = status in _RETRY_STATUSES or (status == 409 and error.code == "CONFLICT_001")
            if isinstance(error, UnexpectedResponseError):
                retryable = status >= 500 or 200 <= status < 300  # a proxy's page or a truncated body
            if not retryable or not idempotent or attempt >= retries.attempts:
                return None
            retry_after = parse_retry_after(error.headers.get("retry-after"))
        else:
            return None
        backoff = random.uniform(0, min(retries.max_backoff_seconds, retries.backoff_seconds * 2 ** (attempt - 1)))
        delay = backoff if retry_after is None else retry_after + 0.1 * backoff
        if time.monotonic() - started + delay > retries.total_seconds:
            return None
        return delay


_NOT_JSON = object()


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _describe_body(response: httpx.Response) -> str:
    kind = response.headers.get("content-type", "no content-type").split(";")[0]
    text = response.text.strip()
    if "<html" in text[:500].lower() or kind == "text/html":
        kind = "an HTML page"
    excerpt = " ".join(text[:120].split())
    return f"{kind} of {len(response.content)} bytes ({excerpt!r}…)" if excerpt else f"an empty {kind} body"


def _describe_json(body: Any) -> str:
    if isinstance(body, dict):
        return "keys " + ", ".join(sorted(map(str, body))[:6])
    return type(body).__name__
