"""A separate process writing to a store, for the concurrency and crash tests.

python -m tests.frames.store_worker DIR NAME N  -> writes N records, printing each committed key.
"""

import sys

from sentlab import Store


def main(directory: str, name: str, count: int) -> None:
    store = Store(directory, base_url="http://sim", account_id="acct")
    blob = "x" * 2000  # big enough rows that a kill often lands mid-transaction
    for i in range(count):
        key = f"{name}-{i}"
        store.put_records("message", {f"{key}-{j}": {"id": key, "j": j, "pad": blob} for j in range(20)})
        print(key, flush=True)  # printed only after COMMIT returned


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
