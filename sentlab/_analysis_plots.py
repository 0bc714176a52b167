"""Matplotlib figures of the analysis frames: comparisons, time-to-stage curves, control charts.

As in ``_plots``: each function takes the frame its analysis function returns and gives back a
``matplotlib.figure.Figure`` built without pyplot; pass ``ax=`` to draw into your own axes.

>>> m = lab.messages()
>>> sentlab.plot_comparisons(sentlab.compare(m, by="template_name"))
<NotebookFigure size ... with 1 Axes>
>>> sentlab.plot_time_to(sentlab.survival_curve(m, "delivered", by="channel"))
<NotebookFigure size ... with 1 Axes>
>>> sentlab.plot_anomalies(sentlab.anomalies(m, "failure_rate", by="channel"))
<NotebookFigure size ... with 1 Axes>
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator, PercentFormatter

from sentlab._errors import ConfigurationError
from sentlab._plots import _SERIES, OUTCOME_COLOURS, _axes, key_text

__all__ = ["plot_anomalies", "plot_comparisons", "plot_time_to"]

#: Round durations for a log time axis, and how they read.
_DURATION_TICKS = [(1, "1 s"), (10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"), (6 * 3600, "6 h"),
                   (86400, "1 d"), (7 * 86400, "7 d")]  # fmt: skip
_MAX_ROWS = 25


def _need(frame: pd.DataFrame, columns: set[str], what: str) -> None:
    if not columns <= set(frame.columns):
        raise ConfigurationError(f"this plot takes the frame of sentlab.{what}(), not a frame with "
                                 f"columns {list(frame.columns)[:8]}")  # fmt: skip


def plot_comparisons(comparisons: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Each comparison's difference with its interval, against 0; the significant ones (adjusted) in colour.

    >>> sentlab.plot_comparisons(sentlab.compare(lab.messages(), by="channel", metric="failure_rate"))
    <NotebookFigure size ... with 1 Axes>
    """
    _need(comparisons, {"baseline", "diff", "diff_low", "diff_high", "significant", "metric"}, "compare")
    group = comparisons.columns[0]
    frame = comparisons.head(_MAX_ROWS).iloc[::-1]
    fig, ax = _axes(ax, len(frame), width=8.0)
    rate = not str(comparisons["metric"].iloc[0] if len(comparisons) else "").startswith("cost")
    y = np.arange(len(frame))
    significant = frame["significant"].to_numpy(bool)
    for chosen, colour in ((significant, _SERIES[0]), (~significant, "#999999")):
        part = frame[chosen]
        ax.errorbar(part["diff"], y[chosen], xerr=[part["diff"] - part["diff_low"], part["diff_high"] - part["diff"]],
                    fmt="o", color=colour, elinewidth=2, capsize=3)  # fmt: skip
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_yticks(y, [f"{key_text(g)} vs {key_text(b)}" for g, b in zip(frame[group], frame["baseline"], strict=True)])
    if rate:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    metric = str(comparisons["metric"].iloc[0]).replace("_", " ") if len(comparisons) else "metric"
    ax.set_xlabel("difference, 95% CI (blue: significant after adjustment)")
    ax.set_title(title or f"{metric} by {group}: differences")
    if not len(frame):
        ax.text(0.5, 0.5, "no comparisons", transform=ax.transAxes, ha="center", va="center")
    return fig


def plot_time_to(curve: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Share of messages not yet at the stage over time (Kaplan-Meier, with its band), a line per group.

    >>> sentlab.plot_time_to(sentlab.survival_curve(lab.messages(), "delivered", by="channel"))
    <NotebookFigure size ... with 1 Axes>
    """
    _need(curve, {"seconds", "survival", "survival_low", "survival_high"}, "survival_curve")
    keys = [c for c in curve.columns if c not in {"seconds", "at_risk", "events", "censored", "survival",
                                                    "survival_low", "survival_high"}]  # fmt: skip
    fig, ax = _axes(ax, 6)
    groups = curve.groupby(keys, sort=False, dropna=False, observed=True) if keys else [((), curve)]
    for i, (key, part) in enumerate(groups):
        if not len(part):
            continue
        key = key if isinstance(key, tuple) else (key,)
        colour = _SERIES[i % len(_SERIES)]
        t = np.concatenate([[max(part["seconds"].iloc[0], 1.0)], np.maximum(part["seconds"], 1.0)])
        s = np.concatenate([[1.0], part["survival"]])
        ax.step(t, s, where="post", color=colour, label=" · ".join(key_text(k) for k in key) or "all messages")
        ax.fill_between(t[1:], part["survival_low"], part["survival_high"], step="post", color=colour, alpha=0.15)
    ax.set_xscale("log")
    top = float(curve["seconds"].max()) if len(curve) else 60.0
    ticks = [(v, text) for v, text in _DURATION_TICKS if v <= max(top, 60) * 1.5]
    ax.xaxis.set_major_locator(FixedLocator([v for v, _ in ticks]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([text for _, text in ticks])
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("not there yet")
    ax.set_xlabel("time since queued (in-flight messages counted, Kaplan-Meier)")
    ax.set_title(title or "Time to stage")
    if len(curve):
        ax.legend(loc="upper right", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no messages", transform=ax.transAxes, ha="center", va="center")
    return fig


def plot_anomalies(anomalies: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """The p-chart of each group's rate: the rate per period, the centre line and limits, flagged periods marked.

    >>> sentlab.plot_anomalies(sentlab.anomalies(lab.messages(), "failure_rate", by="channel"))
    <NotebookFigure size ... with 1 Axes>
    """
    _need(anomalies, {"kind", "period", "rate", "centre", "lower", "upper", "flag"}, "anomalies")
    rates = anomalies[anomalies["kind"] == "rate"]
    keys = [c for c in rates.columns if c not in {"kind", "reason_code", "period", "n", "k", "rate", "centre",
                                                    "lower", "upper", "z", "flag"}]  # fmt: skip
    fig, ax = _axes(ax, 6)
    groups = rates.groupby(keys, sort=False, dropna=False, observed=True) if keys else [((), rates)]
    for i, (key, part) in enumerate(groups):
        if i >= len(_SERIES):
            break
        key = key if isinstance(key, tuple) else (key,)
        colour = _SERIES[i]
        ax.plot(part["period"], part["rate"], color=colour, marker=".", label=" · ".join(key_text(k) for k in key) or "all")
        ax.fill_between(part["period"], part["lower"], part["upper"], color=colour, alpha=0.12, step="mid")
        hit = part[part["flag"] != ""]
        ax.scatter(hit["period"], hit["rate"], s=60, facecolors="none", edgecolors=OUTCOME_COLOURS["failed"],
                   linewidths=2, zorder=3)  # fmt: skip
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    metric = str(anomalies.attrs.get("metric", "rate")).replace("_", " ")
    ax.set_ylabel(metric)
    ax.set_title(title or f"{metric}: control limits from the preceding weeks (flagged circled)")
    if len(rates):
        ax.legend(loc="upper left", fontsize="small")
        ax.tick_params(axis="x", labelrotation=30)
    else:
        ax.text(0.5, 0.5, "no messages", transform=ax.transAxes, ha="center", va="center")
    return fig
