"""The messages frame from webhook events alone, and merging per-message details into it."""

from __future__ import annotations

import pandas as pd

from sentlab._frames import build_frame, merge_message_details, messages_from_events
from sentlab._schemas import columns

from .examples import EVENT_DEGENERATE, MESSAGE, TEMPLATE, event

MID = MESSAGE["id"]


def events_frame(*records):
    return build_frame("webhook_events", list(records))


def test_latest_status_per_message_wins_even_when_events_arrive_out_of_order():
    ev = events_frame(
        event("m1", "DELIVERED", "2026-04-08T10:00:10+00:00", "e3"),
        event("m1", "QUEUED", "2026-04-08T10:00:00+00:00", "e1"),
        event("m1", "SENT", "2026-04-08T10:00:05+00:00", "e2"),
        event("m2", "FAILED", "2026-04-08T11:00:00+00:00", "e4", number="+447700900123",
              reason_code="UNREACHABLE", reason="Handset off"),
        EVENT_DEGENERATE,
    )  # fmt: skip
    msgs = messages_from_events(ev).set_index("id")
    assert msgs.loc["m1", "status"] == "DELIVERED" and msgs.loc["m2", "status"] == "FAILED"
    assert msgs.loc["m1", "queued_at"] == pd.Timestamp("2026-04-08T10:00:00Z")
    assert msgs.loc["m1", "sent_at"] == pd.Timestamp("2026-04-08T10:00:05Z")
    assert msgs.loc["m1", "created_at"] == msgs.loc["m1", "queued_at"]
    assert msgs.loc["m1", "updated_at"] == msgs.loc["m1", "delivered_at"]
    assert (msgs.loc["m2", "reason_code"], msgs.loc["m2", "reason"]) == ("UNREACHABLE", "Handset off")
    assert msgs.loc["m1", "region_code"] == "US" and msgs.loc["m2", "region_code"] == "GB"
    assert pd.isna(msgs.loc["m1", "price"]) and set(msgs.source) == {"events"}
    assert len(msgs) == 2  # the degenerate event has no message


def test_same_timestamp_ties_break_by_status_order_and_duplicates_collapse():
    stamp = "2026-04-08T10:00:00+00:00"
    ev = events_frame(event("m1", "READ", stamp, "a"), event("m1", "DELIVERED", stamp, "b"),
                      event("m1", "READ", stamp, "a2"))  # fmt: skip
    msgs = messages_from_events(ev)
    assert msgs.status.tolist() == ["READ"] and len(msgs) == 1


def test_unknown_status_does_not_break_and_event_type_fills_a_missing_status():
    no_status = event("m2", "SENT", "2026-04-08T10:00:00+00:00", "x")
    del no_status["event_data"]["payload"]["message_status"]
    ev = events_frame(event("m1", "CANCELLED", "2026-04-08T10:00:00+00:00", "c"), no_status)
    msgs = messages_from_events(ev).set_index("id")
    assert msgs.loc["m1", "status"] == "CANCELLED" and msgs.loc["m2", "status"] == "SENT"


def test_messages_frame_has_the_schema_and_template_category_from_templates():
    msgs = messages_from_events(events_frame(event()), build_frame("templates", [TEMPLATE]))
    for column in columns("messages"):
        assert str(msgs[column.name].dtype) == column.dtype, column.name
    assert msgs.template_category[0] == "MARKETING"


def test_no_events_gives_an_empty_messages_frame():
    assert messages_from_events(events_frame()).empty
    assert messages_from_events(events_frame(EVENT_DEGENERATE)).empty


def test_merge_fills_prices_and_appends_messages_without_events():
    ev = events_frame(event(MID, "SENT", "2026-04-08T13:54:57.101135+00:00", "e1"), event("m9", "READ"))
    frame = merge_message_details(messages_from_events(ev), [MESSAGE, {**MESSAGE, "id": "only-details"}])
    merged = frame.set_index("id")
    assert merged.loc[MID, "price"] == 0.0055 and merged.loc[MID, "active_contact_price"] == 0.015
    assert merged.loc[MID, "status"] == "DELIVERED"  # details saw a later status change
    assert merged.loc[MID, "contact_id"] == MESSAGE["contact_id"]
    assert merged.loc[MID, "source"] == "events+details" and merged.loc["m9", "source"] == "events"
    assert merged.loc["only-details", "source"] == "details"
    assert pd.isna(merged.loc["m9", "price"])
    for column in columns("messages"):
        assert str(frame[column.name].dtype) == column.dtype, column.name


def test_merge_keeps_the_newer_event_status():
    read_later = event(MID, "READ", "2026-04-08T14:00:00+00:00", "e9")
    merged = merge_message_details(messages_from_events(events_frame(read_later)), [MESSAGE])
    row = merged.set_index("id").loc[MID]
    assert row.status == "READ" and row.read_at == pd.Timestamp("2026-04-08T14:00:00Z")
    assert row.delivered_at == pd.Timestamp("2026-04-08T13:55:02.1011577Z") and row.price == 0.0055


def test_merge_into_empty_and_with_nothing():
    empty = messages_from_events(events_frame())
    assert merge_message_details(empty, [MESSAGE]).source.tolist() == ["details"]
    assert merge_message_details(empty, []).empty
