"""The receiver: an ASGI app that verifies each delivery, stores it once, and answers at once.

``app(secret=...)`` is the app to mount in an existing service; ``Receiver`` serves it with
uvicorn in a background thread (``sentlab listen`` runs one until interrupted). A delivery whose
signature does not check out is answered 401 and stored nowhere; a verified one is stored in
the :class:`~sentlab.webhooks._inbox.Inbox` (a retry only counts another receipt) and answered
200 with ``{"received": true, "duplicate": ...}``. The secret is never logged or shown.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sentlab._errors import ConfigurationError
from sentlab._serving import wait_started

from ._inbox import Inbox, kept_headers
from ._verify import WebhookVerificationError, signing_key, verify

if TYPE_CHECKING:
    from starlette.applications import Starlette

__all__ = ["DEFAULT_SECRET_ENV", "Receiver", "app", "resolve_secrets"]

log = logging.getLogger("sentlab.webhooks")

#: The environment variable the docs' examples read the secret from.
DEFAULT_SECRET_ENV = "SENT_WEBHOOK_SECRET"
#: Larger bodies are refused (413): a webhook envelope is a few KiB.
MAX_BODY_BYTES = 1 << 20


def resolve_secrets(secret: str | Iterable[str] | None = None, *, secret_env: str | None = None,
                    secret_file: str | os.PathLike[str] | None = None) -> list[str]:  # fmt: skip
    """The signing secrets to accept: given, else from a file (one or more, whitespace-separated:
    old and new during a rotation), else from ``secret_env`` (default ``SENT_WEBHOOK_SECRET``).
    Each is checked (``ConfigurationError`` naming where it came from, never its value).

    >>> resolve_secrets(secret_env="SENT_WEBHOOK_SECRET")     # doctest: +SKIP
    """
    if secret is not None:
        values, origin = ([secret] if isinstance(secret, str) else list(secret)), "the secret given"
    elif secret_file is not None:
        try:
            values = Path(secret_file).read_text().split()
        except OSError as exc:
            raise ConfigurationError(f"cannot read the webhook secret file {str(secret_file)!r}: {exc.strerror}") from None
        origin = f"the secret file {str(secret_file)!r}"
    else:
        name = secret_env or DEFAULT_SECRET_ENV
        values, origin = os.environ.get(name, "").split(), f"the environment variable {name}"
    if not values:
        raise ConfigurationError(f"no webhook signing secret in {origin}: set it to the endpoint's whsec_... secret")
    for value in values:
        try:
            signing_key(value)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{origin}: {exc}") from None
    return values


def app(secret: str | Iterable[str] | None = None, *, secret_env: str | None = None,
        secret_file: str | os.PathLike[str] | None = None, store: str | os.PathLike[str] | Inbox | None = None,
        tolerance: float = 300, log_file: str | os.PathLike[str] | None = None) -> Starlette:  # fmt: skip
    """An ASGI app receiving Sent webhooks on any path: verify, store once per event id, answer 200.

    The secret comes from ``secret`` (Python callers), ``secret_file`` or ``secret_env`` (see
    :func:`resolve_secrets`). ``store``: the store directory (default: the one
    ``sentlab.connect()`` uses) or an :class:`Inbox`. ``log_file`` also appends each verified
    delivery as a JSON line in :func:`read_log`'s format. ``GET`` answers a health check.

    >>> receiver = sentlab.webhooks.app(secret_env="SENT_WEBHOOK_SECRET", store="./sent-store")
    >>> uvicorn.run(receiver, port=8080)                                   # doctest: +SKIP
    """
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    secrets = resolve_secrets(secret, secret_env=secret_env, secret_file=secret_file)
    inbox = store if isinstance(store, Inbox) else Inbox(store)
    log_path = Path(log_file) if log_file is not None else None
    log_lock = threading.Lock()

    def keep(headers: list[tuple[bytes, bytes]], body: bytes, received_at: float) -> bool:
        new = inbox.add(headers, body, received_at)
        if log_path is not None:
            line = {"received_at": received_at, "headers": kept_headers(headers), "body": body.decode("utf-8", "replace")}
            with log_lock, log_path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
        return new

    async def receive(request: Request) -> JSONResponse:
        if request.method == "GET":
            return JSONResponse({"status": "ok"})
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "payload_too_large"}, status_code=413)
        received_at = time.time()
        try:
            verify(body, request.headers.raw, secrets, tolerance=tolerance, now=received_at)
        except WebhookVerificationError as exc:
            log.warning("webhook delivery refused (%s)", exc.check)
            return JSONResponse({"error": exc.check, "message": exc.message}, status_code=401)
        new = await run_in_threadpool(keep, list(request.headers.raw), body, received_at)
        return JSONResponse({"received": True, "duplicate": not new})

    receiver = Starlette(routes=[Route("/{path:path}", receive, methods=["GET", "POST"])])
    receiver.state.inbox = inbox
    return receiver


class Receiver:
    """A receiver app served by uvicorn in a background thread on ``host:port`` (0: a free port).

    >>> with Receiver(sentlab.webhooks.app(secret=secret), port=0) as receiver:
    ...     receiver.url
    'http://127.0.0.1:.../'
    """

    def __init__(self, asgi_app: Any, host: str = "127.0.0.1", port: int = 8080) -> None:
        import uvicorn

        self.app = asgi_app
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(asgi_app, log_level="warning", lifespan="off", access_log=False,
                                timeout_graceful_shutdown=2)  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=f"sentlab-webhooks-{self.port}", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def _run(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:
            self._error = exc

    def start(self, timeout: float = 10.0) -> Receiver:
        """Start serving and wait until connections are accepted."""
        self._thread.start()
        wait_started(self._server, self._thread, lambda: self._error, self.stop, "the webhook receiver", timeout)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down and join the thread (again: nothing)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> Receiver:
        return self.start() if not self._thread.is_alive() else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
