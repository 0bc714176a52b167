"""costs on a simulated account, end to end, against the world's ledger (the truth)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import sentlab
from sentlab.simulator import SimulatorConfig, World, build_world, create_app, in_process_transport


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, dict]]:
    """A small account and its messages: a priced sample first (the store would price them all after)."""
    world = build_world(seed=3, contacts=400, messages=900)
    transport = in_process_transport(create_app(world, SimulatorConfig(rate_limits=None)))
    with sentlab.connect(world.org_key, base_url="http://sim", transport=transport, pacing=None, progress=False,
                         cache_dir=tmp_path_factory.mktemp("store")) as lab:
        frames = {"sample": lab.messages(details="sample")}
        frames["all"] = lab.messages(details="all")
        yield world, frames


def ledger_costs(world, ids, by=None):
    ledger = world.ledger().set_index("message_id").loc[list(ids)]
    columns = ["price", "active_contact_price", "cost"]
    return ledger.groupby(by, observed=True)[columns].sum() if by else ledger[columns].sum()


def test_costs_with_every_price_fetched_equal_the_ledger_for_the_same_messages(demo):
    world, frames = demo
    frame = frames["all"]
    assert frame["price"].notna().all()
    overall = sentlab.costs(frame).iloc[0]
    truth = ledger_costs(world, frame["id"])
    assert overall["method"] == "exact" and overall["messages"] == len(frame)
    assert overall["channel_cost"] == pytest.approx(truth["price"])
    assert overall["markup"] == pytest.approx(truth["active_contact_price"])
    assert overall["total"] == pytest.approx(truth["cost"]) and overall["total_low"] == overall["total_high"]
    by_channel = sentlab.costs(frame, by="channel").set_index("channel")
    truth = ledger_costs(world, frame["id"], by="channel")
    assert set(by_channel.index) == set(truth.index)
    for channel, row in by_channel.iterrows():
        assert row["total"] == pytest.approx(truth.loc[channel, "cost"])
        assert row["channel_cost"] == pytest.approx(truth.loc[channel, "price"])


def test_a_sampled_estimate_holds_the_ledger_total_in_its_interval(demo):
    world, frames = demo
    frame = frames["sample"]
    assert 0 < frame["price"].notna().sum() < len(frame)  # a sample, not every price
    overall = sentlab.costs(frame).iloc[0]
    assert overall["method"] == "estimate" and overall["unpriced"] == 0
    truth = ledger_costs(world, frame["id"])["cost"]
    assert overall["total_low"] - 1e-9 <= truth <= overall["total_high"] + 1e-9
    truth = ledger_costs(world, frame["id"], by="channel")["cost"]
    for _, row in sentlab.costs(frame, by="channel").iterrows():
        assert row["total_low"] - 1e-9 <= truth[row["channel"]] <= row["total_high"] + 1e-9
