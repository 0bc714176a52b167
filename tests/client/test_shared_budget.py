"""The pacing budget shared between processes through the store directory (issue 13 §4).

Several limiters (each with its own SQLite connection, as separate processes have) draw from
one bucket: together they never send more than burst + rate·t, a 429's pause reaches all of
them, the key is never written, and connect() shares the budget only when the store is on.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import sentlab
from sentlab import Limiter, Pacing
from sentlab._ratelimit import SharedBudget
from sentlab.simulator import create_app, in_process_transport

from .. import kit

ROOT = Path(__file__).resolve().parents[2]
KEY = "sk_test_shared_budget_Jd5Rk9Tq2Wm7Ys4B"
BASE = "http://127.0.0.1:9"
FAST = Pacing(per_minute=3000, burst=10, reserve=0.0, learn=False)  # 50 a second: a bounded test


def _send_times(directory: str, count: int) -> list[float]:
    """Reserve ``count`` tokens from the shared budget; return when each may be sent (wall clock)."""
    last = [0.0]

    def clock() -> float:  # the reading the reservation was computed from
        last[0] = time.time()
        return last[0]

    limiter = Limiter(FAST, clock=clock, shared=SharedBudget(directory, BASE, KEY))
    times = []
    for _ in range(count):
        wait, _ = limiter.standard.reserve()
        times.append(last[0] + wait)
        time.sleep(wait)
    return times


# A process of its own that imports only the limiter, starts at the given wall-clock moment
# (so the processes overlap) and prints the send times of its reservations.
_WORKER = """
import json, sys, time
from sentlab import Pacing
from sentlab import Limiter
from sentlab._ratelimit import SharedBudget
directory, count, start_at, base, key, per_minute, burst = sys.argv[1:]
time.sleep(max(0.0, float(start_at) - time.time()))
last = [0.0]
def clock():
    last[0] = time.time()
    return last[0]
pacing = Pacing(per_minute=float(per_minute), burst=int(burst), reserve=0.0, learn=False)
limiter = Limiter(pacing, clock=clock, shared=SharedBudget(directory, base, key))
times = []
for _ in range(int(count)):
    wait, _ = limiter.standard.reserve()
    times.append(last[0] + wait)
    time.sleep(wait)
