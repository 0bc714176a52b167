"""The rest of the account as frames (issue 10): voice calls, contact message summaries, 10DLC
campaigns, one contact's conversation, and the richer profiles and users, each pulled from the
in-process simulator through the client and the store and compared with the world's truth."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pandas as pd
import pytest

import sentlab
from sentlab import ConfigurationError, NotFoundError, build_frame
from sentlab import _account_frames as af
from sentlab import _datasets as ds
from sentlab._call_log import SETTLE_AFTER
from sentlab._schemas import columns
from sentlab.simulator._app import core_app
from sentlab.simulator._vocab import STEPS

from .. import kit
from ..kit import START, Recorder, has_schema, make_client, sim_client, simulator

SUCCESS = {"SENT", "DELIVERED", "READ", "RECEIVED"}


@pytest.fixture
def world(make_world, clock):
    # Four profiles: Marketing, Support, Billing (inherits the organization's campaign), Growth
    # (a campaign under review that turns ACTIVE a day or two after the start).
    # 1,500 calls: most scopes hold several pages of them.
    return make_world(seed=5, contacts=400, messages=2_000, profiles=4, clock=clock, calls=1_500)


@pytest.fixture
def app(world):
    return Recorder(simulator(world))


@pytest.fixture
def client(app, world):
    with make_client(world, app) as c:
        yield c


@pytest.fixture
def store(client, tmp_path, clock):
    return ds.open_store(client, tmp_path, clock=clock.time)


def scoped_store(scoped, store):
    return ds.open_store(scoped, store.directory, clock=store.clock)


def requests(app, prefix: str) -> int:
    return sum(p.startswith(prefix) for p in app.paths)


def plain(series: pd.Series) -> list:
    return [None if v is None or v is pd.NA or (not isinstance(v, list) and pd.isna(v)) else v
            for v in series.astype(object)]  # fmt: skip


def stamp(text: str | None) -> pd.Timestamp | None:
    return pd.Timestamp(text) if text is not None else None


# --------------------------------------------------------------------------- calls


def truth_calls(world, as_of=None) -> pd.DataFrame:
    """The calls started by the clock's now (or ``as_of``) as the API reads them then, flattened
    by hand from ``world.truth.calls``, with the ledger's region of the far end."""
    as_of = as_of or world.clock.now()
    rows = [{
        "id": c["id"], "direction": c["direction"], "status": c["status"], "from_kind": c["from"]["kind"],
        "from": c["from"]["value"], "to_kind": c["to"]["kind"], "to": c["to"]["value"],
        "started_at": stamp(c["started_at"]), "answered_at": stamp(c["answered_at"]),
        "ended_at": stamp(c["ended_at"]), "duration_seconds": c["duration_seconds"], "price": c["price"],
        "failure_reason": c["failure_reason"], "recording_available": c["recording_available"],
        "number": c["number"], "mode": c["mode"], "profile_id": c["profile_id"],
    } for c in world.truth.calls(as_of=as_of)]  # fmt: skip
    frame = pd.DataFrame(rows).set_index("id")
    frame["region_code"] = world.call_ledger(as_of=as_of).set_index("call_id")["region_code"]
    return frame


def assert_calls_equal(frame: pd.DataFrame, truth: pd.DataFrame) -> None:
    assert has_schema(frame, "calls", ordered=True)
    assert frame["id"].is_unique
    assert set(frame["id"]) == set(truth.index)
    got = frame.set_index("id").loc[truth.index]
    for column in truth.columns:
        assert plain(got[column]) == plain(truth[column]), column
    starts = frame["started_at"]
    assert (starts.diff().dropna() <= pd.Timedelta(0)).all()  # newest first


def test_the_whole_account_is_every_call_once_as_the_truth_reads_it(world, client, store):
    frame = af.calls(client, store, all_profiles=True)
    truth = truth_calls(world)
    assert len(truth) > 1_000
    assert_calls_equal(frame, truth)
    # every scope is there, the organization's own calls too
    assert set(frame["profile_id"]) == {world.organization_id, *world.profile_ids}
    far = frame[frame["region_code"].notna()]
    assert len(far) > 100 and frame.loc[frame["region_code"].isna(), "from_kind"].isin(["user", "conference", "anonymous"]).all()


