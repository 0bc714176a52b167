"""Errors: one hierarchy rooted at ``SentError``, mapped from the API's status and error code.

>>> try:
...     lab.api.contact("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
... except sentlab.NotFoundError as exc:
...     print(exc.status, exc.code)
404 RESOURCE_001

``SentError``
├── ``ConfigurationError``   bad local input, raised before any request (also a ``ValueError``)
├── ``APIError``             the API answered with an error (or with something that is not the API)
│   ├── ``AuthenticationError``     401 AUTH_001 / AUTH_002
│   ├── ``PermissionDeniedError``   403 AUTH_004..AUTH_007
│   ├── ``ValidationError``         400 / 422, VALIDATION_* (``details`` holds the per-field messages)
│   ├── ``NotFoundError``           404 RESOURCE_*
│   ├── ``ConflictError``           409 RESOURCE_007, CONFLICT_001
│   ├── ``RateLimitError``          429 BUSINESS_002 (``retry_after`` in seconds)
│   ├── ``ServerError``             5xx
│   └── ``UnexpectedResponseError`` non-JSON body, no envelope, an HTML page from a proxy
└── ``APIConnectionError``   no answer at all (refused, DNS, reset)
    └── ``APITimeoutError``
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REDACTED = "***"


class SentError(Exception):
    """Root of every error sentlab raises on purpose.

    >>> try:
    ...     lab.messages(since="2026-11-02", until="2026-11-01")
    ... except sentlab.SentError as exc:    # any sentlab error: local, API or connection
    ...     print(exc)
    until (2026-11-01 00:00:00+00:00) must be later than since (2026-11-02 00:00:00+00:00)
    """


class ConfigurationError(SentError, ValueError):
    """Bad local input (empty key, page_size out of range, malformed id…), caught before any request.

    >>> sentlab.connect(api_key="")
    Traceback (most recent call last):
    ConfigurationError: the API key is empty: pass connect(api_key=...) or set SENT_DM_API_KEY ...
    """


class APIConnectionError(SentError):
    """The API could not be reached (connection refused, DNS failure, connection reset).

    >>> try:
    ...     sentlab.connect(api_key="sk_test_example", base_url="http://127.0.0.1:9")
    ... except sentlab.APIConnectionError as exc:
    ...     print(exc.method, exc.url)
    GET http://127.0.0.1:9/v3/me
    """

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """The API did not answer within the configured timeout.

    >>> client = sentlab.SentClient(key, limits=sentlab.Limits(timeout_seconds=5))
    >>> try:
    ...     client.contacts()
    ... except sentlab.APITimeoutError:
    ...     ...                               # slower network: raise timeout_seconds
    """


# What to do about a code, shown under the message (from the docs' error catalog).
_HINTS: dict[str, str] = {
    "AUTH_001": "send a key: connect(api_key=...) or set SENT_DM_API_KEY",
    "AUTH_002": "the API key is wrong or expired: check it in the Sent dashboard",
    "AUTH_004": "this key's role may not do this; profile keys may not send x-profile-id",
    "AUTH_005": "the account is not active yet",
    "AUTH_006": "complete KYC verification for this account",
    "AUTH_007": "configure a messaging channel for this account",
    "BUSINESS_002": "too many requests: sentlab retried with backoff; lower concurrency or wait",
    "BUSINESS_003": "insufficient balance: add funds to the account",
    "BUSINESS_005": "the template is not approved for sending yet",
    "CONFLICT_001": "the same Idempotency-Key is being processed: wait and retry",
    "RESOURCE_007": "it already exists: update the existing resource instead",
    "VALIDATION_007": "Idempotency-Key must be 1-255 letters, digits, '-' or '_'",
}


class APIError(SentError):
    """The API answered with an error envelope (or a body that is not the API's).

    Carries ``status``, ``code``, ``message``, ``details``, ``doc_url``, ``request_id``,
    ``method`` and ``url``; never the API key.

    >>> try:
    ...     lab.api.template("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    ... except sentlab.APIError as exc:
    ...     print(exc.status, exc.code, exc.method, exc.url)
    404 ...
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        doc_url: str | None = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.details = details
        self.doc_url = doc_url
        self.request_id = request_id
        self.method = method
        self.url = url
        self.headers = headers or {}

    def __str__(self) -> str:
        head = " ".join(str(part) for part in (self.status, self.code) if part)
        lines = [f"{head}: {self.message}" if head else self.message]
        if isinstance(self.details, dict):
            for field, problems in self.details.items():
                if isinstance(problems, list | tuple):
                    problems = "; ".join(str(p) for p in problems)
                lines.append(f"  {field}: {problems}")
        elif self.details:
            lines.append(f"  {self.details}")
        hint = _HINTS.get(self.code or "")
        if hint:
            lines.append(f"  → {hint}")
        where = " ".join(part for part in (self.method, self.url) if part)
        context = ", ".join(
            part for part in (where, f"request_id {self.request_id}" if self.request_id else "") if part
        )
        if context:
            lines.append(f"  ({context})")
        if self.doc_url:
            lines.append(f"  docs: {self.doc_url}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class AuthenticationError(APIError):
    """401: the key is missing, wrong or expired.

    >>> sentlab.connect(api_key="sk_live_wrong0000")
    Traceback (most recent call last):
    AuthenticationError: 401 AUTH_002: ...
    """


class PermissionDeniedError(APIError):
    """403: the key may not do this (role, account state, or a profile key sending x-profile-id).

    >>> try:
    ...     lab.api.with_profile(other_profile_id).contacts()
    ... except sentlab.PermissionDeniedError as exc:
    ...     print(exc.code)
    AUTH_004
    """


class ValidationError(APIError):
    """400/422: the request was rejected; ``details`` maps each field to its problems.

    >>> contact_id = lab.contacts().id.iloc[0]
    >>> try:
    ...     lab.api.update_contact(contact_id, default_channel="pigeon")
    ... except sentlab.ValidationError as exc:
    ...     print(exc.details)
    {'default_channel': ['Must be one of: sms, whatsapp, rcs, mms']}
    """


class NotFoundError(APIError):
    """404: no such contact, template, message, webhook, profile or number.

    >>> try:
    ...     lab.api.contact("6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    ... except sentlab.NotFoundError as exc:
    ...     print(exc.code)
    RESOURCE_001
    """


class ConflictError(APIError):
    """409: the resource exists already, or the same Idempotency-Key is in progress (CONFLICT_001).

    >>> contact = lab.contacts().iloc[0]            # a profile's contact, created again
    >>> try:
    ...     lab.api.with_profile(contact.profile_id).create_contact(contact.phone_number)
    ... except sentlab.ConflictError as exc:
    ...     print(exc.code)
    RESOURCE_007
    """


class RateLimitError(APIError):
    """429 BUSINESS_002, still failing after the retries; ``retry_after`` is the server's advice in seconds.

    >>> try:
    ...     contacts = lab.api.contacts()
    ... except sentlab.RateLimitError as exc:
    ...     time.sleep(exc.retry_after or 60)
    """

    @property
    def retry_after(self) -> float | None:
        return parse_retry_after(self.headers.get("retry-after"))


class ServerError(APIError):
    """5xx: the API failed; sentlab already retried.

    >>> try:
    ...     account = lab.api.me()
    ... except sentlab.ServerError as exc:
    ...     print(exc.status, exc.request_id)     # quote the request id to Sent's support
    """


class UnexpectedResponseError(APIError):
    """The body is not the API's envelope: not JSON, truncated, or an HTML page from a proxy.

    >>> try:
    ...     sentlab.connect(api_key=key, base_url="https://example.com")
    ... except sentlab.UnexpectedResponseError as exc:
    ...     print(exc.status, exc.url)
    """


_BY_STATUS: dict[int, type[APIError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitError,
}

_BY_CODE_PREFIX: dict[str, type[APIError]] = {
    "VALIDATION": ValidationError,
    "CONFLICT": ConflictError,
    "INTERNAL": ServerError,
    "SERVICE": ServerError,
}

_BY_CODE: dict[str, type[APIError]] = {
    "AUTH_001": AuthenticationError,
    "AUTH_002": AuthenticationError,
    "BUSINESS_002": RateLimitError,
    "RESOURCE_007": ConflictError,
}


def error_class(status: int, code: str | None) -> type[APIError]:
    """The exception class for an error response: the code decides, else the status."""
    if code:
        if code in _BY_CODE:
            return _BY_CODE[code]
        if code.startswith("AUTH_"):
            return PermissionDeniedError if status == 403 else AuthenticationError
        if code.startswith("RESOURCE_") and status == 404:
            return NotFoundError
        prefix = code.split("_", 1)[0]
        if prefix in _BY_CODE_PREFIX:
            return _BY_CODE_PREFIX[prefix]
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIError)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or garbled."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime
    from time import time

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


class Secret:
    """Holds the API key wherever it travels; its repr, str and vars never show it (only ``reveal()`` does).

    Tracebacks that print local variables (IPython's verbose mode, ``pytest -l``, error
    trackers) then show ``Secret('***')`` in every frame the key passes through.

    >>> Secret("sk_live_abc"), f"{Secret('sk_live_abc')}"
    (Secret('***'), "Secret('***')")
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("an API key (sentlab Secret) is never pickled")


def detached(error: BaseException) -> BaseException:
    """``error`` with its exception chain cut: the httpx exception that caused it holds the
    request, and so the ``x-api-key`` header, in clear (see ``docs/client.md``)."""
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    return error


def redact(value: Any, secrets: Iterable[str]) -> Any:
    """``value`` with every secret replaced by ``***``, through strings, lists and dicts."""
    secrets = [s for s in secrets if s]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {redact(k, secrets): redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact(v, secrets) for v in value)
    return value
