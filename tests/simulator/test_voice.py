"""Voice routes against the world's ground truth: lists, filters, lazy visibility, mutations, errors, ledger."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentlab.simulator import SimClock, build_world
from sentlab.simulator._app import core_app
from sentlab.simulator._middleware import _SENSITIVE
from sentlab.simulator._numbers import number_formats
from sentlab.simulator._voice_pricing import call_price, outbound_rate
from tests.kit import START, sim_client

CALLS = 900


@pytest.fixture
def vworld(make_world):
    return make_world(seed=5, contacts=500, messages=1_000, profiles=3, calls=CALLS)


@pytest.fixture
def api(vworld):
    with sim_client(core_app(vworld), {"x-api-key": vworld.org_key}) as client:
        yield client


def _scope_headers(profile_id: str | None) -> dict[str, str]:
    return {"x-profile-id": profile_id} if profile_id else {}


def _walk(api, profile_id: str | None = None, page_size: int = 37, **filters: Any) -> list[dict[str, Any]]:
    out, page = [], 1
    while True:
        r = api.get("/v3/voice/calls", params={"page": page, "page_size": page_size, **filters},
                    headers=_scope_headers(profile_id))
        assert r.status_code == 200, r.text
        data = r.json()["data"]
        out.extend(data["calls"])
        if not data["pagination"]["has_more"]:
            assert data["pagination"]["total_count"] == len(out)
            return out
        page += 1


def _listed(truth_row: dict[str, Any]) -> dict[str, Any]:
    """A truth row as the list shows it: no timeline, no profile_id."""
    return {k: val for k, val in truth_row.items() if k not in ("timeline", "profile_id")}


def _truth_now(world, profile_id: str | None) -> list[dict[str, Any]]:
    owner = profile_id or world.organization_id
    return [c for c in world.truth.calls(as_of=world.clock.now()) if c["profile_id"] == owner]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _future(world, pred) -> dict[str, Any]:
    """A call (as it finally reads) that has not started yet and matches ``pred``."""
    now = world.clock.time()
    for c in world.truth.calls():
        if _ts(c["started_at"]) > now and pred(c):
            return c
    raise AssertionError("no future call matches")


def _headers_for(world, c: dict[str, Any]) -> dict[str, str]:
    return _scope_headers(None if c["profile_id"] == world.organization_id else c["profile_id"])


# -- the world ------------------------------------------------------------------------------------


def test_world_has_the_requested_calls_deterministically(vworld):
    assert len(vworld.truth.calls()) == CALLS
    again = build_world(seed=5, contacts=500, messages=1_000, profiles=3, calls=CALLS, clock=SimClock.frozen(START))
    assert again.truth.calls() == vworld.truth.calls()
    assert len(build_world(contacts=100, messages=300, clock=SimClock.frozen(START)).truth.calls()) == 30
    bare = build_world(contacts=0, messages=0, calls=50, profiles=1, clock=SimClock.frozen(START))
    assert len(bare.call_ledger()) == 50 and bare.call_ledger()["region_code"].isna().all()  # no contacts to call
    assert build_world(contacts=10, messages=10, calls=0, clock=SimClock.frozen(START)).truth.calls() == []


def test_status_mix_parties_and_prices_are_realistic(vworld):
    calls = vworld.truth.calls()
    statuses = [c["status"] for c in calls]
    assert statuses.count("COMPLETED") > len(calls) / 2
    assert {"NO_ANSWER", "REJECTED", "FAILED"} <= set(statuses)
    reasons = {c["failure_reason"] for c in calls if c["status"] == "FAILED"}
    assert reasons - {None} <= {"callback_timeout", "invalid_answer", "insufficient_balance",
                                "destination_blocked", "callback_not_configured"}
    assert len(reasons - {None}) >= 3
    assert {c["failure_reason"] for c in calls if c["status"] == "NO_ANSWER"} == {"no_answer"}
    assert {c["failure_reason"] for c in calls if c["status"] == "REJECTED"} == {"rejected"}
    assert {c["direction"] for c in calls} == {"inbound", "outbound"}
    assert {c["from"]["kind"] for c in calls} >= {"user", "number", "anonymous", "conference"}
    assert all(c["from"]["value"] is None for c in calls if c["from"]["kind"] == "anonymous")
    for c in calls:
        assert c["timeline"][0]["status"] == "INITIATED" and c["timeline"][-1]["status"] == c["status"]
        stamps = [_ts(t["timestamp"]) for t in c["timeline"]]
        assert stamps == sorted(stamps)
        if c["status"] != "COMPLETED":
            assert c["duration_seconds"] == 0 and c["price"] == 0.0
        if c["from"]["kind"] == "user" and c["to"]["kind"] == "user":
            assert c["answered_at"] is None  # a call between two app users never reads as answered
    completed = [c for c in calls if c["status"] == "COMPLETED"]
    durations = sorted(c["duration_seconds"] for c in completed)
    assert 60 < durations[len(durations) // 2] < 300  # a median of a few minutes
    assert any(c["recording_available"] for c in calls)
    assert any(c["price"] > 0.2 for c in completed)


# -- lists and reads equal the truth --------------------------------------------------------------


def test_list_walks_equal_truth_per_scope(vworld, api):
    for profile_id in [None, *vworld.profile_ids]:
        served = _walk(api, profile_id)
        expected = _truth_now(vworld, profile_id)
        assert served == [_listed(c) for c in expected]
        assert len(served) > 20
        for c in expected[:: max(1, len(expected) // 15)]:
            got = api.get(f"/v3/voice/calls/{c['id']}", headers=_scope_headers(profile_id)).json()["data"]
            assert got == {k: val for k, val in c.items() if k != "profile_id"}


def test_profile_key_sees_only_its_calls(vworld):
    app = core_app(vworld)
    first, second = vworld.profile_ids[:2]
    with sim_client(app, {"x-api-key": vworld.profile_keys[first]}) as client:
        served = _walk(client)
        assert served == [_listed(c) for c in _truth_now(vworld, first)]
        other = _truth_now(vworld, second)[0]["id"]
        r = client.get(f"/v3/voice/calls/{other}")
        assert r.status_code == 404 and r.json()["error"]["code"] == "RESOURCE_015"
        own_numbers = {n["number"] for n in client.get("/v3/channels/voice").json()["data"]}
        assert {c["number"] for c in served} <= own_numbers
    with sim_client(app, {"x-api-key": vworld.org_key}) as client:  # the organization's own calls only
        org_calls = _walk(client)
        assert {c["id"] for c in org_calls}.isdisjoint(c["id"] for c in _truth_now(vworld, first))


def test_filters_each_and_combined(vworld, api):
    profile_id = vworld.profile_ids[0]
    truth = _truth_now(vworld, profile_id)

    def expect(pred):
        return [_listed(c) for c in truth if pred(c)]

    assert _walk(api, profile_id, direction="INBOUND") == expect(lambda c: c["direction"] == "inbound")
    assert _walk(api, profile_id, status="no_answer") == expect(lambda c: c["status"] == "NO_ANSWER")
    assert _walk(api, profile_id, status="Completed") == expect(lambda c: c["status"] == "COMPLETED")
    number = truth[0]["number"]
    assert _walk(api, profile_id, number=number) == expect(lambda c: c["number"] == number)
    assert _walk(api, profile_id, number="+14155550000") == []
    since, until = truth[len(truth) // 2]["started_at"], truth[len(truth) // 4]["started_at"]
    assert _walk(api, profile_id, **{"from": since}) == expect(lambda c: _ts(c["started_at"]) >= _ts(since))
    assert _walk(api, profile_id, to=until) == expect(lambda c: _ts(c["started_at"]) <= _ts(until))
    window = expect(lambda c: _ts(since) <= _ts(c["started_at"]) <= _ts(until))
    assert _walk(api, profile_id, **{"from": since, "to": until}) == window and window  # inclusive ends
    combined = _walk(api, profile_id, direction="outbound", status="completed", number=number,
                     **{"from": (START - timedelta(days=20)).isoformat()})
    assert combined == expect(lambda c: c["direction"] == "outbound" and c["status"] == "COMPLETED"
                              and c["number"] == number and _ts(c["started_at"]) >= (START - timedelta(days=20)).timestamp())
    assert combined
    # a '+' offset sent unencoded arrives as a space, and naive instants are UTC
    assert _walk(api, profile_id, to=until.replace("+00:00", " 00:00")) == _walk(api, profile_id, to=until)
    assert _walk(api, profile_id, to=until.replace("+00:00", "")) == _walk(api, profile_id, to=until)


@pytest.mark.parametrize(("params", "status", "code", "field"), [
    ({"direction": "sideways"}, 400, "VALIDATION_006", "direction"),
    ({"status": "done"}, 400, "VALIDATION_006", "status"),
    ({"number": "12345"}, 400, "VALIDATION_002", "number"),
    ({"from": "yesterday"}, 400, "VALIDATION_001", "from"),
    ({"to": "2026-13-01T00:00:00Z"}, 400, "VALIDATION_001", "to"),
    ({"from": "2026-04-08T00:00:00Z", "to": "2026-04-01T00:00:00Z"}, 400, "VALIDATION_001", "from"),
    ({"page_size": "500"}, 400, "VALIDATION_001", "page_size"),
    ({"page": "0"}, 400, "VALIDATION_005", "page"),
])  # fmt: skip
def test_bad_filters_get_the_error_envelope(api, params, status, code, field):
    r = api.get("/v3/voice/calls", params=params)
    body = r.json()
    assert r.status_code == status and body["success"] is False and body["data"] is None
    assert body["error"]["code"] == code and field in body["error"]["details"]


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/v3/voice/calls/not-a-call", 400, "VALIDATION_003"),
    ("GET", "/v3/voice/calls/00000000-0000-4000-8000-000000000000", 404, "RESOURCE_015"),
    ("GET", "/v3/voice/calls/00000000-0000-4000-8000-000000000000/recordings", 404, "RESOURCE_015"),
    ("POST", "/v3/voice/calls/00000000-0000-4000-8000-000000000000/hangup", 404, "RESOURCE_015"),
    ("GET", "/v3/voice/calls/00000000-0000-4000-8000-000000000000/participants", 404, "RESOURCE_015"),
    ("PATCH", "/v3/voice/calls/00000000-0000-4000-8000-000000000000/participants/bad", 400, "VALIDATION_003"),
    ("GET", "/v3/channels/voice/12", 400, "VALIDATION_002"),
    ("GET", "/v3/channels/voice/%2B14155550000", 404, "RESOURCE_013"),
    ("POST", "/v3/channels/voice/%2B14155550000/rotate-secret", 404, "RESOURCE_013"),
])  # fmt: skip
def test_bad_ids_get_the_error_envelope(api, method, path, status, code):
    r = api.request(method, path, json={"muted": True} if method == "PATCH" else None)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_bad_bodies_get_the_error_envelope(vworld, api):
    c = _truth_now(vworld, None)[0]
    r = api.post(f"/v3/voice/calls/{c['id']}/hangup", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_001"
    r = api.post(f"/v3/voice/calls/{c['id']}/hangup", json={"sandbox": "true"})
    assert r.status_code == 400 and "sandbox" in r.json()["error"]["details"]
    r = api.post(f"/v3/voice/calls/{c['id']}/recordings", json={})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_004"
    r = api.post(f"/v3/voice/calls/{c['id']}/recordings", json={"action": "pause"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_006"
    r = api.post(f"/v3/voice/calls/{c['id']}/participants", json={"to": {"kind": "fax", "value": "x"}})
    assert r.status_code == 400 and "to.kind" in r.json()["error"]["details"]
    r = api.post(f"/v3/voice/calls/{c['id']}/participants", json={"to": {"kind": "number", "value": "12"}})
    assert r.status_code == 400 and r.json()["error"]["code"] == "VALIDATION_002"
    r = api.post(f"/v3/voice/calls/{c['id']}/participants", json={"to": "+14155550123"})
    assert r.status_code == 400 and "to" in r.json()["error"]["details"]


# -- time: calls appear and progress with the clock ----------------------------------------------


def test_calls_appear_and_progress_lazily(vworld, api):
    c = _future(vworld, lambda c: c["status"] == "COMPLETED" and c["answered_at"] is not None)
    headers = _headers_for(vworld, c)
    assert api.get(f"/v3/voice/calls/{c['id']}", headers=headers).status_code == 404
    assert c["id"] not in {x["id"] for x in _walk(api, c["profile_id"] if headers else None, page_size=100)}
    vworld.clock.advance_to(datetime.fromisoformat(c["started_at"]) + timedelta(microseconds=1))
    live = api.get(f"/v3/voice/calls/{c['id']}", headers=headers).json()["data"]
    assert live["status"] == "INITIATED"
    assert live["price"] is None and live["duration_seconds"] is None and live["ended_at"] is None
    assert live["answered_at"] is None and [t["status"] for t in live["timeline"]] == ["INITIATED"]
    listed = _walk(api, c["profile_id"] if headers else None, page_size=100, status="initiated")
    assert c["id"] in {x["id"] for x in listed}
    vworld.clock.advance_to(datetime.fromisoformat(c["answered_at"]) + timedelta(seconds=1))
    live = api.get(f"/v3/voice/calls/{c['id']}", headers=headers).json()["data"]
    assert live["status"] == "ANSWERED" and live["answered_at"] == c["answered_at"] and live["price"] is None
    vworld.clock.advance_to(datetime.fromisoformat(c["ended_at"]) + timedelta(minutes=5))
    done = api.get(f"/v3/voice/calls/{c['id']}", headers=headers).json()["data"]
    assert done == {k: val for k, val in c.items() if k != "profile_id"}
    assert done["price"] > 0 and done["duration_seconds"] > 0


# -- hangup and recording -------------------------------------------------------------------------


def _go_live(world, pred) -> dict[str, Any]:
    """Advance the clock into a future call's answered phase; the call as it will have finally read."""
    c = _future(world, lambda c: c["status"] == "COMPLETED" and c["answered_at"] is not None
                and c["duration_seconds"] > 30 and pred(c))  # fmt: skip
    world.clock.advance_to(datetime.fromisoformat(c["answered_at"]) + timedelta(seconds=5))
    return c


