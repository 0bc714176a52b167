"""``sentlab.connect()``: where the key and base URL come from, the demo fallback, the shared pacing budget; it returns a ``Lab``.

>>> lab = sentlab.connect()                 # no key, no base URL: the built-in simulator's demo account
>>> lab.simulated
True
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

from ._blocking_client import SentClient
from ._client import AsyncSentClient
from ._config import (
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    DEFAULT_PACING,
    DEFAULT_RETRIES,
    Limits,
    Pacing,
    Retries,
    check_api_key,
    check_base_url,
    mask_keys,
    resolve_api_key,
    resolve_base_url,
)
from ._demo import DEMO_KEY, DEMO_NOTICE, SIMULATOR_BASE_URL, _DemoAccount, _DemoTransport
from ._errors import ConfigurationError, Secret
from ._session import Lab

__all__ = ["connect"]


def connect(
    api_key: str | Secret | None = None,
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
    store: bool = True,
    cache_dir: str | Path | None = None,
    list_ttl: float | None = None,
    record_ttl: float | None = None,
) -> Lab:
    """Connect to the Sent API (or to the built-in simulator) and return a :class:`Lab`.

    The key comes from ``api_key``, else ``SENT_DM_API_KEY``, else ``SENT_API_KEY``, else a
    ``.env`` file in the working directory; the base URL from ``base_url``, else
    ``SENT_BASE_URL``, else https://api.sent.dm. With neither a key nor a base URL (or with
    ``demo=True``) it connects in-process to the simulator's demo account and says so on
    stderr. A base URL without a key is an error, never a silent switch to the simulator.
    ``check=True`` asks ``/v3/me`` at once, so a wrong key or URL fails here, clearly.
    Frames go through a local store under the user's cache directory (``cache_dir`` moves
    it, ``store=False`` turns it off), so re-running a cell re-downloads only what can change.
    ``list_ttl`` (seconds, default 900) is how long a stored list is used with no request,
    ``record_ttl`` (default 3600) how long a per-record answer (a lookup, a summary, details
    that may still change) is. ``progress=False`` turns progress bars off.

    >>> lab = sentlab.connect()                                   # demo account, offline
    >>> lab = sentlab.connect(api_key="sk_live_...", profile_id="660e8400-e29b-41d4-a716-446655440001")  # doctest: +SKIP
    >>> lab = sentlab.connect(list_ttl=60, record_ttl=0)           # lists for a minute, records never
    """
    ttls = {name: _check_ttl(name, value) for name, value in (("list_ttl", list_ttl), ("record_ttl", record_ttl))
            if value is not None}  # fmt: skip
    # Rebound at once: a traceback's locals (IPython verbose, pytest -l) show Secret('***').
    api_key = None if api_key is None else check_api_key(api_key)
    if demo:
        key, source, url = None, "simulator", None
    else:
        key, source = resolve_api_key(api_key)
        url, url_source = resolve_base_url(base_url)
        if url is not None:
            url = check_base_url(url, "base_url" if url_source == "argument" else url_source)
        if key is None and url is None:
            source = "simulator"
        elif key is None:
            raise ConfigurationError(
                f"a base URL is set ({url_source}: {mask_keys(url)}) but no API key: pass connect(api_key=...) "
                "or set SENT_DM_API_KEY; sentlab never falls back to the simulator silently "
                "(connect(demo=True) asks for it)"
            )
    demo = None
    if source == "simulator":
        # The in-process demo answers at machine speed: the API's 200 requests/minute would
        # make a first look at the demo account take minutes. Rate limiting is exercised by
        # `sentlab simulate` (limits on by default) and the tests.
        demo = transport = _DemoTransport()
        if pacing is DEFAULT_PACING:
            pacing = None
        key, url = DEMO_KEY, SIMULATOR_BASE_URL
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
    # With a store, the processes using this key share one pacing budget through its directory.
    limiter = None
    if store and pacing is not None:
        from ._ratelimit import Limiter, SharedBudget
        from ._store import default_store_dir

        directory = Path(cache_dir) if cache_dir is not None else default_store_dir()
        limiter = Limiter(pacing, shared=SharedBudget(directory, options["base_url"], key))
    api = SentClient(key, pacing=pacing, limiter=limiter, **options)
    # Its own connection pool (a pool belongs to one event loop), the same rate budget.
    lab = Lab(api, source=source, world=demo, store=store, cache_dir=cache_dir, ttls=ttls,
              make_aapi=lambda: AsyncSentClient(key, limiter=api.aio.limiter, **options))
    memo = _DemoAccount(cache_dir) if demo is not None and store else None
    if memo is not None and (account := memo.read()) is not None:
        api.aio.account = account  # today's demo account, as /v3/me answered it: no world to build
    elif check:
        account = api.me()
        if memo is not None:
            memo.write(account)
    return lab


def _check_ttl(name: str, value: object) -> float:
    # A bool is an int to Python, never a number of seconds here.
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ConfigurationError(f"{name} must be a number of seconds, 0 or more (e.g. {name}=900), not {value!r}")
    return float(value)