def test_one_profile_is_its_own_calls_and_the_organization_alone_its_own(world, client, store):
    profile_id = world.profile_ids[1]
    scoped = client.with_profile(profile_id)
    frame = af.calls(scoped, scoped_store(scoped, store))
    truth = truth_calls(world)
    assert_calls_equal(frame, truth[truth["profile_id"] == profile_id])
    own = af.calls(client, store)  # an organization key without the whole account: its own calls
    assert set(own["id"]) == set(truth.index[truth["profile_id"] == world.organization_id])
    assert own["profile_id"].isna().all()


def test_filters_are_applied_server_side_and_match_the_truth(world, app, client, store):
    truth = truth_calls(world)
    inbound = af.calls(client, store, all_profiles=True, direction="INBOUND")
    assert set(inbound["id"]) == set(truth.index[truth["direction"] == "inbound"])
    no_answer = af.calls(client, store, all_profiles=True, status="no_answer")
    assert len(no_answer) and set(no_answer["id"]) == set(truth.index[truth["status"] == "NO_ANSWER"])
    line = truth["number"].value_counts().index[0]
    on_line = af.calls(client, store, all_profiles=True, number=line)
    assert set(on_line["id"]) == set(truth.index[truth["number"] == line])
    # since is inclusive, until exclusive (as every sentlab window): the calls at the edges say so
    ordered = truth.sort_values("started_at")
    since, until = ordered["started_at"].iloc[20], ordered["started_at"].iloc[80]
    app.clear()
    window = af.calls(client, store, all_profiles=True, since=since, until=until, direction="outbound")
    expected = truth[(truth["started_at"] >= since) & (truth["started_at"] < until) & (truth["direction"] == "outbound")]
    assert set(window["id"]) == set(expected.index) and len(expected) > 10
    assert requests(app, "/v3/voice/calls") == 1 + len(world.profile_ids)  # one small page per scope


@pytest.mark.parametrize("bad", [
    {"direction": "sideways"}, {"status": "busy"}, {"number": "4155550123"}, {"since": "last tuesday"},
    {"since": "2026-04-02", "until": "2026-04-01"},
])  # fmt: skip
def test_bad_filters_say_what_to_fix_before_any_request(app, client, store, bad):
    app.clear()
    with pytest.raises(ConfigurationError) as caught:
        af.calls(client, store, all_profiles=True, **bad)
    assert next(iter(bad)) in str(caught.value)
    assert app.paths == []


def test_an_account_without_calls_gives_an_empty_frame_with_the_declared_dtypes(clock, tmp_path):
    world = kit.make_world(seed=3, contacts=50, messages=100, profiles=2, clock=clock, calls=0)
    with make_client(world, Recorder(simulator(world))) as client:
        frame = af.calls(client, ds.open_store(client, tmp_path, clock=clock.time), all_profiles=True)
    assert frame.empty and has_schema(frame, "calls", ordered=True)
    assert has_schema(build_frame("calls", []), "calls", ordered=True)


