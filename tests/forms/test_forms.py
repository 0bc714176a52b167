"""The form controllers against the in-process simulator: local checks, sandbox, confirmation, idempotency."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sentlab import (
    ConfigurationError,
    DuplicateSendError,
    InvalidNumberError,
    LookupController,
    NotFoundError,
    SendController,
    ServerError,
    ValidationError,
    check_numbers,
)
from sentlab._config import NO_RETRIES
from sentlab._phone import split_numbers
from tests import kit
from tests.kit import filled, sms_only_contact

# -- numbers ------------------------------------------------------------------------------------


def test_numbers_are_split_on_commas_semicolons_and_new_lines_but_not_spaces():
    assert split_numbers("+1 415 555 0123, +447911123456;\n\n+5511912345678\n") == [
        "+1 415 555 0123", "+447911123456", "+5511912345678",
    ]  # fmt: skip
    assert split_numbers(["+14155550123", 14155550124]) == ["+14155550123", "14155550124"]
    assert split_numbers(None) == []


def test_numbers_are_read_into_e164_once_each():
    checked = check_numbers("+1 (415) 555-0123, 0044 20 7946 0958, tel:+14155550123, (415) 555-0124",
                            region="us")  # fmt: skip
    assert checked.numbers == ("+14155550123", "+442079460958", "+14155550124")
    assert checked.duplicates == 1 and checked.ok
    assert checked.typed["+14155550124"] == "(415) 555-0124"
    assert checked.describe() == "3 numbers ready (1 duplicate ignored)"


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("4155550123", "has no country code"),
        ("+1415555", "too short for +1"),
        ("+14155550123999", "too long for +1"),
        ("+999123456789", "country code"),
        ("hello", "cannot be read"),
        ("+1 999 555 0123", "not a number in use"),
    ],
)
def test_each_bad_number_says_what_to_fix(typed, says):
    checked = check_numbers(typed)
    assert not checked.numbers
    assert says in checked.problems[typed]


def test_an_unassigned_range_passes_when_not_strict_and_a_bad_region_is_refused():
    assert check_numbers("+1 999 555 0123", strict=False).numbers == ("+19995550123",)
    with pytest.raises(ConfigurationError, match="region 'XX'"):
        check_numbers("+14155550123", region="XX")


# -- templates ----------------------------------------------------------------------------------


def test_only_approved_templates_are_offered_and_their_variables_become_parameters(lab):
    form = SendController(lab)
    records = lab.api.templates()
    approved = {t["name"] for t in records if t["status"] == "APPROVED"}
    assert {label for label, _ in form.template_options} == approved
    assert len(form.templates) == len(records)  # the typed frame keeps them all
    form.select_template("spring_sale")
    assert form.variables == ["name", "discount", "link"]
    assert form.parameters == {"name": "", "discount": "", "link": ""}
    form.set_parameters(name="Ada", discount="20%")
    form.select_template("order_confirmation")
    assert form.parameters == {"name": "Ada", "order_id": ""}  # a shared variable keeps its value
    assert form.channel_options == ["sms", "whatsapp", "rcs"]


def test_an_unapproved_unknown_or_foreign_template_is_refused_with_the_reason(lab):
    form = SendController(lab)
    with pytest.raises(ConfigurationError, match="'summer_preview' is PENDING"):
        form.select_template("summer_preview")
    with pytest.raises(ConfigurationError, match=r"no template 'nope' here.*order_confirmation"):
        form.select_template("nope")
    with pytest.raises(ConfigurationError, match="has no variable 'colour'"):
        form.set_parameter("colour", "red")


def test_a_template_can_be_chosen_by_id(lab):
    template_id = next(t["id"] for t in lab.api.templates() if t["name"] == "login_code")
    form = SendController(lab, template=template_id)
    assert form.template["name"] == "login_code" and form.variables == ["code"]


# -- sending ------------------------------------------------------------------------------------


def test_a_send_is_validated_in_the_sandbox_by_default(lab, recorder):
    form = filled(lab)
    assert form.sandbox and not form.live
    submission = form.submit()
    assert submission.state == "validated" and submission.done
    (call,) = recorder.sends()
    body = json.loads(call["body"])
    assert body["sandbox"] is True and body["to"] == ["+14155550123"]
    assert body["template"]["parameters"] == {"name": "Ada", "order_id": "A-1001"}
    assert call["response_headers"]["x-sandbox"] == "true"  # the simulator says it was a sandbox send
    assert call["headers"]["idempotency-key"] == submission.idempotency_key
    (message_id,) = submission.message_ids
    with pytest.raises(NotFoundError):
        lab.api.message(message_id)  # nothing was created
    assert submission.recipients().loc[0, "body"] == "Hi Ada, your order A-1001 has been confirmed."


def test_invalid_numbers_never_reach_the_server(lab, recorder):
    form = filled(lab)
    form.set_recipients("+14155550123\n4155550124\n+1415555")
    with pytest.raises(InvalidNumberError) as caught:
        form.submit()
    assert set(caught.value.problems) == {"4155550124", "+1415555"}
    assert "'4155550124' has no country code" in str(caught.value)
    assert "nothing was sent" in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)
    assert recorder.sends() == []
    assert form.history.empty


def test_national_numbers_are_sent_in_e164_with_a_region(lab, recorder):
    form = filled(lab, region="US")
    form.set_recipients("(415) 555-0123")
    form.submit()
    assert recorder.send_bodies()[0]["to"] == ["+14155550123"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda f: f.set_parameter("order_id", " "), "order_id is empty"),
        (lambda f: f.set_recipients(""), "at least one recipient"),
        (lambda f: f.set_channels("mms"), "cannot go on mms"),
        (lambda f: f.set_recipients([f"+1415555{i:04d}" for i in range(1001)]), "at most 1000"),
    ],
)
def test_an_incomplete_form_fails_locally(lab, recorder, change, says):
    form = filled(lab)
    change(form)
    with pytest.raises(ConfigurationError, match=says):
        form.submit()
    assert recorder.sends() == []


def test_a_sandbox_only_form_cannot_go_live(lab):
    form = filled(lab)
    with pytest.raises(ConfigurationError, match="live=True"):
        form.sandbox = False
    assert form.sandbox and form.notice()[0] == "info"


def test_a_live_send_needs_the_opt_in_and_a_confirmation(lab, recorder):
    form = filled(lab, live=True)
    assert not form.sandbox and form.notice()[0] == "danger" and "LIVE" in form.notice()[1]
    pending = form.submit()
    assert pending.state == "awaiting_confirmation" and form.pending is pending
    assert "LIVE: send 1 real message" in pending.summary()
    assert recorder.sends() == []  # nothing before the confirmation
    sent = form.confirm()
    assert sent is pending and sent.state == "sent"
    (body,) = recorder.send_bodies()
    assert body["sandbox"] is False
    assert "x-sandbox" not in recorder.sends()[0]["response_headers"]
    assert lab.api.message(sent.message_ids[0])["status"]  # the message exists
    assert form.history.loc[0, "sandbox"] == False  # noqa: E712 - a nullable boolean
    with pytest.raises(ConfigurationError, match="nothing to confirm"):
        form.confirm()


def test_a_live_form_can_still_validate_in_the_sandbox(lab, recorder):
    form = filled(lab, live=True)
    form.sandbox = True
    assert form.notice()[0] == "warning"
    assert form.submit().state == "validated"
    assert recorder.send_bodies()[0]["sandbox"] is True


def test_changing_the_form_or_cancelling_withdraws_a_confirmation(lab, recorder):
    form = filled(lab, live=True)
    form.submit()
    form.set_parameter("name", "Grace")  # what was shown is no longer what would be sent
    assert form.pending is None
    with pytest.raises(ConfigurationError, match="nothing to confirm"):
        form.confirm()
    form.submit()
    form.cancel()
    assert form.current.state == "cancelled" and form.current.summary() == "Cancelled: nothing was sent."
    with pytest.raises(ConfigurationError):
        form.confirm()
    assert recorder.sends() == []


def test_the_same_send_twice_is_sent_once_until_a_new_send_is_asked_for(lab, recorder):
    form = filled(lab)
    first = form.submit()
    with pytest.raises(DuplicateSendError, match="already validated") as caught:
        form.submit()
    assert caught.value.submission is first
    assert len(recorder.sends()) == 1
    form.set_parameter("name", "Grace")  # a different send is a new submission
    second = form.submit()
    assert second.idempotency_key != first.idempotency_key
    form.new_send()  # the same send again, on purpose
    third = form.submit()
    keys = [c["headers"]["idempotency-key"] for c in recorder.sends()]
    assert len(keys) == 3 and len(set(keys)) == 3 and keys[2] == third.idempotency_key


def test_a_retry_after_a_lost_answer_reuses_the_key_and_sends_once(world, recorder, tmp_path):
    with kit.make_lab(world, recorder, cache_dir=tmp_path, retries=NO_RETRIES) as lab:
        form = filled(lab, live=True)
        recorder.lose_next_answer = True
        form.submit()
        with pytest.raises(ServerError):
            form.confirm()
        assert form.current.state == "unknown"
        assert "cannot be sent twice" in form.current.summary()
        retry = form.submit()
        assert retry.state == "awaiting_confirmation" and retry.attempts == 1
        retried = form.confirm()
        first, second = recorder.sends()
        assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"]
        assert second["response_headers"]["idempotent-replayed"] == "true"
        original = [r["message_id"] for r in recorder.lost_bodies[0]["data"]["recipients"]]
        assert retried.message_ids == original  # the replayed answer: no second message
        history = form.history
        assert list(history.outcome) == ["unknown", "sent"] and list(history.attempt) == [1, 2]
        assert history.idempotency_key.nunique() == 1
        assert "503" in history.error.iloc[0] and pd.isna(history.error.iloc[1])
        assert len(form.messages) == 1


def test_a_refused_send_keeps_the_error_and_the_next_submit_gets_a_new_key(lab, recorder):
    form = filled(lab)
    ok = form.submit()
    form.set_recipients(sms_only_contact(lab))
    form.set_channels(["whatsapp"])
    with pytest.raises(ValidationError) as caught:
        form.submit()
    assert caught.value.code == "BUSINESS_007"
    assert form.current.state == "rejected" and "nothing was sent" in form.current.summary()
    with pytest.raises(ValidationError):
        form.submit()  # refused again, under a new key: the stored refusal is not replayed
    keys = [c["headers"]["idempotency-key"] for c in recorder.sends()]
    assert len(set(keys)) == 3
    history = form.history
    assert list(history.outcome) == ["validated", "rejected", "rejected"]
    assert history.message_ids.iloc[0] == ok.message_ids  # what succeeded is still there
    assert "BUSINESS_007" in history.error.iloc[1]
    assert history.status.iloc[0] == "QUEUED" and pd.isna(history.status.iloc[1])


def test_a_submit_while_a_send_is_in_flight_is_refused(lab, recorder):
    form = filled(lab)
    refused: list[BaseException] = []

    def click_again() -> None:
        assert form.in_flight
        try:
            form.submit()
        except DuplicateSendError as exc:
            refused.append(exc)

    recorder.on_send = click_again
    form.submit()
    assert len(refused) == 1 and "in flight" in str(refused[0])
    assert len(recorder.sends()) == 1 and not form.in_flight


def test_history_and_messages_are_typed_frames(lab):
    form = filled(lab)
    form.set_recipients("+14155550123, +447911123456")
    form.set_channels(["sms"])
    form.submit()
    history = form.history
    assert isinstance(history.submitted_at.dtype, pd.DatetimeTZDtype) and str(history.submitted_at.dt.tz) == "UTC"
    assert str(history.sandbox.dtype) == "boolean" and str(history.attempt.dtype) == "Int64"
    row = history.iloc[0]
    assert row.recipients == ["+14155550123", "+447911123456"] and row.channels == ["sms"]
    assert row.parameters == {"name": "Ada", "order_id": "A-1001"} and len(row.message_ids) == 2
    messages = form.messages
    assert list(messages.to) == ["+14155550123", "+447911123456"] and set(messages.channel) == {"sms"}
    assert messages.sandbox.all()
    empty = SendController(lab).history
    assert empty.empty and list(empty.columns) == list(history.columns)


def test_a_profile_form_sends_as_the_profile(world, lab, recorder):
    profile_id = world.profile_ids[0]
    form = filled(lab, profile_id=profile_id)
    form.submit()
    assert recorder.sends()[0]["headers"]["x-profile-id"] == profile_id


def test_the_api_key_never_shows(world, lab, recorder):
    form = filled(lab)
    form.submit()
    form.set_recipients(sms_only_contact(lab))
    form.set_channels(["whatsapp"])
    with pytest.raises(ValidationError) as caught:
        form.submit()
    key = world.org_key
    shown = [repr(form), form.history.to_string(), form.messages.to_string(), str(caught.value),
             form.current.summary(), repr(form.current), repr(form.current.request)]  # fmt: skip
    assert not any(key in text for text in shown)
    assert all(c["headers"]["x-api-key"] == key for c in recorder.calls)  # it was sent, only as a header


# -- lookups ------------------------------------------------------------------------------------


def test_a_lookup_gives_a_typed_frame_and_reports_invalid_numbers_without_a_request(lab, recorder):
    lookups = LookupController(lab)
    result = lookups.lookup("+14155550123\n+442079460958, 4155550124; +1415555")
    assert list(result.numbers.phone_number) == ["+14155550123", "+442079460958"]
    assert result.numbers.columns[0] == "input"
    assert str(result.numbers.is_valid.dtype) == "boolean"
    assert str(result.numbers.line_type.dtype) == "category"
    assert list(result.invalid.input) == ["4155550124", "+1415555"]
    assert "no country code" in result.invalid.problem.iloc[0]
    requested = sorted(c["path"].rsplit("/", 1)[1] for c in recorder.lookups())
    assert requested == ["+14155550123", "+442079460958"]  # the invalid ones never left
    assert not result.ok and result.summary() == "2 numbers looked up; 2 invalid, not requested"


def test_a_lookup_of_only_invalid_numbers_makes_no_request(lab, recorder):
    before = len(recorder.calls)
    result = LookupController(lab).lookup(["12", "hello"])
    assert len(recorder.calls) == before
    assert result.numbers.empty and "is_valid" in result.numbers.columns and len(result.invalid) == 2
    with pytest.raises(ConfigurationError, match="at least one number"):
        LookupController(lab).lookup("")


def test_a_lookup_reads_national_numbers_and_keeps_every_answer(lab, recorder):
    lookups = LookupController(lab, region="GB")
    first = lookups.lookup("020 7946 0958")
    assert first.numbers.loc[0, "phone_number"] == "+442079460958"
    assert first.numbers.loc[0, "input"] == "020 7946 0958"
    requests = len(recorder.lookups())
    lookups.lookup("+442079460958, +14155550123")
    assert len(recorder.lookups()) == requests + 1  # the first number came from the local store
    assert set(lookups.results.phone_number) == {"+442079460958", "+14155550123"}


def test_a_lookup_form_needs_a_lab(lab):
    with pytest.raises(ConfigurationError, match="Lab"):
        LookupController(lab.api)


# -- one state for code and widgets -----------------------------------------------------------


def test_listeners_hear_every_change_and_the_numbers_as_given(lab):
    form = SendController(lab, live=True, template="order_confirmation")
    heard: list[str] = []
    stop = form.observe(heard.append)
    form.set_parameters(name="Ada", order_id="A-1001")
    form.set_recipients(["+14155550123", "+447911123456"])
    assert form.recipients_text == "+14155550123\n+447911123456"
    assert heard == ["form", "form", "form"]
    heard.clear()
    form.submit()  # live: waiting for confirm
    form.set_channels(["sms"])  # withdraws it
    assert heard == ["submission", "submission", "form"]
    stop()
    form.set_channels([])
    assert heard == ["submission", "submission", "form"]

    lookups = LookupController(lab)
    lookups.observe(heard.append)
    lookups.set_numbers(["+14155550123"])
    lookups.lookup()
    assert lookups.numbers_text == "+14155550123" and heard[-2:] == ["form", "submission"]


def test_the_history_table_is_readable_and_short_keys_stay_distinct(lab):
    from sentlab._submissions import short_key

    form = filled(lab)
    form.submit()
    form.new_send()
    form.set_channels(["sms"])
    form.submit()
    table = form.history_table()
    full = form.history
    assert list(table.columns) == ["when", "mode", "template", "parameters", "recipients", "channels",
                                   "outcome", "messages", "key", "error"]  # fmt: skip
    assert list(table["channels"]) == ["default", "sms"] and list(table["mode"]) == ["sandbox", "sandbox"]
    assert list(table["when"]) == [t.strftime("%Y-%m-%d %H:%M:%S UTC") for t in full.submitted_at]
    assert list(table["key"]) == [short_key(k) for k in full.idempotency_key] and table["key"].nunique() == 2
    assert short_key("sentlab-send-1764636932000-3f2a9c1b7d4e6f80") == "3f2a9c1b"


def test_a_long_recipient_list_stays_one_short_line_in_the_history_table(lab):
    form = filled(lab)
    form.set_recipients([f"+1415555{n:04d}" for n in range(120, 125)])
    form.submit()
    (row,) = form.history_table().itertuples()
    assert row.recipients == "+14155550120, +14155550121, +14155550122, … (2 more)"
    assert row.messages.endswith("… (2 more)") and len(form.history.message_ids.iloc[0]) == 5
