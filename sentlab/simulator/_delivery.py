"""Real webhook deliveries: events of loopback endpoints POSTed, signed, retried, their outcomes recorded.

A webhook whose ``endpoint_url`` is on loopback (``Webhook.live``) has its events emitted as
pending (``_lifecycle``); the :class:`Deliverer`, a background thread with its own event loop,
POSTs each one once it is emitted (``created <= clock.now()``), signed with the webhook's secret
*at the time of the attempt*, and writes what happened back into the event log: attempts, the
endpoint's status code, its answer, when. A failed attempt (not 2xx, refused, timed out) is
retried on the schedule of ``_lifecycle.RETRY_AFTER`` (simulated time), up to ``retry_count``
attempts in all. Nothing is ever sent to a host that is not loopback.

``running_server`` runs the deliverer; an in-process app starts it with ``app.delivery.start()``::

    >>> from sentlab.simulator import build_world, running_server
    >>> with running_server(build_world(contacts=50, messages=10)) as server:
    ...     server.delivery.running                 # deliveries on while the server runs
    True
    >>> server.delivery.running
    False

The signature is the documented scheme: ``X-Webhook-Signature: v1,<base64 HMAC-SHA256>`` of
``{X-Webhook-ID}.{X-Webhook-Timestamp}.{body}``, keyed by the base64-decoded ``whsec_`` secret.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx
import numpy as np
import orjson

from . import _wire as wire
from ._ids import hash_uuid
from ._lifecycle import RETRY_AFTER
from ._records import Records, Webhook, loopback_url

if TYPE_CHECKING:
    from ._world import World

__all__ = ["TEST_EVENT_HEADER", "USER_AGENT", "Deliverer", "deliver_test", "sign", "signed_headers"]

log = logging.getLogger("sentlab.simulator")

USER_AGENT = "Sent-Webhooks/1.0"
#: Marks the specimen sent by ``POST /v3/webhooks/{id}/test`` (real deliveries do not carry it).
TEST_EVENT_HEADER = "X-Webhook-Test"
#: At most this many of an endpoint's answer are kept as the event's ``response_body``.
_RESPONSE_BODY_LIMIT = 1024


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """``v1,`` + base64 HMAC-SHA256 of ``{webhook_id}.{timestamp}.{body}``, keyed by the decoded secret.

    >>> sign("whsec_a2tra2tra2tra2tra2tra2tra2tra2tr", "wh", 1700000000, b"{}")   # whsec_ + base64 of the key
    'v1,kUJCKmFX0wVMYMsbZfEWMD6EgrVME+FxcRAit2GpPiY='
    """
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(w: Webhook, event_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers of one delivery attempt: ids, the attempt's timestamp (wall clock) and signature.

    ``X-Webhook-ID`` is the webhook's id and ``X-Webhook-Event-ID`` the event's (the id ``GET
    /v3/webhooks/{id}/events`` lists; retries repeat it). The timestamp is the real time of the
    attempt, whatever the world's clock says: it is what a receiver checks for replays.
    """
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Webhook-ID": w.id,
        "X-Webhook-Event-ID": event_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": sign(w.secret, w.id, timestamp, body),
    }


def _loopback_target(url: str) -> str:
    """``url`` with ``localhost`` pinned to 127.0.0.1 (no resolver is asked); ValueError off loopback."""
    if not loopback_url(url):
        raise ValueError(f"not a loopback endpoint: {url!r}")
    parts = urlsplit(url)
    if parts.hostname == "localhost":
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


@dataclass
class _Outcome:
    status: int  # 0: no answer (refused, timed out)
    error: str | None
    response_body: str | None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


