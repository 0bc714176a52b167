"""A separate process syncing the messages list into a store, for the kill-and-resume test.

python -m tests.frames.message_sync_worker BASE_URL KEY ACCOUNT_ID PROFILE_ID DIR  -> one sync, then exits.
The key arrives as an argument from the test's own simulator (a demo key, not a secret).
"""

import sys

from sentlab import Limits, SentClient, Store
from sentlab._message_log import MessageLog, sync


def main(base_url: str, key: str, account_id: str, profile_id: str, directory: str) -> None:
    with SentClient(key, base_url=base_url, profile_id=profile_id, pacing=None, progress=False,
                    limits=Limits(concurrency=2)) as client:  # fmt: skip
        store = Store(directory, base_url=base_url, account_id=account_id, profile_id=profile_id)
        print(sync(client, MessageLog(store, "")), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
