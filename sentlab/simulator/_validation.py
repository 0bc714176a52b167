"""Request validation with the documented error codes and per-field ``details``.

Every check raises :class:`~._envelope.ApiError`; the app turns it into the
error envelope. ``details`` is always ``{field: [message, ...]}``, the shape
the docs and the official SDK's ``ErrorDetail`` use.

The request limits (``MAX_*``) are checked here once for every route: by the
edge (``_middleware.RequestLimits``) before any other layer, and again by
``_handler.endpoint`` so the bare ``core_app`` keeps them too.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import numpy as np
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect, Request

from ._envelope import ApiError
from ._numbers import is_e164

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_PAGE_SIZE",
    "MAX_URL_BYTES",
    "bad",
    "body_too_large",
    "check_head",
    "check_query",
    "e164",
    "is_uuid",
    "json_body",
    "one_of",
    "optional_bool",
    "optional_int_in_range",
    "optional_str",
    "page_params",
    "parse_json",
    "query_bool",
    "read_body",
    "sandbox_flag",
    "string_list",
    "uuid_param",
]

DEFAULT_PAGE_SIZE = 20  # what the docs' examples show; the SDK's first page sends no page_size
MAX_PAGE_SIZE = 100

# Request limits. The real API's are not documented; it is .NET (7-digit fractional seconds in
# ``meta.timestamp``, System.Text.Json's ``{"valueKind": "Undefined"}`` in webhook events), so the
# head limits are Kestrel's defaults and the depth System.Text.Json's. The body limit is ours:
# Kestrel allows 30 MB, but the largest legitimate request (1,000 recipients with template
# parameters) is about 16 KiB, and the simulator keeps what it buffers small.
MAX_BODY_BYTES = 1 << 20  # 1 MiB -> 413
MAX_URL_BYTES = 8192  # path + query string; Kestrel's MaxRequestLineSize -> 414
MAX_HEADER_BYTES = 32768  # every header's name + value; Kestrel's MaxRequestHeadersTotalSize -> 431
MAX_JSON_DEPTH = 64  # nested arrays/objects; System.Text.Json's default MaxDepth -> 400
_INT64 = (-(2**63), 2**63 - 1)  # JSON integers beyond a .NET long are rejected
_SINGLE_HEADERS = (b"x-api-key", b"x-profile-id", b"idempotency-key")  # ambiguous when repeated

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_INT = re.compile(r"^[+-]?\d{1,9}$")


def bad(code: str, message: str, field: str | None = None, problem: str | None = None) -> ApiError:
    """A 400 with the given code and, if ``field`` is given, ``details = {field: [problem]}``.

    >>> bad("VALIDATION_002", "Invalid phone number format", "to", "not E.164").details
    {'to': ['not E.164']}
    """
    details = {field: [problem or message]} if field else None
    return ApiError(400, code, message, details)


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def uuid_param(value: object, field: str = "id") -> str:
    """A GUID (path id, header or body field), lower-cased; 400 VALIDATION_003 otherwise."""
    if not is_uuid(value):
        raise bad("VALIDATION_003", "Invalid ID format.", field, "Invalid UUID format")
    assert isinstance(value, str)
    return value.lower()


def e164(value: object, field: str = "phone_number") -> str:
    """An E.164 number such as ``+14155551234``; 400 VALIDATION_002 otherwise."""
    if not isinstance(value, str) or not _E164.match(value.strip()) or not is_e164(value.strip()):
        raise bad(
            "VALIDATION_002",
            "Invalid phone number format",
            field,
            "Phone number must be in E.164 format (e.g., +1234567890)",
        )
    return value.strip()


def one_of(value: object, allowed: Iterable[str], field: str, *, upper: bool = False) -> str:
    """An enum value (case-sensitive as documented, unless ``upper``); 400 VALIDATION_006 otherwise."""
    allowed = tuple(allowed)
    candidate = value.upper() if upper and isinstance(value, str) else value
    if candidate not in allowed:
        raise bad("VALIDATION_006", "Invalid enum value", field, f"Must be one of: {', '.join(allowed)}")
    assert isinstance(candidate, str)
    return candidate


def _int_query(raw: str, field: str) -> int:
    if not _INT.match(raw.strip()):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {field: [f"'{raw}' is not a valid integer"]})
    return int(raw)


def page_params(query: Mapping[str, str]) -> tuple[int, int]:
    """``(page, page_size)`` from the query string: page >= 1 (VALIDATION_005), page_size 1..100 (VALIDATION_001).

    Both default (page 1, page size 20) because the official SDK's first page sends neither.
    """
    page = _int_query(query["page"], "page") if query.get("page") not in (None, "") else 1
    if page < 1:
        raise bad("VALIDATION_005", "Page must be greater than 0", "page", "Page must be greater than 0")
    raw_size = query.get("page_size")
    page_size = _int_query(raw_size, "page_size") if raw_size not in (None, "") else DEFAULT_PAGE_SIZE
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(
            400,
            "VALIDATION_001",
            "Request validation failed",
            {"page_size": [f"Page size must be between 1 and {MAX_PAGE_SIZE}"]},
        )
    return page, page_size


def query_bool(query: Mapping[str, str], field: str) -> bool | None:
    """An optional boolean query parameter (``true``/``false``, any case)."""
    raw = query.get(field)
    if raw is None or raw == "":
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, "VALIDATION_001", "Request validation failed", {field: ["Must be true or false"]})


def _invalid(field: str, problem: str, status: int = 400) -> ApiError:
    return ApiError(status, "VALIDATION_001", "Request validation failed", {field: [problem]})


def body_too_large() -> ApiError:
    """413 VALIDATION_001: the body is over :data:`MAX_BODY_BYTES`.

    >>> body_too_large().status, body_too_large().details
    (413, {'body': ['The request body is larger than 1 MiB (1048576 bytes)']})
    """
    return _invalid("body", f"The request body is larger than 1 MiB ({MAX_BODY_BYTES} bytes)", 413)


def check_head(scope: Mapping[str, Any]) -> None:
    """The request line and headers of an ASGI ``scope`` are within the limits, or an ApiError.

    414 if path + query string exceed :data:`MAX_URL_BYTES`, 431 if the headers exceed
    :data:`MAX_HEADER_BYTES`, 400 if ``x-api-key``, ``x-profile-id`` or ``Idempotency-Key``
    is given more than once (which one would count is ambiguous).

    >>> check_head({"path": "/v3/me", "query_string": b"page=1", "headers": [(b"x-api-key", b"sk")]})
    >>> check_head({"path": "/v3/me", "query_string": b"q=" + b"x" * 9000, "headers": []})
    Traceback (most recent call last):
    ...
    ApiError: 414 VALIDATION_001: Request validation failed
    """
    raw_path = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8", "replace")
    if len(raw_path) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
        raise _invalid("url", f"The path and query string are longer than {MAX_URL_BYTES} bytes", 414)
    headers = scope.get("headers", [])
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        raise _invalid("headers", f"The request headers are larger than {MAX_HEADER_BYTES} bytes", 431)
    counts = Counter(name.lower() for name, _ in headers if name.lower() in _SINGLE_HEADERS)
    for name, count in counts.items():
        if count > 1:
            raise _invalid(name.decode(), "The header is given more than once")


def check_query(query: QueryParams) -> None:
    """Every query parameter is given once (the SDK sends lists comma-separated); 400 VALIDATION_001 otherwise.

    >>> check_query(QueryParams("page=1&page_size=20"))
    >>> check_query(QueryParams("page=1&page=2"))
    Traceback (most recent call last):
    ...
    ApiError: 400 VALIDATION_001: Request validation failed
    """
    if len(query) == len(query.multi_items()):
        return
    repeated = [name for name, count in Counter(k for k, _ in query.multi_items()).items() if count > 1]
    raise ApiError(400, "VALIDATION_001", "Request validation failed",
                   {name: ["The query parameter is given more than once"] for name in repeated})


async def read_body(receive: Callable[[], Awaitable[Mapping[str, Any]]],
                    headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """An ASGI request's body, read as it streams in and never more than :data:`MAX_BODY_BYTES` (else 413).

    A ``Content-Length`` over the limit is refused before anything is read; a client that leaves
    mid-body raises starlette's ``ClientDisconnect``.

    >>> import asyncio
    >>> async def receive(): return {"type": "http.request", "body": b"{}", "more_body": False}
    >>> asyncio.run(read_body(receive, [(b"content-length", b"2")]))
    b'{}'
    """
    for name, value in headers:
        if name.lower() == b"content-length" and value.strip().isdigit() and int(value) > MAX_BODY_BYTES:
            raise body_too_large()
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise body_too_large()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class _Rejected(ValueError):
    """A value the JSON grammar allows but the API cannot hold (raised from the decoder's hooks)."""


def _reject_constant(name: str) -> float:
    raise _Rejected(f"{name} is not valid JSON")


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 19 or not _INT64[0] <= (value := int(digits)) <= _INT64[1]:
        raise _Rejected("A number in the request body is outside the 64-bit integer range")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Rejected("A number in the request body is too large")
    return value


_DECODER = json.JSONDecoder(parse_constant=_reject_constant, parse_int=_bounded_int, parse_float=_finite_float)


_BRACKET_STEP = np.zeros(256, dtype=np.int32)  # +1 per opening bracket, -1 per closing one
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1


def _nesting_depth(raw: bytes) -> int:
    r"""How deep arrays and objects nest in ``raw``, brackets inside strings not counted.

    Vectorised, so a megabyte of ``[`` is measured in milliseconds and never recursed into.

    >>> _nesting_depth(rb'{"a": [[1], "]]][\"["], "b": {"c": "\\"}}')
    3
    """
    a = np.frombuffer(raw, dtype=np.uint8)
    quote = a == ord('"')
    if b"\\" in raw:  # a quote after an odd run of backslashes is escaped
        index = np.arange(a.size, dtype=np.int32)
        last_plain = np.maximum.accumulate(np.where(a == ord("\\"), -1, index))  # last non-backslash <= i
        quote[1:] &= (index[:-1] - last_plain[:-1]) % 2 == 0
    inside = np.bitwise_xor.accumulate(quote)  # after an opening quote, up to its closing one
    step = np.where(inside, 0, _BRACKET_STEP[a])
    return int(np.cumsum(step, dtype=np.int32).max(initial=0))


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(raw: bytes) -> Any:
    """Strict JSON (RFC 8259) from a UTF-8 body, or 400 VALIDATION_001 saying what is wrong with it.

    Refused: invalid UTF-8, ``NaN``/``Infinity``, integers beyond 64 bits, numbers that overflow
    a double, strings with a lone UTF-16 surrogate escape (they cannot be written back as UTF-8),
    and nesting deeper than :data:`MAX_JSON_DEPTH` (checked before parsing, so a deep body never
    recurses). A UTF-8 byte order mark is skipped, as .NET does.

    >>> parse_json(b'{"to": ["+14155550100"], "sandbox": true}')
    {'to': ['+14155550100'], 'sandbox': True}
    >>> parse_json(b'{"retry_count": NaN}')
    Traceback (most recent call last):
    ...
    ApiError: 400 VALIDATION_001: Request validation failed
    """
    if len(raw) > MAX_BODY_BYTES:
        raise body_too_large()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid("body", "The request body is not valid UTF-8") from None
    text = text.removeprefix("\ufeff")
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _nesting_depth(raw) > MAX_JSON_DEPTH:
        raise _invalid("body", f"The request body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = _DECODER.decode(text)
    except _Rejected as exc:
        raise _invalid("body", str(exc)) from None
    except (ValueError, RecursionError):
        raise _invalid("body", "The request body is not valid JSON") from None
    if "\\u" in text and _has_lone_surrogate(value):
        raise _invalid("body", "The request body has a string with an unpaired UTF-16 surrogate")
    return value


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object in the body (an empty body is ``{}``), within the limits of :func:`parse_json`.

    The content type is not checked (curl's default form type is common); the body must be JSON.
    """
    try:
        raw = await read_body(request.receive, request.scope["headers"])
    except ClientDisconnect:  # nobody will read the answer
        raise _invalid("body", "The request body ended early") from None
    if not raw.strip():
        return {}
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise _invalid("body", "The request body must be a JSON object")
    return body


def sandbox_flag(body: Mapping[str, Any]) -> bool:
    """``sandbox`` from a mutation's body. Only JSON ``true``/``false`` are accepted, so a string
    ``"true"`` can never be mistaken for a live request (or the reverse)."""
    value = body.get("sandbox", False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {"sandbox": ["sandbox must be a boolean"]})
    return value


def optional_bool(body: Mapping[str, Any], field: str) -> bool | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {field: [f"{field} must be a boolean"]})
    return value


def optional_str(body: Mapping[str, Any], field: str, *, max_length: int = 1000) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {field: [f"{field} must be a string"]})
    if len(value) > max_length:
        raise ApiError(
            400, "VALIDATION_001", "Request validation failed", {field: [f"{field} is longer than {max_length}"]}
        )
    return value


def optional_int_in_range(body: Mapping[str, Any], field: str, lo: int, hi: int) -> int | None:
    """An optional integer field within ``lo..hi`` (VALIDATION_005 when out of range)."""
    value = body.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "VALIDATION_001", "Request validation failed", {field: [f"{field} must be an integer"]})
    if not lo <= value <= hi:
        raise bad("VALIDATION_005", "Field value out of valid range", field, f"Value must be between {lo} and {hi}")
    return value


def string_list(body: Mapping[str, Any], field: str) -> list[str] | None:
    """An optional list of strings (``None`` when absent)."""
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(
            400, "VALIDATION_001", "Request validation failed", {field: [f"{field} must be a list of strings"]}
        )
    return value
