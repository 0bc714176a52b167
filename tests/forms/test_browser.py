"""The forms in a real JupyterLab, driven by headless Chromium: what a person sees and clicks.

JupyterLab runs on loopback (127.0.0.1, a free port, a token), the forms notebook is Run All in
the page, then both forms are filled and clicked and what they render is checked. Screenshots go
to ``$SENTLAB_ARTIFACTS`` (default ``artifacts/``, ignored by git) under ``browser-forms/``.
Chromium is Debian's (``apt-get install chromium``; ``$SENTLAB_CHROMIUM`` names another binary),
never a browser download; without it the test skips and says so. Every request the page makes
to a host other than 127.0.0.1 is refused.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from tests.kit import CHROMIUM, CHROMIUM_FLAGS, artifacts, browser_missing

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03-forms.ipynb"
SERVER_CONFIG = """\
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"
c.LabApp.expose_app_in_browser = True
"""
# JupyterLab's settings: every cell in the page's DOM (no virtual scrolling), so the test sees the
# whole notebook; no news or update prompt.
LAB_SETTINGS = {
    "notebook-extension/tracker": '{"windowingMode": "none"}',
    "apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}',
}
RUN_ALL_SECONDS = 90
# True when an element's text is laid out on one line.
ONE_LINE = """(el) => { const range = document.createRange(); range.selectNodeContents(el);
                        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size === 1; }"""

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def jupyter_lab(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab on 127.0.0.1 serving a copy of the forms notebook; yields the notebook's URL."""
    reason = browser_missing("the forms", "jupyterlab")
    if reason:
        pytest.skip(reason)
    root, home = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    (home / "config").mkdir(parents=True)
    (home / "config" / "jupyter_server_config.py").write_text(SERVER_CONFIG)
    for name, value in LAB_SETTINGS.items():
        settings = home / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(value)
    env = {k: v for k, v in os.environ.items() if k not in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        SENTLAB_CACHE_DIR=str(tmp_path / "store"), JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        JUPYTER_PLATFORM_DIRS="1",
    )  # fmt: skip
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={root}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/status", params={"token": token}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'jupyterlab.log').read_text()[-3000:]}")
            time.sleep(0.3)
        yield f"{base}/lab/tree/{NOTEBOOK.name}?token={token}"
    finally:
        server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
        log.close()


