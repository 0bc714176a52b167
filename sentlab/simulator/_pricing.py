"""Message prices of the simulator: channel x region x template category, as data.

Source and status of the figures
--------------------------------
The figures are ILLUSTRATIVE, not quotes. WhatsApp prices are modelled on the
public shape of Meta's WhatsApp Business Platform rate card (per-message
pricing by market and template category, USD, in effect from 2025-07-01):
named markets have their own row, smaller ones share a regional row ("Rest of
Asia Pacific", "Rest of Africa") and everything else falls in "Other".
Marketing costs most, utility and authentication far less. SMS prices are
typical A2P per-segment destination rates in USD as of 2025-07 (carrier
surcharges and registration fees left out); they do not depend on the
template category. See :data:`PRICING_SOURCE`.

Sent's charge per message is ``price`` (the channel cost, above) plus
``active_contact_price``, a flat markup per channel
(:data:`ACTIVE_CONTACT_MARKUP`: 0.0050 USD per SMS, 0.0030 USD per WhatsApp
message), whatever the region or category.

A region not in the table (any other valid ISO 3166-1 alpha-2 code) is priced
with the :data:`REST_OF_WORLD` row (Meta's "Other" market; a mid-range SMS
rate).
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = [
    "ACTIVE_CONTACT_MARKUP",
    "CATEGORIES",
    "CHANNELS",
    "CONTINENT",
    "MMS_RATES",
    "PRICING_AS_OF",
    "PRICING_SOURCE",
    "RCS_RATES",
    "REGIONS",
    "REST_OF_WORLD",
    "SMS_RATES",
    "WHATSAPP_RATES",
    "active_contact_price",
    "channel_price",
    "format_price",
    "price_table",
]

PRICING_AS_OF: Final = "2025-07-01"

PRICING_SOURCE: Final = (
    "Illustrative figures, not quotes. WhatsApp: modelled on the public shape of "
    "Meta's WhatsApp Business Platform per-message rate card (USD, by market and "
    f"template category, in effect from {PRICING_AS_OF}). SMS: typical A2P "
    f"per-segment destination rates in USD as of {PRICING_AS_OF[:7]}, category-"
    "independent, per segment, carrier surcharges excluded. RCS: modelled on the shape "
    "of Google RBM billing (basic vs single message, per market where RCS is launched). MMS: "
    "typical US/CA carrier MMS rates. Sent markup (active_contact_price): flat 0.0050 USD per "
    "SMS, 0.0030 per WhatsApp, 0.0040 per RCS and 0.0100 per MMS message. Inbound is free."
)

CATEGORIES: Final = ("MARKETING", "UTILITY", "AUTHENTICATION")
CHANNELS: Final = ("sms", "whatsapp", "rcs", "mms")

#: Region code used in tables for everything not listed in :data:`REGIONS`.
REST_OF_WORLD: Final = "ZZ"

#: Regions the synthetic world sends to; every one has WhatsApp and SMS rows.
REGIONS: Final[tuple[str, ...]] = (
    "US", "CA", "MX",
    "BR", "AR", "CO",
    "GB", "DE", "FR", "ES", "IT", "NL",
    "IN", "ID", "PH", "SG", "AE", "SA", "JP",
    "ZA", "NG", "KE", "EG",
    "AU",
)  # fmt: skip

CONTINENT: Final[dict[str, str]] = {
    "US": "North America",
    "CA": "North America",
    "MX": "North America",
    "BR": "South America",
    "AR": "South America",
    "CO": "South America",
    "GB": "Europe",
    "DE": "Europe",
    "FR": "Europe",
    "ES": "Europe",
    "IT": "Europe",
    "NL": "Europe",
    "IN": "Asia",
    "ID": "Asia",
    "PH": "Asia",
    "SG": "Asia",
    "AE": "Asia",
    "SA": "Asia",
    "JP": "Asia",
    "ZA": "Africa",
    "NG": "Africa",
    "KE": "Africa",
    "EG": "Africa",
    "AU": "Oceania",
}

#: The main time zone of each region: quiet hours are local time there.
TIMEZONE: Final[dict[str, str]] = {
    "US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo", "AR": "America/Argentina/Buenos_Aires", "CO": "America/Bogota",
    "GB": "Europe/London", "DE": "Europe/Berlin", "FR": "Europe/Paris", "ES": "Europe/Madrid",
    "IT": "Europe/Rome", "NL": "Europe/Amsterdam", "IN": "Asia/Kolkata", "ID": "Asia/Jakarta",
    "PH": "Asia/Manila", "SG": "Asia/Singapore", "AE": "Asia/Dubai", "SA": "Asia/Riyadh",
    "JP": "Asia/Tokyo", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "KE": "Africa/Nairobi",
    "EG": "Africa/Cairo", "AU": "Australia/Sydney",
}  # fmt: skip

#: WhatsApp, USD per delivered template message:
#: region -> (Meta market, MARKETING, UTILITY, AUTHENTICATION).
WHATSAPP_RATES: Final[dict[str, tuple[str, float, float, float]]] = {
    "US": ("North America", 0.0250, 0.0034, 0.0135),
    "CA": ("North America", 0.0250, 0.0034, 0.0135),
    "MX": ("Mexico", 0.0305, 0.0085, 0.0085),
    "BR": ("Brazil", 0.0625, 0.0068, 0.0068),
    "AR": ("Argentina", 0.0618, 0.0260, 0.0260),
    "CO": ("Colombia", 0.0125, 0.0008, 0.0008),
    "GB": ("United Kingdom", 0.0529, 0.0220, 0.0220),
    "DE": ("Germany", 0.1365, 0.0550, 0.0550),
    "FR": ("France", 0.0859, 0.0300, 0.0300),
    "ES": ("Spain", 0.0615, 0.0200, 0.0200),
    "IT": ("Italy", 0.0691, 0.0300, 0.0300),
    "NL": ("Netherlands", 0.1597, 0.0500, 0.0500),
    "IN": ("India", 0.0107, 0.0014, 0.0014),
    "ID": ("Indonesia", 0.0411, 0.0250, 0.0250),
    "PH": ("Rest of Asia Pacific", 0.0732, 0.0113, 0.0113),
    "SG": ("Rest of Asia Pacific", 0.0732, 0.0113, 0.0113),
    "JP": ("Rest of Asia Pacific", 0.0732, 0.0113, 0.0113),
    "AU": ("Rest of Asia Pacific", 0.0732, 0.0113, 0.0113),
    "AE": ("United Arab Emirates", 0.0384, 0.0157, 0.0157),
    "SA": ("Saudi Arabia", 0.0455, 0.0107, 0.0107),
    "ZA": ("South Africa", 0.0379, 0.0076, 0.0076),
    "NG": ("Nigeria", 0.0516, 0.0067, 0.0067),
    "KE": ("Rest of Africa", 0.0225, 0.0040, 0.0040),
    "EG": ("Egypt", 0.0644, 0.0036, 0.0036),
    REST_OF_WORLD: ("Other", 0.0604, 0.0077, 0.0077),
}

#: SMS, USD per outbound segment by destination (any category).
SMS_RATES: Final[dict[str, float]] = {
    "US": 0.0079,
    "CA": 0.0079,
    "MX": 0.0420,
    "BR": 0.0300,
    "AR": 0.0650,
    "CO": 0.0180,
    "GB": 0.0400,
    "DE": 0.0900,
    "FR": 0.0800,
    "ES": 0.0750,
    "IT": 0.0800,
    "NL": 0.1000,
    "IN": 0.0060,
    "ID": 0.3800,
    "PH": 0.1700,
    "SG": 0.0500,
    "JP": 0.0800,
    "AU": 0.0520,
    "AE": 0.0700,
    "SA": 0.0500,
    "ZA": 0.0200,
    "NG": 0.0950,
    "KE": 0.0700,
    "EG": 0.1000,
    REST_OF_WORLD: 0.0750,
}

#: RCS, USD per message where RCS Business Messaging is launched: region -> (basic, single).
#: A basic message is text of at most 160 characters; longer or rich (buttons) is a single one.
RCS_RATES: Final[dict[str, tuple[float, float]]] = {
    "US": (0.0035, 0.0100),
    "CA": (0.0035, 0.0100),
    "MX": (0.0060, 0.0150),
    "BR": (0.0050, 0.0120),
    "GB": (0.0150, 0.0300),
    "DE": (0.0300, 0.0550),
    "FR": (0.0250, 0.0500),
    "ES": (0.0250, 0.0450),
    "IT": (0.0250, 0.0450),
    "NL": (0.0300, 0.0600),
    "IN": (0.0020, 0.0045),
    "SG": (0.0150, 0.0300),
    "JP": (0.0200, 0.0400),
    "AU": (0.0150, 0.0300),
}

#: MMS, USD per message (one message whatever its size), where carriers take MMS.
MMS_RATES: Final[dict[str, float]] = {"US": 0.0200, "CA": 0.0250}

#: Sent's markup per message (``active_contact_price``), USD, any region/category.
ACTIVE_CONTACT_MARKUP: Final[dict[str, float]] = {"sms": 0.0050, "whatsapp": 0.0030, "rcs": 0.0040, "mms": 0.0100}

_REGION_RE = re.compile(r"[A-Z]{2}")


def _channel(channel: str) -> str:
    key = channel.lower() if isinstance(channel, str) else channel
    if key not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; expected one of {CHANNELS}")
    return key


def _region_row(region_code: str) -> str:
    """The table row for ``region_code``: itself if listed, else the rest-of-world row."""
    key = region_code.upper() if isinstance(region_code, str) else ""
    if not _REGION_RE.fullmatch(key):
        raise ValueError(
            f"invalid region code {region_code!r}; expected ISO 3166-1 alpha-2 like 'US'"
        )
    return key if key in SMS_RATES else REST_OF_WORLD


def _category(category: str | None, channel: str) -> str | None:
    if category is None and channel != "whatsapp":
        return None  # only WhatsApp prices depend on a template category
    key = category.upper() if isinstance(category, str) else category
    if key not in CATEGORIES:
        raise ValueError(f"unknown template category {category!r}; expected one of {CATEGORIES}")
    return key


def channel_price(
    channel: str, region_code: str, category: str | None, *, segments: int = 1, rich: bool = False
) -> float:
    """Channel cost in USD (4 decimals) of one message: the API's ``price``.

    ``channel`` is one of :data:`CHANNELS`, ``category`` one of :data:`CATEGORIES`
    (priced on WhatsApp only; None allowed elsewhere). An SMS costs its region's
    rate times ``segments``; an RCS message the basic rate, or the single rate if
    ``rich`` (longer than 160 characters, or with buttons). Regions not in the
    SMS/WhatsApp tables get the :data:`REST_OF_WORLD` price. Raises ``ValueError``
    for an unknown channel or category, a malformed region, a region where RCS or
    MMS is not available, or ``segments`` < 1.

    >>> channel_price("whatsapp", "US", "MARKETING"), channel_price("sms", "GB", "UTILITY")
    (0.025, 0.04)
    >>> channel_price("sms", "US", None, segments=2), channel_price("rcs", "US", None, rich=True)
    (0.0158, 0.01)
    """
    ch = _channel(channel)
    cat = _category(category, ch)
    row = _region_row(region_code)
    if ch == "sms":
        if segments < 1:
            raise ValueError(f"an SMS has at least one segment, got {segments}")
        return round(SMS_RATES[row] * segments, 4)
    if ch == "rcs":
        rates = RCS_RATES.get(region_code.upper())
        if rates is None:
            raise ValueError(f"RCS is not available in {region_code!r}; markets: {sorted(RCS_RATES)}")
        return round(rates[1 if rich else 0], 4)
    if ch == "mms":
        rate = MMS_RATES.get(region_code.upper())
        if rate is None:
            raise ValueError(f"MMS is not available in {region_code!r}; markets: {sorted(MMS_RATES)}")
        return round(rate, 4)
    assert cat is not None
    return round(WHATSAPP_RATES[row][1 + CATEGORIES.index(cat)], 4)


def active_contact_price(channel: str, region_code: str) -> float:
    """Sent's markup in USD (4 decimals) on top of the channel cost.

    A flat rate per channel (:data:`ACTIVE_CONTACT_MARKUP`); ``region_code``
    is validated like in :func:`channel_price` but does not change the price.

    >>> active_contact_price("sms", "DE"), active_contact_price("whatsapp", "IN")
    (0.005, 0.003)
    """
    ch = _channel(channel)
    _region_row(region_code)
    return round(ACTIVE_CONTACT_MARKUP[ch], 4)


def price_table(*, include_rest_of_world: bool = False) -> list[dict[str, Any]]:
    """Every (channel, region, category) sold, with its price: the simulator's ground truth.

    Rows ``{channel, region_code, category, price, active_contact_price}`` for
    each channel in :data:`CHANNELS` and category in :data:`CATEGORIES`, over
    :data:`REGIONS` (plus :data:`REST_OF_WORLD` if asked) where the channel is
    sold. ``price`` is per message: one SMS segment, a basic RCS message.

    >>> rows = price_table()
    >>> len({(r["channel"], r["region_code"]) for r in rows if r["channel"] == "mms"})
    2
    """
    regions = (*REGIONS, REST_OF_WORLD) if include_rest_of_world else REGIONS
    sold = {"rcs": set(RCS_RATES), "mms": set(MMS_RATES)}
    return [
        {
            "channel": ch,
            "region_code": region,
            "category": cat,
            "price": channel_price(ch, region, cat),
            "active_contact_price": active_contact_price(ch, region),
        }
        for ch in CHANNELS
        for region in regions
        if ch not in sold or region in sold[ch]
        for cat in CATEGORIES
    ]


def format_price(x: float | None) -> str | None:
    """A price as the API writes it in activities: a 4-decimal string, or None.

    >>> format_price(0.045), format_price(None)
    ('0.0450', None)
    """
    if x is None:
        return None
    return f"{x:.4f}"
