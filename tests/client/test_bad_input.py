"""Every bad input is a typed error from ``sentlab._errors`` that says what to fix, raised before
any request: one table over the client, the lab, the settings and the forms' controllers."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import sentlab
from sentlab import (
    AsyncSentClient,
    ConfigurationError,
    Limits,
    LookupController,
    Pacing,
    Retries,
    SendController,
    SentClient,
)

from .. import kit
from ..kit import Recorder, simulator

KEY = "sk_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9"
UUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=5, contacts=120, messages=200, profiles=1, at=None)


@pytest.fixture
def lab(world):
    app = Recorder(simulator(world))
    with kit.make_lab(world, app, store=False) as lab:
        lab.requests = app.paths  # every path the simulator received
        lab.sim_world = world
        yield lab


def approved(lab) -> dict[str, Any]:
    return next(t for t in lab.sim_world.truth.templates()
                if t["status"] == "APPROVED" and t["variables"] and t["profile_id"] == lab.sim_world.organization_id)  # fmt: skip


#: (id, call on the lab, error class, words the message must hold: the fix)
Case = tuple[str, Callable[[Any], Any], type[Exception], str]
WINDOWS = [
    ("messages since int", lambda lab: lab.messages(since=1_700_000_000), "since must be a date"),
    ("messages until float", lambda lab: lab.messages(until=1.7e9), "until must be a date"),
    ("messages since numpy int", lambda lab: lab.messages(since=np.int64(1)), "since must be a date"),
    ("messages until before since", lambda lab: lab.messages(since="2026-11-02", until="2026-11-01"), "later than since"),
    ("messages since garbage", lambda lab: lab.messages(since="last tuesday"), "such as '2026-11-01'"),
    ("activities since int", lambda lab: lab.activities(since=5), "since must be a date"),
    ("webhook_events until int", lambda lab: lab.webhook_events(until=5), "until must be a date"),
    ("report since int", lambda lab: lab.report(since=1_700_000_000), "since must be a date"),
    ("calls since int", lambda lab: lab.calls(since=1_700_000_000), "since must be a date"),
    ("calls since bool", lambda lab: lab.calls(since=True), "since must be a date"),
    ("api.calls since int", lambda lab: lab.api.calls(since=1_700_000_000), "since must be a date"),
    ("api.calls status", lambda lab: lab.api.calls(status="done"), "status must be one of"),
]  # fmt: skip
SENDS = [
    ("send missing variable", lambda lab: lab.api.send("+14155550123", template_id=approved(lab)["id"], sandbox=True),
     "needs a value for"),
    ("send empty variable", lambda lab: lab.api.send("+14155550123", template_id=approved(lab)["id"], sandbox=True,
                                                     parameters={v: " " for v in approved(lab)["variables"]}),
     "needs a value for"),
    ("send missing variable by name", lambda lab: lab.api.send("+14155550123", template_name=approved(lab)["name"],
                                                               sandbox=True), "needs a value for"),
    ("send 1001 recipients", lambda lab: lab.api.send([f"+1415555{i:04d}" for i in range(1001)], sandbox=True,
                                                      template_id=UUID), "at most 1,000 recipients"),
    ("send to int", lambda lab: lab.api.send(14155550123, template_id=UUID, sandbox=True), "phone number or a list"),
    ("send no sandbox", lambda lab: lab.api.send("+14155550123", template_id=UUID), "sandbox=True"),
    ("send sandbox str", lambda lab: lab.api.send("+14155550123", template_id=UUID, sandbox="yes"), "True or False"),
    ("send parameters list", lambda lab: lab.api.send("+14155550123", template_id=UUID, sandbox=True,
                                                      parameters=["x"]), "must be a dict"),
    ("send no template", lambda lab: lab.api.send("+14155550123", sandbox=True), "template_id= or template_name="),
    ("send empty template name", lambda lab: lab.api.send("+14155550123", template_name=" ", sandbox=True),
     "template's name"),
    ("send bad template id", lambda lab: lab.api.send("+14155550123", template_id="t-1", sandbox=True), "not a UUID"),
    ("send no recipients", lambda lab: lab.api.send([], template_id=UUID, sandbox=True), "at least one recipient"),
    ("send national number", lambda lab: lab.api.send("4155550123", template_id=UUID, sandbox=True),
     "country code"),
]  # fmt: skip
TYPES = [
    ("messages ids int", lambda lab: lab.messages(ids=123), "list of strings"),
    ("messages ids of ints", lambda lab: lab.messages(ids=[1, 2]), "must hold strings"),
    ("messages details", lambda lab: lab.messages(details="some"), "'auto', 'all', 'none' or 'sample'"),
    ("report prices", lambda lab: lab.report(prices="exact"), "'sample', 'all' or 'none'"),
    ("activities ids float", lambda lab: lab.activities(ids=1.5), "list of strings"),
    ("lookup_numbers None", lambda lab: lab.lookup_numbers(None), "list of strings"),
    ("lookup_numbers int", lambda lab: lab.lookup_numbers(14155550123), "list of strings"),
    ("contact_summaries ids int", lambda lab: lab.contact_summaries(ids=7), "list of strings"),
    ("api.lookup_numbers None", lambda lab: lab.api.lookup_numbers(None), "list of strings"),
    ("api.messages_details int", lambda lab: lab.api.messages_details(123), "list of strings"),
    ("api.activities_many dict", lambda lab: lab.api.activities_many({"a": 1}), "list of strings"),
    ("api.message_summaries None", lambda lab: lab.api.message_summaries(None), "list of strings"),
    ("api.contact int", lambda lab: lab.api.contact(123), "must be a UUID string"),
    ("api.contact bad", lambda lab: lab.api.contact("c-1"), "not a UUID"),
    ("api.message None", lambda lab: lab.api.message(None), "must be a UUID string"),
    ("api.contacts page_size", lambda lab: lab.api.contacts(page_size=500), "page_size must be in 1..100"),
    ("api.contacts page_size str", lambda lab: lab.api.contacts(page_size="10"), "page_size must be an integer"),
    ("api.lookup_number empty", lambda lab: lab.api.lookup_number(""), "phone number is empty"),
    ("api.with_profile int", lambda lab: lab.api.with_profile(5), "must be a UUID string"),
    ("api.calls direction", lambda lab: lab.api.calls(direction="up"), "direction must be one of"),
    ("api.calls number", lambda lab: lab.api.calls(number="12"), "number (the line"),
]  # fmt: skip
SETTINGS = [
    ("Limits timeout -1", lambda lab: Limits(timeout_seconds=-1), "timeout_seconds=...) must be a number > 0"),
    ("Limits timeout 0", lambda lab: Limits(timeout_seconds=0), "timeout_seconds"),
    ("Limits timeout nan", lambda lab: Limits(timeout_seconds=float("nan")), "timeout_seconds"),
    ("Limits timeout str", lambda lab: Limits(timeout_seconds="30"), "timeout_seconds"),
    ("Limits connect timeout", lambda lab: Limits(connect_timeout_seconds=-5), "connect_timeout_seconds"),
    ("Limits concurrency 0", lambda lab: Limits(concurrency=0), "concurrency=...) must be a whole number >= 1"),
    ("Limits concurrency 2.5", lambda lab: Limits(concurrency=2.5), "whole number"),
    ("Limits concurrency True", lambda lab: Limits(concurrency=True), "whole number"),
    ("Retries attempts 0", lambda lab: Retries(attempts=0), "attempts=...) must be a whole number >= 1"),
    ("Retries backoff -1", lambda lab: Retries(backoff_seconds=-1), "backoff_seconds"),
    ("Retries total 0", lambda lab: Retries(total_seconds=0), "total_seconds"),
    ("Retries max backoff inf", lambda lab: Retries(max_backoff_seconds=float("inf")), "max_backoff_seconds"),
    ("Retries connect 0", lambda lab: Retries(connect_attempts=0), "connect_attempts"),
    ("Pacing per_minute 0", lambda lab: Pacing(per_minute=0), "per_minute=...) must be a number > 0"),
    ("Pacing burst 0", lambda lab: Pacing(burst=0), "burst"),
    ("Pacing reserve -1", lambda lab: Pacing(reserve=-1), "reserve"),
    ("Pacing send_burst 0.5", lambda lab: Pacing(send_burst=0.5), "send_burst"),
    ("Pacing learn str", lambda lab: Pacing(learn="yes"), "True or False"),
]  # fmt: skip
CONNECTS = [
    ("base_url empty", lambda lab: sentlab.connect(KEY, base_url="", check=False), "base_url is empty"),
    ("base_url spaces", lambda lab: sentlab.connect(KEY, base_url="   ", check=False), "base_url is empty"),
    ("base_url query", lambda lab: sentlab.connect(KEY, base_url="https://api.sent.dm/?region=eu", check=False),
     "query string"),
    ("base_url fragment", lambda lab: sentlab.connect(KEY, base_url="https://api.sent.dm/#x", check=False),
     "query string or fragment"),
    ("base_url credentials", lambda lab: sentlab.connect(KEY, base_url="https://me:pw@api.sent.dm", check=False),
     "credentials"),
    ("base_url ftp", lambda lab: sentlab.connect(KEY, base_url="ftp://api.sent.dm", check=False), "http(s) URL"),
    ("base_url no scheme", lambda lab: sentlab.connect(KEY, base_url="api.sent.dm", check=False), "http(s) URL"),
    ("base_url bad port", lambda lab: sentlab.connect(KEY, base_url="https://api.sent.dm:99999", check=False),
     "not a valid URL"),
    ("base_url int", lambda lab: sentlab.connect(KEY, base_url=8000, check=False), "must be a string URL"),
    ("client base_url empty", lambda lab: SentClient(KEY, base_url=""), "base_url is empty"),
    ("async client base_url query", lambda lab: AsyncSentClient(KEY, base_url="http://x?y=1"), "query string"),
    ("api_key int", lambda lab: sentlab.connect(12345, base_url="https://api.sent.dm", check=False),
     "must be a string"),
    ("api_key empty", lambda lab: sentlab.connect("", base_url="https://api.sent.dm", check=False), "key is empty"),
    ("api_key with space", lambda lab: sentlab.connect("sk live", base_url="https://api.sent.dm", check=False),
     "copy it again"),
    ("profile_id bad", lambda lab: sentlab.connect(KEY, base_url="https://api.sent.dm", profile_id="p1",
                                                   check=False), "not a UUID"),
    ("profile_id is a key", lambda lab: sentlab.connect(KEY, base_url="https://api.sent.dm", check=False,
                                                        profile_id="sk_live_" + "ab12" * 8), "looks like an API key"),
]  # fmt: skip
FORMS = [
    ("SendController no lab", lambda lab: SendController(object()), "needs the Lab"),
    ("LookupController no lab", lambda lab: LookupController(object()), "needs the Lab"),
    ("LookupController region", lambda lab: LookupController(lab, region="Atlantis"), "region"),
]  # fmt: skip
CASES: list[Case] = [(name, call, ConfigurationError, fix)
                     for name, call, fix in WINDOWS + SENDS + TYPES + SETTINGS + CONNECTS + FORMS]  # fmt: skip


def test_the_table_is_wide():
    assert len(CASES) >= 60 and len({name for name, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "call", "error", "fix"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_typed_error_that_says_what_to_fix_before_any_request(lab, name, call, error, fix):
    before = list(lab.requests)
    with pytest.raises(error) as info:
        call(lab)
    assert isinstance(info.value, sentlab.SentError)  # from sentlab._errors, never a bare TypeError
    assert fix in str(info.value), str(info.value)
    made = lab.requests[len(before):]
    if name.startswith("send missing") or name.startswith("send empty variable"):
        assert "/v3/messages" not in made  # the template was read for its variables; nothing was sent
    else:
        assert made == [], made


def test_an_empty_sent_base_url_variable_is_an_error_not_production(monkeypatch):
    monkeypatch.setenv("SENT_BASE_URL", "")
    with pytest.raises(ConfigurationError, match="SENT_BASE_URL is empty"):
        sentlab.connect(KEY, check=False)
    monkeypatch.setenv("SENT_BASE_URL", "https://api.sent.dm/?token=abc")
    with pytest.raises(ConfigurationError, match=r"SENT_BASE_URL .* query string"):
        sentlab.connect(KEY, check=False)
    assert os.environ["SENT_BASE_URL"]


def test_dates_and_datetimes_still_work(lab):
    assert lab.calls(since=dt.date(2026, 1, 1), until=dt.datetime(2027, 1, 1)) is not None
