"""The ``>>>`` examples in sentlab's docstrings, run as doctests, so that they keep working.

Every module of the package is collected; each docstring with examples is one test. The
examples take as given what the docs take as given, built once here on the in-process simulator
(a small account on a frozen clock, so outputs are the same on every run):

- ``sentlab`` and ``lab``, the lab of that account (``sentlab.connect()`` itself, with no key,
  connects to the built-in demo account, offline);
- ``m``, its messages (``lab.messages()``), and ``report``, its report (``lab.report()``);
- a webhook delivery as Sent POSTs it: ``body`` (bytes), ``headers``, ``secret`` (also in
  ``SENT_WEBHOOK_SECRET``), ``webhook_id``; ``deliveries.jsonl`` holds it, as ``sentlab listen
  --log`` would have written it.
- ``form``, a new sandbox send form (``SendController``) filled in for one recipient, and
- ``lookups``, a new lookup form (``LookupController(lab)``) for each docstring.
- ``store``, a raw store (``sentlab._store.Store``) holding two events of that webhook.

The client modules' examples (``sentlab._client``, ``sentlab._blocking_client``, ``sentlab._http``)
take a second account instead, served by the simulator on a loopback port (they create and delete
contacts and templates, which the lab's examples must not see): ``key`` and ``base_url``
(``http://127.0.0.1:…``), ``client`` (an ``AsyncSentClient`` in ``_client`` and ``_http``, a
``SentClient`` in ``_blocking_client``), and ids of that account: see ``_client_names``. The
simulator's examples take ``httpx`` and the names ``sentlab.simulator`` exports.

An example with a top-level ``await`` runs as a notebook cell runs it (IPython's autoawait): on
one event loop kept for the whole run, so an async client made in one example works in the next.

They run in a scratch directory (files they write land there), with ELLIPSIS and
NORMALIZE_WHITESPACE; an exception is named as a notebook shows it (``ConfigurationError``, not
``sentlab._errors.ConfigurationError``). What cannot run offline is skipped by name below, with
the reason.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import copy
import doctest
import hashlib
import hmac
import importlib
import inspect
import json
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sentlab

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

#: Examples that cannot run here, by doctest name, with the reason.
SKIPS: dict[str, str] = {
    "sentlab.cli": "starts `sentlab simulate`, which serves until Ctrl-C",
    "sentlab.cli.main": "starts `sentlab simulate`, which serves until Ctrl-C",
    "sentlab._serving.wait_started": "a fragment of a server's start-up (its thread and handle are not defined)",
    "sentlab._errors.APITimeoutError": "needs a server slower than the timeout",
    "sentlab._errors.AuthenticationError": "a wrong key against the live API (https://api.sent.dm)",
    "sentlab._errors.PermissionDeniedError": "needs a profile key (the shared lab has an organization key)",
    "sentlab._errors.UnexpectedResponseError": "connects to https://example.com",
    "sentlab._controllers.SendController.confirm": "a live send: it would add a message to the shared "
    "lab's account (the other examples count them)",
}


def _module_names() -> list[str]:
    names = ["sentlab"]
    names += [info.name for info in pkgutil.walk_packages(sentlab.__path__, "sentlab.")]
    return sorted(n for n in names if n != "sentlab.__main__")


def _doctests() -> Iterator[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    for module_name in _module_names():
        module = importlib.import_module(module_name)
        # A name re-exported from another module is that module's test, not this one's.
        for test in finder.find(module, module_name):
            if test.examples:
                yield test


DOCTESTS = sorted(_doctests(), key=lambda t: t.name)


class _Checker(doctest.OutputChecker):
    """Exceptions named as a notebook shows them: ``ConfigurationError: ...``, module path left off."""

    _QUALIFIED = re.compile(r"^sentlab(?:\.\w+)*\.(?=\w+: )")

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return super().check_output(want, self._QUALIFIED.sub("", got), optionflags)


NOW = pd.Timestamp("2026-11-20T12:00:00Z")


#: The endpoint's signing secret of the delivery below (made up: a receiver checks only this).
SECRET = "whsec_" + base64.b64encode(b"doctest endpoint key 24b").decode()


def _delivery(webhook_id: str, account_id: str) -> tuple[bytes, dict[str, str]]:
    """One message event as Sent POSTs it to an endpoint, signed as docs/webhooks.md describes."""
    body = json.dumps({"field": "message", "event": "message.delivered", "timestamp": "2026-11-20T11:59:58+00:00",
                       "request_id": "req_doctest", "payload": {
                           "message_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "message_status": "DELIVERED",
                           "channel": "sms", "outbound_number": "+14155550100",
                           "updated_at": "2026-11-20T11:59:57+00:00", "account_id": account_id}}).encode()  # fmt: skip
    timestamp = str(int(time.time()))
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    headers = {"Content-Type": "application/json", "X-Webhook-ID": webhook_id, "X-Webhook-Event-ID": "evt_doctest_1",
               "X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": "v1," + base64.b64encode(mac).decode()}  # fmt: skip
    return body, headers


def _raw_store(directory: Path, webhook_id: str) -> Any:
    """``store``: a raw store (``sentlab._store.Store``) on the frozen clock, holding two events of
    ``webhook_id``: ``e1`` at position 0, delivered, and ``e2`` at position 1, still pending."""
    from sentlab._store import Store

    store = Store(directory, base_url="https://api.sent.dm", account_id="acct-1", clock=NOW.timestamp)
    store.put_events(webhook_id, [
        {"id": "e1", "created_at": "2026-11-20T11:00:00+00:00", "delivery_status": "delivered"},
        {"id": "e2", "created_at": "2026-11-20T11:30:00+00:00", "delivery_status": "pending"}], [0, 1])  # fmt: skip
    return store


def _send_form(lab: Any) -> Any:
    """``form``: a sandbox send form, filled in (template, its variables, one recipient)."""
    from sentlab._controllers import SendController

    form = SendController(lab, template="order_confirmation")
    form.set_parameters(name="Ada", order_id="A-1001")
    form.set_recipients("+14155550123")
    return form


def _cells(test: doctest.DocTest) -> doctest.DocTest:
    """``test`` with each example that has a top-level ``await`` run as a notebook cell: ``__cell__(source)``."""
    examples = []
    for example in test.examples:
        try:
            compile(example.source, "<doctest>", "single", dont_inherit=True)
        except SyntaxError:  # top-level await (anything else fails the same way in __cell__)
            example = copy.copy(example)
            example.source = f"__cell__({example.source!r})\n"
        examples.append(example)
    cells = copy.copy(test)
    cells.examples = examples
    return cells


def _cell(globs: dict[str, Any], loop: asyncio.Runner) -> Callable[[str], None]:
    """Run one example's source as IPython's autoawait runs a cell: compiled with top-level
    ``await`` allowed, its coroutine run on ``loop`` (values shown through ``sys.displayhook``)."""

    def cell(source: str) -> None:
        code = compile(source, "<doctest>", "single", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        result = eval(code, globs)  # the docstring's own example, as doctest runs it
        if inspect.iscoroutine(result):
            loop.run(result)

    return cell


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.Runner]:
    """The event loop every top-level ``await`` runs on, as a notebook kernel keeps one."""
    with asyncio.Runner() as runner:
        yield runner


#: Modules whose examples take the client context (``client_context``) rather than the lab's.
CLIENT_MODULES = ("sentlab._client", "sentlab._blocking_client", "sentlab._http")


def _client_names(world: Any) -> dict[str, Any]:
    """Ids of the client account the client modules' examples use by name: all of the
    organization's own scope, so the organization key (``key``, ``client``) sees them.

    ``contact_id`` (``contact_ids[0]``) is a contact no example sends to, so what it shows of
    that contact stays put; the sending examples send to ``phone``, another contact's number.
    ``message_id`` (``ids[0]``) is a delivered message, ``template_id`` an approved template with
    two variables (``name``, ``order_id``), ``call_id`` a completed call."""
    truth, own = world.truth, world.organization_id
    # the US contact first: ``contact_id``, with its two messages (the others are Italian and German)
    contacts = sorted((c for c in truth.contacts() if c["profile_id"] == own), key=lambda c: c["region_code"] != "US")
    delivered = [r["id"] for r in truth.messages() if r["profile_id"] == own and r["final_status"] == "DELIVERED"]
    templates = [t for t in truth.templates() if t["profile_id"] == own and t["status"] == "APPROVED"]
    calls = [c for c in truth.calls() if c["profile_id"] == own and c["status"] == "COMPLETED"]
    return {
        "profile_id": world.profile_ids[0],
        "contact_id": contacts[0]["id"],
        "contact_ids": [c["id"] for c in contacts],
        "phone": contacts[-1]["phone_number"],
        "message_id": delivered[0],
        "ids": delivered[:3],
        "template_id": next(t["id"] for t in templates if t["name"] == "order_confirmation"),
        "webhook_id": next(w["id"] for w in truth.webhooks() if w["profile_id"] == own),
        "call_id": calls[0]["id"],
    }


@pytest.fixture(scope="module")
def client_context(loop: asyncio.Runner) -> Iterator[dict[str, Any]]:
    """A second account, served on a loopback port: ``key``, ``base_url``, a blocking and an async
    client of it, and the ids ``_client_names`` picks."""
    from sentlab.simulator import SimClock, SimulatorConfig, build_world, running_server

    world = build_world(seed=11, contacts=60, messages=200, profiles=2, calls=60,  # the organization: 2 calls
                        clock=SimClock.frozen(NOW.to_pydatetime()))
    with running_server(world, SimulatorConfig(rate_limits=None)) as server:
        options: dict[str, Any] = {"base_url": server.base_url, "pacing": None, "progress": False}
        blocking = sentlab.SentClient(world.org_key, **options)
        aclient = sentlab.AsyncSentClient(world.org_key, **options)
        yield {"world": world, "key": world.org_key, "base_url": server.base_url, "blocking": blocking,
               "async": aclient, **_client_names(world)}  # fmt: skip
        blocking.close()
        loop.run(aclient.aclose())


def _client_globals(name: str, client_context: dict[str, Any]) -> dict[str, Any]:
    """The client context's names for the doctest ``name``: ``client`` is the module's kind."""
    names = {k: v for k, v in client_context.items() if k not in ("blocking", "async", "world")}
    names["client"] = client_context["blocking" if name.startswith("sentlab._blocking_client") else "async"]
    return names


def _simulator_globals() -> dict[str, Any]:
    """What the simulator's examples take as given: ``httpx`` and what ``sentlab.simulator`` exports."""
    import httpx

    import sentlab.simulator as simulator

    return {"httpx": httpx, **{name: getattr(simulator, name) for name in simulator.__all__}}


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from sentlab.simulator import (
        SimClock,
        SimulatorConfig,
        build_world,
        create_app,
        in_process_transport,
    )

    world = build_world(seed=7, contacts=200, messages=600, profiles=2, clock=SimClock.frozen(NOW.to_pydatetime()))
    app = create_app(world, SimulatorConfig(rate_limits=None))
    workdir = tmp_path_factory.mktemp("doctest-cwd")
    with sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(app), pacing=None,
                         progress=False, cache_dir=tmp_path_factory.mktemp("doctest-store")) as lab:  # fmt: skip
        m = lab.messages()
        webhook_id = str(lab.webhooks().id.iloc[0])
        body, headers = _delivery(webhook_id, world.organization_id)
        log_line = {"headers": headers, "body": body.decode(), "received_at": time.time()}
        (workdir / "deliveries.jsonl").write_text(json.dumps(log_line) + "\n", encoding="utf-8")
        yield {"sentlab": sentlab, "lab": lab, "m": m, "report": lab.report(), "workdir": workdir,
               "secret": SECRET, "webhook_id": webhook_id, "body": body, "headers": headers,
               "store": _raw_store(tmp_path_factory.mktemp("doctest-raw-store"), webhook_id)}  # fmt: skip


