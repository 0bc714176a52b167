"""The synthetic Sent account the simulator serves, as a user of the simulator sees it.

One organization with child profiles, each owning contacts, templates, webhooks and messages.
Everything is drawn from a seed, so ``build_world(seed, sizes)`` on a frozen clock gives the
same records every time. ``World`` is the account's public face (keys, ids, clock, tier, ground
truth, ledger); its records live in ``_records``, are drawn by ``_generate``, shown by ``_wire``
and changed by the routes through ``_account``.

Time: the history lies in the ``history_days`` before the clock's start (floored to midnight
UTC, so worlds built the same day agree). A message's statuses and its webhook events exist
from the start, each with its timestamp, and become visible once ``timestamp <= clock.now()``:
the world "advances with time" lazily, and a live send schedules its lifecycle from
``clock.now()`` forward.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from ._clock import SimClock
from ._generate import populate
from ._params import Outcome, WorldParams
from ._records import Records
from ._truth import Truth, call_ledger, combined_ledger, ledger

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Outcome", "World", "WorldParams", "build_world", "demo_world"]


class World:
    """A synthetic Sent organization: its profiles' API keys, its clock, its ground truth.

    Build one with :func:`build_world`; serve it with ``create_app(world)`` or
    ``running_server(world)``. ``seed``, ``params`` (the :class:`WorldParams` it was drawn
    from), ``clock`` (a :class:`SimClock`) and ``tier`` (the send rate-limit tier) are plain
    attributes.

    >>> from datetime import UTC, datetime
    >>> world = build_world(seed=7, contacts=200, messages=500, clock=SimClock.frozen(datetime(2026, 4, 8, tzinfo=UTC)))
    >>> world                                  # 500 sends, and 24 messages the contacts sent back
    <World seed=7 profiles=3 contacts=200 messages=524>
    >>> world.clock.now().isoformat(), world.tier
    ('2026-04-08T00:00:00+00:00', 'growth')
    """

    def __init__(self, seed: int, params: WorldParams, clock: SimClock) -> None:
        self.seed = seed
        self.params = params
        self.clock = clock
        self.tier = params.tier
        self._records = Records(seed, params, clock)

    @property
    def organization_id(self) -> str:
        """The organization's id (a GUID): the ``customer_id`` of its own records.

        >>> demo_world().organization_id
        '6513270e-269e-4d37-b2a7-4de452e6b438'
        """
        return self._records.scopes[0].id

    @property
    def org_key(self) -> str:
        """The organization's API key (``sk_test_`` + 32 hex digits; a demo key, not a secret).

        >>> demo_world().org_key.startswith("sk_test_")
        True
        """
        return self._records.scopes[0].key

    @property
    def profile_keys(self) -> dict[str, str]:
        """profile id -> that profile's API key (deleted profiles left out).

        >>> world = demo_world()
        >>> list(world.profile_keys) == world.profile_ids
        True
        """
        return {s.id: s.key for s in self._records.profiles()}

    @property
    def profile_ids(self) -> list[str]:
        """The ids of the organization's (not deleted) profiles, in creation order.

        >>> len(build_world(contacts=50, messages=10, profiles=2).profile_ids)
        2
        """
        return [s.id for s in self._records.profiles()]

    def account_for_key(self, api_key: str) -> str | None:
        """The organization id an API key belongs to (what rate limits count per), or None.

        >>> world = demo_world()
        >>> world.account_for_key(world.org_key) == world.organization_id
        True
        >>> world.account_for_key("sk_test_unknown") is None
        True
        """
        return self.organization_id if self._records.scope_for_key(api_key) is not None else None

    @property
    def truth(self) -> Truth:
        """Every record, as the world knows it (future statuses and events included).

        >>> len(build_world(contacts=100, messages=50).truth.messages())
        50
        """
        return Truth(self._records)

    def ledger(self, as_of: datetime | None = None, calls: bool = False) -> pd.DataFrame:
        """One row per message with its true outcome and cost (``cost = price + active_contact_price``).

        ``status`` is the final status (or the status at ``as_of``). ``calls=True`` adds one row
        per call (:meth:`call_ledger`) in the same frame, oldest first, with a ``kind`` column
        (``"message"``/``"call"``), ``id`` for the message or call id, ``created_at`` = when the
        call started and ``channel`` ``"voice"`` for calls.

        >>> round(float(build_world(contacts=100, messages=50).ledger()["cost"].sum()), 4)
        2.0362
        >>> build_world(contacts=100, messages=200).ledger(calls=True)["kind"].value_counts().to_dict()
        {'message': 210, 'call': 20}
        """
        frame = ledger(self._records, as_of)
        return combined_ledger(frame, call_ledger(self._records, as_of)) if calls else frame

    def call_ledger(self, as_of: datetime | None = None) -> pd.DataFrame:
        """One row per voice call: ``call_id, profile_id, direction, status, failure_reason,
        number, from_kind, from, to_kind, to, region_code`` (of the far end's phone, None without
        one), ``started_at, duration_seconds, price, cost`` (``= price``).

        ``as_of``: only the calls started by then, as they read then (NaN price while live).

        >>> calls = build_world(contacts=100, messages=500).call_ledger()
        >>> calls["status"].value_counts().to_dict()
        {'COMPLETED': 40, 'NO_ANSWER': 8, 'FAILED': 2}
        """
        return call_ledger(self._records, as_of)

    def __repr__(self) -> str:
        r = self._records
        return f"<World seed={self.seed} profiles={len(r.profiles())} contacts={r.contacts.n} messages={r.messages.n}>"


def build_world(
    seed: int = 7,
    contacts: int = 2_000,
    messages: int = 5_000,
    profiles: int = 3,
    params: WorldParams | None = None,
    clock: SimClock | None = None,
    calls: int | None = None,
) -> World:
    """A synthetic organization with ``profiles`` child profiles, deterministic for its arguments.

    ``messages`` outbound sends are drawn over the history, and the contacts' messages back (replies,
    a few unprompted) on top of them; ``calls`` voice calls (default ``messages // 10``) besides.

    On a frozen clock the same arguments give the same records; on the wall
    clock the history ends at today's midnight UTC.

    >>> from datetime import UTC, datetime
    >>> world = build_world(seed=7, contacts=500, messages=1_000, clock=SimClock.frozen(datetime(2026, 4, 8, tzinfo=UTC)))
    >>> world.ledger()["direction"].value_counts().to_dict()
    {'outbound': 1000, 'inbound': 59}
    >>> len(world.call_ledger())
    100
    """
    if profiles < 1:
        raise ValueError("a world needs at least one profile")
    world = World(seed, params or WorldParams(), clock or SimClock())
    populate(world._records, contacts, messages, profiles, calls)
    return world


@functools.lru_cache(maxsize=1)
def demo_world() -> World:
    """The default offline world (seed 7, 2,000 contacts, 5,000 sends), built once per process.

    >>> demo_world() is demo_world()
    True
    """
    return build_world()
