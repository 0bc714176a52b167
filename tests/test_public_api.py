"""The public API is what docs/api.md lists, type checkers see it, and the blocking client is the async one's twin."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sentlab
from sentlab import AsyncSentClient, SentClient

ROOT = Path(__file__).resolve().parents[1]


def documented_names() -> list[str]:
    """The names in docs/api.md's tables: the first cell of each row, in backticks."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    return re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_]*)` \|", text, flags=re.MULTILINE)


def test_all_is_exactly_the_documented_names():
    documented = documented_names()
    assert len(documented) == len(set(documented)), "a name is listed twice in docs/api.md"
    assert len(sentlab.__all__) == len(set(sentlab.__all__))
    assert set(sentlab.__all__) - set(documented) == set(), "exported but not in docs/api.md"
    assert set(documented) - set(sentlab.__all__) == set(), "in docs/api.md but not exported"


def test_every_exported_name_imports_from_the_module_the_map_names():
    for name, module in sentlab._EXPORTS.items():
        assert getattr(sentlab, name) is getattr(importlib.import_module(module), name), name
    assert dir(sentlab) == sorted(sentlab.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sentlab.nope  # noqa: B018


def test_type_checkers_see_the_same_names_as_the_lazy_imports():
    """The ``if TYPE_CHECKING:`` block of sentlab/__init__.py imports every export, from its module, as itself."""
    tree = ast.parse((ROOT / "sentlab" / "__init__.py").read_text(encoding="utf-8"))
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    seen: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.unparse(node)
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: write `import X as X` (an explicit re-export)"
            assert node.level == 1, ast.unparse(node)  # relative to sentlab
            seen[alias.name] = f"sentlab.{node.module}" if node.module else "sentlab"
    expected = {**sentlab._EXPORTS, **{name: "sentlab" for name in sentlab._SUBPACKAGES}}
    assert seen == expected
    assert (ROOT / "sentlab" / "py.typed").is_file()


def test_names_the_docs_and_notebooks_use_are_exported():
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "notebooks").glob("*.ipynb"))]
    used: set[str] = set()
    for text in texts:
        used |= set(re.findall(r"\bsentlab\.([A-Za-z][A-Za-z0-9_]*)", text))
        for names in re.findall(r"from sentlab import ([A-Za-z0-9_, ]+)", text):
            used |= {n.strip() for n in names.split(",") if n.strip()}
    assert "connect" in used and "Pacing" in used
    assert used - set(sentlab.__all__) == set()


def _has_example(doc: str | None) -> bool:
    return bool(doc) and (">>>" in doc or "```" in doc or "::\n" in doc)


def test_every_exported_function_class_and_subpackage_has_a_docstring_with_an_example():
    missing = []
    for name in sentlab.__all__:
        value = getattr(sentlab, name)
        if not (inspect.isclass(value) or inspect.isfunction(value) or inspect.ismodule(value)):
            continue  # __version__
        own = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__  # not inherited
        if not _has_example(own):
            missing.append(name)
    assert missing == []


# -- the blocking client is the async client's twin ---------------------------------------------

RENAMED = {"aclose": "close"}  # async name -> blocking name


def _public_methods(cls: type) -> dict[str, object]:
    return {name: member for name, member in vars(cls).items()
            if not name.startswith("_") and inspect.isfunction(member)}  # fmt: skip


def _unwrapped(annotation: object) -> str:
    """A return annotation with the async wrapper taken off, and the async client named as the blocking one."""
    text = str(annotation)
    for wrapper in ("Awaitable[", "Coroutine[Any, Any, "):
        if text.startswith(wrapper) and text.endswith("]"):
            text = text[len(wrapper):-1]
    text = re.sub(r"\bAsyncIterator\[", "Iterator[", text)
    return re.sub(r"\bAsyncSentClient\b", "SentClient", text)


