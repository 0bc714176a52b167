"""The simulator delivers for real to loopback endpoints: signed, retried, recorded in the events list."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from sentlab.simulator._records import loopback_url
from tests.webhooks.conftest import Scripted, Sim, wait_until


def signed_with(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{headers['x-webhook-id']}.{headers['x-webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(headers["x-webhook-signature"], expected)


def test_each_event_is_posted_signed_and_its_outcome_listed(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    hook = sim.webhook(receiver.url + "sent")
    sim.send(2)
    sim.clock.advance(3600)
    events = wait_until(lambda: sim.settled(hook["id"]), what="every delivery settled")
    assert len(endpoint.requests) == len(events) > 2
    listed = {e["id"]: e for e in events}
    for headers, body in endpoint.requests:
        assert headers["x-webhook-id"] == hook["id"]
        assert signed_with(hook["signing_secret"], headers, body)
        event = listed[headers["x-webhook-event-id"]]
        assert json.loads(body) == event["event_data"]  # the list shows exactly what was POSTed
        assert event["delivery_status"] == "delivered" and event["http_status_code"] == 200
        assert event["delivery_attempts"] == 1 and event["processing_completed_at"] is not None
    assert sim.call("GET", f"/v3/webhooks/{hook['id']}")["consecutive_failures"] == 0


def test_a_failed_attempt_is_retried_on_the_backoff_schedule(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    hook = sim.webhook(receiver.url)
    endpoint.statuses[:] = [503]  # the first attempt of the first event fails
    sim.send(1)
    sim.clock.advance(1)
    first = wait_until(lambda: [e for e in sim.events(hook["id"]) if e["http_status_code"] == 503],
                       what="the failed first attempt")[0]  # fmt: skip
    assert first["delivery_status"] == "pending" and first["delivery_attempts"] == 1
    assert "503" in first["error_message"]
    sim.clock.advance(28)  # not yet: the retry is due 30 s after emission
    wait_until(lambda: len(endpoint.requests) == len(sim.events(hook["id"])), what="the other deliveries")
    assert next(e for e in sim.events(hook["id"]) if e["id"] == first["id"])["delivery_attempts"] == 1
    sim.clock.advance(2)
    retried = wait_until(lambda: [e for e in sim.events(hook["id"])
                                  if e["id"] == first["id"] and e["delivery_status"] == "delivered"],
                         what="the retry")[0]  # fmt: skip
    assert retried["delivery_attempts"] == 2 and retried["http_status_code"] == 200
    ids = [h["x-webhook-event-id"] for h, _ in endpoint.requests if h["x-webhook-event-id"] == first["id"]]
    assert len(ids) == 2  # the retry carries the same event id: what a receiver deduplicates on


def test_an_endpoint_failing_every_attempt_is_recorded_failed(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    endpoint.statuses[:] = [500] * 100
    hook = sim.webhook(receiver.url, retry_count=2)
    sim.send(1)
    sim.clock.advance(1)
    wait_until(lambda: endpoint.requests, what="the first attempt")
    sim.clock.advance(60)
    failed = wait_until(lambda: [e for e in sim.events(hook["id"]) if e["delivery_status"] == "failed"],
                        what="a failed delivery")[0]  # fmt: skip
    assert failed["delivery_attempts"] == 2 and failed["http_status_code"] == 500
    assert failed["error_message"].startswith("HTTP 500")
    assert sim.call("GET", f"/v3/webhooks/{hook['id']}")["consecutive_failures"] >= 1


def test_rotating_the_secret_changes_the_signature_from_then_on(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    hook = sim.webhook(receiver.url)
    sim.send(1)
    sim.clock.advance(1)
    wait_until(lambda: sim.settled(hook["id"]), what="the first deliveries")
    before = len(endpoint.requests)
    new_secret = sim.call("POST", f"/v3/webhooks/{hook['id']}/rotate-secret", json={})["signing_secret"]
    assert new_secret != hook["signing_secret"]
    sim.clock.advance(3600)
    wait_until(lambda: sim.settled(hook["id"]), what="every delivery settled")
    old, new = endpoint.requests[:before], endpoint.requests[before:]
    assert new and all(signed_with(hook["signing_secret"], h, b) for h, b in old)
    assert all(signed_with(new_secret, h, b) and not signed_with(hook["signing_secret"], h, b) for h, b in new)


def test_the_test_endpoint_sends_a_signed_specimen_and_reports_the_answer(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    hook = sim.webhook(receiver.url)
    answer = sim.call("POST", f"/v3/webhooks/{hook['id']}/test", json={"event_type": "message.read"})
    assert answer == {"success": True, "message": "Test event delivered successfully"}
    [(headers, body)] = endpoint.requests
    assert signed_with(hook["signing_secret"], headers, body) and headers["x-webhook-test"] == "true"
    assert json.loads(body)["event"] == "message.read"
    assert json.loads(body)["payload"]["message_status"] == "READ"
    endpoint.statuses[:] = [500]
    failed = sim.call("POST", f"/v3/webhooks/{hook['id']}/test", json={})
    assert failed["success"] is False and "500" in failed["message"]
    sandbox = sim.call("POST", f"/v3/webhooks/{hook['id']}/test", json={"sandbox": True})
    assert sandbox["success"] is True and len(endpoint.requests) == 2  # a dry run sends nothing
    assert sim.events(hook["id"]) == []  # specimens are not events


def test_only_loopback_endpoints_are_ever_posted_to(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    assert loopback_url("http://127.0.0.1:1/x") and loopback_url("http://localhost/x")
    assert loopback_url("http://[::1]:8080/")
    assert not loopback_url("https://hooks.example.com/x") and not loopback_url("http://10.0.0.1/x")
    hook = sim.webhook(receiver.url)
    sim.send(1)
    sim.call("PUT", f"/v3/webhooks/{hook['id']}", json={"endpoint_url": "https://hooks.example.com/sent"})
    sim.clock.advance(3600)
    events = wait_until(lambda: sim.settled(hook["id"]), what="every delivery settled")
    assert endpoint.requests == []
    assert {e["delivery_status"] for e in events} == {"failed"}
    assert all("loopback" in e["error_message"] and e["http_status_code"] is None for e in events)


def test_a_remote_webhook_moved_to_loopback_gets_the_events_not_yet_emitted(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    endpoint, receiver = scripted
    hook = sim.webhook("https://hooks.example.com/sent")
    sim.send(1)
    sim.clock.advance(1)
    drawn = {e["id"] for e in sim.events(hook["id"])}  # emitted while remote: drawn outcomes
    sim.call("PUT", f"/v3/webhooks/{hook['id']}", json={"endpoint_url": receiver.url})
    sim.clock.advance(3600)
    wait_until(lambda: sim.settled(hook["id"]), what="every delivery settled")
    posted = {h["x-webhook-event-id"] for h, _ in endpoint.requests}
    assert posted and not posted & drawn
    assert posted | drawn == {e["id"] for e in sim.events(hook["id"])}


def test_the_sdk_reads_real_deliveries_and_the_test_answer_strictly(sim: Sim, scripted: tuple[Scripted, object]) -> None:
    import sent_dm

    endpoint, receiver = scripted
    endpoint.statuses[:] = [500]  # one failed attempt: a pending row with a status code and an error
    hook = sim.webhook(receiver.url)
    sim.send(1)
    sim.clock.advance(1)
    wait_until(lambda: endpoint.requests, what="a delivery")
    with sent_dm.Sent(base_url=sim.server.base_url, api_key=sim.key, _strict_response_validation=True,
                      max_retries=0) as sdk:  # fmt: skip
        assert sdk.webhooks.test(hook["id"]).data.success is True
        events = list(sdk.webhooks.list_events(hook["id"]))
        assert events and {e.delivery_status for e in events} <= {"pending", "delivered"}
        assert all(e.event_data is not None and e.event_data.payload is not None for e in events)
        assert sdk.webhooks.retrieve(hook["id"]).data.last_delivery_attempt_at is not None
