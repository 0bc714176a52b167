"""Nothing fetched is lost: a details pull killed (SIGKILL), interrupted (Ctrl-C) or failing part-way
is resumed by the next run with only what it lacks. The kill and the Ctrl-C hit a separate process
pulling over a real loopback server, which counts the requests it receives."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sentlab
from sentlab import Retries, _event_sync, _fetching
from sentlab import _datasets as ds
from sentlab._frames import empty_frame
from sentlab.simulator import Faults
from sentlab.simulator._server import ServerHandle

from .. import kit
from ..kit import HISTORY_END, Recorder, simulator

ROOT = Path(__file__).resolve().parents[2]
N = 1000  # message ids pulled
IN_FLIGHT = 8  # Limits.concurrency: requests a kill or an interrupt can catch on the way
BATCH = _fetching._SAVE_EVERY  # answers a kill can catch not yet written


def is_detail(path: str) -> bool:
    return path.startswith("/v3/messages/")


def is_page(path: str) -> bool:
    return path.endswith("/events")


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=21, contacts=600, messages=1200, profiles=1, at=HISTORY_END)


@pytest.fixture(scope="module")
def ids(world):
    return list(world.ledger().message_id[:N])


@pytest.fixture
def server(world):
    counting = Recorder(simulator(world))
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


def wait_for(counting: Recorder, n: int, proc: subprocess.Popen, seconds: float = 60, what=is_detail) -> None:
    deadline = time.monotonic() + seconds
    while counting.count(what) < n:
        assert proc.poll() is None, "the worker finished before it could be stopped"
        assert time.monotonic() < deadline, f"only {counting.count(what)} requests in {seconds} s"
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
    first = counting.count(is_detail)
    db = sqlite3.connect(cache / "store.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    counting.clear()
    held, frame = resume(handle, world, cache, ids)
    second = counting.count(is_detail)
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
    first = counting.count(is_detail)
    counting.clear()
    held, frame = resume(handle, world, cache, ids)
    second = counting.count(is_detail)
    assert second == N - held
    redone = first + second - N
    print(f"\nCtrl-C after {first} of {N} detail requests: {held} stored, {redone} asked twice")
    assert 0 <= redone <= IN_FLIGHT  # only the requests in flight: every answer that arrived was kept
    check_prices(world, frame, ids)


def test_details_that_failed_are_the_only_ones_asked_again(world, ids, tmp_path):
    faulty = simulator(world, faults=Faults(http_500=0.2, seed=5))
    with (kit.make_lab(world, faulty, cache_dir=tmp_path, retries=Retries(attempts=1)) as lab,
          pytest.warns(UserWarning, match="message details could not be fetched")):
        first = ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids[:300])
    failed = set(first.attrs["failures"])
    assert 20 < len(failed) < 120 and len(first) == 300 - len(failed)
    clean = Recorder(simulator(world))
    with kit.make_lab(world, clean, cache_dir=tmp_path) as lab:
        again = ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids[:300])
    assert clean.count(is_detail) == len(failed) and "failures" not in again.attrs
    check_prices(world, again, ids[:300])


def test_an_event_sync_that_fails_part_way_keeps_its_pages_and_resumes(tmp_path):
    world = kit.make_world(seed=11, contacts=500, messages=3000, profiles=2, at=HISTORY_END)
    faulty = simulator(world, faults=Faults(http_500=0.01, seed=1))  # a 500 after ~110 pages
    with kit.make_lab(world, faulty, cache_dir=tmp_path, retries=Retries(attempts=1)) as lab:
        with pytest.raises(sentlab.ServerError):
            lab.webhook_events()
        stored = len(lab.cache.events())
    assert stored > 5000  # the pages that arrived before the error
    counting = Recorder(simulator(world))
    with kit.make_lab(world, counting, cache_dir=tmp_path) as lab:
        events = lab.webhook_events()
    pages = counting.count(is_page)
    with kit.make_lab(world, counting.app, store=False) as fresh:
        truth = fresh.webhook_events()
    assert same_rows(events, truth)
    sizes = truth.groupby("webhook_id").size()
    full = sum(-(-n // 100) for n in sizes)
    # each webhook's page 1 and a look where its newest stored event is, then the pages lacking
    lacking = -(-(len(truth) - stored) // 100) + len(sizes)
    print(f"\nevent sync failed part-way with {stored} of {len(truth)} events stored; the rerun read "
          f"{pages} pages (a full pull: {full})")
    assert pages <= lacking + 2 * len(sizes) < full


def same_rows(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    def canonical(frame):
        return frame.sort_values("id").reset_index(drop=True).astype(str)

    return canonical(ours).equals(canonical(theirs))


def test_a_killed_event_sync_resumes_with_the_pages_it_lacks(tmp_path):
    world = kit.make_world(seed=11, contacts=500, messages=3000, profiles=2, at=HISTORY_END)
    counting = Recorder(simulator(world))
    with ServerHandle(counting, "127.0.0.1", 0).start() as handle:  # type: ignore[arg-type]
        cache = tmp_path / "store"
        proc = start_worker(handle, world, cache, None)
        wait_for(counting, 120, proc, what=is_page)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first = counting.count(is_page)
        counting.clear()
        with sentlab.connect(world.org_key, base_url=handle.base_url, cache_dir=cache, pacing=None,
                             progress=False) as lab:  # fmt: skip
            stored = len(lab.cache.events())
            events = lab.webhook_events()
        second = counting.count(is_page)
    with kit.make_lab(world, store=False) as fresh:
        truth = fresh.webhook_events()
    assert same_rows(events, truth)
    webhooks = truth.webhook_id.nunique()
    full = sum(-(-n // 100) for n in truth.groupby("webhook_id").size())
    print(f"\nSIGKILL after {first} of {full} event pages: {stored} events stored, the rerun read {second} pages")
    # the pages lacking, each webhook's page 1 and a look where its newest stored event is (rounding:
    # one more per webhook), at most _PAGES_PER_WRITE pages not yet written and IN_FLIGHT on the way
    assert second <= -(-(len(truth) - stored) // 100) + 3 * webhooks
    assert second <= full - first + _event_sync._PAGES_PER_WRITE + IN_FLIGHT + 3 * webhooks
