"""What the client decides before any request: settings with their defaults, where they come from, valid input."""

from __future__ import annotations

import math
import os
import re
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ._errors import ConfigurationError, Secret

DEFAULT_BASE_URL = "https://api.sent.dm"
KEY_VARIABLES = ("SENT_DM_API_KEY", "SENT_API_KEY")  # the official SDK's name first, then the docs'
BASE_URL_VARIABLE = "SENT_BASE_URL"
MAX_PAGE_SIZE = 100


def _check_settings(settings: object, rules: dict[str, tuple[str, float, float | None]]) -> None:
    """Each field of a settings object against ``rules``: name -> (kind, lowest, highest), where kind
    is ``"int"``, ``"number"`` (lowest excluded when it is 0 and the rule says ``"positive"``) or
    ``"positive"``; a ConfigurationError naming the field and the fix, never a silent odd value."""
    owner = type(settings).__name__
    for item in fields(settings):  # type: ignore[arg-type]
        if item.name not in rules:
            continue
        kind, lowest, highest = rules[item.name]
        value = getattr(settings, item.name)
        wanted = "a whole number" if kind == "int" else "a number"
        bound = f"> {lowest:g}" if kind == "positive" else f">= {lowest:g}"
        if highest is not None:
            bound += f" and <= {highest:g}"
        fix = f"{owner}({item.name}=...) must be {wanted} {bound}, not {value!r} (default {item.default!r})"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigurationError(fix)
        if kind == "int" and not isinstance(value, int):
            raise ConfigurationError(fix)
        if not math.isfinite(value) or value < lowest or (kind == "positive" and value == lowest):
            raise ConfigurationError(fix)
        if highest is not None and value > highest:
            raise ConfigurationError(fix)


@dataclass(frozen=True)
class Retries:
    """How hard to retry a failed request.

    >>> sentlab.connect(retries=sentlab.Retries(attempts=3, total_seconds=20))  # the demo: pass your key
    <Lab ... · simulator>
    """

    attempts: int = 5  # tries in all, the first included
    backoff_seconds: float = 0.5  # base of the exponential backoff (full jitter)
    max_backoff_seconds: float = 20.0  # one wait is never longer
    total_seconds: float = 90.0  # a request gives up when the next wait would cross this
    connect_attempts: int = 2  # a refused connection is rarely fixed by waiting: fail fast

    def __post_init__(self) -> None:
        _check_settings(self, {"attempts": ("int", 1, None), "connect_attempts": ("int", 1, None),
                               "backoff_seconds": ("number", 0, None), "max_backoff_seconds": ("number", 0, None),
                               "total_seconds": ("positive", 0, None)})  # fmt: skip


NO_RETRIES = Retries(attempts=1, connect_attempts=1)


@dataclass(frozen=True)
class Pacing:
    """The client-side rate limit, per account (documented standard tier by default).

    ``learn=True`` lets X-RateLimit-* response headers correct the rate and the remaining budget.

    >>> sentlab.connect(pacing=sentlab.Pacing(per_minute=600, burst=50))  # the demo: pass your key
    <Lab ... · simulator>
    >>> sentlab.connect(pacing=None)          # no client-side limit at all
    <Lab ... · simulator>
    """

    per_minute: float = 200.0
    burst: int = 50
    sensitive_per_minute: float = 10.0  # rotate-secret, user invitation, profile completion
    sensitive_burst: int = 5
    send_per_minute: float = 60.0  # POST /v3/messages, the Starter tier
    send_burst: int = 10
    learn: bool = True
    reserve: float = 1.0  # tokens kept in hand: absorbs network jitter (1 token = 0.3 s at 200/min)

    def __post_init__(self) -> None:
        _check_settings(self, {"per_minute": ("positive", 0, None), "burst": ("int", 1, None),
                               "sensitive_per_minute": ("positive", 0, None), "sensitive_burst": ("int", 1, None),
                               "send_per_minute": ("positive", 0, None), "send_burst": ("int", 1, None),
                               "reserve": ("number", 0, None)})  # fmt: skip
        if not isinstance(self.learn, bool):
            raise ConfigurationError(f"Pacing(learn=...) must be True or False, not {self.learn!r}")


@dataclass(frozen=True)
class Limits:
    """Concurrency and timeouts of one client.

    >>> sentlab.connect(limits=sentlab.Limits(concurrency=4, timeout_seconds=60))  # the demo: pass your key
    <Lab ... · simulator>
    """

    concurrency: int = 8  # requests in flight at once for pagination and fan-out
    timeout_seconds: float = 30.0
    connect_timeout_seconds: float = 5.0

    def __post_init__(self) -> None:
        _check_settings(self, {"concurrency": ("int", 1, None), "timeout_seconds": ("positive", 0, None),
                               "connect_timeout_seconds": ("positive", 0, None)})  # fmt: skip


DEFAULT_RETRIES = Retries()
DEFAULT_PACING = Pacing()
DEFAULT_LIMITS = Limits()


