"""No request gets a 500 or a stack trace: every route of ``core_app``, fuzzed.

The routes are read from the app itself (``app.routes``: path, methods, path parameters, and
the handler behind each), so a route added to ``_app.ROUTES`` or a ``ROUTE_MODULES`` module is
fuzzed the moment it lands. The keys a handler reads (``body.get("to")``, ``v.optional_str(body,
"name")``) and the strings it mentions (enum values) are read from its source and its helpers'.

For each route: a sweep sends every type of value in every field it reads; hypothesis then sends
requests with one part wild (path, query, headers or body) and the others plausible (a real id
with a key that may see it), through the bare app and through the edge layers; raw bytes go to
a throwaway world, since they may parse to a live mutation. Every answer must be the envelope
``{success, data, error, meta}`` with an error code (or an empty 204), below 500, with no
traceback. Mutations on the shared world always carry ``sandbox: true``. Examples are
derandomized, so a red run is never luck; the number per route shrinks as routes are added.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.convertors import PathConvertor
from starlette.routing import Route

from sentlab.simulator._app import core_app
from sentlab.simulator._middleware import edge
from sentlab.simulator._settings import SimulatorConfig
from sentlab.simulator._world import World

from .. import kit
from ..kit import asgi_call, assert_clean

WORLD = kit.make_world(seed=3, contacts=120, messages=200, profiles=2, at=None)
CORE = core_app(WORLD)
APPS = {"core": CORE, "edge": edge(CORE, WORLD, SimulatorConfig(rate_limits=None))}
SCRATCH = kit.make_world(seed=5, contacts=40, messages=20, profiles=1, at=None)  # raw bytes may mutate it for real
SCRATCH_APP = core_app(SCRATCH)

EXAMPLES = 600  # hypothesis examples over all routes, so the run stays ~10 s as routes are added


# ---------------------------------------------------------------------------------------------
# the routes, as the app lists them, and what their handlers read
# ---------------------------------------------------------------------------------------------

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,40}$")


def _keys_read(node: ast.AST) -> list[str]:
    """The string keys ``node`` reads: ``x.get("k")``, ``x["k"]``, ``check(x, "k", ...)``."""
    if isinstance(node, ast.Subscript):
        keys = [node.slice]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
        keys = node.args[:1]
    elif isinstance(node, ast.Call) and node.args and not isinstance(node.args[0], ast.Constant):
        keys = node.args[1:]
    else:
        return []
    return [k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str) and _WORD.match(k.value)]


def handler_words(handler: Callable[..., Any]) -> tuple[set[str], set[str]]:
    """``(keys, words)`` of ``handler`` and the same-module helpers it calls, transitively: the
    keys it reads, and every string constant or string tuple (``CHANNELS``) it names."""
    module = inspect.getmodule(handler)
    keys: set[str] = set()
    words: set[str] = set()
    seen: set[Callable[..., Any]] = set()
    stack = [handler]
    while stack:
        fn = stack.pop()
        seen.add(fn)
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            keys.update(_keys_read(node))
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                words.update(p for p in node.value.split(".") if _WORD.match(p))
            elif isinstance(node, ast.Name) and isinstance(module, ModuleType):
                target = vars(module).get(node.id)
                if inspect.isfunction(target) and target.__module__ == module.__name__ and target not in seen:
                    stack.append(target)
                elif isinstance(target, tuple | frozenset | set) and len(target) <= 64:
                    words.update(w for w in target if isinstance(w, str) and _WORD.match(w))
    return keys, words


@dataclass(frozen=True)
class RouteCase:
    method: str
    path: str  # starlette's path format: "/v3/contacts/{id}"
    params: tuple[tuple[str, bool], ...]  # (name, takes slashes)
    fields: tuple[str, ...]  # the body / query keys its handler reads, sandbox aside
    words: tuple[str, ...]  # every string it mentions: candidate enum values and nested keys

    @property
    def has_body(self) -> bool:
        return self.method != "GET"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def route_cases(app) -> list[RouteCase]:
    cases = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        keys, words = handler_words(inspect.unwrap(route.endpoint))
        params = tuple((name, isinstance(conv, PathConvertor)) for name, conv in route.param_convertors.items())
        fields = tuple(sorted(keys - {"sandbox", *dict(params)})) or ("name",)
        cases += [RouteCase(m, route.path_format, params, fields, tuple(sorted(words | set(fields))))
                  for m in sorted(route.methods or ()) if m != "HEAD"]  # fmt: skip
    return cases


ROUTES = route_cases(CORE)
FUZZ = settings(max_examples=max(12, EXAMPLES // len(ROUTES)), deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip


# ---------------------------------------------------------------------------------------------
# real values for path parameters, table-driven, with the profile that owns each
# ---------------------------------------------------------------------------------------------

#: path parameter -> (truth table, field). Unlisted ``<thing>_id`` reads ``truth.<thing>s()``,
#: ``id`` the table named by the path segment before it; a table truth lacks gives no real ids.
PARAM_SOURCES: dict[str, tuple[str, str]] = {
    "phone_number": ("contacts", "phone_number"),
}


def _source_of(path: str, name: str) -> tuple[str, str]:
    if name in PARAM_SOURCES:
        return PARAM_SOURCES[name]
    if name == "id":
        before = path.split("{id}")[0].rstrip("/").rsplit("/", 1)[-1]
        return before.replace("-", "_"), "id"
    return (name.removesuffix("_id") + "s" if name.endswith("_id") else name), "id"


@functools.cache
def real_values(world: World, path: str, name: str) -> tuple[tuple[str, str | None], ...]:
    """``(value, owning profile id)`` pairs for a path parameter, from ``world.truth``; () if unknown."""
    table, field = _source_of(path, name)
    rows = getattr(world.truth, table, None)
    try:
        found = {(str(row[field]), row.get("profile_id")) for row in rows()} if callable(rows) else set()
    except (KeyError, TypeError, AttributeError):
        found = set()
    return tuple(sorted(found, key=lambda pair: pair[0]))[:40]


def auth_for(owner: str | None) -> list[list[tuple[bytes, bytes]]]:
    """The ways to call as a key that may see ``owner``'s records (any key when there is no owner)."""
    org = [(b"x-api-key", WORLD.org_key.encode())]
    if owner in WORLD.profile_keys:
        return [[*org, (b"x-profile-id", owner.encode())], [(b"x-api-key", WORLD.profile_keys[owner].encode())]]
    if owner is not None:
        return [org]
    return [org, *(a for p in WORLD.profile_ids for a in auth_for(p))]


