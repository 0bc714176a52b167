"""One of several processes pulling one account into one shared store, for the soak test.

python -m tests.client.soak_worker BASE_URL API_KEY CACHE_DIR NUMBERS_FILE
  -> pulls contacts, templates, the messages list and number lookups with the default pacing
     (its budget shared with the other processes through the store directory) and the default
     retries, then prints one JSON line of figures: rows, requests, retries, 429s, seconds.
The key arrives as an argument from the test's own simulator (a demo key, not a secret).
"""

import json
import sys
import time

import sentlab


def main(base_url: str, api_key: str, cache_dir: str, numbers_file: str) -> int:
    with open(numbers_file, encoding="utf-8") as lines:
        numbers = [line.strip() for line in lines if line.strip()]
    started = time.monotonic()
    with sentlab.connect(api_key, base_url=base_url, cache_dir=cache_dir, progress=False) as lab:
        rows = {"contacts": len(lab.contacts()), "templates": len(lab.templates()),
                "messages": len(lab.messages()), "lookups": len(lab.lookup_numbers(numbers))}  # fmt: skip
        stats = lab.api.stats
        figures = {"rows": rows, "requests": stats.requests, "retries": stats.retries,
                   "rate_limited": stats.rate_limited, "by_status": stats.by_status,
                   "seconds": round(time.monotonic() - started, 2)}  # fmt: skip
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