async def _post(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: bytes,
                timeout: float) -> _Outcome:  # fmt: skip
    try:
        response = await client.post(_loopback_target(url), content=body, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        return _Outcome(0, f"Timeout after {timeout:g}s", None)
    except httpx.HTTPError as exc:
        return _Outcome(0, f"Connection failed: {type(exc).__name__}", None)
    text = response.text[:_RESPONSE_BODY_LIMIT]
    error = None if response.is_success else f"HTTP {response.status_code} {response.reason_phrase}".strip()
    return _Outcome(response.status_code, error, text)


async def deliver_test(w: Webhook, body: bytes, timeout: float | None = None) -> tuple[bool, str]:
    """POST a signed specimen event to ``w``'s loopback endpoint now; ``(success, message)`` for the route.

    Called by ``POST /v3/webhooks/{id}/test`` after the world's lock is released (the answer waits
    for the endpoint, as the API's does).
    """
    event_id = hash_uuid("test", w.id, time.time_ns())
    headers = {**signed_headers(w, event_id, body), TEST_EVENT_HEADER: "true"}
    async with httpx.AsyncClient(trust_env=False) as client:
        outcome = await _post(client, w.endpoint_url, headers, body, float(timeout or w.timeout_seconds))
    if outcome.ok:
        return True, "Test event delivered successfully"
    return False, f"Test event delivery failed: {outcome.error}"


@dataclass
class _Attempt:
    webhook: Webhook
    serial: int
    url: str
    headers: dict[str, str]
    body: bytes
    timeout: float


class Deliverer:
    """Delivers the pending events of a world's loopback webhooks, in a background thread.

    At most ``concurrency`` POSTs are in flight; the world is polled every ``interval`` seconds.
    ``start()``/``stop()`` (or ``with``); ``running_server`` does both with the server.

    >>> from sentlab.simulator import build_world
    >>> with Deliverer(build_world(contacts=50, messages=10)) as deliverer:
    ...     deliverer.running              # events emitted by now are POSTed within ~interval
    True
    >>> deliverer.running
    False
    """

    def __init__(self, world: World | Records, *, interval: float = 0.02, concurrency: int = 4) -> None:
        self.records: Records = getattr(world, "_records", world)  # type: ignore[assignment]
        self.interval = interval
        self.concurrency = concurrency
        # on the records, not here: two servers over one world never POST one attempt twice
        self._in_flight = self.records.deliveries_in_flight
        self._watched: set[str] = set()  # webhooks that are, or were, live: the only ones scanned
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Deliverer:
        """Start the delivery thread (a second call does nothing)."""
        if not self.running:
            self._stop.clear()
            self._thread = threading.Thread(target=lambda: asyncio.run(self._main()),
                                            name="sentlab-simulator-deliveries", daemon=True)  # fmt: skip
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop: attempts in flight are abandoned (they stay pending) and the thread is joined."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> Deliverer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the loop -----------------------------------------------------------------------------

    async def _main(self) -> None:
        tasks: set[asyncio.Task[None]] = set()
        async with httpx.AsyncClient(trust_env=False) as client:
            try:
                while not self._stop.is_set():
                    room = self.concurrency - len(tasks)
                    for attempt in self._due(room) if room > 0 else ():
                        task = asyncio.create_task(self._attempt(client, attempt))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    await asyncio.sleep(self.interval)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    def _due(self, room: int) -> list[_Attempt]:
        """Attempts due now (at most ``room``), claimed: each event has one attempt in flight at a time."""
        r = self.records
        out: list[_Attempt] = []
        with r.lock:
            now = r.now_ts()
            for w in r.webhooks:
                if len(out) >= room:
                    break
                ev = w.events
                if w.deleted:  # a deleted webhook gets nothing more
                    self._watched.discard(w.id)
                    continue
                if w.live:
                    self._watched.add(w.id)
                if w.id not in self._watched or not ev.n:
                    continue
                waiting = np.nonzero(ev["live"] == 1)[0]
                if not len(waiting):
                    if not w.live:
                        self._watched.discard(w.id)
                    continue
                attempts = ev["attempts"][waiting].astype(np.int64)
                due = ev["created"][waiting] + RETRY_AFTER[np.clip(attempts, 0, len(RETRY_AFTER) - 1)]
                for j in waiting[due <= now]:
                    serial = int(ev["serial"][j])
                    if (w.id, serial) in self._in_flight:
                        continue
                    if not w.live or not w.is_active:  # moved off loopback or paused: never POSTed
                        self._abandon(w, int(j), "the endpoint is no longer on loopback" if not w.live
                                      else "the webhook is inactive", now)  # fmt: skip
                        continue
                    body = orjson.dumps(wire.event(r, w, int(j), now)["event_data"])
                    event_id = hash_uuid(r.seed, "event", serial)
                    out.append(_Attempt(w, serial, w.endpoint_url, signed_headers(w, event_id, body), body,
                                        float(w.timeout_seconds)))  # fmt: skip
                    self._in_flight.add((w.id, serial))
                    if len(out) >= room:
                        break
        return out

    async def _attempt(self, client: httpx.AsyncClient, attempt: _Attempt) -> None:
        try:
            outcome = await _post(client, attempt.url, attempt.headers, attempt.body, attempt.timeout)
        except BaseException:  # cancelled by stop(): the attempt is made again after a restart
            with self.records.lock:
                self._in_flight.discard((attempt.webhook.id, attempt.serial))
            raise
        r = self.records
        with r.lock:
            w = attempt.webhook
            self._in_flight.discard((w.id, attempt.serial))
            rows = np.nonzero(w.events["serial"] == attempt.serial)[0]
            if len(rows):  # else dropped meanwhile (a cancelled message, a paused webhook)
                self._finish(w, int(rows[0]), outcome, r.now_ts())

    def _abandon(self, w: Webhook, j: int, why: str, now: float) -> None:
        """Settle row ``j`` as failed with no further attempt (the attempts made so far stand)."""
        ev = w.events
        ev["outcome"][j] = 2
        ev["completed"][j] = max(now - float(ev["created"][j]), 0.0)
        ev["live"][j] = 2
        w.live_notes[int(ev["serial"][j])] = (f"Not delivered: {why}", None)

    def _finish(self, w: Webhook, j: int, outcome: _Outcome, now: float) -> None:
        """Record one attempt's outcome on row ``j``: settled on success or on the last attempt."""
        ev = w.events
        created = float(ev["created"][j])
        attempts = int(ev["attempts"][j]) + 1
        ev["attempts"][j] = attempts
        if attempts == 1:
            ev["started"][j] = max(now - created, 0.0)
        ev["http"][j] = outcome.status
        w.live_notes[int(ev["serial"][j])] = (outcome.error, outcome.response_body)
        if outcome.ok or attempts >= w.retry_count:
            ev["outcome"][j] = 2 if not outcome.ok else (0 if attempts == 1 else 1)
            ev["completed"][j] = max(now - created, float(ev["started"][j]))
            ev["live"][j] = 2
        if outcome.error and not outcome.ok:
            log.debug("webhook %s: delivery attempt %d failed: %s", w.id, attempts, outcome.error)

