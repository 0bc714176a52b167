"""The report's analysis sections: comparisons said plainly, what changed, time to delivery with the in-flight counted."""

from __future__ import annotations

import html

import pandas as pd
import pytest

import sentlab
from sentlab import _report_analysis as ra


@pytest.fixture(scope="module")
def demo():
    lab = sentlab.connect()
    return lab.messages(), lab.report()


def test_the_report_holds_the_analysis_tables_and_sections(demo):
    messages, report = demo
    page = report.to_html()
    for section in ("<h2>What changed</h2>", "<h2>Comparisons</h2>", "Time to delivery, the in-flight counted"):
        assert section in page
    templates = report.tables["compare_templates"]
    pd.testing.assert_frame_equal(templates, sentlab.compare(messages, by="template_name", metric="delivery_rate"))
    assert f"{len(templates)} comparisons" in page
    for _, row in templates[templates["significant"]].iterrows():
        assert html.escape(ra.comparison_sentence(row, "template_name")) in page
    km = report.tables["time_to_delivered"]
    assert set(km["channel"].astype(str)) == set(messages.loc[messages["direction"] == "outbound", "channel"].astype(str))


def test_what_changed_names_the_outage_day_and_its_reason_by_profile_name(demo):
    messages, report = demo
    flagged = report.tables["changes_by_profile"]
    blocked = messages[messages["reason_code"] == "BUSINESS_003"]
    day = pd.to_datetime(blocked["created_at"], utc=True).dt.floor("D").mode().iloc[0]
    hit = flagged[(flagged["period"] == day) & (flagged["kind"] == "reason_code")]
    assert (hit["reason_code"] == "BUSINESS_003").any()
    page = report.to_html()
    name = hit["profile"].iloc[0]
    assert name != hit["profile_id"].iloc[0] and f"<td>{html.escape(name)}</td><td>{day:%Y-%m-%d}</td>" in page
    assert "reason BUSINESS_003" in page


def test_sentences_say_the_direction_size_interval_and_adjusted_p():
    row = pd.Series({"template_name": "B", "baseline": "A", "metric": "delivery_rate", "diff": 0.048,
                     "diff_low": 0.031, "diff_high": 0.065, "p_adjusted": 0.0004})  # fmt: skip
    assert ra.comparison_sentence(row, "template_name") == \
        "B delivers 4.8 points more than A (95% CI 3.1 to 6.5; adjusted p < 0.001)"
    row = pd.Series({**row, "metric": "failure_rate", "diff": -0.012, "diff_low": -0.02, "diff_high": -0.004,
                     "p_adjusted": 0.0312})  # fmt: skip
    assert ra.comparison_sentence(row, "template_name") == \
        "B fails 1.2 points less than A (95% CI -2.0 to -0.4; adjusted p = 0.031)"


def test_no_messages_no_analysis_sections():
    page = sentlab.build_report(sentlab.build_frame("messages", [])).to_html()
    assert "<h2>Comparisons</h2>" not in page and "No messages" in page
