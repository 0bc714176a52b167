"""Frames through the local store: ask the store, fetch only what it lacks, build the frame.

Each function takes a client (anything with the methods of ``RecordsClient``: ``SentClient``
in practice) and a store (``Store`` or ``NullStore``) and returns a typed DataFrame. The
session (``lab.contacts()``...) is a thin layer over these.

Messages follow DESIGN.md's cheapest path: the messages list (``GET /v3/conversations``, one
request per 100 messages, prices included), synced incrementally into the store
(``_message_log``). A server without the list falls back, once said, to the older path: the
messages frame built from webhook events (one request per 100 events), with per-message
details (one request each) only for ids that have no events, or for every message with
``details="all"`` (exact prices). Details already in the store are merged in for free.

Nothing fetched is lost to an error, Ctrl-C or a killed process: list pages and per-message
answers are stored as they arrive, event pages one by one, and the next call fetches only what
the store still lacks.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sentlab._errors import APIConnectionError, APIError, ConfigurationError, NotFoundError
from sentlab._event_sync import _sync_events
from sentlab._fetching import (
    Record,
    RecordsClient,
    _account_scopes,
    _cached_by_id,
    _cached_list,
    _caller_stacklevel,
    _ids,
    _report_failures,
)
from sentlab._frames import (
    build_frame,
    conform,
    empty_frame,
    merge_message_details,
    messages_from_events,
)
from sentlab._message_log import SETTLE_AFTER, MessageLog, sync
from sentlab._progress import Bar, wants_progress
from sentlab._store import NullStore, Store, message_state
from sentlab._time import When, check_window, utc

__all__ = [
    "activities", "contacts", "lookup_numbers", "messages", "open_store", "profiles", "received_events",
    "received_messages", "templates", "users", "webhook_events", "webhooks", "with_details",
]  # fmt: skip


def open_store(client: Any, directory: Any = None, *, enabled: bool = True, **settings: Any) -> Store:
    """The store for ``client``'s base URL, account and profile (``enabled=False``: a no-op store).

    The account id comes from ``/v3/me`` (asked once); the key is never used or stored.

    >>> store = open_store(lab.api, "scratch-store")
    >>> contacts(lab.api, store).shape
    (10, 16)
    """
    if not enabled:
        return NullStore(**settings)
    inner = getattr(client, "aio", client)  # SentClient wraps an AsyncSentClient
    account = getattr(inner, "account", None) or client.me()
    account_id = account.get("id") or account.get("organization_id")
    if not account_id:
        raise ValueError("/v3/me returned no account id: pass a Store(account_id=...) explicitly")
    return Store(directory, base_url=str(inner.base_url), account_id=str(account_id),
                 profile_id=getattr(inner, "profile_id", None), **settings)  # fmt: skip


# --------------------------------------------------------------------------- helpers


def _window(frame: pd.DataFrame, column: str, since: When, until: When) -> pd.DataFrame:
    if since is None and until is None:
        return frame
    times = frame[column]
    keep = pd.Series(True, index=frame.index)
    if since is not None:
        keep &= times >= utc(since, "since")
    if until is not None:
        keep &= times < utc(until, "until")
    return frame[keep.fillna(False).to_numpy(dtype=bool)].reset_index(drop=True)


# --------------------------------------------------------------------------- list resources


def contacts(client: RecordsClient, store: Store, *, search: str | None = None, channel: str | None = None,
             phone: str | None = None, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Contacts as a frame (API filters: search, channel, phone), through the store.

    >>> df = contacts(lab.api, lab.cache, channel="whatsapp")
    >>> df.region_code.value_counts()
    region_code
    BR    3
    ...
    Name: count, dtype: int64
    """
    params = {"search": search, "channel": channel, "phone": phone, "all_profiles": all_profiles or None}
    fetch = lambda: client.contacts(search=search, channel=channel, phone=phone, all_profiles=all_profiles)  # noqa: E731
    frame = build_frame("contacts", _cached_list(store, "contacts", params, fetch, refresh))
    return _one_row_per_inherited(frame, client) if all_profiles else frame


