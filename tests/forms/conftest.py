"""The forms' fixtures: a small world, the recording simulator app and a lab on it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kit import Recorder, simulator


@pytest.fixture
def world(make_world: Any) -> Any:
    return make_world(seed=3, contacts=60, messages=50, profiles=1)


@pytest.fixture
def recorder(world: Any) -> Recorder:
    return Recorder(simulator(world))


@pytest.fixture
def lab(world: Any, recorder: Recorder, make_lab: Any) -> Any:
    return make_lab(world, recorder)
