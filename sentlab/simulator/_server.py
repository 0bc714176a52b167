"""Running the simulator: the assembled ASGI app, in-process over httpx, or on a loopback port."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import signal
import socket
import threading
from collections.abc import Callable
from http import HTTPStatus
from types import FrameType
from typing import TYPE_CHECKING, Any

import h11
import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from sentlab._serving import wait_started

from ._envelope import API_VERSION, error_body, new_request_id
from ._middleware import DroppedConnection, Receive, Scope, Send, edge
from ._settings import SimulatorConfig
from ._validation import MAX_HEADER_BYTES, MAX_URL_BYTES

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from ._world import World


class SimulatorApp:
    """The Sent v3 simulator as an ASGI app: the routes (``.core``) inside the edge layers.

    ``.world`` is the synthetic account it serves and ``.config`` its edge behaviour;
    ``.delivery`` POSTs the events of loopback webhooks (``running_server`` runs it; in-process,
    ``app.delivery.start()``).
    """

    def __init__(self, world: World, config: SimulatorConfig) -> None:
        from ._app import core_app
        from ._delivery import Deliverer

        self.world = world
        self.config = config
        self.core: Starlette = core_app(world)
        self.delivery = Deliverer(world)
        self._asgi = edge(self.core, world, config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    def __repr__(self) -> str:
        return f"<SimulatorApp organization={getattr(self.world, 'organization_id', '?')!r}>"


def create_app(world: World | None = None, config: SimulatorConfig | None = None) -> SimulatorApp:
    """The simulator app for ``world`` (default: the demo world) with the documented edge behaviour.

    Rate limits and idempotency expiry run on ``world.clock``: on a frozen clock an emptied
    bucket stays empty until the test advances the clock (or passes ``rate_limits=None``).

    >>> app = create_app(config=SimulatorConfig(rate_limits=None))
    >>> app
    <SimulatorApp organization='...'>
    >>> app.world is demo_world()
    True
    """
    if world is None:
        from ._world import demo_world

        world = demo_world()
    return SimulatorApp(world, config or SimulatorConfig())


def in_process_transport(app: Any) -> httpx.AsyncBaseTransport:
    """An httpx transport that calls ``app`` directly: no port, no thread.

    >>> app = create_app()
    >>> async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sim") as client:
    ...     response = await client.get("/v3/templates", headers={"x-api-key": app.world.org_key})
    >>> response.status_code, response.headers["x-api-version"]
    (200, 'v3')

    A ``drop`` fault surfaces as ``httpx.RemoteProtocolError``, as it would over a socket.
    """
    return httpx.ASGITransport(app=app)


class _QuietDrops(logging.Filter):
    """uvicorn logs every exception escaping the app; a simulated drop is not worth a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DroppedConnection)


_quiet_drops = _QuietDrops()


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the simulator only listens on loopback addresses, not {host!r}")


#: The request head (request line + headers) uvicorn buffers before the app runs: room for the
#: app's own 414/431 limits, which answer with the edge headers; beyond it uvicorn refuses itself.
_MAX_HEAD_BYTES = 2 * (MAX_URL_BYTES + MAX_HEADER_BYTES)


