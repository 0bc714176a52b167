"""sentlab._special against scipy: the incomplete beta and the binomial tails the anomaly charts use."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import bdtr, bdtrc
from scipy.special import betainc as scipy_betainc

from sentlab._special import betainc, binomial_cdf, binomial_sf


def _close(mine: np.ndarray, reference: np.ndarray) -> None:
    np.testing.assert_allclose(mine, reference, rtol=1e-8, atol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.05, 500), st.floats(0.05, 500), st.floats(0, 1))
def test_betainc_matches_scipy(a: float, b: float, x: float) -> None:
    _close(betainc(a, b, x), scipy_betainc(a, b, x))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 50_000), st.floats(0, 1), st.floats(1e-6, 1 - 1e-6))
def test_binomial_tails_match_scipy(n: int, share: float, p: float) -> None:
    k = round(share * n)
    _close(binomial_sf(k, n, p), np.where(k > 0, bdtrc(max(k - 1, 0), n, p), 1.0))
    _close(binomial_cdf(k, n, p), bdtr(k, n, p))


def test_edges_and_vectors() -> None:
    k = np.array([0, 0, 3, 5, 6, -1])
    n = np.array([0, 5, 5, 5, 5, 5])
    assert binomial_sf(k, n, 0.3).tolist()[:2] == [1.0, 1.0]  # P(X >= 0) is 1, even with n = 0
    assert binomial_sf(6, 5, 0.3)[0] == 0.0  # more successes than trials
    assert binomial_cdf(5, 5, 0.3)[0] == 1.0 and binomial_cdf(-1, 5, 0.3)[0] == 0.0
    assert binomial_sf(2, 5, 0.0)[0] == 0.0 and binomial_sf(2, 5, 1.0)[0] == 1.0
    _close(binomial_sf(k[1:5], n[1:5], 0.3), [1.0, *bdtrc(k[2:5] - 1, n[2:5], 0.3)])


@pytest.mark.parametrize("n", [10, 1_000, 100_000])
def test_rare_events_far_in_the_tail(n: int) -> None:
    # the anomaly charts judge rare events: tails of 1e-12 must keep their relative precision
    p = 0.5 / (n + 1)
    k = np.arange(1, 12)
    _close(binomial_sf(k, n, p), bdtrc(k - 1, n, p))
