"""Hypothesis strategies for API records: any JSON under any key of a schema, and near-valid
webhook events and messages (mostly well-formed, with missing keys, nulls, extra keys and values
of the wrong type mixed in at every level), for the frame builders' property tests."""

from __future__ import annotations

from hypothesis import strategies as st

from sentlab._schemas import columns

from .examples import MESSAGE_BODY_DATA_MODELS

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                      st.floats(allow_nan=True), st.text(max_size=8),
                      st.sampled_from(["2026-04-08T15:54:52.1546567+00:00", "0.0450", "sms,whatsapp",
                                       "DELIVERED", "not a date"]))  # fmt: skip
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)  # fmt: skip


@st.composite
def records_for(draw, name):
    known = [c.name for c in columns(name)]
    nested = ["event_data", "payload", "message_body", "events", "activities", "status", "signing_secret", "brand",
              "billing_contact", "channel_scores", "useCases", "use_cases"]
    keys = st.sampled_from(known + nested) | st.text(min_size=1, max_size=6)
    return draw(st.lists(st.dictionaries(keys, json_value, max_size=12), max_size=6))


STAMP = st.sampled_from(["2026-04-08T15:54:52.1546567+00:00", "2026-04-08T15:54:52Z", "2026-04-08", "not a date"])
TEXT = st.one_of(st.none(), st.text(max_size=4), STAMP, st.sampled_from(["DELIVERED", "sms", "FAILED"]))
ODD_NUMBER = st.one_of(st.integers(-(2**70), 2**70), st.floats(), st.booleans())
NUMBER = st.one_of(st.none(), st.integers(-5, 600), st.sampled_from([1.0, 1.5, 0.0055]))


def rarely(common, rare):
    return st.integers(0, 19).flatmap(lambda pick: rare if pick == 0 else common)


EXTRA_KEYS = st.sampled_from(["surprise", "status", "payload", "field", "message_id", "payload_x",
                              "event_data_x", "valueKind", "body", "updated_at", "x"]) | st.text(max_size=3)  # fmt: skip


@st.composite
def mostly(draw, strategy):
    return draw(json_value if draw(st.integers(0, 39)) == 0 else strategy)  # garbage now and then


@st.composite
def record(draw, fields: dict) -> dict:
    out = {}
    for key, strategy in fields.items():
        if draw(st.integers(0, 9)) < 8:
            out[key] = draw(mostly(strategy))
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 9)) == 0 else 0):
        out[draw(EXTRA_KEYS)] = draw(json_value)
    return out


PAYLOAD = record({k: TEXT for k in ("message_id", "message_status", "channel", "template_id", "template_name",
                                    "outbound_number", "updated_at", "account_id", "body", "reason_code", "reason")})  # fmt: skip
ENVELOPE = record({"field": TEXT, "event": TEXT, "timestamp": TEXT, "request_id": TEXT,
                   "payload": st.one_of(PAYLOAD, st.none())})  # fmt: skip
EVENT_DATA = rarely(st.one_of(ENVELOPE, ENVELOPE, ENVELOPE, st.none(), st.just({"valueKind": "Undefined"})), PAYLOAD)
EVENT = record({**{k: TEXT for k in ("id", "webhook_id", "event_type", "delivery_status", "response_body",
                                     "error_message", "created_at", "processing_started_at",
                                     "processing_completed_at", "profile_id")},
                "http_status_code": rarely(NUMBER, ODD_NUMBER), "delivery_attempts": rarely(NUMBER, ODD_NUMBER), "event_data": EVENT_DATA})  # fmt: skip


MESSAGE_TEXT = ("id", "customer_id", "contact_id", "phone", "phone_international", "region_code", "channel",
                "direction", "template_id", "template_name", "template_category", "status", "created_at",
                "reason_code", "reason", "profile_id")  # fmt: skip
STATUS = st.one_of(TEXT, st.sampled_from(["QUEUED", "SENT", "READ", "FAILED"]))
MESSAGE_EVENT = rarely(record({"status": STATUS, "timestamp": TEXT, "description": TEXT}),
                       st.one_of(st.none(), json_value))  # fmt: skip
BUTTONS = st.one_of(st.none(), st.lists(json_value, max_size=2))
MESSAGE_BODY = rarely(record({"header": TEXT, "content": TEXT, "footer": TEXT, "body": TEXT, "buttons": BUTTONS}),
                      st.one_of(st.none(), json_value, st.just(MESSAGE_BODY_DATA_MODELS)))  # fmt: skip
MESSAGE_RECORD = record({
    **{k: TEXT for k in MESSAGE_TEXT},
    "price": rarely(NUMBER, st.sampled_from(["0.0450", "n/a", True])), "active_contact_price": NUMBER,
    "message_body": MESSAGE_BODY, "events": rarely(st.lists(MESSAGE_EVENT, max_size=4), json_value),
})  # fmt: skip

#: frame name -> a strategy for one near-valid record of it
NEAR_VALID = {"webhook_events": EVENT, "messages": MESSAGE_RECORD}
CHUNK = st.sampled_from([1, 2, 3, 1024])
