"""The fetch-through-store layer, against a tiny fake client that counts its calls."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pytest

from sentlab import _datasets as ds
from sentlab._store import NullStore, Store

from .examples import ACTIVITIES, CONTACT, MESSAGE, NUMBER_LOOKUP, TEMPLATE, WEBHOOK, event

MID = MESSAGE["id"]


@dataclass
class Out:
    results: dict
    failures: dict = field(default_factory=dict)


class FakeClient:
    """Records from the docs' examples; events newest first, paged like the API."""

    def __init__(self, with_pages: bool = True) -> None:
        self.calls: Counter = Counter()
        self.events = [
            event("m2", "READ", "2026-04-08T10:00:20+00:00", "e4"),
            event(MID, "SENT", "2026-04-08T10:00:10+00:00", "e3"),
            event("m2", "SENT", "2026-04-08T10:00:05+00:00", "e2"),
            event(MID, "QUEUED", "2026-04-08T10:00:00+00:00", "e1"),
        ]
        if not with_pages:
            self.webhook_events_page = None  # type: ignore[assignment]

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if name.startswith("_") or name in ("calls", "events") or not callable(value):
            return value

        def counted(*args, **kwargs):  # counts calls, not attribute look-ups
            object.__getattribute__(self, "calls")[name] += 1
            return value(*args, **kwargs)

        return counted

    def me(self):
        return {"id": "acct-1", "type": "organization"}

    def contacts(self, **kw):
        return [CONTACT] if kw.get("channel") in (None, "sms") else []

    def templates(self, **kw):
        return [TEMPLATE]

    def webhooks(self, **kw):
        return [{**WEBHOOK, "signing_secret": "whsec_c2VjcmV0"}]

    def webhook_events(self, webhook_id=None):
        return [{**e, "webhook_id": WEBHOOK["id"]} for e in self.events]

    def webhook_events_page(self, webhook_id, *, page, page_size):
        rows = self.webhook_events(webhook_id)[(page - 1) * page_size: page * page_size]
        return rows, page * page_size < len(self.events)

    def messages_details(self, ids):
        ids = list(ids)
        return Out({i: {**MESSAGE, "id": i} for i in ids if i != "bad"}, {i: "not found" for i in ids if i == "bad"})

    def activities_many(self, ids):
        return Out({i: [{**a, "message_id": i} for a in ACTIVITIES["activities"]] for i in ids})

    def lookup_numbers(self, numbers):
        return Out({n: {**NUMBER_LOOKUP, "phone_number": n} for n in numbers})

    def profiles(self):
        return []

    def users(self):
        return []


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path, base_url="http://fake", account_id="acct-1")


def test_open_store_scopes_by_account_from_me_and_can_be_off(tmp_path):
    client = FakeClient()
    client.base_url = "http://fake"
    client.profile_id = None
    store = ds.open_store(client, tmp_path)
    assert store.scope == "http://fake#acct-1#" and client.calls["me"] == 1
    assert isinstance(ds.open_store(client, enabled=False), NullStore)


def test_list_resources_are_fetched_once_then_served_from_the_store(store):
    client = FakeClient()
    first = ds.contacts(client, store, channel="sms")
    again = ds.contacts(client, store, channel="sms")
    pd.testing.assert_frame_equal(first, again)
    assert client.calls["contacts"] == 1
    ds.contacts(client, store, channel="sms", refresh=True)
    assert client.calls["contacts"] == 2
    assert ds.contacts(client, store, channel="whatsapp").empty  # its own entry


def test_webhook_secrets_are_stored_as_a_flag_only(store, tmp_path):
    frame = ds.webhooks(FakeClient(), store)
    assert frame.has_signing_secret.tolist() == [True]
    store.close()
    assert b"whsec_" not in (tmp_path / "store.sqlite3").read_bytes()


def test_events_sync_incrementally_by_pages(store):
    client = FakeClient()
    assert len(ds.webhook_events(client, store)) == 4
    # a first sync knows nothing: one concurrent full pull, not page after page
    assert client.calls["webhook_events"] == 1 and client.calls["webhook_events_page"] == 0
    client.events.insert(0, event("m3", "SENT", "2026-04-08T11:00:00+00:00", "e5"))
    assert len(ds.webhook_events(client, store)) == 4  # within list_ttl: no request at all
    store.list_ttl = 0
    frame = ds.webhook_events(client, store)
    assert len(frame) == 5 and set(frame.webhook_id) == {WEBHOOK["id"]}
    assert client.calls["webhook_events_page"] == 1  # then: one page, the newest
    since = ds.webhook_events(client, store, since="2026-04-08T10:00:10Z", until="2026-04-08T10:30:00Z")
    assert sorted(since.id) == ["e3", "e4"]


def test_events_without_a_page_method_fall_back_to_a_full_pull(store):
    client = FakeClient(with_pages=False)
    assert len(ds.webhook_events(client, store, WEBHOOK["id"])) == 4
    assert client.calls["webhook_events"] >= 1


def test_messages_come_from_events_and_details_only_where_needed(store):
    client = FakeClient()
    msgs = ds.messages(client, store, source="events")
    assert set(msgs.id) == {MID, "m2"} and client.calls["messages_details"] == 0
    assert msgs.set_index("id").loc["m2", "status"] == "READ" and msgs.price.isna().all()
    assert msgs.template_category.tolist() == ["MARKETING", "MARKETING"]
    with_unknown = ds.messages(client, store, ids=[MID, "no-events"], source="events")
    assert set(with_unknown.id) == {MID, "no-events"} and client.calls["messages_details"] == 1
    assert with_unknown.set_index("id").loc["no-events", "source"] == "details"


def test_all_details_are_fetched_once_and_reused(store):
    client = FakeClient()
    priced = ds.messages(client, store, details="all", source="events")
    assert priced.price.notna().all() and client.calls["messages_details"] == 1
    ds.messages(client, store, details="all", source="events")
    assert client.calls["messages_details"] == 1  # DELIVERED long ago: final, never re-fetched
    assert ds.messages(client, store, source="events").price.notna().all()  # auto: stored details are free
    with pytest.raises(ValueError, match="details"):
        ds.messages(client, store, details="some", source="events")


def test_failures_are_reported_not_raised(store):
    with pytest.warns(UserWarning, match="1 message details"):
        frame = ds.messages(FakeClient(), store, ids=["bad", "fine"], source="events")
    assert frame.attrs["failures"] == {"bad": "not found"} and frame.id.tolist() == ["fine"]


def test_activities_of_event_messages_through_the_store(store):
    client = FakeClient()
    acts = ds.activities(client, store)
    assert len(acts) == 8 and set(acts.message_id) == {MID, "m2"}
    ds.activities(client, store)
    assert client.calls["activities_many"] == 1


def test_lookups_and_a_disabled_store(store):
    client = FakeClient()
    assert ds.lookup_numbers(client, store, "+14155551234").phone_number.tolist() == ["+14155551234"]
    off = NullStore()
    ds.contacts(client, off)
    ds.contacts(client, off)
    assert client.calls["contacts"] == 2
    assert len(ds.webhook_events(client, off)) == 4
