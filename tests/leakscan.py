"""A scanner for API keys (or any 10-character fragment of one) in text, files and log records:
the suite registers every key its tests use, and ``tests/conftest.py`` fails the run if one is
found where it must never be (see ``KeyLeakWatch``).

>>> scan = LeakScan(); scan.add_key("sk_test_0123456789abcdef0123456789abcdef")
>>> scan.find("GET /v3/me?k=789abcdef0123 ->")
'789abcdef0'
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

FRAGMENT = 10  # characters: a fragment this long of a key is a leak
_RUN = re.compile(rb"[A-Za-z0-9_\-]{%d,}" % FRAGMENT)
_PREFIX = re.compile(r"^[a-z]{2,4}_(?:test|live|prod)_")
MIN_KEY = 16  # shorter strings passed as keys are the tests' deliberately wrong ones ("k", "sk_test_wrong")


class LeakScan:
    """The keys seen, as their 10-character fragments (the random part only: not ``sk_test_``,
    and only fragments with a letter and a digit, so '0123456789' in a phone number is no hit)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.fragments: set[bytes] = set()
        self.findings: list[str] = []

    def add_key(self, key: object) -> None:
        if not isinstance(key, str) or len(key.strip()) < MIN_KEY or key in self.keys:
            return
        self.keys.add(key)
        body = _PREFIX.sub("", key.strip())
        for i in range(len(body) - FRAGMENT + 1):
            piece = body[i : i + FRAGMENT]
            if any(c.isalpha() for c in piece) and any(c.isdigit() for c in piece):
                self.fragments.add(piece.encode())

    def find(self, text: str | bytes) -> str | None:
        """The first key fragment in ``text``, or None."""
        if not self.fragments or not text:
            return None
        data = text.encode("utf-8", "replace") if isinstance(text, str) else text
        for run in _RUN.finditer(data):
            word = run.group()
            for i in range(len(word) - FRAGMENT + 1):
                if word[i : i + FRAGMENT] in self.fragments:
                    return word[i : i + FRAGMENT].decode()
        return None

    def check(self, text: str | bytes, where: str) -> None:
        hit = self.find(text)
        if hit is not None:
            self.findings.append(f"{where}: holds a fragment of an API key ({hit[:3]}…)")

    def scan_tree(self, root: Path, *, skip_names: tuple[str, ...] = (".env",)) -> int:
        """Check every file under ``root`` (a test's deliberate ``.env`` files left out); the files read."""
        files = 0
        for path in root.rglob("*"):
            if not path.is_file() or path.is_symlink() or path.name.startswith(skip_names):
                continue
            try:
                self.check(path.read_bytes(), f"file {path}")
            except OSError:
                continue
            files += 1
        return files


class LeakHandler(logging.Handler):
    """A logging handler checking every record (its message and its arguments) as it is emitted."""

    def __init__(self, scan: LeakScan) -> None:
        super().__init__(logging.DEBUG)
        self.scan = scan

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not format: check what is there
            text = f"{record.msg} {record.args}"
        self.scan.check(f"{text} {record.exc_text or ''}", f"log record {record.name}:{record.lineno}")
