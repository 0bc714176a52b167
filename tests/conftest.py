"""Shared fixtures: a small seeded world on a frozen clock, its core app, and clients for it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from sentlab.simulator._app import core_app
from sentlab.simulator._clock import SimClock
from sentlab.simulator._world import World, build_world

#: The frozen clock's start: noon UTC, so the history window ends 12 hours earlier.
START = datetime(2026, 4, 8, 12, 0, tzinfo=UTC)


class SyncASGITransport(httpx.BaseTransport):
    """Drive an ASGI app from a plain ``httpx.Client`` (and so from the official SDK), no port."""

    def __init__(self, app) -> None:
        self._transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run(go())


def sim_client(app, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://sim", headers=headers)


@pytest.fixture
def clock() -> SimClock:
    return SimClock.frozen(START)


@pytest.fixture
def world(clock: SimClock) -> World:
    """A fresh small world (seed 7): 400 contacts, 800 messages, 3 profiles."""
    return build_world(seed=7, contacts=400, messages=800, profiles=3, clock=clock)


@pytest.fixture
def sim_app(world: World):
    return core_app(world)


@pytest.fixture
def client(sim_app, world: World) -> Iterator[httpx.Client]:
    """A sync httpx client on the core app (in-process), authenticated with the organization key."""
    with sim_client(sim_app, {"x-api-key": world.org_key}) as c:
        yield c


@pytest.fixture
def profile_id(world: World) -> str:
    return world.profile_ids[0]


@pytest.fixture
def profile_client(sim_app, world: World, profile_id: str) -> Iterator[httpx.Client]:
    """Like ``client`` but scoped to the first profile with ``x-profile-id``."""
    with sim_client(sim_app, {"x-api-key": world.org_key, "x-profile-id": profile_id}) as c:
        yield c


@pytest.fixture(autouse=True, scope="session")
def _private_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the suite's local stores out of the user's cache directory (a test may override it)."""
    import os

    previous = os.environ.get("SENTLAB_CACHE_DIR")
    os.environ["SENTLAB_CACHE_DIR"] = str(tmp_path_factory.mktemp("sentlab-store"))
    yield
    if previous is None:
        os.environ.pop("SENTLAB_CACHE_DIR", None)
    else:
        os.environ["SENTLAB_CACHE_DIR"] = previous


def counting_app(world: World):
    """The world's simulator app with no rate limit, recording the path of each request in ``.paths``."""
    from sentlab.simulator import SimulatorConfig, create_app

    app = create_app(world, SimulatorConfig(rate_limits=None))
    paths: list[str] = []

    async def counting(scope, receive, send):
        if scope["type"] == "http":
            paths.append(scope["path"])
        await app(scope, receive, send)

    counting.paths = paths
    return counting
