"""The assembled simulator in-process and over loopback, and ``sentlab simulate`` as a process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sentlab.simulator import (
    Faults,
    SimulatorConfig,
    create_app,
    in_process_transport,
    running_server,
)

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
EDGE_HEADERS = ("x-request-id", "x-response-time", "x-api-version",
                "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


@pytest.fixture(scope="module")
def world(make_world):
    return make_world(seed=7, contacts=120, messages=200, profiles=3, at=None)


def test_create_app_exposes_its_world_and_config(world):
    config = SimulatorConfig(rate_limits=None)
    app = create_app(world, config)
    assert app.world is world
    assert app.config is config
    assert create_app(world).config == SimulatorConfig()


def test_in_process_transport_serves_the_real_routes(world):
    app = create_app(world)

    async def go():
        async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sim") as client:
            return await client.get("/v3/me", headers={"x-api-key": world.org_key})

    response = asyncio.run(go())
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.headers["x-request-id"] == response.json()["meta"]["request_id"]
    for name in EDGE_HEADERS:
        assert name in response.headers


def test_real_routes_errors_carry_edge_headers_and_matching_ids(world):
    app = create_app(world)

    async def go():
        async with httpx.AsyncClient(transport=in_process_transport(app), base_url="http://sim") as client:
            return [
                await client.get("/v3/me"),
                await client.get("/v3/me", headers={"x-api-key": "sk_wrong"}),
                await client.get("/v3/contacts", params={"page_size": 500}, headers={"x-api-key": world.org_key}),
            ]

    for response in asyncio.run(go()):
        assert response.status_code in (400, 401)
        assert response.json()["meta"]["request_id"] == response.headers["x-request-id"]
        for name in EDGE_HEADERS:
            assert name in response.headers


def test_running_server_answers_real_http_and_stops_cleanly(world):
    server = running_server(world, SimulatorConfig(rate_limits=None))
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.world is world
        assert server.org_key == world.org_key
        assert server.profile_keys == dict(world.profile_keys)
        response = httpx.get(f"{server.base_url}/v3/me", headers={"x-api-key": server.org_key}, timeout=5)
        assert response.status_code == 200
        assert response.headers["x-api-version"] == "v3"
        thread = server._thread
    assert not thread.is_alive()
    server.stop()  # idempotent
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/v3/me", timeout=2)


def test_the_listening_socket_lets_asyncio_disable_nagle(world):
    # asyncio sets TCP_NODELAY only on sockets whose proto is IPPROTO_TCP; accepted sockets inherit
    # it. Without it, Nagle and delayed ACKs add ~40 ms to every kept-alive response.
    with running_server(world, SimulatorConfig(rate_limits=None)) as server, httpx.Client(
        base_url=server.base_url, headers={"x-api-key": server.org_key}, timeout=5
    ) as client:
        assert server._socket.proto == socket.IPPROTO_TCP
        for _ in range(3):  # kept-alive requests work
            client.get("/v3/me").raise_for_status()


def test_two_servers_get_different_free_ports(world):
    with running_server(world) as a, running_server(world) as b:
        assert a.port != b.port


def test_only_loopback_addresses(world):
    with pytest.raises(ValueError, match="loopback"):
        running_server(world, host="0.0.0.0")


def test_a_dropped_connection_over_a_real_socket_is_a_transport_error(world):
    config = SimulatorConfig(rate_limits=None, faults=Faults(drop=1.0))
    with running_server(world, config) as server, pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{server.base_url}/v3/me", headers={"x-api-key": server.org_key}, timeout=5)


def test_truncated_and_html_bodies_over_a_real_socket(world):
    with running_server(world, SimulatorConfig(rate_limits=None, faults=Faults(truncate=1.0))) as server:
        response = httpx.get(f"{server.base_url}/v3/me", headers={"x-api-key": server.org_key}, timeout=5)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()
    with running_server(world, SimulatorConfig(rate_limits=None, faults=Faults(html=1.0))) as server:
        response = httpx.get(f"{server.base_url}/v3/me", headers={"x-api-key": server.org_key}, timeout=5)
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")


def test_importing_the_simulator_builds_nothing():
    code = ("import sys, sentlab.simulator as s; "
            "print(sorted(m for m in sys.modules if m.startswith('sentlab.simulator.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def _simulate(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "sentlab", "simulate", "--port", "0", "--contacts", "60", "--messages", "80", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_cli_simulate_json_serves_until_interrupted(stop_signal):
    process = _simulate("--json", "--latency", "5ms")
    try:
        line = process.stdout.readline()
        assert line, process.stderr.read()
        announced = json.loads(line)
        assert set(announced) == {"base_url", "api_key", "profile_keys"}
        assert len(announced["profile_keys"]) == 3
        response = httpx.get(f"{announced['base_url']}/v3/me", headers={"x-api-key": announced["api_key"]},
                             timeout=5)
        assert response.status_code == 200
        profile_key = next(iter(announced["profile_keys"].values()))
        assert httpx.get(f"{announced['base_url']}/v3/me", headers={"x-api-key": profile_key},
                         timeout=5).status_code == 200
        started = time.monotonic()
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - started < 5
        assert "Traceback" not in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_simulate_prints_url_and_keys_for_people():
    process = _simulate("--rate-limit", "off")
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert "Sent v3 simulator at http://127.0.0.1:" in lines[0]
        assert "organization key" in lines[1]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("args", [["--rate-limit", "fast"], ["--latency", "80"], ["--faults", "teapot=1"]])
def test_cli_rejects_bad_options(args, capsys):
    from sentlab.cli import main

    assert main(["simulate", *args]) == 2
    assert "sentlab simulate:" in capsys.readouterr().err


def test_cli_without_a_command_prints_help(capsys):
    from sentlab.cli import main

    assert main([]) == 2
    assert "simulate" in capsys.readouterr().out
