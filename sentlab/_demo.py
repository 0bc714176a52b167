"""The built-in demo account: the simulator's world in-process, and its /v3/me kept for the day.

``connect()`` with no key and no base URL talks to it: requests go to an in-process simulator
(no port, no network), whose world is built on the first request only.

>>> lab = sentlab.connect()                # no key, no base URL: a client over _DemoTransport()
>>> lab.world                              # the demo world, built on the first request
<World seed=7 profiles=3 contacts=2000 messages=...>
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import httpx

#: The base URL the demo client shows: no request leaves the process.
SIMULATOR_BASE_URL = "http://simulator.sentlab.invalid"
DEMO_NOTICE = (
    "sentlab: no API key or base URL — using the built-in simulator (demo account, offline, "
    "no rate limit)"
)
#: The demo client's key: a placeholder the in-process transport replaces with the world's own
#: organization key, so that connecting needs no world (a warm demo report builds none).
DEMO_KEY = "sk_test_" + "0" * 32


class _DemoTransport(httpx.AsyncBaseTransport):
    """The built-in demo account, in-process: the simulator's world is built on the first request.

    Requests carrying ``DEMO_KEY`` go to the world as its organization (the demo keys are not
    secrets: ``sentlab simulate`` prints them); any other key is passed as it is.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._app: httpx.AsyncBaseTransport | None = None

    @property
    def world(self) -> Any:
        from .simulator import demo_world

        with self._lock:  # built once per process (demo_world is cached), whichever thread asks first
            return demo_world()

    def _transport(self) -> httpx.AsyncBaseTransport:
        if self._app is None:
            from .simulator import SimulatorConfig, create_app, in_process_transport

            world = self.world
            with self._lock:
                if self._app is None:
                    self._app = in_process_transport(create_app(world, SimulatorConfig(rate_limits=None)))
        return self._app

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._transport()
        if request.headers.get("x-api-key") == DEMO_KEY:
            request.headers["x-api-key"] = self.world.org_key
        return await transport.handle_async_request(request)


class _DemoAccount:
    """Today's /v3/me answer of the demo account, kept beside the store (it holds no key).

    The demo world is the same all day for one version of sentlab's code (its history ends at
    today's midnight UTC), so its account is too; a new day, or changed simulator code, asks again.
    """

    def __init__(self, cache_dir: str | Path | None) -> None:
        from ._store import default_store_dir

        self.path = (Path(cache_dir) if cache_dir is not None else default_store_dir()) / "demo-account.json"

    @staticmethod
    def _fingerprint() -> str:
        import datetime
        import hashlib

        from . import __version__, simulator

        code = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in Path(simulator.__file__).parent.glob("*.py"))
        day = datetime.datetime.now(datetime.UTC).date().isoformat()
        return hashlib.sha256(repr((__version__, day, code)).encode()).hexdigest()

    def read(self) -> dict[str, Any] | None:
        import json

        try:
            memo = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = isinstance(memo, dict) and memo.get("fingerprint") == self._fingerprint() and isinstance(memo.get("me"), dict)
        return memo["me"] if ok else None

    def write(self, me: dict[str, Any]) -> None:
        import json
        import os

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.part")
            tmp.write_text(json.dumps({"fingerprint": self._fingerprint(), "me": me}), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # only the next connect's speed depends on it
