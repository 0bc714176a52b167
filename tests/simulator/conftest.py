"""Stand-ins for the edge tests (a frozen clock, a tiny world and a tiny app counting handler calls),
and the official SDK on a module's running simulator.

The edge middleware only needs ``world.clock``, ``world.tier`` and ``world.account_for_key``, so
these tests exercise it without building a synthetic world.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sentlab.simulator._envelope import error_body, ok_body
from sentlab.simulator._middleware import edge
from sentlab.simulator._settings import SimulatorConfig
from tests.kit import strict_sdk

ORG_KEY = "sk_test_org"
PROFILE_KEY = "sk_test_profile"
OTHER_ORG_KEY = "sk_test_other"
START = 1_750_000_000.0


class FrozenClock:
    def __init__(self, start: float = START) -> None:
        self.t = start

    def time(self) -> float:
        return self.t

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.t, UTC)

    def advance(self, seconds: float) -> None:
        self.t += seconds


class StubWorld:
    def __init__(self, tier: str = "starter") -> None:
        self.clock = FrozenClock()
        self.tier = tier
        self.org_key = ORG_KEY
        self.profile_keys = {"prof_1": PROFILE_KEY}
        # as in the real world, a profile key counts against its organization's account
        self._accounts = {ORG_KEY: "org_1", PROFILE_KEY: "org_1", OTHER_ORG_KEY: "org_2"}

    def account_for_key(self, api_key: str) -> str | None:
        return self._accounts.get(api_key)


class StandIn:
    """A few routes shaped like the real ones; ``calls`` counts handler runs by path."""

    def __init__(self, world: StubWorld) -> None:
        self.world = world
        self.calls: Counter[str] = Counter()
        self.release: asyncio.Event | None = None
        self.entered: asyncio.Event | None = None
        routes = [
            Route("/v3/me", self.me),
            Route("/v3/contacts", self.create, methods=["POST"]),
            Route("/v3/contacts/{id}", self.delete, methods=["DELETE"]),
            Route("/v3/messages", self.create, methods=["POST"]),
            Route("/v3/webhooks/{id}/rotate-secret", self.create, methods=["POST"]),
            Route("/v3/users", self.create, methods=["POST"]),
            Route("/v3/blocking", self.blocking, methods=["POST"]),
            Route("/v3/explode", self.explode, methods=["POST"]),
            Route("/v3/stream", self.stream),
        ]
        self.app = Starlette(routes=routes)

    def _auth(self, request: Request) -> JSONResponse | None:
        key = request.headers.get("x-api-key")
        if self.world.account_for_key(key or "") is None:
            rid = request.state.request_id
            code = "AUTH_001" if key is None else "AUTH_002"
            return JSONResponse(error_body(code, "Invalid or missing API key", rid), status_code=401)
        return None

    async def me(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        return self._auth(request) or JSONResponse(ok_body({"id": "org_1"}, request.state.request_id))

    async def create(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        if denied := self._auth(request):
            return denied
        body = await request.json() if await request.body() else {}
        data = {"id": f"obj_{sum(self.calls.values())}", "echo": body}
        return JSONResponse(ok_body(data, request.state.request_id), status_code=201,
                            headers={"X-Sandbox": "false"})

    async def delete(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        return self._auth(request) or Response(status_code=204)

    async def blocking(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        assert self.entered is not None and self.release is not None
        self.entered.set()
        await self.release.wait()
        return JSONResponse(ok_body({"done": True}, request.state.request_id), status_code=201)

    async def explode(self, request: Request) -> Response:
        self.calls[request.url.path] += 1
        return JSONResponse(error_body("INTERNAL_001", "boom", request.state.request_id), status_code=500)

    async def stream(self, request: Request) -> Response:
        self.calls[request.url.path] += 1

        async def chunks():
            for i in range(3):
                yield f"chunk{i};".encode()

        return StreamingResponse(chunks(), media_type="text/plain")


class Edge:
    """The stand-in app inside the edge layers, with a sync ``request`` for tests."""

    def __init__(self, config: SimulatorConfig, world: StubWorld) -> None:
        self.world = world
        self.clock = world.clock
        self.stand_in = StandIn(world)
        self.calls = self.stand_in.calls
        self.app = edge(self.stand_in.app, world, config)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://sim")

    def request(self, method: str, path: str, key: str | None = ORG_KEY,
                headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        all_headers = {"x-api-key": key} if key is not None else {}
        all_headers.update(headers or {})

        async def go() -> httpx.Response:
            async with self.client() as client:
                return await client.request(method, path, headers=all_headers, **kwargs)

        return asyncio.run(go())


@pytest.fixture(scope="module")
def sent(server: Any) -> Iterator[Any]:
    """The official SDK, strict, on the module's ``server`` (a running simulator)."""
    client = strict_sdk(server)
    yield client
    client.close()


@pytest.fixture
def make_edge() -> Callable[..., Edge]:
    def make(config: SimulatorConfig | None = None, tier: str = "starter") -> Edge:
        return Edge(config or SimulatorConfig(), StubWorld(tier))

    return make