def _one_row_per_inherited(frame: pd.DataFrame, client: Any) -> pd.DataFrame:
    """Whole-account contacts: an organization contact inherited by every profile is one row, not one per profile.

    Its ``profile_id`` becomes the organization's id (its owner) when the client knows it.
    """
    inherited = frame["is_inherited"].fillna(False).to_numpy(dtype=bool)
    repeated = inherited & frame["id"].duplicated(keep="first").to_numpy()
    if not inherited.any():
        return frame
    frame = frame[~repeated].reset_index(drop=True)
    account = getattr(getattr(client, "aio", client), "account", None) or {}
    if account.get("type") == "organization" and account.get("id"):
        owner = frame["is_inherited"].fillna(False).to_numpy(dtype=bool)
        frame.loc[owner, "profile_id"] = account["id"]
    return frame


def templates(client: RecordsClient, store: Store, *, search: str | None = None, status: str | None = None,
              category: str | None = None, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Templates as a frame (API filters: search, status, category), through the store.

    >>> df = templates(lab.api, lab.cache, status="APPROVED")
    >>> df[["name", "category"]]
                     name        category
    0          login_code  AUTHENTICATION
    1     payment_receipt         UTILITY
    2  order_confirmation         UTILITY
    3         spring_sale       MARKETING
    """
    params = {"search": search, "status": status, "category": category, "all_profiles": all_profiles or None}
    fetch = lambda: client.templates(search=search, status=status, category=category, all_profiles=all_profiles)  # noqa: E731
    return build_frame("templates", _cached_list(store, "templates", params, fetch, refresh))


def webhooks(client: RecordsClient, store: Store, *, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:
    """Webhooks as a frame (signing secrets are never kept), through the store.

    >>> df = webhooks(lab.api, lab.cache)
    >>> df[["display_name", "is_active"]]
         display_name  is_active
    0  Failure alerts       True
    """
    return build_frame("webhooks", _webhook_records(client, store, all_profiles, refresh))


def _webhook_records(client: RecordsClient, store: Store, all_profiles: bool, refresh: bool) -> list[Record]:
    params = {"all_profiles": all_profiles or None}
    fetch = lambda: _without_secrets(client.webhooks(all_profiles=all_profiles))  # noqa: E731
    return _cached_list(store, "webhooks", params, fetch, refresh)


def _without_secrets(records: list[Record]) -> list[Record]:
    # Signing secrets never reach the store (or a frame): only whether one is set.
    return [{k: v for k, v in r.items() if k != "signing_secret"} | {"has_signing_secret": bool(r.get("signing_secret"))}
            if "signing_secret" in r else r for r in records]  # fmt: skip


def profiles(client: RecordsClient, store: Store, *, refresh: bool = False) -> pd.DataFrame:
    """Child profiles of the organization as a frame, through the store.

    >>> profiles(lab.api, lab.cache)[["name", "status"]]
            name    status
    0  Marketing  approved
    1    Support  approved
    """
    return build_frame("profiles", _cached_list(store, "profiles", {}, client.profiles, refresh))


def users(client: RecordsClient, store: Store, *, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:
    """Users of the account as a frame, through the store.

    ``all_profiles=True`` (organization keys): the organization's own users and every child
    profile's, ``profile_id`` saying whose (the organization's id for its own).

    >>> users(lab.api, lab.cache)[["email", "role"]]
                            email       role
    0      ana.admin@acme.example      admin
    1  ben.developer@acme.example  developer
    2  chloe.billing@acme.example    billing
    """
    if not all_profiles:
        return build_frame("users", _cached_list(store, "users", {}, client.users, refresh))
    fetch = lambda: client.users(all_profiles=True)  # noqa: E731
    return build_frame("users", _cached_list(store, "users", {"all_profiles": True}, fetch, refresh))


# --------------------------------------------------------------------------- webhook events


def _event_records(client: RecordsClient, store: Store, webhook_id: str | None, refresh: bool,
                   all_profiles: bool = False) -> list[Record]:  # fmt: skip
    if webhook_id is None and not store.enabled:
        return client.webhook_events(None, all_profiles=all_profiles) if all_profiles else client.webhook_events(None)
    if webhook_id is not None:
        # With an organization key, a child profile's webhook is read in that profile's scope:
        # the webhooks list (cached) says whose it is.
        owner = next((r.get("profile_id") for r in _webhook_records(client, store, True, refresh)
                      if r.get("id") == webhook_id), None) if all_profiles else None  # fmt: skip
        targets = [(webhook_id, owner)]
    else:
        targets = [(r["id"], r.get("profile_id")) for r in _webhook_records(client, store, all_profiles, refresh)
                   if r.get("id")]  # fmt: skip
    records: list[Record] = []
    for wid, profile_id in targets:
        # A child profile's webhook is read with that profile's scope (organization keys).
        scoped = client.with_profile(profile_id) if all_profiles and profile_id else client
        fetched = _sync_events(scoped, store, wid, refresh)
        records.extend(fetched if fetched is not None else store.events(wid))
    return records


def webhook_events(client: RecordsClient, store: Store, webhook_id: str | None = None, *, since: When = None,
                   until: When = None, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Delivery events of one webhook (or all, ``webhook_id=None``), synced incrementally.

    ``since``/``until`` filter on ``created_at`` (the API has no time filter for events).
    ``all_profiles=True`` (organization keys): the webhooks of every child profile too.

    >>> ev = webhook_events(lab.api, lab.cache, since="2026-04-01")
    >>> ev.groupby("message_status", observed=True).size()
    message_status
    FAILED    28
    dtype: int64
    """
    check_window(since, until)
    frame = build_frame("webhook_events", _event_records(client, store, webhook_id, refresh, all_profiles))
    return _window(frame, "created_at", since, until)


