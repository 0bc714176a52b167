"""What the routes ask of a world: scoped lookups, pages, mutations, sends (raising the API's errors).

``Account`` wraps a world's ``Records`` for ``_app``'s handlers: every method takes the caller's
scope (0 = the organization, 1.. = a profile), raises ``ApiError`` the way the API does, and
returns records or wire dicts. ``dry_run`` (the API's ``sandbox``) runs every check and returns
a realistic answer without changing anything.
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import numpy as np

from . import _lifecycle, _numbers, _pricing
from . import _wire as wire
from ._bodies import template_text
from ._envelope import ApiError
from ._generate import MMS_MEDIA, add_messages, new_secret
from ._ids import hash_int, uuid_from_int
from ._records import Records, Template, Webhook, event_table
from ._vocab import (
    CANCELLED,
    CHANNEL_BIT,
    CHANNELS,
    FILTERED,
    MESSAGE_EVENTS,
    REASON_INDEX,
    RECEIVED,
    STEP_STATUS,
    TERMINAL,
    render,
    sms_units,
)

__all__ = ["Account"]


class Account:
    """The route-facing side of a world (internal: handlers get one per app).

    >>> from sentlab.simulator import build_world
    >>> account = Account(build_world(contacts=100, messages=50)._records)
    >>> rows, total = account.contact_page(1, page=1, page_size=5)
    >>> len(rows), total                    # a page of the 58 contacts profile 1 sees
    (5, 58)
    """

    def __init__(self, records: Records) -> None:
        self.records = records

    # -- queries ----------------------------------------------------------------------------------

    def _visible_contact_lists(self, scope: int) -> list[list[int]]:
        """Own contacts (newest first), then the organization's, which profiles inherit."""
        r = self.records
        own = r.scope_contacts[scope]
        return [own] if scope == 0 else [own, r.scope_contacts[0]]

    def contact_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None,
        channel: str | None = None, phone: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """One page of the contacts ``scope`` sees, and the total matching."""
        r = self.records
        if phone is not None:
            i = r.find_contact(scope, phone)
            if i is None:
                raise ApiError(404, "RESOURCE_001", "Contact not found with the specified phone number")
            rows = [i]
            return ([wire.contact(r, i, scope)] if page == 1 else []), len(rows)
        lists = self._visible_contact_lists(scope)
        if search or channel:
            key = (scope, search, channel, r.version)
            matched = r.list_cache.get(key)
            if matched is None:
                matched = [i for lst in lists for i in lst if self._contact_matches(i, search, channel)]
                if len(r.list_cache) > 64:
                    r.list_cache.clear()
                r.list_cache[key] = matched
            lists = [matched]
        total = sum(len(lst) for lst in lists)
        start = (page - 1) * page_size
        rows: list[int] = []
        for lst in lists:
            if start >= len(lst):
                start -= len(lst)
                continue
            rows.extend(lst[start : start + page_size - len(rows)])
            start = 0
            if len(rows) >= page_size:
                break
        return [wire.contact(r, i, scope) for i in rows], total

    def _contact_matches(self, i: int, search: str | None, channel: str | None) -> bool:
        r = self.records
        if channel and not int(r.contacts["channels"][i]) & CHANNEL_BIT.get(channel, 0):
            return False
        if search:
            needle = search.strip().lower()
            digits = re.sub(r"\D", "", needle)
            if digits and digits in r.contact_phones[i]:
                return True
            region = r.regions[int(r.contacts["region"][i])].lower()
            return needle in (region, r.contact_ids[i])
        return True

    def find_contact(self, scope: int, phone: str) -> int | None:
        """The contact ``scope`` sees with this E.164 number (its own first, then inherited)."""
        r = self.records
        i = r.contact_by_phone.get((scope, phone))
        if i is None and scope != 0:
            i = r.contact_by_phone.get((0, phone))
        return i

    def contact_index(self, scope: int, contact_id: str) -> int:
        r = self.records
        i = r.contact_by_id.get(contact_id)
        if i is None or int(r.contacts["scope"][i]) not in (scope, 0):
            raise ApiError(404, "RESOURCE_001", "Contact not found")
        return i

    def _templates_of(self, scope: int) -> list[Template]:
        r = self.records
        ts = [t for t in r.templates if t.scope == scope and not t.deleted]
        ts.sort(key=lambda t: (t.created, t.id), reverse=True)
        return ts

    def template_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None,
        status: str | None = None, category: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        ts = self._templates_of(scope)
        if search:
            ts = [t for t in ts if search.lower() in t.name.lower()]
        if status:
            ts = [t for t in ts if t.status == status]
        if category:
            ts = [t for t in ts if t.category == category]
        start = (page - 1) * page_size
        return [wire.template(self.records, t) for t in ts[start : start + page_size]], len(ts)

    def template(self, scope: int, template_id: str) -> Template:
        r = self.records
        for t in r.templates:
            if t.id == template_id and t.scope == scope and not t.deleted:
                return t
        raise ApiError(404, "RESOURCE_002", "Template not found")

    def _webhooks_of(self, scope: int) -> list[Webhook]:
        r = self.records
        ws = [w for w in r.webhooks if w.scope == scope and not w.deleted]
        ws.sort(key=lambda w: (w.created, w.id), reverse=True)
        return ws

    def webhook_page(
        self, scope: int, page: int, page_size: int, *, search: str | None = None, is_active: bool | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        r = self.records
        ws = self._webhooks_of(scope)
        if search:
            ws = [w for w in ws if search.lower() in (w.display_name + " " + w.endpoint_url).lower()]
        if is_active is not None:
            ws = [w for w in ws if w.is_active == is_active]
        start = (page - 1) * page_size
        return [wire.webhook(r, w) for w in ws[start : start + page_size]], len(ws)

    def webhook(self, scope: int, webhook_id: str) -> Webhook:
        r = self.records
        for w in r.webhooks:
            if w.id == webhook_id and w.scope == scope and not w.deleted:
                return w
        raise ApiError(404, "RESOURCE_008", "Webhook not found")

    def event_page(
        self, w: Webhook, page: int, page_size: int, *, search: str | None = None
    ) -> tuple[list[dict[str, Any]], int]:
        """Events of ``w`` visible now, newest first (ties: latest-emitted first)."""
        r = self.records
        now = r.now_ts()
        visible = r.visible_event_count(w, now)
        if search:
            needle = search.strip().lower()
            rows = [j for j in range(visible - 1, -1, -1) if self._event_matches(w, j, needle)]
            start = (page - 1) * page_size
            return [wire.event(r, w, j, now) for j in rows[start : start + page_size]], len(rows)
        hi = visible - (page - 1) * page_size
        lo = max(hi - page_size, 0)
        return [wire.event(r, w, j, now) for j in range(hi - 1, lo - 1, -1)], visible

    def _event_matches(self, w: Webhook, j: int, needle: str) -> bool:
        r = self.records
        ev = w.events
        i = int(ev["msg"][j])
        step = int(ev["step"][j])
        hay = (MESSAGE_EVENTS[step], STEP_STATUS[step].lower(), r.message_ids[i], r.contact_phones[int(r.messages["contact"][i])])
        return any(needle in h for h in hay)

    def message_index(self, scope: int, message_id: str) -> int:
        """A message the caller may read: its profile's, or any of the organization's for an org key."""
        r = self.records
        i = r.message_by_id.get(message_id)
        if i is None or (scope != 0 and int(r.messages["scope"][i]) != scope):
            raise ApiError(404, "RESOURCE_003", "Message not found")
        return i

    # -- contact mutations ------------------------------------------------------------------------

    def _new_contact_fields(self, phone: str) -> tuple[str, int, int]:
        """(region, channel bits, default channel index) of a contact made for ``phone``."""
        r = self.records
        try:
            region = _numbers.number_formats(phone).get("region_code")
        except ValueError:
            region = None
        if not region:
            raise ApiError(400, "VALIDATION_002", "Invalid phone number format",
                           {"phone_number": ["Phone number is not a valid number"]})  # fmt: skip
        share = r.params.whatsapp_share.get(region, r.params.whatsapp_share_default)
        whatsapp = (hash_int(r.seed, "wa", phone) % 1000) / 1000 < share
        rcs = region in _pricing.RCS_RATES and (hash_int(r.seed, "rcs", phone) % 1000) / 1000 < r.params.rcs_share.get(region, 0.0)
        mms = region in _pricing.MMS_RATES
        bits = CHANNEL_BIT["sms"] | (CHANNEL_BIT["whatsapp"] * whatsapp) | (CHANNEL_BIT["rcs"] * rcs) | (CHANNEL_BIT["mms"] * mms)
        return region, bits, 0

    def create_contact(self, scope: int, phone: str, *, dry_run: bool = False) -> dict[str, Any]:
        r = self.records
        if r.find_contact(scope, phone) is not None:
            raise ApiError(409, "RESOURCE_007", "Contact with this phone number already exists for this customer")
        region, bits, default = self._new_contact_fields(phone)
        now = r.now_ts()
        if dry_run:  # a realistic record that is never stored
            return {
                "id": str(uuid.uuid4()), **_numbers.number_formats(phone), "region_code": region,
                "available_channels": ",".join(ch for ch in CHANNELS if bits & CHANNEL_BIT[ch]),
                "default_channel": CHANNELS[default], "opt_out": False, "is_inherited": False,
                "customer_id": r.scopes[scope].id, "created_at": wire.iso(now), "updated_at": None,
            }  # fmt: skip
        (i,) = r.add_contacts(scope, [phone], [region], [bits], [default], [False], [now], [np.nan])
        return wire.contact(r, i, scope)

    def update_contact(
        self, scope: int, contact_id: str, *, default_channel: str | None, opt_out: bool | None, dry_run: bool = False
    ) -> dict[str, Any]:
        r = self.records
        i = self.contact_index(scope, contact_id)
        if int(r.contacts["scope"][i]) != scope:
            raise ApiError(422, "BUSINESS_001", "Cannot modify inherited contact")
        shown = wire.contact(r, i, scope)
        if default_channel is not None and default_channel not in shown["available_channels"].split(","):
            raise ApiError(400, "VALIDATION_001", "Request validation failed",
                           {"default_channel": [f"Channel '{default_channel}' is not available for this contact"]})  # fmt: skip
        now = r.now_ts()
        if dry_run:
            if default_channel is not None:
                shown["default_channel"] = default_channel
            if opt_out is not None:
                shown["opt_out"] = opt_out
            shown["updated_at"] = wire.iso(now)
            return shown
        if default_channel is not None:
            r.contacts["default"][i] = CHANNELS.index(default_channel)
        if opt_out is not None:
            r.contacts["opt_out"][i] = opt_out
        r.contacts["updated"][i] = now
        r.version += 1
        return wire.contact(r, i, scope)

    def delete_contact(self, scope: int, contact_id: str, *, dry_run: bool = False) -> None:
        r = self.records
        i = self.contact_index(scope, contact_id)
        if int(r.contacts["scope"][i]) != scope:
            raise ApiError(422, "BUSINESS_001", "Cannot modify inherited contact")
        if dry_run:
            return
        r.contacts["deleted"][i] = True
        del r.contact_by_id[contact_id]
        r.contact_by_phone.pop((scope, r.contact_phones[i]), None)
        r.scope_contacts[scope].remove(i)
        r.version += 1

    # -- template mutations -----------------------------------------------------------------------

    def create_template(self, scope: int, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """``spec``: name, category, language, texts {channel: text}, variables, submit (bool)."""
        r = self.records
        now = r.now_ts()
        t = Template(
            id=str(uuid.uuid4()) if dry_run else uuid_from_int(r.prng.getrandbits(128)),
            scope=scope,
            name=spec["name"],
            category=spec["category"],
            language=spec["language"],
            status="PENDING" if spec["submit"] or dry_run else "DRAFT",
            channels=spec["channels"],
            texts=spec["texts"],
            variables=spec["variables"],
            created=now,
            updated=now,
        )
        if not dry_run:
            r.templates.append(t)
        return wire.template(r, t)

    def update_template(
        self, scope: int, template_id: str, spec: dict[str, Any], *, dry_run: bool = False
    ) -> dict[str, Any]:
        r = self.records
        t = self.template(scope, template_id)
        if dry_run:
            t = Template(**{**t.__dict__, "channels": list(t.channels), "texts": dict(t.texts)})
        content_changed = any(spec.get(k) is not None for k in ("category", "texts", "language"))
        for key in ("name", "category", "language", "texts", "channels", "variables"):
            if spec.get(key) is not None:
                setattr(t, key, spec[key])
        if spec.get("submit"):
            t.status = "PENDING"
        elif content_changed:
            t.status = "DRAFT"  # an edited template needs review again
        t.updated = r.now_ts()
        return wire.template(r, t)

    def delete_template(self, scope: int, template_id: str, *, dry_run: bool = False) -> None:
        t = self.template(scope, template_id)
        if not dry_run:
            t.deleted = True

    # -- webhook mutations ------------------------------------------------------------------------

    def create_webhook(self, scope: int, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        r = self.records
        now = r.now_ts()
        w = Webhook(
            id=str(uuid.uuid4()) if dry_run else uuid_from_int(r.prng.getrandbits(128)),
            scope=scope,
            display_name=spec.get("display_name") or "Webhook",
            endpoint_url=spec["endpoint_url"],
            secret="whsec_" + base64.b64encode(uuid.uuid4().bytes).decode() if dry_run else new_secret(r),
            is_active=True,
            event_types=spec.get("event_types") or ["messages"],
            event_filters=spec.get("event_filters") or None,
            retry_count=spec.get("retry_count") or 3,
            timeout_seconds=spec.get("timeout_seconds") or 30,
            created=now,
            updated=None,
            failure_share=r.params.webhook_failure_share,
            events=event_table(),
        )
        if not dry_run:
            r.webhooks.append(w)
        return wire.webhook(r, w, secret=True)

    def update_webhook(self, scope: int, webhook_id: str, spec: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        r = self.records
        w = self.webhook(scope, webhook_id)
        if dry_run:
            w = Webhook(**{**w.__dict__, "event_types": list(w.event_types)})
        was_live = w.live
        for key in ("display_name", "endpoint_url", "event_types", "event_filters", "retry_count", "timeout_seconds"):
            if spec.get(key) is not None:
                setattr(w, key, spec[key])
        w.updated = r.now_ts()
        if w.live and not was_live and not dry_run:
            # events not yet emitted go to the new loopback endpoint for real (``_delivery``)
            ev = w.events
            future = (ev["created"] > w.updated) & (ev["live"] == 0)
            for name, value in (("outcome", 0), ("attempts", 0), ("http", 0), ("degenerate", False),
                                ("started", np.inf), ("completed", np.inf), ("live", 1)):  # fmt: skip
                ev[name][future] = value
        return wire.webhook(r, w)

    def delete_webhook(self, scope: int, webhook_id: str, *, dry_run: bool = False) -> None:
        w = self.webhook(scope, webhook_id)
        if not dry_run:
            w.deleted = True

    def toggle_webhook(self, scope: int, webhook_id: str, is_active: bool | None, *, dry_run: bool = False) -> dict[str, Any]:
        r = self.records
        w = self.webhook(scope, webhook_id)
        if dry_run:
            w = Webhook(**w.__dict__)
        target = (not w.is_active) if is_active is None else is_active
        now = r.now_ts()
        if w.is_active and not target and not dry_run:
            # deliveries not yet emitted are dropped: events during inactivity are lost, as in life
            ev = r.sorted_events(w)
            keep = int(np.searchsorted(ev["created"], now, side="right"))
            ev.n = keep
        w.is_active = target
        w.updated = now
        return wire.webhook(r, w)

    def rotate_secret(self, scope: int, webhook_id: str, *, dry_run: bool = False) -> str:
        r = self.records
        w = self.webhook(scope, webhook_id)
        secret = new_secret(r)
        if not dry_run:
            w.secret = secret
            w.updated = r.now_ts()
        return secret

    # -- sending ----------------------------------------------------------------------------------

    def resolve_template(self, scope: int, ref: dict[str, Any]) -> Template:
        if ref.get("id"):
            return self.template(scope, ref["id"])
        candidates = [t for t in self._templates_of(scope) if t.name == ref.get("name")]
        if not candidates:
            raise ApiError(404, "RESOURCE_002", "Template not found")
        candidates.sort(key=lambda t: t.status != "APPROVED")
        return candidates[0]

    def send(
        self, scope: int, *, to: list[str], template: dict[str, Any] | None, channels: list[str],
        text: str | None = None, release: float | None = None, media_urls: list[str] | None = None,
        senders: dict[str, list[str]] | None = None, dry_run: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """Validate a send against the world and, unless ``dry_run``, create its messages.

        One message per (recipient, channel); ``"sent"`` picks the contact's best channel. What
        is wrong with the request itself is refused (4xx); account preconditions checked per
        message (balance, template approval, sender numbers, 10DLC, opt-out, the WhatsApp
        conversation window) are accepted and the message is recorded BLOCKED or FILTERED.
        """
        tpl = self.resolve_template(scope, template) if template else None
        media = list(media_urls or [])
        if tpl is not None and not media and tpl.name in MMS_MEDIA:
            media = [MMS_MEDIA[tpl.name][0]]
        plan = self._plan_send(scope, to, tpl, template, channels, text, media)
        response: dict[str, Any] = {
            "status": "QUEUED",
            "template_id": tpl.id if tpl else None,
            "template_name": tpl.name if tpl else None,
            "recipients": [],
        }
        if release is not None:
            response["scheduled_at"] = wire.iso(release)
        if dry_run:
            response["recipients"] = [
                {"message_id": str(uuid.uuid4()), "to": phone, "channel": ch, "body": body}
                for phone, _, ch, _, body in plan
            ]
            return response
        response["recipients"] = self._create_sends(scope, plan, tpl, release, media_urls, senders)
        return response

    def _plan_send(self, scope: int, to: list[str], tpl: Template | None, template: dict[str, Any] | None,
                   channels: list[str], text: str | None,
                   media: list[str]) -> list[tuple[str, int | None, str, int, str]]:  # fmt: skip
        """The messages of a send, one per (recipient, channel): ``(phone, contact row or None,
        channel, region index, body)``; raises for a channel a recipient or template cannot take."""
        r = self.records
        plan: list[tuple[str, int | None, str, int, str]] = []
        seen: set[tuple[str, str]] = set()
        for phone in dict.fromkeys(to):
            i = r.find_contact(scope, phone)
            if i is not None:
                region = r.regions[int(r.contacts["region"][i])]
                bits = int(r.contacts["channels"][i])
                default = CHANNELS[int(r.contacts["default"][i])]
            else:
                region, bits, default_idx = self._new_contact_fields(phone)
                default = CHANNELS[default_idx]
            available = [ch for ch in CHANNELS if bits & CHANNEL_BIT[ch]]
            for requested in channels:
                channel = _send_channel(requested, phone, default, available, tpl, media)
                if (phone, channel) in seen:
                    continue
                seen.add((phone, channel))
                params = (template or {}).get("parameters") or {}
                if text is not None:
                    body = text
                else:
                    assert tpl is not None
                    body = render(template_text(tpl, channel), params)
                plan.append((phone, i, channel, r.region_idx(region), body))
        return plan

    def _create_sends(self, scope: int, plan: list[tuple[str, int | None, str, int, str]], tpl: Template | None,
                      release: float | None, media_urls: list[str] | None,
                      senders: dict[str, list[str]] | None) -> list[dict[str, Any]]:  # fmt: skip
        """Store the planned messages (new recipients become contacts), gated per message as the
        account's preconditions say; their recipients as the send's response lists them."""
        r = self.records
        now = r.now_ts()
        contact_rows = []
        for phone, i, _, region_idx, _ in plan:
            if i is None:
                i = r.find_contact(scope, phone)
            if i is None:
                _, bits, default_idx = self._new_contact_fields(phone)
                (i,) = r.add_contacts(scope, [phone], [r.regions[region_idx]], [bits], [default_idx],
                                          [False], [now], [np.nan])  # fmt: skip
            contact_rows.append(i)
        k = len(plan)
        contact_arr = np.array(contact_rows, dtype=np.int32)
        channel_arr = np.array([CHANNELS.index(ch) for _, _, ch, _, _ in plan], dtype=np.int8)
        template_arr = np.full(k, r.templates.index(tpl) if tpl else -1, dtype=np.int32)
        scope_arr = np.full(k, scope, dtype=np.int16)
        sched = np.full(k, np.nan if release is None else release)
        at = np.where(np.isnan(sched), now, _lifecycle.quiet_release(r, r.contacts["region"][contact_arr], sched))
        gate = _lifecycle.gate_reasons(r, r.live_rng, scope=scope_arr, contact=contact_arr, channel=channel_arr,
                                       template=template_arr, at=at)  # fmt: skip
        for n, (_, _, ch, _, _) in enumerate(plan):
            if gate[n] < 0 and senders and senders.get(ch) and not set(senders[ch]) <= self._sender_numbers(scope, ch):
                gate[n] = REASON_INDEX["BUSINESS_029"]
            if gate[n] < 0 and ch == "whatsapp" and tpl is None and not self._window_open(scope, contact_rows[n], now):
                gate[n] = REASON_INDEX["BUSINESS_031"]
        units = np.array([sms_units(body)[0] for *_, body in plan])
        gsm7 = np.array([sms_units(body)[1] for *_, body in plan])
        rich = (channel_arr == CHANNELS.index("rcs")) & ((units > 160) | bool(tpl and tpl.button))
        rows = add_messages(r, scope=scope_arr, contact=contact_arr, channel=channel_arr, template=template_arr,
                            created=np.full(k, now), sched=sched, gate=gate, units=units, gsm7=gsm7, rich=rich,
                            rng=r.live_rng)  # fmt: skip
        recipients = []
        for row, (phone, _, ch, _, body) in zip(rows, plan, strict=True):
            r.message_text[row] = body
            if ch == "mms" and media_urls:
                r.message_media[row] = list(media_urls)
            recipients.append({"message_id": r.message_ids[row], "to": phone, "channel": ch, "body": body})
        return recipients

    def _sender_numbers(self, scope: int, channel: str) -> set[str]:
        """The numbers ``scope`` may send ``channel`` from: its own and the organization's."""
        r = self.records
        scopes = (r.scopes[scope], r.scopes[0])
        return {s.whatsapp_number if channel == "whatsapp" else s.sms_number for s in scopes}

    def _window_open(self, scope: int, contact: int, now: float) -> bool:
        """Whether the contact wrote to ``scope`` on WhatsApp in the last 24 hours."""
        m = self.records.messages
        rows = self.records.scope_messages(scope, contact)
        wa = CHANNELS.index("whatsapp")
        recent = rows[(m["direction"][rows] == 1) & (m["channel"][rows] == wa)]
        return bool(((m["created"][recent] <= now) & (m["created"][recent] > now - 86400)).any())

    # -- messages: lists, summaries, cancel and resend --------------------------------------------

    def message_page(
        self, scope: int, page: int, page_size: int, *, contact: int | None = None
    ) -> tuple[list[bytes], int]:
        """One page of ``scope``'s messages (one contact's, if given) that exist now, newest first,
        each as JSON (``wire.message_json``), and how many exist."""
        r = self.records
        now = r.now_ts()
        rows = r.scope_messages(scope, contact)
        visible = int(np.searchsorted(r.messages["created"][rows], now, side="right"))
        hi = visible - (page - 1) * page_size
        lo = max(hi - page_size, 0)
        return [wire.message_json(r, int(rows[j]), now) for j in range(hi - 1, lo - 1, -1)], visible

    def conversation_contact(self, scope: int, conversation_id: str) -> int:
        """The contact a conversation id names (a conversation is one contact's thread)."""
        r = self.records
        i = r.contact_by_id.get(conversation_id)
        if i is None or int(r.contacts["scope"][i]) not in (scope, 0):
            raise ApiError(404, "RESOURCE_001", "Conversation not found: no contact with this id")
        return i

    def cancel_message(self, scope: int, message_id: str, *, dry_run: bool = False) -> dict[str, Any]:
        """Call off a scheduled message not yet released (422 BUSINESS_006 otherwise)."""
        r = self.records
        i = self.message_index(scope, message_id)
        now = r.now_ts()
        times = r.messages["times"][i]
        release = float(r.messages["release"][i])
        held = release == release and release > now  # scheduled and not released yet
        if not held or times[CANCELLED] <= now:
            status = wire.message(r, i)["status"]
            raise ApiError(422, "BUSINESS_006", "Message cannot be modified in current state",
                           {"status": [f"Only a scheduled message not yet released can be cancelled; this one is {status}"]})  # fmt: skip
        if dry_run:
            shown = wire.message(r, i)
            return {**shown, "status": "CANCELLED", "price": 0.0, "active_contact_price": 0.0}
        _lifecycle.cancel(r, i, r.live_rng)
        return wire.message(r, i)

    def resend_message(self, scope: int, message_id: str, *, dry_run: bool = False) -> dict[str, Any]:
        """Send a finished message again (422 BUSINESS_006 if in flight, FILTERED or CANCELLED)."""
        r = self.records
        i = self.message_index(scope, message_id)
        now = r.now_ts()
        steps = r.visible_steps(i, now)
        last = steps[-1][1] if steps else -1
        if last not in TERMINAL or last in (FILTERED, CANCELLED, RECEIVED):
            status = STEP_STATUS[last] if last >= 0 else "QUEUED"
            why = {FILTERED: "a FILTERED message is never resendable", CANCELLED: "a cancelled message cannot be resent",
                   RECEIVED: "an inbound message cannot be resent"}.get(last, f"it is still {status}: wait until it is final")  # fmt: skip
            raise ApiError(422, "BUSINESS_006", "Message cannot be modified in current state", {"status": [why]})
        if dry_run:
            return {**wire.message(r, i), "status": "QUEUED"}
        _lifecycle.resend(r, i, r.live_rng)
        return wire.message(r, i)


def _send_channel(requested: str, phone: str, default: str, available: list[str], tpl: Template | None,
                  media: list[str]) -> str:  # fmt: skip
    """The channel a message to ``phone`` goes out on for ``requested`` (``"sent"``: the contact's
    best that the template speaks; MMS only when something is attached); raises if it cannot."""
    if requested == "sent":  # auto-detect: MMS only when something is attached
        ranked = [default, *available]
        options = [c for c in ranked if (tpl is None or c in tpl.channels) and (c != "mms" or media)]
        if media and "mms" in options:
            options.insert(0, "mms")
        if not options:
            raise ApiError(422, "BUSINESS_007", "Channel not available for this contact",
                           {"channel": [f"No channel of template '{tpl.name if tpl else ''}' reaches {phone}"]})  # fmt: skip
        return options[0]
    channel = requested
    if channel == "mms" and not media:
        raise ApiError(400, "VALIDATION_001", "Request validation failed",
                       {"media_urls": ["An MMS send needs media: media_urls or a template with media"]})  # fmt: skip
    if channel not in available or (tpl is not None and channel not in tpl.channels and
                                    not (channel == "mms" and "sms" in tpl.channels)):  # fmt: skip
        raise ApiError(422, "BUSINESS_007", "Channel not available for this contact",
                       {"channel": [f"'{channel}' is not available for {phone}"]})  # fmt: skip
    return channel
