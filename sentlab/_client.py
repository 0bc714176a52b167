"""The Sent v3 async client, ``AsyncSentClient``: every endpoint, implemented once.

``SentClient`` (``sentlab._blocking_client``) is its blocking twin: a new public method here
needs its twin there, with the same parameters (``tests/test_public_api.py`` says which are
missing). Both return plain records: dicts and lists of dicts, exactly as the API sends them,
with ``profile_id`` added on records pulled through a profile and ``webhook_id`` on webhook
events.

Why this module is over 700 lines: it is one class with one method per endpoint (and the
plumbing they share), which reads as the API's table of contents; splitting the class across
modules would hide that.

``base_url`` defaults to the API, https://api.sent.dm; the examples run against a simulated
account served on a loopback port (``base_url``), ``key`` being its API key and ``client`` an
``AsyncSentClient`` of it:

>>> async with AsyncSentClient(api_key=key, base_url=base_url) as client:
...     me = await client.me()                          # the account behind the key
...     details = await client.messages_details(ids)    # one request per id, bounded and paced
>>> me["name"], details
('Acme Corporation', FanOutResult(3 results, 0 failures))
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import httpx

from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    DEFAULT_PACING,
    DEFAULT_RETRIES,
    Limits,
    Pacing,
    Retries,
    check_api_key,
    check_base_url,
    check_call_filters,
    check_page_size,
    check_phone,
    check_uuid,
)
from ._errors import ConfigurationError, NotFoundError, Secret, SentError
from ._http import Reply, Requester, Stats
from ._pagination import Page, bounded_map, fetch_all_pages, parse_page
from ._progress import Bar, wants_progress
from ._ratelimit import Limiter, NoLimiter

Record = dict[str, Any]
MAX_RECIPIENTS = 1000  # numbers in one POST /v3/messages: the limit the issue and the simulator (_app._MAX_RECIPIENTS) use


@dataclass
class FanOutResult:
    """The outcome of one request per id: every success, and every failure by id. Never half-raised.

    Ids are keys exactly as given; an id given twice was fetched once. After an interrupt, an id
    in neither dict was not fetched.

    >>> out = await client.messages_details([*ids, "not-an-id"])
    >>> len(out.results), {i: type(e).__name__ for i, e in out.failures.items()}
    (3, {'not-an-id': 'ConfigurationError'})
    """

    results: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, SentError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every id succeeded.

        >>> FanOutResult({"a": {}}, {}).ok
        True
        """
        return not self.failures

    def __repr__(self) -> str:
        return f"FanOutResult({len(self.results)} results, {len(self.failures)} failures)"


#: Called with (id as given, record) as each answer of a fan-out arrives, on the client's event loop.
OnResult = Callable[[str, Any], None]


@dataclass
class EventPage:
    """One page of a webhook's events (newest first) and what the server said about the whole list.

    ``total_count`` (None when the server does not say) fixes where each event stands in the
    list counted from the oldest: see :meth:`positions`. ``page_size`` is the server's (what it
    says it used, else what was asked).

    >>> page = EventPage(number=2, events=[{"id": "e"}], total_count=150, has_more=False, page_size=100)
    >>> page.positions()
    [49]
    """

    number: int
    events: list[Record]
    total_count: int | None
    has_more: bool
    page_size: int

    def positions(self) -> list[int] | None:
        """Each event's place counted from the webhook's oldest event (0), or None without a total.

        New events only ever join the top of the list, so an event keeps its place from one page
        read to the next, whatever arrived in between.
        """
        if self.total_count is None or (self.has_more and len(self.events) != self.page_size):
            return None  # no total, or pages not of the size they are said to be
        top = self.total_count - 1 - (self.number - 1) * self.page_size
        return [top - k for k in range(len(self.events))]


