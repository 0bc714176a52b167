"""ipywidgets forms for sandbox sends and number lookups: layout and wiring over the controllers (``_controllers``, ``_lookup_controller``).

Each callback only hands a click or an edit to the controller and shows what it says in the
form's ``Output``; the logic (and its tests) lives in ``SendController`` and ``LookupController``.
ipywidgets is imported when a form is built, so ``import sentlab`` stays fast.

>>> form = sentlab.send_form(lab)            # sandbox only; live=True opts in to real sends
>>> form                                     # in a notebook cell: the form itself
VBox(children=(HTML(...), Dropdown(description='Template', ...), ...), _dom_classes=('sentlab-send-form',))
>>> _ = form.controller.set_recipients("+14155550123")   # code and the widgets share one state
>>> form.controls.recipients.value, form.controls.recipients_status.value
('+14155550123', '<small style="color:#1e6b32">1 number ready</small>')
>>> len(form.controller.history)             # every send it made: none yet
0
"""

from __future__ import annotations

import html
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ._controllers import SendController
from ._errors import ConfigurationError, SentError
from ._form_state import safe_text
from ._lookup_controller import LookupController, LookupResult
from ._submissions import DuplicateSendError, Submission

_FAILED = object()  # what a callback's action returns when it raised (and the error was shown)

# level -> (text colour, background)
_COLOURS = {
    "info": ("#0b4f8a", "#e8f1fb"),
    "success": ("#1e6b32", "#e6f4ea"),
    "warning": ("#7a4b00", "#fff4dc"),
    "danger": ("#8a1116", "#fde8e8"),
}


def send_form(
    lab: Any,
    *,
    live: bool = False,
    region: str | None = None,
    profile_id: str | None = None,
    template: str | None = None,
) -> Any:
    """A form to send a template to one or many numbers: in the sandbox unless ``live=True``.

    Returns an ``ipywidgets.VBox`` (display it, or put it in a layout) whose ``controller`` is
    the :class:`SendController` behind it (``form.controller.history`` lists every send),
    ``output`` shows results and errors, and ``controls`` names its widgets. With
    ``live=True`` the form warns in red, starts with Sandbox unticked, and every live send waits
    for a Confirm click. See the controller for ``region``, ``profile_id`` and ``template``.

    >>> form = sentlab.send_form(lab, template="order_confirmation")
    >>> name, order_id = form.controls.parameters.children     # one field per template variable
    >>> name.value, order_id.value = "Ada", "A-1001"            # as typed in the form
    >>> form.controller.parameters
    {'name': 'Ada', 'order_id': 'A-1001'}
    >>> form.controls.recipients.value = "+14155550123"
    >>> form.controls.send.description
    'Validate (sandbox)'
    >>> form.controls.send.click()                              # the API checks the send; nothing goes out
    >>> form.controller.history[["template_name", "recipients", "outcome"]]
            template_name      recipients    outcome
    0  order_confirmation  [+14155550123]  validated
    """
    controller = SendController(lab, live=live, region=region, profile_id=profile_id, template=template)
    return _SendView(controller).root


def lookup_form(lab: Any, *, region: str | None = None) -> Any:
    """A form to look up one or many phone numbers (carrier, line type, validity…) as a typed frame.

    Returns an ``ipywidgets.VBox`` whose ``controller`` is the :class:`LookupController` behind
    it (``form.controller.results`` holds every answer), ``output`` shows the frame and the
    numbers refused locally, and ``controls`` names its widgets. ``region`` (e.g. ``"US"``)
    reads numbers typed without a country code.

    >>> form = sentlab.lookup_form(lab, region="US")
    >>> form.controls.numbers.value = "4155550123, +447911123456"     # as typed in the form
    >>> form.controller.checked.numbers                               # read as E.164, the first as US
    ('+14155550123', '+447911123456')
    >>> form.controls.numbers_status.value
    '<small style="color:#1e6b32">2 numbers ready</small>'
    """
    return _LookupView(LookupController(lab, region=region)).root


# ---------------------------------------------------------------------------------------------
# the send form
# ---------------------------------------------------------------------------------------------


