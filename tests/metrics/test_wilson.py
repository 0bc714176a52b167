"""wilson_interval: textbook values and the properties every interval must have."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sentlab

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3
# (Wilson score, no continuity correction), and the 90/100 example of the docs.
TEXTBOOK = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)), ((0, 20), (0.0, 0.1611)),
            ((1, 29), (0.0061, 0.1718)), ((90, 100), (0.8256, 0.9448))]  # fmt: skip


@pytest.mark.parametrize(("counts", "bounds"), TEXTBOOK)
def test_wilson_bounds_match_textbook_values(counts, bounds):
    low, high = sentlab.wilson_interval(*counts)
    assert (round(float(low), 4), round(float(high), 4)) == bounds


def test_wilson_is_elementwise_and_nan_where_n_is_zero():
    low, high = sentlab.wilson_interval(np.array([90, 0, 3]), np.array([100, 0, 3]))
    assert np.round(low[0], 3) == 0.826 and np.isnan(low[1]) and np.isnan(high[1])
    assert high[2] == 1.0 and low[2] < 1.0


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 100_000), share=st.floats(0, 1), confidence=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_bounds_lie_in_0_1_and_contain_the_point_estimate(n, share, confidence):
    k = round(share * n)
    low, high = sentlab.wilson_interval(k, n, confidence)
    assert 0.0 <= low <= k / n <= high <= 1.0
    assert low < high


@settings(max_examples=200, deadline=None)
@given(n=st.integers(2, 20_000), share=st.floats(0, 1), factor=st.integers(2, 50))
def test_wilson_interval_shrinks_as_n_grows(n, share, factor):
    k = round(share * n)
    low, high = sentlab.wilson_interval(k, n)
    more_low, more_high = sentlab.wilson_interval(k * factor, n * factor)  # the same share, more messages
    assert more_high - more_low < high - low


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10_000), share=st.floats(0, 1))
def test_a_higher_confidence_gives_a_wider_interval_around_the_same_estimate(n, share):
    k = round(share * n)
    low90, high90 = sentlab.wilson_interval(k, n, 0.90)
    low99, high99 = sentlab.wilson_interval(k, n, 0.99)
    assert low99 <= low90 and high90 <= high99
