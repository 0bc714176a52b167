"""A separate process running one fan-out through the store, for the kill-and-resume tests.

python -m tests.frames.fanout_worker BASE_URL API_KEY CACHE_DIR KIND KEYS_FILE
  KIND is activities, lookups or summaries; KEYS_FILE holds the message ids, numbers or contact
  ids, one a line. Prints "started" once connected, then "done N" (N rows) when the pull ends.
The key arrives as an argument from the test's own simulator (a demo key, not a secret).
"""

import sys

import sentlab


def main(base_url: str, api_key: str, cache_dir: str, kind: str, keys_file: str) -> int:
    with open(keys_file, encoding="utf-8") as lines:
        keys = [line.strip() for line in lines if line.strip()]
    with sentlab.connect(api_key, base_url=base_url, cache_dir=cache_dir, pacing=None, progress=False) as lab:
        print("started", flush=True)
        frame = pull(lab, kind, keys)
    print("done", len(frame), flush=True)
    return 0


def pull(lab: sentlab.Lab, kind: str, keys: list[str]):
    """The frame method of ``kind`` over ``keys`` (this scope only: one request per key)."""
    if kind == "activities":
        return lab.activities(keys)
    if kind == "lookups":
        return lab.lookup_numbers(keys)
    if kind == "summaries":
        return lab.contact_summaries(ids=keys, all_profiles=False)
    raise SystemExit(f"unknown kind {kind!r}")


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
