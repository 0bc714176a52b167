"""Ground truth of a world: every record as it finally reads, the ledgers of true outcomes.

What tests and analyses compare against: ``world.truth`` (plain dicts, future statuses and
events included), ``world.ledger()`` (one row per message, with its true cost) and
``world.call_ledger()`` (one row per voice call).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _profile_wire, _profiles
from . import _wire as wire
from ._bodies import message_body
from ._params import Outcome
from ._records import Records
from ._vocab import CHANNELS, REASONS, STEP_STATUS, STEPS
from ._voice import (
    CALL_STATUSES,
    COMPLETED,
    DIRECTIONS,
    FAILURE_REASONS,
    FINAL,
    INITIATED,
    KINDS,
    Voice,
)
from ._voice_wire import call

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Truth", "call_ledger", "combined_ledger", "ledger", "truth_calls"]


def ledger(records: Records, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per message with its true outcome and cost (``cost = price + active_contact_price``).

    ``status`` is the final status (or the status at ``as_of``); ``reason_code`` is the reason for
    a FAILED, FILTERED or BLOCKED one; ``direction`` is outbound or inbound (inbound is free);
    ``segments`` is the SMS segments billed and ``rich`` whether an RCS message was billed as a
    single rich message. FILTERED, BLOCKED and CANCELLED messages cost nothing.

    >>> from sentlab.simulator import build_world
    >>> round(float(ledger(build_world(contacts=100, messages=50)._records)["cost"].sum()), 4)
    2.0362
    """
    import pandas as pd

    m = records.messages
    n = m.n
    times = m["times"]
    if as_of is None:
        last = np.nanargmax(times, axis=1)
    else:
        masked = np.where(times <= as_of.timestamp(), times, -np.inf)
        last = np.argmax(masked, axis=1)
    tpl_idx = m["template"]
    contact = m["contact"]
    region_codes = [records.regions[int(r)] for r in records.contacts["region"][contact]]
    templates = [records.templates[int(t)] if t >= 0 else None for t in tpl_idx]
    frame = pd.DataFrame(
        {
            "message_id": records.message_ids[:n],
            "profile_id": [records.scopes[int(s)].id for s in m["scope"]],
            "contact_id": [records.contact_ids[int(c)] for c in contact],
            "phone": [records.contact_phones[int(c)] for c in contact],
            "channel": [CHANNELS[int(c)] for c in m["channel"]],
            "region_code": region_codes,
            "template_id": [t.id if t else None for t in templates],
            "template_name": [t.name if t else None for t in templates],
            "template_category": [t.category if t else None for t in templates],
            "direction": np.where(m["direction"] == 1, "inbound", "outbound"),
            "status": [STEP_STATUS[int(k)] for k in last],
            "reason_code": [REASONS[r][0] if r >= 0 and STEP_STATUS[int(k)] in ("FAILED", "FILTERED", "BLOCKED") else None
                            for r, k in zip(m["reason"], last, strict=True)],
            "segments": m["segments"].astype(np.int64),
            "rich": m["rich"].astype(bool),
            "created_at": pd.to_datetime(m["created"], unit="s", utc=True),
            "price": np.round(m["price"], 4),
            "active_contact_price": np.round(m["markup"], 4),
        }
    )
    frame["cost"] = (frame["price"] + frame["active_contact_price"]).round(4)
    return frame


