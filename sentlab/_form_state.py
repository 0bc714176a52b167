"""What every form controller shares: change listeners, so widgets and code see one state, and display text without the key.

``SendController`` and ``LookupController`` are ``Observable``; the widgets show errors through ``safe_text``.

>>> stop = lookups.observe(print); _ = lookups.set_numbers("+14155550123")
form
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Observable", "as_text", "safe_text"]




class Observable:
    """Listeners told of every change, so a form's widgets show what code set (and code sees clicks).

    A listener is called with ``"form"`` (an input changed) or ``"submission"`` (a send or lookup
    started, ended, or was withdrawn), in the thread that made the change.
    """

    _listeners: list[Callable[[str], None]]

    def observe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(what)`` after each change (``what`` is ``"form"`` or ``"submission"``); returns an unsubscribe.

        >>> stop = form.observe(print); _ = form.set_recipients("+14155550123")
        form
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _notify(self, what: str) -> None:
        for listener in list(self._listeners):
            listener(what)


def as_text(numbers: str | list[str]) -> str:
    return numbers if isinstance(numbers, str) else "\n".join(numbers)


def safe_text(source: Any, text: str) -> str:
    """``text`` with the API key of ``source`` (a Lab or a client) replaced by ``***``, for display.

    >>> safe_text(lab, "403 AUTH_004: this key may not do this")   # a message that names no key: unchanged
    '403 AUTH_004: this key may not do this'
    """
    redact = getattr(getattr(source, "api", source), "redact", None)  # SentClient.redact, AsyncSentClient.redact
    return redact(text) if callable(redact) else text
