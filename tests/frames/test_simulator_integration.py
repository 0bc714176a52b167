"""Frames pulled through the real client from the in-process simulator, checked against its truth."""

from __future__ import annotations

import pandas as pd
import pytest

from sentlab import _datasets as ds

from ..kit import has_schema, make_client


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=11, contacts=300, messages=300, profiles=2, at=None)


@pytest.fixture
def client(world):
    with make_client(world) as c:
        yield c


@pytest.fixture
def store(client, tmp_path):
    return ds.open_store(client, tmp_path)


def test_contacts_of_every_profile_match_the_truth(world, client, store):
    frame = ds.contacts(client, store, all_profiles=True)
    truth = {c["id"] for c in world.truth.contacts()}
    assert set(frame.id) == truth and has_schema(frame, "contacts")
    assert frame.available_channels.map(type).eq(list).all()


def same(ours: pd.Series, truth: pd.Series) -> pd.Series:
    """Equal values, or null on both sides (a category's NaN and the ledger's None alike)."""
    return (ours.astype(object) == truth.astype(object)) | (ours.isna() & truth.isna())


def test_messages_from_events_agree_with_the_ledger(world, client, store):
    frame = ds.messages(client, store, all_profiles=True, source="events")
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id")
    assert has_schema(frame, "messages") and len(frame) > 100
    joined = frame.set_index("id").join(ledger, suffixes=("", "_true"), how="inner")
    assert len(joined) == len(frame)  # every message id in events is a real message
    # the new vocabulary is all there: inbound replies, sends stopped by the platform
    assert {"RECEIVED", "BLOCKED"} <= set(joined.status_true) and (joined.direction_true == "inbound").any()
    # Lost and degenerate events may leave a status behind, rarely.
    assert same(joined.status, joined.status_true).mean() > 0.97
    for column in ("direction", "phone", "region_code", "channel", "template_id", "profile_id"):
        assert same(joined[column], joined[f"{column}_true"]).all(), column
    assert same(joined.template_category, joined.template_category_true).mean() > 0.97
    # the reason comes with the status that carries it (FAILED, FILTERED, BLOCKED), and only then
    settled = joined[same(joined.status, joined.status_true)]
    assert same(settled.reason_code, settled.reason_code_true).all()
    assert settled[settled.status.isin(["FAILED", "BLOCKED", "FILTERED"])].reason_code.notna().all()
    inbound = joined[joined.direction == "inbound"]
    assert (inbound.status == "RECEIVED").all() and inbound.body.notna().all()
    assert inbound.price.isna().all() and inbound.template_id.isna().all()


def test_details_give_exact_prices_and_a_warm_rerun_makes_no_request(world, client, store):
    ids = list(ds.messages(client, store, all_profiles=True, source="events").id[:40])
    priced = ds.messages(client, store, ids=ids, details="all", all_profiles=True, source="events").set_index("id")
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id").loc[priced.index]
    assert (priced.price.round(4) == ledger.price).all()
    assert (priced.active_contact_price.round(4) == ledger.active_contact_price).all()
    assert (priced.status.astype(str) == ledger.status.astype(str)).all()
    acts = ds.activities(client, store, ids=ids)
    assert set(acts.message_id) == set(ids) and has_schema(acts, "activities")
    before = client.aio.stats.requests
    ds.messages(client, store, ids=ids, details="all", all_profiles=True, source="events")
    ds.activities(client, store, ids=[i for i in ids if priced.loc[i, "status"] in ("READ", "FAILED")])
    assert client.aio.stats.requests == before


def test_events_flatten_and_degenerate_ones_give_nulls(client, store):
    events = ds.webhook_events(client, store, all_profiles=True)
    assert has_schema(events, "webhook_events") and events.webhook_id.notna().all()
    real = events[events.field.isin(["message", "messages"])]  # the SDK's family name, and the 2024 docs'
    assert len(real) > 0.9 * len(events) and real.message_id.notna().all() and real.updated_at.dt.tz is not None
    outbound = real[real.event != "message.received"]
    assert outbound.message_status.notna().all() and outbound.inbound_number.isna().all()
    # message.received: the SDK's InboundMessageEventPayload, flattened
    inbound = real[real.event == "message.received"]
    assert len(inbound) and inbound.inbound_number.str.startswith("+").all() and inbound.text.notna().all()
    assert (inbound.received_at == inbound.updated_at).all() and inbound.message_status.isna().all()
    scheduled = real[real.event == "message.scheduled"]
    assert scheduled.scheduled_at.notna().all() and set(scheduled.schedule_reason) <= {"scheduled", "quiet_hours"}
    degenerate = events[events.field.isna()]
    assert degenerate.message_id.isna().all()
