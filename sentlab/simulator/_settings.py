"""The simulator's edge settings: rate limits, faults, latency and idempotency as small frozen values.

``SimulatorConfig`` is what ``create_app(world, config)`` takes and ``_middleware.edge`` reads;
its parts parse the CLI's options (``--rate-limit 200/min``, ``--faults 500=0.02,seed=3``,
``--latency 80ms``). Every default is the documented API's, and lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Faults", "Rate", "RateLimits", "SimulatorConfig", "parse_duration"]


_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|sec|secs|seconds?|m|min|minutes?)\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
                   "m": 60.0, "min": 60.0, "minute": 60.0, "minutes": 60.0}


def parse_duration(text: str | float) -> float:
    """Seconds from ``"80ms"``, ``"0.08s"`` or ``"2min"``; a bare number must be ``0``.

    >>> parse_duration("80ms")
    0.08
    """
    if isinstance(text, int | float):
        return float(text)
    if text.strip() in {"0", "0.0"}:
        return 0.0
    match = _DURATION.match(text.lower())
    if match is None:
        raise ValueError(f"not a duration: {text!r} (write it with a unit, e.g. '80ms' or '0.08s')")
    return float(match.group(1)) * _DURATION_UNITS[match.group(2)]


_RATE = re.compile(r"^\s*(\d+(?:\.\d*)?)\s*/\s*(s|sec|second|m|min|minute|h|hr|hour)\s*$")
_PER_MINUTE = {"s": 60.0, "sec": 60.0, "second": 60.0, "m": 1.0, "min": 1.0, "minute": 1.0,
               "h": 1 / 60, "hr": 1 / 60, "hour": 1 / 60}


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``per_minute`` tokens a minute, at most ``burst`` at once.

    >>> Rate.parse("200/min")
    Rate(per_minute=200.0, burst=50)
    """

    per_minute: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_minute <= 0 or self.burst < 1:
            raise ValueError(f"a rate needs per_minute > 0 and burst >= 1, got {self}")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    @classmethod
    def of(cls, per_minute: float, burst: int | None = None) -> Rate:
        """A rate whose burst defaults to a quarter of a minute's allowance (as the documented 200/50)."""
        return cls(float(per_minute), burst if burst is not None else max(1, round(per_minute / 4)))

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"200/min"``, ``"5/s"``, ``"200/min,burst=50"`` or ``"200/min:50"``."""
        spec, _, burst_text = text.replace(":", ",burst=").partition(",")
        match = _RATE.match(spec.lower())
        if match is None:
            raise ValueError(f"not a rate: {text!r} (e.g. '200/min' or '200/min,burst=50')")
        burst = None
        if burst_text:
            name, _, value = burst_text.partition("=")
            if name.strip() != "burst" or not value.strip().isdigit():
                raise ValueError(f"not a rate: {text!r} (e.g. '200/min,burst=50')")
            burst = int(value)
        return cls.of(float(match.group(1)) * _PER_MINUTE[match.group(2)], burst)


def _default_send_rates() -> dict[str, Rate]:
    # Starter and Growth are documented; Enterprise is "custom", so any generous number will do.
    return {"starter": Rate.of(60), "growth": Rate.of(300), "enterprise": Rate.of(1000)}


@dataclass(frozen=True)
class RateLimits:
    """Per-account limits from api/rate-limits.md; ``SimulatorConfig(rate_limits=None)`` turns them off.

    Every request spends a token of ``standard``; rotate-secret, user invitation and profile
    completion also spend one of ``sensitive``, and ``POST /v3/messages`` one of the account
    tier's ``send`` rate (one token per request, whatever the number of recipients).

    >>> RateLimits.parse("300/min").standard
    Rate(per_minute=300.0, burst=75)
    >>> RateLimits.parse("off") is None
    True
    """

    standard: Rate = Rate(200.0, 50)
    sensitive: Rate = Rate(10.0, 5)
    send: Mapping[str, Rate] = field(default_factory=_default_send_rates)

    @classmethod
    def parse(cls, text: str) -> RateLimits | None:
        """The CLI's ``--rate-limit``: ``"off"`` or a standard rate such as ``"200/min"``.

        >>> RateLimits.parse("5/s,burst=10").standard
        Rate(per_minute=300.0, burst=10)
        """
        if text.strip().lower() in {"off", "none", "0", "false", "no"}:
            return None
        return cls(standard=Rate.parse(text))

    def send_rate(self, tier: str | None) -> Rate:
        """The ``POST /v3/messages`` rate of an account tier (unknown or None: starter).

        >>> RateLimits().send_rate("growth")
        Rate(per_minute=300.0, burst=75)
        """
        return self.send.get((tier or "starter").lower(), self.send.get("starter", Rate.of(60)))


_FAULT_KEYS = {
    "500": "http_500", "502": "http_502", "503": "http_503", "429": "http_429",
    "drop": "drop", "html": "html", "truncate": "truncate", "slow": "slow",
}


@dataclass(frozen=True)
class Faults:
    """Seeded fault injection; every probability is per request and defaults to 0.

    ``http_500/502/503`` answer with the documented INTERNAL_001/003/005 envelopes, ``http_429``
    with a spurious BUSINESS_002, ``html`` with a proxy's HTML 502 page, and ``drop`` closes the
    connection after the status line, so the client sees a transport error (over a real server
    ``peer closed connection``; in-process ``httpx.RemoteProtocolError`` is raised). These six
    exclude each other and happen before the handler runs. ``truncate`` cuts a handled response's
    body in half (the world did change); ``slow`` adds ``slow_delay`` seconds; ``jitter`` adds a
    uniform 0..jitter seconds to every response.

    >>> Faults.parse("500=0.02,drop=0.01,seed=3").http_500
    0.02
    """

    http_500: float = 0.0
    http_502: float = 0.0
    http_503: float = 0.0
    http_429: float = 0.0
    drop: float = 0.0
    html: float = 0.0
    truncate: float = 0.0
    slow: float = 0.0
    slow_delay: float = 1.0
    jitter: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in _FAULT_KEYS.values():
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"fault probability {name}={p} is not within 0..1")
        if sum(p for _, p in self.before_handler()) > 1.0 + 1e-9:
            raise ValueError("the probabilities of 500, 502, 503, 429, drop and html add up to more than 1")
        if self.slow_delay < 0 or self.jitter < 0:
            raise ValueError("slow_delay and jitter must be >= 0")

    def before_handler(self) -> tuple[tuple[str, float], ...]:
        """The faults that replace the handler's response, in the order they are drawn.

        >>> Faults(http_500=0.1).before_handler()[1]
        ('500', 0.1)
        """
        return (("drop", self.drop), ("500", self.http_500), ("502", self.http_502),
                ("503", self.http_503), ("429", self.http_429), ("html", self.html))

    @property
    def active(self) -> bool:
        """Whether any fault (or jitter) can happen at all.

        >>> Faults().active, Faults(drop=0.01).active
        (False, True)
        """
        return any(getattr(self, name) for name in _FAULT_KEYS.values()) or self.jitter > 0

    @classmethod
    def parse(cls, text: str) -> Faults:
        """The CLI's ``--faults``: ``"500=0.02,502=0.01,503=0.01,429=0.02,drop=0.01,truncate=0.01,html=0.01,seed=3"``.

        Also ``slow=0.05,slow_delay=2s`` and ``jitter=50ms``; ``""`` or ``"off"`` means no faults.

        >>> Faults.parse("503=0.1,jitter=50ms,seed=3")
        Faults(http_500=0.0, http_502=0.0, http_503=0.1, http_429=0.0, drop=0.0, html=0.0, truncate=0.0, slow=0.0, slow_delay=1.0, jitter=0.05, seed=3)
        >>> Faults.parse("off") == Faults()
        True
        """
        if text.strip().lower() in {"", "off", "none"}:
            return cls()
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, value = part.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or not value:
                raise ValueError(f"fault {part!r} needs a value, e.g. '500=0.02'")
            if key == "seed":
                values["seed"] = int(value)
            elif key in {"slow_delay", "jitter"}:
                values[key] = parse_duration(value)
            elif key in _FAULT_KEYS:
                values[_FAULT_KEYS[key]] = float(value)
            else:
                known = ", ".join([*_FAULT_KEYS, "slow_delay", "jitter", "seed"])
                raise ValueError(f"unknown fault {key!r}; known: {known}")
        return cls(**values)


@dataclass(frozen=True)
class SimulatorConfig:
    """How the simulator behaves at its edge; the defaults are the documented API.

    >>> SimulatorConfig(rate_limits=None, latency=parse_duration("80ms")).latency
    0.08
    """

    rate_limits: RateLimits | None = field(default_factory=RateLimits)
    faults: Faults = field(default_factory=Faults)
    latency: float = 0.0
    idempotency_ttl: float = 86400.0

    def __post_init__(self) -> None:
        if self.latency < 0 or self.idempotency_ttl <= 0:
            raise ValueError("latency must be >= 0 and idempotency_ttl > 0")
