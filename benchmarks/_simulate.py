"""``sentlab simulate`` in a separate process for the benchmarks (so the server never shares their GIL)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def simulator_process(*args: str) -> Iterator[dict[str, Any]]:
    """Start ``sentlab simulate --json --port 0 ARGS...``; yield its first line (base_url, api_key, profile_keys).

    >>> with simulator_process("--latency", "80ms") as info:
    ...     info["base_url"]
    """
    command = [sys.executable, "-m", "sentlab", "simulate", "--json", "--host", "127.0.0.1", "--port", "0", *args]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once it is listening
        if not line:
            raise SystemExit(f"the simulator did not start: {' '.join(command)}")
        yield json.loads(line)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
