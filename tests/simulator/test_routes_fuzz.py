"""Malformed input never gets a 500 or a stack trace: fuzzed query strings, ids, headers and bodies."""

from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sentlab.simulator._app import core_app
from sentlab.simulator._world import build_world

from ..conftest import sim_client

WORLD = build_world(seed=3, contacts=120, messages=200)
APP = core_app(WORLD)
PROFILE = WORLD.profile_ids[0]
WEBHOOK_ID = WORLD.truth.webhooks()[1]["id"]
CONTACT_ID = WORLD.truth.contacts()[-1]["id"]

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
values = st.one_of(text, st.integers(-10**12, 10**12).map(str), st.sampled_from(["", "0", "-1", "101", "1e3", "null"]))
params = st.dictionaries(st.sampled_from(["page", "page_size", "search", "channel", "phone", "status",
                                          "category", "is_active", "is_welcome_playground"]), values, max_size=5)  # fmt: skip
list_paths = st.sampled_from(["/v3/contacts", "/v3/templates", "/v3/webhooks",
                              f"/v3/webhooks/{WEBHOOK_ID}/events"])  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
fields = st.sampled_from(["to", "template", "channel", "text", "sandbox", "phone_number", "opt_out",
                          "default_channel", "category", "definition", "name", "endpoint_url",
                          "event_types", "retry_count", "timeout_seconds", "is_active", "scheduled_at"])  # fmt: skip
bodies = st.dictionaries(fields, json_values, max_size=5)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_clean(response) -> None:
    assert response.status_code < 500, response.text
    body = response.json()
    assert set(body) == {"success", "data", "error", "meta"}
    if not body["success"]:
        assert body["error"]["code"] and "Traceback" not in response.text


@FUZZ
@given(path=list_paths, query=params)
def test_list_query_strings_never_500(path, query):
    with sim_client(APP, {"x-api-key": WORLD.org_key, "x-profile-id": PROFILE}) as c:
        assert_clean(c.get(path, params=query))


@FUZZ
@given(segment=text, headers=st.dictionaries(st.sampled_from(["x-api-key", "x-profile-id"]),
                                             st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40)))
def test_ids_and_headers_never_500(segment, headers):
    segment = quote(segment, safe="") or "x"
    with sim_client(APP, {"x-api-key": WORLD.org_key, **headers}) as c:
        for path in (f"/v3/contacts/{segment}", f"/v3/messages/{segment}/activities",
                     f"/v3/numbers/lookup/{segment}", f"/v3/webhooks/{segment}/events"):
            r = c.get(path)
            assert_clean(r)


@FUZZ
@given(method_path=st.sampled_from([("POST", "/v3/messages"), ("POST", "/v3/contacts"), ("POST", "/v3/templates"),
                                    ("POST", "/v3/webhooks"), ("PUT", f"/v3/webhooks/{WEBHOOK_ID}"),
                                    ("PATCH", f"/v3/contacts/{CONTACT_ID}")]), body=bodies)
def test_bodies_never_500(method_path, body):
    method, path = method_path
    body = {**body, "sandbox": True}  # fuzzing must not grow the shared world
    with sim_client(APP, {"x-api-key": WORLD.org_key, "x-profile-id": PROFILE}) as c:
        assert_clean(c.request(method, path, content=json.dumps(body)))


@FUZZ
@given(raw=st.binary(max_size=60))
def test_raw_bodies_never_500(raw):
    with sim_client(APP, {"x-api-key": WORLD.org_key}) as c:
        assert_clean(c.post("/v3/messages", content=raw))
