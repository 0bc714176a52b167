"""The delivery & cost report: metrics, tables and figures of a messages frame as one HTML page.

``build_report`` is pure (frames in, a ``Report`` out: no request, no file); ``lab.report()`` and
``sentlab report`` fetch the frame and call it. The page is self-contained (figures inlined as
PNG), holds no API key, and escapes every value taken from the data. Figures are drawn on first
use; given a ``FigureCache`` (``lab.report()`` keeps one in the store's directory) a figure whose
data has not changed is not drawn again, so a warm report needs no matplotlib at all.

>>> report = lab.report()                # or sentlab.build_report(messages, account="Acme")
>>> report.save("report.html")
PosixPath('report.html')
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sentlab import _metrics as metrics
from sentlab import _plots as plots
from sentlab import _report_analysis as analysis
from sentlab import _statuses
from sentlab._html import table as _table
from sentlab._report_figures import FigureCache, _Figures, _Plot, _png
from sentlab._report_parts import (
    _TOP_ROWS,
    _account_section,
    _campaign_part,
    _extra_summary,
    _keys_text,
    _pct,
    _rate,
    _replies_part,
    _replies_section,
    _tile,
    _voice_part,
    _voice_section,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FigureCache", "Report", "build_report"]


@dataclass
class Report:
    """A built report: headline figures, tables and figures; ``save()`` writes the HTML page.

    In a notebook the report displays itself. ``headline`` holds the overall numbers, ``tables``
    the metric frames (unformatted, for further analysis), ``figures`` matplotlib Figures.

    >>> report = lab.report()
    >>> round(report.headline["delivery_rate"], 3), report.tables["by_channel"].channel.tolist()
    (0.883, ['mms', 'rcs', 'sms', 'whatsapp'])
    """

    title: str
    account: str
    generated_at: pd.Timestamp
    window: str
    headline: dict[str, object]
    tables: dict[str, pd.DataFrame]
    figures: Mapping[str, Figure]
    notes: list[str] = field(default_factory=list)
    figure_cache: FigureCache | None = field(default=None, repr=False)
    currency: str | None = None  # the billing currency's code when known; the API names none today

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page (figures inlined).

        >>> page = report.to_html()
        >>> page[:15], "sk_" in page      # no API key on the page
        ('<!doctype html>', False)
        """
        return _page(self)

    def _repr_html_(self) -> str:
        return _STYLE + _body(self)

    def save(self, path: str | Path) -> Path:
        """Write the HTML page to ``path`` (parent directories created) and return the path.

        >>> report.save("out/report.html")
        PosixPath('out/report.html')
        """
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_text(self.to_html(), encoding="utf-8")
        tmp.replace(target)  # never a half-written report at ``path``
        return target

    def summary(self) -> str:
        """The headline numbers as a few lines of text (what ``sentlab report`` prints).

        >>> print(report.summary())
        Delivery & cost report — Acme Corporation (organization)
          window            2026-10-20 to 2026-11-19 (UTC)
          messages          633 (600 outbound, 0 still pending; 33 inbound)
          delivery rate     88.3% (85.4%–90.7%, n=556)
        ...
        """
        h = self.headline
        lines = [f"{self.title} — {self.account}", f"  window            {self.window}"]
        if not h["messages"]:
            return "\n".join([*lines, f"  messages          none: {_EMPTY}"])
        lines += [
            f"  messages          {h['messages']:,} ({h['outbound']:,} outbound, {h['pending']:,} still pending; "
            f"{h['inbound']:,} inbound)",
            f"  delivery rate     {_rate(h, 'delivery_rate')}",
            f"  failure rate      {_rate(h, 'failure_rate')}",
            f"  read rate         {_read_text(h)}",
            f"  blocked rate      {_rate(h, 'blocked_rate')}  (BLOCKED + FILTERED: stopped by the platform, not carriers)",
            f"  dashboard         {_rate(h, 'dashboard_deliverability')}  (the Sent dashboard's deliverability)",
            f"  cost              {_money(h, 'total')}{_unpriced_text(h)}",
            f"                    {_cost_kind(h)}; {_currency_text(self)}",
            f"  cost / delivered  {plots.unit_price_text(h['cost_per_delivered'])}  (per message "
            f"{plots.unit_price_text(h['cost_per_message'])})",
        ]
        lines.extend(_extra_summary(self))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Report {self.title!r} {self.account!r} {self.headline['messages']:,} messages, {self.window}>"