REAL_IDS = [row["id"] for table in ("contacts", "templates", "webhooks", "messages", "profiles")
            for row in getattr(WORLD.truth, table)()[:8]]  # fmt: skip
PHONES = [c["phone_number"] for c in WORLD.truth.contacts()[:8]]
JSON = [(b"content-type", b"application/json")]


def target_for(case: RouteCase, segments: dict[str, str], query: bytes = b"") -> bytes:
    path = case.path
    for name, raw in segments.items():
        path = path.replace("{" + name + "}", raw)
    return path.encode("ascii") + (b"?" + query if query else b"")


def _encode(value: str, slashes: bool) -> str:
    return quote(value, safe="/+" if slashes else "+") or "x"


def plausible_target(case: RouteCase, world: World = WORLD, pick: int = 0) -> tuple[bytes, str | None]:
    """The route's path with real values (the ``pick``-th of each), and the profile owning them."""
    segments, owner = {}, None
    for name, slashes in case.params:
        real = real_values(world, case.path, name)
        value, who = real[pick % len(real)] if real else ("00000000-0000-4000-8000-000000000000", None)
        segments[name] = _encode(value, slashes)
        owner = owner or who
    return target_for(case, segments), owner


# ---------------------------------------------------------------------------------------------
# 1. every field the route reads, with every type of value
# ---------------------------------------------------------------------------------------------

NOW = WORLD.clock.now()
#: One value of each kind a field can wrongly (or rightly) get.
TYPE_SAMPLES: list[Any] = [
    None, True, False, 0, -1, 1.5, 2**63 - 1, 10**30, 1e308, "", " ", "x", "x" * 5_000, "+14155550100", "%ff",
    "\u0000", "😀", (NOW + timedelta(hours=1)).isoformat(), [], [None], ["x"], [[1]], [{"a": 1}], {}, {"id": 1},
    {"name": []}, json.loads("[" * 63 + "]" * 63),
]  # fmt: skip


