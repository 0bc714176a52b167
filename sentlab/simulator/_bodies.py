"""Message texts: template values drawn per message, rendered bodies, their SMS lengths, replies.

A historical message's body is never stored: it is rendered on demand from its template and
values drawn from the message's row number. The same draws give the body's length without
rendering it (:func:`template_units`), so a world of 100k messages prices every SMS by its true
segment count at build time, vectorized.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import numpy as np

from ._records import Records, Template
from ._vocab import CHANNELS, render, sms_units, variables

__all__ = ["message_body", "reply_text", "template_units"]

FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Goran", "Hana", "Ivan", "Jia",
               "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq")  # fmt: skip
_PRODUCTS = ("Trail Runner 2", "Linen Shirt", "Espresso Grinder", "Yoga Mat", "Desk Lamp")
_DISCOUNTS = (10, 15, 20, 25, 30)

# Each value is one digit of a mixed-radix draw: (variable, radix, which 64-bit word).
_DIGITS: tuple[tuple[str, int, int], ...] = (
    ("day", 5, 0), ("name", len(FIRST_NAMES), 0), ("discount", len(_DISCOUNTS), 0),
    ("product", len(_PRODUCTS), 0), ("points", 4950, 0), ("hour", 11, 0), ("minute", 4, 0),
    ("link", 1 << 24, 1), ("order_id", 90000, 1), ("dollars", 395, 1), ("cents", 100, 1),
    ("code", 1_000_000, 2), ("reply", 1 << 16, 2),
)  # fmt: skip
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 of each uint64 (wrapping arithmetic): a cheap, well-mixed hash."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def _digits(seed: int, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Every value digit of messages ``rows`` of a world with ``seed`` (int64 arrays)."""
    salt = np.uint64(((seed * 1_000_003) << 32) & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        base = np.asarray(rows, dtype=np.uint64) * np.uint64(3) + salt
        words = [_splitmix64(base + np.uint64(k)) for k in range(3)]
    out: dict[str, np.ndarray] = {}
    rest = list(words)
    for name, radix, w in _DIGITS:
        out[name] = (rest[w] % np.uint64(radix)).astype(np.int64)
        rest[w] = rest[w] // np.uint64(radix)
    return out


_M64 = (1 << 64) - 1


def _splitmix64_int(x: int) -> int:
    """:func:`_splitmix64` of one integer, in plain Python (no array overhead for a single row)."""
    z = (x + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _row_digits(seed: int, row: int) -> dict[str, int]:
    """:func:`_digits` of one row."""
    base = (row * 3 + (((seed * 1_000_003) << 32) & _M64)) & _M64
    rest = [_splitmix64_int((base + k) & _M64) for k in range(3)]
    out: dict[str, int] = {}
    for name, radix, w in _DIGITS:
        rest[w], out[name] = divmod(rest[w], radix)
    return out


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: How each template parameter is written from the message's digits (and its creation time).
_VALUE_TEXT: dict[str, Callable[[dict[str, int], float], str]] = {
    "name": lambda d, _: FIRST_NAMES[d["name"]],
    "discount": lambda d, _: f"{_DISCOUNTS[d['discount']]}%",
    "link": lambda d, _: f"https://sent.dm/l/{d['link']:06x}",
    "product": lambda d, _: _PRODUCTS[d["product"]],
    "points": lambda d, _: str(50 + d["points"]),
    "date": lambda d, created: _day(created + 86400 * (1 + d["day"])),
    "time": lambda d, _: f"{8 + d['hour']}:{('00', '15', '30', '45')[d['minute']]}",
    "order_id": lambda d, _: f"#{10000 + d['order_id']}",
    "amount": lambda d, _: f"${5 + d['dollars']}.{d['cents']:02d}",
    "code": lambda d, _: f"{d['code']:06d}",
}


def _day(ts: float) -> str:
    day = datetime.fromtimestamp(ts, tz=UTC)
    return f"{_MONTHS[day.month - 1]} {day.day:02d}"  # strftime("%b %d"), locale-free


def _values(seed: int, row: int, created: float, names: Iterable[str] | None = None) -> dict[str, str]:
    """The template parameters of historical message ``row`` (only ``names``, if given)."""
    d = _row_digits(seed, row)
    return {name: _VALUE_TEXT[name](d, created) for name in (names or _VALUE_TEXT) if name in _VALUE_TEXT}


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> tuple[str, tuple[str, ...]]:
    """A template text as a ``str.format`` pattern over its known variables, and their names
    (unknown placeholders stay as written, like :func:`render`)."""
    names = tuple(n for n in variables(text) if n in _VALUE_TEXT)
    pattern = text.replace("{", "{{").replace("}", "}}")
    for name in names:
        pattern = pattern.replace("{{{{" + name + "}}}}", "{" + name + "}")
    return pattern, names


def _ndigits(x: np.ndarray) -> np.ndarray:
    return np.floor(np.log10(np.maximum(x, 1))).astype(np.int64) + 1


#: Length of each value (in GSM-7 septets = characters: every value is plain ASCII) from its digits.
_VALUE_LENGTH: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray | int]] = {
    "name": lambda d: np.array([len(s) for s in FIRST_NAMES])[d["name"]],
    "discount": lambda d: 3,
    "link": lambda d: len("https://sent.dm/l/") + 6,
    "product": lambda d: np.array([len(s) for s in _PRODUCTS])[d["product"]],
    "points": lambda d: _ndigits(50 + d["points"]),
    "date": lambda d: 6,
    "time": lambda d: np.where(8 + d["hour"] >= 10, 5, 4),
    "order_id": lambda d: 6,
    "amount": lambda d: 1 + _ndigits(5 + d["dollars"]) + 3,
    "code": lambda d: 6,
}


