"""Matplotlib figures of the metric frames: each function takes a metric frame, returns a Figure.

Figures are built with ``matplotlib.figure.Figure``, not pyplot: no global state, no GUI backend
needed, safe from threads, and Jupyter shows a returned Figure once (pyplot would show it a second
time). Pass ``ax=`` to draw into an axes of your own; the function then returns its figure.

>>> fig = sentlab.plot_rates(sentlab.delivery_rates(lab.messages(), by="channel"))
>>> fig.savefig("delivery.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sentlab._errors import ConfigurationError
from sentlab._metrics import (
    CALL_COST_COLUMNS,
    COST_COLUMNS,
    RATE_COUNTS,
    RATE_PARTS,
    RATES,
    TIME_BUCKETS,
)

if TYPE_CHECKING:  # matplotlib is imported on the first figure: the report's text and tables need none of it
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_costs", "plot_latency", "plot_rates", "plot_volume"]

# Columns each metric function adds; whatever else a metric frame holds is a group key.
_RATE_VALUES = frozenset({*RATE_COUNTS, *(f"{r}{part}" for r in RATES for part in RATE_PARTS)})
_COST_VALUES = frozenset(COST_COLUMNS)
_CALL_VALUES = frozenset(CALL_COST_COLUMNS)  # costs(..., calls=) adds these: values, never keys
_LATENCY_VALUES = frozenset({"stage", "n"})

# Outcome colours, kept the same in every figure (colour-blind-safe Okabe-Ito hues).
OUTCOME_COLOURS = {"read": "#009E73", "delivered": "#56B4E9", "sent": "#E69F00", "failed": "#D55E00",
                   "blocked": "#CC79A7", "pending": "#999999", "other": "#F0E442"}  # fmt: skip
_RATE_COLOURS = {"delivery_rate": OUTCOME_COLOURS["delivered"], "failure_rate": OUTCOME_COLOURS["failed"],
                 "read_rate": OUTCOME_COLOURS["read"], "blocked_rate": OUTCOME_COLOURS["blocked"],
                 "dashboard_deliverability": "#0072B2"}  # fmt: skip
_SERIES = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_MAX_BARS = 25


def _axes(ax: Axes | None, rows: int = 1, *, width: float = 7.0) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    from sentlab._display import (
        NotebookFigure,  # imported here: matplotlib loads on the first figure
    )

    fig = NotebookFigure(figsize=(width, min(1.6 + 0.32 * max(rows, 3), 9.0)), layout="constrained")
    return fig, fig.add_subplot()


def _keys(frame: pd.DataFrame, values: frozenset[str], what: str) -> list[str]:
    if not set(frame.columns) >= values - {"method"}:
        raise ConfigurationError(f"this plot takes the frame of sentlab.{what}(), not a frame with "
                                 f"columns {list(frame.columns)[:8]}")  # fmt: skip
    return [c for c in frame.columns if c not in values and c not in _CALL_VALUES]


# -- how values read in figures and the report -----------------------------------------------


def key_text(value: Any) -> str:
    """A group key as text: a day as 2026-11-03, a null as (none)."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return "(none)" if pd.isna(value) else str(value)


def money_text(value: Any) -> str:
    """An amount to the cent (1,234.50, 0.06); a null as a dash. Unit prices: ``unit_price_text``.

    >>> money_text(1234.5), money_text(0.0625)
    ('1,234.50', '0.06')
    """
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):,.2f}"


def unit_price_text(value: Any) -> str:
    """A unit price (per message, per delivered) to 4 decimals, as the API prices a message; a null as a dash.

    >>> unit_price_text(0.0548), unit_price_text(1.06)
    ('0.0548', '1.0600')
    """
    if value is None or pd.isna(value):
        return "–"
    return f"{float(value):,.4f}"


def duration_text(seconds: float, _: Any = None) -> str:
    """Seconds in the largest fitting unit (3.2 s, 16.7 min, 2.78 h); empty for none."""
    if not np.isfinite(seconds) or seconds <= 0:
        return ""
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds * 1000:.3g} ms"


#: Round durations for a time axis, in seconds: 1 s, 5 s, 1 min, 15 min, 1 h, 6 h, 1 d...; and a
#: coarser set for wide ranges, each step about tenfold.
DURATION_TICKS = (0.01, 0.1, 0.5, 1, 2, 5, 10, 15, 30, 60, 2 * 60, 5 * 60, 15 * 60, 30 * 60, 3600, 2 * 3600,
                  6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400)  # fmt: skip
