"""What the analyst reads (issue 12): rates only where measurable, money and units said, names, whole tables."""

from __future__ import annotations

import re

import numpy as np
import pytest

import sentlab
from sentlab import _plots as plots
from sentlab import _report, _report_figures
from sentlab._report import FigureCache


def test_sms_and_mms_have_no_read_rate_and_dilute_no_other(lab):
    # the page once gave SMS "0.0% (0.0%–0.1%)" and mixed SMS into the read rate by region
    report = lab.report()
    by_channel = report.tables["by_channel"].set_index("channel")
    for channel in set(by_channel.index) & {"sms", "mms"}:
        assert np.isnan(by_channel.loc[channel, "read_rate"]) and by_channel.loc[channel, "read_rate_denominator"] == 0
    readers = by_channel[~by_channel.index.isin(["sms", "mms"])]
    region = report.tables["by_region"]
    assert region["read_rate_denominator"].sum() == readers["delivered"].sum()  # only receipt channels counted
    page = report.to_html()
    sms_row = re.search(r"<tr><td>sms</td>.*?</tr>", page).group(0)
    assert "no read receipts" in sms_row and "0.0% (0.0%" not in sms_row
    assert "SMS and MMS have no read receipts" in report.summary()


def test_amounts_name_their_currency_and_units(lab):
    report = lab.report()
    page, summary = report.to_html(), report.summary()
    for text in (page, summary):
        assert "billing currency" in text and "the API names none" in text
    assert "Amounts to the cent; unit prices (per message, per delivered) to 4 decimals" in page
    named = sentlab.build_report(lab.messages(), currency="EUR")
    assert "amounts in EUR" in named.summary() and "amounts in EUR" in named.to_html()


def test_money_to_the_cent_and_unit_prices_to_four_decimals(lab):
    # "0.6250 next to 1.06": a total had 4 decimals below 1 and 2 above
    assert plots.money_text(0.625) == "0.62" or plots.money_text(0.625) == "0.63"
    assert plots.money_text(1234.5) == "1,234.50" and plots.unit_price_text(0.0548) == "0.0548"
    html = _report._cost_table(lab.report().tables["cost_by_channel"], ["channel"])
    for row in re.findall(r"<tr>(.*?)</tr>", html)[1:]:
        cells = re.findall(r"<td>(.*?)</td>", row)
        *_, channel_cost, markup, total, per_message, per_delivered = cells
        for amount in (channel_cost, markup, total.lstrip("≈").split(" ")[0]):
            assert re.fullmatch(r"[\d,]+\.\d\d|–", amount), amount
        for unit in (per_message, per_delivered):
            assert re.fullmatch(r"\d+\.\d{4}|–", unit), unit


def priced(*prices):
    return sentlab.build_frame("messages", [
        {"id": f"m{i}", "status": "DELIVERED", "channel": "sms", "region_code": "US", "template_category": "UTILITY",
         "created_at": "2026-11-03T10:00:00Z", "price": p, "active_contact_price": 0.0 if p is not None else None}
        for i, p in enumerate(prices)])  # fmt: skip


def test_an_estimate_without_spread_says_so_instead_of_a_zero_width_interval():
    # "95% interval 232.71–232.71": the sampled prices were all equal
    report = sentlab.build_report(priced(0.05, 0.05, 0.05, None, None))
    assert report.headline["method"] == "estimate"
    page, summary = report.to_html(), report.summary()
    assert "did not vary, so no interval" in page and "did not vary, so no interval" in summary
    assert not re.search(r"interval ([\d.]+)–\1", page)
    spread = sentlab.build_report(priced(0.01, 0.05, 0.09, None, None))
    assert "estimate, 95% interval" in spread.to_html() and "did not vary" not in spread.to_html()


def test_an_exact_cost_is_labelled_exact():
    report = sentlab.build_report(priced(0.05, 0.04))
    assert "exact: every message priced" in report.to_html() and "exact: every message priced" in report.summary()