def received_events(directory: Any = None, webhook_id: str | None = None, *, since: When = None,
                    until: When = None) -> pd.DataFrame:  # fmt: skip
    """Deliveries a receiver (``sentlab listen``, ``sentlab.webhooks.app``) stored, as webhook_events: no request.

    ``directory`` is the store directory (default: the default store's); one row per event id,
    ``delivery_attempts`` = how many times it was received. ``since``/``until`` on ``created_at``.

    >>> received_events(webhook_id=webhook_id).message_status.value_counts()
    Series([], Name: count, dtype: int64)
    """
    from sentlab.webhooks._inbox import Inbox  # deferred: the receiver's side of the store

    check_window(since, until)
    inbox = Inbox(directory)
    try:
        frame = build_frame("webhook_events", inbox.records(webhook_id))
    finally:
        inbox.close()
    frame = _window(frame, "created_at", since, until)
    frame.attrs["source"] = "received"
    return frame


def received_messages(directory: Any = None, webhook_id: str | None = None, *, since: When = None,
                      until: When = None) -> pd.DataFrame:  # fmt: skip
    """The messages frame from received deliveries alone (statuses, times, channel; no prices): no request.

    >>> received_messages().status.value_counts()        # none here: no `sentlab listen` ran
    Series([], Name: count, dtype: int64)
    """
    events = received_events(directory, webhook_id)
    frame = _window(messages_from_events(events), "created_at", since, until)
    frame.attrs["source"] = "received"
    frame.attrs["message_events"] = int(events["message_id"].notna().sum())
    return frame


# --------------------------------------------------------------------------- messages


#: Base URLs already told that they have no messages list (the fallback is said once).
_NO_LIST: set[str] = set()


