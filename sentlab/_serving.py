"""Waiting for a uvicorn server started in a background thread (the simulator's, the webhook receiver's)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


def wait_started(server: Any, thread: threading.Thread, error: Callable[[], BaseException | None],
                 stop: Callable[[], None], what: str, timeout: float) -> None:  # fmt: skip
    """Block until ``server.started``; a failed thread is a RuntimeError, a timeout stops it and raises.

    >>> thread.start(); wait_started(server, thread, lambda: handle._error, handle.stop, "the simulator", 10.0)
    """
    deadline = time.monotonic() + timeout
    while not server.started:
        if error() is not None or not thread.is_alive():
            raise RuntimeError(f"{what} failed to start: {error()!r}")
        if time.monotonic() > deadline:
            stop()
            raise TimeoutError(f"{what} did not start within {timeout} s")
        time.sleep(0.005)
