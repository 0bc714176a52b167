"""A bounded soak: three processes pull one account into one shared store over a real loopback
simulator with faults (5xx, dropped connections) and the documented rate limit (200 a minute,
burst 50), each with the default pacing (one budget shared through the store directory), while
this process builds the report and drives the forms' controllers on the same store. No 'database
is locked', no 429 beyond the first of a window (none in practice), nothing lost; the figures are
printed (``pytest -s``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import pytest

import sentlab
from sentlab import LookupController, SendController
from sentlab.simulator import Faults, RateLimits
from sentlab.simulator._server import ServerHandle

from .. import kit
from ..kit import Recorder, simulator

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
WINDOW = 60.0  # seconds: the rate limit's window (per minute)
LOOKUPS = 30  # numbers each process looks up: with the pull, past the burst into the steady rate
FAULTS = Faults(http_500=0.02, http_502=0.01, drop=0.01, seed=13)

pytestmark = [pytest.mark.soak, pytest.mark.server]


def test_processes_sharing_a_store_under_faults_and_the_rate_limit_lose_nothing(tmp_path):
    # a wall clock: the simulator's rate-limit buckets refill with the world's time
    world = kit.make_world(seed=17, contacts=250, messages=800, profiles=1, at=None)
    key = world.profile_keys[world.profile_ids[0]]  # one profile: a pull of a few dozen requests
    watch = Recorder(simulator(world, rate_limits=RateLimits(), faults=FAULTS))
    numbers = list(dict.fromkeys(c["phone_number"] for c in world.truth.contacts()
                                 if c["profile_id"] == world.profile_ids[0]))[:LOOKUPS]  # fmt: skip
    numbers_file = tmp_path / "numbers.txt"
    numbers_file.write_text("\n".join(numbers), encoding="utf-8")
    cache = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SENTLAB_PROGRESS": "off"}
    started = time.monotonic()
    with ServerHandle(watch, "127.0.0.1", 0).start() as handle:  # type: ignore[arg-type]
        procs = [subprocess.Popen([sys.executable, "-W", "always", "-m", "tests.client.soak_worker", handle.base_url,
                                   key, str(cache), str(numbers_file)], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
                 for _ in range(WORKERS)]  # fmt: skip
        with warnings.catch_warnings(record=True) as caught, \
                sentlab.connect(key, base_url=handle.base_url, cache_dir=cache, progress=False) as lab:
            warnings.simplefilter("always")
            report = lab.report()
            lookups = LookupController(lab).lookup(numbers[:5])
            form = SendController(lab)
            form.set_parameters({v: "x" for v in form.variables})
            form.set_recipients(numbers[:2])
            submission = form.submit()
            ours = lab.api.stats
            outs = [proc.communicate(timeout=120) for proc in procs]
            stored_lookups = len(lab.cache.get_records("lookup", numbers))
            report_rows = len(lab.messages())
    seconds = time.monotonic() - started
    errors = "".join(err for _, err in outs) + "".join(str(w.message) for w in caught)
    assert "database is locked" not in errors and "could not be written" not in errors, errors[-2000:]
    assert all(proc.returncode == 0 for proc in procs), errors[-2000:]
    figures = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]

    # nothing lost: every process, and the store, hold what the server holds
    with kit.make_lab(world, key=key, store=False) as fresh:
        truth = {"contacts": len(fresh.contacts()), "templates": len(fresh.templates()),
                 "messages": len(fresh.messages()), "lookups": len(numbers)}  # fmt: skip
    for figure in figures:
        assert figure["rows"] == truth, figure
    assert stored_lookups == len(numbers) and report_rows == truth["messages"] and report is not None
    assert lookups.ok and submission.state in ("validated", "sent"), (lookups.summary(), submission.summary())

    # no 429 beyond the first of a window: after one, everybody waited as told
    answers = sorted((c["answered"], c["status"], c["path"]) for c in watch.calls if c["answered"] is not None)
    limited = [t for t, status, _ in answers if status == 429]
    first = answers[0][0] if answers else started
    per_window = Counter(int((t - first) // WINDOW) for t in limited)
    statuses = Counter(status for _, status, _ in answers)
    print(f"\nsoak: {WORKERS} processes + report + forms in {seconds:.1f} s, {len(answers)} answers "
          f"{dict(sorted(statuses.items()))}; 429 per {WINDOW:.0f}-s window {dict(per_window)}; per process "
          + "; ".join(f"{f['requests']} requests, {f['retries']} retries, {f['rate_limited']} 429 in {f['seconds']} s"
                      for f in figures)
          + f"; this process {ours.requests} requests, {ours.rate_limited} 429")
    assert all(n <= 1 for n in per_window.values()), per_window  # the key's budget shared: at most the first
    assert all(f["rate_limited"] <= 1 for f in figures), figures
    assert seconds < 50
