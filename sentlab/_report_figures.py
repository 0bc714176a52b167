"""The report's figures: drawn on first use, rendered to PNG once per content, kept in a cache.

A figure is a plot function with the metric frame it plots (``_Plot``); its cache key hashes the
frame, the call, the plotting code and matplotlib's version, so a warm report reads every PNG
from ``FigureCache`` and never imports matplotlib.

>>> from pathlib import Path
>>> cache = FigureCache(Path("figures"))            # lab.report() keeps one in the store
>>> html = sentlab.build_report(m, figure_cache=cache).to_html()   # draws and caches each figure
>>> len(list(Path("figures").glob("*.png")))
7
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sentlab import _plots as plots

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FigureCache"]

_PNG_DPI = 110


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_PNG_DPI)
    return buffer.getvalue()


class _Plot:
    """A figure not drawn yet: a plot function, the metric frame it plots and its options."""

    def __init__(self, function: Callable[..., Figure], frame: pd.DataFrame, *args: Any, **options: Any) -> None:
        self.function, self.frame, self.args, self.options = function, frame, args, options

    def draw(self) -> Figure:
        return self.function(self.frame, *self.args, **self.options)

    def key(self) -> str:
        """A hash of everything the picture depends on: the data, the call, the plotting code, matplotlib."""
        digest = hashlib.sha256(_render_version())
        digest.update(repr((self.function.__name__, self.args, sorted(self.options.items()))).encode())
        digest.update(repr([(str(c), str(t)) for c, t in self.frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()[:32]


def _render_version() -> bytes:
    global _RENDER_VERSION
    if _RENDER_VERSION is None:
        from importlib.metadata import version

        code = Path(plots.__file__).read_bytes()
        _RENDER_VERSION = f"png dpi={_PNG_DPI} matplotlib={version('matplotlib')} ".encode() + hashlib.sha256(code).digest()
    return _RENDER_VERSION


_RENDER_VERSION: bytes | None = None


class _Figures(Mapping[str, "Figure"]):
    """The report's figures by name, each a matplotlib Figure drawn the first time it is asked for."""

    def __init__(self, items: Mapping[str, _Plot | Figure] | None = None) -> None:
        self._items: dict[str, _Plot | Figure] = dict(items or {})

    def __getitem__(self, name: str) -> Figure:
        item = self._items[name]
        if isinstance(item, _Plot):
            item = self._items[name] = item.draw()
        return item

    def __setitem__(self, name: str, figure: _Plot | Figure) -> None:
        self._items[name] = figure

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<figures {', '.join(self._items) or '(none)'}>"

    def png(self, name: str, cache: FigureCache | None = None) -> bytes:
        """The figure as PNG bytes: from ``cache`` when it holds this very picture, else drawn (and cached)."""
        item = self._items[name]
        key = item.key() if isinstance(item, _Plot) and cache is not None else None
        if key is not None and (found := cache.get(key)) is not None:
            return found
        data = _png(self[name])
        if key is not None:
            cache.put(key, data)
        return data


class FigureCache:
    """Rendered report figures (PNG) in a directory, by a hash of what they plot; the newest ``keep`` kept.

    A figure's key covers its data, its plot call, the plotting code and matplotlib's version, so a
    cached picture is the very one drawing would give. ``lab.report()`` uses one under the store's
    directory; a process may share it with others (each file is written whole, then renamed).

    >>> figures = FigureCache(lab.cache.directory / "figures")   # the one lab.report() keeps
    >>> report = sentlab.build_report(lab.messages(), figure_cache=figures)
    >>> report.save("report.html")      # a figure already drawn for the same data is not drawn again
    PosixPath('report.html')
    """

    def __init__(self, directory: str | os.PathLike[str], keep: int = 200) -> None:
        self.directory = Path(directory)
        self.keep = keep

    def get(self, key: str) -> bytes | None:
        path = self.directory / f"{key}.png"
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: kept by the pruning below
        except OSError:
            return None
        return data if data.startswith(b"\x89PNG") else None

    def put(self, key: str, data: bytes) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f"{key}.{os.getpid()}.part"
            tmp.write_bytes(data)
            tmp.replace(self.directory / f"{key}.png")
            files = sorted(self.directory.glob("*.png"), key=lambda p: p.stat().st_mtime)
            for old in files[: max(len(files) - self.keep, 0)]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only costs the next report its drawing
