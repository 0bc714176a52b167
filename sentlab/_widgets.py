"""ipywidgets forms for sandbox sends and number lookups: layout and wiring over the ``_forms`` controllers.

Each callback only hands a click or an edit to the controller and shows what it says in the
form's ``Output``; the logic (and its tests) lives in ``SendController`` and ``LookupController``.
ipywidgets is imported when a form is built, so ``import sentlab`` stays fast.

>>> form = sentlab.send_form(lab)            # sandbox only; live=True opts in to real sends
>>> form                                     # in a notebook cell: the form
>>> form.controller.history                  # every send it made
"""

from __future__ import annotations

import html
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd

from ._errors import ConfigurationError, SentError
from ._forms import (
    DuplicateSendError,
    LookupController,
    LookupResult,
    SendController,
    Submission,
    safe_text,
)

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
    >>> form
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
    >>> form
    """
    return _LookupView(LookupController(lab, region=region)).root


# ---------------------------------------------------------------------------------------------
# the send form
# ---------------------------------------------------------------------------------------------


class _SendView:
    """The send form's widgets and the callbacks that pass each event to the controller."""

    def __init__(self, controller: SendController) -> None:
        import ipywidgets as w

        self.controller = c = controller
        self.banner = w.HTML()
        options = c.template_options
        self.template = w.Dropdown(
            options=options, value=c.template["id"] if c.template else None, description="Template",
            disabled=not options, layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.template_info = w.HTML()
        self.parameters = w.VBox()
        self.recipients = w.Textarea(
            placeholder="+14155551234, +447911123456 (comma or newline separated)", description="To",
            rows=3, continuous_update=False, layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.recipients_status = w.HTML()
        self.channels = w.HBox()
        self.sandbox = w.Checkbox(
            value=c.sandbox, description="Sandbox (validate only, nothing is sent)", indent=False,
            disabled=not c.live,
        )  # fmt: skip
        self.send = w.Button(icon="paper-plane")
        self.confirm = w.Button(description="Confirm live send", button_style="danger", icon="check",
                                layout=w.Layout(display="none"))  # fmt: skip
        self.cancel = w.Button(description="Cancel", icon="times", layout=w.Layout(display="none"))
        self.new = w.Button(description="New send", icon="refresh",
                            tooltip="Forget the last send: the same form may then be sent once more")  # fmt: skip
        self.show_history = w.Button(description="History", icon="list")
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
            w.HBox([w.Label("Channels (none ticked: each contact's default)"), self.channels]),
            self.sandbox,
            w.HBox([self.send, self.confirm, self.cancel, self.new, self.show_history]),
            self.output,
        ])  # fmt: skip
        self.root.controller = c
        self.root.output = self.output
        self.root.controls = SimpleNamespace(
            banner=self.banner, template=self.template, template_info=self.template_info,
            parameters=self.parameters, recipients=self.recipients,
            recipients_status=self.recipients_status, channels=self.channels, sandbox=self.sandbox,
            send=self.send, confirm=self.confirm, cancel=self.cancel, new=self.new,
            history=self.show_history,
        )  # fmt: skip
        self._show_template()
        self._show_mode()
        self._show_recipients()
        if not options:
            _show(self.output, "warning", ("No APPROVED template here, so nothing can be sent; an organization's templates "
                   "often live in its profiles: send_form(lab, profile_id=...)"))

    # -- events -> controller -----------------------------------------------------------------

    def _on_template(self, change: dict[str, Any]) -> None:
        chosen = self._attempt(lambda: self.controller.select_template(change["new"])) if change["new"] else _FAILED
        if chosen is not _FAILED:
            self._show_template()
        self._show_confirm()

    def _on_parameter(self, name: str) -> Callable[[dict[str, Any]], None]:
        def changed(change: dict[str, Any]) -> None:
            self._attempt(lambda: self.controller.set_parameter(name, change["new"]))
            self._show_confirm()

        return changed

    def _on_channel(self, _change: dict[str, Any]) -> None:
        ticked = [box.description for box in self.channels.children if box.value]
        self._attempt(lambda: self.controller.set_channels(ticked))
        self._show_confirm()

    def _on_recipients(self, change: dict[str, Any]) -> None:
        self._attempt(lambda: self.controller.set_recipients(change["new"]))
        self._show_recipients()
        self._show_confirm()

    def _on_sandbox(self, change: dict[str, Any]) -> None:
        def apply() -> None:
            self.controller.sandbox = change["new"]

        if self._attempt(apply) is _FAILED:
            self.sandbox.value = self.controller.sandbox
        self._show_mode()
        self._show_confirm()

    def _on_send(self, _button: Any) -> None:
        self.send.disabled = True
        _clear(self.output)
        try:
            submission = self._attempt(self.controller.submit)
        finally:
            self.send.disabled = self.controller.in_flight  # a click during a send must not re-enable it
        if submission is not _FAILED:
            self._show_submission(submission)
        self._show_confirm()

    def _on_confirm(self, _button: Any) -> None:
        self.confirm.disabled = self.send.disabled = True
        _clear(self.output)
        try:
            submission = self._attempt(self.controller.confirm)
        finally:
            self.confirm.disabled = False
            self.send.disabled = self.controller.in_flight
        if submission is not _FAILED:
            self._show_submission(submission)
        self._show_confirm()

    def _on_cancel(self, _button: Any) -> None:
        self.controller.cancel()
        _clear(self.output)
        _show(self.output, "info", "Cancelled: nothing was sent.")
        self._show_confirm()

    def _on_new(self, _button: Any) -> None:
        _clear(self.output)
        if self._attempt(self.controller.new_send) is not _FAILED:
            _show(self.output, "info", "Ready for a new send: the next one gets a new Idempotency-Key.")
        self._show_confirm()

    def _on_history(self, _button: Any) -> None:
        _clear(self.output)
        history = self.controller.history
        if history.empty:
            _show(self.output, "info", "No sends yet.")
            return
        columns = ["submitted_at", "sandbox", "template_name", "recipients", "outcome", "status",
                   "message_ids", "error"]  # fmt: skip
        _show(self.output, "info", f"{len(history)} request{'s' if len(history) != 1 else ''} made by this form:")
        _show_frame(self.output, history[columns])

    def _attempt(self, action: Callable[[], Any]) -> Any:
        """``action()``, or ``_FAILED`` with the error shown in the output (sentlab's errors only)."""
        try:
            return action()
        except DuplicateSendError as exc:
            _show(self.output, "warning", str(exc))
        except ConfigurationError as exc:
            _show(self.output, "danger", str(exc))
        except SentError as exc:
            current = self.controller.current
            shown = current.summary() if current is not None and current.error else str(exc)
            _show(self.output, "danger", safe_text(self.controller.client, shown))
        return _FAILED

    # -- controller state -> widgets ----------------------------------------------------------

    def _show_template(self) -> None:
        import ipywidgets as w

        template = self.controller.template
        if template is None:
            self.template_info.value = ""
            self.parameters.children = ()
            self.channels.children = ()
            return
        facts = [template["category"], template["language"],
                 f"channels: {', '.join(template['channels']) or 'none'}",
                 f"variables: {', '.join(template['variables']) or 'none'}"]  # fmt: skip
        self.template_info.value = f"<small>{html.escape(' · '.join(f for f in facts if f))}</small>"
        fields = []
        for name, value in self.controller.parameters.items():
            field = w.Text(value=value, description=name, placeholder=f"value of {name}", continuous_update=False)
            field.observe(self._on_parameter(name), "value")
            fields.append(field)
        self.parameters.children = tuple(fields)
        boxes = []
        for channel in self.controller.channel_options:
            box = w.Checkbox(value=channel in self.controller.channels, description=channel, indent=False,
                             layout=w.Layout(width="auto"))  # fmt: skip
            box.observe(self._on_channel, "value")
            boxes.append(box)
        self.channels.children = tuple(boxes)

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
        level = {"awaiting_confirmation": "danger", "validated": "success", "sent": "success"}.get(
            submission.state, "danger"
        )
        _show(self.output, level, submission.summary())
        if submission.done:
            _show_frame(self.output, submission.recipients())
            if submission.state == "sent":
                _show(self.output, "info", "Follow delivery: lab.messages(form.controller.messages.message_id)")


