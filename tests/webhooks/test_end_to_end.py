"""Simulator -> ``sentlab listen`` -> frames, on loopback: real servers, bounded in time."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sentlab
from sentlab.webhooks import Inbox, reconcile
from tests.webhooks.conftest import Sim, wait_until

ROOT = Path(__file__).resolve().parents[2]


class Listening:
    """``sentlab listen`` in a child process, secret in its environment; stdout read for its URL."""

    def __init__(self, store: Path, secret: str, log: Path) -> None:
        env = {**os.environ, "HOOK_SECRET": secret, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sentlab", "listen", "--port", "0", "--secret-env", "HOOK_SECRET",
             "--store", str(store), "--log", str(log)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        line = self.process.stdout.readline()  # the child prints its URL once it accepts connections
        assert "receiving Sent webhooks at" in line, line + self.process.stderr.read()
        self.url = line.split(" at ", 1)[1].split()[0]

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=15)
        assert self.process.returncode == 0, err
        return out + err


def test_simulator_to_listen_to_frames_with_no_api_request(sim: Sim, tmp_path: Path) -> None:
    hook = sim.webhook("http://127.0.0.1:9/not-yet")  # a placeholder: nothing is emitted before the PUT
    listening = Listening(tmp_path, hook["signing_secret"], tmp_path / "deliveries.jsonl")
    try:
        sim.call("PUT", f"/v3/webhooks/{hook['id']}", json={"endpoint_url": listening.url + "sent"})
        sent = sim.send(3)
        sim.clock.advance(3600)
        events = wait_until(lambda: sim.settled(hook["id"]), timeout=20, what="every delivery settled")
    finally:
        output = listening.stop()
    assert hook["signing_secret"] not in output and hook["signing_secret"][6:] not in output
    assert {e["delivery_status"] for e in events} == {"delivered"}

    # a lab whose base URL refuses connections: any API request would raise
    lab = sentlab.connect(api_key=sim.key, base_url="http://127.0.0.1:9", check=False, cache_dir=tmp_path)
    received = lab.webhook_events(source="received")
    assert received.attrs["source"] == "received"
    api = pd.DataFrame(events)
    assert sorted(received["id"]) == sorted(api["id"])
    by_id = received.set_index("id")
    for e in events:
        assert by_id.at[e["id"], "message_status"] == e["event_data"]["payload"]["message_status"]
        assert by_id.at[e["id"], "webhook_id"] == hook["id"]
    messages = lab.messages(source="received")
    assert sorted(messages["id"]) == sorted(sent)
    for message_id in sent:
        truth = sim.call("GET", f"/v3/messages/{message_id}")["status"]
        assert messages.set_index("id").at[message_id, "status"] == truth
    assert set(messages["direction"]) == {"outbound"}
    replayed = sentlab.webhooks.read_log(tmp_path / "deliveries.jsonl", secret=hook["signing_secret"])
    assert sorted(replayed["id"]) == sorted(received["id"]) and replayed.attrs["bad_line_count"] == 0

    # reconcile against the API: every event ok; then a gap in the store shows up as missing
    with sentlab.connect(api_key=sim.key, base_url=sim.server.base_url, cache_dir=tmp_path) as online:
        report = reconcile(online, hook["id"])
        assert report.attrs["summary"]["ok"] == len(events) and set(report["verdict"]) == {"ok"}
        gone = events[0]["id"]
        with sqlite3.connect(tmp_path / "store.sqlite3") as conn:
            conn.execute("DELETE FROM received WHERE event_id = ?", (gone,))
        report = reconcile(online, hook["id"])
        assert list(report.loc[report["verdict"] == "missing", "event_id"]) == [gone]


class FakeLab:
    """What reconcile asks of a lab: the API's events of one webhook (one canned frame)."""

    def __init__(self, events: list[dict[str, Any]], cache_dir: Path) -> None:
        self._events = events
        self._cache_dir = cache_dir

    def webhook_events(self, webhook_id: str, *, refresh: bool = False) -> pd.DataFrame:
        return sentlab.build_frame("webhook_events", self._events)


def test_reconcile_names_missing_duplicated_failed_pending_and_unlisted_events(tmp_path: Path) -> None:
    def api_event(event_id: str, status: str, http: int | None = 200, attempts: int = 1) -> dict[str, Any]:
        return {"id": event_id, "webhook_id": "wh", "event_type": "message.sent", "delivery_status": status,
                "http_status_code": http, "delivery_attempts": attempts, "created_at": "2026-04-08T12:00:00Z",
                "error_message": "HTTP 500 Internal Server Error" if status == "failed" else None,
                "event_data": {"field": "message", "event": "message.sent",
                               "payload": {"message_id": f"m-{event_id}"}}}  # fmt: skip

    lab = FakeLab([api_event("ok", "delivered"), api_event("gap", "delivered"), api_event("twice", "delivered", attempts=2),
                   api_event("broken", "failed", 500, 3), api_event("later", "pending", None, 0)], tmp_path)  # fmt: skip
    inbox = Inbox(tmp_path)
    for event_id in ("ok", "twice", "twice", "stray"):
        inbox.add({"X-Webhook-ID": "wh", "X-Webhook-Event-ID": event_id}, b'{"event": "message.sent"}')
    report = reconcile(lab, "wh").set_index("event_id")
    assert report["verdict"].to_dict() == {"ok": "ok", "gap": "missing", "twice": "duplicated", "broken": "failed",
                                           "later": "pending", "stray": "unlisted"}  # fmt: skip
    assert report.at["broken", "http_status_code"] == 500 and report.at["broken", "delivery_attempts"] == 3
    assert report.at["twice", "receipts"] == 2 and not report.at["gap", "received"]
    assert report.attrs["summary"] == {"ok": 1, "missing": 1, "duplicated": 1, "failed": 1, "pending": 1, "unlisted": 1}
    # the API's columns keep the webhook_events frame's dtypes (not floats or objects)
    assert str(report["http_status_code"].dtype) == "Int64" and str(report["delivery_attempts"].dtype) == "Int64"
    assert str(report["created_at"].dtype) == "datetime64[ns, UTC]"


def test_received_sources_need_no_store_and_refuse_unknown_sources(tmp_path: Path) -> None:
    lab = sentlab.connect(api_key="sk_test_" + "0" * 32, base_url="http://127.0.0.1:9", check=False,
                          cache_dir=tmp_path)  # fmt: skip
    assert lab.webhook_events(source="received").empty
    assert lab.messages(source="received").empty
    with pytest.raises(sentlab.ConfigurationError):
        lab.webhook_events(source="inbox")
