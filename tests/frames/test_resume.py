"""Nothing fetched is lost: a details pull killed (SIGKILL), interrupted (Ctrl-C) or failing part-way
is resumed by the next run with only what it lacks. The kill and the Ctrl-C hit a separate process
pulling over a real loopback server, which counts the requests it receives."""

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
from sentlab import _datasets as ds
from sentlab import _event_sync, _fetching
from sentlab._config import Retries
from sentlab._frames import empty_frame
from sentlab.simulator import (
    Faults,
    SimClock,
    SimulatorConfig,
    build_world,
    create_app,
    in_process_transport,
)
from sentlab.simulator._server import ServerHandle

ROOT = Path(__file__).resolve().parents[2]
N = 1000  # message ids pulled
IN_FLIGHT = 8  # Limits.concurrency: requests a kill or an interrupt can catch on the way
BATCH = _fetching._SAVE_EVERY  # answers a kill can catch not yet written


class Counting:
    """The simulator app, counting the message-detail and event-page requests that reach it."""

    def __init__(self, app) -> None:
        self.app, self.world = app, app.world
        self.details = self.pages = 0
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            with self._lock:
                self.details += scope["path"].startswith("/v3/messages/")
                self.pages += scope["path"].endswith("/events")
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def world():
    return build_world(seed=21, contacts=600, messages=1200, profiles=1,
                       clock=SimClock.frozen(pd.Timestamp("2026-11-20T00:00:00Z").to_pydatetime()))  # fmt: skip


@pytest.fixture(scope="module")
def ids(world):
    return list(world.ledger().message_id[:N])


@pytest.fixture
def server(world):
    counting = Counting(create_app(world, SimulatorConfig(rate_limits=None)))
    handle = ServerHandle(counting, "127.0.0.1", 0).start()  # type: ignore[arg-type]
    yield handle, counting
    handle.stop()


def start_worker(handle, world, cache: Path, ids: list[str] | None) -> subprocess.Popen:
    """The worker pulling the details of ``ids`` (None: syncing every webhook's events)."""
    ids_file = cache.parent / "ids.txt"
    ids_file.write_text("\n".join(ids or []), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SENTLAB_PROGRESS": "off"}
    proc = subprocess.Popen([sys.executable, "-m", "tests.frames.pull_worker", handle.base_url, world.org_key,
                             str(cache), str(ids_file) if ids is not None else "-"], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "started"
    return proc


def wait_for(counting: Counting, n: int, proc: subprocess.Popen, seconds: float = 60, what: str = "details") -> None:
    deadline = time.monotonic() + seconds
    while getattr(counting, what) < n:
        assert proc.poll() is None, "the worker finished before it could be stopped"
        assert time.monotonic() < deadline, f"only {getattr(counting, what)} requests in {seconds} s"
        time.sleep(0.001)


def resume(handle, world, cache: Path, ids: list[str]) -> tuple[int, pd.DataFrame]:
    """What the store holds of ``ids`` now, and the frame a second, in-process run gives."""
    with sentlab.connect(world.org_key, base_url=handle.base_url, cache_dir=cache, pacing=None,
                         progress=False) as lab:  # fmt: skip
        held = len(lab.cache.get_records("message", ids))
        return held, ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids)


def check_prices(world, frame: pd.DataFrame, ids: list[str]) -> None:
    assert sorted(frame.id) == sorted(ids)
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id").loc[frame.id]
    priced = frame.price.notna().to_numpy()
    assert priced.mean() > 0.9 and (frame.price[priced].round(4).to_numpy() == ledger.price[priced].to_numpy()).all()


def test_a_killed_details_pull_resumes_with_only_the_missing_ids(server, world, ids, tmp_path):
    handle, counting = server
    cache = tmp_path / "store"
    proc = start_worker(handle, world, cache, ids)
    wait_for(counting, int(0.9 * N), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    first = counting.details
    db = sqlite3.connect(cache / "store.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    counting.details = 0
    held, frame = resume(handle, world, cache, ids)
    second = counting.details
    assert second == N - held  # the second run asks for exactly what the store lacks
    redone = first + second - N
    print(f"\nSIGKILL after {first} of {N} detail requests: {held} stored, the rerun made {second} "
          f"requests, {redone} of them ({redone / first:.1%} of the first run's) asked twice")
    assert 0 <= redone <= IN_FLIGHT + BATCH - 1  # answers not yet written, and requests on the way
    check_prices(world, frame, ids)


def test_an_interrupted_details_pull_keeps_every_answer(server, world, ids, tmp_path):
    handle, counting = server
    cache = tmp_path / "store"
    proc = start_worker(handle, world, cache, ids)
    wait_for(counting, N // 2, proc)
    proc.send_signal(signal.SIGINT)  # Ctrl-C
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in out
    first = counting.details
    counting.details = 0
    held, frame = resume(handle, world, cache, ids)
    second = counting.details
    assert second == N - held
    redone = first + second - N
    print(f"\nCtrl-C after {first} of {N} detail requests: {held} stored, {redone} asked twice")
    assert 0 <= redone <= IN_FLIGHT  # only the requests in flight: every answer that arrived was kept
    check_prices(world, frame, ids)


def in_process_lab(world, cache: Path, config: SimulatorConfig, **options) -> sentlab.Lab:
    app = create_app(world, config)
    return sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(app), pacing=None,
                           progress=False, cache_dir=cache, **options)  # fmt: skip


def test_details_that_failed_are_the_only_ones_asked_again(world, ids, tmp_path):
    faulty = SimulatorConfig(rate_limits=None, faults=Faults(http_500=0.2, seed=5))
    with (in_process_lab(world, tmp_path, faulty, retries=Retries(attempts=1)) as lab,
          pytest.warns(UserWarning, match="message details could not be fetched")):
        first = ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids[:300])
    failed = set(first.attrs["failures"])
    assert 20 < len(failed) < 120 and len(first) == 300 - len(failed)
    clean = Counting(create_app(world, SimulatorConfig(rate_limits=None)))
    with sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(clean), pacing=None,
                         progress=False, cache_dir=tmp_path) as lab:  # fmt: skip
        again = ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids[:300])
    assert clean.details == len(failed) and "failures" not in again.attrs
    check_prices(world, again, ids[:300])


