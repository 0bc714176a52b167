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
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sentlab._frames import build_frame
from sentlab._schemas import columns
from tests.kit import RECORDS, contact_records

# --------------------------------------------------------------------------- pydantic baseline
# The comparison issue 4 asks for: validate each record with a pydantic model that declares
# EVERY column of the frame with its real type (datetime, float from the API's strings, bool,
# int, comma strings -> list[str], nested models for the nested payloads), flatten the dumps
# the same way build_frame does, build the frame from them, then give every column the same
# dtype. Both sides produce equivalent frames (checked, untimed, in ``check_equivalent``).

Stamp = datetime | None
Money = float | None


def _split(v: Any) -> Any:
    if isinstance(v, str):
        return [part.strip() for part in v.split(",") if part.strip()]
    return v


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Contact(Model):
    id: str | None = None
    phone_number: str | None = None
    format_e164: str | None = None
    format_international: str | None = None
    format_national: str | None = None
    format_rfc: str | None = None
    country_code: str | None = None
    region_code: str | None = None
    available_channels: list[str] | None = None
    default_channel: str | None = None
    opt_out: bool | None = None
    is_inherited: bool | None = None
    customer_id: str | None = None
    created_at: Stamp = None
    updated_at: Stamp = None
    profile_id: str | None = None

    _lists = field_validator("available_channels", mode="before")(_split)


class Template(Model):
    id: str | None = None
    name: str | None = None
    category: str | None = None
    language: str | None = None
    status: str | None = None
    channels: list[str] | None = None
    variables: list[str] | None = None
    is_published: bool | None = None
    customer_id: str | None = None
    created_at: Stamp = None
    updated_at: Stamp = None
    profile_id: str | None = None

    _lists = field_validator("channels", "variables", mode="before")(_split)


class Payload(Model):
    message_id: str | None = None
    message_status: str | None = None
    channel: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    outbound_number: str | None = None
    updated_at: Stamp = None
    account_id: str | None = None
    body: str | None = None
    reason_code: str | None = None
    reason: str | None = None


class Envelope(Model):
    field: str | None = None
    event: str | None = None
    timestamp: Stamp = None
    request_id: str | None = None
    payload: Payload | None = None


class Event(Model):
    id: str | None = None
    webhook_id: str | None = None
    event_type: str | None = None
    delivery_status: str | None = None
    http_status_code: int | None = None
    response_body: str | None = None
    delivery_attempts: int | None = None
    error_message: str | None = None
    created_at: Stamp = None
    processing_started_at: Stamp = None
    processing_completed_at: Stamp = None
    event_data: Envelope | None = None
    profile_id: str | None = None

    @staticmethod
    def flatten(row: dict) -> dict:
        envelope = row.pop("event_data", None) or {}
        payload = envelope.pop("payload", None) or {}
        row.update(field=envelope.get("field"), event=envelope.get("event"),
                   event_timestamp=envelope.get("timestamp"), request_id=envelope.get("request_id"))  # fmt: skip
        row.update(payload)
        return row


class MessageBody(Model):
    header: str | None = None
    content: str | None = None
    footer: str | None = None
    buttons: list[dict] | None = None
    media: list | None = None


class MessageEvent(Model):
    status: str | None = None
    timestamp: Stamp = None
    description: str | None = None


_STATUS_TIMES = {"QUEUED": "queued_at", "SENT": "sent_at", "DELIVERED": "delivered_at", "READ": "read_at",
                 "FAILED": "failed_at"}  # fmt: skip


class Message(Model):
    id: str | None = None
    customer_id: str | None = None
    contact_id: str | None = None
    phone: str | None = None
    phone_international: str | None = None
    region_code: str | None = None
    channel: str | None = None
    direction: str | None = None
    template_id: str | None = None
    template_name: str | None = None
    template_category: str | None = None
    status: str | None = None
    created_at: Stamp = None
    price: Money = None
    active_contact_price: Money = None
    reason_code: str | None = None
    reason: str | None = None
    message_body: MessageBody | None = None
    events: list[MessageEvent] | None = None
    source: str | None = None
    profile_id: str | None = None

    @staticmethod
    def flatten(row: dict) -> dict:
        body = row.pop("message_body", None) or {}
        row.update(body=body.get("content"), body_header=body.get("header"), body_footer=body.get("footer"),
                   body_buttons=body.get("buttons"), body_media=body.get("media"))  # fmt: skip
        events = row.pop("events", None)
        if events is not None:
            stamped = [(e["timestamp"], e["status"]) for e in events if e["timestamp"] is not None]
            row["updated_at"] = max((t for t, _ in stamped), default=None)
            for status, column in _STATUS_TIMES.items():
                row[column] = min((t for t, s in stamped if s == status), default=None)
        return row


class Activity(Model):
    message_id: str | None = None
    status: str | None = None
    description: str | None = None
    timestamp: Stamp = None
    price: Money = None
    active_contact_price: Money = None
    reason_code: str | None = None
    reason: str | None = None
    from_: str | None = Field(default=None, alias="from")
    scheduled_at: Stamp = None
    profile_id: str | None = None


class User(Model):
    id: str | None = None
    email: str | None = None
    name: str | None = None
    role: str | None = None
    status: str | None = None
    invited_at: Stamp = None
    last_login_at: Stamp = None
    created_at: Stamp = None
    updated_at: Stamp = None
    profile_id: str | None = None


class NumberLookup(Model):
    phone_number: str | None = None
    is_valid: bool | None = None
    carrier_name: str | None = None
    line_type: str | None = None
    country_code: str | None = None
    mobile_country_code: str | None = None
    mobile_network_code: str | None = None
    is_ported: bool | None = None
    is_voip: bool | None = None


