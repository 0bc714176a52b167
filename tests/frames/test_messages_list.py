"""``messages()`` from the messages list, through the store: equal to the simulator's truth, synced
incrementally, resumable, and falling back to webhook events on a server without the list."""

from __future__ import annotations

import math
import warnings
from datetime import timedelta

import pandas as pd
import pytest

from sentlab import SentClient
from sentlab import _datasets as ds
from sentlab._message_log import PAGE_SIZE, MessageLog, sync
from sentlab._schemas import columns

from .. import kit
from ..kit import START, Recorder, make_client, simulator


@pytest.fixture
def world(make_world, clock):
    return make_world(seed=5, contacts=600, messages=2_000, profiles=2, clock=clock)


@pytest.fixture
def app(world):
    return Recorder(simulator(world))


@pytest.fixture
def client(app, world):
    with make_client(world, app) as c:
        yield c


@pytest.fixture
def store(client, tmp_path, clock):
    return ds.open_store(client, tmp_path, clock=clock.time)


def truth_now(world) -> pd.DataFrame:
    ledger = world.ledger(as_of=world.clock.now())
    return ledger[ledger["created_at"] <= pd.Timestamp(world.clock.now())].set_index("message_id")


def list_requests(app) -> int:
    return sum(p.startswith("/v3/conversations") for p in app.paths)


def test_the_whole_account_is_every_message_once_with_its_true_status_and_exact_cost(world, client, store):
    frame = ds.messages(client, store, all_profiles=True)
    truth = truth_now(world)
    assert frame.attrs["source"] == "list"
    assert len(frame) == len(truth) and set(frame["id"]) == set(truth.index)  # the organization's own too
    assert not frame["id"].duplicated().any()
    joined = frame.set_index("id").join(truth, suffixes=("", "_true"))
    assert (joined["status"].astype(str) == joined["status_true"].astype(str)).all()
    assert (joined["direction"].astype(str) == joined["direction_true"].astype(str)).all()
    assert (joined["profile_id"] == joined["profile_id_true"]).all()
    held = joined["status"].astype(str) == "SCHEDULED"  # not priced until released
    cost = (joined["price"] + joined["active_contact_price"])[~held]
    assert round(float(cost.sum()), 4) == round(float(joined.loc[~held, "cost"].sum()), 4)
    assert joined["price"][~held].notna().all() and joined["price"][held].isna().all()
    failed = joined["status"].astype(str).isin(["FAILED", "FILTERED", "BLOCKED"])
    assert (joined.loc[failed, "reason_code"].astype(str) == joined.loc[failed, "reason_code_true"].astype(str)).all()
    assert all(str(frame[c.name].dtype) == c.dtype for c in columns("messages"))


def test_one_profile_is_its_own_messages(world, client, store):
    profile_id = world.profile_ids[1]
    scoped = client.with_profile(profile_id)
    frame = ds.messages(scoped, ds.open_store(scoped, store.directory, clock=store.clock))
    truth = truth_now(world)
    assert set(frame["id"]) == set(truth.index[truth["profile_id"] == profile_id])


def test_the_timeline_is_flattened_to_per_status_times(world, client, store):
    frame = ds.messages(client, store, all_profiles=True).set_index("id")
    timelines = {m["id"]: m["timeline"] for m in world.truth.messages()}
    for column, step in (("queued_at", "QUEUED"), ("sent_at", "SENT"), ("delivered_at", "DELIVERED"),
                         ("blocked_at", "BLOCKED"), ("received_at", "RECEIVED"), ("cancelled_at", "CANCELLED")):  # fmt: skip
        has = frame[column].notna()
        assert has.any(), column
        for mid in frame.index[has][:20]:
            assert frame.at[mid, column] == pd.Timestamp(timelines[mid][step])
    inbound = frame[frame["direction"].astype(str) == "inbound"]
    assert len(inbound) and (inbound["status"].astype(str) == "RECEIVED").all() and inbound["queued_at"].isna().all()


def test_a_rerun_within_the_ttl_makes_no_request_and_later_reads_only_the_newest_pages(world, app, client, store, clock):
    ds.messages(client, store, all_profiles=True)
    cold = list_requests(app)
    assert cold >= math.ceil(len(truth_now(world)) / PAGE_SIZE)
    app.clear()
    ds.messages(client, store, all_profiles=True)
    assert list_requests(app) == 0
    clock.advance(3600)  # past the store's list_ttl: the newest pages only
    app.clear()
    frame = ds.messages(client, store, all_profiles=True)
    assert 0 < list_requests(app) < cold / 2
    truth = truth_now(world)
    assert set(frame["id"]) == set(truth.index)
    joined = frame.set_index("id").join(truth, suffixes=("", "_true"))
    assert (joined["status"].astype(str) == joined["status_true"].astype(str)).all()  # late statuses arrived


def test_new_sends_arrive_with_the_next_sync(world, app, client, store, clock):
    ds.messages(client, store)
    sent = client.send("+447400123456", template_name="login_code", channels="sms", parameters={"code": "123456"},
                       sandbox=False)
    clock.advance(3600)
    frame = ds.messages(client, store).set_index("id")
    message_id = sent["recipients"][0]["message_id"]
    assert frame.at[message_id, "status"] in ("SENT", "DELIVERED", "FAILED", "BLOCKED")


