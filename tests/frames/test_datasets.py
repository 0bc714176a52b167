"""The fetch-through-store layer, against a tiny fake client that counts its calls."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd
import pytest

from sentlab import EventPage, Store
from sentlab import _datasets as ds
from sentlab._store import NullStore

from .examples import ACTIVITIES, CONTACT, MESSAGE, NUMBER_LOOKUP, TEMPLATE, WEBHOOK, event

MID = MESSAGE["id"]


@dataclass
class Out:
    results: dict
    failures: dict = field(default_factory=dict)


class FakeClient:
    """Records from the docs' examples; events newest first, paged like the API (``page_size`` a page)."""

    def __init__(self, with_pages: bool = True, totals: bool = True, page_size: int = 100) -> None:
        self.calls: Counter = Counter()
        self.pages_read: list[int] = []
        self.totals, self.page_size = totals, page_size
        self.events = [
            event("m2", "READ", "2026-04-08T10:00:20+00:00", "e4"),
            event(MID, "SENT", "2026-04-08T10:00:10+00:00", "e3"),
            event("m2", "SENT", "2026-04-08T10:00:05+00:00", "e2"),
            event(MID, "QUEUED", "2026-04-08T10:00:00+00:00", "e1"),
        ]
        if not with_pages:
            self.webhook_events_pages = None  # type: ignore[assignment]

    def __getattribute__(self, name):
        value = object.__getattribute__(self, name)
        if name.startswith("_") or name in ("calls", "events", "pages_read") or not callable(value):
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

    def webhook_events_pages(self, webhook_id, pages, *, page_size=100, on_page=None):
        size = self.page_size  # the sync asks for 100 a page; a small page makes many pages of few events
        rows = [{**e, "webhook_id": WEBHOOK["id"]} for e in self.events]
        out = []
        for n in pages:
            self.pages_read.append(n)
            page = EventPage(n, rows[(n - 1) * size: n * size], len(rows) if self.totals else None,
                             n * size < len(rows), size)  # fmt: skip
            if on_page is not None:
                on_page(page)
            out.append(page)
        return out

    def _fan_out(self, results, failures, on_result):
        for key, value in results.items():
            if on_result is not None:
                on_result(key, value)
        return Out(results, failures)

    def messages_details(self, ids, on_result=None):
        ids = list(ids)
        return self._fan_out({i: {**MESSAGE, "id": i} for i in ids if i != "bad"},
                             {i: "not found" for i in ids if i == "bad"}, on_result)  # fmt: skip

    def activities_many(self, ids, on_result=None):
        return self._fan_out({i: [{**a, "message_id": i} for a in ACTIVITIES["activities"]] for i in ids}, {},
                             on_result)  # fmt: skip

    def lookup_numbers(self, numbers, on_result=None):
        return self._fan_out({n: {**NUMBER_LOOKUP, "phone_number": n} for n in numbers}, {}, on_result)

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
    client = FakeClient(page_size=1)  # one event a page: four pages
    assert len(ds.webhook_events(client, store)) == 4
    # a first sync: page 1 (it says how many there are), then the other pages at once
    assert client.pages_read == [1, 2, 3, 4] and client.calls["webhook_events_pages"] == 2
    assert client.calls["webhook_events"] == 0
    client.events.insert(0, event("m3", "SENT", "2026-04-08T11:00:00+00:00", "e5"))
    assert len(ds.webhook_events(client, store)) == 4  # within list_ttl: no request at all
    store.list_ttl = 0
    client.pages_read.clear()
    frame = ds.webhook_events(client, store)
    assert len(frame) == 5 and set(frame.webhook_id) == {WEBHOOK["id"]}
    # then: the newest page, and the one where the newest stored event should be (page 2, as one
    # event a page): it is, so the list has not moved and nothing else is read
    assert client.pages_read == [1, 2]
    since = ds.webhook_events(client, store, since="2026-04-08T10:00:10Z", until="2026-04-08T10:30:00Z")
    assert sorted(since.id) == ["e3", "e4"]


def pending(e: dict) -> dict:
    return {**e, "delivery_status": "pending", "http_status_code": None, "delivery_attempts": 1,
            "processing_completed_at": None}  # fmt: skip


