"""The rest of the account through the local store: voice calls, contact summaries, campaigns, conversations.

Like ``sentlab._datasets`` (the contacts, templates, webhooks, events and messages), each
function takes a client and a store and returns a typed DataFrame; with ``all_profiles=True``
(organization keys) every child profile's scope is read and each row tagged with its profile.

>>> calls(lab.api, lab.cache, all_profiles=True).groupby("status", observed=True).size().to_dict()
{'COMPLETED': 50, 'NO_ANSWER': 9, 'REJECTED': 1}
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from sentlab._call_log import iso_micros, sync_calls
from sentlab._config import check_call_filters, check_uuid
from sentlab._errors import NotFoundError
from sentlab._fetching import (
    Record,
    _account_scopes,
    _cached_list,
    _caller_stacklevel,
    _ids,
    _report_failures,
    _Saver,
)
from sentlab._frames import build_frame
from sentlab._store import Store
from sentlab._time import When, check_window, utc

__all__ = ["calls", "campaigns", "contact_summaries", "conversations"]

# Voice calls, per-contact message summaries, 10DLC campaigns and one contact's conversation.


def _tag(records: list[Record], profile_id: str | None) -> list[Record]:
    if profile_id is None:
        return records
    return [{**r, "profile_id": r.get("profile_id") or profile_id} for r in records]


def _micros(when: When, name: str) -> int | None:
    return None if when is None else utc(when, name).value // 1000  # ns -> µs, floored


def _newest_first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    # stable: rows of one start time keep the server's order
    return frame.sort_values(column, ascending=False, kind="stable", na_position="last").reset_index(drop=True)


def calls(client: Any, store: Store, *, since: When = None, until: When = None, direction: str | None = None,
          status: str | None = None, number: str | None = None, all_profiles: bool = False,
          refresh: bool = False, progress: bool | None = None) -> pd.DataFrame:  # fmt: skip
    """Voice calls as a frame, one row per call, newest first; see ``sentlab.schema("calls")``.

    ``direction`` (inbound/outbound), ``status``, ``number`` (your line) and ``since``/``until``
    (on ``started_at``: ``since <= started_at < until``) are the API's own filters, applied
    server-side and checked before any request. ``all_profiles=True`` (organization keys): the
    organization's own calls and every child profile's, each once.

    Through the store (``sentlab._call_log``): a re-run reads only the calls that can still
    change (started within ``SETTLE_AFTER``, 12 h, of the last read) and those started since,
    and nothing at all within the store's ``list_ttl`` or for a window of settled calls.

    >>> calls(lab.api, lab.cache, since="2026-11-01", direction="inbound").status.value_counts()
    status
    COMPLETED    1
    Name: count, dtype: int64
    """
    check_window(since, until)
    query = check_call_filters(direction=direction, status=status, number=number)
    filters = {"direction": query["direction"], "status": query["status"], "number": query["number"]}
    since_us, until_us = _micros(since, "since"), _micros(until, "until")
    records: list[Record] = []
    for scoped, part, tag in _account_scopes(client, store, all_profiles, refresh):
        def fetch(lo: int | None, hi: int | None, scoped: Any = scoped) -> list[Record]:
            return scoped.calls(**filters, since=iso_micros(lo), until=iso_micros(hi), progress=progress)

        got = sync_calls(fetch, store, {**filters, "part": part or None}, since_us=since_us, until_us=until_us,
                         refresh=refresh)  # fmt: skip
        records.extend(_tag(got, tag))
    return _newest_first(build_frame("calls", records), "started_at")


def _scope_contacts(client: Any, store: Store, scopes: list[tuple[Any, str, str | None]], all_profiles: bool,
                    refresh: bool) -> dict[str, list[str]]:  # fmt: skip
    """Contact ids each scope sees (its own and the inherited ones), by part, from the contacts
    lists through the store (the same entries ``contacts()`` reads)."""
    if not all_profiles:
        return {"": [r["id"] for r in _cached_list(store, "contacts", {}, client.contacts, refresh) if r.get("id")]}
    organization = scopes[0][0]
    seen: dict[str, list[str]] = {part: [] for _, part, _ in scopes}
    seen[""] = [r["id"] for r in _cached_list(store, "contacts", {}, organization.contacts, refresh) if r.get("id")]
    fetch = lambda: client.contacts(all_profiles=True)  # noqa: E731
    for r in _cached_list(store, "contacts", {"all_profiles": True}, fetch, refresh):
        if r.get("id") and r.get("profile_id") in seen:
            seen[r["profile_id"]].append(r["id"])
    return seen


def contact_summaries(client: Any, store: Store, ids: Iterable[str] | str | None = None, *,
                      all_profiles: bool = False, refresh: bool = False,
                      progress: bool | None = None) -> pd.DataFrame:  # fmt: skip
    """Per-contact message summaries, one row per contact x channel; see
    ``sentlab.schema("contact_summaries")``.

    **One request per contact** (``GET /v3/contacts/{id}/message-summary``): at the API's 200
    requests a minute, 10,000 contacts take 50 minutes. ``ids=None`` asks for every contact of
    the scope (from the contacts list) and warns with the count first; pass ``ids=`` for a chosen
    set. Answers are stored for ``record_ttl`` (1 h: any new message with a contact changes its
    summary), so a re-run asks only for those older or missing; ``refresh=True`` asks again.

    ``all_profiles=True`` (organization keys): each contact is summarised in every scope that
    sees it (its profile; an organization contact by the organization and by each profile,
    which count their own messages with it). Failures never raise: ``frame.attrs["failures"]``
    (keyed by contact id, or ``profile_id/contact_id`` for the whole account) with a warning.

    >>> summaries = contact_summaries(lab.api, lab.cache, ids=lab.contacts().id[:3], all_profiles=True)
    >>> summaries[["channel", "message_count"]]
      channel  message_count
    0     sms              4
    1     sms              2
    2     sms              1
    """
    wanted = _ids(ids) if ids is not None else None
    scopes = _account_scopes(client, store, all_profiles, refresh)
    if wanted is None or all_profiles:
        seen = _scope_contacts(client, store, scopes, all_profiles, refresh)
    if wanted is None:
        per_scope = {part: list(dict.fromkeys(seen.get(part, []))) for _, part, _ in scopes}
    elif not all_profiles:
        per_scope = {"": wanted}
    else:
        sets = {part: set(seen.get(part, [])) for _, part, _ in scopes}
        per_scope = {part: [i for i in wanted if i in sets[part]] for _, part, _ in scopes}
        unseen = [i for i in wanted if not any(i in s for s in sets.values())]
        per_scope[scopes[0][1]] = [*per_scope[scopes[0][1]], *unseen]  # let the API say what it is
    keyed = {part: {f"{part}/{cid}": cid for cid in cids} for part, cids in per_scope.items()}
    found: dict[str, Any] = {}
    if not refresh:
        for mapping in keyed.values():
            found.update(store.get_records("contact_summary", list(mapping)))
    missing = {part: [k for k in mapping if k not in found] for part, mapping in keyed.items()}
    count = sum(map(len, missing.values()))
    if wanted is None and count:
        warnings.warn(f"contact_summaries(): one request per contact: {count:,} requests for the contacts "
                      f"with no stored summary (about {math.ceil(count / 200)} min at the API's 200 requests "
                      "a minute); pass ids= for a chosen set", stacklevel=_caller_stacklevel())  # fmt: skip
    failures: dict[str, Any] = {}
    rows: list[Record] = []
    for scoped, part, tag in scopes:
        mapping = keyed[part]
        if missing[part]:
            saver = _Saver(store, "contact_summary", None)  # stored as they arrive: a kill loses only the last few
            try:
                out = scoped.message_summaries([mapping[k] for k in missing[part]], progress=progress,
                                               on_result=lambda cid, record, save=saver, p=part: save(f"{p}/{cid}", record))  # fmt: skip
            finally:
                saver.flush()
            found.update({f"{part}/{cid}": record for cid, record in out.results.items()})
            for cid, error in out.failures.items():
                failures[f"{tag}/{cid}" if all_profiles else cid] = error
        rows.extend(_tag([found[k] for k in mapping if isinstance(found.get(k), dict)], tag))
    return _report_failures(build_frame("contact_summaries", rows), failures, "contact summaries")


def _one_row_per_campaign(records: list[Record]) -> list[Record]:
    """Each campaign once, owned by its ``customerId`` (the organization's for inherited ones),
    with ``profile_ids``: the profiles that listed it."""
    listed: dict[str, list[str]] = {}
    first: dict[str, Record] = {}
    for r in records:
        key = r.get("id")
        if key is None:
            continue
        first.setdefault(key, r)
        if r.get("profile_id") and r["profile_id"] not in listed.setdefault(key, []):
            listed[key].append(r["profile_id"])
    rows = []
    for key, r in first.items():
        owner = r.get("customerId", r.get("customer_id")) or r.get("profile_id")
        rows.append({**r, "profile_id": owner, "profile_ids": listed.get(key, [])})
    return rows


def campaigns(client: Any, store: Store, *, all_profiles: bool = False, refresh: bool = False) -> pd.DataFrame:
    """10DLC campaigns as a frame, one row per campaign (newest first within each profile);
    see ``sentlab.schema("campaigns")``. Through the store (``list_ttl``).

    ``all_profiles=True`` (organization keys): every child profile's campaigns; one the
    organization owns and profiles inherit is one row (``profile_id`` the organization's,
    ``profile_ids`` the profiles using it). Otherwise this client's profile's (an organization
    key must choose one: ``ConfigurationError``). A profile without a brand has none.

    >>> campaigns(lab.api, lab.cache, all_profiles=True)[["name", "status", "billed_date", "profile_ids"]]
                          name  ...                             profile_ids
    0  Holiday promotions 2025  ...  [6f03675a-1600-435a-8999-50d836f675cc]
    ...
    [3 rows x 4 columns]
    """
    def fetch() -> list[Record]:
        try:
            return client.campaigns(all_profiles=all_profiles)
        except NotFoundError as error:
            if error.code == "RESOURCE_009":  # no brand: no campaigns
                return []
            raise

    records = _cached_list(store, "campaigns", {"all_profiles": all_profiles or None}, fetch, refresh)
    return build_frame("campaigns", _one_row_per_campaign(records))


def conversations(client: Any, store: Store, contact_id: str, *, all_profiles: bool = False,
                  refresh: bool = False, progress: bool | None = None) -> pd.DataFrame:  # fmt: skip
    """One contact's thread (``GET /v3/conversations/{contact_id}``): every message exchanged
    with it, outbound and inbound, newest first, as a messages frame. Through the store
    (``list_ttl``).

    ``all_profiles=True`` (organization keys): the thread in every scope that sees the contact
    (its profile; for an organization contact, the organization and each profile), each message
    tagged ``profile_id``; one request per scope (a scope that does not see the contact answers
    404 and adds nothing). A contact no scope sees is a ``NotFoundError``.

    >>> thread = conversations(lab.api, lab.cache, m.contact_id.iloc[0])
    >>> thread[["created_at", "direction", "channel", "status", "body"]]
                             created_at  ...                                           body
    0  2026-11-17 21:33:00.146351+00:00  ...  Hi Nia, your order #56406 has been confirmed.
    ...
    [11 rows x 5 columns]
    """
    cid = check_uuid(contact_id, "contact_id")

    def fetch() -> list[Record]:
        if not all_profiles:
            return client.message_list(contact_id=cid, progress=progress)
        records: list[Record] = []
        missing: NotFoundError | None = None
        answered = False
        for scoped, _, tag in _account_scopes(client, store, True, refresh):
            try:
                records.extend(_tag(scoped.message_list(contact_id=cid, progress=progress), tag))
                answered = True
            except NotFoundError as error:  # not a contact this scope sees
                missing = error
        if not answered and missing is not None:
            raise missing
        return records

    records = _cached_list(store, "conversation", {"contact_id": cid, "all_profiles": all_profiles or None},
                           fetch, refresh)  # fmt: skip
    frame = build_frame("messages", records)
    frame["source"] = pd.Categorical(["list"] * len(frame))
    frame = _newest_first(frame, "created_at")
    frame.attrs["source"] = "list"
    return frame
