"""The Arrow fast paths of build_frame (webhook_events, messages) against the general builder
they shortcut (``_build_slow``): the same frame on every input, well-formed or not, whatever the
size of the chunks the fast paths read the records in."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentlab._frames import _FAST_PATHS, _build_slow, build_frame

from ..kit import RECORDS
from .chunks import chunk_size
from .examples import (
    EVENT_DEGENERATE,
    EVENT_OLD_SHAPE,
    EXAMPLES,
    MESSAGE,
    MESSAGE_BODY_DATA_MODELS,
    event,
)
from .strategies import CHUNK, NEAR_VALID, records_for


def same(name: str, records: list, chunk: int | None = None) -> None:
    with chunk_size(chunk):
        actual = build_frame(name, records)
    pd.testing.assert_frame_equal(actual, _build_slow(name, records))


def fast_ran(name: str, records: list, chunk: int | None = None) -> bool:
    with chunk_size(chunk):
        return _FAST_PATHS[name]([dict(r) for r in records]) is not None


@pytest.mark.parametrize("name", sorted(_FAST_PATHS))
def test_docs_examples_and_benchmark_data(name):
    same(name, EXAMPLES[name])
    assert fast_ran(name, EXAMPLES[name])
    records = RECORDS[name](3000, random.Random(1))
    same(name, records)
    assert fast_ran(name, records)
    same(name, records[:50], chunk=7)  # chunks of other sizes, the last one short
    assert fast_ran(name, records[:50], chunk=7)


def test_accepted_shapes():
    same("webhook_events", [EVENT_OLD_SHAPE, event()])
    same("webhook_events", [EVENT_OLD_SHAPE])
    same("webhook_events", [EVENT_DEGENERATE])
    assert fast_ran("webhook_events", [EVENT_DEGENERATE, event(), event(reason_code="X", reason="y")])


def test_extras_and_layout_corner_cases():
    template_event = event()
    template_event["event_data"] = {"field": "templates", "event": "template.approved", "brand_new": 1,
                                    "payload": {"template_id": "t1", "status": "APPROVED", "whatsapp_template_id": "w"}}  # fmt: skip
    cases = [
        [template_event, {**event(), "surprise": "x"}],
        [event(), {**event(), "event_data": None}, {**event(), "event_data": {"field": "messages", "payload": None}}],
        [{**event(), "event_data": {"message_id": "bare"}}, event()],  # the old shape's bare payload
        [{**event(), "event_data": {"field": None, "payload": {"message_id": "m"}}}],
        [{**event(), "http_status_code": 200.0}, {**event(), "http_status_code": 1.5}, {**event(), "delivery_attempts": True}],
        [{**event(), "http_status_code": "200"}, {**event(), "id": 5}, {**event(), "message_id": "top"}],
        [{**event(), "payload_status": "x"}, {**event(), "event_data_x": 1}],
        [{"id": "only"}, {}],
        [{**event(), "http_status_code": 2**60}, {**event(), "http_status_code": float("nan")}],
    ]  # fmt: skip
    for records in cases:
        same("webhook_events", records)
        same("webhook_events", records, chunk=1)
    assert fast_ran("webhook_events", cases[0]) and fast_ran("webhook_events", cases[1])


def test_chunks_that_differ():
    # Each chunk (2 rows) holds other keys: an extra key in one chunk only, keys holding null in
    # another (the key counts then differ there only), fields no dict of a chunk holds, and
    # categories that change from chunk to chunk.
    extra_envelope = event(event_id="e3", status="READ")
    extra_envelope["event_data"] = {**extra_envelope["event_data"], "brand_new": "x"}
    null_payload = event(event_id="e5", status="FAILED", reason_code=None, reason=None)
    events = [
        event(event_id="e1"), {**event(event_id="e2", status="SENT"), "profile_id": "p1"},
        extra_envelope, event(event_id="e4", status="QUEUED", payload_extra=1),
        null_payload, {**event(event_id="e6"), "surprise": 2}, EVENT_DEGENERATE,
    ]  # fmt: skip
    for chunk in (1, 2, 3):
        same("webhook_events", events, chunk)
        assert fast_ran("webhook_events", events, chunk)
    no_events = {k: v for k, v in MESSAGE.items() if k != "events"}
    messages = [
        MESSAGE, {**MESSAGE, "id": "m2", "status": "FAILED", "reason_code": "X", "channel": "whatsapp"},
        {**MESSAGE, "id": "m3", "surprise": [1]}, no_events,
        {**MESSAGE, "price": "0.0450", "active_contact_price": None},
        {**MESSAGE, "message_body": {"body": "from body", "header": None}},
        {**MESSAGE, "message_body": None, "events": None}, {"id": "bare"},
    ]  # fmt: skip
    for chunk in (1, 2, 3):
        same("messages", messages, chunk)
        assert fast_ran("messages", messages, chunk)


def test_message_shapes_left_to_the_general_path():
    cases = [
        [{**MESSAGE, "message_body": MESSAGE_BODY_DATA_MODELS}],  # header and footer as objects
        [{**MESSAGE, "body": "flat"}], [{**MESSAGE, "updated_at": "2026-04-08T13:55:02Z"}],
        [{**MESSAGE, "events": [("2026-04-08T13:54:52Z", "QUEUED")]}],  # a tuple: Arrow reads it as an event
        [{**MESSAGE, "events": (MESSAGE["events"][0],)}], [{**MESSAGE, "message_body": ("a", "b", "c", "d")}],
        [{**MESSAGE, "id": 5}], [MESSAGE, {**MESSAGE, "events": "x"}],
    ]  # fmt: skip
    for records in cases:
        same("messages", records)
        assert not fast_ran("messages", records), records


# --------------------------------------------------------------------------- property
# Mostly well-formed records (so the fast path is taken), with missing keys, nulls, extra keys
# and values of the wrong type mixed in at every level (tests/frames/strategies.py).


@pytest.mark.parametrize("name", sorted(NEAR_VALID))
def test_fast_path_equals_general_builder_on_near_valid_records(name):
    taken = []

    # derandomize: the share of fast-path batches below must not depend on the run's luck
    @settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(records=st.lists(NEAR_VALID[name], min_size=1, max_size=6), chunk=CHUNK)
    def check(records, chunk):
        same(name, records, chunk)
        taken.append(fast_ran(name, records, chunk))

    check()
    # Guard against comparing the general path with itself: most batches take the fast path.
    assert sum(taken) >= len(taken) // 4, (sum(taken), len(taken))


@pytest.mark.parametrize("name", sorted(NEAR_VALID))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_equals_general_builder_on_garbage(name, data):
    same(name, data.draw(records_for(name)), data.draw(CHUNK))
