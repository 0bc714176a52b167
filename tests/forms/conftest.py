"""The forms' test kit: a recording simulator app, a small world and a lab on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import sentlab
from sentlab import SendController
from sentlab.simulator import (
    SimClock,
    SimulatorConfig,
    build_world,
    create_app,
    in_process_transport,
)

SEND_PATH = "/v3/messages"


class Recorder:
    """An ASGI wrapper around the simulator that records every request and its answer.

    ``on_send`` runs when a send arrives, before the simulator sees it; ``lose_next_answer``
    lets the simulator process the next send, then answers 503 instead (the answer was lost).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: list[dict[str, Any]] = []
        self.on_send: Callable[[], None] | None = None
        self.lose_next_answer = False
        self.lost_bodies: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        call: dict[str, Any] = {
            "method": scope["method"], "path": scope["path"],
            "headers": {k.decode().lower(): v.decode() for k, v in scope["headers"]},
            "body": b"", "status": None, "response_headers": {}, "response": b"",
        }  # fmt: skip
        self.calls.append(call)

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
                call["status"] = message["status"]
                call["response_headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
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

    def sends(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["method"] == "POST" and c["path"] == SEND_PATH]

    def send_bodies(self) -> list[dict[str, Any]]:
        return [json.loads(c["body"]) for c in self.sends()]

    def lookups(self) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["path"].startswith("/v3/numbers/lookup/")]


def small_world() -> Any:
    return build_world(seed=3, contacts=60, messages=50, profiles=1,
                       clock=SimClock.frozen(datetime(2026, 4, 8, 12, tzinfo=UTC)))  # fmt: skip


def make_lab(world: Any, recorder: Recorder, tmp_path: Any, **options: Any) -> Any:
    return sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(recorder),
                           pacing=None, progress=False, cache_dir=tmp_path, **options)  # fmt: skip


@pytest.fixture
def world() -> Any:
    return small_world()


@pytest.fixture
def recorder(world: Any) -> Recorder:
    return Recorder(create_app(world, SimulatorConfig(rate_limits=None)))


@pytest.fixture
def lab(world: Any, recorder: Recorder, tmp_path: Any) -> Any:
    with make_lab(world, recorder, tmp_path) as lab:
        yield lab


def filled(lab: Any, **options: Any) -> SendController:
    """A form ready to send order_confirmation to one new number."""
    form = SendController(lab, template="order_confirmation", **options)
    form.set_parameters(name="Ada", order_id="A-1001")
    form.set_recipients("+14155550123")
    return form


def sms_only_contact(lab: Any) -> str:
    return next(c["phone_number"] for c in lab.api.contacts()
                if not {"whatsapp", "rcs"} & set(c["available_channels"].split(",")))  # fmt: skip

