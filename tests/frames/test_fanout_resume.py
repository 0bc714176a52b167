"""Every fan-out keeps what arrived: a SIGKILL at ~90% of an activities, number lookups or contact
summaries pull (a real process over a real loopback server) is resumed by the next run with at
most the requests that were in flight, or answered but not yet written, asked again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sentlab
from sentlab import _fetching
from sentlab.simulator._server import ServerHandle

from ..kit import HISTORY_END, Recorder, simulator
from .fanout_worker import pull

ROOT = Path(__file__).resolve().parents[2]
N = 600  # keys pulled
IN_FLIGHT = 8  # Limits.concurrency: requests a kill can catch on the way
BATCH = _fetching._SAVE_EVERY  # answers a kill can catch not yet written
#: kind -> what marks one of its requests (a path ending, or a path start)
MARKS = {"activities": ("/activities", "end"), "lookups": ("/v3/numbers/lookup/", "start"),
         "summaries": ("/message-summary", "end")}  # fmt: skip


def requests_of(recorder: Recorder, kind: str) -> int:
    """How many requests of the fan-out ``kind`` reached the simulator."""
    text, where = MARKS[kind]
    return recorder.count(lambda path: path.endswith(text) if where == "end" else path.startswith(text))


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=23, contacts=3 * N, messages=N + 200, profiles=1, at=HISTORY_END)


def keys_of(world, kind: str) -> list[str]:
    if kind == "activities":
        return list(world.ledger().message_id[:N])
    contacts = world.truth.contacts()
    if kind == "lookups":
        return list(dict.fromkeys(c["phone_number"] for c in contacts))[:N]
    profile = world.profile_ids[0]
    return [c["id"] for c in contacts if c["profile_id"] == profile][:N]


def key_for(world, kind: str) -> str:
    """The organization's key, but a profile's for summaries (its contacts are its own scope's)."""
    return world.profile_keys[world.profile_ids[0]] if kind == "summaries" else world.org_key


@pytest.mark.parametrize("kind", sorted(MARKS))
def test_a_killed_fan_out_resumes_with_only_what_it_lacks(world, kind, tmp_path):
    keys = keys_of(world, kind)
    assert len(keys) == N
    counting = Recorder(simulator(world))
    cache = tmp_path / "store"
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("\n".join(keys), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SENTLAB_PROGRESS": "off"}
    with ServerHandle(counting, "127.0.0.1", 0).start() as handle:  # type: ignore[arg-type]
        proc = subprocess.Popen([sys.executable, "-m", "tests.frames.fanout_worker", handle.base_url, key_for(world, kind),
                                 str(cache), kind, str(keys_file)], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                env=env)  # fmt: skip
        assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 60
        while requests_of(counting, kind) < int(0.9 * N):
            assert proc.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline, f"only {requests_of(counting, kind)} requests in 60 s"
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first = requests_of(counting, kind)
        db = sqlite3.connect(cache / "store.sqlite3")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        counting.clear()
        with sentlab.connect(key_for(world, kind), base_url=handle.base_url, cache_dir=cache, pacing=None,
                             progress=False) as lab:  # fmt: skip
            stored_as = {"activities": ("activities", keys), "lookups": ("lookup", keys),
                         "summaries": ("contact_summary", [f"/{k}" for k in keys])}[kind]  # fmt: skip
            held = len(lab.cache.get_records(*stored_as))
            frame = pull(lab, kind, keys)
        second = requests_of(counting, kind)
    redone = first + second - N
    print(f"\n{kind}: SIGKILL after {first} of {N} requests: {held} stored, the rerun made {second} "
          f"requests, {redone} asked twice")
    assert "failures" not in frame.attrs
    assert second == N - held  # the rerun asks for exactly what the store lacks
    assert 0 <= redone <= IN_FLIGHT + BATCH - 1  # answers not yet written, and requests on the way
    key_column = {"activities": "message_id", "lookups": "phone_number", "summaries": "contact_id"}[kind]
    assert set(frame[key_column].astype(str)) <= set(keys) and frame[key_column].nunique() > 0.9 * N
