"""The blocking client in every context an analyst uses: a script, a running event loop, a widget
callback, a real Jupyter kernel; and Ctrl-C cancelling in-flight requests while keeping what was fetched."""

from __future__ import annotations

import _thread
import asyncio
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import sentlab
from sentlab import AsyncSentClient, Limits, SentClient
from sentlab._blocking_client import SYNC_METHODS

from .fakeapi import KEY, FakeAPI

ROOT = Path(__file__).resolve().parents[2]


def test_the_sync_client_has_every_async_method_with_the_same_signature():
    assert {"contacts", "messages_details", "lookup_numbers", "send", "webhook_events", "me"} <= set(SYNC_METHODS)
    for name in SYNC_METHODS:
        sync, aio = getattr(SentClient, name), getattr(AsyncSentClient, name)
        assert inspect.signature(sync) == inspect.signature(aio)
        assert not inspect.iscoroutinefunction(sync)
        assert "await " not in (sync.__doc__ or "")


def test_sync_api_in_a_plain_script(make_sync):
    with make_sync() as client:
        assert len(client.contacts()) == 250
        assert client.me()["name"] == "Acme"


def test_sync_api_inside_a_running_event_loop(make_sync):
    """What a Jupyter cell is: code running while the kernel's loop runs."""
    client = make_sync()

    async def cell() -> int:
        return len(client.contacts())

    assert asyncio.run(cell()) == 250
    client.close()


def test_sync_api_inside_an_ipywidgets_button_callback(make_sync):
    ipywidgets = pytest.importorskip("ipywidgets")
    client = make_sync()
    pulled: list[int] = []
    button = ipywidgets.Button(description="Pull contacts")
    button.on_click(lambda _: pulled.append(len(client.contacts())))

    async def kernel_loop() -> None:  # widget callbacks run on the kernel's loop
        button.click()

    asyncio.run(kernel_loop())
    assert pulled == [250]
    client.close()


def test_importing_sentlab_patches_nothing():
    code = textwrap.dedent("""
        import asyncio, sys, threading
        before = (asyncio.run, asyncio.get_event_loop, asyncio.BaseEventLoop.run_until_complete, threading.active_count())
        import sentlab, sentlab._client, sentlab._blocking_client, sentlab._session
        after = (asyncio.run, asyncio.get_event_loop, asyncio.BaseEventLoop.run_until_complete, threading.active_count())
        assert before == after, (before, after)
        assert "nest_asyncio" not in sys.modules
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_ctrl_c_cancels_in_flight_requests_within_a_second_and_keeps_the_partial(make_sync):
    api = FakeAPI(contacts=6000, latency=0.25)  # 60 pages, 2 at a time: ~7 s if not interrupted
    client = make_sync(api, limits=Limits(concurrency=2))
    timer = threading.Timer(0.9, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt) as info:
        client.contacts()
    stopped = time.monotonic()
    interrupted_at = stopped  # the wait below shows nothing more is sent
    sent = len(api.requests)
    time.sleep(0.4)
    assert len(api.requests) == sent and api.in_flight == 0
    partial = client.last_partial
    assert 100 <= len(partial) < 6000
    assert [c["id"] for c in partial] == [r["id"] for r in api._rows[: len(partial)]] or len(partial) % 100 == 0
    assert "client.last_partial" in " ".join(getattr(info.value, "__notes__", []))
    assert interrupted_at - stopped < 1.0
    assert client.me()["name"] == "Acme"  # still usable afterwards
    client.close()


def test_ctrl_c_in_a_script_stops_within_a_second(tmp_path):
    script = tmp_path / "pull.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from sentlab import SentClient
        from sentlab import Limits
        from tests.client.fakeapi import KEY, FakeAPI

        api = FakeAPI(contacts=20000, latency=0.3)
        client = SentClient(KEY, base_url="https://api.test", transport=api.transport(), pacing=None,
                            progress=False, limits=Limits(concurrency=4))
        print("ready", flush=True)
        try:
            client.contacts()
        except KeyboardInterrupt:
            print(f"interrupted partial={len(client.last_partial)}", flush=True)
            sys.exit(130)
    """))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - sent < 1.5, err
    assert proc.returncode == 130, err
    assert int(out.strip().rsplit("=", 1)[1]) >= 100