def test_every_async_method_has_a_blocking_twin_with_the_same_parameters():
    aio, blocking = _public_methods(AsyncSentClient), _public_methods(SentClient)
    assert {"contacts", "send", "messages_details", "webhook_events_pages", "with_profile", "redact"} <= set(aio)
    for name, method in aio.items():
        twin_name = RENAMED.get(name, name)
        assert twin_name in blocking, f"SentClient has no {twin_name}()"
        mine, theirs = inspect.signature(method), inspect.signature(blocking[twin_name])
        assert list(mine.parameters.values()) == list(theirs.parameters.values()), name
        assert _unwrapped(mine.return_annotation) == _unwrapped(theirs.return_annotation), name
        assert not inspect.iscoroutinefunction(blocking[twin_name]), name
        assert "await " not in (blocking[twin_name].__doc__ or ""), name
        assert _has_example(blocking[twin_name].__doc__), name


def test_the_blocking_client_takes_the_async_clients_settings_as_explicit_keywords():
    mine, theirs = inspect.signature(AsyncSentClient.__init__), inspect.signature(SentClient.__init__)
    assert mine == theirs
    assert all(p.kind is not p.VAR_KEYWORD for p in theirs.parameters.values())


def test_the_async_clients_properties_are_on_the_blocking_client():
    for name, member in vars(AsyncSentClient).items():
        if isinstance(member, property):
            twin = vars(SentClient).get(name)
            assert isinstance(twin, property), name
            assert (inspect.signature(member.fget).return_annotation
                    == inspect.signature(twin.fget).return_annotation), name  # fmt: skip


# -- what a type checker makes of it ------------------------------------------------------------

TYPED_USE = '''
import sentlab
from sentlab import FanOutResult, Limits, Pacing, SentClient


def pull(key: str) -> int:
    with SentClient(key, pacing=Pacing(per_minute=100), limits=Limits(concurrency=2)) as client:
        contacts = client.contacts(page_size=50)
        out: FanOutResult = client.messages_details([str(c["id"]) for c in contacts])
        scoped: SentClient = client.with_profile(None)
        return len(out.results) + len(scoped.redact("x"))


async def pull_async(key: str) -> str:
    async with sentlab.AsyncSentClient(key) as client:
        return str((await client.me()).get("name"))


lab: sentlab.Lab = sentlab.connect()
'''

MISTYPED_USE = '''
import sentlab
from sentlab import SentClient

client = SentClient("key")
client.contacts(pagesize=50)
count: int = client.me()
sentlab.conect()
'''


def test_a_type_checker_sees_the_public_api_and_its_signatures(tmp_path):
    """mypy over a small script using sentlab: the right one passes, each mistake in the wrong one is caught."""
    pytest.importorskip("mypy")
    (tmp_path / "typed_use.py").write_text(TYPED_USE)
    (tmp_path / "mistyped_use.py").write_text(MISTYPED_USE)
    heavy = "pandas,numpy,scipy,matplotlib,pyarrow,starlette,uvicorn,ipywidgets,tqdm,phonenumbers,orjson,pydantic"
    (tmp_path / "mypy.ini").write_text(
        "[mypy]\nfollow_imports = silent\nignore_missing_imports = True\n"  # sentlab's own errors are not this test's
        f"[mypy-{','.join(f'{name}.*' for name in heavy.split(','))}]\nfollow_imports = skip\n"  # fast: not read
    )
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", "cache",
         "--python-executable", sys.executable, "typed_use.py", "mistyped_use.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, "MYPYPATH": str(ROOT)},
    )  # fmt: skip
    errors = [line for line in out.stdout.splitlines() if ": error: " in line]
    assert not [e for e in errors if e.startswith("typed_use.py")], out.stdout
    assert len(errors) == 3, out.stdout + out.stderr
    assert 'Unexpected keyword argument "pagesize" for "contacts" of "SentClient"' in errors[0]
    assert 'variable has type "int"' in errors[1]
    assert 'Module has no attribute "conect"' in errors[2]
