"""Run coroutines from synchronous code on a private event loop in a background thread, interruptibly.

Why a thread and not nest-asyncio: the sync API must work in a script (no loop), inside
Jupyter's already running loop, and inside an ipywidgets callback (which runs *on* that loop).
``nest_asyncio.apply()`` would make the running loop re-entrant by patching asyncio for the
whole process — a global side effect, unsafe with other libraries' tasks, and unsupported by
newer Pythons and other loop implementations. A private loop in a daemon thread needs no
patching: the calling thread simply blocks on a future, exactly like any blocking I/O call,
whatever loop (if any) it is running. The loop starts lazily on the first sync call, never at
import.

Interrupts: a KeyboardInterrupt (Ctrl-C, the notebook's stop button) arrives in the calling
thread while it waits; the runner then cancels the coroutine on the loop (httpx drops the
in-flight requests at once), waits up to ``cancel_grace`` seconds for it to unwind so it can
record what it had fetched, and re-raises the KeyboardInterrupt.

Progress: the coroutine runs with the calling thread's progress display (``_progress``), so one
public call shows one bar however many coroutines it runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from ._progress import current_display, use_display

T = TypeVar("T")

_POLL_SECONDS = 0.1  # how often the waiting thread wakes to notice signals, everywhere


class LoopThread:
    """An event loop running forever in a daemon thread.

    >>> import asyncio, threading
    >>> runner = LoopThread.shared()
    >>> runner.run(asyncio.sleep(0.1, result=42))       # blocks until the coroutine returns
    42
    >>> async def where(): return threading.current_thread().name
    >>> runner.run(where()), runner.in_loop_thread()     # it ran on the loop's thread, not this one
    ('sentlab-loop', False)
    """

    _shared: LoopThread | None = None
    _shared_lock = threading.Lock()

    def __init__(self, name: str = "sentlab-loop") -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    @classmethod
    def shared(cls) -> LoopThread:
        """The process's one sentlab loop thread, started on first use.

        >>> LoopThread.shared() is LoopThread.shared()
        True
        """
        with cls._shared_lock:
            if cls._shared is None or not cls._shared._thread.is_alive():
                cls._shared = cls()
            return cls._shared

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._ready.set()
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def run(self, coroutine: Coroutine[Any, Any, T], *, cancel_grace: float = 1.0) -> T:
        """Run ``coroutine`` on the loop and block until it finishes; Ctrl-C cancels it."""
        if self.in_loop_thread():
            coroutine.close()
            raise RuntimeError(
                "a sentlab sync method was called from sentlab's own event loop; "
                "use the async client (await lab.aapi...) inside coroutines run by sentlab"
            )
        finished = threading.Event()
        display = current_display()  # the calling thread's progress: the coroutine's bars join it

        async def tracked() -> T:
            try:
                with use_display(display):
                    return await coroutine
            finally:
                finished.set()  # set after the coroutine unwound, cancellation included

        future = asyncio.run_coroutine_threadsafe(tracked(), self.loop)
        try:
            while True:
                try:
                    return future.result(timeout=_POLL_SECONDS)
                except concurrent.futures.TimeoutError:
                    continue
        except KeyboardInterrupt:
            future.cancel()  # cancels the task on the loop: in-flight requests are dropped
            finished.wait(cancel_grace)
            raise
