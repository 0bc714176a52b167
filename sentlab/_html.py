"""Pieces of the report's HTML page: escaped tables, the long ones collapsible.

>>> table(["channel", "n"], [["sms", "1,200"], ["whatsapp", "800"]])
'<table><thead><tr><th>channel</th><th>n</th></tr></thead><tbody>...'
"""

from __future__ import annotations

import html

__all__ = ["details", "table"]


def table(head: list[str], rows: list[list[str]], more: int = 0, top: int | None = None) -> str:
    """An HTML table of ``rows``; past ``top`` rows, the first ``top`` and every row in a <details>."""
    if not rows:
        return "<p class=empty>No data.</p>"
    th = "".join(f"<th>{html.escape(h.replace('_', ' '))}</th>" for h in head)

    def part(chosen: list[list[str]]) -> str:
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in chosen)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    if top is not None and len(rows) > top:
        return details(f"All {len(rows):,} rows ({len(rows) - top:,} more)", part(rows), before=part(rows[:top]))
    tail = f"<p class=more>{more:,} more rows not shown.</p>" if more > 0 else ""
    return part(rows) + tail


def details(summary: str, body: str, *, before: str = "") -> str:
    """``before``, then ``body`` folded under a <details> whose summary reads ``summary``."""
    return f"{before}<details><summary>{html.escape(summary)}</summary>{body}</details>"