class AsyncSentClient:
    """The async client: ``await`` its methods in a notebook cell or an asyncio program.

    ``transport`` is any httpx async transport: the network by default, the in-process simulator
    (``sentlab.simulator.in_process_transport(app)``) or an ``httpx.MockTransport`` in tests.
    ``pacing=None`` turns the client-side rate limiter off. ``base_url`` defaults to
    https://api.sent.dm (here, the simulated account's loopback address).

    >>> async with AsyncSentClient(api_key=key, base_url=base_url) as client:
    ...     me = await client.me()
    >>> me["type"]
    'organization'
    """

    def __init__(
        self,
        api_key: str | Secret | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        profile_id: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retries: Retries = DEFAULT_RETRIES,
        pacing: Pacing | None = DEFAULT_PACING,
        limits: Limits = DEFAULT_LIMITS,
        progress: bool | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        api_key = check_api_key(api_key)  # rebound: a traceback's locals show Secret('***')
        self.base_url = check_base_url(base_url)
        if isinstance(profile_id, str) and profile_id.strip() == api_key.reveal():
            raise ConfigurationError("profile_id is the API key (not shown): profile_id takes the profile's UUID")
        self.profile_id = check_uuid(profile_id, "profile_id") if profile_id else None
        self.progress = progress
        self.limits = limits
        self.account: Record | None = None  # what /v3/me said, once asked
        self.last_partial: Any = None  # what an interrupted or failed bulk call had fetched
        if limiter is None:
            limiter = Limiter(pacing) if pacing is not None else NoLimiter()
        self._requester = Requester(
            api_key=api_key,
            base_url=self.base_url,
            limiter=limiter,
            retries=retries,
            limits=limits,
            transport=transport,
        )
        self._owns_requester = True

    # -- plumbing ---------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {describe(self)}>"

    async def __aenter__(self) -> AsyncSentClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (clients made by ``with_profile`` share it and leave it open).

        >>> other = AsyncSentClient(key, base_url=base_url)
        >>> await other.aclose()
        """
        if self._owns_requester:
            await self._requester.aclose()

    @property
    def stats(self) -> Stats:
        """Counters of requests, retries and 429s of this client (shared with its profile clones).

        >>> async with AsyncSentClient(key, base_url=base_url) as fresh:
        ...     profiles = await fresh.profiles()
        >>> fresh.stats.requests, fresh.stats.rate_limited
        (1, 0)
        """
        return self._requester.stats

    @property
    def limiter(self) -> Limiter:
        """The pacing budget every request of this client draws from (share it between clients).

        >>> other = AsyncSentClient(key, base_url=base_url, limiter=client.limiter)
        >>> other.limiter is client.limiter
        True
        >>> await other.aclose()
        """
        return self._requester.limiter

    def redact(self, text: str) -> str:
        """``text`` with this client's API key replaced by ``***``: for showing an error or a record.

        >>> client.redact(f"failed with {key}")
        'failed with ***'
        """
        return self._requester.redact(text)

    def with_profile(self, profile_id: str | None) -> AsyncSentClient:
        """A client scoped to a child profile (``x-profile-id``), sharing connections and rate budget.

        >>> marketing = client.with_profile(profile_id)
        >>> (await marketing.me())["name"]
        'Marketing'
        """
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.profile_id = check_uuid(profile_id, "profile_id") if profile_id else None
        clone.last_partial = None
        clone._owns_requester = False
        return clone

    async def _call(self, method: str, path: str, *, profile_id: str | None = None, **options: Any) -> Reply:
        """``Requester.request`` (params, json_body, idempotency_key) scoped to this client's profile."""
        return await self._requester.request(method, path, profile_id=profile_id or self.profile_id, **options)

    async def _get(self, path: str, **params: Any) -> Any:
        return (await self._call("GET", path, params=params)).data

    def _bar(self, description: str, progress: bool | None, unit: str = "req") -> Bar:
        return Bar(description, enabled=wants_progress(progress, default=self.progress), unit=unit)

    async def _list(
        self,
        path: str,
        items_key: str,
        *,
        params: dict[str, Any],
        page_size: int,
        all_profiles: bool,
        progress: bool | None,
        profile_id: str | None = None,
        bar: Bar | None = None,
        tag: dict[str, Any] | None = None,
    ) -> list[Record]:
        """Every record of a paginated list, for this client's profile or for all of them."""
        check_page_size(page_size)
        if all_profiles:
            return await self._across_profiles(
                lambda pid, shared_bar: self._list(
                    path, items_key, params=params, page_size=page_size, all_profiles=False,
                    progress=progress, profile_id=pid, bar=shared_bar, tag=tag,
                ),
                f"{items_key} (all profiles)",
                progress,
            )
        profile_id = profile_id or self.profile_id

        async def fetch_page(number: int, cursor: str | None) -> Page:
            query = {**params, "page": number, "page_size": page_size, "cursor": cursor}
            reply = await self._call("GET", path, params=query, profile_id=profile_id)
            return parse_page(reply.data, items_key, page_size=page_size, meta=reply.meta)

        own_bar = bar is None
        bar = bar or self._bar(items_key, progress, unit="page")
        try:
            records = await fetch_all_pages(
                fetch_page,
                concurrency=self.limits.concurrency,
                progress=bar,
                on_partial=lambda partial: self._keep_partial(_tagged(partial, profile_id, tag)),
            )
        finally:
            if own_bar:
                bar.close()
        return _tagged(records, profile_id, tag)

    async def _across_profiles(
        self,
        pull: Callable[[str, Bar], Awaitable[list[Record]]],
        description: str,
        progress: bool | None,
    ) -> list[Record]:
        """Run ``pull`` for every child profile of the organization; records in profile order."""
        organization = self.with_profile(None) if self.profile_id else self
        profile_ids = [p["id"] for p in await organization.profiles() if p.get("id")]
        with self._bar(description, progress, unit="page") as bar:
            per_profile: dict[str, list[Record]] = {}

            async def one(pid: str) -> None:
                per_profile[pid] = await pull(pid, bar)

            try:
                await bounded_map(profile_ids, one, concurrency=len(profile_ids) or 1)
            except BaseException:
                self._keep_partial([r for pid in profile_ids for r in per_profile.get(pid, [])])
                raise
        return [record for pid in profile_ids for record in per_profile[pid]]

    def _keep_partial(self, partial: Any) -> None:
        self.last_partial = partial

    async def _fan_out(
        self,
        keys: Iterable[str],
        normalise: Callable[[str], str],
        fetch: Callable[[str], Awaitable[Any]],
        description: str,
        progress: bool | None,
        on_result: OnResult | None = None,
    ) -> FanOutResult:
        """One request per distinct key, bounded and paced; failures are collected, never raised.

        ``on_result(key, record)`` sees each success as it arrives (to store it at once).
        """
        if isinstance(keys, str):
            keys = [keys]
        elif keys is None or isinstance(keys, bytes | dict) or not isinstance(keys, Iterable):
            raise ConfigurationError(
                f"{description}: pass a list of strings (e.g. frame.id), not {type(keys).__name__} {keys!r:.60}"
            )
        keys = list(dict.fromkeys(keys))
        results: dict[str, Any] = {}
        failures: dict[str, SentError] = {}
        by_normal: dict[str, list[str]] = {}
        for key in keys:
            try:
                by_normal.setdefault(normalise(key), []).append(key)
            except ConfigurationError as error:
                failures[key] = error  # caught locally: no request made

        def ordered() -> FanOutResult:
            return FanOutResult(
                {k: results[k] for k in keys if k in results},
                {k: failures[k] for k in keys if k in failures},
            )

        with self._bar(description, progress) as bar:
            bar.add_total(len(by_normal))

            async def one(normal: str) -> None:
                try:
                    value = await fetch(normal)
                except SentError as error:
                    for key in by_normal[normal]:
                        failures[key] = error
                else:
                    for key in by_normal[normal]:
                        results[key] = value
                        if on_result is not None:
                            on_result(key, value)
                bar.update(1)

            try:
                await bounded_map(by_normal, one, concurrency=self.limits.concurrency)
            except BaseException:
                self._keep_partial(ordered())
                raise
        return ordered()

    # -- account ------------------------------------------------------------------------------

    async def me(self) -> Record:
        """The account behind the key: type (organization, profile, user), name, channels, profiles.

        >>> (await client.me())["type"]
        'organization'
        """
        self.account = await self._get("/v3/me")
        return self.account

    async def profiles(self) -> list[Record]:
        """The organization's child profiles (organization keys only).

        >>> [p["name"] for p in await client.profiles()]
        ['Marketing', 'Support']
        """
        return _items(await self._get("/v3/profiles"), "profiles")

    async def profile(self, profile_id: str) -> Record:
        """One child profile by id.

        >>> (await client.profile(profile_id))["name"]
        'Marketing'
        """
        return await self._get(f"/v3/profiles/{check_uuid(profile_id, 'profile_id')}")

    async def users(self, *, all_profiles: bool = False, progress: bool | None = None) -> list[Record]:
        """The users of this client's scope (id, customer_id, email, name, role, status…).

        ``all_profiles=True`` (organization keys): the organization's own users and every child
        profile's, each tagged ``profile_id`` (the organization's id for its own).

        >>> [u["email"] for u in await client.users()]
        ['ana.admin@acme.example', 'ben.developer@acme.example', 'chloe.billing@acme.example']
        """
        if all_profiles:
            async def pull(scoped: AsyncSentClient, bar: Bar | None) -> list[Record]:
                users = _tagged(_items(await scoped._get("/v3/users"), "users"), scoped.profile_id, None)
                if bar is not None:
                    bar.update(1)
                return users

            return await self._with_organization(pull, "users (all profiles)", progress)
        return _items(await self._get("/v3/users"), "users")

    async def campaigns(self, profile_id: str | None = None, *, all_profiles: bool = False,
                        progress: bool | None = None) -> list[Record]:  # fmt: skip
        """The 10DLC campaigns of a profile (``GET /v3/profiles/{id}/campaigns``), newest first,
        each tagged ``profile_id`` with the profile it was listed for (``customerId`` says who
        owns it: a profile inheriting the organization's campaigns lists those).

        ``profile_id`` defaults to this client's profile (a profile key: its own). With
        ``all_profiles=True`` (organization keys) every child profile's campaigns, in profile
        order; a profile without a brand has none (the API answers it 404 RESOURCE_009).

        >>> [(c["name"], c["status"]) for c in await client.campaigns(all_profiles=True)]
        [('Holiday promotions 2025', 'EXPIRED'), ('Promotions', 'ACTIVE'), ('Customer care', 'SENT_CREATED')]
        """
        if all_profiles:
            async def pull(pid: str, bar: Bar) -> list[Record]:
                try:
                    return await self._campaigns_of(pid)
                except NotFoundError as error:
                    if error.code == "RESOURCE_009":  # no brand yet: no campaigns
                        return []
                    raise
                finally:
                    bar.update(1)

            return await self._across_profiles(pull, "campaigns (all profiles)", progress)
        pid = profile_id or self.profile_id
        if pid is None:
            account = self.account or await self.me()
            if account.get("type") != "profile" or not account.get("id"):
                raise ConfigurationError(
                    "campaigns() needs a profile: pass profile_id=..., use client.with_profile(profile_id), "
                    "or all_profiles=True for every profile of the organization"
                )
            pid = account["id"]
        return await self._campaigns_of(check_uuid(pid, "profile_id"))

    async def _campaigns_of(self, profile_id: str) -> list[Record]:
        data = await self._get(f"/v3/profiles/{profile_id}/campaigns")
        return _tagged(_items(data, "campaigns"), profile_id, None)

    async def _with_organization(
        self,
        pull: Callable[[AsyncSentClient, Bar | None], Awaitable[list[Record]]],
        description: str,
        progress: bool | None,
    ) -> list[Record]:
        """The organization's own records (tagged with its id) and then every child profile's."""
        organization = self.with_profile(None) if self.profile_id else self
        account = organization.account or await organization.me()
        own = await pull(organization, None)
        if account.get("id"):
            own = _tagged(own, None, {"profile_id": account["id"]})
        rest = await self._across_profiles(lambda pid, bar: pull(self.with_profile(pid), bar), description, progress)
        return own + rest

    # -- contacts -------------------------------------------------------------------------------

    async def contacts(
        self,
        *,
        search: str | None = None,
        channel: str | None = None,
        phone: str | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every contact (all pages); ``all_profiles=True`` pulls each child profile, tagged ``profile_id``.

        >>> [c["phone_number"] for c in await client.contacts(channel="whatsapp")]
        ['+12288021786', '+4917853407905']
        """
        params = {"search": search, "channel": channel, "phone": phone}
        return await self._list("/v3/contacts", "contacts", params=params, page_size=page_size,
                                all_profiles=all_profiles, progress=progress)

    async def contact(self, contact_id: str) -> Record:
        """One contact by id.

        >>> (await client.contact(contact_id))["format_national"]
        '(228) 802-1786'
        """
        return await self._get(f"/v3/contacts/{check_uuid(contact_id, 'contact_id')}")

    async def create_contact(
        self, phone_number: str, *, sandbox: bool = False, idempotency_key: str | None = None
    ) -> Record:
        """Create a contact from a phone number (E.164); ``sandbox=True`` only validates.

        >>> contact = await client.create_contact("+14155550199")
        >>> contact["format_national"], contact["available_channels"]
        ('(415) 555-0199', 'sms,mms')
        >>> await client.delete_contact(contact["id"])
        """
        body = {"phone_number": check_phone(phone_number), **_sandbox(sandbox)}
        reply = await self._call("POST", "/v3/contacts", json_body=body, idempotency_key=idempotency_key)
        return reply.data

    async def update_contact(
        self, contact_id: str, *, sandbox: bool = False, idempotency_key: str | None = None, **fields: Any
    ) -> Record:
        """Change a contact's fields (e.g. ``default_channel``, ``opt_out``).

        >>> contact = await client.create_contact("+14155550142")
        >>> (await client.update_contact(contact["id"], default_channel="whatsapp"))["default_channel"]
        'whatsapp'
        >>> await client.delete_contact(contact["id"])
        """
        path = f"/v3/contacts/{check_uuid(contact_id, 'contact_id')}"
        reply = await self._call("PATCH", path, json_body={**fields, **_sandbox(sandbox)},
                                 idempotency_key=idempotency_key)
        return reply.data

    async def delete_contact(self, contact_id: str, *, sandbox: bool = False) -> None:
        """Remove a contact from the account (inherited contacts cannot be deleted).

        >>> contact = await client.create_contact("+14155550123")
        >>> await client.delete_contact(contact["id"])
        """
        path = f"/v3/contacts/{check_uuid(contact_id, 'contact_id')}"
        await self._call("DELETE", path, json_body=_sandbox(sandbox) or None)

    async def message_summary(self, contact_id: str) -> Record:
        """What this scope exchanged with one contact (``GET /v3/contacts/{id}/message-summary``):
        message_count, first/last_message_at, channels_used, and channel_scores (per channel, the
        % of messages that succeeded and failed); tagged ``profile_id`` when pulled for a profile.

        >>> (await client.message_summary(contact_id))["channel_scores"]
        [{'channel': 'sms', 'success_score': 100, 'fail_score': 0}]
        """
        data = await self._get(f"/v3/contacts/{check_uuid(contact_id, 'contact_id')}/message-summary")
        return _tagged([data], self.profile_id, None)[0] if isinstance(data, dict) else data

    async def message_summaries(self, contact_ids: Iterable[str], *, progress: bool | None = None,
                                on_result: OnResult | None = None) -> FanOutResult:  # fmt: skip
        """Message summaries of many contacts: one request each (bounded, paced, with a progress
        bar); malformed ids fail locally, without a request. ``on_result(contact_id, summary)``
        is called as each answer arrives.

        >>> out = await client.message_summaries(contact_ids)
        >>> out.results[contact_ids[0]]["message_count"], out.failures
        (2, {})
        """
        return await self._fan_out(
            contact_ids, lambda c: check_uuid(c, "contact_id"),
            self.message_summary, "message summaries", progress, on_result,
        )

    # -- templates ------------------------------------------------------------------------------

    async def templates(
        self,
        *,
        search: str | None = None,
        status: str | None = None,
        category: str | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every template (all pages), optionally filtered by status or category.

        >>> [t["name"] for t in await client.templates(status="APPROVED")]
        ['login_code', 'payment_receipt', 'order_confirmation', 'spring_sale']
        """
        params = {"search": search, "status": status, "category": category}
        return await self._list("/v3/templates", "templates", params=params, page_size=page_size,
                                all_profiles=all_profiles, progress=progress)

    async def template(self, template_id: str) -> Record:
        """One template by id.

        >>> (await client.template(template_id))["variables"]
        ['name', 'order_id']
        """
        return await self._get(f"/v3/templates/{check_uuid(template_id, 'template_id')}")

    async def create_template(
        self, *, sandbox: bool = False, idempotency_key: str | None = None, **fields: Any
    ) -> Record:
        """Create a template from its fields (name, category, language, definition…).

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = await client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> template["status"], template["variables"]
        ('DRAFT', ['name'])
        >>> await client.delete_template(template["id"])
        """
        reply = await self._call("POST", "/v3/templates", json_body={**fields, **_sandbox(sandbox)},
                                 idempotency_key=idempotency_key)
        return reply.data

    async def update_template(
        self, template_id: str, *, sandbox: bool = False, idempotency_key: str | None = None, **fields: Any
    ) -> Record:
        """Replace a template's fields (PUT).

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = await client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> (await client.update_template(template["id"], name="welcome_v2"))["name"]
        'welcome_v2'
        >>> await client.delete_template(template["id"])
        """
        path = f"/v3/templates/{check_uuid(template_id, 'template_id')}"
        reply = await self._call("PUT", path, json_body={**fields, **_sandbox(sandbox)},
                                 idempotency_key=idempotency_key)
        return reply.data

    async def delete_template(self, template_id: str, *, sandbox: bool = False) -> None:
        """Delete a template.

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = await client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> await client.delete_template(template["id"])
        """
        path = f"/v3/templates/{check_uuid(template_id, 'template_id')}"
        await self._call("DELETE", path, json_body=_sandbox(sandbox) or None)

    # -- webhooks -------------------------------------------------------------------------------

    async def webhooks(
        self,
        *,
        search: str | None = None,
        is_active: bool | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every webhook (all pages).

        >>> [w["endpoint_url"] for w in await client.webhooks()]
        ['https://hooks.acme.example/sent/failures']
        """
        params = {"search": search, "is_active": is_active}
        return await self._list("/v3/webhooks", "webhooks", params=params, page_size=page_size,
                                all_profiles=all_profiles, progress=progress)

    async def webhook(self, webhook_id: str) -> Record:
        """One webhook by id.

        >>> (await client.webhook(webhook_id))["event_types"]
        ['message.failed']
        """
        return await self._get(f"/v3/webhooks/{check_uuid(webhook_id, 'webhook_id')}")

    async def webhook_events(
        self,
        webhook_id: str | None = None,
        *,
        search: str | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every delivery event of one webhook, or of all webhooks (``webhook_id=None``); each tagged ``webhook_id``.

        Message ids are in ``event["event_data"]["payload"]["message_id"]``.

        >>> events = await client.webhook_events()
        >>> len(events), events[0]["event_data"]["payload"]["message_status"]
        (8, 'FAILED')
        """
        check_page_size(page_size)
        params = {"search": search}
        if webhook_id is not None:
            wid = check_uuid(webhook_id, "webhook_id")
            return await self._list(f"/v3/webhooks/{wid}/events", "events", params=params,
                                    page_size=page_size, all_profiles=all_profiles, progress=progress,
                                    tag={"webhook_id": wid})
        if all_profiles:
            return await self._across_profiles(
                lambda pid, bar: self.with_profile(pid)._events_of_all_webhooks(params, page_size, progress, bar),
                "events (all profiles)",
                progress,
            )
        with self._bar("events", progress, unit="page") as bar:
            return await self._events_of_all_webhooks(params, page_size, progress, bar)

    async def webhook_events_page(
        self, webhook_id: str, *, page: int = 1, page_size: int = 100
    ) -> tuple[list[Record], bool]:
        """One page of a webhook's events (newest first) and whether more pages follow.

        Events that arrive while paging shift older ones to later pages, so a reader may see an
        event twice (deduplicate by ``id``) but never misses one. ``webhook_events_pages`` reads
        several at once and says where each event stands (what the store's sync uses).

        >>> events, more = await client.webhook_events_page(webhook_id, page=1)
        >>> len(events), more
        (8, False)
        """
        check_page_size(page_size)
        if page < 1:
            raise ConfigurationError(f"page must be 1 or more, got {page!r}")
        wid = check_uuid(webhook_id, "webhook_id")
        reply = await self._call("GET", f"/v3/webhooks/{wid}/events",
                                 params={"page": page, "page_size": page_size})
        parsed = parse_page(reply.data, "events", page_size=page_size, meta=reply.meta)
        if parsed.has_more is not None:
            more = bool(parsed.has_more)
        elif parsed.total_pages is not None:
            more = page < parsed.total_pages
        else:
            more = len(parsed.items) == page_size
        return _tagged(parsed.items, self.profile_id, {"webhook_id": wid}), more

    async def webhook_events_pages(
        self,
        webhook_id: str,
        pages: Iterable[int],
        *,
        page_size: int = 100,
        on_page: Callable[[EventPage], None] | None = None,
        progress: bool | None = None,
    ) -> list[EventPage]:
        """Chosen pages of a webhook's events, fetched concurrently (bounded, paced), in the order given.

        ``on_page`` sees each page as it arrives (on the client's loop), so a caller can store it
        at once: an interrupted pull keeps every page that arrived. Each page says the list's
        ``total_count`` when the server does, which places its events (``EventPage.positions``).

        >>> [first] = await client.webhook_events_pages(webhook_id, [1])
        >>> first.total_count, len(first.events)
        (8, 8)
        """
        check_page_size(page_size)
        numbers = list(dict.fromkeys(pages))
        if any(not isinstance(n, int) or n < 1 for n in numbers):
            raise ConfigurationError(f"pages must be numbers from 1 up, got {numbers!r}")
        wid = check_uuid(webhook_id, "webhook_id")
        got: dict[int, EventPage] = {}

        with self._bar("events", progress, unit="page") as bar:
            bar.add_total(len(numbers))

            async def one(number: int) -> None:
                reply = await self._call("GET", f"/v3/webhooks/{wid}/events",
                                         params={"page": number, "page_size": page_size})  # fmt: skip
                parsed = parse_page(reply.data, "events", page_size=page_size, meta=reply.meta)
                if parsed.has_more is not None:
                    more = bool(parsed.has_more)
                elif parsed.total_pages is not None:
                    more = number < parsed.total_pages
                else:
                    more = len(parsed.items) == page_size
                page = EventPage(number, _tagged(parsed.items, self.profile_id, {"webhook_id": wid}),
                                 parsed.total_count, more, _served_page_size(reply.data) or page_size)  # fmt: skip
                got[number] = page
                if on_page is not None:
                    on_page(page)
                bar.update(1)

            try:
                await bounded_map(numbers, one, concurrency=self.limits.concurrency)
            except BaseException:
                self._keep_partial([e for n in numbers if n in got for e in got[n].events])
                raise
        return [got[n] for n in numbers]

    async def _events_of_all_webhooks(
        self, params: dict[str, Any], page_size: int, progress: bool | None, bar: Bar
    ) -> list[Record]:
        webhook_ids = [w["id"] for w in await self.webhooks(page_size=page_size, progress=False) if w.get("id")]
        per_webhook: dict[str, list[Record]] = {}

        async def one(wid: str) -> None:
            per_webhook[wid] = await self._list(
                f"/v3/webhooks/{quote(wid)}/events", "events", params=params, page_size=page_size,
                all_profiles=False, progress=progress, bar=bar, tag={"webhook_id": wid},
            )

        try:
            await bounded_map(webhook_ids, one, concurrency=len(webhook_ids) or 1)
        except BaseException:
            self._keep_partial([e for wid in webhook_ids for e in per_webhook.get(wid, [])])
            raise
        return [event for wid in webhook_ids for event in per_webhook[wid]]

    async def webhook_event_types(self) -> list[Record]:
        """The event types a webhook can subscribe to.

        >>> [t["name"] for t in await client.webhook_event_types()]
        ['message', 'templates', 'contact', 'channel', 'link']
        """
        return _items(await self._get("/v3/webhooks/event-types"), "event_types")

    # -- messages -------------------------------------------------------------------------------

    async def message(self, message_id: str) -> Record:
        """A message's details: status, channel, template, price, active_contact_price, events.

        >>> (await client.message(message_id))["status"]
        'DELIVERED'
        """
        return await self._get(f"/v3/messages/{check_uuid(message_id, 'message_id')}")

    async def message_activities(self, message_id: str) -> list[Record]:
        """A message's activity timeline (newest first), each activity tagged ``message_id``.

        >>> [a["status"] for a in await client.message_activities(message_id)]
        ['DELIVERED', 'SENT', 'ROUTED', 'PROCESSED', 'QUEUED']
        """
        mid = check_uuid(message_id, "message_id")
        path = f"/v3/messages/{mid}/activities"
        reply = await self._call("GET", path)
        page = parse_page(reply.data, "activities", page_size=100, meta=reply.meta)
        activities = list(page.items)
        number = 1
        while page.items and (page.has_more or (page.total_pages or 0) > number):
            number += 1  # activities are rarely paged; the SDK allows for it
            reply = await self._call("GET", path, params={"page": number})
            page = parse_page(reply.data, "activities", page_size=100, meta=reply.meta)
            activities.extend(page.items)
        return [{**a, "message_id": a.get("message_id") or mid} if isinstance(a, dict) else a for a in activities]

    async def messages_page(
        self, *, page: int = 1, page_size: int = 100, contact_id: str | None = None
    ) -> Page:
        """One page of the messages list (``GET /v3/conversations``, or one contact's thread):
        outbound and inbound messages of this client's scope, newest first, each with status,
        events, price and reason; tagged ``profile_id``.

        Messages created while paging push older ones to later pages: a reader may see one
        twice (deduplicate by ``id``) but never misses one. A server without the list answers
        ``NotFoundError``.

        >>> page = await client.messages_page(page=1, contact_id=contact_id)
        >>> [m["status"] for m in page.items], page.has_more
        (['DELIVERED', 'DELIVERED'], False)
        """
        check_page_size(page_size)
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise ConfigurationError(f"page must be 1 or more, got {page!r}")
        path = "/v3/conversations"
        if contact_id is not None:
            path += f"/{check_uuid(contact_id, 'contact_id')}"
        reply = await self._call("GET", path, params={"page": page, "page_size": page_size})
        parsed = parse_page(reply.data, "messages", page_size=page_size, meta=reply.meta)
        if parsed.has_more is None:
            parsed.has_more = page < parsed.total_pages if parsed.total_pages is not None else len(parsed.items) == page_size
        parsed.items = _tagged(parsed.items, self.profile_id, None)
        return parsed

    async def message_list(
        self, *, contact_id: str | None = None, page_size: int = 100, all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:  # fmt: skip
        """Every message of the messages list (all pages, newest first); ``contact_id``: one
        contact's conversation. ``all_profiles=True`` (organization keys): the organization's
        own messages and every child profile's, each tagged ``profile_id``.

        >>> [m["template_name"] for m in await client.message_list(contact_id=contact_id)]
        ['order_confirmation', 'order_confirmation']
        """
        path = "/v3/conversations" + (f"/{check_uuid(contact_id, 'contact_id')}" if contact_id else "")
        if not all_profiles:
            return await self._list(path, "messages", params={}, page_size=page_size, all_profiles=False,
                                    progress=progress)  # fmt: skip
        organization = self.with_profile(None) if self.profile_id else self
        own = await organization._list(path, "messages", params={}, page_size=page_size, all_profiles=False,
                                       progress=progress)  # fmt: skip
        account = organization.account or await organization.me()
        own = _tagged(own, None, {"profile_id": account.get("id")}) if account.get("id") else own
        return own + await self._list(path, "messages", params={}, page_size=page_size, all_profiles=True,
                                      progress=progress)  # fmt: skip

    async def cancel_message(self, message_id: str, *, sandbox: bool = False) -> Record:
        """Call off a scheduled message that has not been released yet (free, final).

        >>> sent = await client.send(phone, template_id=template_id, parameters={"name": "Ada", "order_id": "A-1001"},
        ...                          scheduled_at="2026-11-21T15:00:00+00:00", sandbox=False)
        >>> (await client.cancel_message(sent["recipients"][0]["message_id"]))["status"]
        'CANCELLED'
        """
        path = f"/v3/messages/{check_uuid(message_id, 'message_id')}/cancel"
        return (await self._call("POST", path, json_body=_sandbox(sandbox) or {})).data

    async def resend_message(self, message_id: str, *, sandbox: bool = False, idempotency_key: str | None = None) -> Record:
        """Put a finished message (typically BLOCKED) through the send pipeline again: a new,
        billed attempt. FILTERED and CANCELLED messages cannot be resent. ``sandbox=True`` checks
        that the message can be resent and answers as the resend would, resending nothing.

        >>> (await client.resend_message(message_id, sandbox=True))["status"]
        'QUEUED'
        """
        path = f"/v3/messages/{check_uuid(message_id, 'message_id')}/resend"
        reply = await self._call("POST", path, json_body=_sandbox(sandbox) or {}, idempotency_key=idempotency_key)
        return reply.data

    async def messages_details(self, message_ids: Iterable[str], *, progress: bool | None = None,
                               on_result: OnResult | None = None) -> FanOutResult:  # fmt: skip
        """Details of many messages, one request each (bounded, paced); duplicates fetched once.

        ``on_result(message_id, details)`` is called as each answer arrives (on the client's loop).

        >>> out = await client.messages_details(ids)
        >>> out.results[ids[0]]["price"], out.failures
        (0.09, {})
        """
        return await self._fan_out(
            message_ids, lambda m: check_uuid(m, "message_id"),
            lambda mid: self._get(f"/v3/messages/{mid}"), "message details", progress, on_result,
        )

    async def activities_many(self, message_ids: Iterable[str], *, progress: bool | None = None,
                              on_result: OnResult | None = None) -> FanOutResult:  # fmt: skip
        """Activity timelines of many messages: ``results[message_id]`` is a list of activities.

        ``on_result(message_id, activities)`` is called as each timeline arrives.

        >>> out = await client.activities_many(ids)
        >>> [len(activities) for activities in out.results.values()]
        [5, 5, 5]
        """
        return await self._fan_out(
            message_ids, lambda m: check_uuid(m, "message_id"),
            self.message_activities, "message activities", progress, on_result,
        )

    async def send(
        self,
        to: str | Iterable[str],
        *,
        template_id: str | None = None,
        template_name: str | None = None,
        parameters: dict[str, Any] | None = None,
        channels: Iterable[str] | None = None,
        sandbox: bool | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> Record:
        """Send a template to one or more numbers; ``sandbox`` must be said explicitly.

        ``sandbox=True`` validates and returns a realistic fake without sending anything;
        ``sandbox=False`` really sends. The Idempotency-Key (generated unless given) makes a
        retried send safe: it never sends twice.

        >>> reply = await client.send("+14155551234", template_id=template_id,
        ...                           parameters={"name": "Ada", "order_id": "A-1001"}, sandbox=True)
        >>> reply["status"], reply["recipients"][0]["body"]
        ('QUEUED', 'Hi Ada, your order A-1001 has been confirmed.')
        """
        if sandbox is None:
            raise ConfigurationError(
                "send() needs sandbox=True (validate only, nothing is sent) or sandbox=False "
                "(really send to the phones); sentlab does not guess"
            )
        if not isinstance(sandbox, bool):
            raise ConfigurationError(f"send(sandbox=...) must be True or False, not {sandbox!r}")
        if isinstance(to, str):
            numbers = [to]
        elif isinstance(to, Iterable) and not isinstance(to, bytes | dict):
            numbers = list(to)
        else:
            raise ConfigurationError(f"send(to=...) takes a phone number or a list of them, not {type(to).__name__}")
        if not numbers:
            raise ConfigurationError("send() needs at least one recipient in `to`")
        if len(numbers) > MAX_RECIPIENTS:
            raise ConfigurationError(
                f"send() takes at most {MAX_RECIPIENTS:,} recipients a request (the API's limit), not "
                f"{len(numbers):,}: split `to` into batches of {MAX_RECIPIENTS:,}"
            )
        if template_id is None and template_name is None:
            raise ConfigurationError("send() needs template_id= or template_name=")
        if parameters is not None and not isinstance(parameters, dict):
            raise ConfigurationError(
                f"send(parameters=...) must be a dict of template variable -> value, not {type(parameters).__name__}"
            )
        template: dict[str, Any] = {}
        if template_id is not None:
            template["id"] = check_uuid(template_id, "template_id")
        if template_name is not None:
            if not isinstance(template_name, str) or not template_name.strip():
                raise ConfigurationError(f"template_name must be a template's name, not {template_name!r}")
            template["name"] = template_name
        if parameters:
            template["parameters"] = parameters
        body: dict[str, Any] = {"to": [check_phone(n) for n in numbers], "template": template,
                                "sandbox": bool(sandbox), **extra}
        if channels is not None:
            body["channel"] = [channels] if isinstance(channels, str) else list(channels)
        await self._check_parameters(template.get("id"), template.get("name"), parameters or {})
        reply = await self._call("POST", "/v3/messages", json_body=body, idempotency_key=idempotency_key)
        return reply.data

    async def _check_parameters(self, template_id: str | None, name: str | None, parameters: dict[str, Any]) -> None:
        """ConfigurationError, before the send, when a variable of the template has no value: the
        API would send the literal ``{{code}}``. One read of the template (a template the API
        does not know is left to the send to report)."""
        try:
            if template_id is not None:
                found: Record | None = await self.template(template_id)
            else:
                listed = await self.templates(search=name, progress=False)
                found = next((t for t in listed if t.get("name") == name), None)
        except NotFoundError:
            return
        variables = found.get("variables") if isinstance(found, dict) else None
        if not isinstance(variables, list):
            return
        missing = [v for v in variables if parameters.get(v) is None or str(parameters.get(v)).strip() == ""]
        if missing:
            label = found.get("name") or template_id or name
            raise ConfigurationError(
                f"template {label!r} needs a value for {', '.join(map(repr, missing))}: pass "
                f"parameters={{{', '.join(f'{v!r}: ...' for v in variables)}}} (nothing was sent)"
            )

    # -- numbers --------------------------------------------------------------------------------

    async def lookup_number(self, phone_number: str) -> Record:
        """Carrier, line type, validity, porting and VoIP of a number (E.164).

        >>> (await client.lookup_number("+14155551234"))["line_type"]
        'mobile'
        """
        return await self._get(f"/v3/numbers/lookup/{quote(check_phone(phone_number))}")

    async def lookup_numbers(self, phone_numbers: Iterable[str], *, progress: bool | None = None,
                             on_result: OnResult | None = None) -> FanOutResult:  # fmt: skip
        """Look up many numbers; malformed ones fail locally (ConfigurationError), without a request.

        ``on_result(number, lookup)`` is called as each answer arrives.

        >>> out = await client.lookup_numbers(["+14155551234", "+442071838750"])
        >>> {number: lookup["line_type"] for number, lookup in out.results.items()}
        {'+14155551234': 'mobile', '+442071838750': 'landline'}
        """
        return await self._fan_out(
            phone_numbers, check_phone,
            lambda e164: self._get(f"/v3/numbers/lookup/{quote(e164)}"), "number lookups", progress, on_result,
        )

    # -- voice ----------------------------------------------------------------------------------

    async def calls(
        self,
        *,
        direction: str | None = None,
        status: str | None = None,
        number: str | None = None,
        since: str | datetime | date | None = None,
        until: str | datetime | date | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every voice call of this scope (``GET /v3/voice/calls``, all pages), newest first.

        The filters are the API's, applied server-side: ``direction`` (inbound, outbound),
        ``status`` (initiated, ringing, answered, completed, failed, no_answer, rejected),
        ``number`` (your line, E.164), and ``since``/``until``, sent as the API's ``from``/``to``:
        calls started at or after / at or before (both inclusive). They are checked before any
        request. ``all_profiles=True`` (organization keys): the organization's own calls and every
        child profile's, each tagged ``profile_id`` (an organization key alone sees only its own).

        >>> [c["status"] for c in await client.calls(direction="inbound")]
        ['NO_ANSWER', 'COMPLETED']
        >>> [c["duration_seconds"] for c in await client.calls(status="completed", since="2026-10-01")]
        [604]
        """
        check_page_size(page_size)
        params = check_call_filters(direction=direction, status=status, number=number, since=since, until=until)
        if all_profiles:
            async def pull(scoped: AsyncSentClient, bar: Bar | None) -> list[Record]:
                return await scoped._list("/v3/voice/calls", "calls", params=params, page_size=page_size,
                                          all_profiles=False, progress=progress, bar=bar)  # fmt: skip

            return await self._with_organization(pull, "calls (all profiles)", progress)
        return await self._list("/v3/voice/calls", "calls", params=params, page_size=page_size,
                                all_profiles=False, progress=progress)  # fmt: skip

    async def call(self, call_id: str) -> Record:
        """One call, with its ``timeline`` (when it entered each status, oldest first).

        >>> [step["status"] for step in (await client.call(call_id))["timeline"]]
        ['INITIATED', 'RINGING', 'ANSWERED', 'COMPLETED']
        """
        return await self._get(f"/v3/voice/calls/{check_uuid(call_id, 'call_id')}")


def describe(client: AsyncSentClient | None) -> str:
    """``base_url=… account=… profile=…`` for reprs; never the key. Safe on a half-built client
    (a failed ``__init__`` seen by a debugger or an error tracker): what is missing is left out.

    >>> describe(object.__new__(AsyncSentClient))
    '(not initialised)'
    """
    base_url = getattr(client, "base_url", None)
    if base_url is None:
        return "(not initialised)"
    parts = [f"base_url={base_url!r}"]
    account = getattr(client, "account", None)
    if isinstance(account, dict) and account:
        name = account.get("name") or account.get("id")
        kind = account.get("type")
        parts.append(f"account={name!r}" + (f" ({kind})" if kind else ""))
    profile_id = getattr(client, "profile_id", None)
    parts.append(f"profile={profile_id!r}" if profile_id else "profile=None")
    return " ".join(parts)


def _items(data: Any, key: str) -> list[Record]:
    return parse_page(data, key, page_size=100).items


def _served_page_size(data: Any) -> int | None:
    """The page size a list response says it used (``pagination.page_size``), if it says."""
    pagination = data.get("pagination") if isinstance(data, dict) else None
    size = pagination.get("page_size", pagination.get("pageSize")) if isinstance(pagination, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def _sandbox(sandbox: bool) -> dict[str, Any]:
    return {"sandbox": True} if sandbox else {}


def _tagged(records: list[Any], profile_id: str | None, tag: dict[str, Any] | None) -> list[Any]:
    if not profile_id and not tag:
        return records
    extra = dict(tag or {})
    if profile_id:
        extra["profile_id"] = profile_id
    return [{**record, **extra} if isinstance(record, dict) else record for record in records]
