"""Progress shown only where a person is watching: one bar per call in a notebook, one plain line on a terminal.

A call of the public API (``lab.messages()``, ``lab.report()``...) runs inside :func:`one_display`:
every ``Bar`` its layers create (one per profile, per list, per fan-out) feeds that call's single
display instead of drawing its own. In a notebook the display is a tqdm widget, drawn once the
call is more than a handful of requests; on a terminal it is one line on stderr, redrawn in
place, that appears only once the call has run for a few seconds and ends with what was done.
``progress=False`` (``connect``, any client call), ``sentlab --quiet`` or ``SENTLAB_PROGRESS=0``
turn it off; ``SENTLAB_PROGRESS=1`` turns it on where it would be off (a pipe, a log file).

>>> with one_display("contacts"):
...     with Bar("contacts", enabled=True, unit="page") as bar:
...         bar.add_total(40); bar.update(40)
"""

from __future__ import annotations

import contextvars
import functools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

from ._pagination import Progress

# Fewer requests than this finish before a notebook bar would be worth drawing.
MIN_REQUESTS_FOR_BAR = 6
# A terminal line appears only for work that has run this long (seconds) ...
MIN_SECONDS_FOR_LINE = 3.0
# ... and is redrawn at most this often (on a terminal; to a file or pipe: a new line this often).
REDRAW_SECONDS = 0.5
LOG_LINE_SECONDS = 10.0

_OFF = {"0", "false", "off", "no"}
_ON = {"1", "true", "on", "yes"}

F = TypeVar("F", bound=Callable[..., Any])


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, VS Code, Colab); never imports IPython itself."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:
        return False
    return shell is not None and getattr(shell, "kernel", None) is not None