# frame -> its records (tests/kit.py makes them, the frame tests build from the same), its model, its share of --rows
CASES: dict[str, tuple[Callable[[int, random.Random], list[dict]], type[Model], float]] = {
    "contacts": (RECORDS["contacts"], Contact, 1.0),
    "webhook_events": (RECORDS["webhook_events"], Event, 1.0),
    "messages": (RECORDS["messages"], Message, 0.25),
    "activities": (RECORDS["activities"], Activity, 1.0),
    "templates": (RECORDS["templates"], Template, 0.1),
    "users": (RECORDS["users"], User, 0.1),
    "number_lookups": (RECORDS["number_lookups"], NumberLookup, 0.1),
}

_ASTYPE = {"str": "str", "category": "category", "money": "Float64", "int": "Int64", "bool": "boolean"}


def pydantic_build(name: str, model: type[Model], records: list[dict]) -> pd.DataFrame:
    """Validate every record, dump it, flatten it like build_frame, build, then type each column."""
    flatten = getattr(model, "flatten", None)
    dumps = [model.model_validate(r).model_dump(by_alias=True) for r in records]
    if flatten is not None:
        dumps = [flatten(d) for d in dumps]
    frame = pd.DataFrame(dumps)
    declared = [c.name for c in columns(name)]
    frame = frame.reindex(columns=[*declared, *(c for c in frame.columns if c not in declared)])
    for column in columns(name):
        if column.kind == "timestamp":
            frame[column.name] = pd.to_datetime(frame[column.name], utc=True).dt.as_unit("ns")
        elif column.kind in _ASTYPE:
            frame[column.name] = frame[column.name].astype(_ASTYPE[column.kind])
        elif column.kind == "list":  # JSON lists, or None: objects even where every row has none
            frame[column.name] = frame[column.name].astype(object)
    return frame


def check_equivalent(name: str, ours: pd.DataFrame, theirs: pd.DataFrame, sample: int = 500) -> None:
    """Same columns, same dtypes, equal values on a sample of rows (timestamps to the microsecond:
    pydantic's datetime truncates the API's 7-digit fractions)."""
    assert list(ours.columns) == list(theirs.columns), (name, list(ours.columns), list(theirs.columns))
    assert len(ours) == len(theirs), name
    rows = sorted(random.Random(0).sample(range(len(ours)), min(sample, len(ours))))
    for column in ours.columns:
        a, b = ours[column].iloc[rows], theirs[column].iloc[rows]
        if str(a.dtype) == "datetime64[ns, UTC]":
            a, b = a.dt.floor("us"), b.dt.floor("us")
        if isinstance(a.dtype, pd.CategoricalDtype) or isinstance(b.dtype, pd.CategoricalDtype):
            a, b = a.astype(object), b.astype(object)
        else:
            assert str(a.dtype) == str(b.dtype), (name, column, a.dtype, b.dtype)
        for x, y in zip(a.tolist(), b.tolist(), strict=True):
            assert (pd.isna(x) and pd.isna(y)) if not isinstance(x, list) and pd.isna(x) else x == y, (
                name, column, x, y)


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


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
        check_equivalent(name, build_frame(name, records), pydantic_build(name, model, records))  # untimed
        t_build = best(lambda name=name, rows=records: build_frame(name, rows), args.repeat)
        t_plain = best(lambda rows=records: pd.DataFrame.from_records(rows), args.repeat)
        t_pyd = best(lambda name=name, model=model, rows=records: pydantic_build(name, model, rows), args.repeat)
        ok_ratio = "ok" if t_build / t_plain <= 1.5 else "MISS"
        ok_pyd = "ok" if t_pyd / t_build >= 5 else "MISS"
        print(f"{name:<15}{n:>9,}{t_build:>9.3f}{n / t_build:>12,.0f}{t_build / t_plain:>11.2f}x {ok_ratio:<4}"
              f"{t_pyd / t_build:>8.1f}x {ok_pyd}")  # fmt: skip

    n = args.memory_rows
    records = contact_records(n, rng)
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
    """webhook events -> messages -> activities, cold then warm, against ``sentlab simulate`` run as a
    separate process on loopback with 80 ms latency (so the server never shares this process's GIL)."""
    import tempfile

    from _simulate import simulator_process

    from sentlab import SentClient
    from sentlab import _datasets as ds

    runs = []
    with (simulator_process("--latency", "80ms", "--contacts", "2000", "--messages", str(n_messages),
                            "--rate-limit", "off") as announced,
          tempfile.TemporaryDirectory() as directory,
          SentClient(announced["api_key"], base_url=announced["base_url"], pacing=None, progress=False) as client):  # fmt: skip
        store = ds.open_store(client, directory)
        for label in ("cold", "warm"):
            before = client.aio.stats.requests
            start = time.perf_counter()
            msgs = ds.messages(client, store, all_profiles=True)
            acts = ds.activities(client, store, ids=list(msgs.id))
            seconds = time.perf_counter() - start
            runs.append((label, seconds, client.aio.stats.requests - before, len(msgs), len(acts)))
    print("\nsentlab simulate (subprocess, loopback, 80 ms latency): webhook events -> messages -> activities")
    for label, seconds, requests, n_msgs, n_acts in runs:
        print(f"  {label}: {seconds:7.3f} s, {requests:5d} requests ({n_msgs:,} messages, {n_acts:,} activities)")
    (_, cold, _, _, _), (_, warm, warm_requests, _, _) = runs
    verdict = "ok" if warm_requests == 0 and cold / warm >= 50 else "MISS"
    print(f"  warm is {cold / warm:,.0f}x faster with {warm_requests} requests {verdict}")


if __name__ == "__main__":
    main()