def test_a_pending_delivery_is_read_again_until_it_has_its_outcome(tmp_path):
    client = FakeClient(page_size=1)
    client.events[2] = pending(client.events[2])  # e2, on page 3
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0, clock=lambda: 1775642400.0)
    assert ds.webhook_events(client, store).set_index("id").loc["e2", "delivery_status"] == "pending"
    client.events[2] = event("m2", "SENT", "2026-04-08T10:00:05+00:00", "e2") | {"delivery_attempts": 3}
    client.pages_read.clear()
    frame = ds.webhook_events(client, store).set_index("id")
    assert client.pages_read == [1, 3]  # the newest page, and the page holding the pending event
    assert frame.loc["e2", "delivery_status"] == "delivered" and frame.loc["e2", "delivery_attempts"] == 3
    assert len(frame) == 4 and len(store.events()) == 4  # replaced, not added
    client.pages_read.clear()
    ds.webhook_events(client, store)
    assert client.pages_read == [1]  # nothing pending any more


def test_an_old_pending_delivery_is_not_read_again_but_refresh_reads_everything(tmp_path):
    client = FakeClient(page_size=1)
    client.events[2] = pending(client.events[2])
    day = 24 * 3600  # e2 was created 2026-04-08T10:00:05Z; the store's clock says two days later
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0, pending_event_age=day,
                  clock=lambda: 1775642405.0 + 2 * day)  # fmt: skip
    ds.webhook_events(client, store)
    client.events[2] = event("m2", "SENT", "2026-04-08T10:00:05+00:00", "e2")
    client.pages_read.clear()
    assert ds.webhook_events(client, store).set_index("id").loc["e2", "delivery_status"] == "pending"
    assert client.pages_read == [1]  # older than pending_event_age: left as it is
    client.pages_read.clear()
    assert ds.webhook_events(client, store, refresh=True).set_index("id").loc["e2", "delivery_status"] == "delivered"
    assert sorted(client.pages_read) == [1, 2, 3, 4]


def test_without_totals_pages_are_read_newest_first_down_to_what_is_known_and_past_pending(tmp_path):
    client = FakeClient(totals=False, page_size=1)
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0, clock=lambda: 1775642400.0)
    client.events[1] = pending(client.events[1])  # e3
    ds.webhook_events(client, store)
    assert client.pages_read == [1, 2, 3, 4]  # one after the other: no total to plan with
    client.events.insert(0, event("m3", "SENT", "2026-04-08T11:00:00+00:00", "e5"))
    client.events[2] = event(MID, "SENT", "2026-04-08T10:00:10+00:00", "e3")
    client.pages_read.clear()
    frame = ds.webhook_events(client, store).set_index("id")
    # e5 is new, e4 is known, but e3 was pending: read down to a page older than it (e2's), not to the end
    assert client.pages_read == [1, 2, 3, 4] and frame.loc["e3", "delivery_status"] == "delivered"
    client.events.insert(0, event("m3", "DELIVERED", "2026-04-08T11:00:09+00:00", "e6"))
    client.pages_read.clear()
    ds.webhook_events(client, store)
    assert client.pages_read == [1, 2]  # page 2 holds a known event, nothing is pending: stop


def test_an_interrupted_first_sync_resumes_with_the_pages_it_lacks(tmp_path):
    client = FakeClient(page_size=1)
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0)
    real = client.webhook_events_pages

    def dies_after_page_3(webhook_id, pages, **kw):
        if len(pages) > 1:  # the concurrent part: page 3 arrives, then the connection drops
            real(webhook_id, [3], **kw)
            raise KeyboardInterrupt
        return real(webhook_id, pages, **kw)

    client.webhook_events_pages = dies_after_page_3
    with pytest.raises(KeyboardInterrupt):
        ds.webhook_events(client, store)
    assert sorted(e["id"] for e in store.events()) == ["e2", "e4"]  # pages 1 and 3: stored as they arrived
    client.webhook_events_pages = real
    client.pages_read.clear()
    assert len(ds.webhook_events(client, store)) == 4
    assert client.pages_read == [1, 2, 4]  # page 1 (the total), then only what is missing
    assert store.event_ids(WEBHOOK["id"]) == {"e1", "e2", "e3", "e4"}  # a complete sync: confirmed


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


