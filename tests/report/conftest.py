"""A small simulated account, its lab and its messages, shared by the report tests of a module."""

from __future__ import annotations

import pandas as pd
import pytest

import sentlab
from sentlab.simulator import (
    SimClock,
    build_world,
    in_process_transport,
)
from tests.conftest import counting_app

NOW = pd.Timestamp("2026-11-20T12:00:00Z")


@pytest.fixture(scope="module")
def world():
    return build_world(seed=11, contacts=400, messages=900, profiles=2, clock=SimClock.frozen(NOW.to_pydatetime()))


@pytest.fixture(scope="module")
def counted(world):
    """The simulator app, counting the requests that reach it."""
    return counting_app(world)


@pytest.fixture(scope="module")
def connected(world, counted, tmp_path_factory):
    """The lab and the webhook-events path's priced sample (a server without the messages list),
    taken first: once details="all" ran, the store prices every message."""
    with sentlab.connect(world.org_key, base_url="http://sim", transport=in_process_transport(counted),
                         pacing=None, progress=False, cache_dir=tmp_path_factory.mktemp("store")) as lab:
        yield lab, lab.messages(details="sample", source="events")


@pytest.fixture(scope="module")
def lab(connected):
    return connected[0]


@pytest.fixture(scope="module")
def messages(connected):
    return connected[1]
