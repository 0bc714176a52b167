"""time_to() and survival_curve(): Kaplan-Meier with the in-flight censored, against statsmodels and a known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

import sentlab
from sentlab import _survival as sv

T0 = pd.Timestamp("2026-11-01", tz="UTC")


def _frame(seconds_to_delivery: np.ndarray, sent_after: np.ndarray, at: pd.Timestamp, **extra) -> pd.DataFrame:
    """Messages queued at T0 + sent_after; delivered after seconds_to_delivery if that is before ``at``."""
    queued = T0 + pd.to_timedelta(sent_after, unit="s")
    arrive = queued + pd.to_timedelta(seconds_to_delivery, unit="s")
    done = arrive <= at
    return pd.DataFrame({"id": [f"m{i}" for i in range(len(queued))], "status": np.where(done, "DELIVERED", "SENT"),
                         "created_at": queued, "queued_at": queued, "sent_at": queued,
                         "delivered_at": arrive.where(done), "read_at": pd.NaT, **extra})  # fmt: skip


def test_matches_statsmodels_kaplan_meier() -> None:
    rng = np.random.default_rng(0)
    n = 500
    at = T0 + pd.Timedelta(hours=2)
    frame = _frame(rng.exponential(1200, n), rng.uniform(0, 7200, n), at)
    curve = sentlab.survival_curve(frame, "delivered", at=at)
    data = sv._durations(frame, "delivered", None, at)
    ref = SurvfuncRight(data["seconds"].to_numpy(), data["event"].to_numpy().astype(int))
    events = curve[curve["events"] > 0]
    np.testing.assert_allclose(events["seconds"], ref.surv_times)
    np.testing.assert_allclose(events["survival"], ref.surv_prob, rtol=1e-12)
    se = events["survival"] * np.sqrt(np.cumsum(events["events"] / (events["at_risk"] * (events["at_risk"] - events["events"]))))
    np.testing.assert_allclose(se, ref.surv_prob_se, rtol=1e-9)
    out = sentlab.time_to(frame, "delivered", at=at, percentiles=(25, 50, 75))
    for p in (25, 50, 75):
        assert out[f"p{p}"].iloc[0] == pytest.approx(ref.quantile(p / 100))
        low, high = ref.quantile_ci(p / 100, method="cloglog")
        assert out[f"p{p}_low"].iloc[0] == pytest.approx(low, rel=0.05)
        assert out[f"p{p}_high"].iloc[0] == pytest.approx(high, rel=0.05)


def test_counts_the_in_flight_where_the_plain_percentiles_do_not() -> None:
    """Delivery times log-normal, median 10 min; analysed while the slow recent ones are still in flight."""
    rng = np.random.default_rng(1)
    n = 20_000
    at = T0 + pd.Timedelta(hours=6)
    true = rng.lognormal(np.log(600), 1.5, n)
    frame = _frame(true, rng.uniform(0, 6 * 3600, n), at)
    out = sentlab.time_to(frame, "delivered", at=at, settle=None).iloc[0]
    truth = np.percentile(true, [50, 90])
    assert out["in_flight"] > 0.05 * n
    assert out["p50"] == pytest.approx(truth[0], rel=0.05)
    assert out["p90"] == pytest.approx(truth[1], rel=0.08)
    assert out["observed_p90"] < 0.85 * truth[1]  # the plain percentile is biased low
    assert out["p90_low"] <= truth[1] <= out["p90_high"]


def test_who_counts_failed_blocked_scheduled_inbound_and_the_settle_horizon() -> None:
    at = T0 + pd.Timedelta(days=5)
    rows = pd.DataFrame({
        "id": ["d", "f", "b", "s", "in", "old", "young"],
        "status": ["DELIVERED", "FAILED", "BLOCKED", "SCHEDULED", "RECEIVED", "SENT", "SENT"],
        "direction": ["outbound"] * 4 + ["inbound"] + ["outbound"] * 2,
        "created_at": [T0] * 6 + [at - pd.Timedelta(hours=1)],
        "delivered_at": [T0 + pd.Timedelta(seconds=10)] + [pd.NaT] * 6,
        "sent_at": [T0] * 7, "read_at": [pd.NaT] * 7,
    })  # fmt: skip
    data = sv._durations(rows, "delivered", None, at)
    # old: SENT 5 days ago, past the 48 h settle: no receipt is coming; young: in flight, censored
    assert list(data["event"]) == [True, False] and data["seconds"].tolist() == [10.0, 3600.0]
    everything = sv._durations(rows, "delivered", None, at, settle=None)
    assert len(everything) == 3  # with no horizon the old SENT one is censored too
    out = sentlab.time_to(rows, "delivered", at=at)
    assert (out["n"].iloc[0], out["reached"].iloc[0], out["in_flight"].iloc[0]) == (2, 1, 1)


def test_read_counts_only_channels_that_report_reads() -> None:
    rows = pd.DataFrame({
        "id": list("abcd"), "status": ["READ", "DELIVERED", "DELIVERED", "DELIVERED"],
        "channel": ["whatsapp", "whatsapp", "sms", "sms"], "created_at": [T0] * 4,
        "delivered_at": [T0 + pd.Timedelta(seconds=5)] * 4,
        "read_at": [T0 + pd.Timedelta(minutes=3), pd.NaT, pd.NaT, pd.NaT],
    })  # fmt: skip
    out = sentlab.time_to(rows, "read", by="channel", at=T0 + pd.Timedelta(hours=1))
    assert out["channel"].tolist() == ["whatsapp"] and out["n"].tolist() == [2]


def test_demo_account_by_channel_and_dtypes() -> None:
    m = sentlab.connect().messages()
    out = sentlab.time_to(m, "delivered", by="channel")
    lat = sentlab.latency(m, by="channel")
    lat = lat[lat["stage"] == "delivered"].set_index("channel")
    for _, row in out.iterrows():
        # the plain percentile here is latency()'s, over the same reached messages
        assert row["reached"] == lat.loc[row["channel"], "n"]
        assert row["observed_p50"] == pytest.approx(lat.loc[row["channel"], "p50"])
        assert row["p50"] >= row["observed_p50"] * 0.95
    assert out[["n", "reached", "in_flight"]].dtypes.eq("int64").all()
    assert out[["p50", "p90_low", "observed_p99"]].dtypes.eq(float).all()
    curve = sentlab.survival_curve(m, "delivered", by="channel")
    assert set(curve["channel"].astype(str)) == set(out["channel"].astype(str))
    assert (curve.groupby("channel", observed=True)["survival"].apply(lambda s: s.is_monotonic_decreasing)).all()


def test_empty_frame_and_bad_arguments() -> None:
    empty = sentlab.build_frame("messages", [])
    out = sentlab.time_to(empty, "delivered", by="channel")
    assert out.empty and {"channel", "n", "p50", "observed_p50", "p90_high"} <= set(out.columns)
    assert sentlab.survival_curve(empty, "sent").empty
    m = sentlab.build_frame("messages", [{"id": "a", "status": "SENT", "created_at": "2026-11-01T00:00:00Z"}])
    for kwargs, words in (({"stage": "clicked"}, "stage must be one of"), ({"at": 1700000000}, "not the number"),
                          ({"settle": "soon"}, "settle must be"), ({"percentiles": (0, 50)}, "percentiles")):  # fmt: skip
        with pytest.raises(sentlab.ConfigurationError, match=words):
            sentlab.time_to(m, **kwargs)