def wants_progress(setting: bool | None, default: bool | None = None) -> bool:
    """Resolve ``progress=None`` (auto): on in a notebook or when stderr is a terminal, off in CI and pipes.

    ``SENTLAB_PROGRESS=0`` turns auto off, ``SENTLAB_PROGRESS=1`` on; an explicit setting wins,
    then ``default`` (a client's own ``progress=``) when the call gave none.

    >>> wants_progress(False), wants_progress(None, default=False)
    (False, False)
    """
    if setting is None:
        setting = default
    if setting is not None:
        return bool(setting)
    env = os.environ.get("SENTLAB_PROGRESS", "").strip().lower()
    if env in _OFF:
        return False
    if env in _ON or in_notebook():
        return True
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Display:
    """One call's progress: requests done out of those known so far, and the phase under way.

    Drawn as a tqdm widget in a notebook, as one plain line on stderr elsewhere; nothing is
    drawn for quick work. Thread-safe (updates arrive from sentlab's loop thread).
    """

    def __init__(self, description: str, *, unit: str = "req", stream: TextIO | None = None,
                 notebook: bool | None = None, clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.description = description
        self.unit = unit
        self.total = 0
        self.done = 0
        self.phase = description
        self._notebook = in_notebook() if notebook is None else notebook
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None  # when the terminal line was last drawn
        self._width = 0
        self._bar: Any = None
        self._lock = threading.RLock()

    # -- what the layers report ------------------------------------------------------------------

    def add_total(self, n: int, phase: str | None = None) -> None:
        with self._lock:
            self.total += n
            self._note(phase)
            if self._bar is not None:
                self._bar.total = max(self.total, self.done)
                self._bar.refresh()
            else:
                self._draw()

    def update(self, n: int = 1, phase: str | None = None) -> None:
        with self._lock:
            self.done += n
            self._note(phase)
            if self._bar is not None:
                if self.done > self._bar.total:
                    self._bar.total = self.done
                self._bar.update(n)
            else:
                self._draw()

    def _note(self, phase: str | None) -> None:
        if phase and phase != self.phase:
            self.phase = phase
            if self._bar is not None and phase != self.description:
                self._bar.set_postfix_str(phase, refresh=False)

    # -- drawing ---------------------------------------------------------------------------------

    def _draw(self) -> None:
        if self._notebook:
            self._start_widget()
        else:
            self._draw_line()

    def _start_widget(self) -> None:
        if max(self.total, self.done) < MIN_REQUESTS_FOR_BAR:
            return
        self._bar = notebook_bar(total=max(self.total, self.done), initial=self.done,
                                 desc=self.description, unit=self.unit)  # fmt: skip
        if self.phase != self.description:
            self._bar.set_postfix_str(self.phase, refresh=False)

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def _is_tty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, ValueError):
            return False

    def _draw_line(self) -> None:
        now = self._clock()
        if now - self._started < MIN_SECONDS_FOR_LINE:
            return
        every = REDRAW_SECONDS if self._is_tty() else LOG_LINE_SECONDS
        if self._drawn_at is not None and now - self._drawn_at < every:
            return
        self._drawn_at = now
        self._write(self.line(now))

    def line(self, now: float | None = None) -> str:
        """The progress as one line of plain text.

        >>> Display("messages").line()
        'sentlab: messages: 0 requests so far, 0 s'
        """
        elapsed = (self._clock() if now is None else now) - self._started
        phase = f" ({self.phase})" if self.phase != self.description else ""
        if self.total > self.done:
            done = f"{self.done:,} of {self.total:,} requests ({100 * self.done // self.total}%)"
        else:
            done = f"{self.done:,} requests so far"
        return f"sentlab: {self.description}{phase}: {done}, {_seconds(elapsed)}"

    def _write(self, text: str) -> None:
        stream = self.stream
        try:
            if self._is_tty():
                stream.write("\r" + text.ljust(self._width))
                self._width = len(text)
            else:
                stream.write(text + "\n")
            stream.flush()
        except (OSError, ValueError):  # a closed stream: progress is never worth an error
            pass

    def close(self) -> None:
        """Remove the widget, or finish the terminal line with what was done (if it was shown)."""
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
            if self._drawn_at is not None:
                elapsed = _seconds(self._clock() - self._started)
                self._write(f"sentlab: {self.description}: {self.done:,} requests in {elapsed}")
                if self._is_tty():
                    self._write_raw("\n")
                self._drawn_at = None

    def _write_raw(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass


def notebook_bar(**options: Any) -> Any:
    """A tqdm notebook widget (``tqdm.auto``) that disappears when closed."""
    from tqdm.auto import tqdm

    return tqdm(leave=False, dynamic_ncols=True, **options)


def _seconds(elapsed: float) -> str:
    seconds = int(elapsed)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


# The display of the public call under way (it follows the call onto sentlab's loop thread: see _loop_thread).
_CURRENT: contextvars.ContextVar[Display | None] = contextvars.ContextVar("sentlab_progress", default=None)


def current_display() -> Display | None:
    """The display of the call under way in this context, if any."""
    return _CURRENT.get()


@contextmanager
def use_display(display: Display | None) -> Iterator[None]:
    """Make ``display`` the current one in this context (how a coroutine on the loop thread joins its call)."""
    token = _CURRENT.set(display)
    try:
        yield
    finally:
        _CURRENT.reset(token)


@contextmanager
def one_display(description: str) -> Iterator[Display]:
    """Everything inside shows as one display; inside another call's, it joins that one.

    >>> with one_display("messages"):
    ...     messages = lab.api.message_list()     # every profile's pages: one bar
    """
    outer = _CURRENT.get()
    if outer is not None:
        yield outer
        return
    display = Display(description)
    token = _CURRENT.set(display)
    try:
        yield display
    finally:
        _CURRENT.reset(token)
        display.close()


def one_display_per_call(method: F) -> F:
    """Decorate a public method so that one call shows one display (named after the method).

    >>> class Frames:
    ...     @one_display_per_call
    ...     def contacts(self):                   # every profile's pages: one bar per call
    ...         return lab.api.contacts()
    >>> len(Frames().contacts()) > 0
    True
    """

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_display(method.__name__):
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Bar(Progress):
    """The progress of one piece of work: it feeds the current call's display, or its own.

    Created for every list, profile and fan-out; disabled bars (``progress=False``) show nothing.

    >>> bar = Bar("contacts", enabled=True); bar.add_total(100); bar.update(); bar.close()
    """

    def __init__(self, description: str, *, enabled: bool, unit: str = "req", total: int = 0) -> None:
        self.description = description
        self.enabled = enabled
        self.unit = unit
        self.total = 0
        self.done = 0
        shared = _CURRENT.get() if enabled else None
        self._owns_display = enabled and shared is None
        self._display = Display(description, unit=unit) if self._owns_display else shared
        if total:
            self.add_total(total)

    def add_total(self, n: int) -> None:
        self.total += n
        if self._display is not None:
            self._display.add_total(n, self.description)

    def update(self, n: int = 1) -> None:
        self.done += n
        if self._display is not None:
            self._display.update(n, self.description)

    def close(self) -> None:
        if self._owns_display and self._display is not None:
            self._display.close()
        self._display = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