def test_hangup_ends_a_live_call_and_refuses_an_ended_one(vworld, api):
    c = _go_live(vworld, lambda c: "number" in (c["from"]["kind"], c["to"]["kind"]))
    h = _headers_for(vworld, c)
    url = f"/v3/voice/calls/{c['id']}"
    r = api.post(f"{url}/hangup", json={"sandbox": True}, headers=h)
    assert r.status_code == 204 and r.headers["x-sandbox"] == "true"
    vworld.clock.advance(2)
    assert api.get(url, headers=h).json()["data"]["status"] == "ANSWERED"  # the sandbox changed nothing
    assert api.post(f"{url}/hangup", headers=h).status_code == 204
    hung_at = vworld.clock.time()
    vworld.clock.advance(1)
    done = api.get(url, headers=h).json()["data"]
    assert done["status"] == "COMPLETED" and done["ended_at"] is not None
    assert _ts(done["ended_at"]) == pytest.approx(hung_at + 0.4)
    assert done["duration_seconds"] == math.ceil(hung_at + 0.4 - _ts(done["answered_at"]))
    assert done["duration_seconds"] < c["duration_seconds"] and done["price"] <= c["price"]
    again = api.post(f"{url}/hangup", headers=h)
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT_002"
    old = _truth_now(vworld, None)[-1]
    r = api.post(f"/v3/voice/calls/{old['id']}/hangup")
    assert r.status_code == 409 and r.json()["success"] is False and "ended" in r.json()["error"]["message"]


