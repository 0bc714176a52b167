"""What a send from the form is and becomes: the checked request, the submission and its states, the duplicate refusal.

``SendController`` (``sentlab._controllers``) makes these; the widgets and code read them.

>>> sub = form.submit()
>>> sub.state, sub.request.describe()
('validated', "sandbox: validate 'order_confirmation' to 1 number (+14155550123) ...")
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from ._errors import (
    APIConnectionError,
    APIError,
    ConflictError,
    SentError,
    ServerError,
    UnexpectedResponseError,
)

__all__ = ["DuplicateSendError", "SendRequest", "Submission", "new_idempotency_key", "outcome_unknown", "short_key"]


class DuplicateSendError(SentError):
    """A submit that would repeat a send already made (or still in flight): nothing was sent.

    ``submission`` is the earlier send. Change the form, or call ``new_send()`` to send the same
    thing again on purpose.

    >>> form.submit(); form.submit()
    Traceback (most recent call last):
    DuplicateSendError: this exact send was already validated at ... UTC; nothing was sent again. ...
    """

    def __init__(self, message: str, submission: Submission) -> None:
        super().__init__(message)
        self.submission = submission


@dataclass(frozen=True)
class SendRequest:
    """One send, checked and frozen: exactly what ``lab.api.send`` will be asked to do.

    >>> form.preview().describe()
    "sandbox: validate 'order_confirmation' to 1 number (+14155550123) on each contact's default channel ..."
    """

    template_id: str
    template_name: str
    to: tuple[str, ...]
    parameters: tuple[tuple[str, str], ...] = ()
    channels: tuple[str, ...] = ()  # empty: each contact's default channel
    sandbox: bool = True

    @property
    def message_count(self) -> int:
        """Messages this send creates: one per number and channel (one per number with no channel chosen).

        >>> SendRequest("t", "welcome", ("+14155550123",), channels=("sms", "whatsapp")).message_count
        2
        """
        return len(self.to) * max(1, len(self.channels))

    def describe(self) -> str:
        """What this send does, in one line (the confirm step shows it).

        >>> SendRequest("t", "welcome", ("+14155550123",)).describe()
        "sandbox: validate 'welcome' to 1 number (+14155550123) on each contact's default channel; nothing is sent"
        """
        shown = ", ".join(self.to[:5]) + (f", … ({len(self.to) - 5} more)" if len(self.to) > 5 else "")
        numbers = f"{len(self.to)} number{'s' if len(self.to) != 1 else ''} ({shown})"
        channels = f"on {' and '.join(self.channels)}" if self.channels else "on each contact's default channel"
        values = ", ".join(f"{k}={v!r}" for k, v in self.parameters)
        with_values = f" with {values}" if values else ""
        if self.sandbox:
            return f"sandbox: validate {self.template_name!r} to {numbers} {channels}{with_values}; nothing is sent"
        count = self.message_count
        return (f"LIVE: send {count} real message{'s' if count != 1 else ''} of {self.template_name!r} "
                f"to {numbers} {channels}{with_values}")  # fmt: skip


# A submission's life: awaiting_confirmation -> in_flight -> validated | sent | rejected | unknown;
# "cancelled" when the user cancels a live send before confirming it.
_FINAL_OK = ("validated", "sent")


@dataclass
class Submission:
    """One send the user asked for, under one Idempotency-Key for as long as its outcome is not known.

    ``state`` is ``awaiting_confirmation`` (a live send, not sent yet), ``in_flight``,
    ``validated`` (sandbox: checked, nothing sent), ``sent`` (live), ``rejected`` (the API
    refused it: nothing was sent), ``unknown`` (no clear answer: submitting it again reuses the
    same key, so it cannot be sent twice) or ``cancelled``.

    >>> sub = form.submit()
    >>> sub.state, sub.message_ids
    ('validated', ['...'])
    """

    request: SendRequest
    idempotency_key: str
    state: str = "new"
    attempts: int = 0
    response: dict[str, Any] | None = None
    error: str | None = None
    finished_at: datetime | None = None

    @property
    def done(self) -> bool:
        """True once the API accepted it (validated in the sandbox, or sent live).

        >>> form.submit().done
        True
        """
        return self.state in _FINAL_OK

    @property
    def message_ids(self) -> list[str]:
        """Message ids the API returned, one per recipient and channel.

        >>> form.submit().message_ids
        ['...']
        """
        return [r["message_id"] for r in _recipients(self.response) if r.get("message_id")]

    def recipients(self) -> pd.DataFrame:
        """The API's answer, one row per message: message_id, to, channel, body.

        >>> form.submit().recipients()
                                     message_id  ...                                           body
        0  ...  ...  Hi Ada, your order A-1001 has been confirmed.
        <BLANKLINE>
        [1 rows x 4 columns]
        """
        rows = [{k: r.get(k) for k in ("message_id", "to", "channel", "body")} for r in _recipients(self.response)]
        return pd.DataFrame(rows, columns=["message_id", "to", "channel", "body"]).astype("str")

    def summary(self) -> str:
        """What happened, in a line or two (the form shows it).

        >>> form.submit().summary()
        "Validated in the sandbox: 1 message would be sent; nothing was sent. ..."
        """
        request = self.request
        if self.state == "awaiting_confirmation":
            retry = (" This retries an earlier attempt under the same Idempotency-Key: it cannot be sent twice."
                     if self.attempts else "")  # fmt: skip
            return f"Confirm to send: {request.describe()}.{retry}"
        if self.state == "validated":
            count = len(self.message_ids)
            return (f"Validated in the sandbox: {count} message{'s' if count != 1 else ''} would be sent; "
                    f"nothing was sent. ({request.describe()})")  # fmt: skip
        if self.state == "sent":
            count = len(self.message_ids)
            status = (self.response or {}).get("status") or "accepted"
            return f"Sent {count} message{'s' if count != 1 else ''} ({status}). ({request.describe()})"
        if self.state == "rejected":
            return f"The API refused this send; nothing was sent.\n{self.error}"
        if self.state == "unknown":
            return (f"No clear answer from the API: the send may or may not have happened.\n{self.error}\n"
                    "Submit again to retry: the same Idempotency-Key is reused, so it cannot be sent twice.")  # fmt: skip
        if self.state == "cancelled":
            return "Cancelled: nothing was sent."
        return f"{self.state}: {request.describe()}"


def _recipients(response: Any) -> list[dict[str, Any]]:
    if not isinstance(response, dict):
        return []
    recipients = response.get("recipients")
    return [r for r in recipients if isinstance(r, dict)] if isinstance(recipients, list) else []


# -- idempotency: one key per send, reused when its outcome is unknown ----------------------------


def short_key(key: str) -> str:
    """An Idempotency-Key, short: the first 8 characters of its random part (the whole key if it has none).

    >>> short_key("sentlab-send-1764636932000-3f2a9c1b7d4e6f80")
    '3f2a9c1b'
    """
    return key.rsplit("-", 1)[-1][:8] if key.startswith("sentlab-send-") else key[:16]


def new_idempotency_key() -> str:
    # The docs advise keys with context: what it is, when, and a random part.
    return f"sentlab-send-{int(time.time() * 1000)}-{uuid.uuid4().hex[:16]}"


def outcome_unknown(error: BaseException) -> bool:
    """True when the send may have happened anyway (no answer, 5xx, a concurrent duplicate):
    retrying must reuse the key. A clear refusal (4xx) means nothing was sent."""
    if isinstance(error, APIConnectionError | ServerError | UnexpectedResponseError):
        return True
    if isinstance(error, ConflictError) and error.code == "CONFLICT_001":
        return True
    if isinstance(error, APIError):
        return error.status is None or error.status == 408 or error.status >= 500
    return not isinstance(error, SentError)  # interrupted: the request may have left
