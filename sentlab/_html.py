"""Pieces of the report's HTML page: escaped tables, the long ones collapsible.

>>> table(["channel", "n"], [["sms", "1,200"], ["whatsapp", "800"]])
'<div class=scroll><table><thead><tr><th>channel</th><th>n</th></tr></thead><tbody>...'
"""

from __future__ import annotations

import html
import re

__all__ = ["details", "table"]

# A range such as "86.4%–89.0%": kept on one line (a browser would break a cell after the dash).
_RANGE = re.compile(r"[\d.,]+%?–[\d.,]+%?")


def _cell(value: object) -> str:
    return _RANGE.sub(lambda m: f"<span class=nb>{m[0]}</span>", html.escape(str(value)))


def table(head: list[str], rows: list[list[str]], more: int = 0, top: int | None = None) -> str:
    """An HTML table of ``rows``; past ``top`` rows, the first ``top`` and every row in a <details>."""
    if not rows:
        return "<p class=empty>No data.</p>"
    th = "".join(f"<th>{html.escape(h.replace('_', ' '))}</th>" for h in head)

    def part(chosen: list[list[str]]) -> str:
        body = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>" for row in chosen)
        # a table wider than the page scrolls inside its own box, never the page
        return f"<div class=scroll><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>"

    if top is not None and len(rows) > top:
        return details(f"All {len(rows):,} rows ({len(rows) - top:,} more)", part(rows), before=part(rows[:top]))
    tail = f"<p class=more>{more:,} more rows not shown.</p>" if more > 0 else ""
    return part(rows) + tail


def details(summary: str, body: str, *, before: str = "") -> str:
    """``before``, then ``body`` folded under a <details> whose summary reads ``summary``."""
    return f"{before}<details><summary>{html.escape(summary)}</summary>{body}</details>"
