"""The report's analysis sections: comparisons said plainly, what changed, time to delivery with the in-flight counted.

``analysis_tables`` computes the frames (pure, from a messages frame); the ``*_html`` functions
render them as sections of the report's page.

>>> tables = analysis_tables(lab.messages())
>>> comparison_sentence(tables["compare_templates"].iloc[0], "template_name")
'order_confirmation delivers 2.8 points more than spring_sale (95% CI -7.2 to 11.9; adjusted p = 1.00)'
"""

from __future__ import annotations

import html

import pandas as pd

from sentlab import _anomalies as anomalies
from sentlab import _compare as compare
from sentlab import _plots as plots
from sentlab import _survival as survival
from sentlab._html import details as _details
from sentlab._html import table as _table

__all__ = ["analysis_tables", "changes_html", "comparison_sentence", "comparisons_html", "time_to_html"]

#: The comparisons the report makes: table name -> (by, metric).
COMPARISONS = {"compare_templates": ("template_name", "delivery_rate"), "compare_channels": ("channel", "failure_rate")}
#: The control charts: table name -> (metric, by).
CHARTS = {"changes_by_channel": ("failure_rate", "channel"), "changes_by_profile": ("blocked_rate", "profile_id")}
_VERBS = {"delivery_rate": "delivers", "failure_rate": "fails", "read_rate": "is read", "blocked_rate": "is blocked",
          "dashboard_deliverability": "reaches the dashboard's deliverability", "reply_rate": "gets replies"}  # fmt: skip
#: Flagged periods shown in the report: the most recent ones.
RECENT_CHANGES = 10


def analysis_tables(messages: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The frames behind the analysis sections: comparisons, flagged periods, time to delivery."""
    out: dict[str, pd.DataFrame] = {}
    for name, (by, metric) in COMPARISONS.items():
        if by in messages.columns:
            out[name] = compare.compare(messages, by=by, metric=metric)
    for name, (metric, by) in CHARTS.items():
        if by in messages.columns:
            chart = anomalies.anomalies(messages, metric=metric, by=by)
            flagged = chart[chart["flag"] != ""].sort_values("period", ascending=False, kind="stable")
            flagged.attrs.update(chart.attrs)
            out[name] = flagged.reset_index(drop=True)
    out["time_to_delivered"] = survival.time_to(messages, "delivered", by="channel" if "channel" in messages else None)
    return out


def _label(metric: str, by: str) -> str:
    """"Delivery rate by template name", "Blocked rate by profile": a section's heading."""
    text = f"{metric.replace('_', ' ')} by {'profile' if by == 'profile_id' else by.replace('_', ' ')}"
    return text[0].upper() + text[1:]


def _p_text(p: float) -> str:
    if pd.isna(p):
        return "p not computable"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def comparison_sentence(row: pd.Series, by: str) -> str:
    """One comparison in words: "B delivers 4.8 points more than A (95% CI 3.1 to 6.5; adjusted p < 0.001)"."""
    metric = str(row["metric"])
    group, base = plots.key_text(row[by]), plots.key_text(row["baseline"])
    ci = row["diff_low"], row["diff_high"]
    adjusted = _p_text(row["p_adjusted"])
    if metric == "cost_per_message":
        more = "more" if row["diff"] > 0 else "less"
        return (f"{group} costs {plots.money_text(abs(row['diff']))} {more} per message than {base} "
                f"(95% CI {plots.money_text(ci[0])} to {plots.money_text(ci[1])}; adjusted {adjusted})")  # fmt: skip
    more = "more" if row["diff"] > 0 else "less"
    points = abs(row["diff"]) * 100
    return (f"{group} {_VERBS.get(metric, metric)} {points:.1f} points {more} than {base} "
            f"(95% CI {ci[0] * 100:.1f} to {ci[1] * 100:.1f}; adjusted {adjusted})")  # fmt: skip


def comparisons_html(tables: dict[str, pd.DataFrame]) -> str:
    """The comparisons section: the significant differences said plainly, every comparison in a table."""
    parts = []
    for name, (by, metric) in COMPARISONS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        label = _label(metric, by)
        parts.append(f"<h3>{html.escape(label)}</h3>")
        if frame.empty:
            parts.append("<p class=empty>Fewer than two groups with messages to compare.</p>")
            continue
        adjust = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}[frame.attrs.get("adjust", "holm")]
        significant = frame[frame["significant"]]
        intro = (f"{len(frame)} comparisons ({frame.attrs.get('comparisons', '')}), p-values adjusted "
                 f"across them ({adjust}).")  # fmt: skip
        if significant.empty:
            parts.append(f"<p>{html.escape(intro)} None differs beyond chance.</p>")
        else:
            items = "".join(f"<li>{html.escape(comparison_sentence(r, by))}</li>" for _, r in significant.iterrows())
            parts.append(f"<p>{html.escape(intro)} {len(significant)} {'differs' if len(significant) == 1 else 'differ'} beyond chance:</p><ul>{items}</ul>")
        rows = [[plots.key_text(r[by]), plots.key_text(r["baseline"]), f"{r['n']:,}", f"{r['baseline_n']:,}",
                 f"{r['diff'] * 100:+.1f} pts", f"{r['diff_low'] * 100:.1f} to {r['diff_high'] * 100:.1f}",
                 _p_text(r["p_value"]).removeprefix("p "), _p_text(r["p_adjusted"]).removeprefix("p "), str(r["test"])]
                for _, r in frame.iterrows()]  # fmt: skip
        head = [by, "baseline", "n", "baseline n", "difference", "95% CI", "p", "adjusted p", "test"]
        parts.append(_details(f"All {len(frame)} comparisons", _table(head, rows)))
    return "".join(parts)