def test_hangup_of_a_call_between_app_users_is_refused(vworld, api):
    c = _future(vworld, lambda c: c["from"]["kind"] == "user" and c["to"]["kind"] == "user" and c["status"] == "COMPLETED")
    vworld.clock.advance_to(datetime.fromisoformat(c["started_at"]) + timedelta(seconds=3))
    r = api.post(f"/v3/voice/calls/{c['id']}/hangup", headers=_headers_for(vworld, c))
    assert r.status_code == 409 and "phone leg" in r.json()["error"]["message"]


def test_recording_a_live_call(vworld, api):
    c = _go_live(vworld, lambda c: "number" in (c["from"]["kind"], c["to"]["kind"]) and not c["recording_available"])
    h = _headers_for(vworld, c)
    url = f"/v3/voice/calls/{c['id']}"
    r = api.post(f"{url}/recordings", json={"action": "start", "sandbox": True}, headers=h)
    assert r.status_code == 204 and r.headers["x-sandbox"] == "true"
    assert api.post(f"{url}/recordings", json={"action": "start"}, headers=h).status_code == 204
    assert api.post(f"{url}/recordings", json={"action": "start"}, headers=h).status_code == 204  # no-op
    vworld.clock.advance(20)
    assert api.post(f"{url}/recordings", json={"action": "stop"}, headers=h).status_code == 204
    assert api.get(f"{url}/recordings", headers=h).json()["data"] == {"recordings": []}  # not ready yet
    vworld.clock.advance(600)
    data = api.get(f"{url}/recordings", headers=h).json()["data"]["recordings"]
    assert len(data) == 1 and data[0]["download_url"].startswith("https://") and ".mp3?" in data[0]["download_url"]
    assert _ts(data[0]["url_expires_at"]) == pytest.approx(vworld.clock.time() + 3600)
    assert api.get(url, headers=h).json()["data"]["recording_available"] is True
    ended = api.post(f"{url}/recordings", json={"action": "start"}, headers=h)
    assert ended.status_code == 409