def messages(client: RecordsClient, store: Store, ids: Iterable[str] | None = None, *, details: str = "auto",
             since: When = None, until: When = None, webhook_id: str | None = None,
             all_profiles: bool = False, refresh: bool = False, source: str = "auto",
             settle_after: float = SETTLE_AFTER, progress: bool | None = None) -> pd.DataFrame:  # fmt: skip
    """Messages as a frame, one row each (outbound and inbound), from the messages list.

    The list (``GET /v3/conversations``) gives each message's status, events (flattened to
    per-status times), price, reason and body: exact cost, one request per 100 messages. It is
    synced into the store: a re-run reads only the newest pages down to what is stored and to
    the unsettled window (``settle_after`` seconds, and pending messages), and nothing within
    the store's ``list_ttl`` of the last sync. ``all_profiles=True`` (organization keys): the
    organization's own messages and every child profile's, each once. ``since``/``until``
    filter on ``created_at``; a first sync with ``since`` reads only down to it.

    ``source="events"`` (or a ``webhook_id``) builds the frame from webhook events instead, as
    happens on its own, with a one-time warning, against a server that has no messages list;
    ``details`` (``"auto"``, ``"all"``, ``"none"``) then says which per-message details to
    fetch for prices. On the list every message is priced already.

    >>> msgs = messages(lab.api, lab.cache)                          # the whole list, synced
    >>> recent = messages(lab.api, lab.cache, since="2026-11-01")
    """
    if details not in ("auto", "all", "none"):
        raise ConfigurationError(f"details must be 'auto', 'all' or 'none', not {details!r}")
    if source not in ("auto", "list", "events"):
        raise ConfigurationError(f"source must be 'auto', 'list' or 'events', not {source!r}")
    check_window(since, until)
    base_url = str(getattr(getattr(client, "aio", client), "base_url", ""))
    if source == "auto" and (webhook_id is not None or base_url in _NO_LIST):
        source = "events"
    if source != "events":
        try:
            frame = _messages_from_list(client, store, since=since, all_profiles=all_profiles, refresh=refresh,
                                        settle_after=settle_after, progress=progress)  # fmt: skip
        except NotFoundError as error:
            if source == "list":
                raise
            _NO_LIST.add(base_url)
            warnings.warn(f"{base_url} has no messages list (GET /v3/conversations: {error.status} "
                          f"{error.code}): messages are built from webhook events instead, with "
                          "per-message details for prices", stacklevel=_caller_stacklevel())  # fmt: skip
        else:
            frame = _window(frame, "created_at", since, until)
            if ids is not None:
                wanted = _ids(ids)
                frame = frame[frame["id"].isin(wanted)].reset_index(drop=True)
                missing = [i for i in wanted if i not in set(frame["id"])]
                if missing:  # not in the list of this scope (yet): ask for each one
                    frame = with_details(client, store, frame, missing, refresh=refresh)
            frame.attrs["source"] = "list"
            return frame
    return _messages_from_events(client, store, ids, details=details, since=since, until=until,
                                 webhook_id=webhook_id, all_profiles=all_profiles, refresh=refresh)


def _messages_from_list(client: Any, store: Store, *, since: When, all_profiles: bool, refresh: bool,
                        settle_after: float, progress: bool | None) -> pd.DataFrame:  # fmt: skip
    frames = []
    down_to = utc(since, "since").timestamp() if since is not None else None
    for scoped, part, profile_id in _account_scopes(client, store, all_profiles, refresh, tag_own=True):
        if store.enabled:
            log = MessageLog(store, part, clock=store.clock)
            with Bar("messages", enabled=wants_progress(progress, default=scoped.aio.progress), unit="page") as bar:
                sync(scoped, log, since=down_to, refresh=refresh, settle_after=settle_after,
                     max_age=store.list_ttl, bar=bar)  # fmt: skip
            frame = log.frame()
        else:
            frame = build_frame("messages", scoped.message_list(progress=progress))
        if profile_id is not None:
            frame["profile_id"] = frame["profile_id"].fillna(profile_id)
        frames.append(frame)
    if not frames:
        return empty_frame("messages")
    if len(frames) == 1:
        return frames[0]  # one scope: the log's frame is typed and newest first already
    out = conform("messages", pd.concat(frames, ignore_index=True))
    order = out["created_at"].array.asi8.argsort(kind="stable")[::-1]  # int64: no Timestamp objects
    return out.iloc[order].reset_index(drop=True)


