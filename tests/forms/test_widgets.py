"""The ipywidgets forms: built without a browser, driven by clicks, checked through their Output."""

from __future__ import annotations

import json
import re
from typing import Any

from sentlab import LookupController, SendController, lookup_form, send_form
from sentlab._config import NO_RETRIES
from tests import kit
from tests.kit import sms_only_contact


def shown(form: Any) -> str:
    """Everything the form's Output holds, as text."""
    return "\n".join(o["data"]["text/plain"] for o in form.output.outputs)


def shown_html(form: Any) -> str:
    return "\n".join(o["data"].get("text/html", "") for o in form.output.outputs)


def fill(form: Any, numbers: str = "+14155550123", **values: str) -> None:
    """Type into the form as a user would: the template's fields, then the numbers."""
    values = values or {"name": "Ada", "order_id": "A-1001"}
    for field in form.controls.parameters.children:
        field.value = values.get(field.description, "x")
    form.controls.recipients.value = numbers


def visible(widget: Any) -> bool:
    return widget.layout.display != "none"


def walk(widget: Any) -> list[Any]:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found.extend(walk(child))
    return found


def test_the_send_form_is_sandbox_only_by_default(lab):
    form = send_form(lab, template="order_confirmation")
    assert isinstance(form.controller, SendController) and form.controller.sandbox
    controls = form.controls
    assert controls.sandbox.value is True and controls.sandbox.disabled  # it cannot be unticked
    assert "Sandbox" in controls.banner.value and "LIVE" not in controls.banner.value
    assert controls.send.description == "Validate (sandbox)"
    assert not visible(controls.confirm) and not visible(controls.cancel)
    assert [f.description for f in controls.parameters.children] == ["name", "order_id"]
    assert [b.description for b in controls.channels.children] == ["sms", "whatsapp", "rcs"]


def test_a_click_validates_in_the_sandbox_and_shows_the_answer(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form)
    form.controls.send.click()
    (body,) = recorder.send_bodies()
    assert body["sandbox"] is True and body["template"]["parameters"] == {"name": "Ada", "order_id": "A-1001"}
    assert recorder.sends()[0]["response_headers"]["x-sandbox"] == "true"
    (message_id,) = form.controller.history.message_ids.iloc[0]
    text = shown(form)
    assert "Validated in the sandbox" in text and "nothing was sent" in text and message_id in text
    assert "Hi Ada, your order A-1001 has been confirmed." in shown_html(form)
    assert not form.controls.send.disabled


def test_a_double_click_sends_once(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form)
    form.controls.send.click()
    (message_id,) = form.controller.current.message_ids
    form.controls.send.click()
    assert len(recorder.sends()) == 1
    text = shown(form)
    # the second click never hides the first result: the send stays shown, with a note
    assert text.startswith("Validated in the sandbox") and message_id in text
    assert "Already validated at" in text and "nothing was sent again" in text and "call new_send()" not in text
    assert len(form.controller.history) == 1
    form.controls.new.click()  # on purpose: the same send once more
    form.controls.send.click()
    keys = {c["headers"]["idempotency-key"] for c in recorder.sends()}
    assert len(recorder.sends()) == 2 and len(keys) == 2


def test_the_button_is_disabled_and_a_click_refused_while_a_send_is_in_flight(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form)
    seen: list[bool] = []

    def click_during_the_send() -> None:
        seen.append(form.controls.send.disabled)
        form.controls.send.click()  # a click that got through anyway
        seen.append(form.controls.send.disabled)
        assert "in flight" in shown(form)

    recorder.on_send = click_during_the_send
    form.controls.send.click()
    assert seen == [True, True]
    assert len(recorder.sends()) == 1
    assert not form.controls.send.disabled and "Validated in the sandbox" in shown(form)


def test_invalid_numbers_are_shown_as_typed_and_never_sent(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form, numbers="+14155550123, 4155550124\n+1415555")
    status = form.controls.recipients_status.value
    assert "1 number ready" in status and "4155550124" in status and "+1415555" in status
    form.controls.send.click()
    text = shown(form)
    assert "'4155550124' has no country code" in text and "'+1415555' is too short" in text
    assert "nothing was sent" in text
    assert recorder.sends() == []