print(json.dumps(times))
"""


def _assert_within_budget(times: list[float], pacing: Pacing) -> None:
    times = sorted(times)
    rate = pacing.per_minute / 60.0
    worst = max(j - i + 1 - (pacing.burst + rate * (times[j] - times[i]))
                for i in range(len(times)) for j in range(i, len(times)))  # fmt: skip
    assert worst <= 1e-3, f"{worst:.3f} sends beyond burst + rate·t"  # 1e-3: float rounding of epoch seconds


def test_threads_with_their_own_connections_share_one_bucket(tmp_path):
    results: list[list[float]] = []
    threads = [threading.Thread(target=lambda: results.append(_send_times(str(tmp_path), 30))) for _ in range(4)]
    started = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    times = [t for result in results for t in result]
    assert len(times) == 120
    _assert_within_budget(times, FAST)
    # one budget, not four: 110 tokens beyond the burst at 50 a second
    assert max(times) - started >= (120 - FAST.burst) / 50 - 0.05


def test_processes_share_one_bucket(tmp_path):
    start_at = time.time() + 1.5  # every process is up by then (an import takes ~0.3 s)
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), "25", repr(start_at), BASE, KEY,
                               str(FAST.per_minute), str(FAST.burst)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
             for _ in range(3)]  # fmt: skip
    times = [t for proc in procs for t in json.loads(proc.communicate(timeout=60)[0])]
    assert all(proc.returncode == 0 for proc in procs)
    assert len(times) == 75
    _assert_within_budget(times, FAST)
    assert max(times) - start_at >= (75 - FAST.burst) / 50 - 0.05  # one budget, not three


def test_a_429_pause_and_a_drained_budget_reach_every_process(tmp_path):
    one = Limiter(Pacing(), shared=SharedBudget(tmp_path, BASE, KEY))
    other = Limiter(Pacing(), shared=SharedBudget(tmp_path, BASE, KEY))
    one.observe([_reservation(one)], {"retry-after": "3"}, 429)
    assert 2.5 < other.standard.blocked_for() <= 3.0
    wait, _ = other.standard.reserve()
    assert wait >= 2.5  # told to wait out the pause
    # X-RateLimit-Remaining seen by one process drains the budget of all
    fresh = Limiter(Pacing(), shared=SharedBudget(tmp_path, "http://other", KEY))
    reservation = _reservation(fresh)
    fresh.observe([reservation], {"x-ratelimit-limit": "200", "x-ratelimit-remaining": "3"}, 200)
    assert Limiter(Pacing(), shared=SharedBudget(tmp_path, "http://other", KEY)).standard.tokens < 4


def _reservation(limiter: Limiter):
    from sentlab._ratelimit import Reservation

    _, sequence = limiter.standard.reserve()
    return Reservation(limiter.standard, sequence)


def test_keys_and_base_urls_have_their_own_rows_and_the_key_is_never_written(tmp_path):
    SLOW = Pacing(per_minute=6, burst=10, learn=False)  # no refill to speak of while files open
    a = Limiter(SLOW, shared=SharedBudget(tmp_path, BASE, KEY))
    for _ in range(SLOW.burst):
        a.standard.reserve()
    assert Limiter(SLOW, shared=SharedBudget(tmp_path, BASE, KEY)).standard.tokens < 1
    assert Limiter(SLOW, shared=SharedBudget(tmp_path, BASE, KEY + "x")).standard.tokens == SLOW.burst
    assert Limiter(SLOW, shared=SharedBudget(tmp_path, BASE + "/x", KEY)).standard.tokens == SLOW.burst
    assert "Secret" not in repr(a.shared) and KEY not in repr(vars(a.shared))
    written = b"".join(path.read_bytes() for path in tmp_path.iterdir())
    assert all(KEY[i:i + 10].encode() not in written for i in range(len(KEY) - 9))


def test_a_reservation_costs_well_under_a_millisecond(tmp_path):
    limiter = Limiter(Pacing(per_minute=1e9, burst=10**6), shared=SharedBudget(tmp_path, BASE, KEY))
    limiter.standard.reserve()  # opens the file
    costs = []
    for _ in range(500):
        started = time.perf_counter()
        limiter.standard.reserve()
        costs.append(time.perf_counter() - started)
    median = statistics.median(costs)
    print(f"\nshared reservation: median {median * 1e6:.0f} µs, p95 {sorted(costs)[474] * 1e6:.0f} µs")
    assert median < 1e-3


def test_an_unusable_directory_warns_once_and_paces_alone(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("", encoding="utf-8")
    limiter = Limiter(Pacing(burst=2, reserve=0.0), shared=SharedBudget(blocker, BASE, KEY))
    with pytest.warns(RuntimeWarning, match="paces on its own"):
        waits = [limiter.standard.reserve()[0] for _ in range(3)]
    assert waits[:2] == [0.0, 0.0] and waits[2] > 0  # the local bucket still paces
    assert limiter.send.reserve()[0] == 0.0  # no second warning (pytest's filter would raise)


def test_connect_shares_the_budget_only_with_a_store_and_pacing(tmp_path):
    world = kit.make_world(seed=3, contacts=5, messages=5, profiles=1, at=None)
    key = world.profile_keys[world.profile_ids[0]]
    transport = in_process_transport(create_app(world))
    options = dict(base_url="http://sim", transport=transport, check=False, progress=False, cache_dir=tmp_path)
    with sentlab.connect(key, **options) as lab:
        assert isinstance(lab.api.aio.limiter.shared, SharedBudget)
        assert lab.aapi.limiter is lab.api.aio.limiter
        assert lab.api.aio.limiter.shared.path.parent == tmp_path
    with sentlab.connect(key, store=False, **options) as lab:
        assert lab.api.aio.limiter.shared is None and lab.api.aio.limiter.pacing is not None
    with sentlab.connect(key, pacing=None, **options) as lab:
        assert lab.api.aio.limiter.shared is None and lab.api.aio.limiter.pacing is None
