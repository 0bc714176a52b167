"""build_frame: docs' examples, both shapes of each contradiction, and garbage never crashing."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentlab
from sentlab._frames import build_frame, empty_frame
from sentlab._schemas import SCHEMAS, columns

from .examples import (
    ACTIVITIES,
    CONTACT,
    EVENT_DEGENERATE,
    EVENT_OLD_SHAPE,
    EXAMPLE_ROWS,
    EXAMPLES,
    MESSAGE,
    MESSAGE_BODY_DATA_MODELS,
    WEBHOOK,
    event,
)  # fmt: skip
from .strategies import records_for


def declared_dtypes(name: str) -> dict[str, str]:
    return {c.name: c.dtype for c in columns(name)}


def assert_schema(frame: pd.DataFrame, name: str) -> None:
    actual = {c: str(frame[c].dtype) for c in frame.columns}
    for column, dtype in declared_dtypes(name).items():
        assert actual[column] == dtype, (name, column, actual[column], dtype)
    assert list(frame.columns[: len(columns(name))]) == [c.name for c in columns(name)]


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_docs_examples_build_with_declared_dtypes(name):
    frame = build_frame(name, EXAMPLES[name])
    assert_schema(frame, name)
    assert len(frame) == EXAMPLE_ROWS.get(name, len(EXAMPLES[name]))


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_empty_input_gives_empty_frame_with_full_schema(name):
    frame = build_frame(name, [])
    assert frame.empty and len(frame.columns) == len(columns(name))
    assert_schema(frame, name)
    assert_schema(empty_frame(name), name)


def test_public_names_are_exported_lazily():
    assert sentlab.build_frame is build_frame
    table = sentlab.schema("messages")
    assert list(table.columns) == ["column", "dtype", "description"]
    assert table.set_index("column").loc["price", "dtype"] == "Float64"


def test_seven_digit_fractional_seconds_parse_exactly_to_utc():
    frame = build_frame("contacts", [CONTACT, {**CONTACT, "created_at": "2026-04-08T17:54:52.1+02:00"}])
    assert frame.created_at[0] == pd.Timestamp("2026-04-08T15:54:52.154656700Z")
    assert frame.created_at[1] == pd.Timestamp("2026-04-08T15:54:52.100Z")
    assert str(frame.created_at.dt.tz) == "UTC"
    assert frame.updated_at.isna().all()


def test_comma_separated_channels_become_lists_and_lists_stay_lists():
    frame = build_frame("contacts", [CONTACT, {**CONTACT, "available_channels": ["rcs"]},
                                     {**CONTACT, "available_channels": ""}, {**CONTACT, "available_channels": None}])  # fmt: skip
    assert frame.available_channels.tolist() == [["sms", "whatsapp"], ["rcs"], [], None]


def test_money_from_four_decimal_strings_and_numbers():
    acts = build_frame("activities", [ACTIVITIES])
    assert acts.price.tolist()[:3] == [0.045, 0.045, 0.045]
    assert acts.price.isna().tolist() == [False, False, False, True]  # QUEUED has no price
    msgs = build_frame("messages", [MESSAGE, {**MESSAGE, "price": "0.0100"}, {**MESSAGE, "price": "n/a"}])
    assert msgs.price.tolist()[:2] == [0.0055, 0.01] and msgs.price.isna()[2]


def test_activities_accept_endpoint_body_and_flat_rows():
    nested = build_frame("activities", [ACTIVITIES])
    flat = build_frame("activities", [{**a, "message_id": ACTIVITIES["message_id"]} for a in ACTIVITIES["activities"]])
    pd.testing.assert_frame_equal(nested, flat)
    assert nested.message_id.nunique() == 1 and nested.status[0] == "DELIVERED"


def test_degenerate_event_data_gives_nulls_not_an_error():
    frame = build_frame("webhook_events", [EVENT_DEGENERATE])
    assert frame.event_type[0] == "message.delivered" and frame.http_status_code[0] == 200
    for column in ("field", "message_id", "message_status", "channel", "outbound_number"):
        assert pd.isna(frame[column][0])
    assert not any(c.startswith("event_data_") for c in frame.columns)  # valueKind is dropped


def test_event_envelope_and_payload_are_flattened():
    frame = build_frame("webhook_events", [event(reason_code="INVALID_NUMBER", reason="Bad number")])
    row = frame.iloc[0]
    assert (row.field, row.event, row.request_id) == ("messages", "message.status_updated", "req_1")
    assert (row.message_id, row.message_status, row.channel) == ("m1", "DELIVERED", "sms")
    assert row.event_timestamp == pd.Timestamp("2026-04-08T13:55:02.1011577Z")
    assert (row.reason_code, row.reason) == ("INVALID_NUMBER", "Bad number")


def test_old_webhook_event_shape_maps_to_the_same_columns():
    frame = build_frame("webhook_events", [EVENT_OLD_SHAPE, event()])
    assert frame.delivery_status.tolist() == ["delivered", "delivered"]
    assert frame.http_status_code.tolist() == [200, 200]
    assert frame.message_id.tolist() == ["m1", "m1"]
    assert frame.message_status.tolist() == ["SENT", "DELIVERED"]
    assert "status" not in frame.columns and "payload" not in frame.columns


def test_unknown_fields_are_kept_at_every_level():
    template_event = event()
    template_event["event_data"] = {"field": "templates", "event": "template.approved", "brand_new": 1,
                                    "payload": {"template_id": "t1", "status": "APPROVED", "whatsapp_template_id": "w"}}  # fmt: skip
    frame = build_frame("webhook_events", [template_event, {**event(), "surprise": "x"}])
    assert frame.payload_status[0] == "APPROVED" and frame.payload_whatsapp_template_id[0] == "w"
    assert frame.event_data_brand_new[0] == 1 and frame.surprise[1] == "x"
    assert frame.template_id[0] == "t1"


def test_message_body_both_shapes():
    frame = build_frame("messages", [MESSAGE, {**MESSAGE, "message_body": MESSAGE_BODY_DATA_MODELS}])
    assert frame.body[0].startswith("Welcome to our service")
    assert (frame.body[1], frame.body_header[1], frame.body_footer[1]) == (
        "Your code is 123456", "Acme", "Reply STOP to opt out")
    assert frame.body_buttons[1][0]["url"] == "https://example.com"
    assert "message_body" not in frame.columns


def test_message_events_give_status_times_and_updated_at():
    frame = build_frame("messages", [MESSAGE])
    assert frame.queued_at[0] == pd.Timestamp("2026-04-08T13:54:52.1007154Z")
    assert frame.delivered_at[0] == frame.updated_at[0] == pd.Timestamp("2026-04-08T13:55:02.1011577Z")
    assert pd.isna(frame.read_at[0]) and pd.isna(frame.failed_at[0])


def test_unknown_statuses_are_kept_as_categories():
    frame = build_frame("messages", [MESSAGE, {**MESSAGE, "status": "CANCELLED", "events": [{"status": "FILTERED"}]}])
    assert frame.status.tolist() == ["DELIVERED", "CANCELLED"]
    assert set(frame.status.cat.categories) == {"DELIVERED", "CANCELLED"}


def test_signing_secret_never_reaches_a_frame():
    frame = build_frame("webhooks", [{**WEBHOOK, "signing_secret": "whsec_c2VjcmV0"}, WEBHOOK])
    assert "signing_secret" not in frame.columns
    assert frame.has_signing_secret.tolist()[0] and pd.isna(frame.has_signing_secret[1])


def test_records_missing_keys_and_differing_key_order():
    shuffled = dict(reversed(list(CONTACT.items())))
    partial = {"id": "c2", "opt_out": True}
    frame = build_frame("contacts", [CONTACT, shuffled, partial])
    assert frame.id.tolist() == [CONTACT["id"], CONTACT["id"], "c2"]
    assert frame.opt_out.tolist() == [False, False, True]
    assert pd.isna(frame.region_code[2]) and frame.available_channels[2] is None


def test_wrong_types_become_nulls():
    bad = {"id": 5, "opt_out": "maybe", "created_at": 1712345678, "region_code": {"x": 1},
           "available_channels": 7, "is_inherited": "true"}  # fmt: skip
    frame = build_frame("contacts", [bad])
    assert frame.id[0] == "5" and pd.isna(frame.opt_out[0]) and pd.isna(frame.created_at[0])
    assert bool(frame.is_inherited[0]) and frame.available_channels[0] == [7]


# --------------------------------------------------------------------------- property


@pytest.mark.parametrize("name", list(SCHEMAS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_records_build_with_the_declared_dtypes(name, data):
    records = data.draw(records_for(name))
    frame = build_frame(name, records)
    assert_schema(frame, name)
    if name not in ("activities", "contact_summaries"):  # one row per activity / per channel score
        assert len(frame) == len(records)
