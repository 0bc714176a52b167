"""The report's sections beyond rates and cost: replies, voice calls, the account's 10DLC campaigns;
and the cell formatting every section shares (rates with their intervals, tiles).

Each ``_*_part`` computes a section's headline figures and tables from its frames; each
``_*_section`` renders them. Pure functions of frames, no I/O.

>>> headline, tables = _replies_part(lab.messages())
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sentlab import _metrics as metrics
from sentlab import _plots as plots
from sentlab._html import table as _table


class ReportView(Protocol):
    """What a section reads of ``sentlab.Report`` (the report module builds on this one, not the reverse)."""

    headline: dict[str, Any]
    tables: dict[str, pd.DataFrame]


#: How figures are rendered into the page; part of each figure's cache key.
_PNG_DPI = 110


_TOP_ROWS = 25


def _pct(value: object) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.1%}"


def _rate(row: Mapping[str, object] | pd.Series, name: str) -> str:
    value = row[name]
    if value is None or pd.isna(value):
        return "–"
    n = row[f"{name}_denominator"]
    return f"{_pct(value)} ({_pct(row[f'{name}_low'])}–{_pct(row[f'{name}_high'])}, n={int(n):,})"


def _keys_text(row: pd.Series, keys: list[str]) -> list[str]:
    return [plots.key_text(row[k]) for k in keys]


def _tile(label: str, value: str, detail: str = "") -> str:
    return (f'<div class=tile><div class=label>{html.escape(label)}</div><div class=value>{html.escape(value)}</div>'
            f'<div class=detail>{html.escape(detail)}</div></div>')  # fmt: skip


_REPLY_GROUPINGS: Mapping[str, list[str]] = {
    "channel": ["channel"],
    "template": ["template_name", "channel"],
    "region": ["region_code"],
}


_VOICE_GROUPINGS: Mapping[str, list[str]] = {"region": ["region_code"], "direction": ["direction"]}


#: Channels whose US traffic needs an ACTIVE 10DLC campaign (carriers block unregistered A2P SMS).
_TEN_DLC_CHANNELS = ("sms", "mms")


def _replies_part(messages: pd.DataFrame) -> tuple[dict[str, object], dict[str, pd.DataFrame]]:
    """The headline reply rate and the reply-rate tables by channel, template and region."""
    overall = metrics.reply_rates(messages).to_dict("records")[0]
    headline = {k: overall[k] for k in ("reply_rate", "reply_rate_low", "reply_rate_high", "reply_rate_numerator",
                                        "reply_rate_denominator")}  # fmt: skip
    headline["reply_censored"] = overall["censored"]
    headline["replies"] = overall["replies"]
    tables = {f"replies_by_{name}": metrics.reply_rates(messages, by) for name, by in _REPLY_GROUPINGS.items()}
    return headline, tables


def _voice_part(calls: pd.DataFrame | None) -> tuple[dict[str, object], dict[str, pd.DataFrame]]:
    """The headline voice figures and the voice tables; only ``calls`` 0 without calls."""
    if calls is None or not len(calls):
        return {"calls": 0}, {}
    overall = metrics.call_stats(calls).to_dict("records")[0]
    headline = {"calls": overall["calls"], "calls_inbound": overall["inbound"], "calls_outbound": overall["outbound"],
                "calls_live": overall["live"], "call_minutes": overall["minutes"], "call_cost": overall["cost"],
                "call_cost_per_minute": overall["cost_per_minute"], "call_cost_method": overall["method"],
                "calls_unpriced": overall["unpriced"],
                **{k: overall[k] for k in ("answer_rate", "answer_rate_low", "answer_rate_high",
                                           "answer_rate_numerator", "answer_rate_denominator")}}  # fmt: skip
    tables = {f"voice_by_{name}": metrics.call_stats(calls, by) for name, by in _VOICE_GROUPINGS.items()}
    return headline, tables


def _campaign_part(messages: pd.DataFrame, campaigns: pd.DataFrame | None) -> tuple[dict[str, object], dict[str, pd.DataFrame]]:
    """Campaign counts and, per scope with US SMS traffic, whether an ACTIVE 10DLC campaign covers it.

    A scope (``profile_id``; the whole frame when it has none) is covered by an ACTIVE campaign it
    owns or lists (``profile_ids``: an inherited organization campaign). ``None``: not fetched.
    ``campaigns.attrs["listed"]``, when set, names the profiles whose campaigns were listed: the
    API lists campaigns per profile, so the organization's own are seen only where a profile
    inherits them. Another scope's coverage is unknown (``None``), and said to be missing only
    when its sends were BLOCKED for it (BUSINESS_030).
    """
    if campaigns is None:
        return {"campaigns": None, "campaigns_active": None, "us_sms_uncovered": []}, {}
    status = campaigns["status"].astype("string").str.upper()
    active = campaigns[status.eq("ACTIVE").to_numpy(dtype=bool, na_value=False)]
    covered: set[object] = set()
    for owner, users in zip(active.get("profile_id", pd.Series(dtype=object)),
                            active.get("profile_ids", pd.Series(dtype=object)), strict=False):  # fmt: skip
        covered.add(owner)
        covered.update(users if isinstance(users, list | tuple | np.ndarray) else [])
    outbound = metrics._outcomes(messages)["outbound"] if len(messages) else np.zeros(0, dtype=bool)
    channel = messages["channel"].astype("string").str.lower() if len(messages) else pd.Series(dtype="string")
    region = messages["region_code"].astype("string").str.upper() if len(messages) else pd.Series(dtype="string")
    us = outbound & channel.isin(_TEN_DLC_CHANNELS).to_numpy(dtype=bool, na_value=False) & region.eq("US").to_numpy(
        dtype=bool, na_value=False)
    picked = messages[us]
    scoped = "profile_id" in picked.columns and picked["profile_id"].notna().any()
    scope = picked["profile_id"].astype(object) if scoped else pd.Series("(this scope)", index=picked.index)
    no_campaign = picked["reason_code"].astype("string").eq("BUSINESS_030").to_numpy(dtype=bool, na_value=False) \
        if "reason_code" in picked.columns else np.zeros(len(picked), dtype=bool)
    table = (pd.DataFrame({"profile_id": scope.to_numpy(), "us_sms": 1, "blocked_no_campaign": no_campaign.astype(int)})
             .groupby("profile_id", sort=True, dropna=False).sum().reset_index())  # fmt: skip
    listed = campaigns.attrs.get("listed")
    table["active_campaign"] = pd.array([
        True if (p in covered if scoped else len(active)) else
        False if listed is None or not scoped or p in listed or blocked else None
        for p, blocked in zip(table["profile_id"], table["blocked_no_campaign"], strict=True)], dtype="boolean")
    uncovered = table.loc[table["active_campaign"].eq(False).to_numpy(dtype=bool, na_value=False), "profile_id"].tolist()
    headline = {"campaigns": len(campaigns), "campaigns_active": len(active), "us_sms_uncovered": uncovered,
                "us_sms": int(us.sum())}  # fmt: skip
    shown = [c for c in ("id", "name", "status", "use_case", "profile_id", "profile_ids", "billed_date", "updated_at")
             if c in campaigns.columns]  # fmt: skip
    return headline, {"campaigns": campaigns[shown].reset_index(drop=True), "us_sms_campaigns": table}


def _campaign_notes(headline: Mapping[str, object], tables: Mapping[str, pd.DataFrame]) -> list[str]:
    table = tables.get("us_sms_campaigns")
    if table is None or not len(headline.get("us_sms_uncovered") or []):
        return []
    notes = []
    for _, row in table[table["active_campaign"].eq(False).to_numpy(dtype=bool, na_value=False)].iterrows():
        blocked = int(row["blocked_no_campaign"])
        notes.append(f"Warning: {plots.key_text(row.get('profile', row['profile_id']))} sent {int(row['us_sms']):,} US SMS/MMS messages "
                     "with no ACTIVE 10DLC campaign: carriers block unregistered US traffic"
                     + (f" ({blocked:,} BLOCKED for it, BUSINESS_030)." if blocked else "."))  # fmt: skip
    return notes


def _extra_summary(report: ReportView) -> list[str]:
    """The summary lines of the reply rate, voice and campaigns."""
    h = report.headline
    lines = [f"  reply rate        {_rate(h, 'reply_rate')}  (answered within 24 h of delivery)"]
    if h.get("calls"):
        lines += [f"  calls             {h['calls']:,} ({h['calls_inbound']:,} inbound, {h['calls_outbound']:,} outbound), "
                  f"answer rate {_rate(h, 'answer_rate')}",
                  f"  voice             {h['call_minutes']:,.0f} min, cost {plots.money_text(h['call_cost'])} "
                  f"({plots.unit_price_text(h['call_cost_per_minute'])} / min)"]  # fmt: skip
    if h.get("campaigns") is not None:
        uncovered = h.get("us_sms_uncovered") or []
        lines.append(f"  10DLC campaigns   {h['campaigns_active']:,} active of {h['campaigns']:,}"
                     + (f"; WARNING: US SMS with no active campaign "
                        f"({', '.join(map(str, h.get('us_sms_uncovered_names') or uncovered))})"
                        if uncovered else ""))  # fmt: skip
    return lines


def _reply_table(frame: pd.DataFrame, keys: list[str]) -> str:
    shown = frame.sort_values("n", ascending=False, kind="stable").head(_TOP_ROWS)
    rows = [[*_keys_text(r, keys), f"{r['delivered']:,}", f"{r['censored']:,}", f"{r['replied']:,}",
             _rate(r, "reply_rate")] for _, r in shown.iterrows()]  # fmt: skip
    return _table([*keys, "delivered", "window open", "replied", "reply rate"], rows, more=len(frame) - len(shown))


def _voice_table(frame: pd.DataFrame, keys: list[str]) -> str:
    shown = frame.sort_values("cost", ascending=False, kind="stable", na_position="last").head(_TOP_ROWS)
    rows = [[*_keys_text(r, keys), f"{r['calls']:,}", _rate(r, "answer_rate"), f"{r['minutes']:,.1f}",
             plots.money_text(r["cost"]), plots.unit_price_text(r["cost_per_minute"]), plots.unit_price_text(r["cost_per_call"])]
            for _, r in shown.iterrows()]  # fmt: skip
    return _table([*keys, "calls", "answer rate", "minutes", "cost", "cost / minute", "cost / call"], rows,
                  more=len(frame) - len(shown))  # fmt: skip


_WARN = "color:#8a1c00;background:#fff1ec;border:1px solid #f3b9a6;border-radius:6px;padding:6px 10px"


def _account_section(report: ReportView) -> str:
    """Campaigns, and a visible warning for US SMS traffic no ACTIVE campaign covers."""
    h, t = report.headline, report.tables
    if h.get("campaigns") is None:
        return ""
    warnings = "".join(f'<p class=warn style="{_WARN}">{html.escape(n)}</p>' for n in _campaign_notes(h, t))
    campaigns = t["campaigns"]
    rows = [[str(r.get("name") or "–"), plots.key_text(r.get("status")), plots.key_text(r.get("use_case")),
             str(r.get("profiles") or "–"), plots.key_text(r.get("billed_date"))]
            for _, r in campaigns.iterrows()]  # fmt: skip
    us = t["us_sms_campaigns"]
    us_rows = [[plots.key_text(r.get("profile", r["profile_id"])), f"{r['us_sms']:,}", f"{r['blocked_no_campaign']:,}",
                "not listed" if pd.isna(r["active_campaign"]) else "yes" if r["active_campaign"] else "NO"]
               for _, r in us.iterrows()]  # fmt: skip
    return "".join([
        "<h2>Account</h2>", warnings,
        f"<p class=defs>10DLC campaigns: {h['campaigns_active']:,} ACTIVE of {h['campaigns']:,}. US SMS and MMS "
        "need an ACTIVE campaign of the sending profile (its own, or the organization's it inherits).</p>",
        _table(["campaign", "status", "use case", "profiles", "active since"], rows),
        "<h3>US SMS and MMS by profile</h3>" if us_rows else "",
        _table(["profile", "US SMS/MMS", "blocked: no campaign", "active campaign"], us_rows) if us_rows else "",
    ])  # fmt: skip


def _replies_section(report: ReportView) -> str:
    h, t = report.headline, report.tables
    return "".join([
        "<h2>Replies</h2>",
        f"<p class=defs>Reply rate {html.escape(_rate(h, 'reply_rate'))}: delivered outbound messages the contact "
        "answered within 24 h (an inbound message answers the latest delivered message to its contact before it). "
        f"{h['reply_censored']:,} delivered less than 24 h before the data ends are left out: their window is "
        "still open.</p>",
        _reply_table(t["replies_by_channel"], ["channel"]),
        "<h3>By template</h3>", _reply_table(t["replies_by_template"], ["template_name", "channel"]),
        "<h3>By region</h3>", _reply_table(t["replies_by_region"], ["region_code"]),
    ])  # fmt: skip


def _voice_section(report: ReportView) -> str:
    h, t = report.headline, report.tables
    if not h.get("calls"):
        return ""
    priced = ("" if h["call_cost_method"] == "exact"
              else f"; {h['calls_unpriced']:,} calls without a price are left out of the cost")  # fmt: skip
    tiles = "".join([
        _tile("calls", f"{h['calls']:,}", f"{h['calls_inbound']:,} inbound, {h['calls_outbound']:,} outbound, "
              f"{h['calls_live']:,} live"),
        _tile("answer rate", _pct(h["answer_rate"]), f"of {h['answer_rate_denominator']:,} ended calls; "
              f"95% CI {_pct(h['answer_rate_low'])}–{_pct(h['answer_rate_high'])}"),
        _tile("minutes", f"{h['call_minutes']:,.0f}", "billable minutes of priced calls"),
        _tile("voice cost", plots.money_text(h["call_cost"]),
              f"{plots.unit_price_text(h['call_cost_per_minute'])} per minute{priced}"),
    ])  # fmt: skip
    return "".join([
        "<h2>Voice</h2>", f"<div class=tiles>{tiles}</div>",
        "<p class=defs>Answer rate = calls that connected / calls that ended (live calls are in no "
        "denominator). A call costs its price (no markup); one that never connected costs 0. Cost per minute = "
        "cost / billable minutes.</p>",
        "<h3>By market</h3>", _voice_table(t["voice_by_region"], ["region_code"]),
        "<h3>By direction</h3>", _voice_table(t["voice_by_direction"], ["direction"]),
    ])  # fmt: skip
