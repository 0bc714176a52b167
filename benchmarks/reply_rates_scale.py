"""Time ``sentlab.reply_rates`` on a synthetic messages frame of a million rows (5% inbound).

    PYTHONPATH=$PWD python benchmarks/reply_rates_scale.py [rows]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sentlab
from tests.kit import reply_frame, timed

if __name__ == "__main__":
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    frame = reply_frame(rows)
    for _ in range(3):
        seconds, out = timed(sentlab.reply_rates, frame, by="channel")
        print(f"reply_rates, {rows:,} rows: {seconds:.2f} s")
    print(out[["channel", "n", "replied", "reply_rate"]].to_string(index=False))
