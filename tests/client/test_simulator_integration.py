"""The client against the real simulator: in-process (fast) and, where the network matters, a loopback server."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

import sentlab
from sentlab import Limits, Pacing, Retries
from sentlab.simulator import (
    Faults,
    RateLimits,
    SimulatorConfig,
    running_server,
)
from sentlab.simulator._settings import Rate

from .. import kit
from ..kit import simulator

ROOT = Path(__file__).resolve().parents[2]
FAST = Retries(attempts=6, backoff_seconds=0.01, max_backoff_seconds=0.05, total_seconds=10)


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=11, contacts=1200, messages=400, profiles=3, at=None)


@pytest.fixture(scope="module")
def app(world):
    return simulator(world)


def client_for(app, key, **options):
    """A client on ``app`` in-process with this file's fast retries."""
    return kit.make_client(app.world, app, key=key, **{"retries": FAST, **options})


@pytest.fixture(scope="module")
def org(app, world):
    with client_for(app, world.org_key) as client:
        yield client


def test_org_wide_pull_matches_the_worlds_truth(org, world):
    pulled = org.contacts(all_profiles=True)
    truth = world.truth.contacts()
    for profile_id in world.profile_keys:
        own = {c["id"] for c in pulled if c["profile_id"] == profile_id and not c["is_inherited"]}
        assert own == {c["id"] for c in truth if c["profile_id"] == profile_id}
    assert {c["id"] for c in pulled} | {c["id"] for c in org.contacts()} == {c["id"] for c in truth}


def test_a_profile_key_and_an_org_key_scoped_to_that_profile_see_the_same(app, world, org):
    profile_id, key = next(iter(world.profile_keys.items()))
    with client_for(app, key) as own:
        mine = own.contacts()
    assert [c["id"] for c in mine] == [c["id"] for c in org.with_profile(profile_id).contacts()]


def test_templates_webhooks_users_event_types_and_me(org, world):
    assert org.me()["type"] == "organization"
    assert {p["id"] for p in org.profiles()} == set(world.profile_keys)
    templates = org.templates(all_profiles=True)
    assert {t["id"] for t in templates} >= {t["id"] for t in world.truth.templates() if t["profile_id"] != world.organization_id}
    assert len(org.webhooks(all_profiles=True)) >= len(world.profile_keys)
    types = org.webhook_event_types()
    assert any(s["name"].startswith("message.") for t in types for s in t.get("sub_types") or [])
    assert org.users()


def test_events_to_details_and_activities_match_the_ledger(org, world):
    events = org.webhook_events(all_profiles=True)
    assert events and all("webhook_id" in e and "profile_id" in e for e in events)
    ids = sorted({p["message_id"] for e in events
                  if isinstance(p := (e.get("event_data") or {}).get("payload"), dict) and p.get("message_id")})
    details = org.messages_details(ids[:60])
    activities = org.activities_many(ids[:60])
    assert details.ok and activities.ok and len(details.results) == 60
    truth = {m["id"]: m for m in world.truth.messages()}
    for mid, message in details.results.items():
        if message["status"] in ("QUEUED", "SCHEDULED"):  # the API prices a message from PROCESSED on
            assert message["price"] is None
        else:
            assert message["price"] == pytest.approx(truth[mid]["price"], abs=1e-4)
        assert all(a["message_id"] == mid for a in activities.results[mid])
    assert sum(m["price"] is not None for m in details.results.values()) > 50


def test_number_lookups_and_sandbox_send(org, world):
    phones = [c["phone_number"] for c in world.truth.contacts()[:5]]
    out = org.lookup_numbers([*phones, "nope"])
    assert set(out.results) == set(phones) and set(out.failures) == {"nope"}
    template = next(t for t in world.truth.templates() if t["status"] == "APPROVED")
    pid = template["profile_id"] if template["profile_id"] != world.organization_id else None
    before = len(world.truth.messages())
    with pytest.raises(sentlab.ConfigurationError, match="needs a value for"):
        org.with_profile(pid).send(phones[0], template_id=template["id"], sandbox=True)  # {{variables}} unfilled
    values = {name: "x" for name in template["variables"]}
    sent = org.with_profile(pid).send(phones[0], template_id=template["id"], parameters=values, sandbox=True)
    assert sent["recipients"] and len(world.truth.messages()) == before