def _loopback_only(route: Any) -> None:
    if urlparse(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    else:
        route.abort()


def _cut_labels(form: Any) -> list[str]:
    """Labels of the form's visible buttons and check boxes that do not fit (their text is cut)."""
    return form.evaluate("""(root) => [...root.querySelectorAll('button, .widget-checkbox label')]
        .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
        .map((el) => el.innerText)""")


def test_the_forms_in_jupyterlab(jupyter_lab, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = artifacts("browser-forms")
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.set_default_timeout(30_000)
            expect.set_options(timeout=30_000)
            page.route("**/*", _loopback_only)
            page.goto(jupyter_lab)
            # Run All once the notebook and its kernel are ready.
            page.wait_for_function("""() => {
                const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const session = panel && panel.sessionContext && panel.sessionContext.session;
                return session && session.kernel && session.kernel.connectionStatus === 'connected'
                    && session.kernel.status === 'idle';
            }""", timeout=60_000)  # fmt: skip
            kernel_ready = time.monotonic() - started
            page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
            page.wait_for_function("""() => {
                const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                return prompts.length > 0 && prompts.every((p) => /\\[\\d+\\]/.test(p.innerText));
            }""", timeout=RUN_ALL_SECONDS * 1000)  # fmt: skip
            assert not page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
            run_all = time.monotonic() - started

            # -- the send form: what code set is shown; typing is checked at once; clicks -------
            send = page.locator(".sentlab-send-form").nth(0)
            send.scroll_into_view_if_needed()
            to = send.locator("textarea")
            fields = send.locator(".widget-text input")
            assert to.input_value() == "+14155550123, 4155550124, +1415555"  # set from code
            assert [fields.nth(i).input_value() for i in range(fields.count())] == ["Ada", "A-1001"]
            status = send.locator(".widget-html").filter(has_text="ready")
            expect(status).to_contain_text("4155550124")
            page.screenshot(path=str(shots / "send-form-after-run-all.png"), full_page=False)
            send.screenshot(path=str(shots / "send-form-set-from-code.png"))

            to.fill("")
            to.press_sequentially("+1415555019", delay=15)
            expect(send).to_contain_text("is too short")  # checked while typing, focus still in the box
            to.press_sequentially("9", delay=15)
            expect(send).to_contain_text("1 number ready")
            assert send.evaluate("(root) => root.contains(document.activeElement)")
            fields.nth(0).fill("Grace")

            validate = send.get_by_role("button", name="Validate (sandbox)")
            output = send.locator(".widget-output")
            validate.click()
            expect(output).to_contain_text("Validated in the sandbox")
            expect(output).to_contain_text("'Grace'")
            validate.dblclick()  # the second click must not hide the first result
            expect(output).to_contain_text("Already validated at")
            expect(output).to_contain_text("Validated in the sandbox: 1 message would be sent")
            assert "call new_send()" not in output.inner_text()
            assert _cut_labels(send) == []
            send.screenshot(path=str(shots / "send-form-double-click.png"))

            send.get_by_role("button", name="History").click()
            expect(output).to_contain_text("made by this form")
            expect(output).to_contain_text("name=Grace")  # the rows, drawn after the heading
            expect(output).to_contain_text("name=Ada")
            history = output.inner_text().replace("\u2011", "-").replace("\xa0", " ")  # kept unbroken
            assert "name=Grace, order_id=A-1001" in history and "name=Ada, order_id=A-1001" in history
            assert "sandbox" in history and re.search(r"\d\d:\d\d:\d\d UTC", history)
            rows = output.locator("table.dataframe tbody tr")
            assert rows.count() == 2 and all(  # each time on one line: no wrap inside it
                rows.nth(i).locator("td").first.evaluate(ONE_LINE)
                for i in range(2))
            assert not re.search(r"\d\d:\d\d:\d\d\.\d", history)  # seconds, never microseconds
            assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", history)  # short ids, no full uuid
            send.screenshot(path=str(shots / "send-form-history.png"))

            # -- the live form: confirmed from code, shown; its Confirm label fits ----------------
            live = page.locator(".sentlab-send-form").nth(1)
            live.scroll_into_view_if_needed()
            expect(live.locator(".widget-output")).to_contain_text("Sent 1 message")
            live.locator(".widget-text input").nth(1).fill("B-2003")
            live.get_by_role("button", name="Send…").click()
            expect(live.locator(".widget-output")).to_contain_text("Confirm to send: LIVE")
            expect(live.get_by_role("button", name="Confirm live send")).to_be_visible()
            assert _cut_labels(live) == []
            live.screenshot(path=str(shots / "live-form-confirm.png"))
            live.get_by_role("button", name="Cancel").click()
            expect(live.locator(".widget-output")).to_contain_text("Cancelled: nothing was sent.")

            # -- the lookup form: the lookup from code, then one number as a card ---------------
            lookup = page.locator(".sentlab-lookup-form")
            lookup.scroll_into_view_if_needed()
            expect(lookup.locator(".widget-output")).to_contain_text("3 numbers looked up; 1 invalid")
            numbers = lookup.locator("textarea")
            numbers.fill("")
            numbers.press_sequentially("+14155550123", delay=10)
            expect(lookup).to_contain_text("1 number ready")
            lookup.get_by_role("button", name="Look up").click()
            card = lookup.locator("table.sentlab-card")
            expect(card).to_be_visible()
            expect(card).to_contain_text("Carrier")
            expect(card).to_contain_text("Line type")
            expect(card).to_contain_text("+14155550123")
            assert not lookup.locator("table.dataframe").count()
            form_box, card_box = lookup.bounding_box(), card.bounding_box()
            assert card_box["width"] <= form_box["width"]  # the card fits in the form
            assert _cut_labels(lookup) == []
            lookup.screenshot(path=str(shots / "lookup-form-card.png"))
            page.screenshot(path=str(shots / "jupyterlab.png"))
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    print(f"browser test: page and kernel ready {kernel_ready:.1f} s, Run All done {run_all:.1f} s, "
          f"whole {elapsed:.1f} s; screenshots in {shots}")
    assert elapsed < 120