class _EnvelopeH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, but a request it cannot parse (malformed, or a head over
    ``_MAX_HEAD_BYTES``) is answered with the error envelope instead of a plain-text 400."""

    def send_400_response(self, msg: str) -> None:
        pending, _ = self.conn.trailing_data
        too_long = len(pending) > _MAX_HEAD_BYTES
        status, problem = (431, "The request head is too large") if too_long else (400, "The HTTP request is malformed")
        rid = new_request_id()
        body = json.dumps(error_body("VALIDATION_001", "Request validation failed", rid, {"request": [problem]})).encode()
        head = [(b"content-type", b"application/json"), (b"connection", b"close"), (b"x-request-id", rid.encode()),
                (b"x-api-version", API_VERSION.encode())]
        response = h11.Response(status_code=status, headers=head, reason=HTTPStatus(status).phrase.encode())
        for event in (response, h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def _deliverer(world: World) -> Any:
    from ._delivery import Deliverer

    return Deliverer(world)


class ServerHandle:
    """A simulator served by uvicorn in a background thread; a context manager.

    >>> with running_server() as server:
    ...     httpx.get(server.base_url + "/v3/me", headers={"x-api-key": server.org_key}).status_code
    200
    """

    def __init__(self, app: SimulatorApp, host: str, port: int) -> None:
        _check_loopback(host)
        self.app = app
        self.world = app.world
        # the app's deliverer; an app wrapping the simulator's (a test's counter) gets one of its own
        self.delivery = getattr(app, "delivery", None) or _deliverer(app.world)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP, and
        # without it Nagle + delayed ACK add 40 ms to every kept-alive response
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=2, http=_EnvelopeH11,
                                h11_max_incomplete_event_size=_MAX_HEAD_BYTES)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sentlab-simulator-{self.port}", daemon=True)
        self._error: BaseException | None = None
        self._stopped = False
        logging.getLogger("uvicorn.error").addFilter(_quiet_drops)

    @property
    def base_url(self) -> str:
        """Where the server listens, e.g. ``http://127.0.0.1:54321``.

        >>> with running_server(build_world(contacts=50, messages=10)) as server:
        ...     server.base_url.startswith("http://127.0.0.1:")
        True
        """
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def org_key(self) -> str:
        """The organization's API key (demo keys are not secrets).

        >>> with running_server(build_world(contacts=50, messages=10)) as server:
        ...     server.org_key == server.world.org_key
        True
        """
        return self.world.org_key

    @property
    def profile_keys(self) -> dict[str, str]:
        """profile id -> that profile's API key.

        >>> with running_server(build_world(contacts=50, messages=10, profiles=2)) as server:
        ...     len(server.profile_keys)
        2
        """
        return dict(self.world.profile_keys)

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported by start()
            self._error = exc

    def start(self, timeout: float = 10.0) -> ServerHandle:
        """Start serving and wait until the server accepts connections (``running_server`` calls it).

        >>> server = ServerHandle(create_app(), "127.0.0.1", 0).start()
        >>> httpx.get(server.base_url + "/v3/me").json()["error"]["code"]   # no key: 401
        'AUTH_001'
        >>> server.stop()
        """
        self._thread.start()
        wait_started(self._server, self._thread, lambda: self._error, self.stop, "the simulator", timeout)
        self.delivery.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down cleanly and join the thread; calling it again does nothing.

        >>> server = running_server()
        >>> server.stop(); server.stop()
        >>> server
        <ServerHandle http://127.0.0.1:... stopped>
        """
        if self._stopped:
            return
        self._stopped = True
        self.delivery.stop()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerHandle {self.base_url}{' stopped' if self._stopped else ''}>"


def running_server(world: World | None = None, config: SimulatorConfig | None = None,
                   host: str = "127.0.0.1", port: int = 0) -> ServerHandle:
    """Serve the simulator on a free loopback port in a background thread, started and ready.

    >>> with running_server() as server:
    ...     httpx.get(f"{server.base_url}/v3/me", headers={"x-api-key": server.org_key}).json()["data"]["type"]
    'organization'
    """
    return ServerHandle(create_app(world, config), host, port).start()


def serve_forever(world: World | None = None, config: SimulatorConfig | None = None,
                  host: str = "127.0.0.1", port: int = 8000,
                  ready: Callable[[ServerHandle], None] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then shut down cleanly and return (the CLI's main loop).

    >>> serve_forever(port=8000, ready=lambda server: print(server.base_url))  # doctest: +SKIP
    http://127.0.0.1:8000
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with running_server(world, config, host, port) as server:
            if ready is not None:
                ready(server)
            while not stop.wait(0.5):
                if not server._thread.is_alive():
                    raise RuntimeError("the simulator stopped unexpectedly")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