_COARSE_TICKS = (0.01, 0.1, 1, 10, 60, 10 * 60, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)


def duration_ticks(low: float, high: float, most: int = 8) -> list[float]:
    """Round durations spanning ``low``..``high`` seconds, at most ``most`` of them (none for no range).

    >>> [duration_text(t) for t in duration_ticks(100, 10_000)]
    ['1 min', '2 min', '5 min', '15 min', '30 min', '1 h', '2 h', '6 h']
    >>> [duration_text(t) for t in duration_ticks(2, 500_000)]
    ['1 s', '10 s', '1 min', '10 min', '1 h', '6 h', '1 d', '7 d']
    """
    if not (np.isfinite(low) and np.isfinite(high)) or high <= 0:
        return []
    for ladder in (DURATION_TICKS, _COARSE_TICKS):
        first = max([i for i, t in enumerate(ladder) if t <= low] or [0])
        last = min([i for i, t in enumerate(ladder) if t >= high] or [len(ladder) - 1])
        ticks = list(ladder[first:last + 1])
        if len(ticks) <= most:
            return ticks
    thinned = ticks[::-(-len(ticks) // most)]
    return thinned if thinned[-1] == ticks[-1] else [*thinned, ticks[-1]]  # the range stays covered


def _duration_ticks(ax: Axes, seconds: np.ndarray) -> None:
    """A log time axis ticked at round durations (1 min, 15 min, 1 h), labelled in their unit."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    finite = seconds[np.isfinite(seconds) & (seconds > 0)]
    if not len(finite):
        return
    low, high = float(finite.min()), float(finite.max())
    ticks = duration_ticks(low, high)
    ax.set_xlim(min(ticks[0], low) / 1.3, max(ticks[-1], high) * 1.3)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(duration_text))


def _label(row: pd.Series, keys: Sequence[str]) -> str:
    return " · ".join(key_text(row[k]) for k in keys) or "all messages"


def _split_time(keys: list[str]) -> tuple[str | None, list[str]]:
    time = [k for k in keys if k in TIME_BUCKETS]
    return (time[0] if time else None), [k for k in keys if k not in TIME_BUCKETS]


def _top(frame: pd.DataFrame, size: str) -> tuple[pd.DataFrame, int]:
    """The largest ``_MAX_BARS`` rows by ``size``, and how many were left out."""
    if len(frame) <= _MAX_BARS:
        return frame, 0
    return frame.nlargest(_MAX_BARS, size), len(frame) - _MAX_BARS


def _money(ax: Axes, axis: str = "x") -> None:
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _: money_text(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(fmt)


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(1.0)


def plot_rates(rates: pd.DataFrame, metric: str = "delivery_rate", *, ax: Axes | None = None,
               title: str | None = None) -> Figure:  # fmt: skip
    """Bars of a rate per group with its 95% interval, or lines over time if grouped by day/week/month.

    ``metric`` is ``delivery_rate``, ``failure_rate``, ``read_rate``, ``blocked_rate`` or
    ``dashboard_deliverability``; bars are labelled with their n (the rate's denominator), the
    largest 25 groups by n are shown.

    >>> m = lab.messages()
    >>> sentlab.plot_rates(sentlab.delivery_rates(m, by="channel"))
    <NotebookFigure size ... with 1 Axes>
    >>> sentlab.plot_rates(sentlab.delivery_rates(m, by=["day", "channel"]), "failure_rate")
    <NotebookFigure size ... with 1 Axes>
    """
    if metric not in RATES:
        raise ConfigurationError(f"metric must be one of {', '.join(RATES)}, not {metric!r}")
    keys = _keys(rates, _RATE_VALUES, "delivery_rates")
    n_col = f"{metric}_denominator"
    time, others = _split_time(keys)
    pretty = metric.replace("_", " ")
    if time is not None:
        fig, ax = _axes(ax, 6, width=8.0)
        groups = rates.groupby(others, observed=True, dropna=False, sort=True) if others else [((), rates)]
        for i, (name, part) in enumerate(groups):
            part = part.sort_values(time)
            colour = _SERIES[i % len(_SERIES)]
            label = " · ".join(str(v) for v in np.atleast_1d(name)) if others else pretty
            ax.plot(part[time], part[metric], marker="o", ms=3, color=colour, label=label)
            ax.fill_between(part[time], part[f"{metric}_low"], part[f"{metric}_high"], color=colour, alpha=0.15)
        ax.set_ylabel(pretty)
        ax.yaxis.set_major_formatter(_percent())
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.autofmt_xdate() if ax.figure is fig else None
    else:
        shown, left_out = _top(rates, n_col)
        shown = shown.sort_values(metric, na_position="first")
        fig, ax = _axes(ax, len(shown))
        labels = [_label(r, keys) for _, r in shown.iterrows()]
        y = np.arange(len(shown))
        value = shown[metric].to_numpy(dtype=float)
        err = np.vstack([value - shown[f"{metric}_low"].to_numpy(dtype=float),
                         shown[f"{metric}_high"].to_numpy(dtype=float) - value])  # fmt: skip
        colour = _RATE_COLOURS[metric]
        ax.barh(y, np.nan_to_num(value), xerr=np.clip(np.nan_to_num(err), 0, None), color=colour, ecolor="#333333", capsize=3)
        ax.set_yticks(y, labels)
        highs = shown[f"{metric}_high"].to_numpy(dtype=float)
        small = metric in ("failure_rate", "blocked_rate")  # rates near 0: zoom in
        top = 1.0 if not small or not np.isfinite(highs).any() else min(1.0, np.nanmax(highs) * 1.35)
        top = max(top, 0.01)
        ax.set_xlim(0, top)
        for yi, v, hi, n in zip(y, value, highs, shown[n_col], strict=True):
            text = f"{v:.1%}  n={n:,}" if not np.isnan(v) else f"n={n:,}"
            inside = np.nan_to_num(hi) > 0.7 * top  # no room right of the interval: write on the bar
            ax.annotate(text, (0 if inside else np.nan_to_num(hi), yi), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize="small",
                        color="white" if inside and np.nan_to_num(v) > 0.35 * top else "#333333")  # fmt: skip
        ax.xaxis.set_major_formatter(_percent())
        ax.set_xlabel(f"{pretty} (bars: 95% Wilson interval)")
        if left_out:
            ax.set_title(f"largest {_MAX_BARS} groups by n; {left_out} more not shown", fontsize="small")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_costs(costs: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Stacked bars of channel cost and markup per group, with the interval of estimated totals.

    >>> sentlab.plot_costs(sentlab.costs(lab.messages(details="sample"), by="channel"))
    <NotebookFigure size ... with 1 Axes>
    """
    keys = _keys(costs, _COST_VALUES, "costs")
    time, others = _split_time(keys)
    if time is not None:
        fig, ax = _axes(ax, 6, width=8.0)
        table = costs.pivot_table(index=time, columns=others or None, values="total", aggfunc="sum",
                                  observed=True, dropna=False) if others else costs.set_index(time)[["total"]]  # fmt: skip
        bottom = np.zeros(len(table))
        x = table.index
        width = _bar_width(x)
        for i, column in enumerate(table.columns):
            values = table[column].fillna(0.0).to_numpy()
            name = " · ".join(str(v) for v in np.atleast_1d(column)) if others else "total"
            ax.bar(x, values, width=width, bottom=bottom, color=_SERIES[i % len(_SERIES)], label=name)
            bottom += values
        _money(ax, "y")
        ax.set_ylabel("cost (account currency)")
        ax.legend(loc="best", fontsize="small", frameon=False)
        fig.autofmt_xdate() if ax.figure is fig else None
    else:
        shown, left_out = _top(costs, "total")
        shown = shown.sort_values("total", na_position="first")
        fig, ax = _axes(ax, len(shown))
        y = np.arange(len(shown))
        channel_cost = shown["channel_cost"].fillna(0.0).to_numpy(dtype=float)
        markup = shown["markup"].fillna(0.0).to_numpy(dtype=float)
        ax.barh(y, channel_cost, color="#0072B2", label="channel cost (price)")
        ax.barh(y, markup, left=channel_cost, color="#E69F00", label="markup (active_contact_price)")
        total = shown["total"].fillna(0.0).to_numpy(dtype=float)
        estimated = (shown["estimated"] > 0).to_numpy()
        if estimated.any():
            low = shown["total_low"].to_numpy(dtype=float)
            high = shown["total_high"].to_numpy(dtype=float)
            ax.errorbar(total[estimated], y[estimated], xerr=np.clip([(total - low)[estimated], (high - total)[estimated]], 0, None),
                        fmt="none", ecolor="#333333", capsize=3, label="95% interval (estimate)")  # fmt: skip
        for yi, t, e in zip(y, total, estimated, strict=True):
            mark = "≈" if e else ""
            ax.annotate(f"{mark}{t:,.2f}", (t, yi), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize="small")  # fmt: skip
        ax.set_yticks(y, [_label(r, keys) for _, r in shown.iterrows()])
        ax.set_xlabel("cost (account currency)")
        ax.set_xlim(0, max(float(np.nanmax(shown["total_high"].fillna(0.0))) if len(shown) else 1.0, 1e-9) * 1.18)
        _money(ax)
        ax.legend(loc="lower right", fontsize="small", frameon=False)
        if left_out:
            ax.set_title(f"largest {_MAX_BARS} groups by cost; {left_out} more not shown", fontsize="small")
    if title is not None:
        fig.suptitle(title)
    return fig


def _bar_width(index: pd.Index) -> Any:
    if len(index) > 1:
        step = pd.Series(index).diff().min()
        return step * 0.8
    return pd.Timedelta(hours=20)


def plot_latency(latency: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Percentiles of the time to SENT, DELIVERED and READ, per group, on a log scale.

    >>> sentlab.plot_latency(sentlab.latency(lab.messages(), by="channel"))
    <NotebookFigure size ... with 1 Axes>
    """
    if "stage" not in latency.columns:
        raise ConfigurationError("this plot takes the frame of sentlab.latency()")
    pcols = [c for c in latency.columns if str(c).startswith("p") and c not in ("profile_id",)
             and str(c)[1:].replace(".", "").isdigit()]  # fmt: skip
    keys = [c for c in latency.columns if c not in _LATENCY_VALUES and c not in pcols]
    shown = latency[latency["n"] > 0]
    fig, ax = _axes(ax, len(shown) + 1)
    labels = [f"{_label(r, keys)} → {r['stage']}" if keys else f"→ {r['stage']}" for _, r in shown.iterrows()]
    y = np.arange(len(shown))[::-1]
    markers = ["o", "s", "^", "D", "v"]
    for i, p in enumerate(pcols):
        ax.scatter(shown[p], y, marker=markers[i % len(markers)], color=_SERIES[i % len(_SERIES)], label=p, zorder=3)
    if len(pcols) > 1:
        ax.hlines(y, shown[pcols].min(axis=1), shown[pcols].max(axis=1), color="#999999", lw=1, zorder=2)
    ax.set_yticks(y, labels)
    if len(shown):
        ax.set_xscale("log")
        _duration_ticks(ax, shown[pcols].to_numpy(dtype=float))
    ax.set_xlabel("time since QUEUED (log scale)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_volume(rates: pd.DataFrame, *, ax: Axes | None = None, title: str | None = None) -> Figure:
    """Outbound messages per time bucket, stacked by outcome (read, delivered, sent, failed, blocked, pending, other).

    Takes ``delivery_rates`` grouped by one time bucket (and nothing else). ``blocked`` stacks
    BLOCKED and FILTERED, ``other`` CANCELLED and unknown statuses; inbound messages are not drawn.

    >>> sentlab.plot_volume(sentlab.delivery_rates(lab.messages(), by="day"))
    <NotebookFigure size ... with 1 Axes>
    """
    keys = _keys(rates, _RATE_VALUES, "delivery_rates")
    time, others = _split_time(keys)
    if time is None or others:
        raise ConfigurationError("plot_volume takes delivery_rates grouped by one time bucket only, "
                                 "e.g. sentlab.delivery_rates(m, by='day')")  # fmt: skip
    frame = rates.sort_values(time)
    fig, ax = _axes(ax, 6, width=8.0)
    parts = {"read": frame["read"], "delivered": frame["delivered"] - frame["read"], "sent": frame["sent"],
             "failed": frame["failed"], "blocked": frame["blocked"] + frame["filtered"], "pending": frame["pending"],
             "other": frame["cancelled"] + frame["unknown"]}  # fmt: skip
    bottom = np.zeros(len(frame))
    width = _bar_width(pd.Index(frame[time]))
    for name, values in parts.items():
        label = {"delivered": "delivered (not read)", "blocked": "blocked or filtered",
                 "other": "cancelled or unknown"}.get(name, name)
        ax.bar(frame[time], values, width=width, bottom=bottom, color=OUTCOME_COLOURS[name], label=label)
        bottom += values.to_numpy()
    ax.set_ylabel(f"messages per {time}")
    ax.set_ylim(0, max(float(bottom.max()) if len(bottom) else 1.0, 1.0) * 1.25)  # room for the legend
    ax.legend(loc="upper left", fontsize="small", frameon=False, ncols=4)
    fig.autofmt_xdate() if ax.figure is fig else None
    if title is not None:
        fig.suptitle(title)
    return fig
