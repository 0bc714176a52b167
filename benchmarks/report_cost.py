"""What the report costs in requests, and how good the sampled cost estimate is, measured in one run.

    .venv/bin/python benchmarks/report_cost.py [--messages 20000] [--contacts 5000] [--per-stratum 2]

Against the in-process simulator (no rate limit, requests counted at the app): the messages frame
from webhook events alone, then prices of a stratified sample (``details="sample"``), then every
message's details (``details="all"``). Prints the requests each needs, the minutes they would take
at the API's 200 requests/minute, how far the sampled cost estimate is from the true cost (the
simulator's ledger) and whether its 95% interval holds it, and the time to build the report.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sentlab
from sentlab.simulator import SimulatorConfig, build_world, create_app, in_process_transport

API_RATE_PER_MINUTE = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--per-stratum", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    t0 = time.perf_counter()
    world = build_world(seed=args.seed, contacts=args.contacts, messages=args.messages)
    print(f"world: {args.contacts:,} contacts, {args.messages:,} messages, built in {time.perf_counter() - t0:.1f} s")
    app = create_app(world, SimulatorConfig(rate_limits=None))
    paths: list[str] = []

    async def counting(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            paths.append(scope["path"])
        await app(scope, receive, send)

    with tempfile.TemporaryDirectory() as store, sentlab.connect(
        world.org_key, base_url="http://sim", transport=in_process_transport(counting), pacing=None,
        progress=False, cache_dir=store,
    ) as lab:
        def step(label: str, run):  # type: ignore[no-untyped-def]
            before, start = len(paths), time.perf_counter()
            out = run()
            made, seconds = paths[before:], time.perf_counter() - start
            details = sum(p.startswith("/v3/messages/") for p in made)
            print(f"{label:<44} {len(made):>7,} requests ({details:,} message details)  "
                  f"{len(made) / API_RATE_PER_MINUTE:>6.1f} min at {API_RATE_PER_MINUTE}/min  ({seconds:.1f} s here)")
            return out, details

        events_only, _ = step("messages from webhook events", lambda: lab.messages(details="none"))
        sampled, r_sample = step(f"+ prices of a sample ({args.per_stratum} per stratum)",
                                 lambda: lab.messages(details="sample", per_stratum=args.per_stratum))
        exact, r_all = step("+ prices of every message", lambda: lab.messages(details="all"))

        ledger = world.ledger(as_of=world.clock.now())
        truth = ledger[ledger.message_id.isin(set(events_only.id))]
        left = truth.status.isin(["SENT", "DELIVERED", "READ", "FAILED"])
        true_rate = truth.status.isin(["DELIVERED", "READ"]).sum() / left.sum()
        rate = sentlab.delivery_rates(events_only).iloc[0]
        print(f"\ndelivery rate from events alone: {rate.delivery_rate:.4%}  (truth {true_rate:.4%}, "
              f"0 per-message requests)")

        estimate = sentlab.costs(sampled).iloc[0]
        exact_total = sentlab.costs(exact).iloc[0].total
        # The cost covers every message but those not billed yet (pending, with no price).
        waiting = sampled.status.astype(str).isin(["QUEUED", "ACCEPTED", "SCHEDULED"]) & sampled.price.isna()
        true_total = truth[truth.message_id.isin(set(sampled.id[~waiting]))].cost.sum()
        error = (estimate.total - true_total) / true_total
        inside = estimate.total_low - 1e-6 <= true_total <= estimate.total_high + 1e-6
        print(f"cost, sampled estimate: {estimate.total:,.2f}  95% interval {estimate.total_low:,.2f}–"
              f"{estimate.total_high:,.2f}  ({estimate.priced:,} priced messages, method {estimate.method}, "
              f"{estimate.unpriced:,} left out: {estimate.not_yet_billed:,} not billed yet)")
        print(f"cost, every message:    {exact_total:,.2f}   truth (ledger): {true_total:,.2f}")
        print(f"estimate error {error:+.3%}; truth inside the interval: {inside}")
        print(f"message-detail requests for cost: sample {r_sample:,} vs every message {r_all + r_sample:,} "
              f"-> {(r_all + r_sample) / max(r_sample, 1):.0f}x fewer")

        start = time.perf_counter()
        report = sentlab.build_report(sampled, account="benchmark")
        built = time.perf_counter() - start
        start = time.perf_counter()
        page = report.to_html()
        rendered = time.perf_counter() - start
        print(f"\nreport of {len(sampled):,} messages: built in {built:.2f} s, HTML ({len(page) / 1e6:.2f} MB) "
              f"rendered in {rendered:.2f} s")


if __name__ == "__main__":
    main()
