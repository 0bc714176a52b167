"""build_frame's quick paths against the general ones they shortcut: the same frame on the docs'
examples, the benchmark data, both message_body shapes and hypothesis-generated records,
well-formed or not.

The general paths: ``_build_slow`` (none of the Arrow fast paths of webhook events and messages),
the per-event loop of ``_status_times`` (``_ARROW_STATUS_TIMES`` off), and the plain reading of
``message_body`` below. The fast paths read the records in chunks: their size is drawn too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentlab import _record_columns
from sentlab._frames import _build_slow, build_frame

from ..kit import RECORDS
from .chunks import chunk_size
from .examples import EVENT_OLD_SHAPE, EXAMPLES, MESSAGE, MESSAGE_BODY_DATA_MODELS, event
from .strategies import (
    CHUNK,
    EVENT,
    MESSAGE_RECORD,
    NUMBER,
    TEXT,
    json_value,
    mostly,
    rarely,
    record,
    records_for,
)

NAMES = ("messages", "webhook_events", "activities")


def plain_body_columns(bodies: list) -> tuple[Any, Any, Any, Any, Any, Any]:
    """``message_body`` read the plain way, one value at a time: the reference."""
    mbs = _record_columns._mappings(bodies)
    content = [mb["content"] if "content" in mb else mb.get("body") for mb in mbs]
    header = [h.get("content") if isinstance(h, dict) else h for h in [mb.get("header") for mb in mbs]]
    footer = [f.get("content") if isinstance(f, dict) else f for f in [mb.get("footer") for mb in mbs]]
    plain = ([mb.get(key) for mb in mbs] for key in ("buttons", "subject", "media"))
    return content, header, footer, *plain


@contextmanager
def general_paths() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_record_columns, "_body_columns", plain_body_columns)
        patch.setattr(_record_columns, "_ARROW_STATUS_TIMES", False)
        yield


def same(name: str, records: list, chunk: int | None = None) -> None:
    with chunk_size(chunk):
        actual = build_frame(name, records)
    with general_paths():
        expected = _build_slow(name, records)
    pd.testing.assert_frame_equal(actual, expected)


@pytest.mark.parametrize("name", NAMES)
def test_docs_examples_and_benchmark_data(name):
    same(name, EXAMPLES[name])
    records = RECORDS[name](3000, random.Random(1))
    same(name, records)
    same(name, records[:40], chunk=7)


def test_message_body_shapes_and_flat_fields():
    endpoint = MESSAGE["message_body"]
    same("messages", [MESSAGE, {**MESSAGE, "message_body": MESSAGE_BODY_DATA_MODELS}])
    same("messages", [{**MESSAGE, "message_body": MESSAGE_BODY_DATA_MODELS}])
    cases = [
        {**endpoint, "content": None, "body": "from body"},  # present-but-None content wins over body
        {k: v for k, v in endpoint.items() if k != "content"} | {"body": "from body"},
        {"header": {"content": None}, "footer": "plain", "buttons": []},
        {"header": {"type": "TEXT"}, "footer": {"content": 5}, "content": 7},
        {"content": float("nan"), "body": "b"},
        {}, None, "text", {"valueKind": "Undefined"}, [1, 2],
    ]  # fmt: skip
    for body in cases:
        same("messages", [MESSAGE, {**MESSAGE, "message_body": body}])
        same("messages", [{**MESSAGE, "message_body": body}])
    same("messages", [{**MESSAGE, "body": "flat", "body_header": None}, {**MESSAGE, "body": None}])


def test_message_events_corner_cases():
    q = {"status": "QUEUED", "timestamp": "2026-04-08T13:54:52.1007154+00:00"}
    cases = [
        [], None, "x", [None], [q, None], [q, "QUEUED"], [{"status": "QUEUED"}], [{"timestamp": q["timestamp"]}],
        [{**q, "timestamp": None}], [{**q, "timestamp": "not a date"}], [{**q, "status": 5}],
        [{**q, "status": ["QUEUED"]}], [{**q, "timestamp": 17}], [{**q, "extra": {"x": 1}}],
        [{**q, "timestamp": "2026-04-08"}], [{**q, "timestamp": "9999-12-31T00:00:00+00:00"}],
        [{**q, "status": None}], [q, {**q, "status": "FAILED", "timestamp": "2026-04-08T13:54:53Z"}],
    ]  # fmt: skip
    for evs in cases:
        same("messages", [MESSAGE, {**MESSAGE, "events": evs}])
        same("messages", [{**MESSAGE, "events": evs}])
    same("messages", [{k: v for k, v in MESSAGE.items() if k != "events"}])


def test_webhook_event_shapes():
    same("webhook_events", [EVENT_OLD_SHAPE, event()])
    same("webhook_events", [{**event(), "event_data": {"message_id": "bare"}}, event()])


# --------------------------------------------------------------------------- property

MESSAGE_EVENT = record({"status": st.one_of(TEXT, st.sampled_from(["QUEUED", "SENT", "READ"])),
                        "timestamp": TEXT, "description": TEXT})  # fmt: skip
BODY = st.one_of(
    record({"header": TEXT, "content": TEXT, "footer": TEXT, "buttons": st.one_of(st.none(), st.lists(json_value, max_size=2))}),
    record({"body": TEXT, "header": st.one_of(TEXT, record({"type": TEXT, "content": TEXT})),
            "footer": st.one_of(TEXT, record({"content": TEXT})), "buttons": st.lists(json_value, max_size=2)}),
    st.none(),
)  # fmt: skip
FLAT_MESSAGE_RECORD = record({
    **{k: TEXT for k in ("id", "customer_id", "contact_id", "phone", "region_code", "template_id", "channel",
                         "status", "created_at", "body")},
    "price": rarely(NUMBER, st.sampled_from(["0.0450", "n/a"])), "active_contact_price": NUMBER,
    "message_body": BODY, "events": st.one_of(st.lists(MESSAGE_EVENT, max_size=4), st.none()),
})  # fmt: skip
ACTIVITY = record({"message_id": TEXT, "status": TEXT, "description": TEXT, "timestamp": TEXT,
                   "price": rarely(NUMBER, st.sampled_from(["0.0450", "x"])), "profile_id": TEXT})  # fmt: skip
ACTIVITY_RECORD = st.one_of(ACTIVITY, record({"message_id": TEXT, "profile_id": TEXT,
                                              "activities": st.lists(mostly(ACTIVITY), max_size=3)}))  # fmt: skip
# Flat body fields (FLAT_MESSAGE_RECORD) send a batch down the general path; MESSAGE_RECORD
# (from test_arrow_fast_path) mostly takes the fast one.
SHAPES = {"messages": st.one_of(FLAT_MESSAGE_RECORD, MESSAGE_RECORD), "webhook_events": EVENT,
          "activities": ACTIVITY_RECORD}  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_same_frame_on_near_valid_records(name, data):
    same(name, data.draw(st.lists(SHAPES[name], min_size=1, max_size=6)), data.draw(CHUNK))


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_same_frame_on_garbage(name, data):
    same(name, data.draw(records_for(name)), data.draw(CHUNK))


def test_clock_words_are_not_timestamps():
    """pandas reads "now" and "today" as the current time; a frame reads them as no time (both paths alike)."""
    same("webhook_events", [{**event(), "processing_completed_at": "now", "created_at": " Today "}])
    frame = build_frame("webhook_events", [{**event(), "processing_completed_at": "now"}])
    assert frame["processing_completed_at"].isna().all()