def _owned(case: RouteCase, i: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    target, owner = plausible_target(case, pick=i)
    choices = auth_for(owner)
    return target, choices[i % len(choices)] + JSON


@pytest.mark.parametrize("case", ROUTES, ids=str)
def test_every_field_takes_every_type_without_500(case):
    """In the body of a mutation, in the query string of a read."""
    for field in case.fields:
        for i, value in enumerate(TYPE_SAMPLES):
            target, auth = _owned(case, i)
            if case.has_body:
                body = json.dumps({field: value, "sandbox": True}).encode()
                assert_clean(asgi_call(CORE, case.method, target, auth, body), f"{case} body {field}={value!r:.80}")
            elif not isinstance(value, list | dict):
                query = f"{quote(field)}={quote(json.dumps(value) if value is None or isinstance(value, bool) else str(value))}"
                assert_clean(asgi_call(CORE, case.method, target + b"?" + query.encode(), auth),
                             f"{case} query {field}={value!r:.80}")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# 2. hypothesis: one part of the request wild, the others plausible
# ---------------------------------------------------------------------------------------------

text = st.text(st.characters(codec="utf-8"), max_size=40)
huge_text = st.sampled_from(["x" * 5_000, "9" * 300, "é" * 20_000, " " * 1_000])
odd_strings = st.sampled_from(["", " ", "null", "0", "-1", "..", "%", "%zz", "\x00", "\u202e", "😀", "+", "NaN",
                               "+14155550100", "+1415555010099999", "00000000-0000-0000-0000-000000000000",
                               "https://example.com/hooks/sent", "javascript:alert(1)", "<script>"])  # fmt: skip
timestamps = st.sampled_from([(NOW + d).isoformat() for d in (timedelta(hours=1), timedelta(days=40), -timedelta(hours=1))]
                             + [NOW.replace(tzinfo=None).isoformat(), "2026-13-45T99:00:00Z"])  # fmt: skip
small = st.sampled_from([0, 1, -1, 2, 5, 20, 100, 101, 121, 1000, 1001])
numbers = st.one_of(small, st.integers(-(2**70), 2**70), st.sampled_from([2**31, 2**63 - 1, 2**63, 10**30]),
                    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -0.0, 5e-324, 1.5]))


def segments(case: RouteCase, wild: bool) -> st.SearchStrategy[tuple[dict[str, str], str | None]]:
    """Raw text for each path parameter, and the profile owning the real records among them."""

    def one(name: str, slashes: bool) -> st.SearchStrategy[tuple[str, str | None]]:
        real = real_values(WORLD, case.path, name)
        plausible = st.sampled_from(real) if real else st.uuids().map(lambda u: (str(u), None))
        if not wild:
            return plausible.map(lambda vo: (_encode(vo[0], slashes), vo[1]))
        value = st.one_of(plausible.map(lambda vo: vo[0].upper()), st.uuids().map(str), st.sampled_from(REAL_IDS),
                          odd_strings, text, huge_text).map(lambda s: _encode(s, slashes))  # fmt: skip
        raw = st.one_of(value, value.map(lambda s: s + "%"), st.sampled_from(["%ff%fe", "%00", "%2F", "a%zzb"]))
        return st.one_of(plausible.map(lambda vo: (_encode(vo[0], slashes), vo[1])), raw.map(lambda s: (s, None)))

    parts = st.fixed_dictionaries({name: one(name, slashes) for name, slashes in case.params})
    return parts.map(lambda d: ({k: v for k, (v, _) in d.items()}, next((o for _, o in d.values() if o), None)))


def query_strings(case: RouteCase, wild: bool) -> st.SearchStrategy[bytes]:
    names = st.sampled_from(sorted({*case.fields, "page", "page_size", "search"}))
    plausible = st.one_of(st.sampled_from(case.words), small.map(str), st.sampled_from(REAL_IDS + PHONES))
    if not wild:
        pairs = st.dictionaries(names, plausible, max_size=3).map(lambda d: sorted(d.items()))
        return pairs.map(lambda ps: "&".join(f"{quote(k)}={quote(v)}" for k, v in ps).encode("ascii"))
    values = st.one_of(plausible, text, odd_strings, numbers.map(str), timestamps, huge_text,
                       st.sampled_from(["1e3", " 1 ", "true", "FALSE", "99999999999999999999"]))
    pairs = st.lists(st.tuples(st.one_of(names, text), values), max_size=6)
    encoded = pairs.map(lambda ps: "&".join(f"{quote(k)}={quote(v)}" for k, v in ps))
    junk = st.sampled_from(["", "&", "&&", "=x", "%", "%zz=1", "page=%ff", "a=%00", "page=1&page=2", ";page=1"])
    return st.tuples(encoded, junk).map(lambda kj: "&".join(filter(None, kj)).encode("ascii"))


