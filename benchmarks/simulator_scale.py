"""How the simulator scales: build time, 100-row page latency over loopback (contacts, webhook events, voice calls), peak memory.

    .venv/bin/python benchmarks/simulator_scale.py                 # 100,000 contacts and messages
    .venv/bin/python benchmarks/simulator_scale.py --contacts 20000 --messages 50000

Latency is measured by the client (an ``httpx.Client`` on a kept-alive loopback connection to a
real uvicorn server), so it includes HTTP parsing on both sides; ``server`` is the simulator's own
``X-Response-Time``. Pages are spread across the whole list, not just the first one.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time

import httpx

from sentlab.simulator import SimulatorConfig, build_world, running_server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def time_pages(client: httpx.Client, path: str, items_key: str, requests: int,
               headers: dict[str, str] | None = None) -> tuple[list[float], list[float]]:  # fmt: skip
    """Client-side and server-side milliseconds for ``requests`` 100-row pages of ``path``."""
    first = client.get(path, params={"page": 1, "page_size": 100}, headers=headers)
    first.raise_for_status()
    total_pages = max(1, first.json()["data"]["pagination"]["total_pages"])
    client_ms, server_ms = [], []
    for i in range(requests):
        page = 1 + (i * 7919) % total_pages  # a stride that visits pages all over the list
        started = time.perf_counter()
        response = client.get(path, params={"page": page, "page_size": 100}, headers=headers)
        client_ms.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        rows = response.json()["data"][items_key]
        assert rows and len(rows) <= 100, (path, page, len(rows))
        server_ms.append(float(response.headers["x-response-time"].removesuffix("ms")))
    return client_ms, server_ms


def report(name: str, client_ms: list[float], server_ms: list[float]) -> None:
    print(f"{name:<26} median {statistics.median(client_ms):6.2f} ms   p99 {percentile(client_ms, 0.99):6.2f} ms"
          f"   (server median {statistics.median(server_ms):.0f} ms, p99 {percentile(server_ms, 0.99):.0f} ms,"
          f" n={len(client_ms)})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=None, help="voice calls (default: messages // 10)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    world = build_world(seed=args.seed, contacts=args.contacts, messages=args.messages, calls=args.calls)
    build_s = time.perf_counter() - started
    calls = len(world.call_ledger())
    print(f"world: {args.contacts:,} contacts, {args.messages:,} messages, {calls:,} calls, seed {args.seed}")
    print(f"build time                 {build_s:6.2f} s")

    with running_server(world, SimulatorConfig(rate_limits=None)) as server, httpx.Client(
        base_url=server.base_url, headers={"x-api-key": server.org_key}, timeout=30
    ) as client:
        for _ in range(20):  # warm up the connection and the code paths
            client.get("/v3/contacts", params={"page_size": 100})
        report("contacts page (100 rows)", *time_pages(client, "/v3/contacts", "contacts", args.requests))
        webhooks = client.get("/v3/webhooks", params={"page_size": 100}).json()["data"]["webhooks"]
        busiest = max(webhooks, key=lambda w: client.get(f"/v3/webhooks/{w['id']}/events",
                                                         params={"page_size": 1}).json()["data"]["pagination"]["total_count"])
        events_path = f"/v3/webhooks/{busiest['id']}/events"
        report("webhook events (100 rows)", *time_pages(client, events_path, "events", args.requests))
        busiest_profile = {"x-profile-id": world.profile_ids[0]}  # the profile with most calls and messages
        report("voice calls (100 rows)", *time_pages(client, "/v3/voice/calls", "calls", args.requests, busiest_profile))
        # the messages list: every page visited is new (cold: built and encoded), then again (warm:
        # a settled message's JSON is cached)
        report("messages list, 1st visit", *time_pages(client, "/v3/conversations", "messages", args.requests,
                                                        busiest_profile))  # fmt: skip
        report("messages list, again", *time_pages(client, "/v3/conversations", "messages", args.requests,
                                                    busiest_profile))  # fmt: skip

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mib = peak_kib / 1024 / (1024 if sys.platform == "darwin" else 1)
    print(f"peak RSS                   {peak_mib:6.0f} MiB (whole process: world, server and client)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
