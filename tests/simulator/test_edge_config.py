"""The edge's configuration values and their CLI string parsers."""

from __future__ import annotations

import pytest

from sentlab.simulator._settings import Faults, Rate, RateLimits, SimulatorConfig, parse_duration


def test_defaults_are_the_documented_limits():
    config = SimulatorConfig()
    assert config.rate_limits == RateLimits()
    assert config.rate_limits.standard == Rate(200, 50)
    assert config.rate_limits.sensitive == Rate(10, 5)
    assert config.rate_limits.send_rate("starter").per_minute == 60
    assert config.rate_limits.send_rate("growth").per_minute == 300
    assert config.faults == Faults() and not config.faults.active
    assert config.latency == 0.0
    assert config.idempotency_ttl == 86400


@pytest.mark.parametrize(("text", "rate"), [
    ("200/min", Rate(200, 50)),
    ("10/s", Rate(600, 150)),
    ("200/min,burst=20", Rate(200, 20)),
    ("200/min:20", Rate(200, 20)),
    ("3600/hour", Rate(60, 15)),
    ("1/min", Rate(1, 1)),
])
def test_rate_limit_strings(text, rate):
    assert RateLimits.parse(text).standard == rate


@pytest.mark.parametrize("text", ["off", "OFF", "none"])
def test_rate_limit_off(text):
    assert RateLimits.parse(text) is None


@pytest.mark.parametrize("text", ["200", "fast", "200/fortnight", "200/min,burst=x", "0/min"])
def test_bad_rate_limit_strings(text):
    with pytest.raises(ValueError):
        RateLimits.parse(text)


@pytest.mark.parametrize(("text", "seconds"), [
    ("80ms", 0.08), ("0.08s", 0.08), ("2s", 2.0), ("1.5 s", 1.5), ("0", 0.0), ("1min", 60.0),
])
def test_durations(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["80", "fast", "-5ms", "ms"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_fault_spec_from_the_cli():
    faults = Faults.parse("500=0.02,502=0.01,503=0.01,429=0.02,drop=0.01,truncate=0.01,html=0.01,seed=3")
    assert faults == Faults(http_500=0.02, http_502=0.01, http_503=0.01, http_429=0.02, drop=0.01,
                            truncate=0.01, html=0.01, seed=3)
    assert faults.active
    assert Faults.parse("slow=0.1,slow_delay=2s,jitter=50ms") == Faults(slow=0.1, slow_delay=2.0, jitter=0.05)
    assert Faults.parse("") == Faults.parse("off") == Faults()


@pytest.mark.parametrize("text", ["500", "500=2", "teapot=0.1", "500=0.6,502=0.6", "500=x"])
def test_bad_fault_specs(text):
    with pytest.raises(ValueError):
        Faults.parse(text)


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        SimulatorConfig().latency = 1.0  # type: ignore[misc]