def json_values(case: RouteCase, wild: bool) -> st.SearchStrategy[Any]:
    """Values any of the route's fields might get: its own words, ids, numbers, in any type or shape."""
    scalars = st.one_of(st.none(), st.booleans(), small, st.sampled_from(case.words), st.sampled_from(REAL_IDS + PHONES),
                        timestamps, st.just("https://example.com/hooks/sent"))  # fmt: skip
    if wild:
        scalars = st.one_of(scalars, numbers, text, odd_strings)
    keys = st.sampled_from(case.words)  # nested keys: "sms" in a template definition is a word, not a field
    nested = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
                          max_leaves=6)  # fmt: skip
    if not wild:
        return st.one_of(scalars, nested)
    deep = st.sampled_from([3, 40, 62, 63, 64, 65, 200]).map(lambda d: json.loads("[" * d + "]" * d))
    return st.one_of(nested, nested, huge_text, deep)


def bodies(case: RouteCase, wild: bool) -> st.SearchStrategy[bytes]:
    """A JSON object of the route's fields with ``sandbox: true``; when wild, sometimes not an object
    (never an empty body, which reads as ``{}``: a live mutation, left to the raw-bytes test)."""
    fields = st.dictionaries(st.sampled_from(case.fields), json_values(case, wild), min_size=1, max_size=5)
    sandboxed = fields.map(lambda b: json.dumps({**b, "sandbox": True}).encode())
    if not wild:
        return sandboxed
    other = st.one_of(
        st.sampled_from([b"[]", b"null", b'"x"', b"1", b"{", b'{"sandbox": NaN}', b'{"sandbox": true,}',
                         b'{"sandbox": "true"}', b'{"sandbox": 1}']),
        json_values(case, wild).map(lambda x: json.dumps([x]).encode()),
        fields.map(lambda b: json.dumps({**b, "sandbox": True, "x": float("nan")}).encode()),
        fields.map(lambda b: json.dumps({**b, "sandbox": True}).replace('"sandbox"', '"\\ud800": 1, "sandbox"').encode()),
    )
    return st.one_of(sandboxed, sandboxed, other)


header_values = st.one_of(
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=60)
    .map(lambda s: s.encode("latin-1")),
    st.sampled_from([b"", b"k" * 5_000, b"k" * 40_000, "é".encode(), b"\xff\xfe", WORLD.org_key.encode() + b" x"]),
    st.sampled_from([p.encode() for p in WORLD.profile_ids] + [k.encode() for k in WORLD.profile_keys.values()]),
)
fuzzed_headers = st.lists(st.tuples(st.sampled_from([b"x-api-key", b"x-profile-id", b"idempotency-key"]),
                                    header_values), max_size=3)  # fmt: skip
content_types = st.sampled_from([b"application/json", b"text/plain", b"application/x-www-form-urlencoded",
                                 b"application/json; charset=utf-16", b"multipart/form-data; boundary=x"])  # fmt: skip
ANY_AUTH = st.sampled_from(auth_for(None))


@functools.cache
def header_lists(owner: str | None, wild: bool) -> st.SearchStrategy[list[tuple[bytes, bytes]]]:
    plausible = st.sampled_from(auth_for(owner))
    if not wild:
        return plausible.map(lambda auth: auth + JSON)
    with_type = st.tuples(plausible, content_types).map(lambda ac: [*ac[0], (b"content-type", ac[1])])
    added = st.tuples(st.one_of(plausible, ANY_AUTH), fuzzed_headers).map(lambda af: af[0] + af[1])
    return st.one_of(with_type, added, fuzzed_headers)


PARTS = ("path", "query", "headers", "body", "body", "none")


def requests_for(case: RouteCase) -> st.SearchStrategy[tuple[bytes, list[tuple[bytes, bytes]], bytes]]:
    """``(target, headers, body)`` with one part (drawn from ``PARTS``) wild; the headers carry a
    key that may see the records in the path."""
    built = {part: (segments(case, part == "path"), query_strings(case, part == "query"),
                    bodies(case, part == "body") if case.has_body or part == "body" else st.just(b""))
             for part in set(PARTS)}  # fmt: skip

    @st.composite
    def request(draw) -> tuple[bytes, list[tuple[bytes, bytes]], bytes]:
        part = draw(st.sampled_from(PARTS))
        path, query, body = built[part]
        raw_segments, owner = draw(path)
        target = target_for(case, raw_segments, draw(query))
        return target, draw(header_lists(owner, part == "headers")), draw(body)

    return request()