# -- building -----------------------------------------------------------------------------------


def build_report(messages: pd.DataFrame, *, account: str = "", title: str = "Delivery & cost report",
                 window: str | None = None, generated_at: pd.Timestamp | None = None,
                 notes: list[str] | None = None, calls: pd.DataFrame | None = None,
                 campaigns: pd.DataFrame | None = None, figure_cache: FigureCache | None = None,
                 profiles: Mapping[str, str] | None = None, currency: str | None = None) -> Report:  # fmt: skip
    """Build the report of a messages frame: rates, cost, latency, failures and blocks, by every dimension.

    Cost is exact where every message has its price (``lab.messages(details="all")``), else
    estimated from the priced ones (``details="sample"``) with an interval, and said so; messages
    left out of it (not billed yet, or that nothing could price) are counted and their share shown.
    Blocked and filtered sends (an account or platform stop, not a carrier's) have their own rate,
    tile and tables by profile, region and reason. Reply rates (``sentlab.reply_rates``) have a
    section; ``calls`` (``lab.calls()``) add a voice section when there are any, ``campaigns``
    (``lab.campaigns()``) an account section with a warning for US SMS no ACTIVE campaign covers.
    ``profiles`` (profile id -> name) names the profiles in place of their ids; ``currency`` (a
    code such as ``"USD"``) names the amounts' currency, else they are said to be in the
    account's billing currency (the API names none).

    >>> report = sentlab.build_report(lab.messages(details="sample"), account="Acme")
    >>> report.account, round(report.headline["delivery_rate"], 3)
    ('Acme', 0.883)
    """
    when = generated_at if generated_at is not None else pd.Timestamp.now(tz="UTC")
    created = pd.to_datetime(messages["created_at"], utc=True) if len(messages) else pd.Series(dtype="datetime64[ns, UTC]")
    if window is None:
        window = (f"{created.min():%Y-%m-%d} to {created.max():%Y-%m-%d} (UTC)" if created.notna().any()
                  else "no messages")  # fmt: skip
    rates = {name: metrics.delivery_rates(messages, by) for name, by in _GROUPINGS.items()}
    cost = {name: metrics.costs(messages, by) for name, by in _COST_GROUPINGS.items()}
    lat = metrics.latency(messages, by="channel")
    headline: dict[str, object] = metrics.delivery_rates(messages).to_dict("records")[0]
    headline.update({k: v for k, v in metrics.costs(messages).to_dict("records")[0].items() if k not in headline})
    # SMS and MMS have no read receipts: every read rate is over the channels that report reads
    readers = rates["channel"][rates["channel"]["read_rate_denominator"] > 0]
    headline["read_channels"] = ", ".join(readers["channel"].astype(str))
    parts: dict[str, pd.DataFrame] = {}
    for part_headline, part_tables in (_replies_part(messages), _voice_part(calls),
                                       _campaign_part(messages, campaigns)):  # fmt: skip
        headline.update(part_headline)
        parts.update(part_tables)
    names = _profile_names(profiles or {}, pd.concat([rates["profile"]["profile_id"], *_campaign_profile_ids(parts)],
                                                     ignore_index=True))  # fmt: skip
    rates["profile"] = _named(rates["profile"], names)
    tables = {
        **{f"by_{name}": frame for name, frame in rates.items()},
        **{f"cost_by_{name}": frame for name, frame in cost.items()},
        "latency_by_channel": lat,
        "failure_reasons": _reasons(messages, (_statuses.FAILED,), ["channel"]),
        "stopped_reasons": _reasons(messages, metrics.STOPPED, []),
        "stopped_by_profile": _named(_reasons(messages, metrics.STOPPED, ["profile_id"]), names),
        **parts,
    }
    if "us_sms_campaigns" in tables:
        tables["us_sms_campaigns"] = _named(tables["us_sms_campaigns"], names)
        headline["us_sms_uncovered_names"] = [names.get(str(i), str(i)) for i in headline["us_sms_uncovered"]]
    if "campaigns" in tables:
        tables["campaigns"] = _campaign_names(tables["campaigns"], names)
    if len(messages):  # comparisons, what changed, time to delivery with the in-flight counted
        tables.update({name: _named(frame, names) if "profile_id" in frame else frame
                       for name, frame in analysis.analysis_tables(messages).items()})  # fmt: skip
    figures = _Figures()
    if len(messages):
        figures = _Figures({
            "volume": _Plot(plots.plot_volume, rates["day"], title="Outbound messages per day, by outcome"),
            "delivery_by_day": _Plot(plots.plot_rates, rates["day_channel"], title="Delivery rate per day, by channel"),
            "delivery_by_channel": _Plot(plots.plot_rates, rates["channel"], title="Delivery rate by channel"),
            "failure_by_region": _Plot(plots.plot_rates, rates["region"], "failure_rate",
                                       title="Failure rate by region"),
            "blocked_by_profile": _Plot(plots.plot_rates, rates["profile"].drop(columns="profile_id"), "blocked_rate",
                                        title="Blocked rate by profile (BLOCKED + FILTERED)"),
            "cost_by_channel_category": _Plot(plots.plot_costs, cost["channel_category"],
                                              title="Cost by channel and template category"),
            "latency": _Plot(plots.plot_latency, lat, title="Time from QUEUED to each status"),
        })  # fmt: skip
    all_notes = list(notes or [])
    all_notes.extend(_unreadable_events_notes(messages.attrs))
    all_notes.extend(_cost_notes(headline) if len(messages) else [])
    return Report(title=title, account=account, generated_at=when, window=window, headline=headline,
                  tables=tables, figures=figures, notes=all_notes, figure_cache=figure_cache,
                  currency=currency)  # fmt: skip


