"""Frame building speed and memory, measured in one run (issue 4, section 5).

    .venv/bin/python benchmarks/frames_build.py [--rows 200000] [--memory-rows 1000000]

For each frame: ``build_frame`` on in-memory records (rows/s), its time as a ratio of
``pd.DataFrame.from_records`` on the same records (which does no typing; target <= 1.5x), and
how many times faster it is than validating each record with a pydantic model and building
from the dumps (target >= 5x). Then the memory of a contacts frame with and without
categoricals. Best of ``--repeat`` runs each.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sentlab._frames import build_frame

CHANNELS = ["sms,whatsapp", "sms", "whatsapp"]
REGIONS = ["US", "GB", "BR", "IN", "DE", "MX"]
STATUSES = ["QUEUED", "SENT", "DELIVERED", "READ", "FAILED"]


def stamp(i: int) -> str:
    return f"2026-04-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 10_000_000:07d}+00:00"


def uid(i: int, tag: str = "a") -> str:
    return f"{tag}{i:07d}-9dad-11d1-80b4-00c04fd430c8"


def contacts(n: int, rng: random.Random) -> list[dict]:
    return [{
        "id": uid(i), "phone_number": f"+1415{i:07d}", "format_e164": f"+1415{i:07d}",
        "format_international": "+1 415-555-1234", "format_national": "(415) 555-1234",
        "format_rfc": "tel:+1-415-555-1234", "country_code": "1", "region_code": rng.choice(REGIONS),
        "available_channels": rng.choice(CHANNELS), "default_channel": "sms", "opt_out": rng.random() < 0.05,
        "is_inherited": False, "created_at": stamp(i), "updated_at": None if i % 3 else stamp(i + 1),
    } for i in range(n)]  # fmt: skip


def events(n: int, rng: random.Random) -> list[dict]:
    out = []
    for i in range(n):
        status = rng.choice(STATUSES)
        payload = {"message_id": uid(i // 3, "m"), "message_status": status, "channel": "sms",
                   "template_id": uid(i % 20, "t"), "template_name": "Welcome", "outbound_number": f"+1415{i:07d}",
                   "updated_at": stamp(i), "account_id": uid(1, "o"), "body": "Hello"}  # fmt: skip
        if status == "FAILED":
            payload |= {"reason_code": "UNREACHABLE", "reason": "Handset off"}
        out.append({"id": uid(i, "e"), "webhook_id": uid(1, "w"), "event_type": f"message.{status.lower()}",
                    "event_data": {"field": "messages", "event": "message.status_updated", "timestamp": stamp(i),
                                   "request_id": f"req_{i}", "payload": payload},
                    "delivery_status": "delivered", "http_status_code": 200, "response_body": None,
                    "delivery_attempts": 1, "error_message": None, "created_at": stamp(i),
                    "processing_started_at": stamp(i), "processing_completed_at": stamp(i)})  # fmt: skip
    return out


def messages(n: int, rng: random.Random) -> list[dict]:
    return [{
        "id": uid(i, "m"), "customer_id": uid(1, "o"), "contact_id": uid(i), "phone": f"+1415{i:07d}",
        "phone_international": "+1 415-555-1234", "region_code": rng.choice(REGIONS),
        "template_id": uid(i % 20, "t"), "template_name": "Welcome", "template_category": "UTILITY",
        "channel": "sms", "message_body": {"header": None, "content": "Hello there", "footer": None, "buttons": None},
        "status": "DELIVERED", "created_at": stamp(i), "price": 0.0055, "active_contact_price": 0.015,
        "events": [{"status": "QUEUED", "timestamp": stamp(i), "description": "queued"},
                   {"status": "SENT", "timestamp": stamp(i + 1), "description": "sent"},
                   {"status": "DELIVERED", "timestamp": stamp(i + 2), "description": "delivered"}],
    } for i in range(n)]  # fmt: skip


def activities(n: int, rng: random.Random) -> list[dict]:
    return [{"message_id": uid(i // 4, "m"), "status": STATUSES[i % 4], "description": "Message sent via SMS",
             "timestamp": stamp(i), "price": None if i % 4 == 0 else "0.0450",
             "active_contact_price": None if i % 4 == 0 else "0.0050"} for i in range(n)]  # fmt: skip


def templates(n: int, rng: random.Random) -> list[dict]:
    return [{"id": uid(i, "t"), "name": f"T{i}", "category": rng.choice(["MARKETING", "UTILITY"]),
             "language": "en_US", "status": "APPROVED", "channels": ["sms", "whatsapp"], "variables": ["name"],
             "created_at": stamp(i), "updated_at": stamp(i + 1), "is_published": True} for i in range(n)]  # fmt: skip


def users(n: int, rng: random.Random) -> list[dict]:
    return [{"id": uid(i, "u"), "email": f"u{i}@acme.com", "name": f"User {i}", "role": "developer",
             "status": "active", "invited_at": stamp(i), "last_login_at": stamp(i + 1), "created_at": stamp(i),
             "updated_at": stamp(i)} for i in range(n)]  # fmt: skip


def lookups(n: int, rng: random.Random) -> list[dict]:
    return [{"phone_number": f"+1415{i:07d}", "is_valid": True, "carrier_name": "T-Mobile", "line_type": "mobile",
             "country_code": "US", "mobile_country_code": "310", "mobile_network_code": "260",
             "is_ported": False, "is_voip": False} for i in range(n)]  # fmt: skip


# Pydantic models for the baseline: typed fields, nested models where the API nests.
class Contact(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    phone_number: str | None = None
    region_code: str | None = None
    available_channels: str | None = None
    default_channel: str | None = None
    opt_out: bool | None = None
    is_inherited: bool | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Payload(BaseModel):
    model_config = ConfigDict(extra="allow")
    message_id: str | None = None
    message_status: str | None = None
    updated_at: str | None = None


class Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")
    field: str | None = None
    event: str | None = None
    timestamp: str | None = None
    payload: Payload | None = None


class Event(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    event_type: str | None = None
    event_data: Envelope | None = None
    http_status_code: int | None = None
    created_at: str | None = None


class MessageEvent(BaseModel):
    status: str | None = None
    timestamp: str | None = None
    description: str | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None
    status: str | None = None
    price: float | None = None
    active_contact_price: float | None = None
    created_at: str | None = None
    message_body: dict | None = None
    events: list[MessageEvent] | None = None


class Activity(BaseModel):
    model_config = ConfigDict(extra="allow")
    message_id: str | None = None
    status: str | None = None
    timestamp: str | None = None
    price: str | None = None
    active_contact_price: str | None = None


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None = None


CASES: dict[str, tuple[Callable[[int, random.Random], list[dict]], type[BaseModel], float]] = {
    "contacts": (contacts, Contact, 1.0),
    "webhook_events": (events, Event, 1.0),
    "messages": (messages, Message, 0.25),
    "activities": (activities, Activity, 1.0),
    "templates": (templates, Loose, 0.1),
    "users": (users, Loose, 0.1),
    "number_lookups": (lookups, Loose, 0.1),
}


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pydantic_build(model: type[BaseModel], records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame.from_records([model.model_validate(r).model_dump() for r in records])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loopback-messages", type=int, default=1000, help="0 skips the cold/warm run")
    args = parser.parse_args()
    rng = random.Random(4)

    print(f"build_frame vs from_records vs pydantic, best of {args.repeat}")
    print(f"{'frame':<15}{'rows':>9}{'build s':>9}{'rows/s':>12}{'/from_records':>15}{'pydantic x':>12}")
    for name, (make, model, share) in CASES.items():
        n = max(1000, int(args.rows * share))
        records = make(n, rng)
        t_build = best(lambda name=name, rows=records: build_frame(name, rows), args.repeat)
        t_plain = best(lambda rows=records: pd.DataFrame.from_records(rows), args.repeat)
        t_pyd = best(lambda model=model, rows=records: pydantic_build(model, rows), 1)
        ok_ratio = "ok" if t_build / t_plain <= 1.5 else "MISS"
        ok_pyd = "ok" if t_pyd / t_build >= 5 else "MISS"
        print(f"{name:<15}{n:>9,}{t_build:>9.3f}{n / t_build:>12,.0f}{t_build / t_plain:>11.2f}x {ok_ratio:<4}"
              f"{t_pyd / t_build:>8.1f}x {ok_pyd}")  # fmt: skip

    n = args.memory_rows
    records = contacts(n, rng)
    frame = build_frame("contacts", records)
    del records
    gc.collect()
    with_cats = frame.memory_usage(deep=True).sum() / 2**20
    plain = frame.copy()
    for column in plain.columns:
        if isinstance(plain[column].dtype, pd.CategoricalDtype):
            plain[column] = plain[column].astype("str")
    without = plain.memory_usage(deep=True).sum() / 2**20
    print(f"\ncontacts frame, {n:,} rows: {with_cats:,.0f} MB with categoricals, {without:,.0f} MB without "
          f"({without / with_cats:.2f}x)")  # fmt: skip

    if args.loopback_messages:
        cold_warm(args.loopback_messages)


def cold_warm(n_messages: int) -> None:
    """webhook events -> messages -> activities, cold then warm, on a loopback server with 80 ms latency."""
    import tempfile

    from sentlab import _datasets as ds
    from sentlab._client import SentClient
    from sentlab.simulator import SimulatorConfig, build_world, running_server

    world = build_world(seed=5, contacts=2000, messages=n_messages, profiles=2)
    # Server-side rate limits off: this measures the store, not the documented 200 requests/minute.
    config = SimulatorConfig(rate_limits=None, latency=0.08)
    runs = []
    with (running_server(world, config) as server, tempfile.TemporaryDirectory() as directory,
          SentClient(server.org_key, base_url=server.base_url, pacing=None, progress=False) as client):  # fmt: skip
        store = ds.open_store(client, directory)
        for label in ("cold", "warm"):
            before = client.aio.stats.requests
            start = time.perf_counter()
            msgs = ds.messages(client, store, all_profiles=True)
            acts = ds.activities(client, store, ids=list(msgs.id))
            runs.append((label, time.perf_counter() - start, client.aio.stats.requests - before, len(msgs), len(acts)))
    print("\nloopback server, 80 ms latency: webhook events -> messages -> activities")
    for label, seconds, requests, n_msgs, n_acts in runs:
        print(f"  {label}: {seconds:7.3f} s, {requests:5d} requests ({n_msgs:,} messages, {n_acts:,} activities)")
    (_, cold, _, _, _), (_, warm, warm_requests, _, _) = runs
    verdict = "ok" if warm_requests == 0 and cold / warm >= 50 else "MISS"
    print(f"  warm is {cold / warm:,.0f}x faster with {warm_requests} requests {verdict}")


if __name__ == "__main__":
    main()