class Truth:
    """Every record of a world as plain dicts, for tests to compare against what a client pulled.

    Records carry ``profile_id`` (the owning scope: the organization id for its
    own records); messages carry their whole ``timeline`` (future steps included)
    and ``final_status``; events carry ``webhook_id``. Reach it as ``world.truth``.

    >>> first = build_world(contacts=100, messages=50).truth.messages()[0]
    >>> list(first["timeline"]), first["final_status"]
    (['QUEUED', 'PROCESSED', 'ROUTED', 'SENT', 'DELIVERED'], 'DELIVERED')
    >>> first["timeline"]["QUEUED"] == first["created_at"]
    True
    """

    def __init__(self, records: Records) -> None:
        self._records = records
        self.params = records.params

    def profiles(self) -> list[dict[str, Any]]:
        """Every profile not deleted, as ``GET /v3/profiles/{id}`` shows it now.

        Records of a deleted profile (contacts, templates, webhooks and their events, users,
        campaigns) leave the truth with it; its messages stay in ``messages()`` and the ledger.

        >>> len(demo_world().truth.profiles())
        3
        """
        return [_profile_wire.profile(self._records, s) for s in self._records.profiles()]

    def _live(self, scope: int) -> bool:
        return not self._records.scopes[scope].deleted

    def users(self) -> list[dict[str, Any]]:
        """Every user with access (not removed), as ``GET /v3/users/{id}`` shows it, with ``profile_id``.

        >>> sorted({u["status"] for u in demo_world().truth.users()})
        ['active', 'invited']
        """
        w = self._records
        return [{**wire.user(w, u), "profile_id": w.scopes[u.scope].id}
                for u in w.users if not u.removed and self._live(u.scope)]  # fmt: skip

    def campaigns(self) -> list[dict[str, Any]]:
        """Every 10DLC campaign not deleted, as it reads now, with its owner's ``profile_id`` (the
        organization's id for the campaigns profiles may inherit), its whole ``timeline`` (future
        steps included: ``created, submitted, activated, dca_completed, expired``), ``final_status``
        and ``sync_error``.

        >>> sorted(c["final_status"] for c in demo_world().truth.campaigns())
        ['ACTIVE', 'ACTIVE', 'EXPIRED', 'SENT_CREATED']
        """
        w = self._records
        out = []
        for c in w.campaigns:
            if c.deleted or not self._live(c.scope):
                continue
            times = {"created": c.created, "submitted": c.submitted, "activated": c.activated,
                     "dca_completed": c.dca_completed, "expired": c.expired}  # fmt: skip
            out.append({**_profile_wire.campaign(w, c), "profile_id": w.scopes[c.scope].id,
                        "timeline": {k: wire.iso(t) for k, t in times.items() if t is not None},
                        "final_status": _profiles.campaign_status(c, math.inf), "sync_error": c.sync_error})  # fmt: skip
        return out

    def contacts(self) -> list[dict[str, Any]]:
        """Every contact not deleted, with the owning scope's ``profile_id``.

        >>> {"id", "phone_number", "profile_id"} <= demo_world().truth.contacts()[0].keys()
        True
        """
        w = self._records
        out = []
        for i in range(w.contacts.n):
            owner = int(w.contacts["scope"][i])
            if w.contacts["deleted"][i] or not self._live(owner):
                continue
            out.append({**wire.contact(w, i, owner), "profile_id": w.scopes[owner].id})
        return out

    def templates(self) -> list[dict[str, Any]]:
        """Every template not deleted, with ``profile_id`` and its ``texts`` per channel.

        >>> sorted({t["status"] for t in demo_world().truth.templates()})
        ['APPROVED', 'PENDING', 'REJECTED']
        """
        w = self._records
        return [{**wire.template(w, t), "profile_id": w.scopes[t.scope].id, "texts": dict(t.texts)}
                for t in w.templates if not t.deleted and self._live(t.scope)]  # fmt: skip

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook not deleted, with ``profile_id`` and its ``signing_secret``.

        >>> all(h["signing_secret"].startswith("whsec_") for h in demo_world().truth.webhooks())
        True
        """
        w = self._records
        return [{**wire.webhook(w, h, secret=True), "profile_id": w.scopes[h.scope].id}
                for h in w.webhooks if not h.deleted and self._live(h.scope)]  # fmt: skip

    def messages(self) -> list[dict[str, Any]]:
        """Every message with its whole ``timeline`` (future steps included) and ``final_status``.

        >>> len(build_world(contacts=100, messages=50).truth.messages())
        50
        """
        w = self._records
        out = []
        for i in range(w.messages.n):
            row = w.messages["times"][i]
            timeline = {STEPS[k]: wire.iso(float(row[k])) for k in np.argsort(row) if not math.isnan(row[k])}
            tpl = w.template_of(i)
            reason = w.reason(i)
            out.append({
                "id": w.message_ids[i],
                "profile_id": w.scopes[int(w.messages["scope"][i])].id,
                "contact_id": w.contact_ids[int(w.messages["contact"][i])],
                "direction": "inbound" if int(w.messages["direction"][i]) else "outbound",
                "reply_to": w.message_ids[int(w.messages["reply_to"][i])] if w.messages["reply_to"][i] >= 0 else None,
                "phone": w.contact_phones[int(w.messages["contact"][i])],
                "channel": CHANNELS[int(w.messages["channel"][i])],
                "template_id": tpl.id if tpl else None,
                "template_name": tpl.name if tpl else None,
                "template_category": tpl.category if tpl else None,
                "created_at": wire.iso(float(w.messages["created"][i])),
                "final_status": w.final_status(i),
                "timeline": timeline,
                "reason_code": reason[0] if reason else None,
                "segments": int(w.messages["segments"][i]),
                "scheduled_at": wire.iso(float(w.messages["sched"][i])),
                "released_at": wire.iso(float(w.messages["release"][i])),
                "price": round(float(w.messages["price"][i]), 4),
                "active_contact_price": round(float(w.messages["markup"][i]), 4),
                "body": message_body(w, i),
            })  # fmt: skip
        return out

    def events(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        """Every event (future ones included) as it will finally read, newest first per webhook.

        >>> truth = build_world(contacts=100, messages=50).truth
        >>> hook = truth.webhooks()[0]              # subscribed to message.failed only
        >>> len(truth.events()), len(truth.events(hook["id"]))
        (303, 1)
        """
        w = self._records
        out = []
        for h in w.webhooks:
            if h.deleted or not self._live(h.scope) or (webhook_id is not None and h.id != webhook_id):
                continue
            ev = w.sorted_events(h)
            for j in range(ev.n - 1, -1, -1):
                out.append({**wire.event(w, h, j, now=math.inf), "webhook_id": h.id,
                            "profile_id": w.scopes[h.scope].id})  # fmt: skip
        return out

    def calls(self, as_of: datetime | None = None) -> list[dict[str, Any]]:
        """Every voice call, newest first, with ``profile_id`` and its ``timeline``.

        ``as_of`` None: as each call will finally read (future calls included); a datetime: the
        calls started by then, as ``GET /v3/voice/calls/{id}`` reads them then.

        >>> truth = build_world(contacts=100, messages=500).truth
        >>> sorted({c["status"] for c in truth.calls()})
        ['COMPLETED', 'FAILED', 'NO_ANSWER']
        """
        return truth_calls(self._records, as_of)

    def outcome(self, channel: str, region_code: str) -> Outcome:
        """The true outcome probabilities for ``channel`` in ``region_code`` (``WorldParams.outcome``).

        >>> demo_world().truth.outcome("sms", "US").failed
        0.032
        """
        return self.params.outcome(channel, region_code)


# ---------------------------------------------------------------------------------------------
# voice calls
# ---------------------------------------------------------------------------------------------


def _newest_first(voice: Voice) -> np.ndarray:
    started = voice.calls["times"][:, INITIATED]
    return np.lexsort((np.arange(voice.calls.n), started))[::-1]


def truth_calls(records: Records, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Every call, newest first, with ``profile_id`` and its ``timeline``.

    ``as_of`` None: as every call will finally read (future calls included); a datetime: the calls
    started by then, as they read then.
    """
    voice: Voice = records.voice
    now = math.inf if as_of is None else as_of.timestamp()
    out = []
    for i in _newest_first(voice):
        i = int(i)
        if voice.calls["times"][i][INITIATED] > now:
            continue
        scope = int(voice.calls["scope"][i])
        out.append({**call(voice, i, now, timeline=True), "profile_id": records.scopes[scope].id})
    return out


