"""Every fan-out keeps what arrived: a SIGKILL at ~90% of an activities, number lookups or contact
summaries pull (a real process over a real loopback server) is resumed by the next run with at
most the requests that were in flight, or answered but not yet written, asked again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import sentlab
from sentlab import _fetching
from sentlab.simulator import SimClock, SimulatorConfig, build_world, create_app
from sentlab.simulator._server import ServerHandle

from .fanout_worker import pull

ROOT = Path(__file__).resolve().parents[2]
N = 600  # keys pulled
IN_FLIGHT = 8  # Limits.concurrency: requests a kill can catch on the way
BATCH = _fetching._SAVE_EVERY  # answers a kill can catch not yet written
#: kind -> what marks one of its requests (a path ending, or a path start)
MARKS = {"activities": ("/activities", "end"), "lookups": ("/v3/numbers/lookup/", "start"),
         "summaries": ("/message-summary", "end")}  # fmt: skip


class Counting:
    """The simulator app, counting the requests of one fan-out kind that reach it."""

    def __init__(self, app, kind: str) -> None:
        self.app, self.world, self.mark = app, app.world, MARKS[kind]
        self.count = 0
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            text, where = self.mark
            path = scope["path"]
            if path.endswith(text) if where == "end" else path.startswith(text):
                with self._lock:
                    self.count += 1
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def world():
    return build_world(seed=23, contacts=3 * N, messages=N + 200, profiles=1,
                       clock=SimClock.frozen(pd.Timestamp("2026-11-20T00:00:00Z").to_pydatetime()))  # fmt: skip


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
    counting = Counting(create_app(world, SimulatorConfig(rate_limits=None)), kind)
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
        while counting.count < int(0.9 * N):
            assert proc.poll() is None, "the worker finished before it could be killed"
            assert time.monotonic() < deadline, f"only {counting.count} requests in 60 s"
            time.sleep(0.001)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first = counting.count
        db = sqlite3.connect(cache / "store.sqlite3")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        counting.count = 0
        with sentlab.connect(key_for(world, kind), base_url=handle.base_url, cache_dir=cache, pacing=None,
                             progress=False) as lab:  # fmt: skip
            stored_as = {"activities": ("activities", keys), "lookups": ("lookup", keys),
                         "summaries": ("contact_summary", [f"/{k}" for k in keys])}[kind]  # fmt: skip
            held = len(lab.cache.get_records(*stored_as))
            frame = pull(lab, kind, keys)
        second = counting.count
    redone = first + second - N
    print(f"\n{kind}: SIGKILL after {first} of {N} requests: {held} stored, the rerun made {second} "
          f"requests, {redone} asked twice")
    assert "failures" not in frame.attrs
    assert second == N - held  # the rerun asks for exactly what the store lacks
    assert 0 <= redone <= IN_FLIGHT + BATCH - 1  # answers not yet written, and requests on the way
    key_column = {"activities": "message_id", "lookups": "phone_number", "summaries": "contact_id"}[kind]
    assert set(frame[key_column].astype(str)) <= set(keys) and frame[key_column].nunique() > 0.9 * N