def test_latency_ticks_are_round_durations(messages):
    # the axis read "1.67 min, 16.7 min, 2.78 h"
    fig = sentlab.plot_latency(sentlab.latency(messages, by="channel"))
    axis = fig.axes[0].xaxis
    ticks = list(axis.get_major_locator()())
    assert ticks and set(ticks) <= {*plots.DURATION_TICKS, *plots._COARSE_TICKS}
    labels = [axis.get_major_formatter()(t) for t in ticks]
    assert all(re.fullmatch(r"\d+ (ms|s|min|h|d)", label) for label in labels), labels
    assert plots.duration_ticks(100, 10_000)[0] == 60 and 3600 in plots.duration_ticks(100, 10_000)


def test_profiles_are_named_not_numbered(world, lab):
    report = lab.report()
    names = {p.name for p in world._records.profiles()}
    assert names <= set(report.tables["by_profile"]["profile"])
    page = report.to_html()
    assert all(name in page for name in names)
    assert not any(pid in page for pid in world.profile_ids)  # ids stay in report.tables, not on the page


def test_a_long_table_is_shown_whole_in_a_details_element():
    # "23 more rows not shown (see report.tables)" left a CLI user nothing to act on
    rows = [[f"r{i}", str(i)] for i in range(40)]
    html = _report._table(["key", "n"], rows, top=25)
    first, rest = html.split("<details>")
    assert first.count("<tr>") == 26 and rest.count("<tr>") == 41 and "All 40 rows (15 more)" in rest
    assert "not shown" not in html


def test_a_warm_report_draws_no_figure(messages, tmp_path, monkeypatch):
    cache = FigureCache(tmp_path / "figures")
    first = sentlab.build_report(messages, figure_cache=cache).to_html()
    assert len(list((tmp_path / "figures").glob("*.png"))) == 7

    def no_drawing(*_):
        raise AssertionError("a figure was drawn")

    monkeypatch.setattr(_report_figures, "_png", no_drawing)
    again = sentlab.build_report(messages, figure_cache=cache)
    assert again.to_html() == first.replace(re.search(r"generated [^<]*", first).group(0),
                                            re.search(r"generated [^<]*", again.to_html()).group(0))
    changed = sentlab.build_report(messages.iloc[:-50], figure_cache=cache)
    with pytest.raises(AssertionError, match="drawn"):
        changed.to_html()  # other data: other pictures


def test_figures_are_drawn_only_when_asked_for(messages):
    report = sentlab.build_report(messages)
    assert len(report.figures) == 7 and all(isinstance(v, _report._Plot) for v in report.figures._items.values())
    from matplotlib.figure import Figure

    assert isinstance(report.figures["volume"], Figure) and report.figures["volume"] is report.figures["volume"]


def test_a_warm_demo_connect_builds_no_world_and_asks_nothing(tmp_path):
    with sentlab.connect(cache_dir=tmp_path, progress=False) as first:
        assert first.api.stats.requests == 1  # /v3/me, kept for the day
    with sentlab.connect(cache_dir=tmp_path, progress=False) as lab:
        assert lab.api.stats.requests == 0 and lab._world._app is None
        assert lab._account_label() == "Acme Corporation (organization)"
        assert lab.world.org_key.startswith("sk_test_")  # still there when asked for
    memo = (tmp_path / "demo-account.json").read_text()
    assert "sk_test_" not in memo and "sk_live_" not in memo


def test_the_cli_exits_zero_on_an_empty_window_and_non_zero_on_an_impossible_one(tmp_path, capsys, monkeypatch):
    from sentlab.cli import main

    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "empty.html"
    assert main(["report", "--since", "2020-01-01", "--until", "2020-02-01", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "nothing to report" in printed and "none only" not in printed and "rate" not in printed
    assert "nothing to report" in out.read_text()
    assert main(["report", "--since", "2020-02-01", "--until", "2020-01-01", "--out", str(tmp_path / "x.html")]) != 0
    assert not (tmp_path / "x.html").exists()
