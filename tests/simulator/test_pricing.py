"""Prices of the simulator: channel x region x category, as documented data."""

from __future__ import annotations

import phonenumbers
import pytest

from sentlab.simulator import _pricing as P
from sentlab.simulator._pricing import (
    CATEGORIES,
    CHANNELS,
    CONTINENT,
    REGIONS,
    active_contact_price,
    channel_price,
    format_price,
    price_table,
)


def test_regions_cover_continents_and_have_examples() -> None:
    assert len(REGIONS) >= 14
    assert len(set(REGIONS)) == len(REGIONS)
    assert set(CONTINENT) == set(REGIONS)
    assert len(set(CONTINENT.values())) >= 5
    for region in REGIONS:
        assert phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)


def test_source_is_stated() -> None:
    text = P.PRICING_SOURCE.lower()
    assert "illustrative" in text and "not quotes" in text
    assert "meta" in text and "sms" in text and P.PRICING_AS_OF in P.PRICING_SOURCE
    assert "illustrative" in (P.__doc__ or "").lower()


def markets(channel: str) -> tuple[str, ...]:
    """Regions where ``channel`` is sold: everywhere for SMS and WhatsApp, launched markets for RCS/MMS."""
    sold = {"rcs": P.RCS_RATES, "mms": P.MMS_RATES}.get(channel)
    return tuple(r for r in REGIONS if sold is None or r in sold)


@pytest.mark.parametrize("channel", CHANNELS)
def test_prices_positive_and_four_decimals(channel: str) -> None:
    for region in markets(channel):
        for cat in CATEGORIES:
            price = channel_price(channel, region, cat)
            markup = active_contact_price(channel, region)
            for value in (price, markup):
                assert isinstance(value, float) and value > 0
                assert round(value, 4) == value
                assert float(format_price(value)) == value


def test_whatsapp_varies_by_category_and_market() -> None:
    for region in REGIONS:
        m, u, a = (channel_price("whatsapp", region, c) for c in CATEGORIES)
        assert m > u and m > a, region
    marketing = {r: channel_price("whatsapp", r, "MARKETING") for r in REGIONS}
    assert len(set(marketing.values())) >= 10
    assert marketing["DE"] > marketing["BR"] > marketing["US"] > marketing["IN"]
    assert marketing["US"] == 0.025 and marketing["IN"] == 0.0107


def test_sms_does_not_vary_by_category() -> None:
    for region in REGIONS:
        prices = {channel_price("sms", region, c) for c in CATEGORIES}
        assert len(prices) == 1
        assert channel_price("sms", region, None) in prices
    assert len({channel_price("sms", r, "UTILITY") for r in REGIONS}) >= 10
    assert channel_price("sms", "IN", "MARKETING") < channel_price("sms", "DE", "MARKETING")


def test_sms_is_billed_per_segment_and_rcs_by_message_kind() -> None:
    for region in REGIONS:
        one = channel_price("sms", region, None)
        assert channel_price("sms", region, None, segments=3) == round(3 * one, 4)
    for region in P.RCS_RATES:
        assert channel_price("rcs", region, "UTILITY", rich=True) > channel_price("rcs", region, "UTILITY")
    assert channel_price("mms", "US", None) > channel_price("sms", "US", None)
    with pytest.raises(ValueError, match="segment"):
        channel_price("sms", "US", None, segments=0)


def test_rcs_and_mms_only_where_sold() -> None:
    assert set(P.MMS_RATES) == {"US", "CA"} and {"US", "GB", "IN", "BR"} <= set(P.RCS_RATES)
    with pytest.raises(ValueError, match="not available"):
        channel_price("mms", "GB", None)
    with pytest.raises(ValueError, match="not available"):
        channel_price("rcs", "NG", None)


def test_inputs_are_normalised() -> None:
    assert channel_price("WhatsApp", "gb", "marketing") == channel_price(
        "whatsapp", "GB", "MARKETING"
    )


def test_rest_of_world_fallback() -> None:
    assert "FI" not in REGIONS
    for ch in ("sms", "whatsapp"):  # RCS and MMS are sold only in their listed markets
        for cat in CATEGORIES:
            assert channel_price(ch, "FI", cat) == channel_price(ch, P.REST_OF_WORLD, cat) > 0
            assert channel_price(ch, "PE", cat) == channel_price(ch, "FI", cat)
        assert active_contact_price(ch, "FI") > 0


@pytest.mark.parametrize(
    "args",
    [
        ("fax", "US", "MARKETING"),
        ("whatsapp", "US", "PROMO"),
        ("whatsapp", "US", None),
        ("sms", "USA", "UTILITY"),
        ("sms", "", "UTILITY"),
        ("sms", "1", "UTILITY"),
    ],
)
def test_unknown_inputs_raise(args: tuple) -> None:
    with pytest.raises(ValueError, match=r"unknown|invalid"):
        channel_price(*args)


def test_active_contact_price_rejects_unknown_channel() -> None:
    with pytest.raises(ValueError):
        active_contact_price("fax", "US")


def test_price_table_complete() -> None:
    rows = price_table()
    assert len(rows) == sum(len(markets(ch)) for ch in CHANNELS) * len(CATEGORIES)
    keys = {(r["channel"], r["region_code"], r["category"]) for r in rows}
    assert keys == {(ch, rg, c) for ch in CHANNELS for rg in markets(ch) for c in CATEGORIES}
    for row in rows:
        assert set(row) == {"channel", "region_code", "category", "price", "active_contact_price"}
        assert row["price"] == channel_price(row["channel"], row["region_code"], row["category"])
        assert row["active_contact_price"] == active_contact_price(
            row["channel"], row["region_code"]
        )
    with_row = price_table(include_rest_of_world=True)
    assert len(with_row) == len(rows) + 2 * len(CATEGORIES)  # SMS and WhatsApp have a rest-of-world row
    assert {r["region_code"] for r in with_row} - set(REGIONS) == {P.REST_OF_WORLD}


def test_format_price() -> None:
    assert format_price(0.045) == "0.0450"
    assert format_price(0.0079) == "0.0079"
    assert format_price(0.12345) in ("0.1234", "0.1235")
    assert format_price(0.0) == "0.0000"
    assert format_price(None) is None