def test_since_reads_only_the_window_then_extends_down(world, app, client, store, clock):
    since = START - timedelta(days=3)
    recent = ds.messages(client, store, since=since)
    truth = truth_now(world)
    own = truth[truth["profile_id"] == world.organization_id]
    assert set(recent["id"]) == set(own.index[own["created_at"] >= since])
    first = list_requests(app)
    assert first <= math.ceil(len(own[own["created_at"] >= since]) / PAGE_SIZE) + 1
    app.clear()
    everything = ds.messages(client, store, since=START - timedelta(days=60))
    assert set(everything["id"]) == set(own.index)
    assert list_requests(app) <= math.ceil(len(own) / PAGE_SIZE) - first + 2  # only the older pages


class Interrupt(Exception):
    pass


def test_an_interrupted_sync_keeps_its_pages_and_resumes(world, app, store, clock, monkeypatch):
    from sentlab import _client

    calls = {"n": 0}
    real = _client.AsyncSentClient.messages_page

    async def flaky(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 9:
            raise Interrupt("the network went away")
        return await real(self, **kwargs)

    monkeypatch.setattr(_client.AsyncSentClient, "messages_page", flaky)
    with make_client(world, app, profile_id=world.profile_ids[0]) as scoped:
        log = MessageLog(ds.open_store(scoped, store.directory, clock=clock.time), "", clock=clock.time)
        with pytest.raises(Interrupt):
            sync(scoped, log)
        kept = log.pending_pages()
        assert kept >= 6 and log.state().run is not None  # the pages fetched before the error stay
        app.clear()
        report = sync(scoped, log)
    assert report.resumed and report.runs[0] == "full"
    truth = truth_now(world)
    mine = truth.index[truth["profile_id"] == world.profile_ids[0]]
    pages = math.ceil(len(mine) / PAGE_SIZE)
    assert list_requests(app) <= pages - kept + 8 + 2  # the rest of the run (a window of 8) and a top pass
    assert set(log.frame()["id"]) == set(mine)


def test_a_server_without_the_list_falls_back_to_webhook_events_once_said(world, tmp_path, clock):
    app = simulator(world)

    async def no_list(scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith("/v3/conversations"):
            body = b'{"success":false,"data":null,"error":{"code":"NOT_FOUND","message":"No route"},"meta":{}}'
            await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await app(scope, receive, send)

    with make_client(world, no_list, base_url="http://old-sim") as old:
        store = ds.open_store(old, tmp_path, clock=clock.time)
        with pytest.warns(UserWarning, match="no messages list"):
            frame = ds.messages(old, store, all_profiles=True)
        assert frame.attrs["source"] == "events" and len(frame) > 100
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert ds.messages(old, store, all_profiles=True).attrs["source"] == "events"  # said once


def test_the_list_works_without_a_store(world, client):
    frame = ds.messages(client, ds.open_store(client, enabled=False), all_profiles=True)
    assert set(frame["id"]) == set(truth_now(world).index)


def test_an_empty_account_gives_an_empty_typed_frame(tmp_path, clock):
    world = kit.make_world(seed=2, contacts=20, messages=0, profiles=1, clock=clock)
    with make_client(world) as client:
        frame = ds.messages(client, ds.open_store(client, tmp_path, clock=clock.time), all_profiles=True)
    assert len(frame) == 0 and all(str(frame[c.name].dtype) == c.dtype for c in columns("messages"))


@pytest.mark.server
def test_a_sync_killed_at_90_percent_resumes_with_only_the_missing_pages(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from sentlab import Store
    from sentlab.simulator._server import ServerHandle

    world = kit.make_world(seed=9, contacts=800, messages=6_000, profiles=2, at=None)  # the wall clock: a real server
    profile_id = world.profile_ids[0]
    counted = Recorder(simulator(world, latency=0.05))  # the server's side of the count: what reached it
    truth = world.ledger()
    pages = math.ceil(int((truth["profile_id"] == profile_id).sum()) / PAGE_SIZE)
    root = Path(__file__).resolve().parents[2]
    with ServerHandle(counted, "127.0.0.1", 0).start() as server:
        args = [server.base_url, world.org_key, world.organization_id, profile_id, str(tmp_path)]
        worker = subprocess.Popen([sys.executable, "-m", "tests.frames.message_sync_worker", *args], cwd=root,
                                  env={**os.environ, "PYTHONPATH": str(root)}, stdout=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.monotonic() + 60
        while list_requests(counted) < int(0.9 * pages):
            assert worker.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        before = list_requests(counted)
        store = Store(tmp_path, base_url=server.base_url, account_id=world.organization_id, profile_id=profile_id)
        log = MessageLog(store, "")
        kept = log.pending_pages()
        assert kept >= before - 2  # what was answered was committed (a request or two in flight are lost)
        counted.clear()
        with SentClient(world.org_key, base_url=server.base_url, profile_id=profile_id, pacing=None,
                        progress=False) as client:  # fmt: skip
            report = sync(client, log)
        redone = list_requests(counted)
    assert report.resumed
    assert redone <= pages - kept + 3, (pages, kept, redone)  # the missing pages and a page of new ones
    assert set(log.frame()["id"]) == set(truth.loc[truth["profile_id"] == profile_id, "message_id"])


def test_a_part_reads_back_exactly_what_was_written(world, client, tmp_path):
    from sentlab._message_log import read_part, write_part

    frame = ds.messages(client, ds.open_store(client, enabled=False), all_profiles=True)
    frame["_fetched_at"] = 1.0
    assert frame["body_buttons"].notna().any() and frame["body_media"].notna().any()
    write_part(frame, tmp_path / "part.arrow")
    back = read_part(tmp_path / "part.arrow")
    expected = frame.iloc[frame["created_at"].array.asi8.argsort(kind="stable")[::-1]].reset_index(drop=True)
    pd.testing.assert_frame_equal(back, expected, check_categorical=False)
    assert back["body_buttons"].dropna().map(type).eq(list).all()
