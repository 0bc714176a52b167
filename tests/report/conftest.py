"""A small simulated account, its lab and its messages, shared by the report tests of a module."""

from __future__ import annotations

import pytest

from tests import kit
from tests.kit import HISTORY_NOON as NOW
from tests.kit import Recorder, simulator


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=11, contacts=400, messages=900, profiles=2, at=NOW)


@pytest.fixture(scope="module")
def counted(world):
    """The simulator app, recording the requests that reach it."""
    return Recorder(simulator(world))


@pytest.fixture(scope="module")
def connected(world, counted, tmp_path_factory):
    """The lab and the webhook-events path's priced sample (a server without the messages list),
    taken first: once details="all" ran, the store prices every message."""
    with kit.make_lab(world, counted, cache_dir=tmp_path_factory.mktemp("store")) as lab:
        yield lab, lab.messages(details="sample", source="events")


@pytest.fixture(scope="module")
def lab(connected):
    return connected[0]


@pytest.fixture(scope="module")
def messages(connected):
    return connected[1]
