"""Pagination: every shape the docs show, server order, bounded concurrency, data changing mid-pull."""

from __future__ import annotations

import pytest

from sentlab import ConfigurationError
from sentlab._pagination import parse_page

from .fakeapi import FakeAPI

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("shape", ["endpoint", "models", "glossary", "has_more", "bare"])
async def test_every_documented_pagination_shape_gives_every_contact_in_order(make_async, shape):
    api = FakeAPI(contacts=250, shape=shape)
    async with make_async(api) as client:
        contacts = await client.contacts(page_size=100)
    assert [c["id"] for c in contacts] == [r["id"] for r in api._rows]


async def test_remaining_pages_are_fetched_concurrently_but_bounded(make_async):
    api = FakeAPI(contacts=2000, latency=0.02)
    from sentlab import Limits

    async with make_async(api, limits=Limits(concurrency=8)) as client:
        contacts = await client.contacts()
    assert len(contacts) == 2000
    assert 2 < api.max_in_flight <= 8
    pages = [int(r.url.params["page"]) for r in api.requests]
    assert sorted(pages) == list(range(1, 21)) and pages[0] == 1


async def test_default_page_size_is_100(make_async, fake):
    async with make_async() as client:
        await client.contacts()
    assert {r.url.params["page_size"] for r in fake.requests} == {"100"}


@pytest.mark.parametrize("bad", [0, 101, -1, 2.5, "10", True])
async def test_page_size_out_of_range_fails_before_any_request(make_async, fake, bad):
    async with make_async() as client:
        with pytest.raises(ConfigurationError, match="page_size"):
            await client.contacts(page_size=bad)
    assert fake.requests == []


async def test_empty_list_is_one_request(make_async):
    api = FakeAPI(contacts=0)
    async with make_async(api) as client:
        assert await client.contacts() == []
    assert len(api.requests) == 1


async def test_rows_inserted_while_paging_are_neither_duplicated_nor_lost(make_async):
    api = FakeAPI(contacts=250, grow_after_first_page=30)
    async with make_async(api) as client:
        contacts = await client.contacts()
    ids = [c["id"] for c in contacts]
    assert len(ids) == len(set(ids))
    # everything that existed at the start is there; the new rows at the top may be missed by design
    assert set(r["id"] for r in api._rows[30:]) <= set(ids)


async def test_server_ignoring_page_parameter_stops(make_async):
    class Stubborn(FakeAPI):
        def _page(self, request, rows, key, headers):
            from .fakeapi import envelope, json_response

            return json_response(200, envelope({key: rows[:100]}), headers)

    api = Stubborn(contacts=250)
    async with make_async(api) as client:
        contacts = await client.contacts()
    assert len(contacts) == 100 and len(api.requests) == 2


def test_parse_page_reads_cursors_and_counts():
    page = parse_page({"contacts": [1], "pagination": {"has_more": True, "cursors": {"after": "abc"}}},
                      "contacts", page_size=1)
    assert page.next_cursor == "abc" and page.has_more is True
    page = parse_page({"items": [1, 2], "totalCount": 5}, "contacts", page_size=2)
    assert page.total_pages == 3 and page.items == [1, 2]


async def test_all_webhook_events_are_tagged_with_their_webhook(make_async):
    async with make_async() as client:
        events = await client.webhook_events()
        webhooks = await client.webhooks()
    assert len(events) == 260
    assert {e["webhook_id"] for e in events} == {w["id"] for w in webhooks}


async def test_all_profiles_pull_tags_each_record_with_its_profile(make_async):
    from .fakeapi import ORG_PROFILES

    api = FakeAPI(profile_contacts={ORG_PROFILES[0]: 150, ORG_PROFILES[1]: 7})
    async with make_async(api) as client:
        contacts = await client.contacts(all_profiles=True)
    assert [c["profile_id"] for c in contacts] == [ORG_PROFILES[0]] * 150 + [ORG_PROFILES[1]] * 7
    assert all(r.headers.get("x-profile-id") in ORG_PROFILES for r in api.requests if r.url.path == "/v3/contacts")
