"""Real loopback servers for the webhook tests: the simulator, receivers, and a scripted endpoint.

Every server binds 127.0.0.1 on a free port; every wait is bounded (``wait_until``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sentlab.simulator import SimClock, SimulatorConfig, running_server
from sentlab.simulator._server import ServerHandle
from sentlab.webhooks import Receiver
from tests.kit import START


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "the condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


@dataclass
class Scripted:
    """An endpoint that records every request and answers with the next status of ``statuses``
    (then 200 for ever)."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def hook(request: Request) -> JSONResponse:
            self.requests.append((dict(request.headers), await request.body()))
            status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({"status": status}, status_code=status)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, Receiver]]:
    endpoint = Scripted()
    with Receiver(endpoint.app(), port=0) as server:
        yield endpoint, server


@dataclass
class Sim:
    server: ServerHandle
    clock: SimClock
    key: str  # the profile's key: its webhooks, its sends

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        r = httpx.request(method, self.server.base_url + path, headers={"x-api-key": self.key}, timeout=10, **kwargs)
        assert r.status_code < 300, r.text
        return r.json()["data"] if r.content else None

    def webhook(self, url: str, **spec: Any) -> dict[str, Any]:
        return self.call("POST", "/v3/webhooks", json={"endpoint_url": url, "event_types": ["messages"], **spec})

    def events(self, webhook_id: str) -> list[dict[str, Any]]:
        return self.call("GET", f"/v3/webhooks/{webhook_id}/events", params={"page_size": 100})["events"]

    def send(self, n: int = 2) -> list[str]:
        contacts = self.call("GET", "/v3/contacts", params={"page_size": 50})["contacts"]
        contacts = [c for c in contacts if not c["opt_out"]][:n]
        templates = self.call("GET", "/v3/templates", params={"page_size": 100})["templates"]
        template = next(t for t in templates if t["status"] == "APPROVED" and "sms" in t["channels"])
        sent = self.call("POST", "/v3/messages", json={"to": [c["phone_number"] for c in contacts],
                                                        "template": {"id": template["id"]}, "channel": ["sms"]})
        return [r["message_id"] for r in sent["recipients"]]

    def settled(self, webhook_id: str) -> list[dict[str, Any]] | None:
        events = self.events(webhook_id)
        return events if events and all(e["delivery_status"] != "pending" for e in events) else None


@pytest.fixture
def sim(make_world) -> Iterator[Sim]:
    clock = SimClock.frozen(START)
    world = make_world(seed=11, contacts=120, messages=60, profiles=1, clock=clock)
    with running_server(world, SimulatorConfig(rate_limits=None)) as server:
        yield Sim(server, clock, world.profile_keys[world.profile_ids[0]])