def resolve_api_key(api_key: str | Secret | None, *, cwd: Path | None = None) -> tuple[Secret | None, str]:
    """The key (held in a ``Secret``) and where it came from: argument, SENT_DM_API_KEY,
    SENT_API_KEY, then ``.env`` in cwd. The ``.env`` file is read without touching ``os.environ``.

    >>> resolve_api_key("sk_live_abc")
    (Secret('***'), 'argument')
    """
    if api_key is not None:
        return (api_key if isinstance(api_key, Secret) else Secret(api_key)), "argument"
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return Secret(os.environ[name]), name
    env_file = (cwd or Path.cwd()) / ".env"
    if env_file.is_file():
        from dotenv import dotenv_values

        values = dotenv_values(env_file)
        for name in KEY_VARIABLES:
            if values.get(name):
                return Secret(values[name]), f".env ({name})"
    return None, "none"


def resolve_base_url(base_url: str | None) -> tuple[str | None, str]:
    """The base URL and where it came from: argument, then SENT_BASE_URL; None when neither is set.

    A SENT_BASE_URL that is set but empty is returned as "" (and refused by ``check_base_url``),
    never read as "unset", which would silently mean production.

    >>> resolve_base_url("http://127.0.0.1:8000")
    ('http://127.0.0.1:8000', 'argument')
    """
    if base_url is not None:
        return base_url, "argument"
    if BASE_URL_VARIABLE in os.environ:
        return os.environ[BASE_URL_VARIABLE], BASE_URL_VARIABLE
    return None, "none"


_HEADER_SAFE = re.compile(r"^[\x21-\x7e]+$")

#: What an API key looks like: a prefixed token (``sk_live_...``, ``sk_test_...``) or a long
#: random run of letters and digits. Used only to refuse such a value where it does not belong.
_KEY_SHAPED = re.compile(r"(?<![A-Za-z0-9])(?:[a-z]{2,4}_(?:live|test|prod)_[A-Za-z0-9_-]{8,}|[A-Za-z0-9]{32,})")


def looks_like_key(value: object) -> bool:
    """True when ``value`` holds something shaped like an API key (see ``_KEY_SHAPED``).

    >>> looks_like_key("sk_live_8f2a9c1e0b7d4f3a"), looks_like_key("660e8400-e29b-41d4-a716-446655440001")
    (True, False)
    """
    return isinstance(value, Secret) or (isinstance(value, str) and bool(_KEY_SHAPED.search(value)))


def mask_keys(text: str) -> str:
    """``text`` with every key-shaped run replaced by ``***``, for error messages that quote input.

    >>> mask_keys("https://sk_live_8f2a9c1e0b7d4f3a@api.sent.dm")
    'https://***@api.sent.dm'
    """
    return _KEY_SHAPED.sub("***", text)


def check_api_key(api_key: str | Secret | None) -> Secret:
    """The key, stripped, in a ``Secret``, or ConfigurationError saying what is wrong with it (never echoing it).

    >>> check_api_key(" sk_live_abc ")
    Secret('***')
    """
    text = api_key.reveal() if isinstance(api_key, Secret) else api_key
    if text is not None and not isinstance(text, str):
        raise ConfigurationError(
            f"the API key must be a string, not {type(text).__name__}: pass connect(api_key='...') "
            "or set SENT_DM_API_KEY"
        )
    if text is None or not text.strip():
        raise ConfigurationError(
            "the API key is empty: pass connect(api_key=...) or set SENT_DM_API_KEY "
            "(or call connect() with neither a key nor a base URL for the built-in simulator)"
        )
    if not _HEADER_SAFE.match(text.strip()):
        raise ConfigurationError(
            "the API key contains spaces or characters not allowed in an HTTP header: "
            "copy it again from the Sent dashboard"
        )
    return Secret(text.strip())


