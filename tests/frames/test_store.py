"""The local store: freshness rules, incremental events, housekeeping, and two processes at once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from multiprocessing import get_context
from pathlib import Path

import pytest

from sentlab import Store
from sentlab._store import NullStore, default_store_dir, event_pending, message_state

from ..kit import ManualClock
from .examples import ACTIVITIES, MESSAGE

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def clock():
    return ManualClock(1_800_000_000.0)


@pytest.fixture
def store(tmp_path, clock):
    s = Store(tmp_path, base_url="https://api.sent.dm/", account_id="acct-1", list_ttl=60,
              record_ttl=600, delivered_final_after=3600, clock=clock)  # fmt: skip
    yield s
    s.close()


def detail(status: str, at: str = "2026-04-08T13:55:02.1011577+00:00") -> dict:
    return {**MESSAGE, "status": status, "events": [{"status": status, "timestamp": at}]}


def test_lists_expire_after_their_ttl_and_params_key_separately(store, clock):
    store.put_list("contacts", [{"id": "a"}], {"channel": "sms"})
    assert store.get_list("contacts", {"channel": "sms"}) == [{"id": "a"}]
    assert store.get_list("contacts") is None  # other parameters, other entry
    clock.now += 61
    assert store.get_list("contacts", {"channel": "sms"}) is None


def test_final_messages_are_never_stale_others_follow_the_ttl(store, clock):
    delivered_at = clock.now - 10  # DELIVERED recently: may still turn READ
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(delivered_at))
    store.put_records("message", {"read": detail("READ"), "failed": detail("FAILED"), "sent": detail("SENT"),
                                  "fresh-delivered": detail("DELIVERED", stamp),
                                  "old-delivered": detail("DELIVERED", "2020-01-01T00:00:00+00:00")},
                      state=message_state)  # fmt: skip
    clock.now += 601  # past record_ttl, not yet delivered_final_after for the fresh one
    assert set(store.get_records("message", ["read", "failed", "sent", "fresh-delivered", "old-delivered"])) == {
        "read", "failed", "old-delivered"}
    clock.now += 10**7
    assert set(store.get_records("message", ["read", "failed", "sent", "fresh-delivered"])) == {
        "read", "failed", "fresh-delivered"}  # DELIVERED long enough ago is final


def test_every_status_that_ends_a_lifecycle_is_final(tmp_path):
    # the SDK's terminal statuses: nothing follows them, so their details are never fetched again
    ended = ["READ", "FAILED", "FILTERED", "BLOCKED", "CANCELLED", "RECEIVED"]
    store = Store(tmp_path, base_url="http://x", account_id="a", record_ttl=0)
    store.put_records("message", {s: detail(s) for s in [*ended, "SCHEDULED", "ROUTED"]}, state=message_state)
    assert set(store.get_records("message", [*ended, "SCHEDULED", "ROUTED"])) == set(ended)


def test_activity_state_uses_the_newest_timestamp_not_list_order():
    shuffled = list(reversed(ACTIVITIES["activities"]))
    assert message_state(shuffled)[0] == "DELIVERED"
    assert message_state(ACTIVITIES)[0] == "DELIVERED"
    assert message_state([]) == (None, None)


def test_events_are_stored_by_id_and_only_complete_syncs_are_known(store, clock):
    assert store.add_events("w1", [{"id": "e1", "created_at": "2026-01-01"}, {"id": "e2"}]) == 2
    assert store.add_events("w1", [{"id": "e2"}, {"id": "e3"}]) == 1
    assert store.event_ids("w1") == set()  # not confirmed until the sync completes
    assert not store.synced_recently("w1")
    store.finish_sync("w1")
    assert store.event_ids("w1") == {"e1", "e2", "e3"} and store.synced_recently("w1")
    clock.now += 61
    assert not store.synced_recently("w1")
    assert [e["id"] for e in store.events("w1")] == ["e2", "e3", "e1"]  # by created_at (nulls first), id


def pending_event(event_id: str, created: str = "2027-01-15T08:00:00+00:00", **fields) -> dict:
    return {"id": event_id, "created_at": created, "delivery_status": "pending", "delivery_attempts": 1,
            "http_status_code": None, "processing_started_at": created, "processing_completed_at": None, **fields}  # fmt: skip


def test_a_changed_event_replaces_the_stored_one_and_pending_ones_are_listed(store, clock):
    clock.now = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    first = store.put_events("w1", [pending_event("e1"), pending_event("e2", "2026-01-01T00:00:00+00:00")], [1, 0])
    assert (first.added, first.updated) == (2, 0)
    assert store.pending_events("w1") == [(1, 1_800_000_000.0)]  # e2 is older than pending_event_age
    settled = {**pending_event("e1"), "delivery_status": "delivered", "http_status_code": 200,
               "delivery_attempts": 3, "processing_completed_at": "2027-01-15T08:05:30+00:00"}  # fmt: skip
    again = store.put_events("w1", [settled, pending_event("e2", "2026-01-01T00:00:00+00:00")])
    assert (again.added, again.updated) == (0, 1)  # e2 did not change: left as it was
    [e1] = [e for e in store.events("w1") if e["id"] == "e1"]
    assert e1["delivery_status"] == "delivered" and e1["delivery_attempts"] == 3
    assert store.pending_events("w1") == [] and store.event_positions("w1", ["e1", "e2"]) == {"e1": 1, "e2": 0}
    assert len(store.events("w1")) == 2


def test_event_positions_runs_shifts_and_forgetting(store):
    store.put_events("w1", [{"id": f"e{p}"} for p in (9, 8, 7, 3, 2, 0)], [9, 8, 7, 3, 2, 0])
    assert store.event_coverage("w1") == [(0, 0), (2, 3), (7, 9)]
    store.put_events("w1", [{"id": "x"}], [3])  # two events at one place: no run grows from it
    assert store.event_coverage("w1") == [(0, 0), (2, 3), (7, 9)]
    store.forget_event_positions("w1")
    store.put_events("w1", [{"id": f"e{p}"} for p in (9, 8, 7, 3, 2, 0)], [9, 8, 7, 3, 2, 0])
    store.shift_event_positions("w1", -2)  # the server dropped its two oldest events
    assert store.event_coverage("w1") == [(0, 1), (5, 7)]
    assert store.event_positions("w1", ["e0", "e2"]) == {"e2": 0}  # e0 is no longer on the list
    store.forget_event_positions("w1")
    assert store.event_coverage("w1") == [] and len(store.events("w1")) == 7


def test_a_delivery_is_pending_until_it_has_its_outcome():
    assert event_pending(pending_event("e")) and event_pending({"status": "retrying"})
    assert not event_pending({"delivery_status": "delivered", "processing_completed_at": None})
    assert not event_pending({"delivery_status": "FAILED"})
    # no status: the endpoint shape says whether processing completed; the old shape says nothing
    assert event_pending({"processing_completed_at": None}) and not event_pending({"id": "e"})
    assert not event_pending({"delivery_status": "abandoned", "processing_completed_at": "2026-01-01T00:00:00Z"})


def test_a_store_file_from_before_event_positions_is_upgraded_in_place(tmp_path):
    db = sqlite3.connect(tmp_path / "store.sqlite3")
    db.executescript("""
        CREATE TABLE events (scope TEXT NOT NULL, webhook_id TEXT NOT NULL, id TEXT NOT NULL, created_at TEXT,
            body TEXT NOT NULL, fetched_at REAL NOT NULL, confirmed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (scope, webhook_id, id));
    """)
    scope = "http://sim#acct#"
    for event in (pending_event("e1"), {**pending_event("e2"), "delivery_status": "delivered"}):
        db.execute("INSERT INTO events VALUES (?, 'w1', ?, ?, ?, 0, 1)",
                   (scope, event["id"], event["created_at"], json.dumps(event)))  # fmt: skip
    db.commit()
    db.close()
    store = Store(tmp_path, base_url="http://sim", account_id="acct", clock=lambda: 1_800_000_000.0)
    assert [e["id"] for e in store.events("w1")] == ["e1", "e2"]
    assert store.pending_events("w1") == [(None, 1_800_000_000.0)]  # known pending, no position yet
    assert store.event_coverage("w1") == [] and store.event_ids("w1") == {"e1", "e2"}


def test_scopes_are_separate_and_clear_empties_only_one(tmp_path, store):
    other = Store(tmp_path, base_url="https://api.sent.dm", account_id="acct-2")
    store.put_list("users", [{"id": "u"}])
    other.put_list("users", [{"id": "v"}])
    store.clear()
    assert store.get_list("users") is None and other.get_list("users") == [{"id": "v"}]
    other.clear(all_scopes=True)
    assert other.get_list("users") is None


def test_info_reports_counts_and_ages(store, clock):
    store.put_list("contacts", [{"id": 1}, {"id": 2}])
    store.put_records("message", {"m": detail("READ")}, state=message_state)
    store.add_events("w", [{"id": "e"}])
    clock.now += 30
    info = store.info().set_index("kind")
    assert info.loc["list:contacts", "records"] == 2 and info.loc["message", "records"] == 1
    assert info.loc["webhook_events", "records"] == 1
    assert info.loc["message", "age"].total_seconds() == pytest.approx(30)


def test_null_store_stores_nothing():
    s = NullStore()
    s.put_list("contacts", [{"id": 1}])
    s.put_records("message", {"m": detail("READ")})
    assert s.get_list("contacts") is None and s.get_records("message", ["m"]) == {}
    assert s.add_events("w", [{"id": "e"}]) == 0 and s.events() == [] and not s.enabled
    assert s.info().empty


def test_default_dir_is_the_user_cache_dir_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path))
    assert default_store_dir() == tmp_path
    monkeypatch.delenv("SENTLAB_CACHE_DIR")
    assert "sentlab" in str(default_store_dir())


def test_wal_mode_is_on(store):
    store.put_list("users", [])
    assert store._connection().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --------------------------------------------------------------------------- processes


def _writer(directory: str, name: str, count: int) -> int:
    s = Store(directory, base_url="http://sim", account_id="acct")
    for i in range(count):
        s.put_records("message", {f"{name}-{i}": {"i": i}})
        s.put_list("contacts", [{"writer": name, "i": i}])
        s.get_records("message", [f"{name}-{i}"])
    return count


def test_two_processes_writing_at_once_both_succeed(tmp_path):
    ctx = get_context("spawn")  # a fresh interpreter per writer, as two notebooks would be
    with ctx.Pool(2) as pool:
        done = pool.starmap(_writer, [(str(tmp_path), "a", 150), (str(tmp_path), "b", 150)])
    assert done == [150, 150]
    s = Store(tmp_path, base_url="http://sim", account_id="acct")
    keys = [f"{n}-{i}" for n in "ab" for i in range(150)]
    assert len(s.get_records("message", keys)) == 300


def test_sigkill_mid_write_loses_nothing_committed_and_corrupts_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.frames.store_worker", str(tmp_path), "k", "100000"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)  # fmt: skip
    committed = []
    assert proc.stdout is not None
    while len(committed) < 30:
        line = proc.stdout.readline()
        assert line, "worker died early"
        committed.append(line.strip())
    proc.send_signal(signal.SIGKILL)  # lands during a later transaction
    proc.wait(timeout=10)
    committed += [line.strip() for line in proc.stdout if line.strip()]
    db = sqlite3.connect(tmp_path / "store.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT key FROM records")}
    db.close()
    for key in committed:  # every reported commit is there, all 20 rows of it
        assert all(f"{key}-{j}" in stored for j in range(20)), key
    # and whatever the kill interrupted is all or nothing
    by_txn: dict[str, int] = {}
    for key in stored:
        by_txn[key.rsplit("-", 1)[0]] = by_txn.get(key.rsplit("-", 1)[0], 0) + 1
    assert set(by_txn.values()) == {20}
    s = Store(tmp_path, base_url="http://sim", account_id="acct")  # reusable after the crash
    s.put_list("users", [{"id": "after"}])
    assert s.get_list("users") == [{"id": "after"}]


def test_threads_opening_a_new_store_at_once_all_succeed(tmp_path):
    # Opening switches the file to WAL, which SQLite refuses at once ("database is locked") while
    # another connection is opening it; the store opens one connection per Store and retries.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    for round_ in range(5):
        directory = tmp_path / str(round_)
        shared = Store(directory, base_url="https://api.sent.dm/", account_id="acct-1")
        others = [Store(directory, base_url="https://api.sent.dm/", account_id=f"acct-{i}") for i in range(4)]
        targets = [shared] * 4 + others
        start = threading.Barrier(len(targets))

        def read_then_write(target: Store, n: int, start: threading.Barrier = start) -> int:
            start.wait()
            target.get_list("contacts", {"n": n})
            target.put_list("contacts", [{"id": str(n)}], {"n": n})
            return len(target.get_list("contacts", {"n": n}))

        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            results = list(pool.map(read_then_write, targets, range(len(targets))))
        assert results == [1] * len(targets)
        for s in (shared, *others):
            s.close()
