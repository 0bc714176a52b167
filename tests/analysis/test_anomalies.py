"""anomalies(): p-chart limits from the preceding periods, exact-tail flags, reason-code jumps, the simulator's outage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sentlab

T0 = pd.Timestamp("2026-09-01", tz="UTC")


def _daily(days: int, n: int | np.ndarray, p: float | np.ndarray, *, seed: int = 0, channel: str = "sms",
           reason: str = "DELIVERY_001") -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(seed)
    ns = np.broadcast_to(n, days)
    ps = np.broadcast_to(p, days)
    parts = []
    for day in range(days):
        failed = rng.random(int(ns[day])) < ps[day]
        parts.append(pd.DataFrame({"status": np.where(failed, "FAILED", "DELIVERED"),
                                   "reason_code": np.where(failed, reason, None),
                                   "created_at": T0 + pd.Timedelta(days=day, hours=12), "channel": channel}))  # fmt: skip
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "id", [f"{channel}{i}" for i in range(len(frame))])
    return frame


def test_centre_and_limits_by_hand() -> None:
    frame = _daily(10, 100, np.array([0.05] * 9 + [0.3]), seed=1)
    out = sentlab.anomalies(frame, "failure_rate", by=None, history=7, min_history=3)
    rate = out[out["kind"] == "rate"].reset_index(drop=True)
    k = rate["k"].to_numpy(float)
    assert rate["centre"].iloc[:3].isna().all()
    centre = k[2:9].sum() / 700  # day 9: the 7 days before it
    c = (k[2:9].sum() + 0.5) / 701
    assert rate["centre"].iloc[9] == pytest.approx(centre)
    assert rate["upper"].iloc[9] == pytest.approx(centre + 3 * np.sqrt(c * (1 - c) / 100))
    assert rate["flag"].iloc[9] == "high" and (rate["flag"].iloc[:9] == "").all()
    reason = out[out["kind"] == "reason_code"]
    assert set(reason["reason_code"]) == {"DELIVERY_001"} and reason["flag"].iloc[-1] == "high"


def test_stable_rates_are_rarely_flagged() -> None:
    frame = pd.concat([_daily(400, 300, 0.03, seed=s, channel=c) for s, c in ((2, "sms"), (3, "whatsapp"))],
                      ignore_index=True)  # fmt: skip
    out = sentlab.anomalies(frame, "failure_rate", by="channel")
    judged = out[(out["kind"] == "rate") & out["centre"].notna()]
    assert len(judged) > 700
    assert (judged["flag"] != "").mean() < 0.01


def test_a_bad_day_is_flagged_on_its_own_n() -> None:
    p = np.full(60, 0.03)
    p[45] = 0.08
    n = np.full(60, 300)
    n[30] = 8  # a quiet day with 1 failure in 8 is not an alarm
    frame = _daily(60, n, p, seed=4)
    out = sentlab.anomalies(frame, "failure_rate", by="channel", reasons=False)
    flagged = out[out["flag"] != ""]
    assert flagged["period"].tolist() == [T0.floor("D") + pd.Timedelta(days=45)]
    assert set(out["kind"]) == {"rate"}


def test_the_simulators_outage_is_found() -> None:
    """The demo world blocks one profile's sends for 5 hours (insufficient balance, BUSINESS_003)."""
    m = sentlab.connect().messages()
    out = sentlab.anomalies(m, "blocked_rate", by="profile_id")
    hits = out[(out["flag"] == "high")]
    blocked = m[m["reason_code"] == "BUSINESS_003"]
    day = pd.to_datetime(blocked["created_at"], utc=True).dt.floor("D").mode().iloc[0]
    assert ((hits["kind"] == "rate") & (hits["period"] == day)).any()
    assert ((hits["kind"] == "reason_code") & (hits["reason_code"] == "BUSINESS_003") & (hits["period"] == day)).any()


def test_empty_dtypes_and_bad_arguments() -> None:
    empty = sentlab.build_frame("messages", [])
    out = sentlab.anomalies(empty, "failure_rate", by="channel")
    assert out.empty and {"channel", "kind", "period", "n", "rate", "flag"} <= set(out.columns)
    frame = _daily(20, 50, 0.1)
    out = sentlab.anomalies(frame)
    assert out["n"].dtype == "int64" and out["rate"].dtype == float
    for kwargs, words in (({"metric": "speed"}, "metric must be"), ({"freq": "M"}, "freq must be"),
                          ({"history": 0}, "history"), ({"min_history": 40}, "cannot exceed"),
                          ({"sigmas": -1}, "sigmas")):  # fmt: skip
        with pytest.raises(sentlab.ConfigurationError, match=words):
            sentlab.anomalies(frame, **kwargs)