def test_a_rerun_reads_only_the_calls_that_can_still_change(world, app, client, store, clock):
    af.calls(client, store, all_profiles=True)
    cold = requests(app, "/v3/voice/calls")
    assert cold >= len(world.profile_ids) + 1
    app.clear()
    assert len(af.calls(client, store, all_profiles=True)) == len(truth_calls(world))
    assert requests(app, "/v3/voice/calls") == 0  # within list_ttl: nothing
    # A live call: the clock moves into one, past the store's list_ttl.
    later = START + timedelta(seconds=store.list_ttl + 60)
    live = min((c for c in world.truth.calls() if c["answered_at"] and pd.Timestamp(c["started_at"]) > later),
               key=lambda c: c["started_at"])  # fmt: skip
    clock.advance_to(pd.Timestamp(live["answered_at"]).to_pydatetime() + timedelta(seconds=1))
    app.clear()
    frame = af.calls(client, store, all_profiles=True)
    assert_calls_equal(frame, truth_calls(world))
    row = frame.set_index("id").loc[live["id"]]
    assert row["status"] == "ANSWERED" and pd.isna(row["ended_at"]) and pd.isna(row["price"])
    # only the unsettled top of each scope's log is read again: one page each, not the history
    assert requests(app, "/v3/voice/calls") == len(world.profile_ids) + 1 < cold / 2
    # Later: the call is over and priced; the re-read finds it, and old windows cost nothing.
    clock.advance_to(pd.Timestamp(live["ended_at"]).to_pydatetime() + timedelta(hours=1))
    app.clear()
    old = af.calls(client, store, all_profiles=True, until=START - timedelta(days=2))
    assert requests(app, "/v3/voice/calls") == 0  # settled calls are never read again
    now_truth = truth_calls(world)
    assert set(old["id"]) == set(now_truth.index[now_truth["started_at"] < START - timedelta(days=2)])
    frame = af.calls(client, store, all_profiles=True)
    assert_calls_equal(frame, truth_calls(world))
    assert frame.set_index("id").loc[live["id"], "status"] == live["status"]


def test_a_status_filtered_log_follows_calls_into_and_out_of_the_status(world, app, client, store, clock):
    live = min((c for c in world.truth.calls() if c["status"] == "COMPLETED" and c["answered_at"]
                and pd.Timestamp(c["started_at"]) > START), key=lambda c: c["started_at"])  # fmt: skip
    clock.advance_to(pd.Timestamp(live["answered_at"]).to_pydatetime() + timedelta(seconds=1))
    answered = af.calls(client, store, all_profiles=True, status="answered")
    completed = af.calls(client, store, all_profiles=True, status="completed")
    assert live["id"] in set(answered["id"]) and live["id"] not in set(completed["id"])
    clock.advance_to(pd.Timestamp(live["ended_at"]).to_pydatetime() + timedelta(hours=1))
    app.clear()
    answered = af.calls(client, store, all_profiles=True, status="answered")
    completed = af.calls(client, store, all_profiles=True, status="completed")
    truth = truth_calls(world)
    assert set(completed["id"]) == set(truth.index[truth["status"] == "COMPLETED"])
    assert set(answered["id"]) == set(truth.index[truth["status"] == "ANSWERED"])
    assert live["id"] in set(completed["id"])
    assert requests(app, "/v3/voice/calls") == 2 * (len(world.profile_ids) + 1)  # one page per scope and log


def test_an_older_window_is_read_once_below_what_is_stored_and_refresh_reads_again(world, app, client, store, clock):
    truth = truth_calls(world)
    recent = af.calls(client, store, all_profiles=True, since=START - timedelta(days=3))
    assert set(recent["id"]) == set(truth.index[truth["started_at"] >= START - timedelta(days=3)])
    app.clear()
    everything = af.calls(client, store, all_profiles=True)  # reads below the stored window only
    assert_calls_equal(everything, truth)
    below = requests(app, "/v3/voice/calls")
    assert below >= len(world.profile_ids) + 1
    app.clear()
    af.calls(client, store, all_profiles=True)
    assert requests(app, "/v3/voice/calls") == 0
    af.calls(client, store, all_profiles=True, since=START - timedelta(days=1), refresh=True)
    assert requests(app, "/v3/voice/calls") == len(world.profile_ids) + 1
    assert_calls_equal(af.calls(client, store, all_profiles=True), truth)  # history below kept


def test_the_client_reads_one_call_with_its_timeline_and_sends_inclusive_bounds(world, client):
    truth = {c["id"]: c for c in world.truth.calls(as_of=world.clock.now())}
    some = next(iter(truth.values()))
    scoped = client.with_profile(some["profile_id"]) if some["profile_id"] != world.organization_id else client
    one = scoped.call(some["id"])
    assert one["timeline"] == some["timeline"] and one["status"] == some["status"]
    exact = scoped.calls(since=some["started_at"], until=some["started_at"])  # the API's from/to: inclusive
    assert [c["id"] for c in exact] == [some["id"]]


