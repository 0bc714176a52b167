"""The official SDK (``sentdm``), strict, against the simulator's voice routes on a loopback port.

Every method of ``client.voice.calls``, ``client.voice.calls.participants``, ``client.voice.tokens``
and ``client.channels.voice`` is called, mutations in and out of sandbox, and every response
must parse; the calls list is walked to the end per scope and compared with its total.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

sent_dm = pytest.importorskip("sent_dm")

from sentlab.simulator import SimulatorConfig, running_server  # noqa: E402
from tests.kit import START, Checks  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=11, contacts=600, messages=400, profiles=3, calls=1_500)


@pytest.fixture(scope="module")
def server(world):
    with running_server(world, SimulatorConfig(rate_limits=None)) as handle:
        yield handle


def _total(server, profile_id: str | None, **params) -> int:
    headers = {"x-api-key": server.org_key, **({"x-profile-id": profile_id} if profile_id else {})}
    r = httpx.get(f"{server.base_url}/v3/voice/calls", params={"page_size": 1, **params}, headers=headers, timeout=10)
    return r.json()["data"]["pagination"]["total_count"]


def _scope(world, profile_id: str | None) -> dict[str, str]:
    return {"x_profile_id": profile_id} if profile_id else {}


def _owner_kwargs(world, c: dict) -> dict[str, str]:
    return {} if c["profile_id"] == world.organization_id else {"x_profile_id": c["profile_id"]}


def test_calls_list_retrieve_and_recordings_parse(sent, server, world):
    check = Checks()
    for profile_id in [None, *world.profile_ids]:
        s = _scope(world, profile_id)
        calls = check(f"voice.calls.list (auto-paginated, profile {profile_id})",
                      lambda s=s: list(sent.voice.calls.list(page_size=100, **s)))
        if calls is None:
            continue
        assert len(calls) == _total(server, profile_id) and len({c.id for c in calls}) == len(calls)
        assert all(c.timeline is None for c in calls)  # the list omits it
        since = START - timedelta(days=7)
        filtered = check(f"voice.calls.list filters (profile {profile_id})",
                         lambda s=s, since=since: list(sent.voice.calls.list(
                             direction="inbound", status="completed", from_=since, to=START, page_size=50, **s)))  # fmt: skip
        if filtered is not None:
            assert len(filtered) == _total(server, profile_id, direction="inbound", status="completed",
                                           **{"from": since.isoformat(), "to": START.isoformat()})  # fmt: skip
            assert all(c.direction == "inbound" and c.status == "COMPLETED" and c.started_at >= since for c in filtered)
        number = calls[0].number
        by_number = check("voice.calls.list number", lambda s=s, n=number: list(sent.voice.calls.list(number=n, **s)))
        if by_number is not None:
            assert by_number and {c.number for c in by_number} == {number}
        for c in calls[:: max(1, len(calls) // 5)]:
            one = check(f"voice.calls.retrieve({c.id})", lambda c=c, s=s: sent.voice.calls.retrieve(c.id, **s))
            if one is not None:
                assert one.data.id == c.id and one.data.timeline and one.data.timeline[-1].status == c.status
        recorded = [c for c in calls if c.recording_available]
        for c in recorded[:3]:
            recs = check(f"voice.calls.list_recordings({c.id})", lambda c=c, s=s: sent.voice.calls.list_recordings(c.id, **s))
            if recs is not None:
                assert recs.data.recordings and recs.data.recordings[0].download_url
    check.assert_all_passed()


def test_voice_numbers_every_method(sent, world):
    check = Checks()
    pid = world.profile_ids[1]
    listed = check("channels.voice.list", lambda: sent.channels.voice.list(x_profile_id=pid))
    assert listed is not None and listed.data
    number = next(n for n in listed.data if n.default_for_app_calls).number
    check("channels.voice.retrieve", lambda: sent.channels.voice.retrieve(number, x_profile_id=pid))
    sandboxed = check("channels.voice.create sandbox", lambda: sent.channels.voice.create(
        callback_url="https://example.com/voice", area_code="415", sandbox=True, x_profile_id=pid))  # fmt: skip
    created = check("channels.voice.create", lambda: sent.channels.voice.create(
        callback_url="https://example.com/voice", area_code="415", x_profile_id=pid, idempotency_key="sdk-voice-1"))  # fmt: skip
    if sandboxed is not None and created is not None:
        assert sandboxed.data.callback_secret and created.data.callback_secret.startswith("whsec_")
        assert created.data.number.startswith("+1415")
    new = created.data.number if created is not None else number
    check("channels.voice.update sandbox", lambda: sent.channels.voice.update(
        new, default_for_app_calls=True, sandbox=True, x_profile_id=pid))  # fmt: skip
    updated = check("channels.voice.update", lambda: sent.channels.voice.update(
        new, callback_url="https://example.com/voice2", status="ACTIVE", x_profile_id=pid))  # fmt: skip
    if updated is not None:
        assert updated.data.callback_url == "https://example.com/voice2"
    check("channels.voice.test sandbox", lambda: sent.channels.voice.test(new, sandbox=True, x_profile_id=pid))
    verdict = check("channels.voice.test", lambda: sent.channels.voice.test(new, x_profile_id=pid))
    if verdict is not None:
        assert verdict.data.outcome == "ok" and verdict.data.request.headers["X-Webhook-Signature"].startswith("v1,")
    check("channels.voice.rotate_secret sandbox", lambda: sent.channels.voice.rotate_secret(new, sandbox=True, x_profile_id=pid))
    rotated = check("channels.voice.rotate_secret", lambda: sent.channels.voice.rotate_secret(new, x_profile_id=pid))
    if rotated is not None:
        assert rotated.data.callback_secret.startswith("whsec_")
    with pytest.raises(sent_dm.NotFoundError):
        sent.channels.voice.retrieve("+14155550000", x_profile_id=pid)
    with pytest.raises(sent_dm.BadRequestError):
        sent.channels.voice.update(new, default_for_app_calls=False, x_profile_id=pid)
    check.assert_all_passed()


def test_tokens_create(sent, world):
    check = Checks()
    pid = world.profile_ids[0]
    token = check("voice.tokens.create", lambda: sent.voice.tokens.create(identity="agent_7", ttl=900, x_profile_id=pid))
    if token is not None:
        assert token.data.identity == "agent_7" and token.data.expires_at == START + timedelta(seconds=900)
    check("voice.tokens.create sandbox", lambda: sent.voice.tokens.create(identity="agent_7", sandbox=True, x_profile_id=pid))
    check("voice.tokens.create (org)", lambda: sent.voice.tokens.create(identity="org-agent"))
    with pytest.raises(sent_dm.BadRequestError):
        sent.voice.tokens.create(identity="no spaces allowed", x_profile_id=pid)
    check.assert_all_passed()


def _future(world, pred) -> dict:
    now = world.clock.time()
    return next(c for c in reversed(world.truth.calls())  # the soonest
                if datetime.fromisoformat(c["started_at"]).timestamp() > now and pred(c))  # fmt: skip


def test_live_call_methods(sent, world):
    """Hangup, record and every participants method on live calls, the clock moved into them."""
    check = Checks()
    root = _future(world, lambda c: c["to"]["kind"] == "conference" and c["answered_at"] and c["duration_seconds"] > 300)
    world.clock.advance_to(datetime.fromisoformat(root["answered_at"]) + timedelta(seconds=5))
    kw = _owner_kwargs(world, root)
    parts = sent.voice.calls.participants
    members = check("participants.list", lambda: parts.list(root["id"], **kw))
    if members is not None:
        assert members.data[0].id == root["id"]
    check("participants.add sandbox", lambda: parts.add(root["id"], to={"kind": "user", "value": "guest_1"}, sandbox=True, **kw))
    added = check("participants.add", lambda: parts.add(root["id"], to={"kind": "number", "value": "+5511987654321"}, **kw))
    assert added is not None and added.data.status == "INITIATED"
    world.clock.advance(60)
    leg = added.data.id
    check("participants.update sandbox", lambda: parts.update(leg, id=root["id"], muted=True, sandbox=True, **kw))
    check("participants.update", lambda: parts.update(leg, id=root["id"], muted=True, **kw))
    check("participants.remove sandbox", lambda: parts.remove(leg, id=root["id"], sandbox=True, **kw))
    check("participants.remove", lambda: parts.remove(leg, id=root["id"], **kw))
    check("participants.remove_all sandbox", lambda: parts.remove_all(root["id"], sandbox=True, **kw))
    check("participants.remove_all", lambda: parts.remove_all(root["id"], **kw))
    world.clock.advance(1)
    ended = check("voice.calls.retrieve (ended leg)", lambda: sent.voice.calls.retrieve(leg, **kw))
    if ended is not None:
        assert ended.data.status == "COMPLETED" and ended.data.price is not None

    phone = _future(world, lambda c: c["status"] == "COMPLETED" and c["answered_at"] and c["duration_seconds"] > 120
                    and "number" in (c["from"]["kind"], c["to"]["kind"]))  # fmt: skip
    world.clock.advance_to(datetime.fromisoformat(phone["answered_at"]) + timedelta(seconds=5))
    kw = _owner_kwargs(world, phone)
    calls = sent.voice.calls
    check("calls.record start sandbox", lambda: calls.record(phone["id"], action="start", sandbox=True, **kw))
    check("calls.record start", lambda: calls.record(phone["id"], action="start", idempotency_key="sdk-rec-1", **kw))
    world.clock.advance(30)
    check("calls.record stop", lambda: calls.record(phone["id"], action="stop", **kw))
    check("calls.hangup sandbox", lambda: calls.hangup(phone["id"], sandbox=True, **kw))
    check("calls.hangup", lambda: calls.hangup(phone["id"], idempotency_key="sdk-hangup-1", **kw))
    world.clock.advance(120)
    done = check("calls.retrieve (hung up)", lambda: calls.retrieve(phone["id"], **kw))
    if done is not None:
        assert done.data.status == "COMPLETED" and done.data.recording_available is True
    recs = check("calls.list_recordings (recorded live)", lambda: calls.list_recordings(phone["id"], **kw))
    if recs is not None:
        assert len(recs.data.recordings) >= 1
    with pytest.raises(sent_dm.ConflictError):
        calls.hangup(phone["id"], **kw)
    check.assert_all_passed()
