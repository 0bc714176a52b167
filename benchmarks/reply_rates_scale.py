"""Time ``sentlab.reply_rates`` on a synthetic messages frame of a million rows (5% inbound).

    PYTHONPATH=$PWD python benchmarks/reply_rates_scale.py [rows]
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

import sentlab

T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def frame_of(rows: int, seed: int = 0) -> pd.DataFrame:
    """``rows`` messages over 30 days and rows/5 contacts, 5% of them inbound, typed as the library types them."""
    rng = np.random.default_rng(seed)
    created = T0 + pd.to_timedelta(np.sort(rng.uniform(0, 30 * 86400, rows)), unit="s")
    is_in = rng.random(rows) < 0.05
    status = np.where(is_in, "RECEIVED", rng.choice(["DELIVERED", "READ", "FAILED"], rows, p=[0.5, 0.1, 0.4]))
    return pd.DataFrame({
        "id": pd.array(np.char.add("m", np.arange(rows).astype(str)), dtype="str"),
        "contact_id": pd.array(np.char.add("c", rng.integers(0, max(rows // 5, 1), rows).astype(str)), dtype="str"),
        "direction": pd.Categorical(np.where(is_in, "inbound", "outbound")),
        "status": pd.Categorical(status),
        "channel": pd.Categorical(rng.choice(["sms", "whatsapp", "rcs"], rows)),
        "created_at": created,
        "delivered_at": pd.Series(created + pd.Timedelta(seconds=3)).where(np.isin(status, ["DELIVERED", "READ"])),
    })  # fmt: skip


def timed(frame: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    out = sentlab.reply_rates(frame, by="channel")
    return time.perf_counter() - start, out


if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frame = frame_of(rows)
    for _ in range(3):
        seconds, out = timed(frame)
        print(f"reply_rates, {rows:,} rows: {seconds:.2f} s")
    print(out[["channel", "n", "replied", "reply_rate"]].to_string(index=False))
