"""Pacing: the token bucket, learning from X-RateLimit-* headers, and a paced pull against a limiting server."""

from __future__ import annotations

import time

import pytest

from sentlab import Limiter, Pacing
from sentlab._ratelimit import TokenBucket

from ..kit import ManualClock
from .fakeapi import FakeAPI

pytestmark = pytest.mark.anyio


def test_bucket_allows_the_burst_then_spaces_requests_at_the_rate():
    clock = ManualClock()
    bucket = TokenBucket(600, 5, clock=clock)  # 10/s
    waits = [bucket.reserve()[0] for _ in range(8)]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5:] == pytest.approx([0.1, 0.2, 0.3])
    clock.now += 10
    assert bucket.tokens == 5  # refills to the burst, no more


def test_server_limit_header_raises_or_lowers_the_rate():
    clock = ManualClock()
    bucket = TokenBucket(200, 50, clock=clock)
    _, seq = bucket.reserve()
    bucket.observe(600, 49, seq)
    assert bucket.rate_per_minute == pytest.approx(600)
    bucket.observe(60, None, seq)
    assert bucket.rate_per_minute == pytest.approx(60)


def test_remaining_lower_than_local_drains_the_bucket_counting_later_reservations():
    clock = ManualClock()
    bucket = TokenBucket(600, 50, clock=clock)
    _, first = bucket.reserve()
    for _ in range(4):
        bucket.reserve()
    bucket.observe(600, 10, first)  # server: 10 left after our first; 4 more of ours since
    assert bucket.tokens == pytest.approx(6)
    bucket.observe(600, 40, first)  # the server never makes us optimistic
    assert bucket.tokens == pytest.approx(6)


def test_learning_can_be_switched_off():
    bucket = TokenBucket(200, 50, learn=False, clock=ManualClock())
    _, seq = bucket.reserve()
    bucket.observe(600, 0, seq)
    assert bucket.rate_per_minute == pytest.approx(200) and bucket.tokens == pytest.approx(49)


def test_a_429_pauses_everyone_for_retry_after():
    clock = ManualClock()
    bucket = TokenBucket(600, 50, clock=clock)
    bucket.pause(2.0)
    wait, _ = bucket.reserve()
    assert wait == pytest.approx(2.0)
    assert bucket.blocked_for() == pytest.approx(2.0)


def test_sensitive_and_send_endpoints_have_their_own_budgets():
    limiter = Limiter(Pacing())
    assert limiter.buckets_for("POST", "/v3/webhooks/x/rotate-secret") == [limiter.sensitive]
    assert limiter.buckets_for("POST", "/v3/users") == [limiter.sensitive]
    assert limiter.buckets_for("POST", "/v3/messages") == [limiter.standard, limiter.send]
    assert limiter.buckets_for("GET", "/v3/users") == [limiter.standard]


async def test_cancelled_waiters_give_their_token_back():
    import asyncio

    limiter = Limiter(Pacing(per_minute=60, burst=1))
    await limiter.acquire("GET", "/v3/me")
    waiter = asyncio.ensure_future(limiter.acquire("GET", "/v3/me"))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.standard.tokens > -0.5


async def test_a_paced_pull_learns_the_server_limit_and_avoids_429s(make_async):
    # server: 3000/min (50/s) with burst 10; the client starts from the documented 200/min, burst 50
    # (how close to the allowed rate it runs is measured by benchmarks/client_pull.py, not timed here)
    api = FakeAPI(contacts=6000, rate_per_minute=3000, burst=10, latency=0.01)
    async with make_async(api, pacing=Pacing()) as client:
        contacts = await client.contacts()
        learned = client.limiter.standard
    assert len(contacts) == 6000
    assert api.rate_limited <= 2
    assert learned.per_minute == 3000  # learned from X-RateLimit-Limit (no header says the burst)


async def test_without_headers_the_default_pace_is_the_documented_standard_tier(make_async):
    api = FakeAPI(contacts=5500)  # 55 pages, no rate-limit headers
    started = time.monotonic()
    async with make_async(api, pacing=Pacing(per_minute=600, burst=50)) as client:
        await client.contacts()
    # 50 at once, then 10/s: the last 5 pages take ~0.5 s (a loaded
    # machine can only make it slower, so only the lower bound is asserted tightly)
    assert 0.4 < time.monotonic() - started < 10
