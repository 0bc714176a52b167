"""Fixtures for the client tests: a fake API on httpx.MockTransport, and clients wired to it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sentlab import AsyncSentClient, Retries, SentClient

from .fakeapi import KEY, FakeAPI

FAST_RETRIES = Retries(attempts=4, backoff_seconds=0.01, max_backoff_seconds=0.05, total_seconds=5)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def make_async(fake: FakeAPI) -> Callable[..., AsyncSentClient]:
    def make(api: FakeAPI | None = None, **options: Any) -> AsyncSentClient:
        options.setdefault("pacing", None)
        options.setdefault("retries", FAST_RETRIES)
        options.setdefault("progress", False)
        return AsyncSentClient(KEY, base_url="https://api.test", transport=(api or fake).transport(), **options)

    return make


@pytest.fixture
def make_sync(fake: FakeAPI) -> Callable[..., SentClient]:
    def make(api: FakeAPI | None = None, **options: Any) -> SentClient:
        options.setdefault("pacing", None)
        options.setdefault("retries", FAST_RETRIES)
        options.setdefault("progress", False)
        return SentClient(KEY, base_url="https://api.test", transport=(api or fake).transport(), **options)

    return make
