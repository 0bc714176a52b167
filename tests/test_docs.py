"""The docs and the README against the code: every name they use imports from ``sentlab``, every file they name is in the repo."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import sentlab

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _resolve(dotted: str) -> object:
    """``sentlab.a.b`` as an attribute chain, importing submodules (``sentlab.simulator``) on the way."""
    parts = dotted.split(".")
    value: object = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        try:
            value = getattr(value, part)
        except AttributeError:
            value = importlib.import_module(".".join(parts[: i + 1]))
    return value


def _public_library_names() -> set[str]:
    """Classes and functions defined at the top of sentlab's own modules (``sentlab/_*.py``)."""
    names = set()
    for module in (ROOT / "sentlab").glob("_*.py"):
        for node in ast.parse(_text(module)).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef) and not node.name.startswith("_"):
                names.add(node.name)
    return names


def test_the_docs_are_found():
    assert {p.name for p in DOCS} >= {"README.md", "client.md", "frames.md", "metrics.md", "report.md"}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_dotted_sentlab_name_resolves(doc):
    missing = []
    for match in re.finditer(r"(?<![\w/])sentlab(?:\.[A-Za-z_]\w*)+", _text(doc)):
        dotted = match.group(0)
        try:
            _resolve(dotted)
        except (AttributeError, ImportError):
            missing.append(dotted)
    assert not missing, f"{doc.name} names what sentlab does not have: {sorted(set(missing))}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_import_in_the_docs_works_and_library_names_come_from_sentlab(doc):
    problems = []
    for match in re.finditer(r"from (sentlab[\w.]*) import ([\w, ]+)", _text(doc)):
        module, names = match.group(1), [n.strip() for n in match.group(2).split(",") if n.strip()]
        if module.split(".")[1:2] and module.split(".")[1].startswith("_"):
            problems.append(f"{match.group(0)} (a private module: import the name from sentlab)")
            continue
        for name in names:
            if not hasattr(importlib.import_module(module), name):
                problems.append(f"{module}.{name}")
    assert not problems, f"{doc.name}: {problems}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_library_class_the_docs_call_is_exported(doc):
    # `Pacing(...)`, `Limits(...)`: a class the docs show being made must be importable from sentlab.
    library = {n for n in _public_library_names() if n[0].isupper()}
    called = set(re.findall(r"(?<![\w.])([A-Z]\w*)\(", _text(doc))) & library
    missing = sorted(n for n in called if not hasattr(sentlab, n))
    assert not missing, f"{doc.name} shows {missing}, which `import sentlab` does not give"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_point_at_files_in_the_repo(doc):
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _text(doc)):
        path = target.split("#", 1)[0]
        if not path or "://" in path or path.startswith("mailto:"):
            continue
        if not (doc.parent / path).exists():
            broken.append(target)
    assert not broken, f"{doc.name} links to missing files: {broken}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_file_the_docs_name_is_in_the_repo(doc):
    text = _text(doc)
    missing = []
    # Markdown files named anywhere (DESIGN.md, NOTES.md were outside the repo).
    for name in set(re.findall(r"(?<![\w/.-])([\w./-]+\.md)\b", text)):
        if not any((base / name).exists() for base in (doc.parent, ROOT, ROOT / "docs")):
            missing.append(name)
    # Repository paths in backticks: `sentlab/_metrics.py`, `tests/metrics/`, `notebooks/01-quickstart.ipynb`.
    for path in set(re.findall(r"`((?:sentlab|tests|benchmarks|notebooks|docs)/[\w./-]*)`", text)):
        if not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"{doc.name} names files not in the repo: {sorted(missing)}"


def test_the_checks_would_catch_the_old_mistakes():
    assert "Pacing" in _public_library_names()
    with pytest.raises(ImportError):
        _resolve("sentlab.NoSuchThing")
    assert re.findall(r"(?<![\w/.-])([\w./-]+\.md)\b", "see NOTES.md and DESIGN.md's") == ["NOTES.md", "DESIGN.md"]
