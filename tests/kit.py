"""The test kit: worlds, simulator apps, labs and clients on them, the request recorder, raw ASGI
calls, and the small helpers more than one test file needs (tests and benchmarks import them from here).

The fixtures in ``tests/conftest.py`` (``make_world``, ``make_lab``, ``world``...) are built on it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import random
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

import httpx
import numpy as np
import pandas as pd

import sentlab
from sentlab._schemas import columns
from sentlab.simulator import (
    SimClock,
    SimulatorConfig,
    build_world,
    create_app,
    in_process_transport,
)
from sentlab.simulator._world import World

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[1]

#: The frozen clock's start: noon UTC, so the history window ends 12 hours earlier.
START = datetime(2026, 4, 8, 12, 0, tzinfo=UTC)

#: Later frozen starts: the end of a world's history (midnight), and noon that day.
HISTORY_END = pd.Timestamp("2026-11-20T00:00:00Z")
HISTORY_NOON = pd.Timestamp("2026-11-20T12:00:00Z")


# --------------------------------------------------------------------------- worlds, apps, labs


def make_world(*, seed: int = 7, contacts: int = 400, messages: int = 800, profiles: int = 3,
               at: datetime | None = START, clock: SimClock | None = None, **options: Any) -> World:
    """A small seeded world on a frozen clock at ``at`` (None: the wall clock), or on ``clock``;
    ``options`` go to ``build_world`` (``calls``, ``params``).

    >>> make_world(contacts=40, messages=10, profiles=1).clock.now() == START
    True
    """
    if clock is None:
        if isinstance(at, pd.Timestamp):
            at = at.to_pydatetime()
        clock = SimClock.frozen(at) if at is not None else SimClock()
    return build_world(seed=seed, contacts=contacts, messages=messages, profiles=profiles, clock=clock, **options)


def simulator(world: World, **config: Any) -> Any:
    """The simulator app for ``world``, with no rate limit unless ``config`` gives one.

    >>> simulator(make_world(contacts=40, messages=10), latency=0.01).config.rate_limits is None
    True
    """
    config.setdefault("rate_limits", None)
    return create_app(world, SimulatorConfig(**config))


def _in_process(world: World, app: Any, key: str | None, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    options.setdefault("base_url", "http://sim")
    if "transport" not in options:
        options["transport"] = in_process_transport(simulator(world) if app is None else app)
    options.setdefault("pacing", None)
    options.setdefault("progress", False)
    return key or world.org_key, options


def make_lab(world: World, app: Any = None, *, key: str | None = None, **options: Any) -> sentlab.Lab:
    """A lab on ``app`` in-process (default: the world's simulator without rate limits), with the
    organization's key unless ``key``, no pacing and no progress unless ``options`` say.

    >>> with make_lab(make_world(contacts=40, messages=10), store=False) as lab:
    ...     len(lab.contacts()) > 0
    True
    """
    key, options = _in_process(world, app, key, options)
    return sentlab.connect(key, **options)


def make_client(world: World, app: Any = None, *, key: str | None = None, **options: Any) -> sentlab.SentClient:
    """A ``SentClient`` wired as ``make_lab`` wires a lab.

    >>> with make_client(make_world(contacts=40, messages=10)) as client:
    ...     client.me()["id"] is not None
    True
    """
    key, options = _in_process(world, app, key, options)
    return sentlab.SentClient(key, **options)


def make_async_client(world: World, app: Any = None, *, key: str | None = None,
                      **options: Any) -> sentlab.AsyncSentClient:
    """An ``AsyncSentClient`` wired as ``make_lab`` wires a lab."""
    key, options = _in_process(world, app, key, options)
    return sentlab.AsyncSentClient(key, **options)


# --------------------------------------------------------------------------- the request recorder

SEND_PATH = "/v3/messages"


class Recorder:
    """An ASGI wrapper that records every HTTP request reaching ``app`` and its answer.

    ``calls`` holds one dict per request (method, path, query, headers, body, status,
    response_headers, response, answered: the monotonic time its answer started), ``paths``
    the path of each (``clear()`` forgets both). For the forms: ``on_send`` runs when a send
    (POST /v3/messages) arrives, before the app sees it; ``lose_next_answer`` lets the app
    process the next send, then answers 503 instead (the answer was lost).

    >>> recorder = Recorder(simulator(make_world(contacts=40, messages=10)))
    >>> with make_client(recorder.world, recorder) as client:
    ...     _ = client.me()
    >>> recorder.paths, recorder.calls[0]["status"]
    (['/v3/me'], 200)
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.world = getattr(app, "world", None)
        self.calls: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.on_send: Callable[[], None] | None = None
        self.lose_next_answer = False
        self.lost_bodies: list[dict[str, Any]] = []

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.calls.clear()
        self.paths.clear()

    def count(self, matches: Callable[[str], bool]) -> int:
        """How many requests reached the app on a path that ``matches``."""
        return sum(1 for path in list(self.paths) if matches(path))

    def to(self, method: str, path: str) -> list[dict[str, Any]]:
        """The calls of ``method`` on ``path``."""
        return [c for c in self.calls if c["method"] == method and c["path"] == path]

    def sends(self) -> list[dict[str, Any]]:
        return self.to("POST", SEND_PATH)

    def send_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(c["body"]) for c in self.sends()]

    def lookups(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"].startswith("/v3/numbers/lookup/")]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call: dict[str, Any] = {
            "method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(),
            "headers": {k.decode().lower(): v.decode() for k, v in scope["headers"]},
            "body": b"", "status": None, "response_headers": {}, "response": b"", "answered": None,
        }  # fmt: skip
        self.calls.append(call)
        self.paths.append(call["path"])

        async def receiving() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                call["body"] += message.get("body", b"")
            return message

        is_send = call["method"] == "POST" and call["path"] == SEND_PATH
        lose = is_send and self.lose_next_answer
        if lose:
            self.lose_next_answer = False

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                call["answered"] = time.monotonic()
                call["status"] = message["status"]
                call["response_headers"] = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            elif message["type"] == "http.response.body":
                call["response"] += message.get("body", b"")
            if not lose:
                await send(message)

        if is_send and self.on_send is not None:
            self.on_send()
        await self.app(scope, receiving, sending)
        if lose:
            self.lost_bodies.append(json.loads(call["response"]))
            body = json.dumps({"success": False, "data": None,
                               "error": {"code": "INTERNAL_001", "message": "upstream timeout"},
                               "meta": {"request_id": "req_lost"}}).encode()  # fmt: skip
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------- ASGI without a port