def _profile_names(names: Mapping[str, str], ids: pd.Series) -> dict[str, str]:
    """Profile id -> the name to show: its name (with a short id where two share one), else the id."""
    shown = {str(i): str(names.get(str(i)) or i) for i in ids.dropna().astype(str).unique()}
    counts = pd.Series(list(shown.values())).value_counts()
    return {i: f"{n} ({i[:8]})" if counts[n] > 1 and n != i else n for i, n in shown.items()}


def _campaign_profile_ids(tables: Mapping[str, pd.DataFrame]) -> list[pd.Series]:
    """Every profile id the campaign tables name: owners, and the profiles that use a campaign."""
    found = [tables["us_sms_campaigns"]["profile_id"]] if "us_sms_campaigns" in tables else []
    campaigns = tables.get("campaigns")
    if campaigns is not None:
        if "profile_id" in campaigns:
            found.append(campaigns["profile_id"])
        if "profile_ids" in campaigns:
            found.append(campaigns["profile_ids"].explode())
    return [ids.dropna().astype(str) for ids in found]


def _campaign_names(campaigns: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``campaigns`` with a ``profiles`` column: the names of the profiles each one covers."""
    def covered(row: pd.Series) -> str:
        ids = row.get("profile_ids")
        listed = list(ids) if isinstance(ids, list | tuple | np.ndarray) else []
        if not listed and pd.notna(row.get("profile_id")):
            listed = [row["profile_id"]]
        return ", ".join(names.get(str(i), str(i)) for i in listed) or "–"

    out = campaigns.copy()
    out["profiles"] = [covered(r) for _, r in campaigns.iterrows()] if len(campaigns) else pd.Series(dtype=object)
    return out


def _named(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` with a ``profile`` column (the profile's name) right after its ``profile_id``."""
    if "profile_id" not in frame.columns:
        return frame
    ids = frame["profile_id"]
    named = frame.copy()
    named.insert(frame.columns.get_loc("profile_id") + 1, "profile",
                 [names.get(str(i), str(i)) if pd.notna(i) else "(no profile)" for i in ids])  # fmt: skip
    return named


# -- figures: drawn on first use, rendered once per content ------------------------------------


_GROUPINGS: Mapping[str, list[str]] = {
    "channel": ["channel"],
    "day": ["day"],
    "day_channel": ["day", "channel"],
    "region": ["region_code"],
    "template": ["template_name", "template_category", "channel"],
    "profile": ["profile_id"],
}
_COST_GROUPINGS: Mapping[str, list[str]] = {
    "channel": ["channel"],
    "channel_category": ["channel", "template_category"],
    "region": ["region_code", "channel"],
    "week": ["week", "channel"],
}


def _reasons(messages: pd.DataFrame, statuses: tuple[str, ...], by: list[str]) -> pd.DataFrame:
    """Outbound messages whose outcome is one of ``statuses``, counted by ``by``, status and reason."""
    outcome = metrics._outcomes(messages)
    status = messages["status"].astype("string").str.upper()
    chosen = outcome["outbound"] & status.isin(statuses).to_numpy(dtype=bool, na_value=False)
    picked = messages[chosen].assign(status=status[chosen])
    columns = [c for c in (*by, *(["status"] if len(statuses) > 1 else []), "reason_code", "reason")
               if c in picked.columns]  # fmt: skip
    if not len(picked):
        return pd.DataFrame(columns=[*columns, "messages", "share"])
    table = (picked.groupby(columns, observed=True, dropna=False).size().rename("messages")
             .reset_index().sort_values("messages", ascending=False, kind="stable"))  # fmt: skip
    table["share"] = table["messages"] / len(picked)
    return table.reset_index(drop=True)


def _unreadable_events_notes(attrs: Mapping[str, object]) -> list[str]:
    # set by lab.messages(): events whose payload names no message, so some statuses may lag
    unreadable = int(attrs.get("unreadable_events") or 0)
    if not unreadable:
        return []
    share = unreadable / max(int(attrs.get("message_events") or 0), 1)
    return [f"{unreadable:,} message events ({share:.1%}) had no readable payload: up to {unreadable:,} messages "
            "may show an earlier status than their latest (lab.messages(details='all') reads each message's "
            "own status)."]


def _cost_notes(overall: Mapping[str, object]) -> list[str]:
    method = overall["method"]
    if method == "none":
        return ["No message has a price, so there is no cost: run with prices from a sample "
                "(lab.report(prices='sample')) or from every message (prices='all')."]
    free = (f" ({overall['never_billed']:,} never billed: blocked, filtered, cancelled or inbound, at 0)"
            if overall["never_billed"] else "")  # fmt: skip
    if method == "exact":
        return [f"Cost is exact: all {overall['priced']:,} messages have their price{free}."]
    notes = []
    if overall["estimated"]:
        notes.append(f"Cost is an estimate: {overall['priced']:,} messages have their price{free}, "
                     f"{overall['estimated']:,} are priced at the mean of their channel × region × template "
                     "category (a stratified sample); ranges are 95% intervals.")  # fmt: skip
    if overall["unpriced"]:
        waiting, other = int(overall["not_yet_billed"]), int(overall["unpriced"] - overall["not_yet_billed"])
        parts = ([f"{waiting:,} not billed yet (QUEUED, ACCEPTED or SCHEDULED: no price until processed)"]
                 if waiting else []) + ([f"{other:,} that nothing could price"] if other else [])  # fmt: skip
        notes.append(f"Cost is partial: {overall['unpriced']:,} messages ({_pct(overall['unpriced_share'])}) are "
                     f"left out of every cost figure: {' and '.join(parts)}.")
    return notes


# -- replies, voice, campaigns (issue 10) ---------------------------------------------------------


# -- rendering -----------------------------------------------------------------------------------


def _money(row: Mapping[str, object] | pd.Series, name: str = "total") -> str:
    """An amount to the cent; an estimate marked ≈ with its 95% interval, when it has one."""
    value = plots.money_text(row[name])
    if not row.get("estimated") or pd.isna(row[name]):
        return value
    if _has_interval(row, name):
        return f"≈{value} ({plots.money_text(row[f'{name}_low'])}–{plots.money_text(row[f'{name}_high'])})"
    return f"≈{value}"


def _has_interval(row: Mapping[str, object] | pd.Series, name: str = "total") -> bool:
    # An interval that rounds to one cent says nothing: the sampled prices did not vary.
    return plots.money_text(row[f"{name}_low"]) != plots.money_text(row[f"{name}_high"])


def _cost_kind(row: Mapping[str, object] | pd.Series) -> str:
    """How the cost was found, in words: exact, an estimate (with its interval or none), partial."""
    method = row["method"]
    if method == "none":
        return "no prices"
    if row["estimated"]:
        kind = ("estimate, 95% interval" if _has_interval(row)
                else "estimate; the sampled prices did not vary, so no interval")  # fmt: skip
    else:
        kind = "exact: every message priced" if method == "exact" else "exact for the messages priced"
    return kind


def _currency_text(report: Report) -> str:
    if report.currency:
        return f"amounts in {report.currency}"
    return "amounts in the account's billing currency: the API names none"


def _read_text(h: Mapping[str, object]) -> str:
    if not h["read_channels"]:
        return "– (no channel here reports reads: SMS and MMS have no read receipts)"
    return f"{_rate(h, 'read_rate')}  ({h['read_channels']} only: SMS and MMS have no read receipts)"


def _read_cell(row: pd.Series) -> str:
    if row["read_rate_denominator"] == 0 and row["delivered"] > 0:
        return "– (no read receipts)"
    return _rate(row, "read_rate")


def _unpriced_text(row: Mapping[str, object] | pd.Series) -> str:
    """What a partial cost leaves out, e.g. ' (partial: 3 messages, 0.3%, left out; 3 not billed yet)'."""
    if row.get("method") != "partial":
        return ""
    waiting = int(row["not_yet_billed"])
    return (f" (partial: {int(row['unpriced']):,} messages, {_pct(row['unpriced_share'])}, left out"
            + (f"; {waiting:,} not billed yet)" if waiting else ")"))


def _figure_html(report: Report, name: str) -> str:
    figures = report.figures
    png = (figures.png(name, report.figure_cache) if isinstance(figures, _Figures)
           else _png(figures[name]))  # fmt: skip
    alt = name.replace("_", " ")
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _rates_table(frame: pd.DataFrame, keys: list[str], sort: str = "n") -> str:
    shown = frame.sort_values(sort, ascending=False, kind="stable") if sort else frame
    head = [*keys, "outbound", "pending", "delivery rate", "failure rate", "read rate", "blocked rate"]
    rows = [[*_keys_text(r, keys), f"{r['outbound']:,}", f"{r['pending']:,}", _rate(r, "delivery_rate"),
             _rate(r, "failure_rate"), _read_cell(r), _rate(r, "blocked_rate")]
            for _, r in shown.iterrows()]  # fmt: skip
    return _table(head, rows, top=_TOP_ROWS)


def _cost_table(frame: pd.DataFrame, keys: list[str]) -> str:
    shown = frame.sort_values("total", ascending=False, kind="stable")
    head = [*keys, "messages", "priced", "left out", "channel cost", "markup", "total", "per message",
            "per delivered"]
    rows = [[*_keys_text(r, keys), f"{r['messages']:,}", f"{r['priced']:,}",
             f"{r['unpriced']:,} ({_pct(r['unpriced_share'])})" if r["unpriced"] else "0",
             plots.money_text(r["channel_cost"]), plots.money_text(r["markup"]), _money(r),
             plots.unit_price_text(r["cost_per_message"]), plots.unit_price_text(r["cost_per_delivered"])]
            for _, r in shown.iterrows()]  # fmt: skip
    return _table(head, rows, top=_TOP_ROWS)


def _latency_table(frame: pd.DataFrame) -> str:
    pcols = [c for c in frame.columns if str(c).startswith("p") and str(c)[1:].replace(".", "").isdigit()]
    keys = [c for c in frame.columns if c not in ("stage", "n", *pcols)]
    head = [*keys, "to status", "n", *pcols]
    rows = [[*_keys_text(r, keys), str(r["stage"]), f"{r['n']:,}", *(plots.duration_text(r[p]) or "–" for p in pcols)]
            for _, r in frame.iterrows()]  # fmt: skip
    return _table(head, rows)


def _reasons_table(frame: pd.DataFrame, of: str = "failures") -> str:
    # named profiles: the name is shown, the id stays in report.tables
    keys = [c for c in frame.columns if c not in ("messages", "share") and not (c == "profile_id" and "profile" in frame)]
    rows = [[*_keys_text(r, keys), f"{r['messages']:,}", _pct(r["share"])] for _, r in frame.iterrows()]
    return _table([*keys, "messages", f"share of {of}"], rows, top=_TOP_ROWS)


def _body(report: Report) -> str:
    h = report.headline
    t = report.tables
    fig = {name: _figure_html(report, name) for name in report.figures}

    def ci(name: str) -> str:
        return "" if pd.isna(h[name]) else f"95% CI {_pct(h[name + '_low'])}–{_pct(h[name + '_high'])}"

    if not h["messages"]:  # an empty window: say so, and nothing else to show
        return (f"<div class=sentlab-report><h1>{html.escape(report.title)}</h1>{_meta(report)}"
                f"<p class=empty>No messages: {html.escape(_EMPTY)}</p>"
                + (f"<ul class=notes>{''.join(f'<li>{html.escape(n)}</li>' for n in report.notes)}</ul>"
                   if report.notes else "")
                # the account's campaigns and its calls do not depend on the window's messages
                + _account_section(report) + _voice_section(report) + "</div>")  # fmt: skip
    cost_detail = "; ".join(filter(None, [
        (f"estimate, 95% interval {plots.money_text(h['total_low'])}–{plots.money_text(h['total_high'])}"
         if _has_interval(h) else "estimate: the sampled prices did not vary, so no interval")
        if h["estimated"] and h["method"] != "none" else "exact: every message priced" if h["method"] == "exact" else "",
        f"partial: {h['unpriced']:,} messages ({_pct(h['unpriced_share'])}) left out, "
        f"{h['not_yet_billed']:,} not billed yet" if h["method"] == "partial" else "",
        _currency_text(report),
    ]))  # fmt: skip
    tiles = "".join([
        _tile("messages", f"{h['messages']:,}", f"{h['n']:,} left the queue, {h['pending']:,} pending, "
              f"{h['inbound']:,} inbound"),
        _tile("delivery rate", _pct(h["delivery_rate"]), ci("delivery_rate")),
        _tile("failure rate", _pct(h["failure_rate"]), ci("failure_rate")),
        _tile("read rate", _pct(h["read_rate"]),
              f"{h['read_channels']} only (SMS and MMS have no read receipts); {ci('read_rate')}"
              if h["read_channels"] else "no channel here reports reads (SMS and MMS have no read receipts)"),
        _tile("blocked rate", _pct(h["blocked_rate"]), f"{h['blocked']:,} blocked + {h['filtered']:,} filtered: "
              f"account or platform stops, not carriers; {ci('blocked_rate')}"),
        _tile("dashboard deliverability", _pct(h["dashboard_deliverability"]),
              "the Sent dashboard's figure, to reconcile: (SENT + DELIVERED + READ) / outbound but BLOCKED, FILTERED"),
        _tile("cost", _money(h).split(" (")[0], cost_detail),
        _tile("cost / delivered", plots.unit_price_text(h["cost_per_delivered"]),
              f"per message {plots.unit_price_text(h['cost_per_message'])}"),
    ])  # fmt: skip
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
    sections = [
        f"<h1>{html.escape(report.title)}</h1>",
        _meta(report),
        f"<div class=tiles>{tiles}</div>",
        f"<ul class=notes>{notes}</ul>" if notes else "",
        _account_section(report),
        "<h2>Volume</h2>", fig.get("volume", ""),
        "<h2>What changed</h2>", analysis.changes_html(t),
        "<h2>By channel</h2>", fig.get("delivery_by_channel", ""), _rates_table(t["by_channel"], ["channel"]),
        fig.get("delivery_by_day", ""),
        "<h2>Cost</h2>", f"<p class=defs>{html.escape(_money_units(report))}</p>",
        fig.get("cost_by_channel_category", ""),
        _cost_table(t["cost_by_channel_category"], ["channel", "template_category"]),
        "<h3>Cost by region</h3>", _cost_table(t["cost_by_region"], ["region_code", "channel"]),
        _voice_section(report),
        "<h2>By region</h2>", fig.get("failure_by_region", ""), _rates_table(t["by_region"], ["region_code"]),
        "<h2>By template</h2>",
        _rates_table(t["by_template"], ["template_name", "template_category", "channel"]),
        _replies_section(report),
        "<h2>Comparisons</h2>", analysis.comparisons_html(t),
        "<h2>By profile</h2>", _rates_table(t["by_profile"], ["profile"]),
        "<h2>Latency</h2>", fig.get("latency", ""), _latency_table(t["latency_by_channel"]), analysis.time_to_html(t),
        "<h2>Failure reasons</h2>", _reasons_table(t["failure_reasons"]),
        "<h2>Blocked and filtered</h2>", _STOPPED_TEXT, fig.get("blocked_by_profile", ""),
        _reasons_table(t["stopped_reasons"], "blocked and filtered"),
        "<h3>By profile</h3>", _reasons_table(t["stopped_by_profile"], "blocked and filtered"),
        "<h3>By region</h3>", _stopped_table(t["by_region"], ["region_code"]),
        "<h2>Definitions</h2>", _DEFINITIONS,
    ]  # fmt: skip
    return f"<div class=sentlab-report>{''.join(sections)}</div>"


_EMPTY = "no message was created in this window, so there is nothing to report."


def _meta(report: Report) -> str:
    return (f"<p class=meta>{html.escape(report.account)} · messages created {html.escape(report.window)} · "
            f"generated {report.generated_at:%Y-%m-%d %H:%M} UTC</p>")  # fmt: skip


def _money_units(report: Report) -> str:
    return (f"{_currency_text(report)[0].upper()}{_currency_text(report)[1:]}. Amounts to the cent; unit "
            "prices (per message, per delivered) to 4 decimals, as the API prices messages.")


_STOPPED_TEXT = """<p class=defs>BLOCKED sends failed an account precondition (balance, template approval, an
inactive sender, no active 10DLC campaign for US SMS, free-form WhatsApp outside a conversation window);
FILTERED ones were stopped by the platform (an opted-out contact, the content filter). Neither reached a
carrier: fix them in the account, not with the carrier. Blocked rate = (BLOCKED + FILTERED) / (left the
queue + BLOCKED + FILTERED).</p>"""


def _stopped_table(frame: pd.DataFrame, keys: list[str]) -> str:
    shown = frame[frame["blocked"] + frame["filtered"] > 0]
    shown = shown.sort_values("blocked_rate_numerator", ascending=False, kind="stable")
    rows = [[*_keys_text(r, keys), f"{r['outbound']:,}", f"{r['blocked']:,}", f"{r['filtered']:,}",
             _rate(r, "blocked_rate")] for _, r in shown.iterrows()]  # fmt: skip
    return _table([*keys, "outbound", "blocked", "filtered", "blocked rate"], rows, top=_TOP_ROWS)


_DEFINITIONS = """<ul class=defs>
<li>A message's outcome is its latest status. SENT, DELIVERED, READ and FAILED have left the queue;
QUEUED, ACCEPTED, PROCESSED, ROUTED and SCHEDULED are pending; BLOCKED and FILTERED were stopped by
the platform; CANCELLED was called off. Pending and cancelled messages are never in a denominator.
Inbound messages (RECEIVED) are never in an outbound rate.</li>
<li>Delivery rate = (DELIVERED + READ) / left the queue. Failure rate = FAILED / left the queue.
Read rate = READ / (DELIVERED + READ), over the channels with read receipts (WhatsApp, RCS): SMS and MMS
cannot report a read, so they have no read rate and are left out of every read rate by region, profile
or day. Blocked rate = (BLOCKED + FILTERED) / (left the queue + BLOCKED
+ FILTERED). Ranges are 95% Wilson intervals; n is the denominator.</li>
<li>Dashboard deliverability = (SENT + DELIVERED + READ) / (outbound but BLOCKED and FILTERED): the
figure the Sent dashboard shows, to reconcile with it. It counts SENT as a success and pending
messages in its denominator, so it differs from the delivery rate.</li>
<li>Cost of a message = price + active_contact_price (the markup), each counted once per message
(activities repeat the price on every status after QUEUED and are not summed). BLOCKED, FILTERED,
CANCELLED and inbound messages are never billed (0); QUEUED, ACCEPTED and SCHEDULED ones have no price
until processed and are left out, as not billed yet. Amounts are in the account's billing currency (the
API names no currency); money is shown to the cent, unit prices (per message, per delivered) to 4
decimals.</li>
<li>Latency is the time from QUEUED (else created_at) to SENT, DELIVERED and READ, as percentiles.</li>
</ul>"""

_STYLE = """<style>
.sentlab-report{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:1100px;margin:auto}
.sentlab-report h1{margin-bottom:.2em}.sentlab-report .meta{color:#666;margin-top:0}
.sentlab-report .tiles{display:flex;flex-wrap:wrap;gap:12px;margin:1em 0}
.sentlab-report .tile{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.sentlab-report .label{color:#666;font-size:.85em}.sentlab-report .value{font-size:1.6em;font-weight:600}
.sentlab-report .detail{color:#666;font-size:.8em}
.sentlab-report .scroll{overflow-x:auto;max-width:100%;margin:.5em 0 1.5em}
.sentlab-report table{border-collapse:collapse;font-size:.85em}.sentlab-report .nb{white-space:nowrap}
.sentlab-report th,.sentlab-report td{border-bottom:1px solid #eee;padding:3px 10px;text-align:left}
.sentlab-report th{background:#f6f6f6}.sentlab-report td{font-variant-numeric:tabular-nums}
.sentlab-report figure{margin:.5em 0}.sentlab-report img{max-width:100%}
.sentlab-report .notes,.sentlab-report .more,.sentlab-report .defs{color:#555;font-size:.9em}
.sentlab-report details{margin:-1em 0 1.5em}.sentlab-report summary{cursor:pointer;color:#0645ad;font-size:.9em}
</style>"""


def _page(report: Report) -> str:
    return ("<!doctype html><html lang=en><head><meta charset=utf-8>"
            f"<title>{html.escape(report.title)} — {html.escape(report.account)}</title>"
            f"<meta name=viewport content='width=device-width, initial-scale=1'>{_STYLE}</head>"
            f"<body>{_body(report)}</body></html>")  # fmt: skip
