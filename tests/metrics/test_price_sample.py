"""price_sample: a reproducible stratified sample of the messages whose details to fetch."""

from __future__ import annotations

import pandas as pd
import pytest

import sentlab

from .build import STRATA, messages, priced_world


def per_stratum(frame: pd.DataFrame, ids: list[str]) -> pd.Series:
    chosen = frame[frame["id"].isin(ids)]
    return chosen.groupby(list(STRATA), observed=True, dropna=False).size()


def test_the_sample_is_deterministic_for_a_seed_whatever_the_row_order():
    frame, _ = priced_world(rows=500)
    first = sentlab.price_sample(frame, 2, seed=7)
    assert sentlab.price_sample(frame, 2, seed=7) == first
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert sentlab.price_sample(shuffled, 2, seed=7) == first
    assert sentlab.price_sample(frame, 2, seed=8) != first


def test_at_most_per_stratum_messages_of_each_stratum_and_all_of_a_small_one():
    frame, _ = priced_world(rows=500)
    for k in (1, 2, 5):
        ids = sentlab.price_sample(frame, k)
        assert len(ids) == len(set(ids))
        sizes = frame.groupby(list(STRATA), observed=True, dropna=False).size()
        assert per_stratum(frame, ids).to_dict() == sizes.clip(upper=k).to_dict()


def test_strata_already_covered_by_priced_messages_are_skipped_or_topped_up():
    cell = {"status": "DELIVERED", "channel": "sms", "region_code": "US", "template_category": "UTILITY"}
    other = {**cell, "region_code": "GB"}
    frame = messages({**cell, "price": 0.01}, {**cell, "price": 0.01}, cell, cell,  # covered: 2 priced
                     {**other, "price": 0.02}, other, other, other)  # fmt: skip  # 1 priced: one more
    ids = sentlab.price_sample(frame, 2)
    assert len(ids) == 1 and frame.set_index("id").loc[ids[0], "region_code"] == "GB"
    assert sentlab.price_sample(frame, 1) == []


def test_null_strata_are_strata_and_each_message_is_drawn_once():
    frame = messages({"status": "DELIVERED"}, {"status": "DELIVERED", "channel": "sms"}, {"status": "FAILED"},
                     {"status": None})  # fmt: skip  # an unknown status may be billed: drawn
    twice = pd.concat([frame, frame], ignore_index=True)  # the same messages twice: drawing counts nothing
    ids = sentlab.price_sample(twice, 5)
    assert sorted(ids) == ["m0", "m1", "m2", "m3"]


def test_messages_whose_details_hold_no_price_to_learn_are_never_drawn():
    billed = [{"status": s, "channel": "sms"} for s in ("SENT", "DELIVERED", "READ", "FAILED", "PROCESSED", "ROUTED")]
    free = [{"status": s, "channel": "sms"} for s in ("BLOCKED", "FILTERED", "CANCELLED", "RECEIVED")]
    waiting = [{"status": s, "channel": "sms"} for s in ("QUEUED", "ACCEPTED", "SCHEDULED")]
    frame = messages(*billed, *free, *waiting, {"status": "DELIVERED", "channel": "sms", "direction": "inbound"})
    assert sentlab.price_sample(frame, 100) == [f"m{i}" for i in range(len(billed))]
    # Only billable priced messages cover a stratum: a priced BLOCKED one (at 0) does not.
    covered = frame.assign(price=[None] * 6 + [0.0] * 4 + [None] * 4)
    assert len(sentlab.price_sample(covered, 2)) == 2


def test_strata_can_be_chosen():
    frame, _ = priced_world(rows=500)
    ids = sentlab.price_sample(frame, 3, strata=["channel"])
    assert frame.set_index("id").loc[ids].groupby("channel", observed=True).size().tolist() == [3, 3]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_per_stratum_must_be_a_positive_whole_number(bad):
    with pytest.raises(sentlab.ConfigurationError, match="per_stratum must be a whole number of at least 1"):
        sentlab.price_sample(messages({"status": "DELIVERED"}), bad)
