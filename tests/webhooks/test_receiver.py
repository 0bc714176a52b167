"""The receiver (app, Inbox, ``sentlab listen``) and the log replay, driven in-process."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from pathlib import Path

import httpx
import pytest

from sentlab import ConfigurationError
from sentlab.cli import build_parser, main
from sentlab.webhooks import Inbox, app, read_log, resolve_secrets

SECRET = "whsec_" + base64.b64encode(b"receiver test key 24 byt").decode()


def envelope(message_id: str = "m1", status: str = "DELIVERED") -> bytes:
    return json.dumps({"field": "message", "event": f"message.{status.lower()}",
                       "timestamp": "2026-04-08T12:00:01+00:00", "request_id": "req_x",
                       "payload": {"message_id": message_id, "message_status": status, "channel": "sms",
                                   "outbound_number": "+14155550100", "updated_at": "2026-04-08T12:00:00+00:00",
                                   "account_id": "acct"}}).encode()  # fmt: skip


def signed(body: bytes, event_id: str, *, secret: str = SECRET, ts: int | None = None, webhook_id: str = "wh-1"
           ) -> dict[str, str]:  # fmt: skip
    ts = int(time.time()) if ts is None else ts
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {"X-Webhook-ID": webhook_id, "X-Webhook-Event-ID": event_id, "X-Webhook-Timestamp": str(ts),
            "X-Webhook-Signature": "v1," + base64.b64encode(mac).decode(), "Content-Type": "application/json"}


def client_for(tmp_path: Path, **options) -> httpx.Client:
    receiver = app(secret=SECRET, store=tmp_path, **options)
    from tests.kit import SyncASGITransport

    return httpx.Client(transport=SyncASGITransport(receiver), base_url="http://receiver")


def test_a_verified_delivery_is_stored_once_per_event_id(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    body = envelope()
    first = client.post("/sent", content=body, headers=signed(body, "ev-1"))
    retry = client.post("/sent", content=body, headers=signed(body, "ev-1"))  # Sent retried: same event id
    assert first.status_code == retry.status_code == 200
    assert first.json() == {"received": True, "duplicate": False} and retry.json()["duplicate"] is True
    [row] = Inbox(tmp_path).rows()
    assert row["event_id"] == "ev-1" and row["receipts"] == 2 and row["webhook_id"] == "wh-1"
    assert row["body"]["payload"]["message_id"] == "m1"
    assert set(row["headers"]) >= {"x-webhook-id", "x-webhook-signature", "x-webhook-timestamp"}


def test_a_bad_signature_is_401_and_stored_nowhere(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    client = client_for(tmp_path)
    body = envelope()
    caplog.set_level(logging.DEBUG)
    tampered = client.post("/", content=body.replace(b"DELIVERED", b"FAILED"), headers=signed(body, "ev-1"))
    stale = client.post("/", content=body, headers=signed(body, "ev-2", ts=int(time.time()) - 3600))
    unsigned = client.post("/", content=body)
    wrong = client.post("/", content=body, headers=signed(body, "ev-3", secret="whsec_" + base64.b64encode(b"x" * 24).decode()))
    assert [r.status_code for r in (tampered, stale, unsigned, wrong)] == [401] * 4
    assert [r.json()["error"] for r in (tampered, stale, unsigned)] == ["no_signature_matched", "stale_timestamp",
                                                                         "missing_header"]  # fmt: skip
    assert Inbox(tmp_path).rows() == []
    assert SECRET not in caplog.text and SECRET.removeprefix("whsec_") not in caplog.text


def test_the_log_file_written_by_the_receiver_replays_as_the_same_frame(tmp_path: Path) -> None:
    log = tmp_path / "deliveries.jsonl"
    client = client_for(tmp_path, log_file=log)
    for i, status in enumerate(["SENT", "DELIVERED", "READ"]):
        body = envelope(status=status)
        client.post("/", content=body, headers=signed(body, f"ev-{i}"))
    client.post("/", content=body, headers=signed(body, "ev-2"))  # a retry: logged, deduplicated on replay
    frame = read_log(log, secret=SECRET)
    assert list(frame["id"]) == ["ev-0", "ev-1", "ev-2"]
    assert list(frame["message_status"]) == ["SENT", "DELIVERED", "READ"]
    assert list(frame["delivery_attempts"]) == [1, 1, 2]
    assert frame.attrs["lines"] == 4 and frame.attrs["duplicates"] == 1 and frame.attrs["bad_line_count"] == 0
    stored = Inbox(tmp_path).records()
    assert [r["id"] for r in stored] == list(frame["id"])


def test_bad_log_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    good = envelope()
    ts = 1_775_649_600
    lines = [
        {"received_at": "2026-04-08T12:00:02Z", "headers": signed(good, "ev-1", ts=ts), "body": good.decode()},
        "this is not json",
        {"received_at": ts, "headers": signed(good, "ev-2", ts=ts), "body": good.decode().replace("sms", "rcs")},
        {"received_at": ts + 3600, "headers": signed(good, "ev-3", ts=ts), "body": good.decode()},  # received late
        {"received_at": ts, "headers": signed(good, "ev-4", ts=ts), "body": json.loads(good)},  # parsed: unverifiable
        {"headers": {}},
        [1, 2],
    ]
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n\n")
    frame = read_log(path, secret=SECRET)
    assert list(frame["id"]) == ["ev-1"]
    assert frame.attrs["lines"] == 7 and frame.attrs["bad_line_count"] == 6
    assert frame.attrs["bad_reasons"] == {"not_json": 1, "no_signature_matched": 1, "stale_timestamp": 1,
                                          "unverifiable": 1, "not_a_delivery": 2}  # fmt: skip
    assert [n for n, _ in frame.attrs["bad_lines"]] == [2, 3, 4, 5, 6, 7]
    unverified = read_log(path)  # no secret: every delivery-shaped line is read, parsed bodies too
    assert list(unverified["id"]) == ["ev-1", "ev-2", "ev-3", "ev-4"]
    assert unverified.attrs["bad_line_count"] == 3


def test_the_secret_comes_from_the_environment_or_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_HOOK_SECRET", SECRET)
    assert resolve_secrets(secret_env="MY_HOOK_SECRET") == [SECRET]
    monkeypatch.setenv("SENT_WEBHOOK_SECRET", SECRET)
    assert resolve_secrets() == [SECRET]
    path = tmp_path / "secret"
    path.write_text(f"{SECRET}\nwhsec_{base64.b64encode(b'new').decode()}\n")
    assert len(resolve_secrets(secret_file=path)) == 2
    monkeypatch.delenv("MY_HOOK_SECRET")
    with pytest.raises(ConfigurationError, match="MY_HOOK_SECRET"):
        resolve_secrets(secret_env="MY_HOOK_SECRET")
    monkeypatch.setenv("MY_HOOK_SECRET", "whsec_n3wS3cr3tK3yG3n3r4t3d")
    with pytest.raises(ConfigurationError, match="MY_HOOK_SECRET") as caught:
        resolve_secrets(secret_env="MY_HOOK_SECRET")
    assert "n3wS3cr3t" not in str(caught.value)


def test_listen_takes_no_secret_on_the_command_line(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    with pytest.raises(SystemExit):
        build_parser().parse_args(["listen", "--secret", SECRET])
    args = build_parser().parse_args(["listen", "--port", "0", "--secret-env", "NOPE_NOT_SET"])
    assert args.port == 0 and args.secret_env == "NOPE_NOT_SET"
    monkeypatch.delenv("NOPE_NOT_SET", raising=False)
    assert main(["listen", "--port", "0", "--secret-env", "NOPE_NOT_SET"]) == 1
    assert "NOPE_NOT_SET" in capsys.readouterr().err