def test_national_numbers_are_read_with_a_region(lab, recorder):
    form = send_form(lab, template="order_confirmation", region="US")
    fill(form, numbers="(415) 555-0123")
    form.controls.send.click()
    assert recorder.send_bodies()[0]["to"] == ["+14155550123"]


def test_choosing_another_template_rebuilds_its_fields(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    options = dict(form.controls.template.options)
    form.controls.template.value = options["payment_receipt"]
    assert form.controller.template["name"] == "payment_receipt"
    assert [f.description for f in form.controls.parameters.children] == ["amount", "name"]
    assert [b.description for b in form.controls.channels.children] == ["whatsapp"]
    assert "whatsapp" in form.controls.template_info.value
    fill(form, amount="12.50", name="Ada")
    form.controls.channels.children[0].value = True
    form.controls.send.click()
    body = recorder.send_bodies()[0]
    assert body["template"]["id"] == options["payment_receipt"] and body["channel"] == ["whatsapp"]
    assert body["template"]["parameters"] == {"amount": "12.50", "name": "Ada"}


def test_a_missing_value_is_shown_and_nothing_is_sent(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form, name="Ada", order_id="")
    form.controls.send.click()
    assert "order_id is empty" in shown(form)
    assert recorder.sends() == []


def test_the_live_form_warns_and_sends_only_after_confirm(lab, recorder):
    form = send_form(lab, live=True, template="order_confirmation")
    controls = form.controls
    assert "LIVE" in controls.banner.value and "real phones" in controls.banner.value
    assert controls.sandbox.value is False and not controls.sandbox.disabled
    assert controls.send.description == "Send…" and controls.send.button_style == "danger"
    fill(form)
    controls.send.click()
    assert recorder.sends() == []  # not yet
    assert visible(controls.confirm) and visible(controls.cancel)
    assert "Confirm to send: LIVE: send 1 real message" in shown(form)
    controls.confirm.click()
    (body,) = recorder.send_bodies()
    assert body["sandbox"] is False
    assert "Sent 1 message" in shown(form)
    assert not visible(controls.confirm)
    message_id = form.controller.history.message_ids.iloc[0][0]
    assert lab.api.message(message_id)["id"] == message_id  # really created


def test_a_lost_answer_is_shown_and_the_retry_cannot_send_twice(world, recorder, tmp_path):
    with kit.make_lab(world, recorder, cache_dir=tmp_path, retries=NO_RETRIES) as lab:
        form = send_form(lab, live=True, template="order_confirmation")
        fill(form)
        recorder.lose_next_answer = True
        form.controls.send.click()
        form.controls.confirm.click()
        assert "No clear answer" in shown(form) and "cannot be sent twice" in shown(form)
        form.controls.send.click()
        assert "retries an earlier attempt under the same Idempotency-Key" in shown(form)
        form.controls.confirm.click()
        assert "Sent 1 message" in shown(form)
        first, second = recorder.sends()
        assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"]
        assert second["response_headers"]["idempotent-replayed"] == "true"


def test_cancel_and_edits_withdraw_a_live_send(lab, recorder):
    form = send_form(lab, live=True, template="order_confirmation")
    fill(form)
    form.controls.send.click()
    form.controls.cancel.click()
    assert "Cancelled: nothing was sent." in shown(form) and not visible(form.controls.confirm)
    form.controls.send.click()
    form.controls.recipients.value = "+14155550124"  # the confirmed send would no longer be the shown one
    assert not visible(form.controls.confirm)
    form.controls.confirm.click()  # a stale click on the hidden button
    assert "nothing to confirm" in shown(form).lower() and "Cancelled: nothing was sent." in shown(form)
    assert recorder.sends() == []


def test_ticking_sandbox_on_a_live_form_only_validates(lab, recorder):
    form = send_form(lab, live=True, template="order_confirmation")
    form.controls.sandbox.value = True
    assert "Sandbox is ticked" in form.controls.banner.value
    assert form.controls.send.description == "Validate (sandbox)"
    fill(form)
    form.controls.send.click()
    assert recorder.send_bodies()[0]["sandbox"] is True and "Validated in the sandbox" in shown(form)


def test_an_api_refusal_is_shown_and_kept_in_the_history(lab, recorder):
    form = send_form(lab, template="order_confirmation")
    fill(form, numbers=sms_only_contact(lab))
    form.controls.channels.children[1].value = True  # whatsapp
    form.controls.send.click()
    text = shown(form)
    assert "The API refused this send; nothing was sent." in text and "BUSINESS_007" in text
    assert "#8a1116" in shown_html(form)  # shown as an error
    form.controls.history.click()
    assert "rejected" in shown(form)
    assert list(form.controller.history.outcome) == ["rejected"]


def test_the_history_button_lists_every_send(lab):
    form = send_form(lab, template="order_confirmation")
    form.controls.history.click()
    assert "No sends yet." in shown(form)
    fill(form)
    form.controls.send.click()
    form.controls.history.click()
    assert "1 request made by this form" in shown(form) and "validated" in shown(form)


def test_the_lookup_form_shows_a_frame_and_the_numbers_it_did_not_request(lab, recorder):
    form = lookup_form(lab)
    assert isinstance(form.controller, LookupController)
    form.controls.numbers.value = "+14155550123\n+442079460958, 4155550124"
    assert "2 numbers ready" in form.controls.numbers_status.value
    form.controls.lookup.click()
    text = shown(form)
    assert "2 numbers looked up; 1 invalid, not requested" in text
    assert "Verizon" in text or "carrier_name" in text
    assert "4155550124" in text and "no country code" in text
    assert sorted(c["path"].rsplit("/", 1)[1] for c in recorder.lookups()) == ["+14155550123", "+442079460958"]
    assert len(form.controller.results) == 2 and not form.controls.lookup.disabled


def test_a_lookup_of_nothing_says_so(lab, recorder):
    form = lookup_form(lab, region="US")
    form.controls.lookup.click()
    assert "at least one number" in shown(form)
    form.controls.numbers.value = "(415) 555-0123"
    form.controls.lookup.click()
    assert "1 number looked up" in shown(form) and "(415) 555-0123" in shown(form)
    assert recorder.lookups()[0]["path"].endswith("/+14155550123")


def test_no_widget_ever_shows_the_api_key(world, lab):
    forms = [send_form(lab, template="order_confirmation"), send_form(lab, live=True), lookup_form(lab)]
    fill(forms[0])
    forms[0].controls.send.click()
    forms[0].controls.history.click()
    forms[2].controls.numbers.value = "+14155550123"
    forms[2].controls.lookup.click()
    key = world.org_key
    for form in forms:
        assert key not in repr(form) and key not in repr(form.controller)
        for widget in walk(form):
            assert key not in json.dumps(widget.get_state(), default=str)


def test_the_forms_are_public_and_on_the_lab(lab):
    import sentlab

    assert sentlab.send_form is send_form and sentlab.lookup_form is lookup_form
    form = lab.send_form()
    assert isinstance(form.controller, SendController) and not form.controller.live
    assert isinstance(lab.lookup_form().controller, LookupController)


def test_values_set_from_code_show_in_the_widgets(lab, recorder):
    form = send_form(lab, live=True, template="order_confirmation")
    send, controls = form.controller, form.controls
    send.select_template("payment_receipt")
    assert controls.template.value == send.template["id"]
    assert [f.description for f in controls.parameters.children] == ["amount", "name"]
    send.set_parameters(amount="12.50", name="Grace")
    assert [f.value for f in controls.parameters.children] == ["12.50", "Grace"]
    send.set_recipients(["+14155550123", "4155550124"])
    assert controls.recipients.value == "+14155550123\n4155550124"
    assert "1 number ready" in controls.recipients_status.value and "4155550124" in controls.recipients_status.value
    send.set_recipients("+14155550123")
    send.set_channels(["whatsapp"])
    assert [b.value for b in controls.channels.children] == [True]
    send.select_template("order_confirmation")  # back: the shared variable keeps its value
    assert [f.value for f in controls.parameters.children] == ["Grace", ""]
    send.set_parameter("order_id", "B-2002")
    send.set_channels(["sms"])
    assert [b.value for b in controls.channels.children] == [True, False, False]
    send.set_channels([])
    assert not any(b.value for b in controls.channels.children)
    send.sandbox = True
    assert controls.sandbox.value is True and controls.send.description == "Validate (sandbox)"
    send.sandbox = False
    pending = send.submit()  # from code: the form shows the send waiting for its Confirm
    assert visible(controls.confirm) and "Confirm to send: LIVE" in shown(form) and "Grace" in shown(form)
    controls.confirm.click()
    assert recorder.send_bodies()[0]["template"]["parameters"] == {"name": "Grace", "order_id": "B-2002"}
    assert pending.state == "sent" and "Sent 1 message" in shown(form)


def test_what_is_typed_is_the_controllers_state_at_once(lab):
    form = send_form(lab, template="order_confirmation")
    controls = form.controls
    assert controls.recipients.continuous_update  # checked as you type, not on leaving the box
    assert all(f.continuous_update for f in controls.parameters.children)
    fill(form, numbers="+1415555012")
    assert form.controller.recipients_text == "+1415555012" and "too short" in controls.recipients_status.value
    controls.recipients.value = "+14155550123"
    assert "1 number ready" in controls.recipients_status.value
    assert form.controller.parameters == {"name": "Ada", "order_id": "A-1001"}
    controls.channels.children[0].value = True
    assert form.controller.channels == ("sms",)


def test_a_send_made_from_code_shows_in_the_form(lab):
    form = send_form(lab, template="order_confirmation")
    fill(form)
    submission = form.controller.submit()
    text = shown(form)
    assert "Validated in the sandbox" in text and submission.message_ids[0] in text


def test_a_second_click_on_confirm_keeps_the_send_shown(lab, recorder):
    form = send_form(lab, live=True, template="order_confirmation")
    fill(form)
    form.controls.send.click()
    form.controls.confirm.click()
    form.controls.confirm.click()  # a double click: the second lands after the send
    assert len(recorder.sends()) == 1
    text = shown(form)
    assert text.startswith("Sent 1 message") and "Already sent at" in text and "nothing was sent again" in text


def test_every_label_fits_its_button(lab):
    for form in (send_form(lab, template="order_confirmation"), send_form(lab, live=True), lookup_form(lab)):
        buttons = [w for w in walk(form) if type(w).__name__ in ("Button", "Checkbox")]
        assert buttons and all(b.layout.width == "auto" for b in buttons)


def test_the_history_is_readable(lab):
    form = send_form(lab, template="order_confirmation")
    fill(form)
    form.controls.send.click()
    form.controls.new.click()
    form.controls.parameters.children[0].value = "Grace"
    form.controls.send.click()
    table = form.controller.history_table()
    assert list(table["mode"]) == ["sandbox", "sandbox"]
    assert list(table.parameters) == ["name=Ada, order_id=A-1001", "name=Grace, order_id=A-1001"]
    assert table.when.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC").all()
    assert table.messages.str.fullmatch(r"[0-9a-f]{8}").all() and table.key.str.fullmatch(r"[0-9a-f]{8}").all()
    form.controls.history.click()
    text, page = shown(form), shown_html(form)
    assert "name=Grace, order_id=A-1001" in text and "sandbox" in text
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", text)  # no microseconds
    assert form.controller.history.message_ids.iloc[0][0] not in page  # short ids only


def test_a_single_lookup_is_a_card_and_several_a_table(lab):
    form = lookup_form(lab)
    assert form.controls.numbers.continuous_update
    form.controls.numbers.value = "+14155550123"
    form.controls.lookup.click()
    page = shown_html(form)
    assert 'class="sentlab-card"' in page and 'class="dataframe"' not in page
    assert "Carrier" in shown(form) and "Line type" in shown(form) and "As typed" in shown(form)
    assert re.search(r"Valid +(yes|no)", shown(form))  # booleans in words
    form.controls.numbers.value = "+14155550123, +442079460958"
    form.controls.lookup.click()
    page = shown_html(form)
    assert 'class="dataframe"' in page and "overflow-x:auto" in page and "sentlab-card" not in page


def test_a_lookup_from_code_shows_in_the_form(lab):
    form = lookup_form(lab)
    form.controller.set_numbers(["+14155550123", "12345"])
    assert form.controls.numbers.value == "+14155550123\n12345" and "12345" in form.controls.numbers_status.value
    form.controller.lookup()
    assert "1 number looked up; 1 invalid, not requested" in shown(form)
