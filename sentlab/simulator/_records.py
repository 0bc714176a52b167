"""A world's records in memory: columnar tables, small record types, the indexes that find them.

Records that are many (contacts, messages, webhook events) live in numpy columns and parallel
lists; records that are few (scopes, templates, webhooks, users) are dataclasses. Nothing here
draws anything at random except new ids, and nothing builds wire dicts: that is ``_generate``'s
and ``_wire``'s job.
"""

from __future__ import annotations

import ipaddress
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from . import _pricing
from ._clock import SimClock
from ._ids import uuid_from_int
from ._params import WorldParams
from ._vocab import MESSAGE_EVENTS, REASONS, STEP_STATUS, STEPS, subscribed_events

if TYPE_CHECKING:  # records of their own module, ``_profiles``
    from ._profiles import Brand, Campaign, Setup

__all__ = ["Records", "Scope", "Table", "Template", "User", "Webhook", "event_table", "loopback_url"]


class Table:
    """Growable columnar storage: named numpy columns sharing a row count."""

    def __init__(self, columns: dict[str, tuple[Any, tuple[int, ...], Any]], capacity: int = 64) -> None:
        self._spec = columns  # name -> (dtype, trailing shape, fill)
        self.n = 0
        self._cap = max(capacity, 16)
        self._data = {name: np.full((self._cap, *shape), fill, dtype=dt) for name, (dt, shape, fill) in columns.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._data[name][: self.n]

    def at(self, name: str, i: int) -> Any:
        """Row ``i`` of column ``name`` (no slice made: for code reading one record at a time)."""
        return self._data[name][i]

    def extend(self, count: int, **values: Any) -> range:
        """Append ``count`` rows (columns not given keep their fill); returns their indices."""
        need = self.n + count
        if need > self._cap:
            new_cap = max(need, self._cap * 2)
            for name, (dt, shape, fill) in self._spec.items():
                grown = np.full((new_cap, *shape), fill, dtype=dt)
                grown[: self.n] = self._data[name][: self.n]
                self._data[name] = grown
            self._cap = new_cap
        for name, value in values.items():
            self._data[name][self.n : need] = value
        rows = range(self.n, need)
        self.n = need
        return rows

    def take(self, order: np.ndarray) -> None:
        """Reorder the rows in place by ``order`` (used to keep event logs sorted by time)."""
        for name in self._spec:
            self._data[name][: self.n] = self._data[name][: self.n][order]

    def keep(self, mask: np.ndarray) -> None:
        """Drop the rows where ``mask`` is False, keeping the others' order."""
        kept = int(mask.sum())
        for name in self._spec:
            self._data[name][:kept] = self._data[name][: self.n][mask]
        self.n = kept


@dataclass
class Scope:
    index: int  # 0 = the organization, 1.. = profiles
    id: str
    kind: str  # "organization" | "profile"
    name: str
    short_name: str
    email: str
    description: str
    created: float
    updated: float
    key: str
    sms_number: str
    whatsapp_number: str
    vertical: str = "RETAIL"
    key_user: str | None = None  # the user who created the API key ("yourself" in the user routes)
    deleted: bool = False  # a deleted profile: its key and x-profile-id no longer work


@dataclass
class Template:
    id: str
    scope: int
    name: str
    category: str
    language: str
    status: str
    channels: list[str]
    texts: dict[str, str]  # channel -> body text with {{variables}}
    variables: list[str]
    created: float
    updated: float | None
    footer: str | None = None
    button: str | None = None
    deleted: bool = False

    @property
    def is_published(self) -> bool:
        return self.status == "APPROVED"


@dataclass
class Webhook:
    id: str
    scope: int
    display_name: str
    endpoint_url: str
    secret: str
    is_active: bool
    event_types: list[str]
    retry_count: int
    timeout_seconds: int
    created: float
    updated: float | None
    failure_share: float
    events: Table
    event_filters: dict[str, list[str]] | None = None
    dirty: bool = False  # events appended out of time order since the last sort
    deleted: bool = False
    #: serial -> (error message, response body) of events delivered for real (``_delivery``)
    live_notes: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Whether deliveries are POSTed for real: the endpoint is on loopback (``_delivery``)."""
        return loopback_url(self.endpoint_url)

    def steps(self) -> set[int]:
        """Lifecycle steps this webhook is subscribed to."""
        names = subscribed_events(self.event_types, self.event_filters)
        return {i for i, name in enumerate(MESSAGE_EVENTS) if name in names}


@dataclass
class User:
    id: str
    scope: int
    email: str
    name: str
    role: str
    status: str
    invited: float
    last_login: float | None
    created: float
    updated: float
    removed: bool = False


def loopback_url(url: str) -> bool:
    """Whether ``url``'s host is a loopback address (127.0.0.0/8, ::1) or ``localhost``.

    >>> loopback_url("http://127.0.0.1:8080/hook"), loopback_url("https://hooks.example.com")
    (True, False)
    """
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def event_table() -> Table:
    return Table(
        {
            "created": (np.float64, (), np.nan),  # when Sent emitted the event
            "msg": (np.int32, (), -1),
            "step": (np.int8, (), -1),
            "at": (np.float64, (), np.nan),  # when the message reached the step (payload updated_at)
            "reason": (np.int16, (), -1),  # the message's reason at that step (index into REASONS)
            "sched": (np.float64, (), np.nan),  # scheduled_at on message.scheduled / message.cancelled
            "serial": (np.int64, (), -1),  # global creation order: ids and tie-breaks
            "outcome": (np.int8, (), 0),  # 0 delivered, 1 delivered after retries, 2 failed
            "attempts": (np.int8, (), 1),
            "http": (np.int16, (), 200),  # 0 = timeout (null status code)
            "degenerate": (np.bool_, (), False),
            "started": (np.float32, (), 0.0),  # seconds after created
            "completed": (np.float32, (), 0.0),  # seconds after created
            "live": (np.int8, (), 0),  # 0 outcome drawn, 1 real delivery under way, 2 delivered for real
        }
    )


class Records:
    """Everything a world holds, and the lookups every other part of the simulator shares.

    Internal: users reach a world through :class:`~sentlab.simulator.World`; the routes through
    ``_account.Account``. Attributes are plain so ``_generate``, ``_wire`` and ``_account`` can
    read and extend them.
    """

    def __init__(self, seed: int, params: WorldParams, clock: SimClock) -> None:
        self.seed = seed
        self.params = params
        self.clock = clock
        self.lock = threading.RLock()  # one request at a time; the server may run in a thread
        self.version = 0  # bumped by contact mutations (invalidates filtered-list caches)
        self.list_cache: dict[tuple[Any, ...], list[int]] = {}
        self.serial = 0  # next webhook-event serial
        self.deliveries_in_flight: set[tuple[str, int]] = set()  # (webhook id, event serial) being POSTed
        self.live_rng = np.random.default_rng([seed, 1])  # lifecycles of live sends
        self.prng = random.Random(seed)  # ids, numbers, secrets
        start = clock.now()
        anchor = start.replace(hour=0, minute=0, second=0, microsecond=0)
        self.anchor = anchor.timestamp()  # history ends here
        self.history_start = self.anchor - params.history_days * 86400.0
        self.scopes: list[Scope] = []  # 0 = the organization, 1.. = its profiles
        self.templates: list[Template] = []
        self.webhooks: list[Webhook] = []
        self.users: list[User] = []
        self.brands: dict[int, Brand] = {}  # scope -> its own TCR brand (``_profiles``)
        self.setups: dict[int, Setup] = {}  # profile scope -> onboarding, billing, inheritance
        self.campaigns: list[Campaign] = []  # 10DLC campaigns of every scope
        self.regions: list[str] = list(_pricing.REGIONS)
        self.region_index = {r: i for i, r in enumerate(self.regions)}
        # contacts
        self.contacts = Table(
            {
                "scope": (np.int16, (), 0),
                "region": (np.int16, (), 0),
                "channels": (np.int8, (), 1),  # bit 1 = sms, bit 2 = whatsapp
                "default": (np.int8, (), 0),  # index into CHANNELS
                "opt_out": (np.bool_, (), False),
                "created": (np.float64, (), np.nan),
                "updated": (np.float64, (), np.nan),
                "deleted": (np.bool_, (), False),
            }
        )
        self.contact_ids: list[str] = []
        self.contact_phones: list[str] = []
        self.contact_by_id: dict[str, int] = {}
        self.contact_by_phone: dict[tuple[int, str], int] = {}
        self.scope_contacts: list[list[int]] = []  # per scope, newest first
        # messages
        self.messages = Table(
            {
                "created": (np.float64, (), np.nan),
                "times": (np.float64, (len(STEPS),), np.nan),  # when each step was reached
                "channel": (np.int8, (), 0),
                "direction": (np.int8, (), 0),  # 0 outbound, 1 inbound
                "contact": (np.int32, (), -1),
                "template": (np.int32, (), -1),
                "scope": (np.int16, (), 0),
                "reason": (np.int16, (), -1),  # index into REASONS, for FAILED/FILTERED/BLOCKED
                "segments": (np.int8, (), 1),  # SMS segments billed
                "rich": (np.bool_, (), False),  # RCS billed as a single (rich) message, not a basic one
                "sched": (np.float64, (), np.nan),  # release asked for (scheduled sends)
                "release": (np.float64, (), np.nan),  # release after quiet hours (== sched if not moved)
                "reply_to": (np.int32, (), -1),  # inbound: the outbound message it answers
                "price": (np.float64, (), np.nan),
                "markup": (np.float64, (), np.nan),
            }
        )
        self.message_ids: list[str] = []
        self.message_by_id: dict[str, int] = {}
        self.message_text: dict[int, str] = {}  # free text / explicit parameters of live sends
        self.message_media: dict[int, list[str]] = {}  # media URLs of live MMS sends
        self.body_cache: dict[int, str] = {}  # rendered bodies of historical messages
        #: earlier attempts of resent messages: row -> [(timestamp, step, reason index)], oldest first
        self.prior_attempts: dict[int, list[tuple[float, int, int]]] = {}
        self.message_version = 0  # bumped by every message change (invalidates the indexes below)
        self.wire_cache: dict[int, bytes] = {}  # JSON of settled messages, as the lists serve them
        self._message_index: tuple[int, dict[int, np.ndarray], dict[tuple[int, int], np.ndarray]] | None = None
        self.voice: Any = None  # _voice.Voice: voice numbers and calls, drawn by _voice_draw.populate_voice

    # -- scopes and time --------------------------------------------------------------------------

    @property
    def organization(self) -> Scope:
        return self.scopes[0]

    def profiles(self) -> list[Scope]:
        """The organization's profiles that are not deleted, in creation order."""
        return [s for s in self.scopes[1:] if not s.deleted]

    def scope_for_key(self, api_key: str) -> int | None:
        """The scope an API key belongs to (a deleted profile's key belongs to none), or None."""
        for s in self.scopes:
            if s.key == api_key and not s.deleted:
                return s.index
        return None

    def scope_of_profile(self, profile_id: str) -> int | None:
        """The scope of a (not deleted) profile id of this organization, or None."""
        for s in self.profiles():
            if s.id == profile_id:
                return s.index
        return None

    def now_ts(self) -> float:
        return self.clock.time()

    def region_idx(self, code: str) -> int:
        """The index of a region code, adding regions the world has not seen yet."""
        idx = self.region_index.get(code)
        if idx is None:
            idx = len(self.regions)
            self.regions.append(code)
            self.region_index[code] = idx
        return idx

    # -- messages -------------------------------------------------------------------------------

    def template_of(self, i: int) -> Template | None:
        t = int(self.messages.at("template", i))
        return self.templates[t] if t >= 0 else None

    def reason(self, i: int) -> tuple[str, str] | None:
        r = int(self.messages["reason"][i])
        return REASONS[r] if r >= 0 else None

    def visible_steps(self, i: int, now: float) -> list[tuple[float, int]]:
        """``(timestamp, step)`` of message ``i``'s steps reached by ``now``, oldest first."""
        return sorted((t, k) for k, t in enumerate(self.messages.at("times", i).tolist()) if t <= now)

    def final_step(self, i: int) -> int:
        return int(np.nanargmax(self.messages["times"][i]))

    def final_status(self, i: int) -> str:
        return STEP_STATUS[self.final_step(i)]

    def messages_changed(self) -> None:
        """Call after adding or changing messages: the per-scope and per-contact indexes rebuild."""
        self.message_version += 1
        self._message_index = None
        self.wire_cache.clear()

    def _index(self) -> tuple[int, dict[int, np.ndarray], dict[tuple[int, int], np.ndarray]]:
        if self._message_index is None or self._message_index[0] != self.message_version:
            m = self.messages
            order = np.lexsort((np.arange(m.n), m["created"]))  # oldest first, ties by row
            scope_of = m["scope"][order]
            by_scope = {int(s): order[scope_of == s] for s in np.unique(scope_of)}
            self._message_index = (self.message_version, by_scope, {})
        return self._message_index

    def _contact_index(self, scope: int) -> dict[tuple[int, int], np.ndarray]:
        """Per-contact rows of ``scope``'s messages, grouped on first use (most scopes never are)."""
        _, by_scope, by_contact = self._index()
        if (scope, -1) not in by_contact:
            rows = by_scope.get(scope, np.empty(0, dtype=np.int64))
            contacts = self.messages["contact"][rows]
            grouped = np.argsort(contacts, kind="stable")
            starts = np.flatnonzero(np.r_[True, np.diff(contacts[grouped]) != 0]) if len(rows) else []
            ends = [*starts[1:], len(rows)] if len(rows) else []
            for a, b in zip(starts, ends, strict=True):
                part = rows[grouped[a:b]]
                by_contact[(scope, int(self.messages["contact"][part[0]]))] = part
            by_contact[(scope, -1)] = np.empty(0, dtype=np.int64)  # marks the scope as grouped
        return by_contact

    def scope_messages(self, scope: int, contact: int | None = None) -> np.ndarray:
        """Rows of ``scope``'s messages (with ``contact`` if given), oldest first by created_at."""
        _, by_scope, _ = self._index()
        empty = np.empty(0, dtype=np.int64)
        if contact is None:
            return by_scope.get(scope, empty)
        return self._contact_index(scope).get((scope, contact), empty)

    # -- webhook events ---------------------------------------------------------------------------

    def sorted_events(self, webhook: Webhook) -> Table:
        """``webhook``'s event log, sorted by emission time (ties: creation order)."""
        if webhook.dirty:
            ev = webhook.events
            ev.take(np.lexsort((ev["serial"], ev["created"])))
            webhook.dirty = False
        return webhook.events

    def visible_event_count(self, webhook: Webhook, now: float | None = None) -> int:
        """How many of ``webhook``'s events have been emitted by ``now`` (default: the clock's)."""
        ev = self.sorted_events(webhook)
        now = self.now_ts() if now is None else now
        return int(np.searchsorted(ev["created"], now, side="right"))

    # -- contacts ---------------------------------------------------------------------------------

    def find_contact(self, scope: int, phone: str) -> int | None:
        """The contact ``scope`` sees with this E.164 number (its own first, then inherited)."""
        i = self.contact_by_phone.get((scope, phone))
        if i is None and scope != 0:
            i = self.contact_by_phone.get((0, phone))
        return i

    def add_contacts(
        self, scope: int, phones: Sequence[str], regions: Sequence[str], bits: Sequence[int],
        defaults: Sequence[int], opt_out: Sequence[bool], created: Sequence[float], updated: Sequence[float],
    ) -> range:  # fmt: skip
        """Store new contacts of ``scope`` (oldest first) with fresh ids; returns their rows."""
        ids = [uuid_from_int(self.prng.getrandbits(128)) for _ in phones]
        rows = self.contacts.extend(
            len(phones), scope=scope, region=[self.region_idx(r) for r in regions], channels=bits,
            default=defaults, opt_out=opt_out, created=created, updated=updated,
        )  # fmt: skip
        for i, cid, phone in zip(rows, ids, phones, strict=True):
            self.contact_ids.append(cid)
            self.contact_phones.append(phone)
            self.contact_by_id[cid] = i
            self.contact_by_phone[(scope, phone)] = i
        self.scope_contacts[scope][:0] = reversed(rows)  # lists are newest first
        self.version += 1
        return rows
