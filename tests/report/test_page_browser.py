"""The report's HTML page in headless Chromium: what a person sees, at 1280 and 800 px wide.

The demo account's report and an empty window's are saved to files, opened with ``file://`` and
looked at: title and tiles visible, every figure loaded, nothing wider than the page (a wide table
scrolls in its own box), each collapsed table opens on a click, the sections present, SMS without a
read rate, amounts in words of their currency, the empty page plain. Full-page screenshots go to
``$SENTLAB_ARTIFACTS`` (default ``artifacts/``, ignored by git) under ``browser-report/``.
Chromium is Debian's (``apt-get install chromium``; ``$SENTLAB_CHROMIUM`` names another binary),
never a browser download; without it the test skips and says so. Every request the page makes
for something other than a file is refused.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

import sentlab
from tests.kit import CHROMIUM, CHROMIUM_FLAGS, artifacts, browser_missing

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ["Volume", "Comparisons", "What changed", "Latency", "Replies", "Voice", "Account"]
WIDTHS = (1280, 800)
# Elements (other than what scrolls inside a .scroll box) whose right edge is past the viewport.
OVERFLOWING = """() => [...document.querySelectorAll('.sentlab-report *')]
    .filter((el) => !el.closest('.scroll') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((el) => el.tagName + ' ' + (el.innerText || '').slice(0, 60))"""

pytestmark = pytest.mark.browser


def _files_only(route: Any) -> None:
    if urlparse(route.request.url).scheme in ("file", "data"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def pages(tmp_path: Path) -> dict[str, Path]:
    """The demo report and an empty window's report, saved as HTML files."""
    reason = browser_missing("the report page")
    if reason:
        pytest.skip(reason)
    with sentlab.connect(cache_dir=tmp_path / "store", progress=False) as lab:
        demo = lab.report().save(tmp_path / "demo.html")
        empty = lab.report(since="2020-01-01", until="2020-01-02").save(tmp_path / "empty.html")
    return {"demo": Path(demo), "empty": Path(empty)}


def _check_demo(page: Any, width: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_have_text("Delivery & cost report")
    tiles = page.locator(".tiles").first.locator(".tile")
    assert tiles.count() >= 8
    for i in range(tiles.count()):
        expect(tiles.nth(i)).to_be_visible()
        assert tiles.nth(i).locator(".value").inner_text().strip()
    assert page.locator("figure img").count() >= 5
    unloaded = page.evaluate("""() => [...document.querySelectorAll('figure img')]
        .filter((img) => !img.complete || img.naturalWidth === 0).map((img) => img.alt)""")
    assert unloaded == []
    headings = page.locator("h2").all_inner_texts()
    assert [s for s in SECTIONS if s not in headings] == []

    # SMS has no read receipts: its read-rate cell says so, never a percentage
    by_channel = page.locator("h2:text-is('By channel') ~ table, h2:text-is('By channel') ~ * table").first
    head = by_channel.locator("th").all_inner_texts()
    sms = by_channel.locator("tbody tr").filter(has=page.locator("td:first-child:text-is('sms')"))
    read = sms.locator("td").nth(head.index("read rate")).inner_text()
    assert "no read receipts" in read and "%" not in read
    body = page.locator("body").inner_text()
    assert "amounts in the account's billing currency" in body.lower()

    # nothing wider than the page; a table wider than its box scrolls inside it
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING) == []
    boxes = page.evaluate("""() => [...document.querySelectorAll('table')].map((t) =>
        [t.closest('.scroll') !== null, t.closest('.scroll') && t.closest('.scroll').clientWidth <= window.innerWidth])""")
    assert boxes and all(inside and fits for inside, fits in boxes)

    # a range in a cell stays on one line ("86.4%–89.0%" never broken after the dash)
    broken = page.evaluate("""() => [...document.querySelectorAll('td .nb')].filter((el) =>
        new Set([...el.getClientRects()].map((r) => Math.round(r.top))).size > 1).map((el) => el.innerText)""")
    assert broken == []

    # each collapsed table opens on a click and shows all its rows
    details = page.locator("details")
    assert details.count() >= 3
    for i in range(details.count()):
        fold = details.nth(i)
        summary = fold.locator("summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        assert fold.evaluate("(d) => d.open")
        rows = fold.locator("tbody tr")
        expect(rows.last).to_be_visible()
        text = summary.inner_text()
        if text.startswith("All "):
            assert rows.count() == int(text.split()[1].replace(",", ""))


def _check_empty(page: Any, width: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("h1")).to_have_text("Delivery & cost report")
    expect(page.locator("p.empty")).to_have_text(
        "No messages: no message was created in this window, so there is nothing to report.")
    expect(page.locator("p.empty")).to_be_visible()
    assert page.locator(".tile, figure, details").count() == 0
    headings = page.locator("h2").all_inner_texts()
    assert "Volume" not in headings and "By channel" not in headings
    # every section left (the account's, not the window's) has something under it
    empty_sections = page.evaluate("""() => [...document.querySelectorAll('h2')].filter((h) => {
        const next = h.nextElementSibling; return !next || next.tagName === 'H2'; }).map((h) => h.innerText)""")
    assert empty_sections == []
    assert "No data." not in page.locator("body").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_report_page_in_chromium(pages):
    from playwright.sync_api import expect, sync_playwright

    shots = artifacts("browser-report")
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            expect.set_options(timeout=10_000)
            for width in WIDTHS:
                for name, path in pages.items():
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.set_default_timeout(10_000)
                    page.route("**/*", _files_only)
                    page.goto(path.as_uri())
                    page.wait_for_load_state("load")
                    page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
                    (_check_demo if name == "demo" else _check_empty)(page, width)
                    if name == "demo":  # every table unfolded, as a reader who opened them sees it
                        page.screenshot(path=str(shots / f"{name}-{width}-open.png"), full_page=True)
                    page.close()
        finally:
            browser.close()
    elapsed = time.monotonic() - started
    print(f"report page in Chromium: {elapsed:.1f} s; screenshots in {shots}")
    assert elapsed < 60
