"""Small messages frames for the metric tests, built the way the library builds them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

import sentlab

STRATA = ("channel", "region_code", "template_category")


def messages(*records: dict[str, Any]) -> pd.DataFrame:
    """A typed messages frame (the schema's dtypes) from flat records; ids m0, m1... unless given."""
    rows = [{"id": f"m{i}", **record} for i, record in enumerate(records)]
    return sentlab.build_frame("messages", rows)


def priced_world(rows: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Unpriced messages over 2 x 5 x 3 strata of unequal sizes, and each message's true cost.

    Within a stratum the cost varies (log-normal around the stratum's own base price, so each
    stratum is skewed like real price lists with surcharges): an estimate has real error to cover.
    """
    rng = np.random.default_rng(seed)
    channel = rng.choice(["sms", "whatsapp"], rows)
    region = rng.choice(["US", "GB", "FR", "IN", "BR"], rows, p=[0.4, 0.2, 0.2, 0.1, 0.1])
    category = rng.choice(["MARKETING", "UTILITY", "AUTHENTICATION"], rows, p=[0.5, 0.3, 0.2])
    base = {(c, r, k): rng.uniform(0.005, 0.1) for c in ("sms", "whatsapp") for r in ("US", "GB", "FR", "IN", "BR")
            for k in ("MARKETING", "UTILITY", "AUTHENTICATION")}  # fmt: skip
    price = np.array([base[key] for key in zip(channel, region, category, strict=True)])
    price = (price * rng.lognormal(0.0, 0.5, rows)).round(4)
    markup = np.where(channel == "sms", 0.005, 0.003)
    frame = messages(*({"status": "DELIVERED", "channel": c, "region_code": r, "template_category": k}
                       for c, r, k in zip(channel, region, category, strict=True)))  # fmt: skip
    frame["true_price"], frame["true_markup"] = price, markup
    return frame, price + markup


def with_prices(frame: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """``frame`` with the true price and markup of the messages ``ids`` filled in, as details would."""
    known = frame["id"].isin(ids).to_numpy()
    out = frame.copy()
    out["price"] = pd.array(np.where(known, frame["true_price"], np.nan), dtype="Float64")
    out["active_contact_price"] = pd.array(np.where(known, frame["true_markup"], np.nan), dtype="Float64")
    return out
