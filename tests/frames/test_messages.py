"""The messages frame from webhook events alone, and merging per-message details into it."""

from __future__ import annotations

import pandas as pd

from sentlab._frames import _build_slow, build_frame, merge_message_details, messages_from_events
from sentlab._schemas import columns

from .examples import EVENT_DEGENERATE, MESSAGE, TEMPLATE, event, inbound_event

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


def test_an_inbound_message_is_a_row_of_its_own_with_the_contacts_number():
    ev = events_frame(inbound_event(), event("m1", "DELIVERED", "2026-04-08T14:00:00+00:00", "e1"))
    msgs = messages_from_events(ev).set_index("id")
    row = msgs.loc["in1"]
    assert (row.direction, row.status, row.body) == ("inbound", "RECEIVED", "Yes please")
    # the payload's outbound_number is the account's own number: the contact's is inbound_number
    assert (row.phone, row.region_code) == ("+447700900123", "GB")
    assert row.created_at == row.updated_at == pd.Timestamp("2026-04-08T14:10:00Z")
    assert pd.isna(row.template_id) and pd.isna(row.price)
    assert msgs.loc["m1", "direction"] == "outbound" and msgs.loc["m1", "phone"] == "+14155551234"


def test_the_sdks_family_name_and_the_2024_docs_name_read_alike():
    sdk = messages_from_events(events_frame(inbound_event(field="message")))
    docs = messages_from_events(events_frame(inbound_event(field="messages")))
    pd.testing.assert_frame_equal(sdk, docs)


def test_the_inbound_payload_and_a_hold_are_flattened_into_the_events_frame():
    held = event("m1", "SCHEDULED", "2026-04-08T10:00:00+00:00", "s1", scheduled_at="2026-04-08T22:00:00+00:00",
                 schedule_reason="quiet_hours", agent_id="a-1")  # fmt: skip
    for build in (build_frame, _build_slow):  # the Arrow reader and the general one agree
        frame = build("webhook_events", [inbound_event(), held]).set_index("id")
        inbound = frame.loc["e-in"]
        assert (inbound.inbound_number, inbound.outbound_number, inbound.text) == ("+447700900123", "+14155550100",
                                                                                    "Yes please")  # fmt: skip
        assert inbound.received_at == pd.Timestamp("2026-04-08T14:10:00Z") and inbound.field == "message"
        assert frame.loc["s1", "scheduled_at"] == pd.Timestamp("2026-04-08T22:00:00Z")
        assert frame.loc["s1", "schedule_reason"] == "quiet_hours" and frame.loc["s1", "payload_agent_id"] == "a-1"
        for column in columns("webhook_events"):
            assert str(frame.reset_index()[column.name].dtype) == column.dtype, column.name


def test_a_send_stopped_by_the_platform_has_its_reason():
    ev = events_frame(
        event("f1", "QUEUED", "2026-04-08T10:00:00+00:00", "a"),
        event("f1", "PROCESSED", "2026-04-08T10:00:01+00:00", "b"),
        event("f1", "FILTERED", "2026-04-08T10:00:01.2+00:00", "c", reason_code="BUSINESS_004",
              reason="The contact has opted out of messaging"),
        event("b1", "QUEUED", "2026-04-08T10:00:00+00:00", "d"),
        event("b1", "BLOCKED", "2026-04-08T10:00:00.3+00:00", "e", reason_code="BUSINESS_030",
              reason="No active 10DLC campaign covers US SMS from this sender"),
    )  # fmt: skip
    msgs = messages_from_events(ev).set_index("id")
    assert msgs.loc["f1", ["status", "reason_code"]].tolist() == ["FILTERED", "BUSINESS_004"]
    assert msgs.loc["b1", ["status", "reason_code"]].tolist() == ["BLOCKED", "BUSINESS_030"]


def test_a_hold_moved_by_quiet_hours_then_released_ends_as_sent():
    ev = events_frame(
        event("h1", "QUEUED", "2026-04-08T10:00:00+00:00", "a"),
        event("h1", "SCHEDULED", "2026-04-08T10:00:00.2+00:00", "b", schedule_reason="scheduled"),
        event("h1", "SCHEDULED", "2026-04-08T22:00:00+00:00", "c", schedule_reason="quiet_hours"),  # moved
        event("h1", "PROCESSED", "2026-04-09T08:00:01+00:00", "d"),
        event("h1", "ROUTED", "2026-04-09T08:00:01.5+00:00", "e"),
        event("h1", "SENT", "2026-04-09T08:00:03+00:00", "f"),
        event("c1", "QUEUED", "2026-04-08T10:00:00+00:00", "g"),
        event("c1", "SCHEDULED", "2026-04-08T10:00:00.2+00:00", "h"),
        event("c1", "CANCELLED", "2026-04-08T12:00:00+00:00", "i"),
    )  # fmt: skip
    msgs = messages_from_events(ev).set_index("id")
    assert msgs.loc["h1", "status"] == "SENT" and msgs.loc["h1", "sent_at"] == pd.Timestamp("2026-04-09T08:00:03Z")
    assert msgs.loc["h1", "created_at"] == pd.Timestamp("2026-04-08T10:00:00Z")
    assert msgs.loc["c1", "status"] == "CANCELLED" and pd.isna(msgs.loc["c1", "reason_code"])


def test_a_resent_message_keeps_no_reason_from_its_failed_attempt():
    ev = events_frame(
        event("r1", "FAILED", "2026-04-08T10:00:05+00:00", "a", reason_code="DELIVERY_001", reason="Unreachable"),
        event("r1", "QUEUED", "2026-04-08T11:00:00+00:00", "b"),
        event("r1", "DELIVERED", "2026-04-08T11:00:09+00:00", "c"),
    )  # fmt: skip
    row = messages_from_events(ev).set_index("id").loc["r1"]
    assert row.status == "DELIVERED" and pd.isna(row.reason_code) and pd.isna(row.reason)
    assert row.failed_at == pd.Timestamp("2026-04-08T10:00:05Z")  # the attempt still shows in its time


def test_merge_takes_a_fan_outs_results_mapping_as_its_records():
    ev = events_frame(event(MID, "SENT", "2026-04-08T13:54:57.101135+00:00", "e1"))
    from_mapping = merge_message_details(messages_from_events(ev), {MID: MESSAGE})
    from_records = merge_message_details(messages_from_events(ev), [MESSAGE])
    pd.testing.assert_frame_equal(from_mapping, from_records)
    assert from_mapping["id"].tolist() == [MID]  # no row made of the mapping's keys
