"""How sentlab's figures show in a notebook: as a PNG image, with no pyplot and no ``%matplotlib``.

A Figure made without pyplot has no rich display of its own (a fresh Jupyter kernel shows the
text ``<Figure size 700x256 with 1 Axes>``), and pyplot's figure registry would show it a second
time at the end of the cell. ``NotebookFigure`` is a plain ``matplotlib.figure.Figure`` that
also answers IPython's ``_repr_png_``: any frontend that asks for rich output gets one image,
once, and nothing global is touched (where pyplot's inline backend is active, its own PNG
formatter takes precedence, still once).

>>> fig = NotebookFigure(figsize=(4, 3)); lines = fig.add_subplot().plot([0, 1])
>>> fig._repr_png_()[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure

__all__ = ["NotebookFigure"]


class NotebookFigure(Figure):
    """A matplotlib Figure that a notebook displays as a PNG image (``_repr_png_``).

    >>> NotebookFigure(figsize=(4, 3))._repr_png_().startswith(b"\\x89PNG")
    True
    """

    def _repr_png_(self) -> bytes:
        # The same rendering as matplotlib's inline backend: tight box, the figure's own dpi.
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
