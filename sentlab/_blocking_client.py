"""``SentClient``: the blocking twin of ``AsyncSentClient``, for scripts, notebook cells and widget callbacks.

Every method is written out with the async twin's parameters (``tests/test_public_api.py``
checks they match) and runs the async method on sentlab's private loop thread
(``sentlab._loop_thread``), so it works with or without a running event loop.

Why this module is over 700 lines: it mirrors ``sentlab._client`` method by method (one twin
per endpoint, each with the async one's parameters, docstring and example), so it reads as the
same table of contents; splitting the class across modules would hide that.

``base_url`` defaults to the API, https://api.sent.dm; the examples run against a simulated
account served on a loopback port (``base_url``), ``key`` being its API key and ``client`` a
``SentClient`` of it:

>>> with SentClient(api_key=key, base_url=base_url) as client:
...     me = client.me()                          # the account behind the key
...     details = client.messages_details(ids)    # one request per id, bounded and paced
>>> me["name"], details
('Acme Corporation', FanOutResult(3 results, 0 failures))
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterable
from datetime import date, datetime
from typing import Any, TypeVar

import httpx

from ._client import AsyncSentClient, EventPage, FanOutResult, OnResult, Record, describe
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    DEFAULT_PACING,
    DEFAULT_RETRIES,
    Limits,
    Pacing,
    Retries,
    check_api_key,
)
from ._errors import Secret
from ._http import Stats
from ._loop_thread import LoopThread
from ._pagination import Page
from ._ratelimit import Limiter

T = TypeVar("T")


class SentClient:
    """The blocking client, for scripts, notebook cells and widget callbacks: same methods, no ``await``.

    Works with or without a running event loop (the calls run on a private loop thread; see
    ``docs/client.md``). Ctrl-C cancels the in-flight requests within a second; what a bulk
    call had fetched is then in ``client.last_partial``. The arguments are
    ``AsyncSentClient``'s (``base_url`` defaults to https://api.sent.dm; here, the simulated
    account's loopback address).

    >>> with SentClient(api_key=key, base_url=base_url) as client:
    ...     me = client.me()
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
        self._aclient = AsyncSentClient(
            api_key, base_url=base_url, profile_id=profile_id, transport=transport, retries=retries,
            pacing=pacing, limits=limits, progress=progress, limiter=limiter,
        )
        self._runner = LoopThread.shared()

    @classmethod
    def _wrapping(cls, aclient: AsyncSentClient) -> SentClient:
        client = object.__new__(cls)
        client._aclient = aclient
        client._runner = LoopThread.shared()
        return client

    def __repr__(self) -> str:
        return f"<SentClient {describe(getattr(self, '_aclient', None))}>"

    def __enter__(self) -> SentClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        try:
            return self._runner.run(coroutine)
        except KeyboardInterrupt as interrupt:
            partial = self._aclient.last_partial
            if partial is not None:
                size = len(partial.results) if isinstance(partial, FanOutResult) else len(partial)
                interrupt.add_note(f"sentlab: interrupted; {size} records fetched so far are in client.last_partial")
            raise

    def _blocking(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """One public call: forget the previous call's partial result, then run ``coroutine``."""
        self._aclient.last_partial = None
        return self._run(coroutine)

    # -- plumbing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool.

        >>> other = SentClient(key, base_url=base_url)
        >>> other.close()
        """
        self._run(self._aclient.aclose())

    def with_profile(self, profile_id: str | None) -> SentClient:
        """A client scoped to a child profile, sharing connections and rate budget.

        >>> marketing = client.with_profile(profile_id)
        >>> marketing.me()["name"]
        'Marketing'
        """
        return self._wrapping(self._aclient.with_profile(profile_id))

    def redact(self, text: str) -> str:
        """``text`` with this client's API key replaced by ``***``: for showing an error or a record.

        >>> client.redact(f"failed with {key}")
        'failed with ***'
        """
        return self._aclient.redact(text)

    @property
    def aio(self) -> AsyncSentClient:
        """The async client underneath (it lives on sentlab's loop thread: use it only through this client).

        >>> type(client.aio).__name__
        'AsyncSentClient'
        """
        return self._aclient

    @property
    def base_url(self) -> str:
        """The API's base URL (https://api.sent.dm unless ``base_url=`` said otherwise).

        >>> client.base_url
        'http://127.0.0.1:...'
        """
        return self._aclient.base_url

    @property
    def profile_id(self) -> str | None:
        """The child profile this client is scoped to, or None.

        >>> client.profile_id is None, client.with_profile(profile_id).profile_id == profile_id
        (True, True)
        """
        return self._aclient.profile_id

    @property
    def account(self) -> Record | None:
        """The /v3/me record, once asked.

        >>> client.me()["name"]
        'Acme Corporation'
        >>> client.account["type"]
        'organization'
        """
        return self._aclient.account

    @property
    def stats(self) -> Stats:
        """Counters of requests, retries and 429s.

        >>> with SentClient(key, base_url=base_url) as fresh:
        ...     profiles = fresh.profiles()
        >>> fresh.stats.requests, fresh.stats.rate_limited
        (1, 0)
        """
        return self._aclient.stats

    @property
    def limiter(self) -> Limiter:
        """The pacing budget every request of this client draws from (share it between clients).

        >>> other = SentClient(key, base_url=base_url, limiter=client.limiter)
        >>> other.limiter is client.limiter
        True
        >>> other.close()
        """
        return self._aclient.limiter

    @property
    def last_partial(self) -> Any:
        """What an interrupted or failed bulk call had fetched (a list or a FanOutResult).

        >>> contacts = client.contacts()
        >>> client.last_partial is None        # the call finished: nothing partial kept
        True
        """
        return self._aclient.last_partial

    # -- the API's methods: each is AsyncSentClient's, run to completion -------------------------

    def me(self) -> Record:
        """The account behind the key: type (organization, profile, user), name, channels, profiles.

        The blocking twin of ``AsyncSentClient.me``.

        >>> client.me()["type"]
        'organization'
        """
        return self._blocking(self._aclient.me())

    def profiles(self) -> list[Record]:
        """The organization's child profiles (organization keys only).

        The blocking twin of ``AsyncSentClient.profiles``.

        >>> [p["name"] for p in client.profiles()]
        ['Marketing', 'Support']
        """
        return self._blocking(self._aclient.profiles())

    def profile(self, profile_id: str) -> Record:
        """One child profile by id.

        The blocking twin of ``AsyncSentClient.profile``.

        >>> client.profile(profile_id)["name"]
        'Marketing'
        """
        return self._blocking(self._aclient.profile(profile_id))

    def users(self, *, all_profiles: bool = False, progress: bool | None = None) -> list[Record]:
        """The users of this client's scope (id, customer_id, email, name, role, status…).

        The blocking twin of ``AsyncSentClient.users``.

        >>> [u["email"] for u in client.users()]
        ['ana.admin@acme.example', 'ben.developer@acme.example', 'chloe.billing@acme.example']
        """
        return self._blocking(self._aclient.users(all_profiles=all_profiles, progress=progress))

    def campaigns(
        self,
        profile_id: str | None = None,
        *,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """The 10DLC campaigns of a profile (``GET /v3/profiles/{id}/campaigns``), newest first,
        each tagged ``profile_id`` with the profile it was listed for (``customerId`` says who
        owns it: a profile inheriting the organization's campaigns lists those).

        The blocking twin of ``AsyncSentClient.campaigns``.

        >>> [(c["name"], c["status"]) for c in client.campaigns(all_profiles=True)]
        [('Holiday promotions 2025', 'EXPIRED'), ('Promotions', 'ACTIVE'), ('Customer care', 'SENT_CREATED')]
        """
        return self._blocking(self._aclient.campaigns(
            profile_id, all_profiles=all_profiles, progress=progress,
        ))

    def contacts(
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

        The blocking twin of ``AsyncSentClient.contacts``.

        >>> [c["phone_number"] for c in client.contacts(channel="whatsapp")]
        ['+12288021786', '+4917853407905']
        """
        return self._blocking(self._aclient.contacts(
            search=search, channel=channel, phone=phone, page_size=page_size,
            all_profiles=all_profiles, progress=progress,
        ))

    def contact(self, contact_id: str) -> Record:
        """One contact by id.

        The blocking twin of ``AsyncSentClient.contact``.

        >>> client.contact(contact_id)["format_national"]
        '(228) 802-1786'
        """
        return self._blocking(self._aclient.contact(contact_id))

    def create_contact(
        self,
        phone_number: str,
        *,
        sandbox: bool = False,
        idempotency_key: str | None = None,
    ) -> Record:
        """Create a contact from a phone number (E.164); ``sandbox=True`` only validates.

        The blocking twin of ``AsyncSentClient.create_contact``.

        >>> contact = client.create_contact("+14155550199")
        >>> contact["format_national"], contact["available_channels"]
        ('(415) 555-0199', 'sms,mms')
        >>> client.delete_contact(contact["id"])
        """
        return self._blocking(self._aclient.create_contact(
            phone_number, sandbox=sandbox, idempotency_key=idempotency_key,
        ))

    def update_contact(
        self,
        contact_id: str,
        *,
        sandbox: bool = False,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Record:
        """Change a contact's fields (e.g. ``default_channel``, ``opt_out``).

        The blocking twin of ``AsyncSentClient.update_contact``.

        >>> contact = client.create_contact("+14155550142")
        >>> client.update_contact(contact["id"], default_channel="whatsapp")["default_channel"]
        'whatsapp'
        >>> client.delete_contact(contact["id"])
        """
        return self._blocking(self._aclient.update_contact(
            contact_id, sandbox=sandbox, idempotency_key=idempotency_key, **fields,
        ))

    def delete_contact(self, contact_id: str, *, sandbox: bool = False) -> None:
        """Remove a contact from the account (inherited contacts cannot be deleted).

        The blocking twin of ``AsyncSentClient.delete_contact``.

        >>> contact = client.create_contact("+14155550123")
        >>> client.delete_contact(contact["id"])
        """
        self._blocking(self._aclient.delete_contact(contact_id, sandbox=sandbox))

    def message_summary(self, contact_id: str) -> Record:
        """What this scope exchanged with one contact (``GET /v3/contacts/{id}/message-summary``):
        message_count, first/last_message_at, channels_used, and channel_scores (per channel, the
        % of messages that succeeded and failed); tagged ``profile_id`` when pulled for a profile.

        The blocking twin of ``AsyncSentClient.message_summary``.

        >>> client.message_summary(contact_id)["channel_scores"]
        [{'channel': 'sms', 'success_score': 100, 'fail_score': 0}]
        """
        return self._blocking(self._aclient.message_summary(contact_id))

    def message_summaries(
        self,
        contact_ids: Iterable[str],
        *,
        progress: bool | None = None,
        on_result: OnResult | None = None,
    ) -> FanOutResult:
        """Message summaries of many contacts: one request each (bounded, paced, with a progress
        bar); malformed ids fail locally, without a request. ``on_result(contact_id, summary)``
        is called as each answer arrives.

        The blocking twin of ``AsyncSentClient.message_summaries``.

        >>> out = client.message_summaries(contact_ids)
        >>> out.results[contact_ids[0]]["message_count"], out.failures
        (2, {})
        """
        return self._blocking(self._aclient.message_summaries(
            contact_ids, progress=progress, on_result=on_result,
        ))

    def templates(
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

        The blocking twin of ``AsyncSentClient.templates``.

        >>> [t["name"] for t in client.templates(status="APPROVED")]
        ['login_code', 'payment_receipt', 'order_confirmation', 'spring_sale']
        """
        return self._blocking(self._aclient.templates(
            search=search, status=status, category=category, page_size=page_size,
            all_profiles=all_profiles, progress=progress,
        ))

    def template(self, template_id: str) -> Record:
        """One template by id.

        The blocking twin of ``AsyncSentClient.template``.

        >>> client.template(template_id)["variables"]
        ['name', 'order_id']
        """
        return self._blocking(self._aclient.template(template_id))

    def create_template(
        self,
        *,
        sandbox: bool = False,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Record:
        """Create a template from its fields (name, category, language, definition…).

        The blocking twin of ``AsyncSentClient.create_template``.

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> template["status"], template["variables"]
        ('DRAFT', ['name'])
        >>> client.delete_template(template["id"])
        """
        return self._blocking(self._aclient.create_template(
            sandbox=sandbox, idempotency_key=idempotency_key, **fields,
        ))

    def update_template(
        self,
        template_id: str,
        *,
        sandbox: bool = False,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Record:
        """Replace a template's fields (PUT).

        The blocking twin of ``AsyncSentClient.update_template``.

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> client.update_template(template["id"], name="welcome_v2")["name"]
        'welcome_v2'
        >>> client.delete_template(template["id"])
        """
        return self._blocking(self._aclient.update_template(
            template_id, sandbox=sandbox, idempotency_key=idempotency_key, **fields,
        ))

    def delete_template(self, template_id: str, *, sandbox: bool = False) -> None:
        """Delete a template.

        The blocking twin of ``AsyncSentClient.delete_template``.

        >>> body = {"multi_channel": {"template": "Welcome, {{name}}!"}}
        >>> template = client.create_template(name="welcome", category="UTILITY", definition={"body": body})
        >>> client.delete_template(template["id"])
        """
        self._blocking(self._aclient.delete_template(template_id, sandbox=sandbox))

    def webhooks(
        self,
        *,
        search: str | None = None,
        is_active: bool | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every webhook (all pages).

        The blocking twin of ``AsyncSentClient.webhooks``.

        >>> [w["endpoint_url"] for w in client.webhooks()]
        ['https://hooks.acme.example/sent/failures']
        """
        return self._blocking(self._aclient.webhooks(
            search=search, is_active=is_active, page_size=page_size, all_profiles=all_profiles,
            progress=progress,
        ))

    def webhook(self, webhook_id: str) -> Record:
        """One webhook by id.

        The blocking twin of ``AsyncSentClient.webhook``.

        >>> client.webhook(webhook_id)["event_types"]
        ['message.failed']
        """
        return self._blocking(self._aclient.webhook(webhook_id))

    def webhook_events(
        self,
        webhook_id: str | None = None,
        *,
        search: str | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every delivery event of one webhook, or of all webhooks (``webhook_id=None``); each tagged ``webhook_id``.

        The blocking twin of ``AsyncSentClient.webhook_events``.

        >>> events = client.webhook_events()
        >>> len(events), events[0]["event_data"]["payload"]["message_status"]
        (8, 'FAILED')
        """
        return self._blocking(self._aclient.webhook_events(
            webhook_id, search=search, page_size=page_size, all_profiles=all_profiles,
            progress=progress,
        ))

    def webhook_events_page(
        self,
        webhook_id: str,
        *,
        page: int = 1,
        page_size: int = 100,
    ) -> tuple[list[Record], bool]:
        """One page of a webhook's events (newest first) and whether more pages follow.

        The blocking twin of ``AsyncSentClient.webhook_events_page``.

        >>> events, more = client.webhook_events_page(webhook_id, page=1)
        >>> len(events), more
        (8, False)
        """
        return self._blocking(self._aclient.webhook_events_page(webhook_id, page=page, page_size=page_size))

    def webhook_events_pages(
        self,
        webhook_id: str,
        pages: Iterable[int],
        *,
        page_size: int = 100,
        on_page: Callable[[EventPage], None] | None = None,
        progress: bool | None = None,
    ) -> list[EventPage]:
        """Chosen pages of a webhook's events, fetched concurrently (bounded, paced), in the order given.

        The blocking twin of ``AsyncSentClient.webhook_events_pages``.

        >>> [first] = client.webhook_events_pages(webhook_id, [1])
        >>> first.total_count, len(first.events)
        (8, 8)
        """
        return self._blocking(self._aclient.webhook_events_pages(
            webhook_id, pages, page_size=page_size, on_page=on_page, progress=progress,
        ))

    def webhook_event_types(self) -> list[Record]:
        """The event types a webhook can subscribe to.

        The blocking twin of ``AsyncSentClient.webhook_event_types``.

        >>> [t["name"] for t in client.webhook_event_types()]
        ['message', 'templates', 'contact', 'channel', 'link']
        """
        return self._blocking(self._aclient.webhook_event_types())

    def message(self, message_id: str) -> Record:
        """A message's details: status, channel, template, price, active_contact_price, events.

        The blocking twin of ``AsyncSentClient.message``.

        >>> client.message(message_id)["status"]
        'DELIVERED'
        """
        return self._blocking(self._aclient.message(message_id))

    def message_activities(self, message_id: str) -> list[Record]:
        """A message's activity timeline (newest first), each activity tagged ``message_id``.

        The blocking twin of ``AsyncSentClient.message_activities``.

        >>> [a["status"] for a in client.message_activities(message_id)]
        ['DELIVERED', 'SENT', 'ROUTED', 'PROCESSED', 'QUEUED']
        """
        return self._blocking(self._aclient.message_activities(message_id))

    def messages_page(self, *, page: int = 1, page_size: int = 100, contact_id: str | None = None) -> Page:
        """One page of the messages list (``GET /v3/conversations``, or one contact's thread):
        outbound and inbound messages of this client's scope, newest first, each with status,
        events, price and reason; tagged ``profile_id``.

        The blocking twin of ``AsyncSentClient.messages_page``.

        >>> page = client.messages_page(page=1, contact_id=contact_id)
        >>> [m["status"] for m in page.items], page.has_more
        (['DELIVERED', 'DELIVERED'], False)
        """
        return self._blocking(self._aclient.messages_page(
            page=page, page_size=page_size, contact_id=contact_id,
        ))

    def message_list(
        self,
        *,
        contact_id: str | None = None,
        page_size: int = 100,
        all_profiles: bool = False,
        progress: bool | None = None,
    ) -> list[Record]:
        """Every message of the messages list (all pages, newest first); ``contact_id``: one
        contact's conversation. ``all_profiles=True`` (organization keys): the organization's
        own messages and every child profile's, each tagged ``profile_id``.

        The blocking twin of ``AsyncSentClient.message_list``.

        >>> [m["template_name"] for m in client.message_list(contact_id=contact_id)]
        ['order_confirmation', 'order_confirmation']
        """
        return self._blocking(self._aclient.message_list(
            contact_id=contact_id, page_size=page_size, all_profiles=all_profiles,
            progress=progress,
        ))

    def cancel_message(self, message_id: str, *, sandbox: bool = False) -> Record:
        """Call off a scheduled message that has not been released yet (free, final).

        The blocking twin of ``AsyncSentClient.cancel_message``.

        >>> sent = client.send(phone, template_id=template_id, parameters={"name": "Ada", "order_id": "A-1001"},
        ...                    scheduled_at="2026-11-21T15:00:00+00:00", sandbox=False)
        >>> client.cancel_message(sent["recipients"][0]["message_id"])["status"]
        'CANCELLED'
        """
        return self._blocking(self._aclient.cancel_message(message_id, sandbox=sandbox))

    def resend_message(
        self,
        message_id: str,
        *,
        sandbox: bool = False,
        idempotency_key: str | None = None,
    ) -> Record:
        """Put a finished message (typically BLOCKED) through the send pipeline again: a new,
        billed attempt. FILTERED and CANCELLED messages cannot be resent. ``sandbox=True`` checks
        that the message can be resent and answers as the resend would, resending nothing.

        The blocking twin of ``AsyncSentClient.resend_message``.

        >>> client.resend_message(message_id, sandbox=True)["status"]
        'QUEUED'
        """
        return self._blocking(self._aclient.resend_message(
            message_id, sandbox=sandbox, idempotency_key=idempotency_key,
        ))

    def messages_details(
        self,
        message_ids: Iterable[str],
        *,
        progress: bool | None = None,
        on_result: OnResult | None = None,
    ) -> FanOutResult:
        """Details of many messages, one request each (bounded, paced); duplicates fetched once.

        The blocking twin of ``AsyncSentClient.messages_details``.

        >>> out = client.messages_details(ids)
        >>> out.results[ids[0]]["price"], out.failures
        (0.09, {})
        """
        return self._blocking(self._aclient.messages_details(
            message_ids, progress=progress, on_result=on_result,
        ))

    def activities_many(
        self,
        message_ids: Iterable[str],
        *,
        progress: bool | None = None,
        on_result: OnResult | None = None,
    ) -> FanOutResult:
        """Activity timelines of many messages: ``results[message_id]`` is a list of activities.

        The blocking twin of ``AsyncSentClient.activities_many``.

        >>> out = client.activities_many(ids)
        >>> [len(activities) for activities in out.results.values()]
        [5, 5, 5]
        """
        return self._blocking(self._aclient.activities_many(
            message_ids, progress=progress, on_result=on_result,
        ))

    def send(
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

        The blocking twin of ``AsyncSentClient.send``.

        >>> reply = client.send("+14155551234", template_id=template_id,
        ...                     parameters={"name": "Ada", "order_id": "A-1001"}, sandbox=True)
        >>> reply["status"], reply["recipients"][0]["body"]
        ('QUEUED', 'Hi Ada, your order A-1001 has been confirmed.')
        """
        return self._blocking(self._aclient.send(
            to, template_id=template_id, template_name=template_name, parameters=parameters,
            channels=channels, sandbox=sandbox, idempotency_key=idempotency_key, **extra,
        ))

    def lookup_number(self, phone_number: str) -> Record:
        """Carrier, line type, validity, porting and VoIP of a number (E.164).

        The blocking twin of ``AsyncSentClient.lookup_number``.

        >>> client.lookup_number("+14155551234")["line_type"]
        'mobile'
        """
        return self._blocking(self._aclient.lookup_number(phone_number))

    def lookup_numbers(
        self,
        phone_numbers: Iterable[str],
        *,
        progress: bool | None = None,
        on_result: OnResult | None = None,
    ) -> FanOutResult:
        """Look up many numbers; malformed ones fail locally (ConfigurationError), without a request.

        The blocking twin of ``AsyncSentClient.lookup_numbers``.

        >>> out = client.lookup_numbers(["+14155551234", "+442071838750"])
        >>> {number: lookup["line_type"] for number, lookup in out.results.items()}
        {'+14155551234': 'mobile', '+442071838750': 'landline'}
        """
        return self._blocking(self._aclient.lookup_numbers(
            phone_numbers, progress=progress, on_result=on_result,
        ))

    def calls(
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

        The blocking twin of ``AsyncSentClient.calls``.

        >>> [c["status"] for c in client.calls(direction="inbound")]
        ['NO_ANSWER', 'COMPLETED']
        >>> [c["duration_seconds"] for c in client.calls(status="completed", since="2026-10-01")]
        [604]
        """
        return self._blocking(self._aclient.calls(
            direction=direction, status=status, number=number, since=since, until=until,
            page_size=page_size, all_profiles=all_profiles, progress=progress,
        ))

    def call(self, call_id: str) -> Record:
        """One call, with its ``timeline`` (when it entered each status, oldest first).

        The blocking twin of ``AsyncSentClient.call``.

        >>> [step["status"] for step in client.call(call_id)["timeline"]]
        ['INITIATED', 'RINGING', 'ANSWERED', 'COMPLETED']
        """
        return self._blocking(self._aclient.call(call_id))


#: The methods ``SentClient`` runs blocking: every public coroutine method of ``AsyncSentClient``.
SYNC_METHODS = [
    name
    for name, member in vars(AsyncSentClient).items()
    if not name.startswith("_") and inspect.iscoroutinefunction(member) and name != "aclose"
]
