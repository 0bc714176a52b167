"""Webhook event syncs against the simulator: the store keeps up with delivery outcomes, counted in requests."""

from __future__ import annotations

import math
from urllib.parse import parse_qs

import pandas as pd
import pytest

from sentlab import SentClient
from sentlab import _datasets as ds
from sentlab._store import NullStore
from sentlab.simulator import WorldParams

from ..kit import HISTORY_END, Recorder, make_client, simulator


def pages_read(server: Recorder) -> dict[str, list[int]]:
    """The page asked for by each request for a webhook's events since the last call, per webhook."""
    out: dict[str, list[int]] = {}
    for call in server.calls:
        if call["path"].endswith("/events"):
            out.setdefault(call["path"].split("/")[3], []).append(int(parse_qs(call["query"]).get("page", ["1"])[0]))
    server.clear()
    return out


@pytest.fixture
def world(make_world):
    # Many webhook deliveries retried (30 s, 2 min... apart): pending for a while, then settled.
    return make_world(seed=3, contacts=400, messages=400, profiles=1, params=WorldParams(webhook_retry_share=0.6),
                      at=HISTORY_END)  # fmt: skip


@pytest.fixture
def server(world):
    """The simulator app, recording the requests that reach it."""
    return Recorder(simulator(world))


def profile_client(world, app) -> SentClient:
    [key] = world.profile_keys.values()  # the profile's webhooks receive every message event
    return make_client(world, app, key=key)


@pytest.fixture
def client(world, server):
    with profile_client(world, server) as c:
        c.me()
        yield c


@pytest.fixture
def store(client, tmp_path, world):
    # the store's clock is the world's: "younger than pending_event_age" is measured in world time
    return ds.open_store(client, tmp_path, list_ttl=0, clock=world.clock.time)


def send_a_burst(client, world, n=300):
    """``n`` live sends an hour after the history ends: a few thousand events, many deliveries pending."""
    world.clock.advance(3600)
    template = next(t for t in client.templates() if t["status"] == "APPROVED" and "sms" in t["channels"])
    phones = [c["phone_number"] for c in client.contacts()][:n]
    client.send(phones, template_id=template["id"], sandbox=False, channels=["sms"],
                parameters={v: "x" for v in template["variables"]})
    world.clock.advance(5)


def server_events(world) -> pd.DataFrame:
    """Every event as the server lists it now, newest first within each webhook (a fresh full pull)."""
    with profile_client(world, simulator(world)) as fresh:
        return ds.webhook_events(fresh, NullStore())


def same_events(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    def canonical(frame):
        return frame.sort_values("id").reset_index(drop=True).astype(str)

    return canonical(ours).equals(canonical(theirs))


def pages_needed(stored: pd.DataFrame, now: pd.DataFrame) -> dict[str, set[int]]:
    """Per webhook: page 1, and each page (of the list as it is now) holding an event the store
    lacked or held as pending."""
    status = stored.set_index("id")["delivery_status"].astype(str).to_dict()
    return {wid: {1} | {k // 100 + 1 for k, i in enumerate(events["id"]) if status.get(i, "pending") == "pending"}
            for wid, events in now.groupby("webhook_id", sort=False)}  # fmt: skip


def test_deliveries_stored_as_pending_are_read_again_until_they_settle(world, server, client, store):
    send_a_burst(client, world)
    first = ds.webhook_events(client, store)
    truth = server_events(world)
    assert same_events(first, truth) and (first.delivery_status == "pending").sum() > 300
    full = {wid: math.ceil(n / 100) for wid, n in truth.groupby("webhook_id").size().items()}
    assert {wid: sorted(p) for wid, p in pages_read(server).items()} == {w: list(range(1, n + 1)) for w, n in full.items()}
    seen = []
    for step in (10, 30, 120, 900):  # the burst's lifecycles go on, and its deliveries settle
        world.clock.advance(step)
        stored = ds.webhook_events(client, store)  # within list_ttl=0: a sync
        needed = pages_needed(first, server_events(world))
        first = stored
        read = pages_read(server)
        now = server_events(world)
        assert same_events(stored, now), step  # exactly what a full pull gives, delivery outcomes included
        for wid, pages in read.items():
            # what was needed, and at most one page more: the look at where the newest stored event is
            assert needed[wid] <= set(pages) and len(pages) <= len(needed[wid]) + 1, (step, wid)
        seen.append(sum(len(p) for p in read.values()))
    assert (first.delivery_status != "pending").all()
    full_pull = sum(math.ceil(n / 100) for n in now.groupby("webhook_id").size())
    assert max(seen) < full_pull  # each sync read a part of the list, never all of it
    ds.webhook_events(client, store)
    assert {wid: p for wid, p in pages_read(server).items()} == {wid: [1] for wid in full}  # nothing pending: page 1


def test_refresh_reads_every_page_again(world, server, client, store):
    send_a_burst(client, world, n=100)
    ds.webhook_events(client, store)
    pages_read(server)
    world.clock.advance(60)
    frame = ds.webhook_events(client, store, refresh=True)
    truth = server_events(world)
    assert same_events(frame, truth)
    full = {wid: math.ceil(n / 100) for wid, n in truth.groupby("webhook_id").size().items()}
    assert {wid: sorted(p) for wid, p in pages_read(server).items()} == {w: list(range(1, n + 1)) for w, n in full.items()}


def test_messages_follow_the_latest_events(world, client, store):
    send_a_burst(client, world, n=100)
    ds.messages(client, store)
    world.clock.advance(3600)
    msgs = ds.messages(client, store).set_index("id")
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id").loc[msgs.index]
    assert (msgs.status.astype(str) == ledger.status.astype(str)).mean() > 0.99
