"""Every notebook in notebooks/ runs top to bottom in a real Jupyter kernel, offline, and shows its charts."""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PLOT_CALL = re.compile(r"\bplot_(rates|costs|latency|volume)\(")
FIGURE_TEXT = re.compile(r"<\w*Figure size")


def execute(notebook, tmp_path, monkeypatch):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL", "MPLBACKEND"):
        monkeypatch.delenv(name, raising=False)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=dict(os.environ))  # fmt: skip
    return notebook


def images(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def figures_shown_as_text(notebook) -> list[str]:
    """Outputs that are a figure's text repr and nothing richer (what a fresh kernel showed before)."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = output.get("text", "") or data.get("text/plain", "")
            if FIGURE_TEXT.search("".join(text)) and "image/png" not in data:
                found.append("".join(text))
    return found


@pytest.mark.kernel
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_shows_every_figure_as_an_image(path, tmp_path, monkeypatch):
    notebook = execute(nbformat.read(path, as_version=4), tmp_path, monkeypatch)
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    for cell in notebook.cells:
        if cell.cell_type == "code" and PLOT_CALL.search(cell.source):
            assert len(images(cell)) == 1, f"this figure cell should show one image:\n{cell.source}"
    assert not figures_shown_as_text(notebook)
    key = "sk_test_"
    text = nbformat.writes(notebook)
    assert key not in text  # the demo key is never rendered


def code_notebook(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources],
                                    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})  # fmt: skip


@pytest.mark.kernel
def test_a_figure_shows_once_in_a_fresh_kernel_and_with_pyplot_inline(tmp_path, monkeypatch):
    setup = "import sentlab\nrates = sentlab.delivery_rates(sentlab.connect().messages(), by='channel')"
    plot = "sentlab.plot_rates(rates)"
    pyplot = "import matplotlib.pyplot as plt\n%matplotlib inline"
    notebook = execute(code_notebook(setup, plot, pyplot, plot, "print('after')"), tmp_path, monkeypatch)
    _, fresh, _, inline, after = notebook.cells
    assert len(images(fresh)) == 1 and len(images(inline)) == 1  # once, with and without pyplot
    assert not images(after) and not figures_shown_as_text(notebook)  # nothing left in pyplot's registry
