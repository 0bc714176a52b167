"""The session object end to end: lab.<frame>() through the client, the store and the simulator."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

import sentlab
from tests import kit
from tests.kit import Recorder, has_schema, simulator


@pytest.fixture
def world(make_world):
    return make_world(seed=5, contacts=300, messages=400, profiles=2, at=pd.Timestamp("2026-11-20T12:00:00Z"))


@pytest.fixture
def counted(world):
    """The simulator app, recording the requests that reach it."""
    return Recorder(simulator(world))


@pytest.fixture
def lab(world, counted, tmp_path):
    with kit.make_lab(world, counted, cache_dir=tmp_path) as lab:
        yield lab


def test_an_organization_key_means_the_whole_account(world, lab):
    contacts = lab.contacts()
    assert set(contacts.id) == {c["id"] for c in world.truth.contacts()}
    # one row per contact: an organization contact inherited by every profile is listed once, as the organization's
    assert contacts.id.is_unique
    assert set(contacts.profile_id.dropna()) == {*world.profile_ids, world.organization_id}
    assert set(contacts[contacts.is_inherited].profile_id) == {world.organization_id}
    only_own = lab.contacts(all_profiles=False)
    assert len(only_own) < len(contacts)


def test_every_frame_method_returns_its_schema(lab):
    for name, frame in {
        "contacts": lab.contacts(), "templates": lab.templates(), "webhooks": lab.webhooks(),
        "webhook_events": lab.webhook_events(), "messages": lab.messages(),
        "profiles": lab.profiles(), "users": lab.users(),
        "number_lookups": lab.lookup_numbers(["+14155550123"]),
    }.items():
        assert has_schema(frame, name), name
        assert len(frame) > 0, name


def test_messages_come_from_events_without_a_request_per_message(world, lab, counted):
    messages = lab.messages()
    assert not any(p.startswith("/v3/messages/") for p in counted.paths)
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id")
    assert set(messages.id) <= set(ledger.index) and len(messages) > 0.9 * len(ledger)


def test_a_rerun_makes_no_request_and_refresh_forces_one(lab, counted):
    first = lab.messages()
    before = len(counted.paths)
    again = lab.messages()
    assert len(counted.paths) == before
    pd.testing.assert_frame_equal(first, again)
    lab.contacts(refresh=True)
    assert len(counted.paths) > before


def test_new_events_are_synced_incrementally(world, lab, counted):
    before = lab.webhook_events()
    profile = world.profile_ids[0]
    contact = next(c for c in world.truth.contacts()
                   if c["profile_id"] == profile and not c["opt_out"] and "sms" in c["available_channels"])
    template = next(t for t in world.truth.templates()
                    if t["profile_id"] == profile and t["status"] == "APPROVED" and "sms" in t["channels"])
    sent = lab.api.with_profile(profile).send(contact["phone_number"], template_id=template["id"], channels=["sms"],
                                              parameters={v: "x" for v in template["variables"]}, sandbox=False)
    message_id = sent["recipients"][0]["message_id"]
    world.clock.advance(3600)
    lab.cache.list_ttl = 0  # the sync is due again
    counted.clear()
    after = lab.webhook_events()
    new = after[~after.id.isin(before.id)]
    assert set(new.message_id) == {message_id}
    now = world.clock.now()
    expected = {e["id"] for e in world.truth.events()
                if (e["event_data"].get("payload") or {}).get("message_id") == message_id
                and pd.Timestamp(e["created_at"]) <= now}
    assert set(new.id) == expected and len(expected) >= 2
    event_pages = [p for p in counted.paths if p.endswith("/events")]
    webhooks_with_new = new.webhook_id.nunique()
    # one page per webhook (its newest), not the whole history again
    assert len(event_pages) <= len(lab.webhooks()) + webhooks_with_new
    assert len(after) == len(before) + len(new)


def test_one_child_profiles_webhook_is_read_in_its_profiles_scope(world, lab, counted):
    # An organization key: the webhooks belong to the child profiles, so one webhook's events are
    # read with its profile's scope (the organization's scope answers 404 for them).
    webhooks = lab.webhooks()
    assert set(webhooks.profile_id) <= set(world.profile_ids)
    for webhook_id in webhooks.id:
        events = lab.webhook_events(str(webhook_id))
        expected = {e["id"] for e in world.truth.events() if e["webhook_id"] == webhook_id
                    and pd.Timestamp(e["created_at"]) <= world.clock.now()}  # fmt: skip
        assert set(events.id) == expected and len(expected) > 0
        assert set(events.webhook_id) == {webhook_id}


def test_the_async_twin_returns_the_same_frames(lab):
    async def pull():
        return await asyncio.gather(lab.aio.contacts(), lab.aio.templates())

    contacts, templates = asyncio.run(pull())
    pd.testing.assert_frame_equal(contacts, lab.contacts())
    pd.testing.assert_frame_equal(templates, lab.templates())
    with pytest.raises(AttributeError, match="offers"):
        lab.aio.send  # noqa: B018


def test_the_key_never_reaches_the_store(world, lab):
    lab.contacts()
    lab.messages()
    lab.webhooks()
    stored = b"".join(p.read_bytes() for p in lab.cache.directory.iterdir() if p.is_file())
    assert world.org_key.encode() not in stored
    assert b"whsec_" not in stored  # webhook signing secrets are not kept either
    assert world.org_key not in repr(lab) and world.org_key not in repr(lab.cache)


def test_the_store_can_be_turned_off(world, counted, tmp_path):
    with kit.make_lab(world, counted, store=False, cache_dir=tmp_path) as lab:
        lab.templates()
        before = len(counted.paths)
        lab.templates()
        assert len(counted.paths) > before
    assert not any(tmp_path.iterdir())


def test_cache_info_and_clear(lab):
    lab.contacts()
    info = lab.cache.info()
    assert len(info) > 0
    lab.cache.clear()
    assert len(lab.cache.info()) == 0


def test_bad_time_windows_fail_before_any_request(lab, counted):
    counted.clear()
    with pytest.raises(sentlab.ConfigurationError, match="since must be a date"):
        lab.messages(since="yesterday-ish")
    with pytest.raises(sentlab.ConfigurationError, match=r"until .* must be later than since"):
        lab.webhook_events(since="2026-11-02", until="2026-11-01")
    with pytest.raises(sentlab.ConfigurationError, match="details must be"):
        lab.messages(details="everything")
    assert counted.paths == []


def test_a_time_window_limits_the_per_message_requests(world, lab, counted):
    # the events path (a server without the messages list) prices a window with one request each
    everything = lab.messages(source="events")
    since = everything.created_at.sort_values().iloc[-20]  # the newest 20 messages
    counted.clear()
    recent = lab.messages(since=since, details="all", source="events")
    assert len(recent) == 20 and (recent.created_at >= since).all()
    assert len([p for p in counted.paths if p.startswith("/v3/messages/")]) == 20
    # Every message the API has priced has its exact price; one still held (SCHEDULED, or QUEUED)
    # has no price yet: the API shows it from PROCESSED on.
    ledger = world.ledger(as_of=world.clock.now()).set_index("message_id").loc[recent.id]
    held = recent.status.isin(["QUEUED", "SCHEDULED"]).to_numpy()
    assert held.any() and recent.price[held].isna().all() and recent.price[~held].notna().all()
    assert (recent.price[~held].round(4).to_numpy() == ledger.price[~held].to_numpy()).all()
    assert (recent.status.astype(str).to_numpy() == ledger.status.astype(str).to_numpy()).all()


def test_failed_lookups_warn_at_the_callers_line(lab):
    with pytest.warns(UserWarning, match="1 number lookups could not be fetched") as caught:
        frame = lab.lookup_numbers(["+14155550123", "+1415"])
    assert caught[0].filename == __file__
    assert list(frame.phone_number) == ["+14155550123"] and "+1415" in frame.attrs["failures"]


def test_ttls_are_set_from_connect(world, counted, tmp_path):
    with kit.make_lab(world, counted, cache_dir=tmp_path, list_ttl=0, record_ttl=7) as lab:
        assert (lab.cache.list_ttl, lab.cache.record_ttl) == (0, 7)
        lab.templates()
        before = len(counted.paths)
        lab.templates()  # list_ttl=0: a stored list is never fresh enough
        assert len(counted.paths) > before


@pytest.mark.parametrize("bad", [-1, "900", True, float("nan"), None.__class__])
def test_a_bad_ttl_is_an_error_before_any_request(world, counted, tmp_path, bad):
    with pytest.raises(sentlab.ConfigurationError, match="list_ttl must be a number of seconds"):
        kit.make_lab(world, counted, cache_dir=tmp_path, list_ttl=bad)
    assert counted.paths == []


def test_the_settings_the_docs_show_are_public():
    from sentlab import _config, _export, _store

    assert (sentlab.Pacing, sentlab.Retries, sentlab.Limits) == (_config.Pacing, _config.Retries, _config.Limits)
    assert sentlab.export_frame is _export.export_frame and sentlab.Store is _store.Store
    assert {"Pacing", "Retries", "Limits", "export_frame"} <= set(sentlab.__all__)
