"""The send budget (POST /v3/messages, per account tier) against the simulator's own limits."""

from __future__ import annotations

import asyncio

from sentlab import Pacing, RateLimitError
from sentlab._config import NO_RETRIES
from sentlab.simulator import RateLimits
from sentlab.simulator._settings import Rate

from .. import kit

# A fast tier so the test is quick: 600 sends a minute (10/s), at most 2 at once.
SEND = Rate(600.0, 2)


async def send_many(pacing: Pacing | None, count: int) -> tuple[list, list[int]]:
    world = kit.make_world(seed=3, contacts=60, messages=50, profiles=1, at=None)
    app = kit.Recorder(kit.simulator(world, rate_limits=RateLimits(send={"starter": SEND, "growth": SEND,
                                                                         "enterprise": SEND})))
    client = kit.make_async_client(world, app, pacing=pacing, retries=NO_RETRIES)
    async with client:
        sends = [client.send(f"+1415555{i:04d}", template_name="order_confirmation",
                             parameters={"name": "Ada", "order_id": f"A-{i}"}, sandbox=True)
                 for i in range(count)]
        results = await asyncio.gather(*sends, return_exceptions=True)
    return results, [c["status"] for c in app.sends() if c["status"] is not None]


def test_concurrent_sends_are_paced_under_the_send_budget():
    pacing = Pacing(send_per_minute=SEND.per_minute, send_burst=SEND.burst)
    results, statuses = asyncio.run(send_many(pacing, 8))
    assert not [r for r in results if isinstance(r, BaseException)]
    assert statuses == [202] * 8  # accepted, and no 429 ever reached the client
    assert len({r["recipients"][0]["message_id"] for r in results}) == 8


def test_without_pacing_the_same_sends_hit_the_limit():
    # the control: the simulator does enforce the send budget, so the test above can fail
    results, statuses = asyncio.run(send_many(None, 8))
    assert 429 in statuses
    assert any(isinstance(r, RateLimitError) for r in results)
    assert statuses.count(202) >= SEND.burst