def test_the_settle_window_is_documented_data():
    assert SETTLE_AFTER >= 4 * 3600  # longer than the longest call the simulator draws (4 h of talk)


# --------------------------------------------------------------------------- contact summaries


def truth_summaries(world, scope_id: str, contact_ids) -> dict[str, dict]:
    """What ``scope_id`` exchanged with each contact by now, from the truth's messages."""
    now = pd.Timestamp(world.clock.now())
    per: dict[str, list] = {cid: [] for cid in contact_ids}
    for m in world.truth.messages():
        if m["profile_id"] != scope_id or m["contact_id"] not in per or pd.Timestamp(m["created_at"]) > now:
            continue
        steps = [(pd.Timestamp(t), STEPS.index(s), s) for s, t in m["timeline"].items() if pd.Timestamp(t) <= now]
        per[m["contact_id"]].append((m["channel"], max(steps)[2] if steps else "QUEUED", pd.Timestamp(m["created_at"])))
    out = {}
    for cid, messages in per.items():
        channels = sorted({ch for ch, _, _ in messages})
        scores = {}
        for ch in channels:
            statuses = [st for c, st, _ in messages if c == ch]
            scores[ch] = (round(100 * sum(s in SUCCESS for s in statuses) / len(statuses)),
                          round(100 * sum(s == "FAILED" for s in statuses) / len(statuses)))  # fmt: skip
        created = [t for _, _, t in messages]
        out[cid] = {"count": len(messages), "channels": channels, "scores": scores,
                    "first": min(created) if created else None, "last": max(created) if created else None}  # fmt: skip
    return out


def assert_summaries_equal(frame: pd.DataFrame, expected: dict[str, dict], profile_id: str | None) -> None:
    assert has_schema(frame, "contact_summaries", ordered=True)
    rows = frame[frame["profile_id"] == profile_id] if profile_id else frame
    assert set(rows["contact_id"]) == set(expected)
    for cid, want in expected.items():
        mine = rows[rows["contact_id"] == cid]
        assert (mine["message_count"] == want["count"]).all()
        assert mine["channels_used"].iloc[0] == want["channels"]
        if not want["channels"]:
            assert len(mine) == 1 and mine["channel"].isna().all()
            continue
        assert sorted(mine["channel"].astype(str)) == want["channels"]
        for ch, (success, fail) in want["scores"].items():
            one = mine[mine["channel"] == ch].iloc[0]
            assert (one["success_score"], one["fail_score"]) == (success, fail), (cid, ch)
        assert (mine["first_message_at"] == want["first"]).all() and (mine["last_message_at"] == want["last"]).all()


def test_summaries_of_chosen_contacts_of_one_profile_match_the_truth(world, app, client, store):
    profile_id = world.profile_ids[0]
    scoped = client.with_profile(profile_id)
    own = [c["id"] for c in world.truth.contacts() if c["profile_id"] == profile_id][:25]
    app.clear()
    frame = af.contact_summaries(scoped, scoped_store(scoped, store), ids=own)
    assert requests(app, "/v3/contacts/") == len(own)  # one request per contact, no contacts list needed
    assert requests(app, "/v3/contacts") == len(own)
    assert_summaries_equal(frame, truth_summaries(world, profile_id, own), profile_id)
    assert frame["channel"].notna().sum() > len(own) / 2