def test_a_list_that_dropped_its_oldest_event_shifts_the_stored_positions(tmp_path):
    client = FakeClient(page_size=2)
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0)
    ds.webhook_events(client, store)
    client.events.pop()  # the server no longer lists e1, the oldest: every event moved down one place
    client.pages_read.clear()
    assert len(ds.webhook_events(client, store)) == 4  # e1 stays in the store: it was fetched
    # page 1 showed e4 and e3 one place lower, and again on a second read: a shift, not a race
    assert client.pages_read == [1, 1]
    positions = store.event_positions(WEBHOOK["id"], ["e1", "e2", "e3", "e4"])
    assert positions == {"e2": 0, "e3": 1, "e4": 2}


def test_a_list_in_another_order_is_placed_anew(tmp_path):
    client = FakeClient(page_size=1)
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0)
    ds.webhook_events(client, store)
    client.events.reverse()  # no single shift explains this
    client.pages_read.clear()
    ds.webhook_events(client, store)
    assert client.pages_read == [1, 2, 3, 4]  # e1 on top, three places up: alone, it proves no shift
    assert store.event_positions(WEBHOOK["id"], ["e1", "e4"]) == {"e1": 3, "e4": 0}


def test_per_message_answers_are_stored_as_they_arrive_and_a_rerun_fetches_only_the_rest(store):
    client = FakeClient()
    ids = [f"m-{k}" for k in range(100)]
    real = client.messages_details

    def cut_off(wanted, on_result=None):  # 70 answers arrive, then Ctrl-C
        real(list(wanted)[:70], on_result=on_result)
        raise KeyboardInterrupt

    client.messages_details = cut_off
    with pytest.raises(KeyboardInterrupt):
        ds.with_details(client, store, ds.messages(client, store, details="none", source="events"), ids)
    assert len(store.get_records("message", ids)) == 70  # every answer that arrived was kept
    asked = []
    client.messages_details = lambda wanted, on_result=None: asked.extend(wanted) or real(wanted, on_result)
    frame = ds.with_details(client, store, ds.messages(client, store, details="none", source="events"), ids)
    assert asked == ids[70:] and set(ids) <= set(frame.id)


def test_a_store_that_cannot_be_written_is_warned_about_once_and_the_pull_goes_on(store, monkeypatch):
    def full_disk(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store, "put_records", full_disk)
    ids = [f"m-{k}" for k in range(50)]
    with pytest.warns(UserWarning, match="could not be written") as caught:
        frame = ds.with_details(FakeClient(), store, ds.messages(FakeClient(), store, details="none", source="events"), ids)
    assert len(caught) == 1 and set(ids) <= set(frame.id)


def test_a_page_counted_and_listed_at_different_moments_is_read_again(tmp_path):
    client = FakeClient(page_size=1)
    store = Store(tmp_path, base_url="http://fake", account_id="acct-1", list_ttl=0)
    real = client.webhook_events_pages
    client.webhook_events_pages = lambda wid, pages, **kw: real(wid, [1, 3] if len(pages) > 1 else pages, **kw)
    ds.webhook_events(client, store)  # pages 2 and 4 were never read
    assert store.event_coverage(WEBHOOK["id"]) == [(1, 1), (3, 3)]
    told = []

    def racing(wid, pages, on_page=None, **kw):
        # the first read of page 2 says a total of 5: counted after an event arrived, listed before
        def lying(page):
            if page.number == 2 and not told:
                told.append(page)
                page = EventPage(2, page.events, 5, page.has_more, page.page_size)
            on_page(page)
        return real(wid, pages, on_page=lying if on_page else None, **kw)

    client.webhook_events_pages = racing
    client.pages_read.clear()
    ds.webhook_events(client, store)
    assert client.pages_read == [1, 2, 4, 2]  # page 2 read again: its first answer misplaced e3
    assert store.event_positions(WEBHOOK["id"], ["e1", "e2", "e3", "e4"]) == {"e1": 0, "e2": 1, "e3": 2, "e4": 3}
    assert store.event_ids(WEBHOOK["id"]) == {"e1", "e2", "e3", "e4"}