@pytest.mark.parametrize("test", DOCTESTS, ids=lambda t: t.name)
@pytest.mark.filterwarnings("error::UserWarning")  # an example that warns shows a problem it hides
def test_docstring_examples_run(test: doctest.DocTest, context: dict[str, Any], loop: asyncio.Runner,
                                request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    if test.name in SKIPS:
        pytest.skip(SKIPS[test.name])
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)  # sentlab.connect() with no key: the demo account
    monkeypatch.setenv("SENT_WEBHOOK_SECRET", SECRET)
    monkeypatch.chdir(context["workdir"])
    from sentlab._lookup_controller import LookupController

    fresh: dict[str, Any] = {"lookups": LookupController(context["lab"])}  # a form's state: new for each docstring
    if any("form." in example.source for example in test.examples):
        fresh["form"] = _send_form(context["lab"])
    test = _cells(test)
    shared = {k: v for k, v in context.items() if k != "workdir"}
    if test.name.startswith(CLIENT_MODULES):
        shared |= _client_globals(test.name, request.getfixturevalue("client_context"))
    if test.name.startswith("sentlab.simulator"):
        shared |= _simulator_globals()
    test.globs = {**test.globs, **shared, **fresh}
    test.globs["__cell__"] = _cell(test.globs, loop)
    runner = doctest.DocTestRunner(checker=_Checker(), optionflags=FLAGS)
    report: list[str] = []
    result = runner.run(test, out=report.append, clear_globs=False)
    assert result.failed == 0, f"{test.name} ({Path(test.filename or '?').name}:{test.lineno}):\n" + "".join(report)


def test_every_module_is_collected() -> None:
    collected = {t.name.split(".")[0] for t in DOCTESTS}
    assert collected == {"sentlab"}
    modules = {name for name in _module_names()}
    assert {"sentlab._metrics", "sentlab._report", "sentlab.webhooks._verify", "sentlab.simulator._world"} <= modules
    unknown = sorted(name for name in SKIPS if name not in {t.name for t in DOCTESTS})
    assert not unknown, f"SKIPS names examples that no longer exist: {unknown}"
