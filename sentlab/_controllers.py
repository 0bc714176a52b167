"""The send form's controller: the state and logic behind the send widget, testable without a browser.

``SendController`` prepares a template send (template, parameters, recipients, channels),
checks it locally, and sends it through ``lab.api.send`` — in the sandbox unless the form was
built with ``live=True``, and then only after ``confirm()``. What a send is and becomes
(``SendRequest``, ``Submission``, ``DuplicateSendError``) is in ``sentlab._submissions``;
``LookupController`` (number lookups) is in ``sentlab._lookup_controller``; what both share
(change listeners, key-safe text) in ``sentlab._form_state``. The widgets in
``sentlab._widgets`` are thin views over these objects.

>>> form = SendController(lab)                                   # sandbox only
>>> form.select_template("order_confirmation")["name"]
'order_confirmation'
>>> form.set_parameters(name="Ada", order_id="A-1001")
>>> form.set_recipients("+14155550123, +447911123456").numbers
('+14155550123', '+447911123456')
>>> form.submit().message_ids
['...', '...']
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from ._errors import (
    ConfigurationError,
)
from ._form_state import Observable, as_text, safe_text
from ._phone import CheckedNumbers, InvalidNumberError, check_numbers, check_region
from ._submissions import (
    _FINAL_OK,
    DuplicateSendError,
    SendRequest,
    Submission,
    _recipients,
    new_idempotency_key,
    outcome_unknown,
    short_key,
)

__all__ = ["SendController"]

MAX_RECIPIENTS = 1000  # the API's limit per send (POST /v3/messages)


# ---------------------------------------------------------------------------------------------
# sending
# ---------------------------------------------------------------------------------------------


class SendController(Observable):
    """The logic of the send form: pick a template, fill its variables, give numbers, send safely.

    Sandbox by default: every send is ``lab.api.send(..., sandbox=True)``, validated by the API
    and never delivered. ``live=True`` is the explicit opt-in to real sends: the form then starts
    with the sandbox off, shows a warning, and each live send waits for ``confirm()``. Numbers are
    checked locally (``phonenumbers``) before any request. A submission keeps its
    Idempotency-Key until it is known to have succeeded or been refused, and an identical
    submit after success raises ``DuplicateSendError``: a retried or double-clicked send never
    sends twice. ``history`` keeps every request made, errors included.

    ``profile_id`` sends as a child profile (templates are then that profile's); ``region``
    reads national numbers (e.g. ``"US"``); ``strict=False`` accepts numbers in ranges
    ``phonenumbers`` does not know to be assigned. ``observe(listener)`` is told of every change:
    the widgets use it to show what code sets.

    >>> form = SendController(lab)
    >>> form.select_template("order_confirmation")["name"]
    'order_confirmation'
    >>> form.set_parameters(name="Ada", order_id="A-1001")
    >>> form.set_recipients("+14155550123").numbers
    ('+14155550123',)
    >>> form.submit().state
    'validated'
    """

    def __init__(
        self,
        lab: Any,
        *,
        live: bool = False,
        region: str | None = None,
        profile_id: str | None = None,
        template: str | None = None,
        strict: bool = True,
    ) -> None:
        client = getattr(lab, "api", lab)  # a Lab, or a SentClient
        if not callable(getattr(client, "send", None)) or not callable(getattr(client, "templates", None)):
            raise ConfigurationError("SendController needs the Lab from sentlab.connect() (or a SentClient)")
        self.client = client.with_profile(profile_id) if profile_id is not None else client
        self.live = bool(live)
        self.region = check_region(region)
        self.strict = bool(strict)
        self._sandbox = not self.live
        self._lock = threading.Lock()
        self._listeners = []
        self._template_id: str | None = None
        self._values: dict[str, str] = {}  # kept across templates: a shared variable keeps its value
        self._channels: tuple[str, ...] = ()
        self._numbers: str | list[str] = ""
        self._current: Submission | None = None
        self._history: list[dict[str, Any]] = []
        self._messages: list[dict[str, Any]] = []
        self.templates = pd.DataFrame()
        self.refresh_templates()
        if template is not None:
            self.select_template(template)
        elif self.template_options:
            self._template_id = self.template_options[0][1]

    def __repr__(self) -> str:
        mode = "sandbox" if self.sandbox else "LIVE"
        name = self.template["name"] if self.template else None
        return (f"<SendController {mode} template={name!r} recipients={len(self.recipients.numbers)} "
                f"sends={len(self._history)}>")  # fmt: skip

    # -- templates ----------------------------------------------------------------------------

    def refresh_templates(self) -> pd.DataFrame:
        """(Re)load the templates this form can send (one request per page of 100).

        >>> form.refresh_templates()[["name", "status", "variables"]]
                         name    status               variables
        0      summer_preview   PENDING            [name, link]
        ...
        7         spring_sale  APPROVED  [name, discount, link]
        """
        from ._frames import build_frame

        self.templates = build_frame("templates", self.client.templates(progress=False))
        if self._template_id is not None and self._template_id not in set(self._sendable()["id"]):
            self._template_id = None
        self._form_changed()
        return self.templates

    def _sendable(self) -> pd.DataFrame:
        frame = self.templates
        if frame.empty:
            return frame
        return frame[frame["status"].astype("str").str.upper() == "APPROVED"]

    @property
    def template_options(self) -> list[tuple[str, str]]:
        """(label, template id) of every APPROVED template, by name: the form's dropdown.

        >>> form.template_options[:2]
        [('login_code', '...'), ('order_confirmation', '...')]
        """
        sendable = self._sendable()
        if sendable.empty:
            return []
        names = sendable["name"].astype("str")
        repeated = set(names[names.duplicated()])
        options = []
        for row in sendable.itertuples(index=False):
            label = str(row.name)
            if label in repeated:
                label = f"{label} ({row.language}, {str(row.id)[:8]})"
            options.append((label, str(row.id)))
        return sorted(options)

    def select_template(self, template: str) -> dict[str, Any]:
        """Choose the template to send, by name or id; returns it (name, channels, variables…).

        >>> form.select_template("order_confirmation")["variables"]
        ['name', 'order_id']
        """
        key = str(template).strip()
        frame = self.templates
        matches = frame[(frame["id"] == key) | (frame["name"] == key)] if not frame.empty else frame
        approved = matches[matches["status"].astype("str").str.upper() == "APPROVED"] if not matches.empty else matches
        if approved.empty:
            if not matches.empty:
                status = matches["status"].iloc[0]
                raise ConfigurationError(
                    f"template {key!r} is {status}: only APPROVED templates can be sent "
                    "(refresh_templates() if it was approved since the form loaded)"
                )
            names = ", ".join(label for label, _ in self.template_options) or "none"
            raise ConfigurationError(f"no template {key!r} here; the templates you can send: {names}")
        self._template_id = str(approved["id"].iloc[0])
        self._form_changed()
        return self.template or {}

    @property
    def template(self) -> dict[str, Any] | None:
        """The chosen template: id, name, category, language, channels, variables.

        >>> form.template["channels"]
        ['sms', 'whatsapp', 'rcs']
        """
        if self._template_id is None or self.templates.empty:
            return None
        rows = self.templates[self.templates["id"] == self._template_id]
        if rows.empty:
            return None
        row = rows.iloc[0]
        return {
            "id": str(row["id"]),
            "name": str(row["name"]),
            "category": None if pd.isna(row["category"]) else str(row["category"]),
            "language": None if pd.isna(row["language"]) else str(row["language"]),
            "channels": _as_list(row["channels"]),
            "variables": _as_list(row["variables"]),
        }

    @property
    def variables(self) -> list[str]:
        """The chosen template's variable names: the parameters to fill.

        >>> form.variables
        ['name', 'order_id']
        """
        template = self.template
        return template["variables"] if template else []

    @property
    def channel_options(self) -> list[str]:
        """Channels the chosen template can go on.

        >>> form.channel_options
        ['sms', 'whatsapp', 'rcs']
        """
        template = self.template
        return template["channels"] if template else []

    # -- the rest of the form -----------------------------------------------------------------

    def set_parameter(self, name: str, value: Any) -> None:
        """Fill one template variable.

        >>> form.set_parameter("name", "Ada")
        """
        if name not in self.variables:
            raise ConfigurationError(
                f"template {self._template_name()!r} has no variable {name!r}; its variables: "
                f"{', '.join(self.variables) or 'none'}"
            )
        self._values[name] = "" if value is None else str(value)
        self._form_changed()

    def set_parameters(self, values: Mapping[str, Any] | None = None, **more: Any) -> None:
        """Fill several template variables at once.

        >>> form.set_parameters(name="Ada", order_id="A-1001")
        """
        for name, value in {**(values or {}), **more}.items():
            self.set_parameter(name, value)

    @property
    def parameters(self) -> dict[str, str]:
        """The chosen template's variables with the values filled so far ("" when empty).

        >>> form.set_parameter("order_id", "")
        >>> form.parameters
        {'name': 'Ada', 'order_id': ''}
        """
        return {name: self._values.get(name, "") for name in self.variables}

    def set_recipients(self, numbers: str | Iterable[Any]) -> CheckedNumbers:
        """Give the numbers to send to: a text (comma or newline separated) or a list; returns them checked.

        >>> form.set_recipients("+14155550123\\n+447911123456").numbers
        ('+14155550123', '+447911123456')
        """
        self._numbers = numbers if isinstance(numbers, str) else [str(n) for n in numbers]
        self._form_changed()
        return self.recipients

    @property
    def recipients_text(self) -> str:
        """The numbers as given (a list one per line): what the form's "To" box shows.

        >>> _ = form.set_recipients(["+14155550123", "+447911123456"]); form.recipients_text
        '+14155550123\\n+447911123456'
        """
        return as_text(self._numbers)

    @property
    def recipients(self) -> CheckedNumbers:
        """The numbers given so far, checked locally (never raises: see ``.problems``).

        >>> form.recipients.describe()
        '1 number ready'
        """
        return check_numbers(self._numbers, region=self.region, strict=self.strict)

    def set_channels(self, channels: str | Iterable[str] | None) -> None:
        """Choose channels (``"sms"``, ``"whatsapp"``…); none means each contact's default channel.

        >>> form.set_channels(["whatsapp"])
        """
        if channels is None:
            channels = []
        elif isinstance(channels, str):
            channels = [channels]
        self._channels = tuple(dict.fromkeys(str(c).strip().lower() for c in channels if str(c).strip()))
        self._form_changed()

    @property
    def channels(self) -> tuple[str, ...]:
        """The chosen channels (empty: each contact's default).

        >>> form.channels
        ()
        """
        return self._channels

    @property
    def sandbox(self) -> bool:
        """True when a submit only validates (``sandbox: true``); False only on a ``live=True`` form.

        >>> form.sandbox
        True
        """
        return self._sandbox

    @sandbox.setter
    def sandbox(self, value: bool) -> None:
        if not value and not self.live:
            raise ConfigurationError(
                "this form is sandbox-only; to send real messages build it with live=True "
                "(e.g. sentlab.send_form(lab, live=True)): each live send then asks for confirmation"
            )
        self._sandbox = bool(value)
        self._form_changed()

    def notice(self) -> tuple[str, str]:
        """(level, text) the form shows about where sends go: ``info`` in the sandbox, ``danger`` live.

        >>> form.notice()
        ('info', 'Sandbox: the API validates each send and returns a realistic answer; nothing is sent to any phone.')
        """
        if self.sandbox and not self.live:
            return "info", ("Sandbox: the API validates each send and returns a realistic answer; "
                            "nothing is sent to any phone.")  # fmt: skip
        if self.sandbox:
            return "warning", ("Live sending is enabled, but Sandbox is ticked: sends are only validated. "
                               "Untick Sandbox to send real messages.")  # fmt: skip
        return "danger", ("LIVE: sends go to real phones and are charged. Each send asks for "
                          "confirmation first; tick Sandbox to only validate.")  # fmt: skip

    # -- sending ------------------------------------------------------------------------------

    def preview(self) -> SendRequest:
        """Check the whole form locally and return the send it describes; raises what to fix.

        Nothing is requested: bad numbers raise ``InvalidNumberError``, a missing template,
        variable value or recipient raises ``ConfigurationError``.

        >>> form.preview().describe()
        "sandbox: validate 'order_confirmation' to 1 number (+14155550123) ..."
        """
        template = self.template
        if template is None:
            names = ", ".join(label for label, _ in self.template_options) or "none approved"
            raise ConfigurationError(f"choose a template first (select_template); available: {names}")
        recipients = self.recipients
        if recipients.problems:
            raise InvalidNumberError(recipients.problems)
        if not recipients.numbers:
            raise ConfigurationError("add at least one recipient number (E.164, e.g. +14155551234)")
        if len(recipients.numbers) > MAX_RECIPIENTS:
            raise ConfigurationError(
                f"{len(recipients.numbers)} recipients: the API takes at most {MAX_RECIPIENTS} per send; split the list"
            )
        parameters = self.parameters
        missing = [name for name, value in parameters.items() if not value.strip()]
        if missing:
            raise ConfigurationError(
                f"fill the variables of {template['name']!r} before sending: {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} empty"
            )
        unknown = [c for c in self._channels if c not in template["channels"]]
        if unknown:
            raise ConfigurationError(
                f"template {template['name']!r} cannot go on {', '.join(unknown)}; its channels: "
                f"{', '.join(template['channels']) or 'none'} (or choose none: each contact's default)"
            )
        return SendRequest(
            template_id=template["id"],
            template_name=template["name"],
            to=recipients.numbers,
            parameters=tuple(parameters.items()),
            channels=self._channels,
            sandbox=self.sandbox,
        )

    def submit(self) -> Submission:
        """Send what the form holds: at once in the sandbox; a live send waits for ``confirm()``.

        Submitting the same form again after a success raises ``DuplicateSendError`` (nothing is
        sent); after an unclear outcome it retries under the same Idempotency-Key.

        >>> form.submit().state
        'validated'
        """
        request = self.preview()
        with self._lock:
            current = self._current
            if current is not None and current.state == "in_flight":
                raise DuplicateSendError(
                    "a send is already in flight; wait for its answer (nothing more was sent)", current
                )
            if current is not None and current.request == request and current.done:
                when = current.finished_at.strftime("%H:%M:%S UTC") if current.finished_at else "earlier"
                raise DuplicateSendError(
                    f"this exact send was already {current.state} at {when}; nothing was sent again. "
                    "Change the form, or call new_send() to send it once more on purpose.",
                    current,
                )
            reusable = current is not None and current.request == request and current.state != "rejected"
            submission = current if reusable else Submission(request, new_idempotency_key())
            self._current = submission
            submission.state = "in_flight" if request.sandbox else "awaiting_confirmation"
        self._notify("submission")
        if not request.sandbox:
            return submission
        return self._perform(submission)

    @property
    def current(self) -> Submission | None:
        """The latest submission (awaiting confirmation, in flight, or finished), if any.

        >>> _ = form.submit()
        >>> form.current.state, form.current.idempotency_key
        ('validated', 'sentlab-send-...')
        """
        return self._current

    @property
    def pending(self) -> Submission | None:
        """The live send waiting for ``confirm()``, if any.

        >>> _ = form.submit(); form.pending is None       # a sandbox send needs no confirmation
        True
        """
        current = self._current
        return current if current is not None and current.state == "awaiting_confirmation" else None

    @property
    def in_flight(self) -> bool:
        """True while a send is being made.

        >>> form.in_flight
        False
        """
        current = self._current
        return current is not None and current.state == "in_flight"

    def confirm(self) -> Submission:
        """Make the live send that ``submit()`` prepared, exactly as it was described.

        >>> form.submit()           # on a live=True form: nothing sent yet
        >>> form.confirm().state
        'sent'
        """
        with self._lock:
            submission = self._current
            if submission is None or submission.state != "awaiting_confirmation":
                raise ConfigurationError("nothing to confirm: submit() a live send first (the form may have changed)")
            submission.state = "in_flight"
        self._notify("submission")
        return self._perform(submission)

    def cancel(self) -> None:
        """Drop the live send waiting for confirmation; nothing is sent.

        >>> form.cancel()
        """
        with self._lock:
            pending = self._current is not None and self._current.state == "awaiting_confirmation"
            if pending:
                self._current.state = "cancelled"
        if pending:
            self._notify("submission")

    def new_send(self) -> None:
        """Start afresh: the next submit gets a new Idempotency-Key, even with the same form.

        >>> form.new_send(); form.submit().state     # the same send, on purpose, once more
        'validated'
        """
        with self._lock:
            if self._current is not None and self._current.state == "in_flight":
                raise DuplicateSendError("a send is in flight; wait for its answer", self._current)
            self._current = None
        self._notify("submission")

    def _form_changed(self) -> None:
        # What the user confirms must be what is sent: any change withdraws a pending confirmation.
        self.cancel()
        self._notify("form")

    def _perform(self, submission: Submission) -> Submission:
        request = submission.request
        submission.attempts += 1
        started = datetime.now(UTC)
        response: Any = None
        error: BaseException | None = None
        try:
            response = self.client.send(
                list(request.to),
                template_id=request.template_id,
                parameters=dict(request.parameters) or None,
                channels=list(request.channels) or None,
                sandbox=request.sandbox,
                idempotency_key=submission.idempotency_key,
            )
        except BaseException as exc:  # recorded, then re-raised
            error = exc
        with self._lock:
            submission.finished_at = datetime.now(UTC)
            if error is None:
                submission.response = response if isinstance(response, dict) else {"data": response}
                submission.state = "validated" if request.sandbox else "sent"
                submission.error = None
            else:
                submission.state = "unknown" if outcome_unknown(error) else "rejected"
                submission.error = self._safe(str(error) or type(error).__name__)
            self._record(submission, started)
        self._notify("submission")
        if error is not None:
            raise error
        return submission

    def _record(self, submission: Submission, started: datetime) -> None:
        request = submission.request
        response = submission.response if submission.state in _FINAL_OK else None
        self._history.append({
            "submitted_at": started,
            "sandbox": request.sandbox,
            "template_name": request.template_name,
            "template_id": request.template_id,
            "recipients": list(request.to),
            "channels": list(request.channels),
            "parameters": dict(request.parameters),
            "outcome": submission.state,
            "status": (response or {}).get("status"),
            "message_ids": submission.message_ids if response else [],
            "error": submission.error,
            "idempotency_key": submission.idempotency_key,
            "attempt": submission.attempts,
        })  # fmt: skip
        for recipient in _recipients(response):
            self._messages.append({
                "message_id": recipient.get("message_id"),
                "to": recipient.get("to"),
                "channel": recipient.get("channel"),
                "body": recipient.get("body"),
                "template_name": request.template_name,
                "sandbox": request.sandbox,
                "submitted_at": started,
                "idempotency_key": submission.idempotency_key,
            })  # fmt: skip

    def _safe(self, text: str) -> str:
        return safe_text(self.client, text)

    def _template_name(self) -> str | None:
        template = self.template
        return template["name"] if template else None

    # -- what was done ------------------------------------------------------------------------

    @property
    def history(self) -> pd.DataFrame:
        """Every request this form made, oldest first, errors included (one row per attempt).

        Columns: submitted_at, sandbox, template_name, template_id, recipients, channels,
        parameters, outcome (validated, sent, rejected, unknown), status, message_ids, error,
        idempotency_key, attempt.

        >>> _ = form.submit()
        >>> form.history[["submitted_at", "sandbox", "outcome", "message_ids"]]
                              submitted_at  ...                             message_ids
        0 ...  ...  [...]
        <BLANKLINE>
        [1 rows x 4 columns]
        """
        frame = pd.DataFrame(self._history, columns=_HISTORY_COLUMNS)
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
        frame["sandbox"] = frame["sandbox"].astype("boolean")
        frame["attempt"] = frame["attempt"].astype("Int64")
        for column in ("template_name", "template_id", "outcome", "status", "error", "idempotency_key"):
            frame[column] = frame[column].astype("str")
        return frame

    def history_table(self) -> pd.DataFrame:
        """The history to read: one row per request, in words (what the form's History shows).

        ``when`` to the second (UTC), ``mode`` sandbox or LIVE, the template and its parameters,
        recipients, channels, outcome, ``messages`` (short ids: each message id's first 8
        characters) and ``key`` (the Idempotency-Key's random part, short): two sends that look
        alike differ in their parameters or key. Recipients and messages list their first 3, then
        how many more. ``history`` has every value in full.

        >>> _ = form.submit()
        >>> form.history_table()
                              when     mode  ...       key error
        0  ... UTC  sandbox  ...
        <BLANKLINE>
        [1 rows x 10 columns]
        """
        rows = [{
            "when": row["submitted_at"].strftime("%Y-%m-%d %H:%M:%S UTC"),
            "mode": "sandbox" if row["sandbox"] else "LIVE",
            "template": row["template_name"],
            "parameters": ", ".join(f"{k}={v}" for k, v in row["parameters"].items()),
            "recipients": _first(row["recipients"]),
            "channels": ", ".join(row["channels"]) or "default",
            "outcome": row["outcome"] if row["attempt"] == 1 else f"{row['outcome']} (attempt {row['attempt']})",
            "messages": _first([str(m)[:8] for m in row["message_ids"]]),
            "key": short_key(row["idempotency_key"]),
            "error": (row["error"] or "").splitlines()[0] if row["error"] else "",
        } for row in self._history]  # fmt: skip
        return pd.DataFrame(rows, columns=_HISTORY_TABLE_COLUMNS, dtype="str")

    @property
    def messages(self) -> pd.DataFrame:
        """Every message the API returned, one row each (a replayed answer is not counted twice).

        Live message ids feed ``lab.messages(ids)`` to follow their delivery.

        >>> sent = form.messages[~form.messages.sandbox]
        >>> lab.messages(sent.message_id)     # none here: a sandbox form only validates
        Empty DataFrame
        Columns: [id, customer_id, contact_id, ...]
        Index: []
        """
        frame = pd.DataFrame(self._messages, columns=_MESSAGE_COLUMNS)
        frame = frame.drop_duplicates("message_id", ignore_index=True)
        frame["submitted_at"] = pd.to_datetime(frame["submitted_at"], utc=True)
        frame["sandbox"] = frame["sandbox"].astype("boolean")
        for column in ("message_id", "to", "channel", "body", "template_name", "idempotency_key"):
            frame[column] = frame[column].astype("str")
        return frame


_HISTORY_COLUMNS = [
    "submitted_at", "sandbox", "template_name", "template_id", "recipients", "channels", "parameters",
    "outcome", "status", "message_ids", "error", "idempotency_key", "attempt",
]  # fmt: skip
_HISTORY_TABLE_COLUMNS = [
    "when", "mode", "template", "parameters", "recipients", "channels", "outcome", "messages", "key", "error",
]  # fmt: skip
_MESSAGE_COLUMNS = [
    "message_id", "to", "channel", "body", "template_name", "sandbox", "submitted_at", "idempotency_key",
]  # fmt: skip


def _first(items: list[str], shown: int = 3) -> str:
    """A list as text, its first few items then how many more: a history row stays one line."""
    more = f", … ({len(items) - shown} more)" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if hasattr(value, "__iter__"):
        return [str(v) for v in value]
    return []  # a missing value
