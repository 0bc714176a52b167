"""Run the builder with chunks of another size, so tests reach every chunk boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from sentlab import _arrow_paths


@contextmanager
def chunk_size(chunk: int | None) -> Iterator[None]:
    """Within the block, the fast paths read ``chunk`` records at a time (None: the default)."""
    with pytest.MonkeyPatch.context() as patch:
        if chunk is not None:
            patch.setattr(_arrow_paths, "_CHUNK", chunk)
            patch.setattr(_arrow_paths, "_MESSAGE_CHUNK", chunk)
        yield
