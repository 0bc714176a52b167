"""Plots take metric frames and return Figures, drawn from the numbers they are given."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sentlab


def test_plots_return_figures_and_leave_pyplot_alone(messages):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figures = [
        sentlab.plot_rates(sentlab.delivery_rates(messages, by="channel")),
        sentlab.plot_rates(sentlab.delivery_rates(messages, by=["day", "channel"]), "failure_rate"),
        sentlab.plot_costs(sentlab.costs(messages, by=["channel", "template_category"])),
        sentlab.plot_costs(sentlab.costs(messages, by=["week", "channel"])),
        sentlab.plot_latency(sentlab.latency(messages, by="channel")),
        sentlab.plot_volume(sentlab.delivery_rates(messages, by="day")),
    ]
    assert all(isinstance(f, Figure) for f in figures)
    assert plt.get_fignums() == before  # nothing registered with pyplot: shown once in Jupyter
    for fig in figures:
        fig.canvas.draw()  # renders without error on the non-interactive backend
    assert matplotlib.get_backend()


def test_rate_bars_show_each_groups_rate_and_wilson_interval(messages):
    rates = sentlab.delivery_rates(messages, by="channel")
    ax = sentlab.plot_rates(rates).axes[0]
    bars = sorted(ax.patches, key=lambda p: p.get_y())
    by_label = {t.get_text(): b.get_width() for t, b in zip(ax.get_yticklabels(), bars, strict=True)}
    expected = dict(zip(rates.channel.astype(str), rates.delivery_rate, strict=True))
    assert by_label == pytest.approx(expected)
    segments = ax.collections[0].get_segments()  # the error bars, one segment per bar
    spans = sorted((round(s[0][0], 9), round(s[1][0], 9)) for s in segments)
    assert spans == sorted((round(lo, 9), round(hi, 9)) for lo, hi in zip(rates.delivery_rate_low,
                                                                          rates.delivery_rate_high, strict=True))


def test_rates_over_time_draw_one_line_per_channel_with_its_band(messages):
    rates = sentlab.delivery_rates(messages, by=["day", "channel"])
    ax = sentlab.plot_rates(rates).axes[0]
    assert sorted(line.get_label() for line in ax.get_lines()) == sorted(rates.channel.astype(str).unique())
    assert len(ax.collections) == rates.channel.nunique()  # the interval bands


def test_many_groups_show_the_largest_and_say_so():
    frame = pd.DataFrame({"region_code": [f"R{i:02d}" for i in range(40)], "status": "DELIVERED",
                          "created_at": pd.Timestamp("2026-11-01", tz="UTC")})
    frame = frame.loc[frame.index.repeat(np.arange(1, 41))].reset_index(drop=True)
    ax = sentlab.plot_rates(sentlab.delivery_rates(frame, by="region_code")).axes[0]
    assert len(ax.patches) == 25
    assert "15 more not shown" in ax.get_title()
    assert "R39" in {t.get_text() for t in ax.get_yticklabels()} and "R00" not in {t.get_text() for t in ax.get_yticklabels()}


def test_cost_bars_stack_channel_cost_and_markup(messages):
    costs = sentlab.costs(messages, by="channel")
    ax = sentlab.plot_costs(costs).axes[0]
    widths = sorted(round(p.get_width(), 6) for p in ax.patches)
    assert widths == sorted(round(v, 6) for v in [*costs.channel_cost, *costs.markup])


def test_plots_draw_into_a_given_axes():
    fig = Figure()
    ax = fig.add_subplot()
    frame = pd.DataFrame({"status": ["DELIVERED", "FAILED"], "channel": ["sms", "sms"]})
    assert sentlab.plot_rates(sentlab.delivery_rates(frame, by="channel"), ax=ax) is fig
    assert len(ax.patches) == 1


def test_a_frame_of_the_wrong_kind_is_a_clear_error(messages):
    with pytest.raises(sentlab.ConfigurationError, match="delivery_rates"):
        sentlab.plot_rates(messages)
    with pytest.raises(sentlab.ConfigurationError, match="costs"):
        sentlab.plot_costs(sentlab.delivery_rates(messages))
    with pytest.raises(sentlab.ConfigurationError, match="metric"):
        sentlab.plot_rates(sentlab.delivery_rates(messages), "latency")
    with pytest.raises(sentlab.ConfigurationError, match="time bucket"):
        sentlab.plot_volume(sentlab.delivery_rates(messages, by="channel"))


def test_empty_metric_frames_still_plot():
    empty = sentlab.build_frame("messages", [])
    for fig in (sentlab.plot_rates(sentlab.delivery_rates(empty, by="channel")),
                sentlab.plot_costs(sentlab.costs(empty, by="channel")),
                sentlab.plot_latency(sentlab.latency(empty, by="channel"))):
        fig.canvas.draw()


def test_every_rate_plots_with_its_own_denominator_as_n():
    frame = pd.DataFrame({"status": ["DELIVERED", "BLOCKED", "FILTERED", "SENT", "QUEUED", "RECEIVED"],
                          "channel": "sms"})  # fmt: skip
    rates = sentlab.delivery_rates(frame, by="channel")
    for metric in ("blocked_rate", "dashboard_deliverability"):
        ax = sentlab.plot_rates(rates, metric).axes[0]
        assert ax.patches[0].get_width() == pytest.approx(rates[metric].item())
        n = rates[f"{metric}_denominator"].item()
        assert any(t.get_text().endswith(f"n={n:,}") for t in ax.texts)
    assert (rates["blocked_rate_denominator"].item(), rates["dashboard_deliverability_denominator"].item()) == (4, 3)


def test_volume_stacks_blocked_and_leaves_inbound_out():
    frame = pd.DataFrame({"status": ["DELIVERED", "BLOCKED", "FILTERED", "CANCELLED", "RECEIVED"],
                          "created_at": pd.Timestamp("2026-11-02", tz="UTC")})  # fmt: skip
    ax = sentlab.plot_volume(sentlab.delivery_rates(frame, by="day")).axes[0]
    heights = {bar.get_label(): bar.patches[0].get_height() for bar in ax.containers}
    assert heights["blocked or filtered"] == 2 and heights["cancelled or unknown"] == 1
    assert sum(heights.values()) == 4  # the inbound message is not an outbound outcome


def test_cost_bars_take_a_cost_frame_with_calls():
    calls = sentlab.build_frame("calls", [{"id": "c1", "status": "COMPLETED", "started_at": "2026-11-01T10:00:00Z",
                                           "duration_seconds": 90, "price": 0.5}])  # fmt: skip
    messages = sentlab.build_frame("messages", [{"id": "m1", "status": "DELIVERED", "channel": "sms", "price": 0.01,
                                                 "created_at": "2026-11-01T09:00:00Z"}])  # fmt: skip
    fig = sentlab.plot_costs(sentlab.costs(messages, calls=calls, by="channel"))
    assert sorted(t.get_text() for t in fig.axes[0].get_yticklabels()) == ["sms", "voice"]  # the call columns are values