def _messages_from_events(client: RecordsClient, store: Store, ids: Iterable[str] | None = None, *,
                          details: str = "auto", since: When = None, until: When = None,
                          webhook_id: str | None = None, all_profiles: bool = False,
                          refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """The fallback: messages rebuilt from webhook events; per-message details only where needed.

    ``ids=None``: every message found in webhook events. ``details``: ``"auto"`` fetches
    details only for ids with no events (prices stay null, except those already stored),
    ``"all"`` fetches every message's details (exact prices; one request per message, never
    repeated for messages in a final state), ``"none"`` never.
    """
    events = webhook_events(client, store, webhook_id, all_profiles=all_profiles, refresh=refresh)
    try:
        template_frame = templates(client, store, all_profiles=all_profiles)  # fills template_category: one cached list call
    except (APIError, APIConnectionError):
        # A key without template access (403), a server without the list (404), one that keeps
        # failing or cannot be reached: the messages come all the same, template_category null.
        template_frame = None
    # The window applies before any per-message request: details are fetched only for what is kept.
    frame = _window(messages_from_events(events, template_frame), "created_at", since, until)
    wanted = _ids(ids) if ids is not None else None
    if wanted is not None:
        frame = frame[frame["id"].isin(wanted)].reset_index(drop=True)
    seen = set(frame["id"].dropna())
    if details == "all":
        need = wanted if wanted is not None else list(frame["id"])
    elif details == "auto":
        need = [i for i in wanted if i not in seen] if wanted is not None else []
    else:
        need = []
    # details stored by earlier calls cost nothing: "auto" uses them
    frame = with_details(client, store, frame, need, refresh=refresh, stored=list(seen) if details == "auto" else ())
    frame = _window(frame, "created_at", since, until)  # again: rows of ids without events came from their details
    # Statuses come from events: one whose payload is unreadable names no message, whose status may lag.
    in_window = _window(events, "created_at", since, until)
    about_messages = in_window["event_type"].astype("string").str.startswith("message.").fillna(False)
    frame.attrs["unreadable_events"] = int((about_messages & in_window["message_id"].isna()).sum())
    frame.attrs["message_events"] = int(about_messages.sum())
    frame.attrs["source"] = "events"
    return frame


def with_details(client: RecordsClient, store: Store, frame: pd.DataFrame, ids: Iterable[str], *,
                 refresh: bool = False, stored: Iterable[str] = ()) -> pd.DataFrame:  # fmt: skip
    """``frame`` (messages) with the details of ``ids`` merged in: exact prices and each message's own status.

    One request per id whose details are not stored (never again once a message is final);
    the details of ``stored`` ids are merged only if the store has them. Failures are kept in
    ``frame.attrs["failures"]`` with a warning.

    >>> priced = with_details(lab.api, lab.cache, m, m.id[:50])
    """
    found, failures = _cached_by_id(store, "message", _ids(ids), client.messages_details, refresh, message_state)
    extra = [i for i in stored if i not in found]
    found.update(store.get_records("message", extra) if extra else {})
    attrs = dict(frame.attrs)
    if found:
        frame = merge_message_details(frame, list(found.values()))
        frame.attrs.update(attrs)
    return _report_failures(frame, failures, "message details")


def activities(client: RecordsClient, store: Store, ids: Iterable[str] | None = None, *, since: When = None,
               until: When = None, webhook_id: str | None = None, all_profiles: bool = False,
               refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Activity timelines (one row per message x status) of ``ids``, or of every message in events.

    Final-state timelines come from the store without a request. ``since``/``until`` filter on
    the activity ``timestamp``.

    >>> acts = activities(lab.api, lab.cache, ids=m.id[:100])
    >>> acts.groupby("status", observed=True).size()
    status
    BLOCKED      11
    ...
    SENT         86
    dtype: int64
    """
    check_window(since, until)
    if ids is None:
        events = webhook_events(client, store, webhook_id, all_profiles=all_profiles, refresh=refresh)
        wanted = list(dict.fromkeys(events["message_id"].dropna()))
    else:
        wanted = _ids(ids)
    found, failures = _cached_by_id(store, "activities", wanted, client.activities_many, refresh, message_state)
    rows = [{**a, "message_id": a.get("message_id") or mid}
            for mid, acts in found.items() for a in (acts or []) if isinstance(a, dict)]  # fmt: skip
    frame = _window(build_frame("activities", rows), "timestamp", since, until)
    return _report_failures(frame, failures, "activity timelines")


def lookup_numbers(client: RecordsClient, store: Store, numbers: Iterable[str] | str, *,
                   refresh: bool = False) -> pd.DataFrame:  # fmt: skip
    """Number lookups (carrier, line type, validity...) as a frame, stored for ``record_ttl``.

    >>> lookup_numbers(lab.api, lab.cache, ["+14155551234", "+442071838750"])
        phone_number  is_valid  ...  is_ported  is_voip
    0   +14155551234      True  ...      False    False
    1  +442071838750      True  ...      False    False
    <BLANKLINE>
    [2 rows x 9 columns]
    """
    found, failures = _cached_by_id(store, "lookup", _ids(numbers, "numbers"), client.lookup_numbers, refresh)
    rows = [{**r, "phone_number": r.get("phone_number") or number} for number, r in found.items()]
    return _report_failures(build_frame("number_lookups", rows), failures, "number lookups")
