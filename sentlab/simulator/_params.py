"""The true behaviour of a synthetic world: outcome probabilities, latencies, shares, prices.

These are the numbers an analysis of the simulator's data should recover; ``world.truth`` and
``world.ledger()`` compare against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import _pricing

__all__ = ["Outage", "Outcome", "WorldParams"]


@dataclass(frozen=True)
class Outcome:
    """True outcome probabilities of a message on one channel in one region.

    ``failed`` = P(FAILED), ``delivered`` = P(DELIVERED or READ), the rest stays
    at SENT (no receipt); ``read`` = P(READ | delivered).
    """

    failed: float
    delivered: float
    read: float = 0.0

    @property
    def stuck(self) -> float:
        """P(stays at SENT): neither failed nor delivered.

        >>> round(Outcome(failed=0.04, delivered=0.89).stuck, 2)
        0.07
        """
        return max(0.0, 1.0 - self.failed - self.delivered)


def _default_outcomes() -> dict[str, Outcome]:
    # SMS/MMS: no read receipts, some handsets/carriers never return a delivery receipt.
    return {"sms": Outcome(failed=0.04, delivered=0.89), "whatsapp": Outcome(0.03, 0.95, 0.62),
            "rcs": Outcome(0.04, 0.92, 0.48), "mms": Outcome(0.06, 0.86)}  # fmt: skip


def _default_region_factor() -> dict[str, float]:
    # How much worse (>1) or better (<1) than the channel baseline failures and missing receipts are.
    return {"US": 0.8, "CA": 0.8, "MX": 1.3, "BR": 1.3, "AR": 1.4, "CO": 1.4, "GB": 0.7, "DE": 0.6,
            "FR": 0.8, "ES": 0.8, "IT": 0.9, "NL": 0.6, "IN": 1.8, "ID": 1.6, "PH": 1.5, "SG": 0.6,
            "AE": 1.0, "SA": 1.1, "JP": 0.5, "ZA": 1.5, "NG": 2.5, "KE": 2.0, "EG": 1.9,
            "AU": 0.7}  # fmt: skip


def _default_region_weights() -> dict[str, float]:
    return {"US": 18, "CA": 3, "MX": 5, "BR": 8, "AR": 2, "CO": 2, "GB": 8, "DE": 5, "FR": 4,
            "ES": 3, "IT": 3, "NL": 2, "IN": 10, "ID": 5, "PH": 3, "SG": 1, "AE": 2, "SA": 2,
            "JP": 2, "ZA": 2, "NG": 4, "KE": 2, "EG": 2, "AU": 2}  # fmt: skip


def _default_whatsapp_share() -> dict[str, float]:
    # Share of contacts reachable on WhatsApp: low in the US/JP, near universal in BR/IN/ID/NG.
    return {"US": 0.35, "CA": 0.4, "JP": 0.2, "AU": 0.45, "GB": 0.7, "FR": 0.7, "NL": 0.75,
            "PH": 0.6, "SG": 0.8}  # fmt: skip


def _default_latency() -> dict[str, dict[str, tuple[float, float]]]:
    # Lognormal (median seconds, sigma) of each transition, per channel.
    return {
        "sms": {"processed": (0.8, 0.6), "sent": (2.5, 0.7), "delivered": (7.0, 1.0),
                "read": (600.0, 1.5), "failed_before_send": (1.5, 0.5), "failed": (25.0, 1.2)},
        "whatsapp": {"processed": (0.5, 0.5), "sent": (1.2, 0.6), "delivered": (2.5, 0.9),
                     "read": (900.0, 1.6), "failed_before_send": (1.0, 0.5), "failed": (40.0, 1.3)},
        "rcs": {"processed": (0.5, 0.5), "sent": (1.0, 0.6), "delivered": (3.0, 0.9),
                "read": (700.0, 1.6), "failed_before_send": (1.0, 0.5), "failed": (30.0, 1.2)},
        "mms": {"processed": (1.0, 0.6), "sent": (4.0, 0.7), "delivered": (15.0, 1.0),
                "read": (600.0, 1.5), "failed_before_send": (2.0, 0.5), "failed": (45.0, 1.2)},
    }  # fmt: skip


def _default_rcs_share() -> dict[str, float]:
    # Share of contacts reachable on RCS (Android handsets with RCS on) where RCS is launched.
    return {"US": 0.35, "CA": 0.3, "MX": 0.45, "BR": 0.55, "GB": 0.4, "DE": 0.4, "FR": 0.45,
            "ES": 0.5, "IT": 0.45, "NL": 0.35, "IN": 0.6, "SG": 0.3, "JP": 0.15, "AU": 0.35}  # fmt: skip


def _default_reply_share() -> dict[str, float]:
    # P(the contact replies | the message was delivered), per channel.
    return {"sms": 0.03, "whatsapp": 0.09, "rcs": 0.05, "mms": 0.02}


@dataclass(frozen=True)
class Outage:
    """A window in the history when one scope's sends were BLOCKED for insufficient balance.

    ``scope`` is a scope index (1 = the first profile); ``day`` counts days back from the end of
    the history; the window opens at ``hour`` UTC and lasts ``hours``.
    """

    scope: int = 2
    day: int = 9
    hour: int = 14
    hours: float = 5.0


@dataclass
class WorldParams:
    """The true behaviour of the synthetic world, which analytics should recover.

    >>> p = WorldParams()
    >>> p.outcome("whatsapp", "NG").failed, p.outcome("whatsapp", "DE").failed
    (0.075, 0.018)
    """

    history_days: int = 30
    #: Baseline outcome probabilities per channel.
    channel_outcomes: dict[str, Outcome] = field(default_factory=_default_outcomes)
    #: Per region, a factor on failures and missing receipts (1.0 when absent).
    region_factor: dict[str, float] = field(default_factory=_default_region_factor)
    #: Exact outcomes for some (channel, region), overriding the two above.
    overrides: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    #: Share of failures that happen before the message is sent (at PROCESSED).
    failed_before_send_share: float = 0.3
    #: Transition latencies: channel -> transition -> (median seconds, lognormal sigma).
    latency: dict[str, dict[str, tuple[float, float]]] = field(default_factory=_default_latency)
    #: Relative share of contacts per region.
    region_weights: dict[str, float] = field(default_factory=_default_region_weights)
    #: Share of contacts reachable on WhatsApp per region (``whatsapp_share_default`` otherwise).
    whatsapp_share: dict[str, float] = field(default_factory=_default_whatsapp_share)
    whatsapp_share_default: float = 0.85
    opt_out_share: float = 0.03
    #: Share of contacts owned by the organization (inherited by every profile).
    org_contact_share: float = 0.05
    #: Relative message/contact volume per profile (cycled when there are more profiles).
    profile_weights: tuple[float, ...] = (0.5, 0.3, 0.2)
    #: Share of webhook deliveries that fail for good, and that succeed only after retries.
    webhook_failure_share: float = 0.02
    webhook_retry_share: float = 0.03
    #: Failure share of the one deliberately flaky webhook in the world.
    flaky_webhook_failure_share: float = 0.25
    #: Share of webhook events whose event_data is the docs' ``{"valueKind": "Undefined"}``.
    degenerate_event_share: float = 0.004
    #: Share of contacts reachable on RCS, per region (0 where RCS is not launched).
    rcs_share: dict[str, float] = field(default_factory=_default_rcs_share)
    #: Share of SMS sends that go out as MMS (with media) where MMS is sold.
    mms_share: float = 0.12
    #: Share of outbound messages sent to a contact that has since opted out (FILTERED, BUSINESS_004).
    opted_out_send_share: float = 0.01
    #: Share of marketing messages the platform's content filter stops (FILTERED, DELIVERY_012).
    content_filter_share: float = 0.006
    #: Share of outbound messages that were scheduled ahead, and the share of those later cancelled.
    scheduled_share: float = 0.06
    cancelled_share: float = 0.12
    #: Quiet hours (local time, [start, end) hours) during which a scheduled release is moved.
    quiet_hours: tuple[int, int] = (21, 8)
    #: P(reply | delivered) per channel; replies arrive after a lognormal delay (median, sigma) in s.
    reply_share: dict[str, float] = field(default_factory=_default_reply_share)
    reply_delay: tuple[float, float] = (900.0, 1.4)
    #: Inbound messages that start a conversation (no outbound before them), per 100 outbound.
    unprompted_inbound_per_100: float = 0.8
    #: Windows when a scope's sends were BLOCKED for insufficient balance (BUSINESS_003).
    outages: tuple[Outage, ...] = (Outage(),)
    #: Account tier for the send rate limit ("starter" 60/min or "growth" 300/min).
    tier: str = "growth"
    #: Price overrides: (channel, region, category) -> price; (channel, region) -> markup.
    price_overrides: dict[tuple[str, str, str | None], float] = field(default_factory=dict)
    markup_overrides: dict[tuple[str, str], float] = field(default_factory=dict)

    def outcome(self, channel: str, region_code: str) -> Outcome:
        """The true outcome probabilities for ``channel`` in ``region_code``.

        >>> WorldParams().outcome("sms", "US")
        Outcome(failed=0.032, delivered=0.912, read=0.0)
        """
        exact = self.overrides.get((channel, region_code))
        if exact is not None:
            return exact
        base = self.channel_outcomes.get(channel) or self.channel_outcomes["sms"]
        factor = self.region_factor.get(region_code, 1.0)
        failed = min(0.5, base.failed * factor)
        stuck = min(0.4, base.stuck * factor)
        return Outcome(failed=round(failed, 6), delivered=round(1.0 - failed - stuck, 6), read=base.read)

    def price(
        self, channel: str, region_code: str, category: str | None, *, segments: int = 1, rich: bool = False
    ) -> float:
        """The channel price of one message (``_pricing`` unless overridden).

        An override is the price of one message (one SMS segment: longer SMS cost that times
        ``segments``).

        >>> WorldParams(price_overrides={("sms", "US", "MARKETING"): 0.05}).price("sms", "US", "MARKETING")
        0.05
        """
        key = (channel, region_code, category)
        if key in self.price_overrides:
            return round(self.price_overrides[key] * (segments if channel == "sms" else 1), 4)
        if channel == "whatsapp" and category is None:
            category = "UTILITY"  # free-form WhatsApp text is priced as a utility conversation
        return _pricing.channel_price(channel, region_code, category, segments=segments, rich=rich)

    def markup(self, channel: str, region_code: str) -> float:
        """The ``active_contact_price`` of one message (``_pricing`` unless overridden).

        >>> WorldParams(markup_overrides={("sms", "US"): 0.001}).markup("sms", "US")
        0.001
        """
        key = (channel, region_code)
        if key in self.markup_overrides:
            return self.markup_overrides[key]
        return _pricing.active_contact_price(channel, region_code)