def test_generated_recordings_are_listed_oldest_first(vworld, api):
    recorded = [c for c in _truth_now(vworld, None) if c["recording_available"]]
    assert recorded
    for c in recorded:
        recs = api.get(f"/v3/voice/calls/{c['id']}/recordings").json()["data"]["recordings"]
        assert recs and len({r["recording_id"] for r in recs}) == len(recs)
    never = next(c for c in _truth_now(vworld, None) if not c["recording_available"])
    assert api.get(f"/v3/voice/calls/{never['id']}/recordings").json()["data"] == {"recordings": []}


# -- participants -----------------------------------------------------------------------------------


def test_participants_of_a_live_conference(vworld, api):
    root = _go_live(vworld, lambda c: c["to"]["kind"] == "conference" and c["duration_seconds"] > 120)
    h = _headers_for(vworld, root)
    url = f"/v3/voice/calls/{root['id']}/participants"
    members = api.get(url, headers=h).json()["data"]
    assert members[0]["id"] == root["id"] and members[0]["kind"] == root["from"]["kind"]
    phone = "+447911123456"
    r = api.post(url, json={"to": {"kind": "number", "value": phone}, "sandbox": True}, headers=h)
    assert r.status_code == 201 and r.headers["x-sandbox"] == "true" and r.json()["data"]["status"] == "INITIATED"
    assert api.get(f"/v3/voice/calls/{r.json()['data']['id']}", headers=h).status_code == 404
    r = api.post(url, json={"to": {"kind": "number", "value": phone}}, headers=h)
    assert r.status_code == 201, r.text
    leg = r.json()["data"]
    assert leg["to"] == {"kind": "number", "value": phone} and leg["from"]["kind"] == "conference"
    assert leg["number"] == root["number"] and leg["direction"] == "outbound"
    assert api.get(f"/v3/voice/calls/{leg['id']}", headers=h).json()["data"]["status"] == "INITIATED"
    vworld.clock.advance(60)
    members = {m["id"]: m for m in api.get(url, headers=h).json()["data"]}
    assert leg["id"] in members  # it answered, and is a call of its own in the room
    assert members[leg["id"]]["muted"] is False
    leg_url = f"{url}/{leg['id']}"
    assert api.patch(leg_url, json={"muted": True}, headers=h).status_code == 204
    assert api.patch(leg_url, json={"muted": True}, headers=h).status_code == 204  # already muted: fine
    assert {m["id"]: m for m in api.get(url, headers=h).json()["data"]}[leg["id"]]["muted"] is True
    assert api.patch(leg_url, json={}, headers=h).json()["error"]["code"] == "VALIDATION_004"
    assert api.delete(leg_url, headers=h).status_code == 204
    vworld.clock.advance(1)
    assert leg["id"] not in {m["id"] for m in api.get(url, headers=h).json()["data"]}
    ended = api.get(f"/v3/voice/calls/{leg['id']}", headers=h).json()["data"]
    rate = outbound_rate(number_formats(phone)["region_code"])  # the destination's market
    assert ended["status"] == "COMPLETED" and ended["price"] == call_price(ended["duration_seconds"], rate)
    stranger = _truth_now(vworld, root["profile_id"] if h else None)[-1]["id"]
    r = api.patch(f"{url}/{stranger}", json={"muted": True}, headers=h)
    assert r.status_code == 404
    r = api.request("DELETE", url, json={"sandbox": True}, headers=h)
    assert r.status_code == 204 and r.headers["x-sandbox"] == "true"
    assert api.get(url, headers=h).status_code == 200
    assert api.delete(url, headers=h).status_code == 204
    vworld.clock.advance(1)
    after = api.get(url, headers=h)
    assert after.status_code == 409 and after.json()["error"]["code"] == "CONFLICT_002"
    assert api.get(f"/v3/voice/calls/{root['id']}", headers=h).json()["data"]["status"] == "COMPLETED"


