"""Voice call prices of the simulator: per-minute rates by market, billed per started minute, as data.

Source and status of the figures
--------------------------------
The figures are ILLUSTRATIVE, not quotes. They follow the public shape of CPaaS
programmable-voice rate cards (USD per minute, as of 2025-07): an outbound leg
is charged at the destination market's rate for a mobile number, a call to one
of your (US) numbers at a flat inbound rate, and a call between two app users
(no phone leg) at a small in-app rate. See :data:`VOICE_PRICING_SOURCE`.

Billing
-------
Every leg is billed per started minute (60/60 increments, the common rule on
international voice rate cards): ``price = ceil(billable_seconds / 60) * rate``,
rounded to 4 decimals. A call that never connected (FAILED, NO_ANSWER,
REJECTED) has 0 billable seconds and costs 0. An inbound call your callback
forwarded to a phone number pays the inbound rate plus the US outbound rate.

A region not in the table is priced with the :data:`REST_OF_WORLD` row.
"""

from __future__ import annotations

import math
from typing import Final

__all__ = [
    "APP_RATE",
    "BILLING_INCREMENT_SECONDS",
    "INBOUND_RATE",
    "OUTBOUND_RATES",
    "REST_OF_WORLD",
    "VOICE_PRICING_AS_OF",
    "VOICE_PRICING_SOURCE",
    "call_price",
    "outbound_rate",
]

VOICE_PRICING_AS_OF: Final = "2025-07-01"

VOICE_PRICING_SOURCE: Final = (
    "Illustrative figures, not quotes: modelled on the public shape of CPaaS programmable-voice "
    f"rate cards (USD per minute, as of {VOICE_PRICING_AS_OF[:7]}): outbound to a mobile number "
    "by destination market, a flat inbound rate for a US local number, a small in-app rate for "
    "calls between app users. Billed per started minute (60/60)."
)

#: Seconds per billing increment: a call is billed per started minute.
BILLING_INCREMENT_SECONDS: Final = 60

#: Region code of the row that prices every market not listed.
REST_OF_WORLD: Final = "ZZ"

#: USD per minute, inbound to one of your US numbers, whoever calls.
INBOUND_RATE: Final = 0.0085

#: USD per minute, a call between two of your app users (no phone leg).
APP_RATE: Final = 0.0040

#: USD per minute, outbound to a mobile number of the destination market.
OUTBOUND_RATES: Final[dict[str, float]] = {
    "US": 0.0140,
    "CA": 0.0140,
    "MX": 0.0750,
    "BR": 0.0600,
    "AR": 0.0900,
    "CO": 0.0600,
    "GB": 0.0400,
    "DE": 0.0700,
    "FR": 0.0600,
    "ES": 0.0500,
    "IT": 0.0600,
    "NL": 0.0700,
    "IN": 0.0450,
    "ID": 0.1200,
    "PH": 0.1800,
    "SG": 0.0400,
    "AE": 0.2000,
    "SA": 0.2200,
    "JP": 0.1300,
    "ZA": 0.1000,
    "NG": 0.2000,
    "KE": 0.1500,
    "EG": 0.2000,
    "AU": 0.0900,
    REST_OF_WORLD: 0.2500,
}


def outbound_rate(region_code: str | None) -> float:
    """USD per minute to call a mobile number of ``region_code`` (unlisted: the rest-of-world row).

    >>> outbound_rate("GB"), outbound_rate("IS"), outbound_rate(None)
    (0.04, 0.25, 0.25)
    """
    key = region_code.upper() if isinstance(region_code, str) else REST_OF_WORLD
    return OUTBOUND_RATES.get(key, OUTBOUND_RATES[REST_OF_WORLD])


def call_price(billable_seconds: float, rate: float) -> float:
    """What a leg costs: ``rate`` per started minute of ``billable_seconds``, 4 decimals.

    >>> call_price(61, 0.04), call_price(60, 0.04), call_price(0, 0.04)
    (0.08, 0.04, 0.0)
    """
    minutes = math.ceil(max(billable_seconds, 0) / BILLING_INCREMENT_SECONDS)
    return round(minutes * rate, 4)
