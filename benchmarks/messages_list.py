"""The messages list against the older webhook-events path: requests, time, exactness; warm reads,
the daily refresh, and a pull killed and resumed. Every figure is measured in the run that prints it.

    .venv/bin/python benchmarks/messages_list.py              # every part (about 12 minutes)
    .venv/bin/python benchmarks/messages_list.py cold         # one part: cold | warm | report | refresh | resume
    .venv/bin/python benchmarks/messages_list.py cold --full  # also events + every detail (about 100 minutes)

- **cold**: the report of a 20,000-message account, from an empty store, against ``sentlab simulate``
  in its own process with ``--latency 80ms`` and the documented rate limit (200/min, burst 50):
  the messages list vs webhook events + a priced sample vs webhook events + every message's
  details. Requests (target for the list: at most 1.3 x ceil(messages / 100) plus a small
  overhead), wall time, and cost against the simulator's ledger (the list: equal to the cent).
  Without ``--full`` the every-detail path is timed on its first 600 details and the rest
  extrapolated at the rate measured (said so in the output).
- **warm**: ``messages()`` from a store holding 1,000,000 messages, no request (target under 2 s).
- **report**: ``sentlab report`` on the demo account, twice, each in a new process (target for
  the warm run: under 3 s, most of it interpreter start).
- **refresh**: an account sending 1,000,000 messages a month (in-process simulator, frozen clock):
  stored as of yesterday, a day of sends, then the next day's sync: its requests and what they
  would take at 200/min.
- **resume**: a cold pull of one profile's list over a real loopback server, SIGKILLed at 90% of
  its pages; the next run's requests (the share of the pull it redoes).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _simulate import simulator_process  # noqa: E402

import sentlab  # noqa: E402
from sentlab import _datasets as ds  # noqa: E402
from sentlab._message_log import PAGE_SIZE, MessageLog, SyncState, sync  # noqa: E402

RATE = 200  # requests per minute, the documented standard limit


def counted_simulator(world, **config):
    """The world's app, recording each request (its path in ``.paths``): the tests' recorder."""
    from tests.kit import Recorder, simulator

    return Recorder(simulator(world, **config))


# ---------------------------------------------------------------------------------------------


def cold(args: argparse.Namespace) -> None:
    from sentlab.simulator import build_world

    print(f"\n== cold: the report of {args.messages:,} messages, empty store, 80 ms latency, 200/min burst 50")
    sizes = ["--contacts", str(args.contacts), "--messages", str(args.messages), "--seed", str(args.seed)]
    world = build_world(seed=args.seed, contacts=args.contacts, messages=args.messages)  # the server's world
    with simulator_process("--latency", "80ms", "--rate-limit", "200/min", *sizes) as info:
        base_url, key = info["base_url"], info["api_key"]
        pages_needed = 0
        for pid in [None, *world.profile_ids]:
            owner = pid or world.organization_id
            pages_needed += math.ceil(int((world.ledger()["profile_id"] == owner).sum()) / PAGE_SIZE)

        def run(label: str, **options):
            with tempfile.TemporaryDirectory() as store, sentlab.connect(key, base_url=base_url, progress=False,
                                                                           cache_dir=store) as lab:  # fmt: skip
                before = lab.api.stats.requests
                started = time.perf_counter()
                messages = lab.messages(**options)
                report = sentlab.build_report(messages)
                seconds = time.perf_counter() - started
                made = lab.api.stats.requests - before
            print(f"{label:<36} {made:>7,} requests  {seconds:>7.1f} s  ({len(messages):,} messages)")
            return messages, report, made, seconds

        listed, _report, made, seconds = run("messages list")
        print(f"   pages needed ceil(messages / 100) over the 4 scopes: {pages_needed:,}; "
              f"{made / pages_needed:.2f}x that (target <= 1.3x + a few)")
        ledger = world.ledger(as_of=datetime.now(UTC)).set_index("message_id")
        settled = listed[listed["status"].astype(str) != "SCHEDULED"]  # held: not priced yet
        exact = (settled["price"] + settled["active_contact_price"]).sum()
        true = ledger.loc[settled["id"], "cost"].sum()
        print(f"   cost {exact:,.4f} vs ledger {true:,.4f}: {'equal to the cent' if round(exact, 2) == round(true, 2) else 'DIFFERENT'}; "
              f"{len(listed):,} messages vs {len(ledger[ledger['created_at'] <= datetime.now(UTC)]):,} in the ledger")
        sampled, report_s, made_s, seconds_s = run("webhook events + priced sample", source="events", details="sample")
        h = report_s.headline
        truth_s = ledger.loc[sampled["id"][sampled["status"].astype(str) != "SCHEDULED"], "cost"].sum()
        inside = h.get("total_low", math.inf) - 1e-6 <= truth_s <= h.get("total_high", -math.inf) + 1e-6
        print(f"   estimate {h.get('total', float('nan')):,.2f} ({h.get('total_low', float('nan')):,.2f}–"
              f"{h.get('total_high', float('nan')):,.2f}), method {h.get('method')}; truth {truth_s:,.2f} "
              f"{'inside' if inside else 'OUTSIDE'} the interval; {len(sampled):,} of the account's messages; "
              f"{made_s / made:.1f}x the list's requests, {seconds_s / seconds:.1f}x its time")
        if args.full:
            _, _, made_a, seconds_a = run("webhook events + every detail", source="events", details="all")
            print(f"   {made_a / made:.0f}x the list's requests, {seconds_a / seconds:.0f}x its time")
        else:
            with tempfile.TemporaryDirectory() as store, sentlab.connect(key, base_url=base_url, progress=False,
                                                                           cache_dir=store) as lab:  # fmt: skip
                before = lab.api.stats.requests
                events = lab.messages(source="events", details="none")
                event_requests = lab.api.stats.requests - before
                ids = list(events["id"][:600])
                started = time.perf_counter()
                lab.messages(ids, source="events", details="all")
                per = (time.perf_counter() - started) / len(ids)
            total = event_requests + len(events)  # the event pages, then one request per message
            print(f"{'webhook events + every detail':<36} ~{total:,} requests ({event_requests:,} event pages measured, "
                  f"{len(events):,} details at {per * 1000:.0f} ms each measured over 600 at the limit) -> "
                  f"~{(event_requests / RATE + per * len(events) / 60):.0f} min (extrapolated; --full measures it): "
                  f"~{total / made:.0f}x the list's requests")


def warm(args: argparse.Namespace) -> None:
    import numpy as np
    import pandas as pd

    from sentlab._frames import build_frame
    from sentlab._store import Store
    from sentlab.simulator import _wire as wire
    from sentlab.simulator import build_world

    n = args.stored
    print(f"\n== warm: messages() from a store holding {n:,} messages")
    world = build_world(seed=args.seed, contacts=20_000, messages=100_000, profiles=1)
    records = world._records
    rows = records.scope_messages(1)
    base = build_frame("messages", [wire.message(records, int(i)) for i in rows])
    copies = math.ceil(n / len(base))
    frame = pd.concat([base.assign(id=base["id"] + f"-{k}") for k in range(copies)], ignore_index=True).iloc[:n]
    for column in base.columns:
        if isinstance(base[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    frame["_fetched_at"] = np.full(len(frame), time.time())
    with tempfile.TemporaryDirectory() as directory:
        store = Store(directory, base_url="http://bench", account_id=world.organization_id,
                      profile_id=world.profile_ids[0])  # fmt: skip
        log = MessageLog(store, "")
        log.directory.mkdir(parents=True, exist_ok=True)
        log._write(frame)
        now = time.time()
        log.save_state(SyncState(low=-math.inf, top=now, synced_at=now))
        size = sum(p.stat().st_size for p in log.directory.glob("*.arrow"))

        # nothing listens on port 9: a request would fail, and the client counts any it tries
        with sentlab.SentClient(world.org_key, base_url="http://127.0.0.1:9", profile_id=world.profile_ids[0],
                                pacing=None, progress=False) as client:  # fmt: skip
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                out = ds.messages(client, store)
                timings.append(time.perf_counter() - started)
            requests = client.stats.requests
        assert len(out) == n and requests == 0
        print(f"{n:,} messages ({size / 1e6:.0f} MB of Arrow files): ds.messages() warm, best of 3 "
              f"{min(timings):.2f} s (target < 2 s), {requests} requests; {len(out.columns)} typed columns")


def report(args: argparse.Namespace) -> None:
    print("\n== report: `sentlab report` on the demo account, each run a new process, one store")
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "SENTLAB_CACHE_DIR": cache, "SENTLAB_PROGRESS": "0"}
        env.pop("SENT_DM_API_KEY", None)
        env.pop("SENT_BASE_URL", None)
        command = [sys.executable, "-m", "sentlab", "report", "--out", str(Path(cache) / "report.html")]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=env)
        interpreter = time.perf_counter() - start
        for label in ("cold (empty store)", "warm (same store)"):
            start = time.perf_counter()
            subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print(f"{label:<22} {time.perf_counter() - start:5.2f} s")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sentlab, pandas, matplotlib"], check=True, env=env)
        imports = time.perf_counter() - start
        print(f"{'(python -c pass)':<22} {interpreter:5.2f} s; importing sentlab, pandas, matplotlib: {imports:.2f} s")


def refresh(args: argparse.Namespace) -> None:
    from sentlab.simulator import SimClock, build_world
    from sentlab.simulator import _wire as wire
    from sentlab.simulator._account import Account

    month = args.month
    print(f"\n== refresh: one profile sending {month:,} messages a month; yesterday's store, a day of sends")
    start = datetime(2026, 11, 30, 6, tzinfo=UTC)
    clock = SimClock.frozen(start)
    t0 = time.perf_counter()
    world = build_world(seed=args.seed, contacts=50_000, messages=month, profiles=1, clock=clock)
    print(f"world built in {time.perf_counter() - t0:.0f} s")
    records = world._records
    profile = world.profile_ids[0]
    app = counted_simulator(world, rate_limits=None)
    from sentlab.simulator import in_process_transport

    with tempfile.TemporaryDirectory() as directory, sentlab.SentClient(
        world.org_key, base_url="http://sim", profile_id=profile, transport=in_process_transport(app),
        pacing=None, progress=False,
    ) as client:
        store = ds.open_store(client, directory, clock=clock.time)
        log = MessageLog(store, "", clock=clock.time)
        # what yesterday's sync stored: every message of the profile as it read then (built from
        # the world directly: a cold pull of 10,000 pages would take the benchmark's whole budget)
        from sentlab._frames import build_frame

        t0 = time.perf_counter()
        now = clock.time()
        rows = [int(i) for i in records.scope_messages(1) if records.messages["created"][i] <= now]
        frame = build_frame("messages", [wire.message(records, i, now) for i in rows])
        frame["_fetched_at"] = now
        log.directory.mkdir(parents=True, exist_ok=True)
        log._write(frame)
        log.save_state(SyncState(low=-math.inf, top=float(frame["created_at"].max().timestamp()), synced_at=now))
        print(f"stored {len(frame):,} messages as of {start:%Y-%m-%d %H:%M} ({time.perf_counter() - t0:.0f} s)")
        # a day of sends: 1/30 of the month, in batches of 1,000 recipients through the day
        account = Account(records)
        contacts = [records.contact_phones[i] for i in records.scope_contacts[1][:1000] if not records.contacts["opt_out"][i]]
        daily = month // 30
        batches = math.ceil(daily / len(contacts))
        for b in range(batches):
            clock.advance(86400 / batches)
            account.send(1, to=contacts[: min(len(contacts), daily - b * len(contacts))],
                         template={"name": "order_confirmation", "parameters": {}}, channels=["sms"])  # fmt: skip
        clock.advance(60)
        for settle, label in ((48 * 3600, "default settle_after 48 h"), (24 * 3600, "settle_after 24 h")):
            app.clear()
            state = log.state()
            state.synced_at = now  # as if yesterday's sync: compare both settings on the same day
            log.save_state(state)
            t0 = time.perf_counter()
            result = sync(client, log, settle_after=settle, max_age=store.list_ttl)
            made = sum(p.startswith("/v3/conversations") for p in app.paths)
            print(f"{label:<26} {made:>6,} requests ({result.messages:,} messages re-read; {daily:,} new): "
                  f"{made / RATE:.1f} min at {RATE}/min ({time.perf_counter() - t0:.0f} s here)")


def resume(args: argparse.Namespace) -> None:
    from sentlab.simulator import build_world
    from sentlab.simulator._server import ServerHandle

    print("\n== resume: a cold pull of one profile's list, SIGKILLed at 90% of its pages")
    world = build_world(seed=args.seed, contacts=5_000, messages=20_000, profiles=2)
    profile = world.profile_ids[0]
    counted = counted_simulator(world, rate_limits=None, latency=0.08)
    pages = math.ceil(int((world.ledger()["profile_id"] == profile).sum()) / PAGE_SIZE)
    with ServerHandle(counted, "127.0.0.1", 0).start() as server, tempfile.TemporaryDirectory() as directory:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.frames.message_sync_worker", server.base_url, world.org_key,
             world.organization_id, profile, directory],
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        while sum(p.startswith("/v3/conversations") for p in counted.paths) < int(0.9 * pages):
            if worker.poll() is not None:
                raise SystemExit("the pull finished before it could be killed")
            time.sleep(0.002)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        before = sum(p.startswith("/v3/conversations") for p in counted.paths)
        from sentlab._store import Store

        store = Store(directory, base_url=server.base_url, account_id=world.organization_id, profile_id=profile)
        log = MessageLog(store, "")
        kept = log.pending_pages()
        counted.clear()
        with sentlab.SentClient(world.org_key, base_url=server.base_url, profile_id=profile, pacing=None,
                                progress=False) as client:  # fmt: skip
            sync(client, log)
        redone = sum(p.startswith("/v3/conversations") for p in counted.paths)
    print(f"{pages} pages; killed after {before} requests with {kept} pages stored; the next run made {redone} "
          f"requests: {redone / pages:.0%} of the pull ({pages - kept} pages were missing)")


PARTS = {"cold": cold, "warm": warm, "report": report, "refresh": refresh, "resume": resume}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("parts", nargs="*", choices=[*PARTS, []], default=list(PARTS))
    parser.add_argument("--messages", type=int, default=20_000, help="cold: messages in the account")
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--stored", type=int, default=1_000_000, help="warm: messages in the store")
    parser.add_argument("--month", type=int, default=1_000_000, help="refresh: messages a month")
    parser.add_argument("--full", action="store_true", help="cold: also pull every message's details")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for part in args.parts or list(PARTS):
        PARTS[part](args)


if __name__ == "__main__":
    main()