def changes_html(tables: dict[str, pd.DataFrame]) -> str:
    """The "what changed" section: days whose rate or a reason code's share left its control limits."""
    parts = []
    for name, (metric, by) in CHARTS.items():
        frame = tables.get(name)
        if frame is None:
            continue
        label = _label(metric, by)
        if frame.empty:
            parts.append(f"<p>{html.escape(label)}: no day outside its control limits.</p>")
            continue
        shown_by = "profile" if by == "profile_id" and "profile" in frame.columns else by
        rows = [[plots.key_text(r[shown_by]), plots.key_text(r["period"]),
                 metric.replace("_", " ") if r["kind"] == "rate" else f"reason {r['reason_code']}",
                 f"{r['rate']:.1%} of {r['n']:,}", f"{r['centre']:.1%} ({r['lower']:.1%}–{r['upper']:.1%})", r["flag"]]
                for _, r in frame.iterrows()]  # fmt: skip
        head = [shown_by, "day", "what", "that day", "usual (limits)", "flag"]
        parts.append(f"<h3>{html.escape(label)}</h3>{_table(head, rows, top=RECENT_CHANGES)}")
    intro = ("<p class=defs>A day is flagged when its rate, or a reason code's share, is beyond what the preceding "
             "four weeks make likely at that day's volume (a p-chart, 3 sigma, exact binomial tails).</p>")  # fmt: skip
    return intro + "".join(parts)


def time_to_html(tables: dict[str, pd.DataFrame]) -> str:
    """Time to delivery by channel, Kaplan-Meier with the in-flight counted, beside the plain percentiles."""
    frame = tables.get("time_to_delivered")
    if frame is None or frame.empty:
        return ""
    keys = [c for c in frame.columns if c == "channel"]
    rows = [[*(plots.key_text(r[k]) for k in keys), f"{r['n']:,}", f"{r['in_flight']:,}",
             *(f"{plots.duration_text(r[f'p{p}']) or 'not yet'} ({plots.duration_text(r[f'observed_p{p}']) or '–'})"
               for p in (50, 90, 99))]
            for _, r in frame.iterrows()]  # fmt: skip
    head = [*keys, "messages", "in flight", "median", "p90", "p99"]
    return ("<h3>Time to delivery, the in-flight counted</h3><p class=defs>Kaplan-Meier: messages still on their "
            "way are counted as taking at least as long as they have so far; in brackets the plain percentile over "
            "the delivered only, which runs low while messages are in flight. 'not yet': too many still in flight "
            "to say.</p>" + _table(head, rows))  # fmt: skip
