"""Every method of the official SDK is exercised by a strict fidelity test against the simulator.

The SDK's resource tree is walked (every public method of every resource the client exposes),
and the fidelity test modules (``test_sdk_fidelity*.py``, which run the SDK with
``_strict_response_validation=True`` against a loopback server) are parsed: each method must be
called there, as ``<client>.<resource path>.<method>(...)``. A method the SDK gains in a new
release fails this test until a fidelity test calls it.
"""

from __future__ import annotations

import ast
import inspect
from functools import cached_property
from pathlib import Path

import pytest

sent_dm = pytest.importorskip("sent_dm")

from sent_dm._resource import SyncAPIResource  # noqa: E402

HERE = Path(__file__).parent


def sdk_methods(obj: object, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """``(resource, ..., method)`` for every public method reachable from the SDK client."""
    found: set[tuple[str, ...]] = set()
    for name in dir(type(obj)):
        if name.startswith("_") or name.startswith("with_"):
            continue
        attr = inspect.getattr_static(type(obj), name)
        if isinstance(attr, cached_property):
            sub = getattr(obj, name)
            if isinstance(sub, SyncAPIResource):
                found |= sdk_methods(sub, (*prefix, name))
        elif inspect.isfunction(attr) and isinstance(obj, SyncAPIResource):
            found.add((*prefix, name))
    return found


def _chain(node: ast.AST) -> tuple[tuple[str, ...], str | None]:
    """``a.b.c`` as ``(("b", "c"), "a")``: the attributes and the name they hang from."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return tuple(reversed(parts)), node.id if isinstance(node, ast.Name) else None


def called_chains(source: str) -> set[tuple[str, ...]]:
    """Attribute chains called in ``source``, or handed to a call to make (``check(name, sent.me.retrieve)``):
    ``a.b.c(...)`` gives ``("a", "b", "c")``. A local alias (``parts = sent.voice.calls.participants``)
    is followed: ``parts.add(...)`` gives ``("sent", "voice", "calls", "participants", "add")``."""
    tree = ast.parse(source)
    aliases: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            attrs, root = _chain(node.value)
            if attrs and root is not None:
                aliases[node.targets[0].id] = (root, *attrs)
    chains: set[tuple[str, ...]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for target in (node.func, *node.args):
            attrs, root = _chain(target)
            if root is not None:
                chains.add((*aliases.get(root, (root,)), *attrs))
    return chains


def test_every_sdk_method_is_called_by_a_fidelity_test():
    client = sent_dm.Sent(api_key="sk_test_x", base_url="http://127.0.0.1:9")
    methods = sdk_methods(client)
    assert len(methods) >= 60 and ("conversations", "list") in methods
    called: set[tuple[str, ...]] = set()
    for path in sorted(HERE.glob("test_sdk_fidelity*.py")):
        called |= called_chains(path.read_text())
    # a call site names the method after the client variable: match on the chain's tail
    missing = sorted(".".join(m) for m in methods if not any(c[-len(m):] == m for c in called if len(c) >= len(m)))
    assert not missing, f"{len(missing)} SDK methods have no strict fidelity test: {missing}"