def test_every_contact_of_the_whole_account_in_every_scope_that_sees_it(world, app, client, store, clock):
    with pytest.warns(UserWarning, match="one request per contact"):
        frame = af.contact_summaries(client, store, all_profiles=True)
    contacts = world.truth.contacts()
    org = [c["id"] for c in contacts if c["profile_id"] == world.organization_id]
    assert org  # organization contacts: summarised by the organization and by every profile
    assert_summaries_equal(frame, truth_summaries(world, world.organization_id, org), world.organization_id)
    for profile_id in world.profile_ids:
        seen = [c["id"] for c in contacts if c["profile_id"] == profile_id] + org
        assert_summaries_equal(frame, truth_summaries(world, profile_id, seen), profile_id)
    asked = requests(app, "/v3/contacts/")
    assert asked == len(org) * (1 + len(world.profile_ids)) + (len(contacts) - len(org))
    # Stored: a re-run asks nothing (and says nothing); after record_ttl it asks again.
    app.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = af.contact_summaries(client, store, all_profiles=True)
    assert requests(app, "/v3/contacts/") == 0
    pd.testing.assert_frame_equal(again, frame)
    clock.advance(store.record_ttl + 1)
    app.clear()
    chosen = list(frame["contact_id"].drop_duplicates()[:10])
    af.contact_summaries(client, store, ids=chosen, all_profiles=True)
    assert 10 <= requests(app, "/v3/contacts/") <= 10 * (1 + len(world.profile_ids))


def test_failures_are_kept_not_raised_and_malformed_ids_cost_no_request(world, app, client, store):
    scoped = client.with_profile(world.profile_ids[0])
    good = next(c["id"] for c in world.truth.contacts() if c["profile_id"] == world.profile_ids[0])
    stranger = next(c["id"] for c in world.truth.contacts() if c["profile_id"] == world.profile_ids[1])
    app.clear()
    with pytest.warns(UserWarning, match="2 contact summaries could not be fetched"):
        frame = af.contact_summaries(scoped, scoped_store(scoped, store), ids=[good, "not-a-uuid", stranger])
    assert set(frame["contact_id"]) == {good}
    assert set(frame.attrs["failures"]) == {"not-a-uuid", stranger}
    assert requests(app, "/v3/contacts/") == 2  # the malformed id was refused locally


def test_no_contacts_or_no_messages_give_typed_frames(clock, tmp_path):
    world = kit.make_world(seed=3, contacts=30, messages=0, profiles=1, clock=clock, calls=0)
    with make_client(world, Recorder(simulator(world))) as client:
        store = ds.open_store(client, tmp_path, clock=clock.time)
        none = af.contact_summaries(client, store, ids=[], all_profiles=True)
        assert none.empty and has_schema(none, "contact_summaries", ordered=True)
        with pytest.warns(UserWarning):
            quiet = af.contact_summaries(client, store, all_profiles=True)
    assert has_schema(quiet, "contact_summaries", ordered=True) and len(quiet) > 30
    assert quiet["channel"].isna().all() and (quiet["message_count"] == 0).all()


# --------------------------------------------------------------------------- campaigns


def test_campaigns_of_the_whole_account_match_the_truth(world, app, client, store, clock):
    frame = af.campaigns(client, store, all_profiles=True)
    truth = {c["id"]: c for c in world.truth.campaigns()}
    assert has_schema(frame, "campaigns", ordered=True)
    assert frame["id"].is_unique and set(frame["id"]) == set(truth)
    inheriting = [p["id"] for p in world.truth.profiles() if p["inherit_tcr_campaign"]]
    assert inheriting
    for row in frame.itertuples(index=False):
        want = truth[row.id]
        assert row.status == want["status"] and row.name == want["name"] and row.brand_id == want["brandId"]
        assert row.profile_id == want["profile_id"] == row.customer_id
        assert row.use_case == want["useCases"][0]["messagingUseCaseUs"]
        assert row.sample_messages == [t for u in want["useCases"] for t in u["sampleMessages"]]
        assert row.created_at == pd.Timestamp(want["timeline"]["created"])
        assert plain(pd.Series([row.submitted_at]))[0] == stamp(want["submittedAt"])
        assert plain(pd.Series([row.billed_date]))[0] == stamp(want["billedDate"])
        assert row.volume == int(want["volume"])
        owner_is_org = want["profile_id"] == world.organization_id
        assert row.profile_ids == (inheriting if owner_is_org else [want["profile_id"]])
    # Growth's campaign is under review now and ACTIVE a day or two later (after list_ttl: re-read).
    pending = [c for c in truth.values() if c["status"] == "SENT_CREATED" and c["final_status"] == "ACTIVE"]
    assert pending
    app.clear()
    af.campaigns(client, store, all_profiles=True)
    assert requests(app, "/v3/profiles") == 0
    clock.advance_to(pd.Timestamp(pending[0]["timeline"]["activated"]).to_pydatetime() + timedelta(minutes=1))
    later = af.campaigns(client, store, all_profiles=True).set_index("id")
    assert later.loc[pending[0]["id"], "status"] == "ACTIVE"
    assert later.loc[pending[0]["id"], "billed_date"] == pd.Timestamp(pending[0]["timeline"]["activated"])


