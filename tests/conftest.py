"""Shared fixtures: a small seeded world on a frozen clock, its core app, and clients for it
(httpx over the app, or ``asgi_call`` for requests httpx would not send)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

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


@dataclass
class Answer:
    """What an ASGI app sent back: status, headers (lower-case bytes) and the whole body."""

    status: int
    headers: dict[bytes, bytes]
    body: bytes


def asgi_call(app, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> Answer:
    """One request straight into an ASGI app, every byte of it ours: ``target`` is the raw
    path and query, ``path`` is percent-decoded as uvicorn does, the body arrives in two chunks
    with no ``Content-Length`` unless ``headers`` has one.

    >>> asgi_call(core_app(build_world()), "GET", b"/v3/me?x=1", [(b"x-api-key", b"nope")]).status
    401
    """
    raw_path, _, query = target.partition(b"?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path, "query_string": query, "root_path": "",
             "headers": [(b"host", b"sim"), *headers], "server": ("sim", 80), "client": ("127.0.0.1", 1), "state": {}}  # fmt: skip
    half = len(body) // 2
    chunks = [{"type": "http.request", "body": body[:half], "more_body": True},
              {"type": "http.request", "body": body[half:], "more_body": False}]  # fmt: skip
    sent: list[dict] = []

    async def go() -> None:
        done = asyncio.Event()

        async def receive() -> dict:
            if chunks:
                return chunks.pop(0)
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                done.set()

        await app(scope, receive, send)

    asyncio.run(go())
    start = next(m for m in sent if m["type"] == "http.response.start")
    return Answer(start["status"], dict(start.get("headers", [])),
                  b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))


def assert_clean(answer: Answer, what: str) -> None:
    """Below 500, and the envelope ``{success, data, error, meta}`` with an error code (or an empty
    204); never a traceback."""
    assert answer.status < 500, f"{what} -> {answer.status}: {answer.body[:500]!r}"
    assert b"Traceback" not in answer.body and b'File "' not in answer.body, what
    if answer.status == 204:
        assert answer.body == b"", what
        return
    assert answer.headers.get(b"content-type", b"").startswith(b"application/json"), what
    envelope = json.loads(answer.body)
    assert set(envelope) == {"success", "data", "error", "meta"}, what
    assert envelope["meta"]["request_id"], what
    if not envelope["success"]:
        assert isinstance(envelope["error"]["code"], str) and envelope["error"]["code"], what


# --------------------------------------------------------------------------------------------
# No API key through any side channel: every key the tests use is registered as it is wrapped
# in a Secret; every sentlab exception's text and repr, every repr of a client, lab or
# requester, every warning and log record, and at the end every file under the session's tmp
# directory is checked for it (or a 10-character fragment of it).
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _no_key_leaks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    import logging
    import warnings

    from sentlab import _blocking_client, _client, _errors, _http, _session

    from .leakscan import LeakHandler, LeakScan

    scan = LeakScan()
    undo: list[tuple[object, str, object]] = []

    def patch(owner: type, name: str, wrapper_of) -> None:
        undo.append((owner, name, owner.__dict__.get(name)))  # None: inherited, so deleted again
        setattr(owner, name, wrapper_of(getattr(owner, name)))

    def registering(original):
        def __init__(self, value):
            original(self, value)
            scan.add_key(value)
        return __init__

    def checked_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            try:
                text = f"{self}\n{self!r}"
            except AttributeError:  # SentError.__init__ inside APIError's: checked once that one is done
                return
            scan.check(text, f"{type(self).__name__} text")
        return __init__

    def checked_repr(original):
        def __repr__(self):
            text = original(self)
            scan.check(text, f"repr of {type(self).__name__}")
            return text
        return __repr__

    patch(_errors.Secret, "__init__", registering)
    for cls in (_errors.SentError, _errors.APIError, _errors.APIConnectionError):
        patch(cls, "__init__", checked_init)
    for cls in (_blocking_client.SentClient, _client.AsyncSentClient, _session.Lab, _http.Requester, _client.FanOutResult):
        patch(cls, "__repr__", checked_repr)

    def showing(original):
        def _showwarnmsg(message):
            scan.check(str(message.message), f"warning {message.category.__name__}")
            return original(message)
        return _showwarnmsg

    undo.append((warnings, "_showwarnmsg", warnings._showwarnmsg))
    warnings._showwarnmsg = showing(warnings._showwarnmsg)
    handler = LeakHandler(scan)
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("sentlab", "httpx")}
    logging.getLogger("sentlab").setLevel(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.INFO)  # its "HTTP Request: GET <url>" lines
    _no_key_leaks.scan = scan  # type: ignore[attr-defined]  # for the scanner's own test
    yield
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for owner, name, original in reversed(undo):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    scan.scan_tree(tmp_path_factory.getbasetemp())
    if scan.findings:
        shown = "\n  ".join(sorted(set(scan.findings))[:40])
        pytest.fail(f"API key material leaked ({len(scan.findings)} places):\n  {shown}", pytrace=False)


def pytest_warning_recorded(warning_message, when, nodeid, location) -> None:
    """Warnings pytest collected (outside ``pytest.warns``) go through the key scan too."""
    scan = getattr(_no_key_leaks, "scan", None)
    if scan is not None:
        scan.check(str(warning_message.message), f"warning in {nodeid or when}")
