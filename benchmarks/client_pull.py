"""Client benchmark: sentlab vs the official ``sentdm`` SDK loop vs a raw-httpx floor, same run, same server.

    .venv/bin/python benchmarks/client_pull.py            # full run (~4 minutes: the SDK loops are sequential)
    .venv/bin/python benchmarks/client_pull.py --ids 200  # quicker: 200 message ids instead of 1,000

The simulator runs as a separate process on loopback (``sentlab simulate --json --port 0``) with
``--latency 80ms``, standing in for the real API across the internet. One child profile holds
10,000 contacts (its key sees them all: 100 pages of 100). Scenarios:

1. all 10,000 contacts, server limit off: sentlab vs ``for c in sdk.contacts.list(...)`` vs
   raw httpx with 8 concurrent page requests and plain ``json``. sentlab is told the account
   has no limit (``pacing=None``), as a user on a high tier would configure it.
2. details + activities of 1,000 message ids (taken from webhook events): sentlab's fan-outs vs
   a sequential SDK loop.
   (An untimed warm-up pull runs first: the simulator builds pages lazily, and whoever went
   first would pay for it.)
3. the simulator restarted with ``--rate-limit 600/min,burst=50``; sentlab with default settings
   (documented 200/min, burst 50) must learn the limit from X-RateLimit-* headers. Printed:
   time, achieved rate vs allowed, 429 count, errors; the SDK loop's outcome beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _simulate import simulator_process  # noqa: E402

import sentlab  # noqa: E402
from sentlab._config import Pacing  # noqa: E402

CONTACTS = 10_000
MESSAGES = 2_000
PAGE_SIZE = 100
CONCURRENCY = 8


@contextmanager
def simulator(*args: str):
    """``sentlab simulate`` in its own process; yields (base_url, profile_key)."""
    with simulator_process("--latency", "80ms", "--contacts", str(CONTACTS), "--messages", str(MESSAGES),
                           "--profiles", "1", *args) as info:
        yield info["base_url"], next(iter(info["profile_keys"].values()))


def timed(func):
    started = time.perf_counter()
    value = func()
    return time.perf_counter() - started, value


# -- the three ways to pull contacts -------------------------------------------------------------


def sentlab_contacts(base_url: str, key: str, pacing: Pacing | None) -> tuple[float, int, Any]:
    with sentlab.SentClient(key, base_url=base_url, pacing=pacing, progress=False) as client:
        seconds, contacts = timed(client.contacts)
        return seconds, len(contacts), client.stats


def sdk_contacts(base_url: str, key: str) -> tuple[float, int, int]:
    from sent_dm import Sent

    errors = 0
    with Sent(base_url=base_url, api_key=key) as sdk:
        def pull() -> int:
            nonlocal errors
            count = 0
            try:
                for _contact in sdk.contacts.list(page=1, page_size=PAGE_SIZE):
                    count += 1
            except Exception:  # the SDK gives up after its own retries
                errors += 1
            return count

        seconds, count = timed(pull)
    return seconds, count, errors


def raw_floor_contacts(base_url: str, key: str) -> tuple[float, int]:
    async def pull() -> int:
        async with httpx.AsyncClient(base_url=base_url, headers={"x-api-key": key}, timeout=30) as http:
            async def page(n: int) -> dict:
                response = await http.get("/v3/contacts", params={"page": n, "page_size": PAGE_SIZE})
                return json.loads(response.content)["data"]

            first = await page(1)
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def bounded(n: int) -> dict:
                async with semaphore:
                    return await page(n)

            rest = await asyncio.gather(*(bounded(n) for n in range(2, first["pagination"]["total_pages"] + 1)))
            return sum(len(d["contacts"]) for d in [first, *rest])

    return timed(lambda: asyncio.run(pull()))


# -- message details + activities ----------------------------------------------------------------


def message_ids(base_url: str, key: str, count: int) -> list[str]:
    with sentlab.SentClient(key, base_url=base_url, pacing=None, progress=False) as client:
        ids: list[str] = []
        for event in client.webhook_events():
            payload = (event.get("event_data") or {}).get("payload") or {}
            if payload.get("message_id") and payload["message_id"] not in ids:
                ids.append(payload["message_id"])
    if len(ids) < count:
        print(f"  (only {len(ids)} message ids in the webhook events; using them all)")
    return ids[:count]


def sentlab_messages(base_url: str, key: str, ids: list[str]) -> tuple[float, int, int]:
    with sentlab.SentClient(key, base_url=base_url, pacing=None, progress=False) as client:
        def both():
            return client.messages_details(ids), client.activities_many(ids)

        seconds, (details, activities) = timed(both)
    return seconds, len(details.results) + len(activities.results), len(details.failures) + len(activities.failures)


def sdk_messages(base_url: str, key: str, ids: list[str]) -> tuple[float, int, int]:
    from sent_dm import Sent

    fetched = errors = 0
    with Sent(base_url=base_url, api_key=key) as sdk:
        def loop() -> None:
            nonlocal fetched, errors
            for mid in ids:
                for call in (sdk.messages.retrieve_status, sdk.messages.retrieve_activities):
                    try:
                        call(mid)
                        fetched += 1
                    except Exception:
                        errors += 1

        seconds, _ = timed(loop)
    return seconds, fetched, errors


# -- the report ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=1000, help="message ids for scenario 2 (default 1000)")
    args = parser.parse_args()
    pages = math.ceil(CONTACTS / PAGE_SIZE)
    print(f"sentlab client benchmark: loopback simulator, 80 ms latency, {CONTACTS:,} contacts ({pages} pages)\n")

    with simulator("--rate-limit", "off") as (base_url, key):
        print("1. all contacts, server limit off")
        raw_floor_contacts(base_url, key)  # untimed warm-up: the server builds its pages lazily
        s_time, s_count, _ = sentlab_contacts(base_url, key, pacing=None)
        k_time, k_count, k_errors = sdk_contacts(base_url, key)
        f_time, f_count = raw_floor_contacts(base_url, key)
        print(f"   sentlab            {s_time:6.2f} s  {s_count:,} contacts")
        print(f"   sentdm SDK loop    {k_time:6.2f} s  {k_count:,} contacts  {k_errors} errors")
        print(f"   raw httpx x{CONCURRENCY} floor {f_time:6.2f} s  {f_count:,} contacts")
        print(f"   → sentlab is {k_time / s_time:.1f}x faster than the SDK loop (target ≥ 4x), "
              f"{s_time / f_time:.2f}x the floor (target ≤ 1.3x)\n")

        ids = message_ids(base_url, key, args.ids)
        print(f"2. details + activities of {len(ids):,} message ids ({2 * len(ids):,} requests)")
        m_time, m_ok, m_failed = sentlab_messages(base_url, key, ids)
        q_time, q_ok, q_failed = sdk_messages(base_url, key, ids)
        print(f"   sentlab            {m_time:6.2f} s  {m_ok:,} fetched, {m_failed} failed")
        print(f"   sentdm SDK loop    {q_time:6.2f} s  {q_ok:,} fetched, {q_failed} failed")
        print(f"   → sentlab is {q_time / m_time:.1f}x faster (target ≥ 5x)\n")

    burst, per_minute = 50, 600
    with simulator("--rate-limit", f"{per_minute}/min,burst={burst}") as (base_url, key):
        rate = per_minute / 60
        ideal = max(0.0, (pages - burst) / rate)
        print(f"3. all contacts, server limit {per_minute}/min burst {burst}; sentlab not told "
              f"(default pacing 200/min, learns from headers)")
        r_time, r_count, stats = sentlab_contacts(base_url, key, pacing=Pacing())
        achieved = (stats.requests - burst) / r_time if r_time else float("inf")
        print(f"   sentlab            {r_time:6.2f} s  {r_count:,} contacts  {stats.requests} requests, "
              f"{stats.rate_limited} × 429, {stats.errors} errors")
        print(f"                      after the burst: {achieved:.2f} req/s of {rate:.0f} allowed "
              f"({achieved / rate:.0%}); ideal time {ideal:.2f} s → {ideal / r_time:.0%} of the allowed rate "
              f"(target ≥ 90%, ≤ 2 × 429, 0 errors)")
        time.sleep(burst / rate + 1)  # let the server's bucket refill before the SDK's turn
        t_time, t_count, t_errors = sdk_contacts(base_url, key)
        print(f"   sentdm SDK loop    {t_time:6.2f} s  {t_count:,} contacts  {t_errors} errors "
              f"(sequential: {pages / t_time:.1f} req/s, under the limit)")


if __name__ == "__main__":
    main()