def test_one_profile_sees_its_own_campaigns_or_the_inherited_ones(world, client, store):
    billing = next(p["id"] for p in world.truth.profiles() if p["inherit_tcr_campaign"])
    scoped = client.with_profile(billing)
    frame = af.campaigns(scoped, scoped_store(scoped, store))
    org_campaigns = {c["id"] for c in world.truth.campaigns() if c["profile_id"] == world.organization_id}
    assert set(frame["id"]) == org_campaigns and (frame["profile_id"] == world.organization_id).all()
    assert frame["profile_ids"].map(lambda ids: ids == [billing]).all()
    with pytest.raises(ConfigurationError, match="needs a profile"):
        af.campaigns(client, store)  # an organization key must choose a profile, or the whole account


def test_a_profile_key_lists_its_own_campaigns(world, app, tmp_path, clock):
    key = world.profile_keys[world.profile_ids[0]]
    with make_client(world, app, key=key) as client:
        frame = af.campaigns(client, ds.open_store(client, tmp_path, clock=clock.time))
    assert set(frame["id"]) == {c["id"] for c in world.truth.campaigns() if c["profile_id"] == world.profile_ids[0]}


def test_an_account_with_no_campaigns_gives_an_empty_frame(clock, tmp_path):
    world = kit.make_world(seed=3, contacts=30, messages=20, profiles=1, clock=clock)
    with sim_client(core_app(world), {"x-api-key": world.org_key}) as http:
        for c in world.truth.campaigns():
            if c["profile_id"] != world.organization_id:
                answer = http.delete(f"/v3/profiles/{c['profile_id']}/campaigns/{c['id']}")
                assert answer.status_code == 204
    with make_client(world, Recorder(simulator(world))) as client:
        frame = af.campaigns(client, ds.open_store(client, tmp_path, clock=clock.time), all_profiles=True)
    assert frame.empty and has_schema(frame, "campaigns", ordered=True)


# --------------------------------------------------------------------------- conversations


def thread_truth(world, contact_id: str, scope_id: str | None = None) -> list[dict]:
    now = pd.Timestamp(world.clock.now())
    return [m for m in world.truth.messages() if m["contact_id"] == contact_id and pd.Timestamp(m["created_at"]) <= now
            and (scope_id is None or m["profile_id"] == scope_id)]  # fmt: skip


def test_a_contacts_thread_is_every_message_with_it_newest_first(world, app, client, store):
    by_contact = pd.Series([m["contact_id"] for m in world.truth.messages() if m["direction"] == "inbound"])
    contact_id = by_contact.value_counts().index[0]  # a contact that replied
    frame = af.conversations(client, store, contact_id, all_profiles=True)
    truth = {m["id"]: m for m in thread_truth(world, contact_id)}
    assert has_schema(frame, "messages", ordered=True) and set(frame["id"]) == set(truth) and frame["id"].is_unique
    assert set(frame["direction"].astype(str)) == {"inbound", "outbound"}
    assert (frame["created_at"].diff().dropna() <= pd.Timedelta(0)).all()
    assert (frame["contact_id"] == contact_id).all() and (frame["source"] == "list").all()
    for row in frame.itertuples(index=False):
        assert row.profile_id == truth[row.id]["profile_id"] and row.channel == truth[row.id]["channel"]
    app.clear()
    af.conversations(client, store, contact_id, all_profiles=True)
    assert requests(app, "/v3/conversations") == 0  # stored for list_ttl