class _SendView:
    """The send form's widgets and the callbacks that pass each event to the controller.

    The controller is the one state: widget edits go to it, and every change it reports (from a
    click or from code) is shown back in the widgets (``_sync``), so what the form shows is what
    Validate and Send use.
    """

    def __init__(self, controller: SendController) -> None:
        import ipywidgets as w

        self.controller = c = controller
        self._syncing = False  # True while the widgets are set from the controller: their events are echoes
        self._acting = False  # True while a click of this form runs: it shows its own result
        self.banner = w.HTML()
        self.template = w.Dropdown(options=c.template_options, value=None, description="Template",
                                   layout=w.Layout(width="auto"))  # fmt: skip
        self.template_info = w.HTML()
        self.parameters = w.VBox()
        self.recipients = w.Textarea(
            placeholder="+14155551234, +447911123456 (comma or newline separated)", description="To",
            rows=3, continuous_update=True, layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.recipients_status = w.HTML()
        self.channels = w.HBox()
        self.sandbox = w.Checkbox(
            value=c.sandbox, description="Sandbox (validate only, nothing is sent)", indent=False,
            disabled=not c.live, layout=_fit(),
        )  # fmt: skip
        self.send = w.Button(icon="paper-plane", layout=_fit())
        self.confirm = w.Button(description="Confirm live send", button_style="danger", icon="check",
                                layout=w.Layout(width="auto", display="none"))  # fmt: skip
        self.cancel = w.Button(description="Cancel", icon="times", layout=w.Layout(width="auto", display="none"))
        self.new = w.Button(description="New send", icon="refresh", layout=_fit(),
                            tooltip="Forget the last send: the same form may then be sent once more")  # fmt: skip
        self.show_history = w.Button(description="History", icon="list", layout=_fit())
        self.output = w.Output()

        self.template.observe(self._on_template, "value")
        self.recipients.observe(self._on_recipients, "value")
        self.sandbox.observe(self._on_sandbox, "value")
        self.send.on_click(self._on_send)
        self.confirm.on_click(self._on_confirm)
        self.cancel.on_click(self._on_cancel)
        self.new.on_click(self._on_new)
        self.show_history.on_click(self._on_history)

        self.root = w.VBox([
            self.banner,
            self.template, self.template_info, self.parameters,
            self.recipients, self.recipients_status,
            w.HBox([w.Label("Channels (none ticked: each contact's default)", layout=_fit()), self.channels]),
            self.sandbox,
            w.HBox([self.send, self.confirm, self.cancel, self.new, self.show_history],
                   layout=w.Layout(flex_flow="row wrap")),
            self.output,
        ])  # fmt: skip
        self.root.add_class("sentlab-send-form")  # a stable name for the page (and the browser test)
        self.root.controller = c
        self.root.output = self.output
        self.root.controls = SimpleNamespace(
            banner=self.banner, template=self.template, template_info=self.template_info,
            parameters=self.parameters, recipients=self.recipients,
            recipients_status=self.recipients_status, channels=self.channels, sandbox=self.sandbox,
            send=self.send, confirm=self.confirm, cancel=self.cancel, new=self.new,
            history=self.show_history,
        )  # fmt: skip
        self._sync()
        c.observe(self._on_controller)
        if not c.template_options:
            _show(self.output, "warning", ("No APPROVED template here, so nothing can be sent; an organization's templates "
                   "often live in its profiles: send_form(lab, profile_id=...)"))

    # -- widget events -> controller ----------------------------------------------------------

    def _on_template(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"]:
            self._attempt(lambda: self.controller.select_template(change["new"]))
            self._sync()  # a refused choice goes back to the controller's template

    def _on_parameter(self, name: str) -> Callable[[dict[str, Any]], None]:
        def changed(change: dict[str, Any]) -> None:
            if not self._syncing:
                self._attempt(lambda: self.controller.set_parameter(name, change["new"]))

        return changed

    def _on_channel(self, _change: dict[str, Any]) -> None:
        if not self._syncing:
            ticked = [box.description for box in self.channels.children if box.value]
            self._attempt(lambda: self.controller.set_channels(ticked))

    def _on_recipients(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._attempt(lambda: self.controller.set_recipients(change["new"]))

    def _on_sandbox(self, change: dict[str, Any]) -> None:
        def apply() -> None:
            self.controller.sandbox = change["new"]

        if not self._syncing and self._attempt(apply) is _FAILED:
            self._sync()

    # -- clicks -------------------------------------------------------------------------------

    def _on_send(self, _button: Any) -> None:
        self._click(self.controller.submit)

    def _on_confirm(self, _button: Any) -> None:
        if self.controller.pending is None:
            # A second click on Confirm (or a stale one): the send it made stays shown.
            current = self.controller.current
            if current is not None and current.done:
                self._show_again(current)
            else:
                _show(self.output, "danger", "Nothing to confirm: click Send… first (an edit of the form "
                                             "withdraws a send waiting for confirmation).")  # fmt: skip
            return
        self.confirm.disabled = True
        try:
            self._click(self.controller.confirm)
        finally:
            self.confirm.disabled = False

    def _click(self, action: Callable[[], Submission]) -> None:
        """Run a send action; its result replaces the output, a repeated click keeps the first result shown."""
        self.send.disabled = True
        self._acting = True
        try:
            submission = action()
        except DuplicateSendError as exc:
            if exc.submission.done:
                self._show_again(exc.submission)
            else:  # in flight: its answer will replace the output when it arrives
                _show(self.output, "warning", f"{exc} This click sent nothing.")
        except ConfigurationError as exc:  # a local check: nothing was requested
            _clear(self.output)
            _show(self.output, "danger", str(exc))
        except SentError as exc:
            _clear(self.output)
            current = self.controller.current
            shown = current.summary() if current is not None and current.error else str(exc)
            _show(self.output, "danger", safe_text(self.controller.client, shown))
        else:
            _clear(self.output)
            self._show_submission(submission)
        finally:
            self._acting = False
            self.send.disabled = self.controller.in_flight  # a click during a send must not re-enable it
            self._show_confirm()

    def _on_cancel(self, _button: Any) -> None:
        self._acting = True
        try:
            self.controller.cancel()
        finally:
            self._acting = False
        _clear(self.output)
        _show(self.output, "info", "Cancelled: nothing was sent.")
        self._show_confirm()

    def _on_new(self, _button: Any) -> None:
        self._acting = True
        try:
            done = self._attempt(self.controller.new_send)
        finally:
            self._acting = False
        if done is not _FAILED:
            _clear(self.output)
            _show(self.output, "info", "Ready for a new send: the next one gets a new Idempotency-Key.")
        self._show_confirm()

    def _on_history(self, _button: Any) -> None:
        _clear(self.output)
        history = self.controller.history_table()
        if history.empty:
            _show(self.output, "info", "No sends yet.")
            return
        days = set(history["when"].str[:10])
        on_day = f" on {days.pop()}" if len(days) == 1 else ""
        if on_day:  # one day: the date once in the heading, each row its time (narrower)
            history["when"] = history["when"].str[11:]
        count = len(history)
        _show(self.output, "info", f"{count} request{'s' if count != 1 else ''} made by this form{on_day} "
                                   "(messages and key: short ids; controller.history has them in full):")  # fmt: skip
        history = history.drop(columns=[] if history["error"].str.len().any() else ["error"])
        page = history.copy()
        for column in ("when", "parameters", "recipients", "messages"):  # wrapped between items only
            page[column] = page[column].map(_unbroken)
        _show_frame(self.output, history, page=page)

    def _attempt(self, action: Callable[[], Any]) -> Any:
        """``action()``, or ``_FAILED`` with the error added to the output (sentlab's errors only)."""
        try:
            return action()
        except DuplicateSendError as exc:
            _show(self.output, "warning", str(exc))
        except SentError as exc:
            _show(self.output, "danger", safe_text(self.controller.client, str(exc)))
        return _FAILED

    # -- controller -> widgets ----------------------------------------------------------------

    def _on_controller(self, what: str) -> None:
        if what == "form":
            self._sync()
            return
        current = self.controller.current
        if not self._acting and current is not None:  # a send made from code: show it here too
            _clear(self.output)
            if current.state == "in_flight":
                _show(self.output, "info", f"Sending: {current.request.describe()}")
            else:
                self._show_submission(current)
        self.send.disabled = self.controller.in_flight
        self._show_confirm()

    def _sync(self) -> None:
        """Set every widget from the controller (their change events are ignored meanwhile)."""
        c = self.controller
        self._syncing = True
        try:
            options = c.template_options
            if list(self.template.options) != options:
                self.template.options = options
            self.template.disabled = not options
            self.template.value = c.template["id"] if c.template else None
            self._sync_fields()
            self.recipients.value = c.recipients_text
            self.sandbox.value = c.sandbox
        finally:
            self._syncing = False
        self._show_mode()
        self._show_recipients()
        self._show_confirm()

    def _sync_fields(self) -> None:
        import ipywidgets as w

        c = self.controller
        template = c.template
        if template is None:
            self.template_info.value = ""
            self.parameters.children = self.channels.children = ()
            return
        facts = [template["category"], template["language"],
                 f"channels: {', '.join(template['channels']) or 'none'}",
                 f"variables: {', '.join(template['variables']) or 'none'}"]  # fmt: skip
        self.template_info.value = f"<small>{html.escape(' · '.join(f for f in facts if f))}</small>"
        values = c.parameters
        if [f.description for f in self.parameters.children] != list(values):
            fields = []
            for name in values:
                field = w.Text(description=name, placeholder=f"value of {name}", tooltip=name,
                               continuous_update=True, layout=w.Layout(width="auto"),
                               style={"description_width": "initial"} if len(name) > 12 else {})  # fmt: skip
                field.observe(self._on_parameter(name), "value")
                fields.append(field)
            self.parameters.children = tuple(fields)
        for field in self.parameters.children:
            field.value = values[field.description]
        if [b.description for b in self.channels.children] != c.channel_options:
            boxes = []
            for channel in c.channel_options:
                box = w.Checkbox(description=channel, indent=False, layout=_fit())
                box.observe(self._on_channel, "value")
                boxes.append(box)
            self.channels.children = tuple(boxes)
        for box in self.channels.children:
            box.value = box.description in c.channels

    def _show_mode(self) -> None:
        level, text = self.controller.notice()
        self.banner.value = _notice_html(level, text)
        if self.controller.sandbox:
            self.send.description, self.send.button_style = "Validate (sandbox)", "primary"
        else:
            self.send.description, self.send.button_style = "Send…", "danger"

    def _show_recipients(self) -> None:
        checked = self.controller.recipients
        if not checked.numbers and not checked.problems:
            self.recipients_status.value = ""
            return
        colour = _COLOURS["success" if checked.ok else "warning"][0]
        self.recipients_status.value = f'<small style="color:{colour}">{html.escape(checked.describe())}</small>'

    def _show_confirm(self) -> None:
        waiting = self.controller.pending is not None
        for button in (self.confirm, self.cancel):
            button.layout.display = None if waiting else "none"

    def _show_submission(self, submission: Submission) -> None:
        level = {"awaiting_confirmation": "danger", "validated": "success", "sent": "success",
                 "cancelled": "info"}.get(submission.state, "danger")  # fmt: skip
        _show(self.output, level, submission.summary())
        if submission.done:
            _show_frame(self.output, submission.recipients())
            if submission.state == "sent":
                _show(self.output, "info", "Follow delivery: lab.messages(form.controller.messages.message_id)")

    def _show_again(self, submission: Submission) -> None:
        """A repeated click: the send it repeats stays shown, with a note that nothing more was sent."""
        _clear(self.output)
        self._show_submission(submission)
        when = submission.finished_at.strftime("%H:%M:%S UTC") if submission.finished_at else "earlier"
        _show(self.output, "info", f"Already {submission.state} at {when} (the result above); nothing was sent "
                                   "again. Change the form, or click New send to send it once more on purpose.")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# the lookup form
# ---------------------------------------------------------------------------------------------


class _LookupView:
    """The lookup form's widgets and the callbacks that pass each event to the controller (one state, as the send form)."""

    def __init__(self, controller: LookupController) -> None:
        import ipywidgets as w

        self.controller = c = controller
        self._syncing = False
        self._acting = False
        hint = f" (national numbers read as {c.region})" if c.region else ""
        self.numbers = w.Textarea(
            placeholder=f"+14155551234, +447911123456 (comma or newline separated){hint}",
            description="Numbers", rows=4, continuous_update=True, layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.numbers_status = w.HTML()
        self.refresh = w.Checkbox(value=False, description="Ask again (skip the local store)", indent=False,
                                  layout=_fit())  # fmt: skip
        self.lookup = w.Button(description="Look up", button_style="primary", icon="search", layout=_fit())
        self.output = w.Output()

        self.numbers.observe(self._on_numbers, "value")
        self.lookup.on_click(self._on_lookup)

        self.root = w.VBox([self.numbers, self.numbers_status, w.HBox([self.lookup, self.refresh]), self.output])
        self.root.add_class("sentlab-lookup-form")
        self.root.controller = c
        self.root.output = self.output
        self.root.controls = SimpleNamespace(numbers=self.numbers, numbers_status=self.numbers_status,
                                             refresh=self.refresh, lookup=self.lookup)  # fmt: skip
        self._sync()
        if c.last is not None:
            self._show_result(c.last)
        c.observe(self._on_controller)

    def _on_numbers(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.controller.set_numbers(change["new"])

    def _on_controller(self, what: str) -> None:
        if what == "form":
            self._sync()
        elif not self._acting and self.controller.last is not None:  # a lookup made from code
            _clear(self.output)
            self._show_result(self.controller.last)

    def _sync(self) -> None:
        self._syncing = True
        try:
            self.numbers.value = self.controller.numbers_text
        finally:
            self._syncing = False
        checked = self.controller.checked
        colour = _COLOURS["success" if checked.ok else "warning"][0]
        text = checked.describe() if checked.numbers or checked.problems else ""
        self.numbers_status.value = f'<small style="color:{colour}">{html.escape(text)}</small>'

    def _on_lookup(self, _button: Any) -> None:
        self.lookup.disabled = True
        self._acting = True
        try:
            result = self.controller.lookup(refresh=self.refresh.value)
        except SentError as exc:
            _clear(self.output)
            _show(self.output, "danger", safe_text(self.controller.lab, str(exc)))
        else:
            _clear(self.output)
            self._show_result(result)
        finally:
            self._acting = False
            self.lookup.disabled = False

    def _show_result(self, result: LookupResult) -> None:
        _show(self.output, "success" if result.ok else "warning", result.summary())
        if len(result.numbers) == 1:
            _show_card(self.output, result.numbers.iloc[0])
        elif len(result.numbers):
            _show_frame(self.output, result.numbers)
        if len(result.invalid):
            _show(self.output, "warning", "Not looked up (fix these and look up again):")
            _show_frame(self.output, result.invalid)
        if len(result.failures):
            _show(self.output, "danger", "The API could not look these up:")
            _show_frame(self.output, result.failures)


# ---------------------------------------------------------------------------------------------
# Output helpers: outputs are set directly, so they work with or without a kernel (and in tests)
# ---------------------------------------------------------------------------------------------


def _fit() -> Any:
    """A layout that sizes a widget to its label: buttons and boxes are never cut ("Validate (sand…")."""
    import ipywidgets as w

    return w.Layout(width="auto")


def _notice_html(level: str, text: str) -> str:
    colour, background = _COLOURS[level]
    body = html.escape(text).replace("\n", "<br>")
    return (f'<div style="color:{colour};background:{background};border-left:4px solid {colour};'
            f'padding:6px 10px;margin:4px 0;white-space:normal">{body}</div>')  # fmt: skip


def _show(output: Any, level: str, text: str) -> None:
    _append(output, {"text/plain": text, "text/html": _notice_html(level, text)})


def _show_frame(output: Any, frame: pd.DataFrame, *, page: pd.DataFrame | None = None) -> None:
    """``frame`` as text and as an HTML table (of ``page`` when given: the same, laid out for a page)."""
    # A wide frame scrolls inside the form instead of stretching it.
    table = (frame if page is None else page).to_html(index=False, max_rows=60, escape=True, na_rep="")
    _append(output, {
        "text/plain": frame.to_string(index=False, max_rows=60),
        "text/html": f'<div style="overflow-x:auto;max-width:100%">{table}</div>',
    })  # fmt: skip


def _unbroken(text: str) -> str:
    """``text`` that a table cell wraps only after a comma: no break inside a time or a value."""
    return ", ".join(item.replace(" ", "\u00a0").replace("-", "\u2011") for item in text.split(", "))


# The card's labels: short words for the number_lookups columns (sentlab.schema("number_lookups")).
_CARD_LABELS = {
    "input": "As typed", "phone_number": "Number (E.164)", "is_valid": "Valid", "carrier_name": "Carrier",
    "line_type": "Line type", "country_code": "Country", "mobile_country_code": "Mobile country code (MCC)",
    "mobile_network_code": "Mobile network code (MNC)", "is_ported": "Ported", "is_voip": "VoIP",
}  # fmt: skip


def _show_card(output: Any, row: pd.Series) -> None:
    """One lookup as a details card: a labelled line per field, instead of a one-row wide table."""
    fields = [(_CARD_LABELS.get(str(name), str(name)), _card_value(value)) for name, value in row.items()]
    width = max(len(label) for label, _ in fields)
    text = "\n".join(f"{label:<{width}}  {value}" for label, value in fields)
    cells = "".join(f'<tr><th style="text-align:left;padding:2px 16px 2px 0;font-weight:600">{html.escape(label)}</th>'
                    f'<td style="text-align:left;padding:2px 0">{html.escape(value)}</td></tr>'
                    for label, value in fields)  # fmt: skip
    card = (f'<table class="sentlab-card" style="border:1px solid #d0d7de;border-radius:6px;padding:6px 10px;'
            f'margin:4px 0;border-collapse:separate">{cells}</table>')  # fmt: skip
    _append(output, {"text/plain": text, "text/html": card})


def _card_value(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "—"
    return str(value)


def _append(output: Any, data: dict[str, str]) -> None:
    output.outputs = (*output.outputs, {"output_type": "display_data", "data": data, "metadata": {}})


def _clear(output: Any) -> None:
    output.outputs = ()
