"""compare(): Newcombe intervals, two-proportion and Welch tests, adjustments, calibration, the always-valid option."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.special import erfc
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

import sentlab
from sentlab import _compare as cmp
from tests.metrics.build import messages


def _frame(groups: dict[str, tuple[int, int]], *, days: int = 1, seed: int = 0) -> pd.DataFrame:
    """A messages frame with, per group, k DELIVERED and n - k FAILED, spread over ``days`` days."""
    rng = np.random.default_rng(seed)
    status, group = [], []
    for name, (k, n) in groups.items():
        status += ["DELIVERED"] * k + ["FAILED"] * (n - k)
        group += [name] * n
    created = pd.Timestamp("2026-11-01", tz="UTC") + pd.to_timedelta(rng.integers(0, days * 86400, len(status)), unit="s")
    return pd.DataFrame({"id": [f"m{i}" for i in range(len(status))], "status": status, "template_name": group,
                         "created_at": created})  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 400), st.integers(1, 400), st.data())
def test_newcombe_matches_statsmodels(n1: int, n2: int, data: st.DataObject) -> None:
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    low, high = cmp.newcombe_interval(k1, n1, k2, n2)
    ref = confint_proportions_2indep(k1, n1, k2, n2, method="newcomb", compare="diff")
    assert low == pytest.approx(float(ref[0]), abs=1e-9) and high == pytest.approx(float(ref[1]), abs=1e-9)
    assert low <= k1 / n1 - k2 / n2 <= high


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 300), st.integers(2, 300), st.data())
def test_two_proportion_p_matches_references(n1: int, n2: int, data: st.DataObject) -> None:
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    p, test = cmp.two_proportion_p(k1, n1, k2, n2)
    if test == "fisher":
        assert p == pytest.approx(stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)
    else:
        assert p == pytest.approx(float(proportions_ztest([k1, k2], [n1, n2])[1]), rel=1e-9, abs=1e-12)


def test_small_counts_use_fisher() -> None:
    assert cmp.two_proportion_p(1, 10, 4, 12)[1] == "fisher"
    assert cmp.two_proportion_p(500, 1000, 450, 1000)[1] == "z"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(np.nan)), min_size=1, max_size=25),
       st.sampled_from(["holm", "bh"]))  # fmt: skip
def test_adjustments_match_statsmodels(p: list[float], method: str) -> None:
    p = np.array(p)
    out = cmp.adjusted(p, method)
    ok = ~np.isnan(p)
    assert np.isnan(out[~ok]).all()
    if ok.any():
        ref = multipletests(p[ok], method={"holm": "holm", "bh": "fdr_bh"}[method])[1]
        np.testing.assert_allclose(out[ok], ref, rtol=1e-12, atol=1e-15)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.lognormal(-3, 0.6, 300), rng.lognormal(-3.1, 0.3, 90)
    low, high, p = cmp.welch(a.mean(), a.var(ddof=1), len(a), b.mean(), b.var(ddof=1), len(b))
    ref = stats.ttest_ind(a, b, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert p == pytest.approx(ref.pvalue) and (low, high) == pytest.approx((ci.low, ci.high))


def test_cost_per_message_compares_priced_outbound_with_welch() -> None:
    rng = np.random.default_rng(1)
    sms, wa = rng.normal(0.05, 0.01, 200).round(4), rng.normal(0.03, 0.01, 150).round(4)
    rows = ([{"status": "DELIVERED", "channel": "sms", "price": p, "active_contact_price": 0.005} for p in sms]
            + [{"status": "DELIVERED", "channel": "whatsapp", "price": p, "active_contact_price": 0.0} for p in wa]
            + [{"status": "QUEUED", "channel": "sms"}] * 5  # not priced yet: not in the mean
            + [{"status": "RECEIVED", "channel": "sms", "direction": "inbound"}] * 3)  # fmt: skip
    out = sentlab.compare(messages(*rows), by="channel", metric="cost_per_message", baseline="sms")
    row = out.iloc[0]
    x, y = wa, sms + 0.005
    ref = stats.ttest_ind(x, y, equal_var=False)
    assert (row["channel"], row["n"], row["baseline_n"], row["test"]) == ("whatsapp", 150, 200, "welch")
    assert row["diff"] == pytest.approx(x.mean() - y.mean()) and row["p_value"] == pytest.approx(ref.pvalue)
    assert (row["diff_low"], row["diff_high"]) == pytest.approx(tuple(ref.confidence_interval()))


def test_frame_columns_pairs_and_baseline() -> None:
    frame = _frame({"a": (900, 1000), "b": (850, 1000), "c": (40, 50)})
    out = sentlab.compare(frame, by="template_name")
    assert list(out.columns) == ["template_name", *cmp.COLUMNS]
    assert out.attrs["comparisons"] == "all pairs" and len(out) == 3
    first = out.iloc[0]  # b vs a: the larger group of the pair is the baseline
    assert (first["template_name"], first["baseline"], first["n"], first["baseline_n"]) == ("b", "a", 1000, 1000)
    assert first["diff"] == pytest.approx(-0.05)
    np.testing.assert_allclose(out["p_adjusted"], cmp.adjusted(out["p_value"].to_numpy(), "holm"))
    against = sentlab.compare(frame, by="template_name", baseline="c", adjust="bh")
    assert set(against["baseline"]) == {"c"} and set(against["template_name"]) == {"a", "b"}
    assert against["n"].dtype == "int64" and against["significant"].dtype == bool


def test_many_groups_are_compared_against_the_largest() -> None:
    frame = _frame({f"t{i}": (80 + i, 100 + 10 * i) for i in range(9)})
    out = sentlab.compare(frame, by="template_name")
    assert out.attrs["comparisons"] == "against t8" and len(out) == 8


def test_read_rate_is_over_delivered_and_groups_with_nothing_to_measure_are_skipped() -> None:
    rows = ([{"status": "READ", "channel": "whatsapp"}] * 30 + [{"status": "DELIVERED", "channel": "whatsapp"}] * 70
            + [{"status": "READ", "channel": "rcs"}] * 50 + [{"status": "DELIVERED", "channel": "rcs"}] * 50
            + [{"status": "FAILED", "channel": "sms"}] * 10)  # fmt: skip
    out = sentlab.compare(messages(*rows), by="channel", metric="read_rate")
    assert len(out) == 1 and out.attrs["skipped"] == ["sms"]
    assert (out.iloc[0]["value"], out.iloc[0]["baseline_value"]) == (0.5, 0.3) or \
        (out.iloc[0]["value"], out.iloc[0]["baseline_value"]) == (0.3, 0.5)


def test_bad_arguments_are_clear_errors() -> None:
    frame = _frame({"a": (9, 10), "b": (8, 10)})
    for kwargs, words in (({"metric": "speed"}, "metric must be one of"), ({"adjust": "bonf"}, "adjust must be"),
                          ({"baseline": "zz"}, "baseline 'zz' is not a group"), ({"by": ["a", "b"]}, "one column"),
                          ({"confidence": 2}, "confidence"), ({"plan_n": 0}, "plan_n")):  # fmt: skip
        with pytest.raises(sentlab.ConfigurationError, match=words):
            sentlab.compare(frame, **{"by": "template_name", **kwargs})


def test_empty_frame_gives_no_comparisons() -> None:
    out = sentlab.compare(_frame({}), by="template_name")
    assert out.empty and list(out.columns) == ["template_name", *cmp.COLUMNS]


def test_false_positive_rate_is_nominal_and_intervals_cover() -> None:
    """Equal groups, many seeds: about 5% of p-values under 0.05, and the Newcombe interval covers 0 ~95%."""
    rng = np.random.default_rng(11)
    rejections, covered, sims = 0, 0, 2000
    for k1, k2 in rng.binomial(1000, 0.88, (sims, 2)):  # compare()'s own row computation, without the frame
        row = cmp._rate_row(pd.Series({"k": k1, "n": 1000}), pd.Series({"k": k2, "n": 1000}), 1.959963984540054)
        rejections += bool(row["p_value"] < 0.05)
        covered += bool(row["diff_low"] <= 0 <= row["diff_high"])
    assert 0.035 <= rejections / sims <= 0.065, rejections
    assert 0.935 <= covered / sims <= 0.965, covered


def test_a_real_five_point_difference_at_3000_is_found() -> None:
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(20):
        k1, k2 = rng.binomial(3000, 0.88), rng.binomial(3000, 0.83)
        groups = {"A": (int(k1), 3000), "B": (int(k2), 3000), "C": (int(rng.binomial(3000, 0.88)), 3000)}
        out = sentlab.compare(_frame(groups), by="template_name", baseline="A")
        b = out[out["template_name"] == "B"].iloc[0]
        found += bool(b["significant"] and b["diff_low"] <= -0.05 + 0.03 and b["diff_high"] < 0)
    assert found == 20


def test_daily_peeking_keeps_the_always_valid_error_rate() -> None:
    """30 daily looks at equal groups: the fixed test 'finds' a difference far more than 5% of the
    time; the always-valid p-value and confidence sequence stay under 5%, and still find a real gap."""
    rng = np.random.default_rng(2)
    sims, days, per_day, alpha = 2000, 30, 100, 0.05
    k = rng.binomial(per_day, 0.9, size=(2, sims, days)).cumsum(axis=2).astype(float)
    n = per_day * np.arange(1, days + 1, dtype=float)
    d = k[0] / n - k[1] / n
    pooled = (k[0] + k[1]) / (2 * n)
    naive_p = erfc(np.abs(d / np.sqrt(pooled * (1 - pooled) * 2 / n)) / np.sqrt(2))
    naive = (naive_p < alpha).any(axis=1).mean()
    q = (k + 0.5) / (n + 1)
    var = (q[0] * (1 - q[0]) + q[1] * (1 - q[1])) / n
    rho = cmp.mixture_rho(10_000 / (2 * 0.25), alpha)
    low, high, p = cmp.mixture_sequence(d, var, rho, alpha)
    assert naive > 0.15, naive
    assert (p < alpha).any(axis=1).mean() <= alpha, (p < alpha).any(axis=1).mean()
    assert ((low > 0) | (high < 0)).any(axis=1).mean() <= alpha
    # a real 4-point gap is found by the end in nearly every run
    k2 = rng.binomial(per_day, np.array([0.9, 0.86])[:, None, None], size=(2, 400, days)).cumsum(axis=2).astype(float)
    q2 = (k2 + 0.5) / (n + 1)
    _, _, p2 = cmp.mixture_sequence(k2[0] / n - k2[1] / n, (q2[0] * (1 - q2[0]) + q2[1] * (1 - q2[1])) / n, rho, alpha)
    assert (p2[:, -1] < alpha).mean() > 0.9


def test_sequential_compare_is_the_sequence_over_daily_cumulative_counts() -> None:
    frame = _frame({"a": (1700, 2000), "b": (1600, 2000)}, days=10, seed=3)
    out = sentlab.compare(frame, by="template_name", sequential=True)
    fixed = sentlab.compare(frame, by="template_name")
    row = out.iloc[0]
    assert row["test"] == "mixture SPRT (daily looks)" and out.attrs["sequential"]
    assert row["diff"] == fixed.iloc[0]["diff"]
    assert row["diff_high"] - row["diff_low"] > fixed.iloc[0]["diff_high"] - fixed.iloc[0]["diff_low"]
    assert row["p_value"] >= fixed.iloc[0]["p_value"]
    day = frame["created_at"].dt.floor("D")
    counts = frame.assign(day=day, ok=frame["status"] == "DELIVERED").groupby(["template_name", "day"])["ok"]
    k = counts.sum().unstack(0).cumsum()
    n = counts.size().unstack(0).cumsum()
    d = (k["b"] / n["b"] - k["a"] / n["a"]).to_numpy()
    q = ((k + 0.5) / (n + 1)).to_numpy()
    var = (q[:, 1] * (1 - q[:, 1]) / n["b"].to_numpy() + q[:, 0] * (1 - q[:, 0]) / n["a"].to_numpy())
    low, high, p = cmp.mixture_sequence(d, var, cmp.mixture_rho(10_000 / 0.5, 0.05), 0.05)
    assert (row["diff_low"], row["diff_high"], row["p_value"]) == pytest.approx((low[-1], high[-1], p[-1]))


def test_compare_on_the_demo_account() -> None:
    lab = sentlab.connect()
    m = lab.messages()
    out = sentlab.compare(m, by="channel", metric="failure_rate")
    rates = sentlab.delivery_rates(m, by="channel").set_index("channel")
    for _, row in out.iterrows():
        assert row["value"] == pytest.approx(rates.loc[row["channel"], "failure_rate"])
        assert row["n"] == rates.loc[row["channel"], "failure_rate_denominator"]


def test_reply_rate_compares_what_reply_rates_counts() -> None:
    m = sentlab.connect().messages()
    out = sentlab.compare(m, by="channel", metric="reply_rate", baseline="sms")
    rates = sentlab.reply_rates(m, by="channel").set_index("channel")
    assert len(out) >= 2
    for _, row in out.iterrows():
        assert row["n"] == rates.loc[row["channel"], "reply_rate_denominator"]
        assert row["value"] == pytest.approx(rates.loc[row["channel"], "reply_rate"])
    assert out["baseline_value"].iloc[0] == pytest.approx(rates.loc["sms", "reply_rate"])