def test_an_organization_contacts_thread_spans_the_profiles_that_message_it(world, client, store):
    org = {c["id"] for c in world.truth.contacts() if c["profile_id"] == world.organization_id}
    counts = pd.Series([m["profile_id"] for m in world.truth.messages() if m["contact_id"] in org]).groupby(
        [m["contact_id"] for m in world.truth.messages() if m["contact_id"] in org]).nunique()  # fmt: skip
    contact_id = counts.idxmax()
    assert counts.max() >= 2
    frame = af.conversations(client, store, contact_id, all_profiles=True)
    assert set(frame["id"]) == {m["id"] for m in thread_truth(world, contact_id)}
    assert frame["profile_id"].nunique() >= 2
    profile_id = frame["profile_id"].value_counts().index[0]
    scoped = client.with_profile(profile_id)
    one = af.conversations(scoped, scoped_store(scoped, store), contact_id)
    assert set(one["id"]) == {m["id"] for m in thread_truth(world, contact_id, profile_id)}


def test_unknown_or_malformed_contacts_and_a_quiet_one(world, app, client, store):
    app.clear()
    with pytest.raises(ConfigurationError, match="contact_id"):
        af.conversations(client, store, "nope", all_profiles=True)
    assert app.paths == []
    with pytest.raises(NotFoundError):
        af.conversations(client, store, "6ba7b810-9dad-11d1-80b4-00c04fd430c8", all_profiles=True)
    messaged = {m["contact_id"] for m in world.truth.messages()}
    quiet = next(c for c in world.truth.contacts() if c["id"] not in messaged)
    frame = af.conversations(client, store, quiet["id"], all_profiles=True)
    assert frame.empty and has_schema(frame, "messages", ordered=True)


# --------------------------------------------------------------------------- profiles and users


def test_profiles_gain_the_brand_and_billing_fields(world, client, store):
    frame = ds.profiles(client, store).set_index("id")
    assert has_schema(frame.reset_index(), "profiles", ordered=True)
    for p in world.truth.profiles():
        row, brand = frame.loc[p["id"]], p["brand"] or {}
        assert row["brand_status"] == brand.get("status")
        assert row["brand_tcr_brand_id"] == brand.get("tcr_brand_id")
        assert bool(row["brand_is_inherited"]) == brand.get("is_inherited")
        assert row["brand_legal_name"] == (brand.get("business") or {}).get("legal_name")
        assert row["brand_vertical"] == brand["compliance"]["vertical"]
        assert row["brand_destination_countries"] == [d["id"] for d in brand["compliance"]["destination_countries"]]
        assert row["brand_submitted_at"] == stamp(brand.get("submitted_at"))
        contact = p["billing_contact"] or {}
        assert plain(pd.Series([row["billing_contact_email"]]))[0] == contact.get("email")
    assert frame["billing_contact_email"].notna().any()


def test_users_of_the_whole_account_and_of_one_profile(world, app, client, store):
    frame = ds.users(client, store, all_profiles=True)
    truth = {u["id"]: u for u in world.truth.users()}
    assert has_schema(frame, "users", ordered=True) and set(frame["id"]) == set(truth)
    for row in frame.itertuples(index=False):
        assert row.profile_id == truth[row.id]["profile_id"] == row.customer_id
        assert row.role == truth[row.id]["role"] and row.status == truth[row.id]["status"]
    app.clear()
    ds.users(client, store, all_profiles=True)
    assert requests(app, "/v3/users") == 0
    scoped = client.with_profile(world.profile_ids[0])
    one = ds.users(scoped, scoped_store(scoped, store))
    assert set(one["id"]) == {i for i, u in truth.items() if u["profile_id"] == world.profile_ids[0]}


# --------------------------------------------------------------------------- the session


