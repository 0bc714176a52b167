"""Progress: one bar per call in a notebook, one plain line on a terminal for slow work, and the switches that turn it off."""

from __future__ import annotations

import io
import sys
from typing import ClassVar

import pytest

import sentlab
from sentlab import _progress
from sentlab._progress import Bar, Display, one_display
from tests.kit import ManualClock


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class FakeWidget:
    """Stands in for tqdm.auto's notebook widget; records every one made."""

    made: ClassVar[list[FakeWidget]] = []

    def __init__(self, *, total, initial, desc, unit):
        self.total, self.n, self.desc, self.unit = total, initial, desc, unit
        self.postfix = None
        self.closed = False
        FakeWidget.made.append(self)

    def update(self, n):
        self.n += n

    def refresh(self):
        pass

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def close(self):
        self.closed = True


@pytest.fixture
def demo_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("SENTLAB_PROGRESS", raising=False)
    lab = sentlab.connect(demo=True)
    yield lab
    lab.close()


@pytest.fixture
def notebook(monkeypatch):
    FakeWidget.made = []
    monkeypatch.setattr(_progress, "in_notebook", lambda: True)
    monkeypatch.setattr(_progress, "notebook_bar", FakeWidget)
    monkeypatch.setattr(_progress, "MIN_REQUESTS_FOR_BAR", 2)  # the demo's profiles hold a few pages each
    return FakeWidget.made