@pytest.mark.parametrize("case", ROUTES, ids=str)
def test_route_never_answers_500(case):
    @FUZZ
    @given(app=st.sampled_from(sorted(APPS)), request=requests_for(case))
    def fuzz(app, request):
        target, request_headers, body = request
        assert_clean(asgi_call(APPS[app], case.method, target, request_headers, body), f"{case.method} {target[:200]!r}")

    fuzz()


# ---------------------------------------------------------------------------------------------
# 3. raw bytes, on a throwaway world; methods and paths no route has
# ---------------------------------------------------------------------------------------------

RAW = st.one_of(st.binary(max_size=200), st.sampled_from([
    b"", b"   ", b"{}", b'{"sandbox": false}', b"[" * 100_000, b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b"\xef\xbb\xbf{}", '{"a": "é"}'.encode("utf-16"), b'{"name": "\xff"}', b'{"a": 1e999}',
    b'{"a": ' + b"9" * 5_000 + b"}", b"\x00" * 64, b'{"a": "\\udfff"}', b"a=1&b=2",
]))  # fmt: skip


@pytest.mark.parametrize("case", [c for c in ROUTES if c.has_body], ids=str)
def test_route_never_answers_500_to_raw_bytes(case):
    target, owner = plausible_target(case, SCRATCH)
    auth = [(b"x-api-key", SCRATCH.org_key.encode())]
    if owner in SCRATCH.profile_keys:
        auth = [(b"x-api-key", SCRATCH.profile_keys[owner].encode())]

    @FUZZ
    @given(raw=RAW, content_type=st.sampled_from([b"application/json", b"text/plain", b""]))
    def fuzz(raw, content_type):
        answer = asgi_call(SCRATCH_APP, case.method, target, [*auth, (b"content-type", content_type)], raw)
        assert_clean(answer, f"{case.method} {target!r} {raw[:80]!r}")

    fuzz()


def _methods_by_path() -> Iterator[tuple[str, str]]:
    allowed: dict[str, set[str]] = {}
    for c in ROUTES:
        allowed.setdefault(c.path, set()).add(c.method)
    for path, methods in sorted(allowed.items()):
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            yield path, method


def test_unsupported_methods_and_unknown_paths_get_the_envelope():
    auth = auth_for(None)[0]
    for path, method in _methods_by_path():
        target = re.sub(r"\{[^}]+\}", REAL_IDS[0], path).encode()
        # 405, or 404/400 where another route's pattern matches (DELETE /v3/webhooks/event-types)
        assert_clean(asgi_call(CORE, method, target, auth, b'{"sandbox": true}'), f"{method} {path}")
    for target in (b"/v3/nowhere", b"/v3/contacts/", b"/", b"/v3/%ff", b"/v3/contacts/a/b/c"):
        assert_clean(asgi_call(CORE, "GET", target, auth), repr(target))


def test_the_routes_and_what_their_handlers_read_are_found():
    assert all(isinstance(r, Route) for r in CORE.routes), "a Mount or other route type would go unfuzzed"
    found = {str(c) for c in ROUTES}
    assert {"GET /v3/contacts", "POST /v3/messages", "PATCH /v3/contacts/{id}",
            "GET /v3/numbers/lookup/{phone_number}"} <= found  # fmt: skip
    lookup = next(c for c in ROUTES if c.path == "/v3/numbers/lookup/{phone_number}")
    assert lookup.params == (("phone_number", True),)
    send = next(c for c in ROUTES if str(c) == "POST /v3/messages")
    assert {"to", "template", "text", "channel", "scheduled_at", "id", "name", "parameters"} <= set(send.fields)
    assert {"sms", "whatsapp"} <= set(send.words)
    contact, owner = real_values(WORLD, "/v3/contacts/{id}", "id")[0]
    assert any(c["id"] == contact and c["profile_id"] == owner for c in WORLD.truth.contacts())
    assert real_values(WORLD, "/v3/profiles/{profile_id}", "profile_id")
    assert real_values(WORLD, "/v3/nothing/{gizmo_id}", "gizmo_id") == ()  # unknown: no real ids, no error
