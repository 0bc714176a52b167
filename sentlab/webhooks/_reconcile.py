"""Reconciling an endpoint: what the API says it delivered vs what the receiver stored, per event."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from sentlab._frames import build_frame

from ._inbox import Inbox

__all__ = ["VERDICTS", "reconcile"]

#: What each row's ``verdict`` means, in the order they are counted in ``frame.attrs["summary"]``.
VERDICTS = {
    "ok": "delivered according to the API and stored once",
    "missing": "delivered according to the API, never stored: a gap in ingestion (or a different store)",
    "duplicated": "stored, and received more than once (Sent retried: deduplicated on the event id)",
    "failed": "the API's delivery failed (http_status_code, error_message say how); stored or not",
    "pending": "the API's delivery is still under way",
    "unlisted": "stored, but not in the API's events list (another webhook, a /test specimen, or older than the list)",
}

_COLUMNS = ["event_id", "verdict", "event_type", "message_id", "created_at", "delivery_status", "http_status_code",
            "delivery_attempts", "error_message", "received", "receipts", "first_received_at"]  # fmt: skip


def reconcile(lab: Any, webhook_id: str, *, received: pd.DataFrame | None = None,
              store: str | os.PathLike[str] | Inbox | None = None, refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Per event of ``webhook_id``: what ``GET /v3/webhooks/{id}/events`` says vs what was received.

    ``received`` is a webhook_events frame of received deliveries (``read_log``'s, or
    ``lab.webhook_events(source="received")``); by default the deliveries the receiver stored
    for this webhook in ``store`` (default: the lab's store directory). One row per event id with
    a ``verdict`` (see :data:`VERDICTS`), the API's ``delivery_status``, ``http_status_code``,
    ``delivery_attempts`` and ``error_message``, and ``receipts`` on the receiving side;
    ``frame.attrs["summary"]`` counts the verdicts. The API side costs one request per 100
    events (through the lab's store).

    >>> gaps = sentlab.webhooks.reconcile(lab, webhook_id)     # no receiver ran here: none received
    >>> gaps.attrs["summary"]
    {'ok': 0, 'missing': 290, 'duplicated': 0, 'failed': 98, 'pending': 0, 'unlisted': 0}
    >>> gaps[gaps.verdict == "failed"][["event_type", "http_status_code", "error_message"]].head(3)
               event_type  http_status_code                   error_message
    4   message.delivered               503    HTTP 503 Service Unavailable
    9   message.delivered               500  HTTP 500 Internal Server Error
    14  message.delivered               500  HTTP 500 Internal Server Error
    """
    api = lab.webhook_events(webhook_id, refresh=refresh)
    if received is None:
        inbox = store if isinstance(store, Inbox) else Inbox(store if store is not None else _store_dir(lab))
        received = build_frame("webhook_events", inbox.records(webhook_id))
    got = received.drop_duplicates("id").set_index("id")
    listed = api.drop_duplicates("id").set_index("id")
    ids = list(listed.index) + [i for i in got.index if i not in listed.index]
    out = pd.DataFrame({"event_id": pd.array(ids, dtype="string")})
    in_api = out["event_id"].isin(listed.index).to_numpy()
    for column in ("event_type", "message_id", "created_at", "delivery_status", "http_status_code",
                   "delivery_attempts", "error_message"):  # fmt: skip
        source = listed[column].reindex(ids)
        fallback = got[column].reindex(ids) if column in ("event_type", "message_id", "created_at") else None
        out[column] = (source.fillna(fallback) if fallback is not None else source).array  # dtype kept
    out["delivery_status"] = out["delivery_status"].where(in_api, None).astype("string")
    receipts = got["delivery_attempts"].reindex(ids).fillna(0).astype("int64").to_numpy()
    out["received"] = receipts > 0
    out["receipts"] = receipts
    out["first_received_at"] = got["processing_started_at"].reindex(ids).array
    status = out["delivery_status"].fillna("").str.lower()
    verdict = pd.Series("ok", index=out.index, dtype=object)
    verdict[(status == "delivered") & ~out["received"]] = "missing"
    verdict[(status == "delivered") & (out["receipts"] > 1)] = "duplicated"
    verdict[status == "failed"] = "failed"
    verdict[status == "pending"] = "pending"
    verdict[~in_api] = "unlisted"
    out["verdict"] = pd.Categorical(verdict, categories=list(VERDICTS))
    out = out[_COLUMNS]
    out.attrs["summary"] = {name: int((out["verdict"] == name).sum()) for name in VERDICTS}
    out.attrs["webhook_id"] = webhook_id
    return out


def _store_dir(lab: Any) -> Any:
    return getattr(lab, "_cache_dir", None)  # the lab's store directory (None: the default one)
