"""Progress bars that appear only where a person is watching: a terminal or a notebook, and only for slow work."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from ._pagination import Progress

# Fewer requests than this finish before a bar would be worth drawing.
MIN_REQUESTS_FOR_BAR = 6


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


def wants_progress(setting: bool | None) -> bool:
    """Resolve ``progress=None`` (auto): on in a notebook or when stderr is a terminal, off in CI and pipes."""
    if setting is not None:
        return bool(setting)
    if os.environ.get("SENTLAB_PROGRESS", "").lower() in {"0", "false", "off", "no"}:
        return False
    if in_notebook():
        return True
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class Bar(Progress):
    """A tqdm.auto bar created lazily, once the work is known to be more than a handful of requests.

    >>> bar = Bar("contacts", enabled=True); bar.add_total(100); bar.update(); bar.close()
    """

    def __init__(self, description: str, *, enabled: bool, unit: str = "req", total: int = 0) -> None:
        self.description = description
        self.enabled = enabled
        self.unit = unit
        self.total = total
        self.done = 0
        self._bar: Any = None
        self._lock = threading.Lock()

    def add_total(self, n: int) -> None:
        with self._lock:
            self.total += n
            if self._bar is not None:
                self._bar.total = self.total
                self._bar.refresh()
            else:
                self._maybe_start()

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            if self._bar is not None:
                self._bar.update(n)
            else:
                self._maybe_start()

    def _maybe_start(self) -> None:
        if not self.enabled or max(self.total, self.done) < MIN_REQUESTS_FOR_BAR:
            return
        from tqdm.auto import tqdm

        self._bar = tqdm(
            total=max(self.total, self.done),
            initial=self.done,
            desc=self.description,
            unit=self.unit,
            leave=False,
            dynamic_ncols=True,
        )

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
