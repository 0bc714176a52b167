"""Request validation with the documented error codes and per-field ``details``.

Every check raises :class:`~._envelope.ApiError`; the app turns it into the
error envelope. ``details`` is always ``{field: [message, ...]}``, the shape
the docs and the official SDK's ``ErrorDetail`` use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from starlette.requests import Request

from ._envelope import ApiError
from ._numbers import is_e164

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "bad",
    "e164",
    "is_uuid",
    "json_body",
    "one_of",
    "optional_bool",
    "optional_int_in_range",
    "optional_str",
    "page_params",
    "query_bool",
    "sandbox_flag",
    "string_list",
    "uuid_param",
]

DEFAULT_PAGE_SIZE = 20  # what the docs' examples show; the SDK's first page sends no page_size
MAX_PAGE_SIZE = 100

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


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object in the body (an empty body is ``{}``); 400 VALIDATION_001 if it is not one."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(
            400, "VALIDATION_001", "Request validation failed", {"body": ["The request body is not valid JSON"]}
        ) from None
    if not isinstance(body, dict):
        raise ApiError(
            400, "VALIDATION_001", "Request validation failed", {"body": ["The request body must be a JSON object"]}
        )
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