def test_an_event_sync_that_fails_part_way_keeps_its_pages_and_resumes(tmp_path):
    world = build_world(seed=11, contacts=500, messages=3000, profiles=2,
                        clock=SimClock.frozen(pd.Timestamp("2026-11-20T00:00:00Z").to_pydatetime()))  # fmt: skip
    faulty = SimulatorConfig(rate_limits=None, faults=Faults(http_500=0.01, seed=1))  # a 500 after ~110 pages
    with in_process_lab(world, tmp_path, faulty, retries=Retries(attempts=1)) as lab:
        with pytest.raises(sentlab.ServerError):
            lab.webhook_events()
        stored = len(lab.cache.events())
    assert stored > 5000  # the pages that arrived before the error
    app = create_app(world, SimulatorConfig(rate_limits=None))
    pages: list[str] = []

    async def counting(scope, receive, send):
        if scope["type"] == "http" and scope["path"].endswith("/events"):
            pages.append(scope["path"])
        await app(scope, receive, send)

    with sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(counting), pacing=None,
                         progress=False, cache_dir=tmp_path) as lab:  # fmt: skip
        events = lab.webhook_events()
    with sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(app), pacing=None,
                         progress=False, store=False) as fresh:  # fmt: skip
        truth = fresh.webhook_events()
    assert same_rows(events, truth)
    sizes = truth.groupby("webhook_id").size()
    full = sum(-(-n // 100) for n in sizes)
    # each webhook's page 1 and a look where its newest stored event is, then the pages lacking
    lacking = -(-(len(truth) - stored) // 100) + len(sizes)
    print(f"\nevent sync failed part-way with {stored} of {len(truth)} events stored; the rerun read "
          f"{len(pages)} pages (a full pull: {full})")
    assert len(pages) <= lacking + 2 * len(sizes) < full


def same_rows(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    def canonical(frame):
        return frame.sort_values("id").reset_index(drop=True).astype(str)

    return canonical(ours).equals(canonical(theirs))


def test_a_killed_event_sync_resumes_with_the_pages_it_lacks(tmp_path):
    world = build_world(seed=11, contacts=500, messages=3000, profiles=2,
                        clock=SimClock.frozen(pd.Timestamp("2026-11-20T00:00:00Z").to_pydatetime()))  # fmt: skip
    counting = Counting(create_app(world, SimulatorConfig(rate_limits=None)))
    with ServerHandle(counting, "127.0.0.1", 0).start() as handle:  # type: ignore[arg-type]
        cache = tmp_path / "store"
        proc = start_worker(handle, world, cache, None)
        wait_for(counting, 120, proc, what="pages")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first = counting.pages
        counting.pages = 0
        with sentlab.connect(world.org_key, base_url=handle.base_url, cache_dir=cache, pacing=None,
                             progress=False) as lab:  # fmt: skip
            stored = len(lab.cache.events())
            events = lab.webhook_events()
        second = counting.pages
    with sentlab.connect(world.org_key, base_url="http://sim", pacing=None, progress=False, store=False,
                         transport=in_process_transport(create_app(world, SimulatorConfig(rate_limits=None)))) as fresh:  # fmt: skip
        truth = fresh.webhook_events()
    assert same_rows(events, truth)
    webhooks = truth.webhook_id.nunique()
    full = sum(-(-n // 100) for n in truth.groupby("webhook_id").size())
    print(f"\nSIGKILL after {first} of {full} event pages: {stored} events stored, the rerun read {second} pages")
    # the pages lacking, each webhook's page 1 and a look where its newest stored event is (rounding:
    # one more per webhook), at most _PAGES_PER_WRITE pages not yet written and IN_FLIGHT on the way
    assert second <= -(-(len(truth) - stored) // 100) + 3 * webhooks
    assert second <= full - first + _event_sync._PAGES_PER_WRITE + IN_FLIGHT + 3 * webhooks
