"""A separate process pulling through the store, for the kill and Ctrl-C tests.

python -m tests.frames.pull_worker BASE_URL API_KEY CACHE_DIR IDS_FILE
  -> prints "started" once connected, then pulls the details of every id in IDS_FILE (one a line)
     and prints "done N" (N answers), or "interrupted" on Ctrl-C (exit status 130).
     IDS_FILE "-" syncs the webhook events of the whole account instead.
"""

import sys

import sentlab
from sentlab import _datasets as ds
from sentlab._frames import empty_frame


def main(base_url: str, api_key: str, cache_dir: str, ids_file: str) -> int:
    ids = []
    if ids_file != "-":
        with open(ids_file, encoding="utf-8") as lines:
            ids = [line.strip() for line in lines if line.strip()]
    with sentlab.connect(api_key, base_url=base_url, cache_dir=cache_dir, pacing=None, progress=False) as lab:
        print("started", flush=True)
        try:
            if ids_file == "-":
                frame = lab.webhook_events()
            else:
                frame = ds.with_details(lab.api, lab.cache, empty_frame("messages"), ids)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            return 130
    print("done", len(frame), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