def call_ledger(records: Records, as_of: datetime | None = None) -> pd.DataFrame:
    """One row per call (newest first) with its true outcome and cost (``cost = price``, no markup).

    ``as_of`` None: every call as it finally reads; a datetime: the calls started by then, as
    they read then (``duration_seconds``, ``price`` and ``cost`` NaN while live).
    """
    import pandas as pd

    voice: Voice = records.voice
    now = math.inf if as_of is None else as_of.timestamp()
    c = voice.calls
    rows = _newest_first(voice)
    rows = rows[c["times"][rows, INITIATED] <= now]
    status = voice.status_at(rows, now) if len(rows) else np.zeros(0, dtype=np.int64)
    ended = np.isin(status, FINAL)
    duration = np.array([voice.billable(int(i)) for i in rows], dtype=float)
    price = np.array([voice.price(int(i)) for i in rows], dtype=float)
    duration[~ended] = np.nan
    price[~ended] = np.nan
    region = c["region"][rows]
    frame = pd.DataFrame(
        {
            "call_id": [voice.call_ids[int(i)] for i in rows],
            "profile_id": [records.scopes[int(s)].id for s in c["scope"][rows]],
            "direction": [DIRECTIONS[int(d)] for d in c["direction"][rows]],
            "status": [CALL_STATUSES[int(k)] for k in status],
            "failure_reason": [FAILURE_REASONS[int(r)] if e and k != COMPLETED and r >= 0 else None
                               for r, e, k in zip(c["reason"][rows], ended, status, strict=True)],
            "number": [voice.numbers[int(k)].number for k in c["number"][rows]],
            "from_kind": [KINDS[int(k)] for k in c["from_kind"][rows]],
            "from": [voice.from_values[int(i)] for i in rows],
            "to_kind": [KINDS[int(k)] for k in c["to_kind"][rows]],
            "to": [voice.to_values[int(i)] for i in rows],
            "region_code": [records.regions[int(r)] if r >= 0 else None for r in region],
            "started_at": pd.to_datetime(c["times"][rows, INITIATED], unit="s", utc=True),
            "duration_seconds": duration,
            "price": price,
        }
    )
    frame["cost"] = frame["price"]
    return frame


def combined_ledger(messages: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """Messages and calls in one frame, oldest first: ``kind``, ``id``, ``channel`` ``"voice"`` for calls.

    A call's ``created_at`` is when it started and its ``active_contact_price`` 0 (no markup).
    """
    import pandas as pd

    m = messages.rename(columns={"message_id": "id"}).assign(kind="message")
    c = calls.rename(columns={"call_id": "id", "started_at": "created_at"}).assign(
        kind="call", channel="voice", active_contact_price=0.0)  # fmt: skip
    frame = pd.concat([m, c], ignore_index=True, sort=False)
    frame = frame.sort_values("created_at", kind="stable").reset_index(drop=True)
    return frame[["kind", *[col for col in frame.columns if col != "kind"]]]