@functools.lru_cache(maxsize=256)
def _template_shape(text: str) -> tuple[int, bool, tuple[tuple[str, int], ...]]:
    """``(units of the text without placeholders, GSM-7?, ((variable, occurrences), ...))``."""
    names = variables(text)
    bare = render(text, dict.fromkeys(names, ""))
    units, gsm7 = sms_units(bare)
    counts = tuple((n, text.count("{{" + n + "}}")) for n in names)
    return units, gsm7, counts


def template_units(
    records: Records, rows: np.ndarray, template: np.ndarray, channel: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(encoding units, GSM-7?)`` of the bodies of historical messages ``rows`` (their template
    and channel indices). Equal to ``sms_units(message_body(records, row))`` for every row, without
    rendering one."""
    d = _digits(records.seed, rows)
    units = np.zeros(len(rows), dtype=np.int64)
    gsm = np.ones(len(rows), dtype=bool)
    pairs, inverse = np.unique(np.stack([template, channel], axis=1).astype(np.int64), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    for k, (tpl, ch) in enumerate(pairs.tolist()):
        mask = inverse == k
        base, gsm7, counts = _template_shape(template_text(records.templates[tpl], CHANNELS[ch]))
        total = np.full(int(mask.sum()), base, dtype=np.int64)
        sub = {name: v[mask] for name, v in d.items()}
        for name, n in counts:
            length = _VALUE_LENGTH.get(name)
            total += n * (length(sub) if length else len("{{" + name + "}}"))
        units[mask] = total
        gsm[mask] = gsm7
    return units, gsm


def template_text(t: Template, channel: str) -> str:
    """The text a template sends on ``channel`` (MMS sends its SMS text)."""
    if channel in t.texts:
        return t.texts[channel]
    if channel == "mms" and "sms" in t.texts:
        return t.texts["sms"]
    return next(iter(t.texts.values()))


def message_body(records: Records, i: int) -> str:
    """The text of message ``i``: a live send's as sent, a historical one's rendered from the seed."""
    text = records.message_text.get(i)
    if text is not None:
        return text
    m = records.messages
    if int(m.at("direction", i)) == 1:
        return reply_text(records, i)
    tpl = records.template_of(i)
    if tpl is None:
        return ""
    body = records.body_cache.get(i)
    if body is None:
        pattern, names = _compiled(template_text(tpl, CHANNELS[int(m.at("channel", i))]))
        body = pattern.format_map(_values(records.seed, i, float(m.at("created", i)), names))
        if len(records.body_cache) > 100_000:
            records.body_cache.clear()
        records.body_cache[i] = body
    return body


# What contacts write back: to a template category's messages, and unprompted.
_REPLIES: dict[str | None, tuple[str, ...]] = {
    "MARKETING": ("Thanks!", "Is this still on?", "Do you ship to my area?", "Love it", "How long does the offer last?"),
    "UTILITY": ("Thanks", "When will it arrive?", "Can I change the delivery address?", "Ok", "Confirmed"),
    "AUTHENTICATION": ("I did not request this code", "Code didn't work", "Thanks"),
    "appointment_reminder": ("C", "Confirmed", "Can we move it to later?"),
    None: ("Hi, I have a question about my order", "Hello", "Are you open on Sunday?", "Please call me back"),
}  # fmt: skip


def reply_text(records: Records, i: int) -> str:
    """The text of inbound message ``i``: picked from what contacts say to the message it answers."""
    m = records.messages
    replied = int(m["reply_to"][i])
    key: str | None = None
    if replied >= 0:
        tpl = records.template_of(replied)
        if tpl is not None:
            key = tpl.name if tpl.name in _REPLIES else tpl.category
    options = _REPLIES.get(key) or _REPLIES[None]
    pick = _row_digits(records.seed, i)["reply"]
    return options[pick % len(options)]
