"""A faithful offline simulator of the Sent v3 API over a deterministic synthetic world.

In-process, for tests and the offline default (no port)::

    >>> import httpx
    >>> from sentlab.simulator import create_app, in_process_transport
    >>> app = create_app()                     # the demo world, documented limits
    >>> async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sim") as client:
    ...     response = await client.get("/v3/me", headers={"x-api-key": app.world.org_key})
    >>> response.json()["data"]["name"]
    'Acme Corporation'

On a loopback port, for any HTTP client (the official ``sentdm`` SDK included)::

    >>> from sentlab.simulator import running_server
    >>> with running_server() as server:
    ...     httpx.get(server.base_url + "/v3/me", headers={"x-api-key": server.org_key}).status_code
    200

Names are imported lazily: importing this package builds nothing and starts nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._clock import SimClock
    from ._params import WorldParams
    from ._server import ServerHandle, create_app, in_process_transport, running_server
    from ._settings import Faults, RateLimits, SimulatorConfig
    from ._world import World, build_world, demo_world

# public name -> private module that defines it
_EXPORTS: dict[str, str] = {
    "World": "sentlab.simulator._world",
    "WorldParams": "sentlab.simulator._params",
    "build_world": "sentlab.simulator._world",
    "demo_world": "sentlab.simulator._world",
    "SimClock": "sentlab.simulator._clock",
    "SimulatorConfig": "sentlab.simulator._settings",
    "RateLimits": "sentlab.simulator._settings",
    "Faults": "sentlab.simulator._settings",
    "create_app": "sentlab.simulator._server",
    "running_server": "sentlab.simulator._server",
    "ServerHandle": "sentlab.simulator._server",
    "in_process_transport": "sentlab.simulator._server",
}

__all__ = [
    "Faults",
    "RateLimits",
    "ServerHandle",
    "SimClock",
    "SimulatorConfig",
    "World",
    "WorldParams",
    "build_world",
    "create_app",
    "demo_world",
    "in_process_transport",
    "running_server",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sentlab.simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
