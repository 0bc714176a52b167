"""Shared fixtures: the world and lab factories, a small seeded world on a frozen clock, its core
app, and clients for it. The construction logic is in ``tests/kit.py``; import helpers from there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import sentlab
from sentlab.simulator._app import core_app
from sentlab.simulator._clock import SimClock
from sentlab.simulator._world import World

pytest.register_assert_rewrite("tests.kit")  # its checks fail with the values shown, as in a test
from . import kit  # noqa: E402


@pytest.fixture(scope="session")
def make_world() -> Callable[..., World]:
    """``make_world(**options)``: a world as ``kit.make_world`` builds it (seed 7, 400 contacts,
    800 messages, 3 profiles, frozen at ``kit.START`` unless told)."""
    return kit.make_world


@pytest.fixture
def make_lab(tmp_path: Path) -> Iterator[Callable[..., sentlab.Lab]]:
    """``make_lab(world, app=None, **options)``: a lab as ``kit.make_lab`` connects it, its store in
    the test's ``tmp_path`` unless ``cache_dir`` or ``store`` is given; closed after the test."""
    made: list[sentlab.Lab] = []

    def make(world: World, app: Any = None, **options: Any) -> sentlab.Lab:
        if "cache_dir" not in options and "store" not in options:
            options["cache_dir"] = tmp_path
        lab = kit.make_lab(world, app, **options)
        made.append(lab)
        return lab

    yield make
    for lab in made:
        lab.close()


@pytest.fixture
def clock() -> SimClock:
    return SimClock.frozen(kit.START)


@pytest.fixture
def world(make_world: Callable[..., World], clock: SimClock) -> World:
    """A fresh small world (seed 7): 400 contacts, 800 messages, 3 profiles, on ``clock``."""
    return make_world(clock=clock)


@pytest.fixture
def sim_app(world: World):
    return core_app(world)


@pytest.fixture
def client(sim_app, world: World) -> Iterator[httpx.Client]:
    """A sync httpx client on the core app (in-process), authenticated with the organization key."""
    with kit.sim_client(sim_app, {"x-api-key": world.org_key}) as c:
        yield c


@pytest.fixture
def profile_id(world: World) -> str:
    return world.profile_ids[0]


@pytest.fixture
def profile_client(sim_app, world: World, profile_id: str) -> Iterator[httpx.Client]:
    """Like ``client`` but scoped to the first profile with ``x-profile-id``."""
    with kit.sim_client(sim_app, {"x-api-key": world.org_key, "x-profile-id": profile_id}) as c:
        yield c


@pytest.fixture(autouse=True, scope="session")
def _private_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the suite's local stores out of the user's cache directory (a test may override it)."""
    import os

    previous = os.environ.get("SENTLAB_CACHE_DIR")
    os.environ["SENTLAB_CACHE_DIR"] = str(tmp_path_factory.mktemp("sentlab-store"))
    yield
    if previous is None:
        os.environ.pop("SENTLAB_CACHE_DIR", None)
    else:
        os.environ["SENTLAB_CACHE_DIR"] = previous


# --------------------------------------------------------------------------------------------
# No API key through any side channel: every key the tests use is registered as it is wrapped
# in a Secret; every sentlab exception's text and repr, every repr of a client, lab or
# requester, every warning and log record, and at the end every file under the session's tmp
# directory is checked for it (or a 10-character fragment of it).
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def _no_key_leaks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    import logging
    import warnings

    from sentlab import _blocking_client, _client, _errors, _http, _session

    from .leakscan import LeakHandler, LeakScan

    scan = LeakScan()
    undo: list[tuple[object, str, object]] = []

    def patch(owner: type, name: str, wrapper_of) -> None:
        undo.append((owner, name, owner.__dict__.get(name)))  # None: inherited, so deleted again
        setattr(owner, name, wrapper_of(getattr(owner, name)))

    def registering(original):
        def __init__(self, value):
            original(self, value)
            scan.add_key(value)
        return __init__

    def checked_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            try:
                text = f"{self}\n{self!r}"
            except AttributeError:  # SentError.__init__ inside APIError's: checked once that one is done
                return
            scan.check(text, f"{type(self).__name__} text")
        return __init__

    def checked_repr(original):
        def __repr__(self):
            text = original(self)
            scan.check(text, f"repr of {type(self).__name__}")
            return text
        return __repr__

    patch(_errors.Secret, "__init__", registering)
    for cls in (_errors.SentError, _errors.APIError, _errors.APIConnectionError):
        patch(cls, "__init__", checked_init)
    for cls in (_blocking_client.SentClient, _client.AsyncSentClient, _session.Lab, _http.Requester, _client.FanOutResult):
        patch(cls, "__repr__", checked_repr)

    def showing(original):
        def _showwarnmsg(message):
            scan.check(str(message.message), f"warning {message.category.__name__}")
            return original(message)
        return _showwarnmsg

    undo.append((warnings, "_showwarnmsg", warnings._showwarnmsg))
    warnings._showwarnmsg = showing(warnings._showwarnmsg)
    handler = LeakHandler(scan)
    root = logging.getLogger()
    root.addHandler(handler)
    levels = {name: logging.getLogger(name).level for name in ("sentlab", "httpx")}
    logging.getLogger("sentlab").setLevel(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.INFO)  # its "HTTP Request: GET <url>" lines
    _no_key_leaks.scan = scan  # type: ignore[attr-defined]  # for the scanner's own test
    yield
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    for owner, name, original in reversed(undo):
        if original is None:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
    scan.scan_tree(tmp_path_factory.getbasetemp())
    if scan.findings:
        shown = "\n  ".join(sorted(set(scan.findings))[:40])
        pytest.fail(f"API key material leaked ({len(scan.findings)} places):\n  {shown}", pytrace=False)


def pytest_warning_recorded(warning_message, when, nodeid, location) -> None:
    """Warnings pytest collected (outside ``pytest.warns``) go through the key scan too."""
    scan = getattr(_no_key_leaks, "scan", None)
    if scan is not None:
        scan.check(str(warning_message.message), f"warning in {nodeid or when}")