class SyncASGITransport(httpx.BaseTransport):
    """Drive an ASGI app from a plain ``httpx.Client`` (and so from the official SDK), no port."""

    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run(go())


def sim_client(app: Any, headers: dict[str, str]) -> httpx.Client:
    """A sync httpx client on ``app`` in-process, sending ``headers`` with every request."""
    return httpx.Client(transport=SyncASGITransport(app), base_url="http://sim", headers=headers)


@dataclass
class Answer:
    """What an ASGI app sent back: status, headers (lower-case bytes) and the whole body."""

    status: int
    headers: dict[bytes, bytes]
    body: bytes


def asgi_call(app: Any, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> Answer:
    """One request straight into an ASGI app, every byte of it ours: ``target`` is the raw
    path and query, ``path`` is percent-decoded as uvicorn does, the body arrives in two chunks
    with no ``Content-Length`` unless ``headers`` has one.

    >>> from sentlab.simulator._app import core_app
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


#: An id no world holds.
MISSING = "00000000-0000-4000-8000-000000000000"


def data(response: httpx.Response, status: int = 200) -> Any:
    """The ``data`` of a successful envelope, checked (status, ``success``, ``error``, ``meta``)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True and body["error"] is None
    assert set(body["meta"]) >= {"request_id", "timestamp", "version"}
    return body["data"]


def error_code(response: httpx.Response, status: int) -> str:
    """The error code of a failed envelope, checked (status, ``success``, ``data``, the error's keys)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["data"] is None
    assert set(body["error"]) == {"code", "message", "details", "doc_url"}
    return body["error"]["code"]


def details(response: httpx.Response) -> dict:
    """The ``details`` of an error envelope."""
    return response.json()["error"]["details"]


def walk(client: httpx.Client, path: str, key: str, page_size: int = 100, **params: Any) -> list[dict]:
    """Every row of a paginated list, page after page: the items under ``key`` of each page's data."""
    rows, page = [], 1
    while True:
        d = data(client.get(path, params={"page": page, "page_size": page_size, **params}))
        rows.extend(d[key])
        if not d["pagination"]["has_more"]:
            return rows
        page += 1


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


# --------------------------------------------------------------------------- small helpers


def has_schema(frame: pd.DataFrame, name: str, *, ordered: bool = False) -> bool:
    """Whether ``frame`` has every column of schema ``name`` with its declared dtype (and, if
    ``ordered``, those columns first and in the declared order).

    >>> from sentlab._frames import build_frame
    >>> has_schema(build_frame("contacts", []), "contacts", ordered=True)
    True
    """
    declared = columns(name)
    if ordered and [c.name for c in declared] != list(frame.columns[: len(declared)]):
        return False
    return all(str(frame[c.name].dtype) == c.dtype for c in declared)


class ManualClock:
    """A ``time.time``/``time.monotonic`` stand-in that moves only when ``now`` is set.

    >>> clock = ManualClock(); clock.now += 5; clock()
    1005.0
    """

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def timed(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """``fn(*args, **kwargs)`` and the seconds it took (wall time).

    >>> seconds, value = timed(sum, [1, 2])
    >>> value, seconds < 1
    (3, True)
    """
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def strict_sdk(server: Any) -> Any:
    """The official SDK (``sent_dm``) on a running simulator, validating every response strictly,
    with no retries; close it after use."""
    import sent_dm

    return sent_dm.Sent(base_url=server.base_url, api_key=server.org_key,
                        _strict_response_validation=True, max_retries=0, timeout=10)  # fmt: skip


class Checks:
    """Runs each SDK call, keeping its result or the reason it failed."""

    def __init__(self) -> None:
        self.failures: dict[str, str] = {}

    def __call__(self, name: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:  # report every endpoint, not just the first broken one
            detail = "".join(traceback.format_exception_only(exc)).strip()
            self.failures[name] = detail[:2000]
            return None

    def assert_all_passed(self) -> None:
        report = "\n\n".join(f"{name}: {detail}" for name, detail in self.failures.items())
        assert not self.failures, f"{len(self.failures)} SDK calls failed:\n{report}"


def filled(lab: Any, **options: Any) -> Any:
    """A send form ready to send order_confirmation to one new number."""
    from sentlab import SendController

    form = SendController(lab, template="order_confirmation", **options)
    form.set_parameters(name="Ada", order_id="A-1001")
    form.set_recipients("+14155550123")
    return form


def sms_only_contact(lab: Any) -> str:
    """The number of a contact reachable by SMS only."""
    return next(c["phone_number"] for c in lab.api.contacts()
                if not {"whatsapp", "rcs"} & set(c["available_channels"].split(",")))  # fmt: skip


# --------------------------------------------------------------------------- headless Chromium

#: Debian's Chromium (``$SENTLAB_CHROMIUM`` names another binary), never a browser download.
CHROMIUM = os.environ.get("SENTLAB_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def browser_missing(what: str, *packages: str) -> str | None:
    """Why the browser test of ``what`` cannot run (playwright, ``packages`` or Chromium missing), or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the python package playwright is not installed (pip install -e '.[dev]')"
    for package in packages:
        if importlib.util.find_spec(package) is None:
            return f"{package} is not installed (pip install -e '.[dev]')"
    if not CHROMIUM:
        return (f"Chromium is not installed, so the browser test of {what} is skipped "
                "(Debian: apt-get install chromium; .ci/run installs it when it runs as root with apt)")  # fmt: skip
    return None


def artifacts(name: str) -> Path:
    """The emptied folder for a browser test's screenshots: ``$SENTLAB_ARTIFACTS`` (default
    ``artifacts/``, ignored by git) / ``name``."""
    folder = Path(os.environ.get("SENTLAB_ARTIFACTS") or ROOT / "artifacts") / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


# --------------------------------------------------------------------------- synthetic data
# Records shaped like the API's and a typed messages frame, of any size: the frame tests build
# from them, and benchmarks/frames_build.py and benchmarks/reply_rates_scale.py time them.

CHANNELS = ["sms,whatsapp", "sms", "whatsapp"]
REGIONS = ["US", "GB", "BR", "IN", "DE", "MX"]
STATUSES = ["QUEUED", "SENT", "DELIVERED", "READ", "FAILED"]


def stamp(i: int) -> str:
    return f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 10_000_000:07d}+00:00"


def uid(i: int, tag: str = "a") -> str:
    return f"{tag}{i:07d}-9dad-11d1-80b4-00c04fd430c8"


def contact_records(n: int, rng: random.Random) -> list[dict]:
    return [{
        "id": uid(i), "phone_number": f"+1415{i:07d}", "format_e164": f"+1415{i:07d}",
        "format_international": "+1 415-555-1234", "format_national": "(415) 555-1234",
        "format_rfc": "tel:+1-415-555-1234", "country_code": "1", "region_code": rng.choice(REGIONS),
        "available_channels": rng.choice(CHANNELS), "default_channel": "sms", "opt_out": rng.random() < 0.05,
        "is_inherited": False, "created_at": stamp(i), "updated_at": None if i % 3 else stamp(i + 1),
    } for i in range(n)]  # fmt: skip


def event_records(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        status = rng.choice(STATUSES)
        payload = {"message_id": uid(i // 3, "m"), "message_status": status, "channel": "sms",
                   "template_id": uid(i % 20, "t"), "template_name": "Welcome", "outbound_number": f"+1415{i:07d}",
                   "updated_at": stamp(i), "account_id": uid(1, "o"), "body": "Hello"}  # fmt: skip
        if status == "FAILED":
            payload |= {"reason_code": "UNREACHABLE", "reason": "Handset off"}
        out.append({"id": uid(i, "e"), "webhook_id": uid(1, "w"), "event_type": f"message.{status.lower()}",
                    "event_data": {"field": "messages", "event": "message.status_updated", "timestamp": stamp(i),
                                   "request_id": f"req_{i}", "payload": payload},
                    "delivery_status": "delivered", "http_status_code": 200, "response_body": None,
                    "delivery_attempts": 1, "error_message": None, "created_at": stamp(i),
                    "processing_started_at": stamp(i), "processing_completed_at": stamp(i)})  # fmt: skip
    return out


def message_records(n: int, rng: random.Random) -> list[dict]:
    return [{
        "id": uid(i, "m"), "customer_id": uid(1, "o"), "contact_id": uid(i), "phone": f"+1415{i:07d}",
        "phone_international": "+1 415-555-1234", "region_code": rng.choice(REGIONS),
        "template_id": uid(i % 20, "t"), "template_name": "Welcome", "template_category": "UTILITY",
        "channel": "sms", "message_body": {"header": None, "content": "Hello there", "footer": None, "buttons": None},
        "status": "DELIVERED", "created_at": stamp(i), "price": 0.0055, "active_contact_price": 0.015,
        "events": [{"status": "QUEUED", "timestamp": stamp(i), "description": "queued"},
                   {"status": "SENT", "timestamp": stamp(i + 1), "description": "sent"},
                   {"status": "DELIVERED", "timestamp": stamp(i + 2), "description": "delivered"}],
    } for i in range(n)]  # fmt: skip


def activity_records(n: int, rng: random.Random) -> list[dict]:
    return [{"message_id": uid(i // 4, "m"), "status": STATUSES[i % 4], "description": "Message sent via SMS",
             "timestamp": stamp(i), "price": None if i % 4 == 0 else "0.0450",
             "active_contact_price": None if i % 4 == 0 else "0.0050"} for i in range(n)]  # fmt: skip


def template_records(n: int, rng: random.Random) -> list[dict]:
    return [{"id": uid(i, "t"), "name": f"T{i}", "category": rng.choice(["MARKETING", "UTILITY"]),
             "language": "en_US", "status": "APPROVED", "channels": ["sms", "whatsapp"], "variables": ["name"],
             "created_at": stamp(i), "updated_at": stamp(i + 1), "is_published": True} for i in range(n)]  # fmt: skip


def user_records(n: int, rng: random.Random) -> list[dict]:
    return [{"id": uid(i, "u"), "email": f"u{i}@acme.com", "name": f"User {i}", "role": "developer",
             "status": "active", "invited_at": stamp(i), "last_login_at": stamp(i + 1), "created_at": stamp(i),
             "updated_at": stamp(i)} for i in range(n)]  # fmt: skip


def lookup_records(n: int, rng: random.Random) -> list[dict]:
    return [{"phone_number": f"+1415{i:07d}", "is_valid": True, "carrier_name": "T-Mobile", "line_type": "mobile",
             "country_code": "US", "mobile_country_code": "310", "mobile_network_code": "260",
             "is_ported": False, "is_voip": False} for i in range(n)]  # fmt: skip


#: frame name -> a generator of ``n`` records for it: ``RECORDS["contacts"](10, random.Random(1))``
RECORDS: dict[str, Callable[[int, random.Random], list[dict]]] = {
    "contacts": contact_records,
    "webhook_events": event_records,
    "messages": message_records,
    "activities": activity_records,
    "templates": template_records,
    "users": user_records,
    "number_lookups": lookup_records,
}

REPLIES_T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def reply_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` messages over 30 days and rows/5 contacts, 5% of them inbound, typed as the library types them.

    >>> len(reply_frame(100)), sorted(reply_frame(100)["direction"].unique())
    (100, ['inbound', 'outbound'])
    """
    rng = np.random.default_rng(seed)
    created = REPLIES_T0 + pd.to_timedelta(np.sort(rng.uniform(0, 30 * 86400, rows)), unit="s")
    is_in = rng.random(rows) < 0.05
    status = np.where(is_in, "RECEIVED", rng.choice(["DELIVERED", "READ", "FAILED"], rows, p=[0.5, 0.1, 0.4]))
    return pd.DataFrame({
        "id": pd.array(np.char.add("m", np.arange(rows).astype(str)), dtype="str"),
        "contact_id": pd.array(np.char.add("c", rng.integers(0, max(rows // 5, 1), rows).astype(str)), dtype="str"),
        "direction": pd.Categorical(np.where(is_in, "inbound", "outbound")),
        "status": pd.Categorical(status),
        "channel": pd.Categorical(rng.choice(["sms", "whatsapp", "rcs"], rows)),
        "created_at": created,
        "delivered_at": pd.Series(created + pd.Timedelta(seconds=3)).where(np.isin(status, ["DELIVERED", "READ"])),
    })  # fmt: skip