# ---------------------------------------------------------------------------------------------
# the lookup form
# ---------------------------------------------------------------------------------------------


class _LookupView:
    """The lookup form's widgets and the callbacks that pass each event to the controller."""

    def __init__(self, controller: LookupController) -> None:
        import ipywidgets as w

        self.controller = c = controller
        hint = f" (national numbers read as {c.region})" if c.region else ""
        self.numbers = w.Textarea(
            placeholder=f"+14155551234, +447911123456 (comma or newline separated){hint}",
            description="Numbers", rows=4, continuous_update=False, layout=w.Layout(width="auto"),
        )  # fmt: skip
        self.numbers_status = w.HTML()
        self.refresh = w.Checkbox(value=False, description="Ask again (skip the local store)", indent=False)
        self.lookup = w.Button(description="Look up", button_style="primary", icon="search")
        self.output = w.Output()

        self.numbers.observe(self._on_numbers, "value")
        self.lookup.on_click(self._on_lookup)

        self.root = w.VBox([self.numbers, self.numbers_status, w.HBox([self.lookup, self.refresh]), self.output])
        self.root.controller = c
        self.root.output = self.output
        self.root.controls = SimpleNamespace(numbers=self.numbers, numbers_status=self.numbers_status,
                                             refresh=self.refresh, lookup=self.lookup)  # fmt: skip

    def _on_numbers(self, change: dict[str, Any]) -> None:
        checked = self.controller.set_numbers(change["new"])
        colour = _COLOURS["success" if checked.ok else "warning"][0]
        text = checked.describe() if checked.numbers or checked.problems else ""
        self.numbers_status.value = f'<small style="color:{colour}">{html.escape(text)}</small>'

    def _on_lookup(self, _button: Any) -> None:
        self.lookup.disabled = True
        _clear(self.output)
        try:
            result = self._attempt(lambda: self.controller.lookup(refresh=self.refresh.value))
        finally:
            self.lookup.disabled = False
        if result is not _FAILED:
            self._show_result(result)

    def _attempt(self, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except SentError as exc:
            _show(self.output, "danger", safe_text(self.controller.lab, str(exc)))
        return _FAILED

    def _show_result(self, result: LookupResult) -> None:
        _show(self.output, "success" if result.ok else "warning", result.summary())
        if len(result.numbers):
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


def _notice_html(level: str, text: str) -> str:
    colour, background = _COLOURS[level]
    body = html.escape(text).replace("\n", "<br>")
    return (f'<div style="color:{colour};background:{background};border-left:4px solid {colour};'
            f'padding:6px 10px;margin:4px 0;white-space:normal">{body}</div>')  # fmt: skip


def _show(output: Any, level: str, text: str) -> None:
    _append(output, {"text/plain": text, "text/html": _notice_html(level, text)})


def _show_frame(output: Any, frame: pd.DataFrame) -> None:
    _append(output, {
        "text/plain": frame.to_string(index=False, max_rows=60),
        "text/html": frame.to_html(index=False, max_rows=60, escape=True, na_rep=""),
    })  # fmt: skip


def _append(output: Any, data: dict[str, str]) -> None:
    output.outputs = (*output.outputs, {"output_type": "display_data", "data": data, "metadata": {}})


def _clear(output: Any) -> None:
    output.outputs = ()
