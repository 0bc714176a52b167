"""The notebook entry point: ``lab = sentlab.connect()`` finds the key and base URL and holds the clients.

>>> lab = sentlab.connect()                 # no key, no base URL: the built-in simulator's demo account
>>> lab.api.contacts()[:2]                  # records (dicts); lab.aapi is the async client
"""

from __future__ import annotations

import sys
from typing import Any

import httpx

from ._client import AsyncSentClient, SentClient, describe
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    DEFAULT_PACING,
    DEFAULT_RETRIES,
    Limits,
    Pacing,
    Retries,
    check_api_key,
    resolve_api_key,
    resolve_base_url,
)
from ._errors import ConfigurationError

SIMULATOR_BASE_URL = "http://simulator.sentlab.invalid"
DEMO_NOTICE = "sentlab: no API key or base URL — using the built-in simulator (demo account)"


class Lab:
    """A connection to one Sent account: ``api`` (blocking client), ``aapi`` (async client).

    Frames, metrics and reports are added on top of these two by the layers above; ``Lab``
    itself only knows where it is connected.

    >>> lab = sentlab.connect()
    >>> lab
    <Lab base_url='http://simulator.sentlab.invalid' account='Acme' (organization) profile=None · simulator>
    """

    def __init__(
        self, api: SentClient, *, source: str, world: Any = None, make_aapi: Any = None
    ) -> None:
        self.api = api
        self._make_aapi = make_aapi  # a closure: it holds the key without showing it in vars(lab)
        self.source = source  # where the key came from, or "simulator"
        self.world = world  # the simulator's world (ground truth) when connected to it in-process
        self._aapi: AsyncSentClient | None = None

    @property
    def aapi(self) -> AsyncSentClient:
        """The async client, for ``await`` in a notebook; it shares the rate budget with ``api``.

        >>> me = await lab.aapi.me()
        """
        if self._aapi is None:
            self._aapi = self._make_aapi()
        return self._aapi

    @property
    def simulated(self) -> bool:
        """True when this lab talks to the built-in simulator in-process."""
        return self.source == "simulator"

    def __repr__(self) -> str:
        suffix = " · simulator" if self.simulated else ""
        return f"<Lab {describe(self.api.aio)}{suffix}>"

    def close(self) -> None:
        """Close the connection pools."""
        self.api.close()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(
    api_key: str | None = None,
    *,
    base_url: str | None = None,
    profile_id: str | None = None,
    demo: bool = False,
    progress: bool | None = None,
    pacing: Pacing | None = DEFAULT_PACING,
    retries: Retries = DEFAULT_RETRIES,
    limits: Limits = DEFAULT_LIMITS,
    transport: httpx.AsyncBaseTransport | None = None,
    check: bool = True,
) -> Lab:
    """Connect to the Sent API (or to the built-in simulator) and return a :class:`Lab`.

    The key comes from ``api_key``, else ``SENT_DM_API_KEY``, else ``SENT_API_KEY``, else a
    ``.env`` file in the working directory; the base URL from ``base_url``, else
    ``SENT_BASE_URL``, else https://api.sent.dm. With neither a key nor a base URL (or with
    ``demo=True``) it connects in-process to the simulator's demo account and says so on
    stderr. A base URL without a key is an error, never a silent switch to the simulator.
    ``check=True`` asks ``/v3/me`` at once, so a wrong key or URL fails here, clearly.

    >>> lab = sentlab.connect()                                   # demo account, offline
    >>> lab = sentlab.connect(api_key="sk_live_...", profile_id="660e8400-e29b-41d4-a716-446655440001")
    """
    world = None
    if demo:
        key, source, url = None, "simulator", None
    else:
        key, source = resolve_api_key(api_key)
        url, url_source = resolve_base_url(base_url)
        if key is None and url is None:
            source = "simulator"
        elif key is None:
            raise ConfigurationError(
                f"a base URL is set ({url_source}: {url}) but no API key: pass connect(api_key=...) "
                "or set SENT_DM_API_KEY; sentlab never falls back to the simulator silently "
                "(connect(demo=True) asks for it)"
            )
    if source == "simulator":
        from .simulator import create_app, demo_world, in_process_transport

        world = demo_world()
        transport = in_process_transport(create_app(world))
        key, url = world.org_key, SIMULATOR_BASE_URL
        print(DEMO_NOTICE, file=sys.stderr)
    key = check_api_key(key)
    options: dict[str, Any] = dict(
        base_url=url or DEFAULT_BASE_URL,
        profile_id=profile_id,
        transport=transport,
        retries=retries,
        limits=limits,
        progress=progress,
    )
    api = SentClient(key, pacing=pacing, **options)
    # Its own connection pool (a pool belongs to one event loop), the same rate budget.
    lab = Lab(api, source=source, world=world,
              make_aapi=lambda: AsyncSentClient(key, limiter=api.aio.limiter, **options))
    if check:
        api.me()
    return lab
