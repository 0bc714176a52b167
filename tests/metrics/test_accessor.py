"""frame.sent.<metric>: the same functions, as a DataFrame accessor."""

from __future__ import annotations

import pandas as pd

import sentlab

from .build import priced_world, with_prices


def test_the_accessor_gives_the_same_as_the_functions():
    frame, _ = priced_world(rows=300)
    frame = with_prices(frame, sentlab.price_sample(frame, 2))
    frame["created_at"] = pd.Timestamp("2026-11-02T10:00:00Z") + pd.to_timedelta(range(len(frame)), unit="h")
    frame["sent_at"] = frame["created_at"] + pd.to_timedelta(range(len(frame)), unit="s")
    for by in (None, "channel", ["channel", "week"]):
        pd.testing.assert_frame_equal(frame.sent.delivery_rates(by=by, confidence=0.9),
                                      sentlab.delivery_rates(frame, by, confidence=0.9))  # fmt: skip
        pd.testing.assert_frame_equal(frame.sent.costs(by=by, confidence=0.9),
                                      sentlab.costs(frame, by, confidence=0.9))  # fmt: skip
        pd.testing.assert_frame_equal(frame.sent.latency(by=by, percentiles=(50, 95)),
                                      sentlab.latency(frame, by, percentiles=(50, 95)))  # fmt: skip
    unpriced = frame.assign(price=pd.NA)
    assert unpriced.sent.price_sample(3, seed=4) == sentlab.price_sample(unpriced, 3, seed=4)
    assert unpriced.sent.price_sample(1, strata=["channel"]) == sentlab.price_sample(unpriced, 1, strata=["channel"])
