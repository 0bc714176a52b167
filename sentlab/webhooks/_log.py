"""Replaying a log of received deliveries (JSON lines) as the webhook_events frame.

One JSON object a line: ``headers`` (an object, names in any case), ``body`` (the raw request
body as a string, exactly as received; an already-parsed object is accepted, but cannot be
verified) and ``received_at`` (ISO 8601 or Unix seconds). ``sentlab listen --log FILE`` writes
this format. Bad lines are counted and described in ``frame.attrs``, never fatal.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sentlab._frames import build_frame

from ._inbox import event_id_of, received_records
from ._verify import ID_HEADER, WebhookVerificationError, header, signing_key, verify

__all__ = ["read_log"]

#: Described bad lines kept in ``frame.attrs["bad_lines"]`` (the count is always exact).
_DESCRIBED = 100


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def read_log(path: str | os.PathLike[str], secret: str | list[str] | None = None, *,
             tolerance: float = 300) -> pd.DataFrame:  # fmt: skip
    """The webhook_events frame of a JSON-lines log of received deliveries, one row per event id.

    With ``secret`` every line is verified (its timestamp against its own ``received_at``, within
    ``tolerance``) and a line that fails is left out and counted. ``frame.attrs``: ``lines``,
    ``bad_line_count``, ``bad_lines`` (the first 100 as ``(line number, reason)``),
    ``bad_reasons`` (count per reason), ``duplicates`` (lines repeating an event id: Sent's
    retries) and ``source`` (``"log"``).

    >>> ev = sentlab.webhooks.read_log("deliveries.jsonl", secret=os.environ["SENT_WEBHOOK_SECRET"])
    >>> ev.attrs["bad_line_count"], ev.message_status.tolist()
    (0, ['DELIVERED'])
    """
    if secret is not None:
        for s in [secret] if isinstance(secret, str) else secret:
            signing_key(s)  # a malformed secret is a ConfigurationError now, not a bad line per line
    rows: dict[str, dict[str, Any]] = {}
    bad: list[tuple[int, str]] = []
    reasons: Counter[str] = Counter()
    lines = duplicates = 0

    def reject(number: int, reason: str) -> None:
        reasons[reason.split(":")[0]] += 1
        if len(bad) < _DESCRIBED:
            bad.append((number, reason))

    with Path(path).open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            lines += 1
            try:
                entry = json.loads(line)
            except ValueError:
                reject(number, "not_json")
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("headers"), dict) or "body" not in entry:
                reject(number, "not_a_delivery: each line needs headers (object) and body")
                continue
            headers, body = entry["headers"], entry["body"]
            received_at = _epoch(entry.get("received_at"))
            if isinstance(body, str):
                raw = body.encode()
                try:
                    envelope = json.loads(body)
                except ValueError:
                    envelope = None
            elif isinstance(body, dict):
                raw, envelope = None, body
            else:
                reject(number, "bad_body: body is neither the raw text nor an object")
                continue
            if secret is not None:
                if raw is None:
                    reject(number, "unverifiable: body is parsed JSON, not the raw text that was signed")
                    continue
                try:
                    envelope = verify(raw, headers, secret, tolerance=tolerance if received_at else None,
                                      now=received_at)  # fmt: skip
                except WebhookVerificationError as exc:
                    reject(number, f"{exc.check}: {exc.message}")
                    continue
            if not isinstance(envelope, dict):
                reject(number, "bad_body: the body is not a JSON object")
                continue
            event_id = event_id_of(headers, raw if raw is not None else json.dumps(envelope, sort_keys=True).encode())
            known = rows.get(event_id)
            if known is not None:
                duplicates += 1
                known["receipts"] += 1
                if received_at is not None:
                    known["received_at"] = min(filter(None, (known["received_at"], received_at)), default=None)
                    known["last_received_at"] = max(filter(None, (known["last_received_at"], received_at)),
                                                    default=None)  # fmt: skip
                continue
            webhook_id = header(headers, ID_HEADER)
            rows[event_id] = {"event_id": event_id, "webhook_id": webhook_id, "body": envelope,
                              "received_at": received_at, "last_received_at": received_at, "receipts": 1}  # fmt: skip
    frame = build_frame("webhook_events", received_records(rows.values()))
    frame.attrs.update(source="log", lines=lines, bad_line_count=sum(reasons.values()), bad_lines=bad,
                       bad_reasons=dict(reasons), duplicates=duplicates)  # fmt: skip
    return frame