def test_one_messages_refresh_is_one_bar_in_a_notebook(demo_lab, notebook):
    # Underneath, each scope (the organization, three profiles) and the profiles list has its own bar ...
    type(demo_lab).messages.__wrapped__(demo_lab, refresh=True)
    assert len(notebook) >= 4
    notebook.clear()
    # ... a call shows one.
    frame = demo_lab.messages(refresh=True)
    assert len(notebook) == 1
    (bar,) = notebook
    assert bar.desc == "messages" and bar.closed
    pages = -(-len(frame) // 100)
    assert bar.n >= pages and bar.total == bar.n


def test_the_report_is_one_bar_too(demo_lab, notebook):
    demo_lab.report()
    assert [bar.desc for bar in notebook] == ["report"]


def test_the_async_twin_is_one_bar(demo_lab, notebook):
    import asyncio

    asyncio.run(demo_lab.aio.messages(refresh=True))
    assert [bar.desc for bar in notebook] == ["messages"]


def test_progress_false_on_connect_draws_nothing(tmp_path, monkeypatch, notebook):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    with sentlab.connect(demo=True, progress=False) as lab:
        lab.messages(refresh=True)
    assert notebook == []


def test_the_env_var_turns_auto_progress_off(demo_lab, notebook, monkeypatch):
    monkeypatch.setenv("SENTLAB_PROGRESS", "0")
    demo_lab.messages(refresh=True)
    assert notebook == []


def test_a_terminal_gets_one_line_for_a_slow_call(demo_lab, monkeypatch):
    stream = TTY()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(_progress, "MIN_SECONDS_FOR_LINE", 0.0)  # the demo answers at machine speed
    monkeypatch.setattr(_progress, "notebook_bar", lambda **kw: pytest.fail("a widget on a terminal"))
    demo_lab.messages(refresh=True)
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn in place with \r
    final = text.rstrip("\n").rsplit("\r", 1)[-1].strip()
    assert final.startswith("sentlab: messages: ") and final.endswith(" s") and " requests in " in final
    assert "%" in text  # the redraws say how far along it is


def test_a_terminal_gets_nothing_for_work_quicker_than_the_threshold(demo_lab, monkeypatch):
    stream = TTY()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(_progress, "MIN_SECONDS_FOR_LINE", 3600.0)  # (the timing itself: the Display tests)
    demo_lab.messages(refresh=True)
    assert stream.getvalue() == ""


@pytest.mark.parametrize("switch", ["connect", "env"])
def test_a_terminal_line_is_switched_off(tmp_path, monkeypatch, switch):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    stream = TTY()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(_progress, "MIN_SECONDS_FOR_LINE", 0.0)
    if switch == "env":
        monkeypatch.setenv("SENTLAB_PROGRESS", "0")
    with sentlab.connect(demo=True, progress=False if switch == "connect" else None) as lab:
        stream.seek(0)
        stream.truncate()  # the demo notice
        lab.messages(refresh=True)
    assert stream.getvalue() == ""


def test_the_line_appears_after_a_few_seconds_and_redraws_at_most_twice_a_second():
    stream, clock = TTY(), ManualClock()
    display = Display("messages", stream=stream, notebook=False, clock=clock)
    display.add_total(200, "messages")
    display.update(10)
    assert stream.getvalue() == ""  # quick so far
    clock.now += _progress.MIN_SECONDS_FOR_LINE
    display.update(10)
    assert stream.getvalue() == "\rsentlab: messages: 20 of 200 requests (10%), 3 s"
    clock.now += 0.1
    display.update(10)  # too soon to redraw
    assert stream.getvalue().count("\r") == 1
    clock.now += 65
    display.update(10, "message details")
    assert stream.getvalue().endswith("\rsentlab: messages (message details): 40 of 200 requests (20%), 1 min 08 s")
    display.close()
    last = stream.getvalue().rsplit("\r", 1)[-1]
    assert last.endswith("\n") and last.rstrip() == "sentlab: messages: 40 requests in 1 min 08 s"


def test_to_a_file_the_report_is_a_new_line_every_ten_seconds():
    stream, clock = io.StringIO(), ManualClock()
    display = Display("contacts", stream=stream, notebook=False, clock=clock)
    clock.now += 5
    for _ in range(30):
        display.update(1)
        clock.now += 1
    display.close()
    lines = stream.getvalue().splitlines()
    assert lines == ["sentlab: contacts: 1 requests so far, 5 s", "sentlab: contacts: 11 requests so far, 15 s",
                     "sentlab: contacts: 21 requests so far, 25 s", "sentlab: contacts: 30 requests in 35 s"]


def test_env_var_turns_progress_on_in_a_pipe(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _progress.wants_progress(None) is False
    monkeypatch.setenv("SENTLAB_PROGRESS", "1")
    assert _progress.wants_progress(None) is True
    assert _progress.wants_progress(False) is False  # an explicit setting wins


def test_bars_inside_a_call_feed_its_display_and_disabled_ones_nothing(notebook):
    with one_display("contacts") as display:
        with Bar("contacts", enabled=True, unit="page") as first:
            first.add_total(5)
            first.update(5)
        with Bar("webhooks", enabled=False) as quiet:
            quiet.add_total(50)
            quiet.update(50)
        with Bar("contacts (all profiles)", enabled=True, unit="page") as second:
            second.add_total(3)
            second.update(3)
        with one_display("inner") as inner:
            assert inner is display  # a nested call joins the outer one
    assert (display.total, display.done) == (8, 8)
    assert len(notebook) == 1 and notebook[0].postfix == "contacts (all profiles)"


@pytest.mark.kernel
def test_a_real_kernel_shows_one_widget_for_one_call(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from pathlib import Path

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import os, sentlab, sentlab._progress as progress\n"
                                  f"os.environ['SENTLAB_CACHE_DIR'] = {str(tmp_path / 'store')!r}\n"
                                  "progress.MIN_REQUESTS_FOR_BAR = 2\nlab = sentlab.connect(demo=True)"),
        nbformat.v4.new_code_cell("len(lab.messages(refresh=True)) > 0"),
    ]
    root = Path(__file__).resolve().parents[1]
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(root)}}).execute()
    outputs = notebook.cells[1].outputs
    widgets = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(widgets) == 1  # before: one per profile and the organization (four)
    assert outputs[-1]["data"]["text/plain"] == "True"
