"""Stable identifiers derived by hashing: UUIDs and request ids of records made on demand."""

from __future__ import annotations

import hashlib

__all__ = ["hash_int", "hash_uuid", "request_id", "uuid_from_int"]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def hash_int(*parts: object) -> int:
    """A 128-bit integer that depends only on ``parts``.

    >>> hash_int("a", 1) == hash_int("a", 1) != hash_int("a", 2)
    True
    """
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=16).digest()
    return int.from_bytes(digest, "big")


_VERSION_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_VERSION_SET = (0x4000 << 64) | (0x8000 << 48)


def uuid_from_int(n: int) -> str:
    """A v4-shaped UUID string from the low 128 bits of ``n`` (what ``uuid.UUID(int=n, version=4)``
    gives, formatted without building a UUID object: a world draws hundreds of thousands).

    >>> uuid_from_int(0)
    '00000000-0000-4000-8000-000000000000'
    """
    h = f"{(n & _VERSION_CLEAR) | _VERSION_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hash_uuid(*parts: object) -> str:
    """A stable UUID (v4-shaped) for ``parts``: ids of records made on demand.

    >>> hash_uuid(7, "event", 12)            # the same on every run
    'd2e65450-2472-4d87-a429-5662569af1ba'
    """
    return uuid_from_int(hash_int(*parts))


def request_id(*parts: object) -> str:
    """A stable ``req_`` + 10 base-62 characters id for ``parts``.

    >>> request_id(7, "event", 12)
    'req_8pWnE8gijp'
    """
    n = hash_int(*parts)
    chars = []
    for _ in range(10):
        n, r = divmod(n, 62)
        chars.append(_B62[r])
    return "req_" + "".join(chars)
