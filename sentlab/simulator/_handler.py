"""What every route handler stands on: the scoped ``Call``, pagination, sandbox replies, auth.

Route modules (``_app`` for the 2024 docs' endpoints, ``_routes_*`` for the rest of the live API)
write plain ``handler(call) -> Response`` functions; :func:`endpoint` wraps one with
the request limits, authentication, profile scoping, body parsing, the world's lock and the
error envelope.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from . import _validation as v
from ._account import Account
from ._envelope import ApiError, error, ok
from ._records import Records

__all__ = ["Call", "Handler", "RouteSpec", "endpoint", "pagination", "sandboxed"]

log = logging.getLogger("sentlab.simulator")

#: ``(path, handler, method)``: what a route module exports in its ``ROUTES``.
RouteSpec = tuple[str, "Handler", str]


@dataclass
class Call:
    """One authenticated request, scoped: what every handler gets."""

    request: Request
    account: Account
    scope: int  # 0 = the organization, 1.. = a profile
    key_scope: int  # whose key it is
    body: dict[str, Any]
    sandbox: bool

    @property
    def records(self) -> Records:
        return self.account.records

    @property
    def query(self) -> QueryParams:
        return self.request.query_params

    def path(self, name: str = "id") -> str:
        return self.request.path_params[name]

    def path_id(self, name: str = "id") -> str:
        return v.uuid_param(self.path(name), "id")

    def search(self) -> str | None:
        raw = self.query.get("search")
        return raw.strip() or None if raw is not None else None


Handler = Callable[[Call], Response]


def pagination(page: int, page_size: int, total: int) -> dict[str, Any]:
    return {
        "page": page,
        "page_size": page_size,
        "total_count": total,
        "total_pages": math.ceil(total / page_size) if total else 0,
        "has_more": page * page_size < total,
        "cursors": None,
    }


def sandboxed(call: Call, data: Any, status: int = 200) -> Response:
    headers = {"X-Sandbox": "true"} if call.sandbox else None
    if status == 204:
        return Response(status_code=204, headers=headers)
    return ok(call.request, data, status=status, headers=headers)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _authenticate(records: Records, request: Request) -> tuple[int, int]:
    """(key scope, effective scope) of the caller, or an ApiError (401/403/400/404)."""
    api_key = request.headers.get("x-api-key", "").strip()
    if not api_key:
        raise ApiError(401, "AUTH_001", "User is not authenticated: include the x-api-key header")
    key_scope = records.scope_for_key(api_key)
    if key_scope is None:
        raise ApiError(401, "AUTH_002", "Invalid or expired API key")
    profile_id = request.headers.get("x-profile-id")
    if profile_id is None or profile_id.strip() == "":
        return key_scope, key_scope
    if key_scope != 0:
        raise ApiError(403, "AUTH_004", "Only organization API keys can use the x-profile-id header")
    profile_id = v.uuid_param(profile_id.strip(), "x-profile-id")
    scope = records.scope_of_profile(profile_id)
    if scope is None:
        raise ApiError(404, "RESOURCE_014", "Profile not found in this organization")
    return key_scope, scope


def endpoint(account: Account, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        profile_header = request.headers.get("x-profile-id")
        echo = {"X-Profile-Id": profile_header} if profile_header else {}
        try:
            v.check_head(request.scope)
            key_scope, scope = _authenticate(account.records, request)
            v.check_query(request.query_params)
            body = await v.json_body(request) if request.method in _BODY_METHODS else {}
            sandbox = v.sandbox_flag(body) if request.method in _BODY_METHODS else False
            with account.records.lock:  # the world is shared with the test thread when served on a port
                response = handler(Call(request, account, scope, key_scope, body, sandbox))
        except ApiError as exc:
            response = error(request, exc.status, exc.code, exc.message, exc.details, exc.headers)
        except Exception:  # a bug, never the caller's input: answer like the API does
            log.exception("simulator handler failed: %s %s", request.method, request.url.path)
            response = error(request, 500, "INTERNAL_001", "Unexpected internal server error")
        response.headers.update(echo)
        return response

    endpoint.__name__ = handler.__name__
    endpoint.__wrapped__ = handler  # type: ignore[attr-defined]  # what inspect.unwrap and the fuzz tests find
    return endpoint


