"""What the client decides before any request: settings with their defaults, where they come from, valid input."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from ._errors import ConfigurationError

DEFAULT_BASE_URL = "https://api.sent.dm"
KEY_VARIABLES = ("SENT_DM_API_KEY", "SENT_API_KEY")  # the official SDK's name first, then the docs'
BASE_URL_VARIABLE = "SENT_BASE_URL"
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class Retries:
    """How hard to retry a failed request.

    >>> SentClient(api_key, retries=Retries(attempts=3, total_seconds=20))
    """

    attempts: int = 5  # tries in all, the first included
    backoff_seconds: float = 0.5  # base of the exponential backoff (full jitter)
    max_backoff_seconds: float = 20.0  # one wait is never longer
    total_seconds: float = 90.0  # a request gives up when the next wait would cross this
    connect_attempts: int = 2  # a refused connection is rarely fixed by waiting: fail fast

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.connect_attempts < 1:
            raise ConfigurationError("Retries: attempts and connect_attempts must be at least 1")


NO_RETRIES = Retries(attempts=1, connect_attempts=1)


@dataclass(frozen=True)
class Pacing:
    """The client-side rate limit, per account (documented standard tier by default).

    ``learn=True`` lets X-RateLimit-* response headers correct the rate and the remaining budget.

    >>> SentClient(api_key, pacing=Pacing(per_minute=600, burst=50))
    >>> SentClient(api_key, pacing=None)          # no client-side limit at all
    """

    per_minute: float = 200.0
    burst: int = 50
    sensitive_per_minute: float = 10.0  # rotate-secret, user invitation, profile completion
    sensitive_burst: int = 5
    send_per_minute: float = 60.0  # POST /v3/messages, the Starter tier
    send_burst: int = 10
    learn: bool = True
    safety: float = 1.0  # fraction of the learned rate to use
    reserve: float = 1.0  # tokens kept in hand: absorbs network jitter (1 token = 0.3 s at 200/min)

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ConfigurationError("Pacing: per_minute must be > 0 and burst >= 1")


@dataclass(frozen=True)
class Limits:
    """Concurrency and timeouts of one client."""

    concurrency: int = 8  # requests in flight at once for pagination and fan-out
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ConfigurationError("Limits: concurrency must be at least 1")


DEFAULT_RETRIES = Retries()
DEFAULT_PACING = Pacing()
DEFAULT_LIMITS = Limits()


def resolve_api_key(api_key: str | None, *, cwd: Path | None = None) -> tuple[str | None, str]:
    """The key and where it came from: argument, SENT_DM_API_KEY, SENT_API_KEY, then ``.env`` in cwd.

    The ``.env`` file is read without touching ``os.environ``.
    """
    if api_key is not None:
        return api_key, "argument"
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name], name
    env_file = (cwd or Path.cwd()) / ".env"
    if env_file.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(env_file)
        for name in KEY_VARIABLES:
            if values.get(name):
                return values[name], f".env ({name})"
    return None, "none"


def resolve_base_url(base_url: str | None) -> tuple[str | None, str]:
    """The base URL and where it came from: argument, then SENT_BASE_URL; None when neither is set."""
    if base_url is not None:
        return base_url, "argument"
    if os.environ.get(BASE_URL_VARIABLE):
        return os.environ[BASE_URL_VARIABLE], BASE_URL_VARIABLE
    return None, "none"


_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")


def check_api_key(api_key: str | None) -> str:
    """The key, stripped, or ConfigurationError saying what is wrong with it (never echoing it)."""
    if api_key is None or not str(api_key).strip():
        raise ConfigurationError(
            "the API key is empty: pass connect(api_key=...) or set SENT_DM_API_KEY "
            "(or call connect() with neither a key nor a base URL for the built-in simulator)"
        )
    key = str(api_key).strip()
    if not _HEADER_SAFE.match(key):
        raise ConfigurationError(
            "the API key contains spaces or characters not allowed in an HTTP header: "
            "copy it again from the Sent dashboard"
        )
    return key


def check_base_url(base_url: str) -> str:
    """An absolute http(s) URL without a trailing slash, or ConfigurationError."""
    url = str(base_url).strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigurationError(
            f"base_url {base_url!r} is not an http(s) URL; expected e.g. {DEFAULT_BASE_URL!r}"
        )
    if url.endswith("/v3"):
        url = url[: -len("/v3")]  # a common slip: paths already start with /v3
    return url


def check_uuid(value: object, what: str) -> str:
    """``value`` as a canonical lowercase UUID string, or ConfigurationError naming ``what``."""
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError, TypeError):
        raise ConfigurationError(
            f"{what} {value!r} is not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        ) from None


def check_phone(value: object) -> str:
    """``value`` as an E.164 number, or ConfigurationError. Possible-but-unassigned numbers pass:
    whether a number is *valid* is the lookup endpoint's question, not a local one."""
    import phonenumbers

    text = str(value).strip() if value is not None else ""
    hint = "use E.164 with the country code, e.g. '+14155551234'"
    if not text:
        raise ConfigurationError(f"the phone number is empty: {hint}")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith(("+", "tel:")):
        raise ConfigurationError(f"{text!r} has no country code: {hint}")
    try:
        parsed = phonenumbers.parse(text.removeprefix("tel:"), None)
    except phonenumbers.NumberParseException:
        raise ConfigurationError(f"{text!r} is not a phone number: {hint}") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ConfigurationError(f"{text!r} has the wrong length for its country: {hint}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def check_page_size(page_size: object) -> int:
    """``page_size`` if it is an int in 1..100, else ConfigurationError."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise ConfigurationError(f"page_size must be an integer in 1..{MAX_PAGE_SIZE}, not {page_size!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"page_size must be in 1..{MAX_PAGE_SIZE} (the API's maximum is {MAX_PAGE_SIZE}), not {page_size}"
        )
    return page_size