def test_the_lab_methods_and_their_async_twins(world, app, tmp_path):
    import asyncio

    with kit.make_lab(world, app, cache_dir=tmp_path) as lab:
        calls = lab.calls(direction="inbound")
        assert set(calls["id"]) == {c["id"] for c in world.truth.calls(as_of=world.clock.now())
                                    if c["direction"] == "inbound"}  # fmt: skip
        campaigns = lab.campaigns()
        contact_id = lab.contacts()["id"].iloc[0]
        summaries = lab.contact_summaries(ids=[contact_id])
        thread = lab.conversations(contact_id)
        assert set(summaries["contact_id"]) == {contact_id} and has_schema(thread, "messages", ordered=True)
        users = lab.users()
        assert set(users["profile_id"]) == {world.organization_id, *world.profile_ids}

        async def pull():
            return await asyncio.gather(lab.aio.calls(direction="inbound"), lab.aio.campaigns())

        twin_calls, twin_campaigns = asyncio.run(pull())
        pd.testing.assert_frame_equal(twin_calls, calls)
        pd.testing.assert_frame_equal(twin_campaigns, campaigns)
        assert {"calls", "contact_summaries", "campaigns", "conversations"} <= set(dir(lab.aio))


@pytest.mark.parametrize("name", ["calls", "contact_summaries", "campaigns"])
def test_sentlab_schema_documents_the_new_frames(name):
    table = sentlab.schema(name)
    assert list(table["column"]) == [c.name for c in columns(name)]
    assert table["description"].str.len().gt(5).all()
    assert list(table["dtype"]) == [c.dtype for c in columns(name)] and "profile_id" in set(table["column"])


def test_conversations_are_documented_as_messages():
    assert sentlab.schema("conversations").equals(sentlab.schema("messages"))


def test_the_docs_list_every_column_of_the_new_frames():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "frames.md").read_text()
    for name in ("calls", "contact_summaries", "campaigns", "profiles", "users"):
        section = text.split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        for column in columns(name):
            assert f"| `{column.name}` | `{column.dtype}` |" in section, (name, column.name)


# --------------------------------------------------------------------------- building the frames


def test_calls_flatten_both_ends_and_take_the_far_ends_region():
    from .examples import CALL, CALL_INBOUND_ANONYMOUS

    inbound = {**CALL, "id": "x", "direction": "inbound", "from": {"kind": "number", "value": "+447700900123"},
               "to": {"kind": "number", "value": "+14155550123"}}  # forwarded: the caller is the far end  # fmt: skip
    frame = build_frame("calls", [CALL, CALL_INBOUND_ANONYMOUS, inbound])
    assert has_schema(frame, "calls", ordered=True)
    assert plain(frame["from_kind"]) == ["user", "anonymous", "number"]
    assert plain(frame["to"]) == ["+919301889973", "ana_sup", "+14155550123"]
    assert plain(frame["region_code"]) == ["IN", None, "GB"]
    assert frame["price"].tolist() == [0.045, 0.0, 0.045] and frame["duration_seconds"].tolist() == [57, 0, 57]


def test_summaries_are_one_row_per_channel_and_campaigns_flatten_their_use_cases():
    from .examples import CAMPAIGN, CONTACT_SUMMARIES

    summaries = build_frame("contact_summaries", CONTACT_SUMMARIES)
    assert plain(summaries["channel"]) == ["sms", "whatsapp", None]
    assert summaries["success_score"].tolist()[:2] == [100, 75] and summaries["success_score"].isna().iloc[2]
    assert summaries["channels_used"].iloc[0] == ["sms", "whatsapp"] and summaries["message_count"].iloc[2] == 0
    campaign = build_frame("campaigns", [CAMPAIGN, {**CAMPAIGN, "useCases": None, "volume": "n/a"}])
    assert campaign["use_case"].iloc[0] == "ACCOUNT_NOTIFICATION" and campaign["use_cases"].iloc[0] == ["ACCOUNT_NOTIFICATION"]
    assert campaign["sample_messages"].iloc[0] == ["Acme: order #10234 confirmed."]
    assert campaign["billed_date"].iloc[0] == pd.Timestamp("2025-10-03T08:50:03.300054Z")
    assert campaign["volume"].tolist()[0] == 5000 and campaign["volume"].isna().iloc[1]
    assert campaign["use_case"].isna().iloc[1] and campaign["submitted_to_tcr"].iloc[0]