def test_documented_errors_arrive_typed(app, world, org):
    with client_for(app, "sk_test_wrong") as wrong, pytest.raises(sentlab.AuthenticationError):
        wrong.me()
    profile_id, key = next(iter(world.profile_keys.items()))
    with client_for(app, key) as own, pytest.raises(sentlab.PermissionDeniedError):
        own.with_profile(profile_id).me()
    with pytest.raises(sentlab.NotFoundError) as info:
        org.with_profile("00000000-0000-4000-8000-000000000000").me()
    assert info.value.request_id and info.value.code
    with pytest.raises(sentlab.NotFoundError):
        org.message("00000000-0000-4000-8000-000000000000")


def test_idempotent_create_replays_instead_of_creating_twice(app, world):
    key = list(world.profile_keys.values())[1]
    with client_for(app, key) as client:
        first = client.create_contact("+14155550199", idempotency_key="test-create-199")
        again = client.create_contact("+14155550199", idempotency_key="test-create-199")
        assert first["id"] == again["id"]
        client.delete_contact(first["id"])


def test_the_pull_survives_the_simulators_faults():
    world = kit.make_world(seed=3, contacts=3000, messages=200, profiles=1, at=None)
    faults = Faults(http_500=0.05, http_502=0.05, http_503=0.05, http_429=0.03, drop=0.03, html=0.03,
                    truncate=0.05, seed=5)
    app = simulator(world, faults=faults)
    key = next(iter(world.profile_keys.values()))
    with client_for(app, key, retries=Retries(attempts=8, backoff_seconds=0.005, max_backoff_seconds=0.02,
                                              total_seconds=30)) as client:
        contacts = client.contacts(page_size=50)
        assert client.stats.retries > 0
    # one profile sees its own contacts and the organization's (inherited): the whole truth
    assert {c["id"] for c in contacts} == {c["id"] for c in world.truth.contacts()}
    assert len(contacts) == len({c["id"] for c in contacts})


def test_pacing_learns_the_simulators_limit_in_process():
    world = kit.make_world(seed=5, contacts=4000, messages=100, profiles=1, at=None)
    app = simulator(world, rate_limits=RateLimits(standard=Rate(3000, 10)), latency=0.01)
    key = next(iter(world.profile_keys.values()))
    with client_for(app, key, pacing=Pacing()) as client:
        contacts = client.contacts()
        assert client.stats.rate_limited <= 2
        assert client.aio.limiter.standard.per_minute == 3000  # learned from X-RateLimit-Limit
    assert len(contacts) == 4000


def test_connect_demo_says_so_on_stderr_and_never_shows_the_key():
    code = (
        "import logging, sentlab; logging.basicConfig(level=logging.DEBUG);"
        "lab = sentlab.connect(); print(repr(lab)); print(repr(lab.api)); print(len(lab.api.contacts()));"
        "import sentlab.simulator as s; print('KEY=' + s.demo_world().org_key, file=__import__('sys').stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})
    assert out.returncode == 0, out.stderr
    key = out.stderr.rsplit("KEY=", 1)[1].strip()
    stderr = out.stderr.rsplit("KEY=", 1)[0]
    assert "using the built-in simulator (demo account" in stderr
    assert "· simulator" in out.stdout
    assert key not in out.stdout + stderr


@pytest.mark.server
def test_over_a_loopback_server_with_dropped_connections():
    world = kit.make_world(seed=9, contacts=800, messages=100, profiles=1, at=None)
    config = SimulatorConfig(rate_limits=None, faults=Faults(drop=0.1, seed=2), latency=0.005)
    with running_server(world, config) as server:
        key = next(iter(world.profile_keys.values()))
        with sentlab.SentClient(key, base_url=server.base_url, pacing=None, progress=False, retries=FAST,
                                limits=Limits(concurrency=4)) as client:
            assert len(client.contacts(page_size=50)) == 800
            assert client.stats.retries >= 1


def test_the_key_is_redacted_from_errors_and_logs(app, world, caplog):
    key = world.org_key
    caplog.set_level(logging.DEBUG, logger="sentlab")
    with client_for(app, key) as client:
        for call in (lambda: client.message("00000000-0000-4000-8000-000000000000"),
                     lambda: client.with_profile("00000000-0000-4000-8000-000000000000").contacts()):
            with pytest.raises(sentlab.APIError) as info:
                call()
            assert key not in str(info.value) + repr(info.value) + repr(vars(info.value))
        assert key not in repr(client) + repr(client.aio) + repr(client.aio._requester)
    assert caplog.records and key not in caplog.text
