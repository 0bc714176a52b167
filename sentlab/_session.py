"""The ``Lab``: one Sent account in a notebook, its frames through the local store, its report and forms.

``sentlab.connect()`` (``sentlab._connect``) finds the key and base URL and makes one.

>>> lab = sentlab.connect()                 # no key, no base URL: the built-in simulator's demo account
>>> lab.contacts().head()                   # a typed DataFrame, through the local store
   id  ...  profile_id
0  ...
[5 rows x 16 columns]
>>> lab.api.contacts()[:2]                  # the records underneath (dicts); lab.aapi is async
[{'id': ..., 'phone_number': ...}, {'id': ...}]
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from . import (  # _metrics registers the ``frame.sent`` accessor
    _account_frames,
    _datasets,
    _metrics,
    _time,
)
from ._blocking_client import SentClient
from ._client import AsyncSentClient, describe
from ._demo import _DemoTransport
from ._errors import ConfigurationError
from ._fetching import _ids
from ._progress import one_display_per_call


class Lab:
    """A connection to one Sent account, for a notebook.

    Frames (``lab.contacts()``, ``lab.messages()``...) come through the local store
    (``lab.cache``); ``lab.aio`` holds their ``await``-able twins (as ``client.aio`` is the async
    twin of a client). Underneath: ``lab.api``, the blocking client (plain records), and
    ``lab.aapi``, an async client sharing its rate budget.

    >>> lab = sentlab.connect()
    >>> lab
    <Lab base_url='http://simulator.sentlab.invalid' account='Acme Corporation' (organization) profile=None · simulator>
    """

    def __init__(
        self,
        api: SentClient,
        *,
        source: str,
        world: Any = None,
        make_aapi: Any = None,
        store: bool = True,
        cache_dir: str | Path | None = None,
        ttls: dict[str, float] | None = None,
    ) -> None:
        self.api = api
        self._make_aapi = make_aapi  # a closure: it holds the key without showing it in vars(lab)
        self.source = source  # where the key came from, or "simulator"
        self._world = world  # the simulator's world (ground truth) when connected to it in-process
        self._aapi: AsyncSentClient | None = None
        self._store_enabled = store
        self._cache_dir = cache_dir
        self._ttls = dict(ttls or {})  # list_ttl / record_ttl given to connect()
        self._cache: _datasets.Store | None = None
        self._cache_lock = threading.Lock()

    @property
    def world(self) -> Any:
        """The simulator's world (its ground truth) when connected to it in-process, else None.

        >>> len(sentlab.connect().world.truth.contacts())
        2000
        """
        world = self._world
        return world.world if isinstance(world, _DemoTransport) else world

    @property
    def aapi(self) -> AsyncSentClient:
        """The async client, for ``await`` in a notebook; it shares the rate budget with ``api``.

        >>> me = await lab.aapi.me()
        """
        if self._aapi is None:
            self._aapi = self._make_aapi()
        return self._aapi

    @property
    def simulated(self) -> bool:
        """True when this lab talks to the built-in simulator in-process.

        >>> sentlab.connect(demo=True).simulated
        True
        """
        return self.source == "simulator"

    def __repr__(self) -> str:
        # safe on a half-built lab (a debugger's or an error tracker's view of a failed __init__)
        suffix = " · simulator" if getattr(self, "source", None) == "simulator" else ""
        inner = getattr(getattr(self, "api", None), "_aclient", None)
        return f"<Lab {describe(inner)}{suffix}>"

    def close(self) -> None:
        """Close the connection pools and the local store (``with sentlab.connect() as lab:`` does it).

        >>> lab = sentlab.connect()
        >>> lab.close()
        """
        if self._cache is not None:
            self._cache.close()
        self.api.close()

    # -- frames, through the local store ---------------------------------------------------------

    @property
    def cache(self) -> _datasets.Store:
        """The local store of fetched records: ``lab.cache.info()`` shows it, ``lab.cache.clear()`` empties it.

        >>> lab.cache.info()[["kind", "records", "age"]]
           kind  records  age
        0  ...
        """
        with self._cache_lock:  # lab.aio's twins may ask for it from two threads at once
            if self._cache is None:
                self._cache = _datasets.open_store(self.api, self._cache_dir, enabled=self._store_enabled,
                                                   **self._ttls)  # fmt: skip
            return self._cache

    @property
    def aio(self) -> AsyncLab:
        """The async twin of the frame methods, for ``await`` in a notebook cell.

        >>> contacts = await lab.aio.contacts()
        """
        return AsyncLab(self)

    def _whole_account(self, all_profiles: bool | None) -> bool:
        # An organization key with no profile chosen means "the whole account": its own
        # resources hold little, the child profiles hold the traffic.
        if all_profiles is not None:
            return all_profiles
        inner = self.api.aio
        account = inner.account or self.api.me()
        return inner.profile_id is None and account.get("type") == "organization"

    def contacts(
        self,
        *,
        search: str | None = None,
        channel: str | None = None,
        phone: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Contacts, one row per contact (per profile that sees it), typed; see ``sentlab.schema("contacts")``.

        ``all_profiles=None`` pulls every child profile when the key is an organization's and no
        profile was chosen; inherited organization contacts then appear under each profile.

        >>> lab.contacts(channel="whatsapp").region_code.value_counts()
        region_code
        US    15
        GB    12
        IN    12
        ...
        Name: count, dtype: int64
        """
        return _datasets.contacts(self.api, self.cache, search=search, channel=channel, phone=phone,
                                  all_profiles=self._whole_account(all_profiles), refresh=refresh)

    def templates(
        self,
        *,
        search: str | None = None,
        status: str | None = None,
        category: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Message templates, one row per template; see ``sentlab.schema("templates")``.

        >>> lab.templates(status="APPROVED")[["name", "category", "channels"]]
                            name        category                   channels
        0         password_reset  AUTHENTICATION            [sms, whatsapp]
        1             login_code  AUTHENTICATION       [sms, whatsapp, rcs]
        ...
        17           spring_sale       MARKETING  [sms, whatsapp, rcs, mms]
        """
        return _datasets.templates(self.api, self.cache, search=search, status=status, category=category,
                                   all_profiles=self._whole_account(all_profiles), refresh=refresh)

    def webhooks(self, *, all_profiles: bool | None = None, refresh: bool = False) -> pd.DataFrame:
        """Webhooks (signing secrets are never kept), one row per webhook.

        >>> lab.webhooks()[["endpoint_url", "is_active"]]
                                        endpoint_url  is_active
        0  https://analytics.acme.example/ingest/mkt       True
        1        https://hooks.acme.example/sent/mkt       True
        2        https://hooks.acme.example/sent/sup       True
        """
        return _datasets.webhooks(self.api, self.cache, all_profiles=self._whole_account(all_profiles),
                                  refresh=refresh)

    def webhook_events(
        self,
        webhook_id: str | None = None,
        *,
        since: _time.When = None,
        until: _time.When = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
        source: str = "api",
    ) -> pd.DataFrame:
        """Webhook delivery events (``webhook_id=None``: every webhook), synced incrementally.

        ``source="received"``: the deliveries a receiver (``sentlab listen``) stored in this lab's
        store directory instead, with no API request (see docs/webhooks.md).

        >>> ev = lab.webhook_events(since="2026-11-01")
        >>> ev.groupby("event_type").size()
        event_type
        message.blocked       22
        ...
        message.sent         312
        dtype: int64
        >>> lab.webhook_events(source="received")    # none received here: no `sentlab listen` ran
        Empty DataFrame
        Columns: [id, webhook_id, event_type, ...]
        Index: []
        """
        _time.check_window(since, until)  # before any request, /v3/me included
        if source not in ("api", "received"):
            raise ConfigurationError(f"source must be 'api' or 'received', not {source!r}")
        if source == "received":
            return _datasets.received_events(self._cache_dir, webhook_id, since=since, until=until)
        return _datasets.webhook_events(self.api, self.cache, webhook_id, since=since, until=until,
                                        all_profiles=self._whole_account(all_profiles), refresh=refresh)

    def messages(
        self,
        ids: Iterable[str] | None = None,
        *,
        details: str = "auto",
        since: _time.When = None,
        until: _time.When = None,
        webhook_id: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
        per_stratum: int = 2,
        source: str = "auto",
    ) -> pd.DataFrame:
        """Messages, one row each (outbound and inbound), from the messages list: exact prices.

        The list (``GET /v3/conversations``) is synced into the local store: the first call reads
        every page (one request per 100 messages; down to ``since`` if given), a re-run only the
        newest pages down to what is stored and to messages whose status may still change, and
        nothing within the store's ``list_ttl`` of the last sync. An interrupted sync resumes.

        Against a server with no messages list (or with ``source="events"``, or a
        ``webhook_id``) messages are rebuilt from webhook events instead: then ``details`` says
        which per-message details (one request each) to fetch for prices: ``"auto"`` only for
        messages with no events, ``"all"`` every one (exact prices), ``"none"`` none, and
        ``"sample"`` a stratified sample (``per_stratum`` messages of each channel x region x
        template category; see ``sentlab.price_sample``) from which ``sentlab.costs`` estimates
        the rest with an interval. ``source="received"``: from the deliveries a receiver stored
        (``sentlab listen``), with no API request and no prices.

        >>> m = lab.messages(since="2026-11-01")
        >>> m.groupby(["direction", "channel"], observed=True).status.value_counts()
        direction  channel   status
        inbound    rcs       RECEIVED       2
        ...
        Name: count, dtype: int64
        >>> sentlab.costs(m, by="channel")           # exact: every message is priced
            channel  messages  ...  cost_per_delivered method
        0       mms        10  ...            0.037000  exact
        1       rcs        40  ...            0.024208  exact
        2       sms       220  ...            0.107178  exact
        3  whatsapp       108  ...            0.029597  exact
        <BLANKLINE>
        [4 rows x 18 columns]
        """
        _time.check_window(since, until)  # before any request, /v3/me included
        if ids is not None:
            _ids(ids)
        if source == "received":  # what a receiver stored: statuses and times, no prices, no request
            return _datasets.received_messages(self._cache_dir, webhook_id, since=since, until=until)
        whole = self._whole_account(all_profiles)
        window = {"since": since, "until": until, "webhook_id": webhook_id, "all_profiles": whole, "source": source}
        if details not in ("auto", "all", "none", "sample"):
            raise ConfigurationError(f"details must be 'auto', 'all', 'none' or 'sample', not {details!r}")
        frame = _datasets.messages(self.api, self.cache, ids, details="auto" if details == "sample" else details,
                                   refresh=refresh, **window)  # fmt: skip
        if details != "sample" or frame.attrs.get("source") == "list":
            return frame  # the list prices every message: nothing to sample
        return _datasets.with_details(self.api, self.cache, frame, _metrics.price_sample(frame, per_stratum))

    def activities(
        self,
        ids: Iterable[str] | None = None,
        *,
        since: _time.When = None,
        until: _time.When = None,
        webhook_id: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Activity timelines, one row per message x status (one request per message, stored for good once final).

        >>> timeline = lab.activities(m.id[:1])             # one message's statuses, newest first
        >>> list(timeline.status)
        ['DELIVERED', 'SENT', 'ROUTED', 'PROCESSED', 'QUEUED']
        """
        _time.check_window(since, until)
        if ids is not None:
            _ids(ids)
        return _datasets.activities(self.api, self.cache, ids, since=since, until=until, webhook_id=webhook_id,
                                    all_profiles=self._whole_account(all_profiles), refresh=refresh)

    def report(
        self,
        *,
        since: _time.When = None,
        until: _time.When = None,
        prices: str = "sample",
        per_stratum: int = 2,
        webhook_id: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
        source: str = "auto",
    ) -> Any:
        """The delivery & cost report of the messages created in a window (``.save(path)`` for HTML).

        Messages come from the messages list (see :meth:`messages`): every message is priced, so
        the cost is exact. ``prices`` matters only on a server without the list (or with
        ``source="events"``), where messages are rebuilt from webhook events: ``"sample"`` prices
        a stratified sample and estimates the rest with an interval (a few hundred requests at
        most), ``"all"`` fetches every message's details (exact; one request per message, once).
        ``"none"`` reports no cost, whatever the source.

        Voice calls started in the window and the 10DLC campaigns come through the store too: a
        first run adds, per scope (the organization and each profile for the whole account), one
        request per 100 calls (at least one) and one campaigns request; a re-run within the
        store's ``list_ttl`` none.

        >>> report = lab.report(since="2026-11-01")
        >>> report.save("report.html")
        PosixPath('report.html')
        """
        from ._report import FigureCache, build_report

        _time.check_window(since, until)
        details = {"sample": "sample", "all": "all", "none": "auto"}.get(prices)
        if details is None:
            raise ConfigurationError(f"prices must be 'sample', 'all' or 'none', not {prices!r}")
        messages = self.messages(details=details, since=since, until=until, webhook_id=webhook_id,
                                 all_profiles=all_profiles, refresh=refresh, per_stratum=per_stratum, source=source)
        if prices == "none":
            messages = messages.assign(price=pd.NA, active_contact_price=pd.NA).astype(
                {"price": "Float64", "active_contact_price": "Float64"})
        window = None
        if since is not None or until is not None:
            start = "the beginning" if since is None else f"{_time.utc(since):%Y-%m-%d %H:%M}"
            end = "now" if until is None else f"{_time.utc(until, 'until'):%Y-%m-%d %H:%M}"
            window = f"{start} to {end} (UTC)"
        notes = ["Built-in simulator: a synthetic demo account, not real traffic."] if self.simulated else []
        calls, campaigns = self._report_extras(since, until, all_profiles, refresh, notes)
        store = self.cache  # rendered figures kept beside the store: a warm report draws none
        figures = FigureCache(store.directory / "figures") if store.enabled else None
        return build_report(messages, account=self._account_label(), window=window, notes=notes, calls=calls,
                            campaigns=campaigns, figure_cache=figures, profiles=self._profile_names())  # fmt: skip

    def _report_extras(self, since: _time.When, until: _time.When, all_profiles: bool | None,
                       refresh: bool, notes: list[str]) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:  # fmt: skip
        """The report's calls (started in its window) and campaigns, through the store; a server
        that cannot list them leaves their sections out, with a note."""
        from ._errors import APIError

        found: list[pd.DataFrame | None] = []
        for what, pull in (("voice calls", lambda: self.calls(since=since, until=until, all_profiles=all_profiles,
                                                              refresh=refresh)),
                           ("10DLC campaigns", lambda: self.campaigns(all_profiles=all_profiles, refresh=refresh))):  # fmt: skip
            try:
                found.append(pull())
            except (APIError, ConfigurationError) as error:
                found.append(None)
                notes.append(f"No {what} section: they could not be listed ({type(error).__name__}: {error}).")
        campaigns = found[1]
        if campaigns is not None and self._whole_account(all_profiles):
            # listed per profile: the organization's own campaigns show only where a profile inherits them
            campaigns.attrs["listed"] = set(self.profiles()["id"].dropna())
        return found[0], campaigns

    # -- forms -------------------------------------------------------------------------------------

    def send_form(self, *, live: bool = False, region: str | None = None, profile_id: str | None = None,
                  template: str | None = None) -> Any:  # fmt: skip
        """A form to send a template to numbers: sandbox only unless ``live=True`` (then a warning and a confirm step).

        >>> lab.send_form(template="order_confirmation")
        VBox(children=(HTML(value='<div ...
        """
        from ._widgets import send_form

        return send_form(self, live=live, region=region, profile_id=profile_id, template=template)

    def lookup_form(self, *, region: str | None = None) -> Any:
        """A form to look up phone numbers as a typed frame; invalid numbers are listed, never requested.

        >>> lab.lookup_form(region="US")
        VBox(children=(Textarea(...
        """
        from ._widgets import lookup_form

        return lookup_form(self, region=region)

    def _profile_names(self) -> dict[str, str]:
        # /v3/me lists the organization's profiles with their names: no request beyond it
        account = self.api.aio.account or self.api.me()
        names = {str(p["id"]): str(p["name"]) for p in account.get("profiles") or [] if p.get("id") and p.get("name")}
        if account.get("id") and account.get("name"):
            own = " (the organization's own)" if account.get("type") == "organization" else ""
            names[str(account["id"])] = f"{account['name']}{own}"
        return names

    def _account_label(self) -> str:
        inner = self.api.aio
        account = inner.account or self.api.me()
        name = account.get("name") or account.get("id") or "Sent account"
        scope = f"profile {inner.profile_id}" if inner.profile_id else account.get("type", "")
        return f"{name} ({scope})" if scope else str(name)

    def lookup_numbers(self, numbers: Iterable[str] | str, *, refresh: bool = False) -> pd.DataFrame:
        """Number lookups (validity, carrier, line type, ported...), one row per number.

        >>> lab.lookup_numbers(["+14155550123", "+447911123456"])
            phone_number  is_valid  ...  is_ported  is_voip
        0   +14155550123      True  ...      False    False
        1  +447911123456      True  ...      False    False
        <BLANKLINE>
        [2 rows x 9 columns]
        """
        return _datasets.lookup_numbers(self.api, self.cache, numbers, refresh=refresh)

    def profiles(self, *, refresh: bool = False) -> pd.DataFrame:
        """The organization's child profiles, one row each.

        >>> lab.profiles()[["id", "name"]]
                                             id       name
        0  6f03675a-1600-435a-8999-50d836f675cc  Marketing
        1  a09f76b5-a170-4338-b926-3059f28c105d    Support
        """
        return _datasets.profiles(self.api, self.cache, refresh=refresh)

    def users(self, *, all_profiles: bool | None = None, refresh: bool = False) -> pd.DataFrame:
        """Users of the account, one row each (an organization key: its own and every profile's).

        >>> lab.users()[["email", "role", "status", "profile_id"]]
                                 email  ...                            profile_id
        0       ana.admin@acme.example  ...  6513270e-269e-4d37-b2a7-4de452e6b438
        ...
        [6 rows x 4 columns]
        """
        return _datasets.users(self.api, self.cache, all_profiles=self._whole_account(all_profiles), refresh=refresh)

    # -- the rest of the account: voice, contact summaries, campaigns, conversations ---------------

    def calls(
        self,
        *,
        since: _time.When = None,
        until: _time.When = None,
        direction: str | None = None,
        status: str | None = None,
        number: str | None = None,
        all_profiles: bool | None = None,
        refresh: bool = False,
    ) -> pd.DataFrame:
        """Voice calls, one row per call, newest first; see ``sentlab.schema("calls")``.

        The filters are the API's, applied server-side and checked before any request:
        ``since``/``until`` on ``started_at`` (``since <= started_at < until``), ``direction``
        (inbound/outbound), ``status`` (initiated, ringing, answered, completed, failed,
        no_answer, rejected; any case), ``number`` (your line, E.164). An organization key with no
        profile chosen gets the whole account: its own calls and every profile's, each once.

        Through the local store: a re-run reads only calls that may still change (started
        within 12 h of the last read) and the new ones, nothing within ``list_ttl``, and never
        again a window of calls that are over.

        >>> calls = lab.calls(since="2026-11-01")
        >>> calls.groupby(["direction", "status"], observed=True).size()
        direction  status
        inbound    COMPLETED    17
        outbound   COMPLETED    10
                   NO_ANSWER     5
        dtype: int64
        """
        _time.check_window(since, until)
        return _account_frames.calls(self.api, self.cache, since=since, until=until, direction=direction, status=status,
                               number=number, all_profiles=self._whole_account(all_profiles), refresh=refresh)  # fmt: skip

    def contact_summaries(self, ids: Iterable[str] | str | None = None, *, all_profiles: bool | None = None,
                          refresh: bool = False) -> pd.DataFrame:  # fmt: skip
        """Per-contact message summaries, one row per contact x channel (count, first and last
        message, success and fail scores); see ``sentlab.schema("contact_summaries")``.

        **One request per contact** (the API has no bulk summary): 10,000 contacts take about
        50 minutes at 200 requests a minute. ``ids=None`` means every contact and warns with the
        count first; pass ``ids=`` (e.g. ``lab.contacts().id[:100]``) for a chosen set. A progress
        bar shows the requests; answers are stored for an hour, so a re-run asks again only for
        what is older or missing (``refresh=True``: all of them).

        >>> top = lab.contact_summaries(ids=lab.contacts().id[:50])
        >>> top.pivot_table(index="contact_id", columns="channel", values="success_score", observed=True)
        channel                                mms   rcs    sms  whatsapp
        contact_id
        03312ead-2229-40ae-9158-d4a89f03bc5a  <NA>  <NA>  100.0      <NA>
        ...
        """
        if ids is not None:
            _ids(ids)
        return _account_frames.contact_summaries(self.api, self.cache, ids, all_profiles=self._whole_account(all_profiles),
                                           refresh=refresh)  # fmt: skip

    def campaigns(self, *, all_profiles: bool | None = None, refresh: bool = False) -> pd.DataFrame:
        """10DLC campaigns, one row per campaign (status, dates, use case, brand); see
        ``sentlab.schema("campaigns")``. An organization key: every profile's, an inherited
        organization campaign once (``profile_ids`` lists the profiles using it).

        >>> lab.campaigns()[["name", "status", "use_case", "billed_date", "profile_ids"]]
                              name  ...                             profile_ids
        0  Holiday promotions 2025  ...  [6f03675a-1600-435a-8999-50d836f675cc]
        1               Promotions  ...  [6f03675a-1600-435a-8999-50d836f675cc]
        2            Customer care  ...  [a09f76b5-a170-4338-b926-3059f28c105d]
        <BLANKLINE>
        [3 rows x 5 columns]
        """
        return _account_frames.campaigns(self.api, self.cache, all_profiles=self._whole_account(all_profiles),
                                   refresh=refresh)  # fmt: skip

    def conversations(self, contact_id: str, *, all_profiles: bool | None = None, refresh: bool = False) -> pd.DataFrame:
        """One contact's thread: every message exchanged with it, outbound and inbound, newest
        first, as a messages frame (``sentlab.schema("messages")``).

        >>> contact_id = m.contact_id.iloc[0]
        >>> lab.conversations(contact_id)[["created_at", "direction", "channel", "status", "body"]]
                                 created_at  ...                                               body
        0  2026-11-19 23:32:59.909916+00:00  ...  Farah, you have 3626 Acme loyalty points waiti...
        ...
        [47 rows x 5 columns]
        """
        return _account_frames.conversations(self.api, self.cache, contact_id,
                                       all_profiles=self._whole_account(all_profiles), refresh=refresh)  # fmt: skip

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FRAME_METHODS = (
    "contacts", "templates", "webhooks", "webhook_events", "messages", "activities",
    "lookup_numbers", "profiles", "users",
    "calls", "contact_summaries", "campaigns", "conversations",
)

# One call, one progress display: the pages of every profile, the lists and the fan-outs a
# frame method (or the report) needs all feed one bar, not one each.
for _name in (*FRAME_METHODS, "report"):
    setattr(Lab, _name, one_display_per_call(getattr(Lab, _name)))
del _name


class AsyncLab:
    """``await``-able twins of :class:`Lab`'s frame methods (``lab.aio``), same arguments.

    Each runs its blocking twin in a worker thread, so the notebook's event loop stays free
    while pages download.

    >>> contacts, templates = await asyncio.gather(lab.aio.contacts(), lab.aio.templates())
    """

    def __init__(self, lab: Lab) -> None:
        self._lab = lab

    def __getattr__(self, name: str) -> Any:
        if name not in FRAME_METHODS:
            raise AttributeError(f"lab.aio has no {name!r}; it offers {', '.join(FRAME_METHODS)}")
        method = getattr(self._lab, name)

        async def twin(*args: Any, **kwargs: Any) -> pd.DataFrame:
            return await asyncio.to_thread(method, *args, **kwargs)

        twin.__name__ = name
        twin.__doc__ = method.__doc__
        return twin

    def __dir__(self) -> list[str]:
        return list(FRAME_METHODS)
