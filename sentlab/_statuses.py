"""The message status vocabulary: every status, its lifecycle order, its classes and its time column.

This module is the one home of the statuses: frames, metrics, the store, the messages log and the
simulator import them from here (it imports nothing from sentlab, so any layer may).

The contract (``docs/metrics.md``, "The contract"): a message's outcome is its latest status,
compared upper-cased. Outbound statuses fall in classes:

- **pending** (:data:`PENDING`): QUEUED, ACCEPTED, PROCESSED, ROUTED, SCHEDULED;
- **left the queue** (:data:`LEFT_QUEUE`): SENT, DELIVERED, READ, FAILED, the denominator of
  ``delivery_rate`` and ``failure_rate``;
- **stopped by the platform** (:data:`STOPPED`): BLOCKED (an account precondition) and FILTERED
  (an opt-out, the content filter): neither reached a carrier;
- **called off** (:data:`CALLED_OFF`): CANCELLED, a scheduled send;
- **inbound** (:data:`INBOUND`): RECEIVED, a contact's message, never in an outbound rate;
- **unknown**: any other status, and a missing one. The API may add statuses: they are an open
  set, counted apart, never dropped.

Billing: :data:`NEVER_BILLED` messages cost 0; :data:`NOT_YET_BILLED` ones have a null price
until they are processed. Freshness: nothing follows a :data:`FINAL` status (DELIVERED becomes
final only after a while: it may still turn READ).

>>> from sentlab import _statuses as statuses
>>> statuses.LEFT_QUEUE, statuses.STATUS_TIME_COLUMNS["DELIVERED"]
(('SENT', 'DELIVERED', 'READ', 'FAILED'), 'delivered_at')
"""

from __future__ import annotations

__all__ = [
    "ACCEPTED", "BLOCKED", "CALLED_OFF", "CANCELLED", "DELIVERED", "DELIVERY_SETTLED", "DELIVERY_UNDER_WAY",
    "FAILED", "FILTERED", "FINAL", "INBOUND", "KNOWN", "LEFT_QUEUE", "LIFECYCLE", "LIFECYCLE_RANK", "NEVER_BILLED",
    "NOT_YET_BILLED", "PENDING", "PROCESSED", "QUEUED", "READ", "RECEIVED", "ROUTED", "SCHEDULED", "SENT",
    "STATUS_TIME_COLUMNS", "STOPPED",
]  # fmt: skip

QUEUED = "QUEUED"
ACCEPTED = "ACCEPTED"
SCHEDULED = "SCHEDULED"  # a held send, waiting for its release time
PROCESSED = "PROCESSED"
ROUTED = "ROUTED"
SENT = "SENT"
DELIVERED = "DELIVERED"
READ = "READ"
FAILED = "FAILED"
FILTERED = "FILTERED"
BLOCKED = "BLOCKED"
CANCELLED = "CANCELLED"
RECEIVED = "RECEIVED"

#: Every status the API reports, in the official SDK's lifecycle order (sentdm 0.46); the
#: statuses that end a lifecycle come last (RECEIVED is inbound: it has no other).
LIFECYCLE = (QUEUED, ACCEPTED, SCHEDULED, PROCESSED, ROUTED, SENT, DELIVERED, READ, FAILED,
             FILTERED, BLOCKED, CANCELLED, RECEIVED)  # fmt: skip
#: Rank of each status in the lifecycle (later = more advanced), to break ties between events
#: with the same timestamp; the statuses that end a lifecycle share the last rank.
LIFECYCLE_RANK: dict[str, int] = {
    **{status: rank for rank, status in enumerate(LIFECYCLE[:LIFECYCLE.index(FILTERED)])},
    **dict.fromkeys((FILTERED, BLOCKED, CANCELLED, RECEIVED), LIFECYCLE.index(FILTERED)),
}

#: The outbound classes of the contract (see the module docstring).
PENDING = (QUEUED, ACCEPTED, PROCESSED, ROUTED, SCHEDULED)
LEFT_QUEUE = (SENT, DELIVERED, READ, FAILED)
STOPPED = (BLOCKED, FILTERED)  # stopped by the platform: an account precondition, or a filter
CALLED_OFF = (CANCELLED,)  # a scheduled send called off
INBOUND = (RECEIVED,)  # a contact's message to the account: never in an outbound rate
#: Every status the contract knows; any other is *unknown*.
KNOWN = (*PENDING, *LEFT_QUEUE, *STOPPED, *CALLED_OFF, *INBOUND)
#: Never billed: price and markup are 0 (inbound messages too, whatever their status).
NEVER_BILLED = (*STOPPED, *CALLED_OFF, *INBOUND)
#: Not billed yet: the price is null until the message is processed.
NOT_YET_BILLED = (QUEUED, ACCEPTED, SCHEDULED)
#: Statuses nothing follows (the SDK's terminal statuses but DELIVERED, which may turn READ).
FINAL = frozenset({READ, FAILED, FILTERED, BLOCKED, CANCELLED, RECEIVED})

#: Status -> messages column holding the time it was reached. ACCEPTED and SCHEDULED have none
#: (``scheduled_at`` is a held send's release time, not when it was held); other statuses still
#: count as the latest status, they just have no column of their own.
STATUS_TIME_COLUMNS: dict[str, str] = {
    QUEUED: "queued_at",
    PROCESSED: "processed_at",
    ROUTED: "routed_at",
    SENT: "sent_at",
    DELIVERED: "delivered_at",
    READ: "read_at",
    FAILED: "failed_at",
    FILTERED: "filtered_at",
    BLOCKED: "blocked_at",
    CANCELLED: "cancelled_at",
    RECEIVED: "received_at",
}

# Webhook deliveries are another vocabulary: the status of a webhook event's delivery
# (``delivery_status``, or the old shape's ``status``), lower-case. The API documents no list:
# the simulator's are pending, delivered and failed; the others are the usual words for them.
#: A delivery still under way: the stored event will change.
DELIVERY_UNDER_WAY = frozenset({"pending", "processing", "queued", "retrying", "in_progress", "scheduled"})
#: A delivery with its outcome.
DELIVERY_SETTLED = frozenset({"delivered", "failed", "success", "succeeded"})
