"""Real-format phone numbers and the deterministic number lookup."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from sentlab.simulator._numbers import (
    CARRIERS,
    is_e164,
    lookup,
    make_landline,
    make_number,
    number_formats,
)
from sentlab.simulator._pricing import REGIONS

DOCS = Path("/work/shared/sent-api-docs/api")
MOBILE = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
LANDLINE = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


def _doc_example(rel: str) -> dict:
    """The first JSON example of an endpoint page (the 200 response)."""
    text = (DOCS / rel).read_text()
    block = re.search(r"##### Example\n```json\n(.*?)\n```", text, re.S)
    assert block
    return json.loads(block.group(1))


LOOKUP_KEYS = [
    "phone_number",
    "is_valid",
    "carrier_name",
    "line_type",
    "country_code",
    "mobile_country_code",
    "mobile_network_code",
    "is_ported",
    "is_voip",
]
CONTACT_PHONE_KEYS = [
    "phone_number",
    "format_e164",
    "format_international",
    "format_national",
    "format_rfc",
    "country_code",
    "region_code",
]


@pytest.mark.parametrize("region", REGIONS)
def test_mobile_numbers_valid_for_every_region(region: str) -> None:
    rng = random.Random(f"mobile-{region}")
    numbers = [make_number(region, rng) for _ in range(2000)]
    for n in numbers:
        num = phonenumbers.parse(n)
        assert phonenumbers.is_valid_number(num), n
        assert phonenumbers.region_code_for_number(num) == region, n
        assert phonenumbers.number_type(num) in MOBILE, n
        assert phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164) == n
    assert len(set(numbers)) > 1900  # varied
    assert len({n[:-4] for n in numbers}) > 20  # not one block


@pytest.mark.parametrize("region", REGIONS)
def test_landlines_valid_for_every_region(region: str) -> None:
    rng = random.Random(f"landline-{region}")
    for _ in range(500):
        num = phonenumbers.parse(make_landline(region, rng))
        assert phonenumbers.is_valid_number(num)
        assert phonenumbers.region_code_for_number(num) == region
        assert phonenumbers.number_type(num) in LANDLINE


def test_deterministic_for_rng_seed() -> None:
    a = [make_number(r, random.Random(7)) for r in REGIONS]
    b = [make_number(r, random.Random(7)) for r in REGIONS]
    assert a == b
    rng1, rng2 = random.Random(99), random.Random(99)
    assert [make_number("IN", rng1) for _ in range(50)] == [
        make_number("IN", rng2) for _ in range(50)
    ]
    assert make_number("US", random.Random(1)) != make_number("US", random.Random(2))


def test_region_code_is_normalised_and_checked() -> None:
    assert make_number("gb", random.Random(3)) == make_number("GB", random.Random(3))
    with pytest.raises(ValueError):
        make_number("XX", random.Random(0))
    with pytest.raises(ValueError):
        make_landline("", random.Random(0))


def test_formats_match_contact_doc_and_round_trip() -> None:
    doc = _doc_example("contacts/ContactsGetContactsEndpoint.md")["data"]["contacts"][0]
    doc_keys = [k for k in doc if k in CONTACT_PHONE_KEYS]
    assert doc_keys == CONTACT_PHONE_KEYS
    for region in REGIONS:
        rng = random.Random(region)
        for n in [make_number(region, rng) for _ in range(20)] + [make_landline(region, rng)]:
            f = number_formats(n)
            assert list(f) == CONTACT_PHONE_KEYS
            assert f["phone_number"] == f["format_e164"] == n
            assert f["region_code"] == region
            assert f["country_code"] == str(phonenumbers.parse(n).country_code)
            assert f["format_rfc"].startswith("tel:+" + f["country_code"] + "-")
            assert phonenumbers.parse(f["format_international"]) == phonenumbers.parse(n)
            assert phonenumbers.parse(f["format_national"], region) == phonenumbers.parse(n)
            assert phonenumbers.parse(f["format_rfc"]) == phonenumbers.parse(n)


def test_formats_us_example_and_fresh_dicts() -> None:
    f = number_formats("+12025550123")
    assert f == {
        "phone_number": "+12025550123",
        "format_e164": "+12025550123",
        "format_international": "+1 202-555-0123",
        "format_national": "(202) 555-0123",
        "format_rfc": "tel:+1-202-555-0123",
        "country_code": "1",
        "region_code": "US",
    }
    f["region_code"] = "mutated"
    assert number_formats("+12025550123")["region_code"] == "US"
    with pytest.raises(ValueError):
        number_formats("not a number")


@pytest.mark.parametrize(
    "good", ["+12025550123", "+447400123456", "+919876543210", "+6581234567", "+4930123456"]
)
def test_is_e164_accepts(good: str) -> None:
    assert is_e164(good)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "+",
        "12025550123",
        "+1 202 555 0123",
        "+1-202-555-0123",
        "+01234567890",
        "+1234567",
        "+1234567890123456",
        "+12025550123 ",
        "tel:+12025550123",
        "+1202555012a",
        "+١٢٠٢٥٥٥٠١٢٣",
        "+99912345678",
        "+4412",
    ],
)
def test_is_e164_rejects(bad: str) -> None:
    assert not is_e164(bad)


def test_generated_numbers_are_e164() -> None:
    rng = random.Random(5)
    assert all(is_e164(make_number(r, rng)) for r in REGIONS for _ in range(20))


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_is_e164_never_crashes(s: str) -> None:
    assert is_e164(s) in (True, False)


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\+?[0-9 ()\-]{0,20}", fullmatch=True)))
@settings(max_examples=400, deadline=None)
def test_lookup_returns_or_raises_value_error(s: str) -> None:
    try:
        r = lookup(s)
    except ValueError:
        return
    assert list(r) == LOOKUP_KEYS
    assert isinstance(r["is_valid"], bool)


def test_lookup_shaped_like_doc() -> None:
    doc = _doc_example("numbers/NumbersGetNumberEndpoint.md")["data"]
    assert list(doc) == LOOKUP_KEYS
    r = lookup(doc["phone_number"])
    assert list(r) == list(doc)
    for key, value in doc.items():
        assert type(r[key]) is type(value), key
    assert r["phone_number"] == "+12025551234" and r["country_code"] == "US"
    assert r["is_valid"] is True


def test_lookup_deterministic_and_normalised() -> None:
    n = make_number("DE", random.Random(11))
    assert lookup(n) == lookup(n)
    assert (
        lookup(n)
        == lookup(n[1:])
        == lookup(
            phonenumbers.format_number(
                phonenumbers.parse(n), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
        )
    )


def test_lookup_mobile_fields_realistic() -> None:
    ported = total = 0
    for region in REGIONS:
        mccs = {c[1] for c in CARRIERS[region]}
        rng = random.Random(f"lookup-{region}")
        for _ in range(200):
            r = lookup(make_number(region, rng))
            assert r["is_valid"] is True and r["country_code"] == region
            assert r["line_type"] in ("mobile", "landline")
            if r["line_type"] == "mobile":
                total += 1
                ported += r["is_ported"]
                assert r["carrier_name"]
                assert r["mobile_country_code"] in mccs
                assert r["mobile_network_code"] and r["mobile_network_code"].isdigit()
            assert r["is_voip"] is False
    assert 0.05 < ported / total < 0.11
    assert lookup("+447400123456")["mobile_country_code"] == "234"
    assert lookup("+919876543210")["mobile_country_code"] in ("404", "405")


def test_lookup_line_types() -> None:
    rng = random.Random(2)
    assert lookup(make_landline("DE", rng))["line_type"] == "landline"
    land = lookup(make_landline("GB", rng))
    assert land["line_type"] == "landline" and land["mobile_country_code"] is None
    assert lookup("+447400123456")["line_type"] == "mobile"
    voip = lookup("+445600123456")  # UK 056 range: VoIP
    assert voip["line_type"] == "voip" and voip["is_voip"] is True


def test_lookup_invalid_but_parseable() -> None:
    r = lookup("+1 000 000 0000")
    assert r["is_valid"] is False
    assert r["phone_number"] == "+10000000000"
    assert list(r) == LOOKUP_KEYS
    assert r["carrier_name"] is None and r["line_type"] == "unknown"


@pytest.mark.parametrize("junk", ["", "   ", "abc", "+", "+999123", "hello+1"])
def test_lookup_unparseable_raises(junk: str) -> None:
    with pytest.raises(ValueError):
        lookup(junk)


def test_the_fast_international_format_equals_libphonenumbers():
    import random

    from sentlab.simulator import _numbers, _pricing

    rng = random.Random(11)
    numbers = [_numbers.make_number(r, rng) for r in _pricing.REGIONS for _ in range(200)]
    numbers += [_numbers.make_landline(r, rng) for r in _pricing.REGIONS for _ in range(20)]
    numbers += ["+390612345678", "+12025550123", "+5493876390686", "+447911123456", "+819012345678"]
    for e164 in numbers:
        assert _numbers.format_international(e164) == _numbers.number_formats(e164)["format_international"], e164