@pytest.mark.kernel
def test_a_real_jupyter_kernel_runs_the_sync_api_and_its_stop_button_interrupts(tmp_path):
    """A real ipykernel: connect() and a sync call in a cell; then an interrupt mid-pull keeps the partial."""
    pytest.importorskip("jupyter_client")
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        def run(code: str, timeout: float = 20) -> dict:
            msg_id = kc.execute(code)
            outputs = []
            while True:
                msg = kc.get_iopub_msg(timeout=timeout)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] in ("stream", "execute_result", "error"):
                    outputs.append(msg["content"])
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return {"outputs": outputs, "reply": kc.get_shell_msg(timeout=timeout)["content"]}

        setup = run(textwrap.dedent("""
            import sentlab
            from sentlab import Limits
            from tests.client.fakeapi import KEY, FakeAPI
            api = FakeAPI(contacts=30000, latency=0.3)
            lab = sentlab.connect(KEY, base_url="https://api.test", transport=api.transport(), pacing=None,
                                  limits=Limits(concurrency=4))
            print(len(lab.api.webhooks()), repr(lab))
        """))
        text = "".join(o.get("text", "") for o in setup["outputs"])
        assert setup["reply"]["status"] == "ok", setup
        assert text.startswith("2 <Lab") and KEY not in text

        # stop_on_error=False: the kernel would otherwise abort the next cell if it arrives while
        # the interrupt's error is still being handled (as a busy CI machine makes likely)
        msg_id = kc.execute("rows = lab.api.contacts()", stop_on_error=False)
        time.sleep(3.0)  # well inside the ~20 s pull, even on a loaded machine
        km.interrupt_kernel()
        interrupted = time.monotonic()
        while True:
            msg = kc.get_shell_msg(timeout=10)
            if msg["parent_header"].get("msg_id") == msg_id:
                break
        # the cancel itself takes well under a second; the rest of the budget is the kernel's round trip
        assert time.monotonic() - interrupted < 2.0
        assert msg["content"]["status"] == "error" and msg["content"]["ename"] == "KeyboardInterrupt"
        after = run("print(len(lab.api.last_partial or []), len(api.requests), api.in_flight)")
        assert after["reply"]["status"] == "ok", after
        partial, requests, in_flight = map(int, "".join(o.get("text", "") for o in after["outputs"]).split())
        assert partial >= 100 and in_flight == 0
        again = run("import time; time.sleep(0.5); print(len(api.requests))")
        assert int("".join(o.get("text", "") for o in again["outputs"])) == requests  # nothing sent after the stop
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_sync_methods_called_from_sentlabs_own_loop_fail_clearly(make_sync):
    client = make_sync()

    async def inside() -> None:
        client.me()

    with pytest.raises(RuntimeError, match="own event loop"):
        client._runner.run(inside())
    client.close()


def test_connect_with_a_transport_builds_a_lab(make_sync, fake):
    lab = sentlab.connect(KEY, base_url="https://api.test", transport=fake.transport(), pacing=None)
    assert lab.api.account["name"] == "Acme"
    assert "Acme" in repr(lab) and KEY not in repr(lab)

    async def use_async() -> int:
        return len(await lab.aapi.contacts())

    assert asyncio.run(use_async()) == 250
    assert lab.aapi.limiter is lab.api.aio.limiter
    lab.close()


@pytest.mark.kernel
def test_a_notebook_runs_connect_and_sync_calls_with_progress_through_nbclient():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import sentlab\nlab = sentlab.connect(demo=True)\nlab"),
        nbformat.v4.new_code_cell("contacts = lab.api.contacts(all_profiles=True)\nlen(contacts) > 0"),
        nbformat.v4.new_code_cell("out = lab.api.lookup_numbers([c['phone_number'] for c in contacts[:10]])\nout"),
        nbformat.v4.new_code_cell("me = await lab.aapi.me()\nme['type']"),
    ]
    client = nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute()
    results = [
        "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs if o.output_type == "execute_result")
        for cell in notebook.cells
    ]
    assert "· simulator" in results[0]
    assert results[1] == "True"
    assert results[2] == "FanOutResult(10 results, 0 failures)"
    assert results[3] == "'organization'"
    errors = [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
    assert not errors