def check_base_url(base_url: object, source: str = "base_url") -> str:
    """An absolute http(s) URL without a trailing slash, or ConfigurationError saying what to fix.

    Refused: empty, not a string, not http(s), a query string or fragment, credentials
    (``user:password@``) and anything shaped like an API key (the key goes in ``api_key=``);
    the message never quotes a key-shaped part.

    >>> check_base_url("https://api.sent.dm/v3/")
    'https://api.sent.dm'
    """
    example = f"expected e.g. {DEFAULT_BASE_URL!r}"
    if not isinstance(base_url, str):
        raise ConfigurationError(f"{source} must be a string URL, not {type(base_url).__name__}: {example}")
    url = base_url.strip().rstrip("/")
    if not url:
        raise ConfigurationError(
            f"{source} is empty: {example}, or leave it unset (base_url=None, SENT_BASE_URL unset) for "
            "the production API; an empty value is never read as production"
        )
    shown = repr(mask_keys(url))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise ConfigurationError(f"{source} {shown} is not a valid URL: {example}") from None
    if parts.username is not None or parts.password is not None:
        raise ConfigurationError(
            f"{source} holds credentials (user:password@, not shown): remove them; the API key goes in "
            "api_key= or SENT_DM_API_KEY, never in the URL"
        )
    if looks_like_key(url):
        raise ConfigurationError(
            f"{source} {shown} holds something shaped like an API key (not shown): remove it; the key "
            "goes in api_key= or SENT_DM_API_KEY, never in the URL"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ConfigurationError(f"{source} {shown} is not an http(s) URL: {example}")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise ConfigurationError(
            f"{source} {shown} has a query string or fragment: give the API's root only, {example}"
        )
    if url.endswith("/v3"):
        url = url[: -len("/v3")]  # a common slip: paths already start with /v3
    return url


def check_uuid(value: object, what: str) -> str:
    """``value`` as a canonical lowercase UUID string, or ConfigurationError naming ``what``."""
    if isinstance(value, str | uuid.UUID):
        try:
            return str(uuid.UUID(str(value).strip()))
        except ValueError:
            pass
    if looks_like_key(value):
        raise ConfigurationError(
            f"{what} looks like an API key (not shown): the key goes in api_key= or SENT_DM_API_KEY; "
            f"{what} takes a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )
    if not isinstance(value, str | uuid.UUID):
        raise ConfigurationError(f"{what} must be a UUID string, not {type(value).__name__} {value!r}")
    raise ConfigurationError(f"{what} {value!r} is not a UUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")


def check_phone(value: object) -> str:
    """``value`` as an E.164 number, or ConfigurationError. Possible-but-unassigned numbers pass:
    whether a number is *valid* is the lookup endpoint's question, not a local one."""
    from sentlab._phone import possible_e164  # deferred: phonenumbers loads on first use

    text = str(value).strip() if value is not None else ""
    hint = "use E.164 with the country code, e.g. '+14155551234'"
    if not text:
        raise ConfigurationError(f"the phone number is empty: {hint}")
    if looks_like_key(value):
        raise ConfigurationError(f"the phone number looks like an API key (not shown): {hint}")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith(("+", "tel:")):
        raise ConfigurationError(f"{text!r} has no country code: {hint}")
    e164, why = possible_e164(text.removeprefix("tel:"))
    if why == "unreadable":
        raise ConfigurationError(f"{text!r} is not a phone number: {hint}")
    if e164 is None:
        raise ConfigurationError(f"{text!r} has the wrong length for its country: {hint}")
    return e164


def check_page_size(page_size: object) -> int:
    """``page_size`` if it is an int in 1..100, else ConfigurationError."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise ConfigurationError(f"page_size must be an integer in 1..{MAX_PAGE_SIZE}, not {page_size!r}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ConfigurationError(
            f"page_size must be in 1..{MAX_PAGE_SIZE} (the API's maximum is {MAX_PAGE_SIZE}), not {page_size}"
        )
    return page_size


#: The calls list's filter values (the SDK's CallListParams), compared ignoring case.
CALL_DIRECTIONS = ("inbound", "outbound")
CALL_STATUSES = ("initiated", "ringing", "answered", "completed", "failed", "no_answer", "rejected")


def check_call_filters(
    *,
    direction: str | None = None,
    status: str | None = None,
    number: str | None = None,
    since: str | datetime | date | None = None,
    until: str | datetime | date | None = None,
) -> dict[str, str | None]:
    """The calls list's query (``direction, status, number, from, to``), checked locally:
    a ``ConfigurationError`` that says what to fix, before any request.

    >>> check_call_filters(status="NO_ANSWER", since="2026-11-01")["from"]
    '2026-11-01T00:00:00.000000Z'
    """
    query: dict[str, str | None] = {"direction": None, "status": None, "number": None, "from": None, "to": None}
    if direction is not None:
        value = str(direction).strip().lower()
        if value not in CALL_DIRECTIONS:
            raise ConfigurationError(f"direction must be one of {', '.join(CALL_DIRECTIONS)}, not {direction!r}")
        query["direction"] = value
    if status is not None:
        value = str(status).strip().lower().replace("-", "_").replace(" ", "_")
        if value not in CALL_STATUSES:
            raise ConfigurationError(f"status must be one of {', '.join(CALL_STATUSES)} (any case), not {status!r}")
        query["status"] = value
    if number is not None:
        try:
            query["number"] = check_phone(number)
        except ConfigurationError as error:
            raise ConfigurationError(f"number (the line that owns the calls): {error}") from None
    start, end = _instant(since, "since"), _instant(until, "until")
    if start is not None and end is not None and end < start:
        raise ConfigurationError(f"until ({end.isoformat()}) must not be before since ({start.isoformat()})")
    query["from"] = start.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if start is not None else None
    query["to"] = end.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if end is not None else None
    return query


def _instant(value: str | datetime | date | None, name: str) -> datetime | None:
    """``value`` as an aware UTC datetime (naive means UTC; a date is its midnight)."""
    if value is None:
        return None
    when: datetime | None = None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
    if when is None:
        raise ConfigurationError(
            f"{name} must be a date or time such as '2026-11-01' or '2026-11-01T12:00Z' (or a datetime), not {value!r}"
        )
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