def test_participants_of_a_call_not_in_a_conference_answer_409(vworld, api):
    c = _go_live(vworld, lambda c: c["to"]["kind"] in ("user", "number"))
    h = _headers_for(vworld, c)
    for r in (api.get(f"/v3/voice/calls/{c['id']}/participants", headers=h),
              api.post(f"/v3/voice/calls/{c['id']}/participants", json={"to": {"kind": "user", "value": "ana"}}, headers=h),
              api.delete(f"/v3/voice/calls/{c['id']}/participants", headers=h)):  # fmt: skip
        assert r.status_code == 409 and "conference" in r.json()["error"]["message"]


# -- tokens ---------------------------------------------------------------------------------------


def test_tokens(vworld, api):
    pid = vworld.profile_ids[0]
    h = _scope_headers(pid)
    numbers = api.get("/v3/channels/voice", headers=h).json()["data"]
    default = next(n for n in numbers if n["default_for_app_calls"])
    r = api.post("/v3/voice/tokens", json={"identity": "agent-42"}, headers=h)
    assert r.status_code == 201
    token = r.json()["data"]
    assert token["number"] == default["number"] and token["identity"] == "agent-42" and token["token"].count(".") == 2
    assert _ts(token["expires_at"]) == pytest.approx(vworld.clock.time() + 600)
    r = api.post("/v3/voice/tokens", json={"identity": "agent-42", "ttl": 3600, "number": default["number"], "sandbox": True},
                 headers=h)  # fmt: skip
    assert r.status_code == 202 and r.headers["x-sandbox"] == "true"
    assert _ts(r.json()["data"]["expires_at"]) == pytest.approx(vworld.clock.time() + 3600)
    inactive = next(n for n in numbers if n["status"] == "INACTIVE")
    cases = [
        ({}, 400, "VALIDATION_004"),
        ({"identity": "not ok!"}, 400, "VALIDATION_001"),
        ({"identity": "a" * 201}, 400, "VALIDATION_001"),
        ({"identity": "a", "ttl": 3601}, 400, "VALIDATION_005"),
        ({"identity": "a", "ttl": "60"}, 400, "VALIDATION_001"),
        ({"identity": "a", "number": "+1"}, 400, "VALIDATION_002"),
        ({"identity": "a", "number": "+14155550000"}, 404, "RESOURCE_013"),
        ({"identity": "a", "number": inactive["number"]}, 409, "CONFLICT_002"),
    ]
    for body, status, code in cases:
        r = api.post("/v3/voice/tokens", json=body, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body


# -- voice numbers --------------------------------------------------------------------------------


def test_voice_numbers_list_read_and_secret_never_on_a_read(vworld, api):
    for profile_id in [None, *vworld.profile_ids]:
        h = _scope_headers(profile_id)
        numbers = api.get("/v3/channels/voice", headers=h).json()["data"]
        assert numbers == sorted(numbers, key=lambda n: n["created_at"])
        assert sum(n["default_for_app_calls"] for n in numbers) == 1
        for n in numbers:
            assert "callback_secret" not in n
            assert api.get(f"/v3/channels/voice/{n['number'].replace('+', '%2B')}", headers=h).json()["data"] == n
    org = api.get("/v3/channels/voice").json()["data"]
    assert any(n["callback_url"] is None for n in org)  # a line on without a callback URL
    declined = [c for c in _truth_now(vworld, None) if c["failure_reason"] == "callback_not_configured"]
    assert declined and {c["number"] for c in declined} == {n["number"] for n in org if n["callback_url"] is None}


def test_create_voice_number(vworld, api):
    h = _scope_headers(vworld.profile_ids[1])
    before = api.get("/v3/channels/voice", headers=h).json()["data"]
    r = api.post("/v3/channels/voice", json={"callback_url": "https://example.com/v", "area_code": "212", "sandbox": True},
                 headers=h)  # fmt: skip
    assert r.status_code == 202 and r.json()["data"]["number"].startswith("+1212")
    assert api.get("/v3/channels/voice", headers=h).json()["data"] == before
    r = api.post("/v3/channels/voice", json={"callback_url": "https://example.com/v", "area_code": "212"}, headers=h)
    assert r.status_code == 201
    created = r.json()["data"]
    assert created["number"].startswith("+1212") and created["callback_secret"].startswith("whsec_")
    assert created["status"] == "ACTIVE" and created["default_for_app_calls"] is False
    after = api.get("/v3/channels/voice", headers=h).json()["data"]
    assert after[-1] == {k: val for k, val in created.items() if k != "callback_secret"}
    r = api.post("/v3/channels/voice", json={"callback_url": "https://example.com/w", "default_for_app_calls": True}, headers=h)
    assert r.status_code == 201 and r.json()["data"]["default_for_app_calls"] is True
    defaults = [n for n in api.get("/v3/channels/voice", headers=h).json()["data"] if n["default_for_app_calls"]]
    assert [n["number"] for n in defaults] == [r.json()["data"]["number"]]
    profile = api.get(f"/v3/profiles/{vworld.profile_ids[1]}").json()["data"]
    r = api.post("/v3/channels/voice", json={"callback_url": "https://example.com/x", "number": profile["whatsapp_phone_number"]},
                 headers=h)  # fmt: skip
    assert r.status_code == 201 and r.json()["data"]["number"] == profile["whatsapp_phone_number"]
    cases = [
        ({}, 400, "VALIDATION_004", "callback_url"),
        ({"callback_url": "ftp://example.com/v"}, 400, "VALIDATION_001", "callback_url"),
        ({"callback_url": "https://localhost/v"}, 400, "VALIDATION_001", "callback_url"),
        ({"callback_url": "http://10.0.0.7/v"}, 400, "VALIDATION_001", "callback_url"),
        ({"callback_url": "https://example.com/v", "number": ""}, 400, "VALIDATION_001", "number"),
        ({"callback_url": "https://example.com/v", "number": "+12125550100", "area_code": "212"}, 400, "VALIDATION_001", "area_code"),
        ({"callback_url": "https://example.com/v", "area_code": "21"}, 400, "VALIDATION_001", "area_code"),
        ({"callback_url": "https://example.com/v", "area_code": "999"}, 400, "VALIDATION_001", "area_code"),
        ({"callback_url": "https://example.com/v", "number": "12"}, 400, "VALIDATION_002", "number"),
        ({"callback_url": "https://example.com/v", "default_for_app_calls": "yes"}, 400, "VALIDATION_001", "default_for_app_calls"),
        ({"callback_url": "https://example.com/v", "number": "+447911123456"}, 404, "RESOURCE_013", None),
    ]  # fmt: skip
    for body, status, code, field in cases:
        r = api.post("/v3/channels/voice", json=body, headers=h)
        err = r.json()["error"]
        assert (r.status_code, err["code"]) == (status, code), (body, r.text)
        assert field is None or field in err["details"], body


def test_update_rotate_and_turn_back_on(vworld, api):
    h = _scope_headers(vworld.profile_ids[0])
    numbers = api.get("/v3/channels/voice", headers=h).json()["data"]
    default = next(n for n in numbers if n["default_for_app_calls"])
    inactive = next(n for n in numbers if n["status"] == "INACTIVE")
    d_url = f"/v3/channels/voice/{default['number'].replace('+', '%2B')}"
    i_url = f"/v3/channels/voice/{inactive['number'].replace('+', '%2B')}"
    for body, status, code in [
        ({}, 400, "VALIDATION_001"),
        ({"default_for_app_calls": False}, 400, "VALIDATION_001"),
        ({"status": "PAUSED"}, 400, "VALIDATION_006"),
        ({"callback_url": "not a url"}, 400, "VALIDATION_001"),
    ]:
        r = api.patch(d_url, json=body, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    r = api.patch(i_url, json={"default_for_app_calls": True}, headers=h)
    assert r.status_code == 400 and "ACTIVE" in r.json()["error"]["details"]["default_for_app_calls"][0]
    r = api.patch(i_url, json={"status": "active", "default_for_app_calls": True, "sandbox": True}, headers=h)
    assert r.status_code == 200 and r.headers["x-sandbox"] == "true" and r.json()["data"]["status"] == "ACTIVE"
    assert api.get(i_url, headers=h).json()["data"] == inactive
    r = api.patch(i_url, json={"status": "active"}, headers=h)
    assert r.json()["data"]["status"] == "ACTIVE" and r.json()["data"]["default_for_app_calls"] is False
    assert api.patch(d_url, json={"status": "INACTIVE"}, headers=h).status_code == 409  # the default line
    moved = api.patch(i_url, json={"default_for_app_calls": True, "callback_url": "https://example.com/new"}, headers=h)
    assert moved.json()["data"]["default_for_app_calls"] is True and moved.json()["data"]["callback_url"] == "https://example.com/new"
    assert api.get(d_url, headers=h).json()["data"]["default_for_app_calls"] is False
    assert api.patch(d_url, json={"status": "inactive"}, headers=h).json()["data"]["status"] == "INACTIVE"
    # rotate, then turn the number back on with POST: the secret is kept
    r = api.post(f"{d_url}/rotate-secret", json={"sandbox": True}, headers=h)
    assert r.status_code == 202 and r.json()["data"]["callback_secret"].startswith("whsec_")
    r = api.post(f"{d_url}/rotate-secret", headers=h)
    assert r.status_code == 200
    secret = r.json()["data"]["callback_secret"]
    again = api.post("/v3/channels/voice", json={"number": default["number"], "callback_url": "https://example.com/back"},
                     headers=h)  # fmt: skip
    assert again.status_code == 201
    assert again.json()["data"]["callback_secret"] == secret and again.json()["data"]["status"] == "ACTIVE"
    assert again.json()["data"]["default_for_app_calls"] is False  # the default stayed where it was moved
    assert _SENSITIVE.match(f"/v3/channels/voice/{default['number']}/rotate-secret")


def test_callback_test_verdicts(vworld, api):
    h = _scope_headers(vworld.profile_ids[0])
    number = next(n for n in api.get("/v3/channels/voice", headers=h).json()["data"] if n["default_for_app_calls"])
    url = f"/v3/channels/voice/{number['number'].replace('+', '%2B')}"
    secret = api.post(f"{url}/rotate-secret", headers=h).json()["data"]["callback_secret"]
    r = api.post(f"{url}/test", json={"sandbox": True}, headers=h)
    assert r.status_code == 202 and r.json()["data"]["outcome"] == "ok" and r.json()["data"]["request"] is None
    verdict = api.post(f"{url}/test", headers=h).json()["data"]
    assert verdict["outcome"] == "ok" and verdict["error"] is None and verdict["answer"]["caller_id"] == number["number"]
    req = verdict["request"]
    assert req["url"] == number["callback_url"] and '"test":true' in req["body"]
    headers = req["headers"]
    signed = f"{headers['X-Webhook-ID']}.{headers['X-Webhook-Timestamp']}.{req['body']}".encode()
    expected = base64.b64encode(hmac.new(base64.b64decode(secret.removeprefix("whsec_")), signed, hashlib.sha256).digest())
    assert headers["X-Webhook-Signature"] == "v1," + expected.decode()
    assert secret not in str(headers)
    for word, outcome in [("timeout", "timeout"), ("unreachable", "connection_failed"), ("fail", "http_error"),
                          ("invalid", "invalid_answer")]:  # fmt: skip
        api.patch(url, json={"callback_url": f"https://{word}.example.com/voice"}, headers=h)
        verdict = api.post(f"{url}/test", headers=h).json()["data"]
        assert verdict["outcome"] == outcome and verdict["error"]["reason"] and verdict["answer"] is None
    org = api.get("/v3/channels/voice").json()["data"]
    bare = next(n for n in org if n["callback_url"] is None)
    r = api.post(f"/v3/channels/voice/{bare['number'].replace('+', '%2B')}/test")
    assert r.status_code == 409


# -- the ledger -----------------------------------------------------------------------------------


def test_call_ledger_matches_truth(vworld):
    ledger = vworld.call_ledger()
    truth = vworld.truth.calls()
    assert list(ledger["call_id"]) == [c["id"] for c in truth]
    assert list(ledger["status"]) == [c["status"] for c in truth]
    assert ledger["price"].round(4).tolist() == [c["price"] for c in truth]
    assert (ledger["cost"] == ledger["price"]).all()
    assert set(ledger["region_code"].dropna()) <= set(vworld._records.regions)
    phone_far_end = ledger[(ledger["direction"] == "outbound") & (ledger["to_kind"] == "number")]
    assert phone_far_end["region_code"].notna().all()
    now = vworld.clock.now()
    as_of = vworld.call_ledger(as_of=now)
    assert list(as_of["call_id"]) == [c["id"] for c in vworld.truth.calls(as_of=now)]
    assert list(as_of["status"]) == [c["status"] for c in vworld.truth.calls(as_of=now)]
    earlier = vworld.call_ledger(as_of=now - timedelta(days=10))
    assert 0 < len(earlier) < len(as_of)


def test_combined_ledger_and_default_unchanged(vworld):
    messages = vworld.ledger()
    assert "kind" not in messages and messages.columns[0] == "message_id"
    both = vworld.ledger(calls=True)
    assert (both["kind"] == "message").sum() == len(messages)
    assert (both["kind"] == "call").sum() == CALLS
    assert set(both.loc[both["kind"] == "call", "channel"]) == {"voice"}
    assert both["created_at"].is_monotonic_increasing
    assert both["cost"].sum() == pytest.approx(messages["cost"].sum() + vworld.call_ledger()["cost"].sum())


# -- malformed input never gets a 500 ------------------------------------------------------------

_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)  # fmt: skip
_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def live_room(make_world):
    """A world whose clock is inside a live conference call: (world, app, the call as it finally reads)."""
    world = make_world(seed=5, contacts=500, messages=1_000, profiles=3, calls=CALLS)
    root = _go_live(world, lambda c: c["to"]["kind"] == "conference")
    return world, core_app(world), root


def _clean(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code != 204:
        body = response.json()
        assert set(body) == {"success", "data", "error", "meta"}
        assert body["success"] or (body["error"]["code"] and "Traceback" not in response.text)


@_FUZZ
@given(query=st.dictionaries(st.sampled_from(["page", "page_size", "direction", "status", "number", "from", "to"]),
                             st.one_of(_text, st.sampled_from(["2026-04-08", "2026-04-08T12:00:00+25:00", "+1", "0"])),
                             max_size=5), segment=_text)  # fmt: skip
def test_voice_queries_and_ids_never_500(live_room, query, segment):
    world, app, root = live_room
    segment = quote(segment, safe="") or "x"
    with sim_client(app, {"x-api-key": world.org_key, **_headers_for(world, root)}) as client:
        _clean(client.get("/v3/voice/calls", params=query))
        for path in (f"/v3/voice/calls/{segment}", f"/v3/voice/calls/{segment}/participants",
                     f"/v3/channels/voice/{segment}", f"/v3/voice/calls/{root['id']}/participants/{segment}"):  # fmt: skip
            _clean(client.get(path) if "participants/" not in path else client.patch(path, json={"muted": True}))


@_FUZZ
@given(target=st.sampled_from(["hangup", "recordings", "participants", "tokens", "numbers", "number", "test"]),
       body=st.dictionaries(st.sampled_from(["action", "to", "caller_id", "muted", "identity", "number", "ttl",
                                             "callback_url", "area_code", "default_for_app_calls", "status"]),
                            _json, max_size=5))  # fmt: skip
def test_voice_bodies_never_500(live_room, target, body):
    world, app, root = live_room
    body = {**body, "sandbox": True}  # fuzzing must not change the shared world
    call_url = f"/v3/voice/calls/{root['id']}"
    with sim_client(app, {"x-api-key": world.org_key, **_headers_for(world, root)}) as client:
        number = client.get("/v3/channels/voice").json()["data"][0]["number"].replace("+", "%2B")
        method, path = {"hangup": ("POST", f"{call_url}/hangup"), "recordings": ("POST", f"{call_url}/recordings"),
                        "participants": ("POST", f"{call_url}/participants"), "tokens": ("POST", "/v3/voice/tokens"),
                        "numbers": ("POST", "/v3/channels/voice"), "number": ("PATCH", f"/v3/channels/voice/{number}"),
                        "test": ("POST", f"/v3/channels/voice/{number}/test")}[target]  # fmt: skip
        _clean(client.request(method, path, content=json.dumps(body)))
