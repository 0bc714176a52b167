"""``sentlab export`` and ``sentlab lookup`` on the built-in simulator (``simulate`` is in tests/simulator)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from sentlab.cli import main


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_a_typed_frame(tmp_path, capsys, fmt):
    assert main(["export", "templates", "--format", fmt, "--out", str(tmp_path / "out")]) == 0
    path = tmp_path / "out" / f"templates.{fmt}"
    assert capsys.readouterr().out.strip() == str(path)
    frame = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    assert len(frame) > 10 and {"id", "name", "category", "status"} <= set(frame.columns)
    if fmt == "parquet":
        channels = frame.channels.iloc[0]
        assert not isinstance(channels, str) and set(channels) <= {"sms", "whatsapp"} and len(channels)
        assert str(frame.created_at.dtype).startswith("datetime64")


def test_export_rejects_an_unknown_resource(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "invoices", "--out", "x"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_lookup_prints_rows_and_reports_bad_numbers(capsys):
    status = main(["lookup", "+14155550123", "12", "--json"])
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [r["phone_number"] for r in rows] == ["+14155550123"] and rows[0]["is_valid"] is True
    assert "12: " in captured.err and "E.164" in captured.err
    assert status == 1


def test_a_base_url_without_a_key_is_a_clear_error(capsys):
    assert main(["lookup", "+14155550123", "--base-url", "http://127.0.0.1:9"]) == 1
    assert "no API key" in capsys.readouterr().err


def test_report_writes_the_page_and_prints_the_headline(tmp_path, capsys):
    out = tmp_path / "r" / "report.html"
    assert main(["report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "delivery rate" in printed and f"report written to {out}" in printed
    for headline in ("reply rate", "answer rate", "10DLC campaigns"):  # the demo account has calls and campaigns
        assert headline in printed, headline
    page = out.read_text(encoding="utf-8")
    assert "Delivery &amp; cost report" in page and "sk_" not in page


def test_report_rejects_a_bad_window(tmp_path, capsys):
    assert main(["report", "--since", "2026-13-40", "--out", str(tmp_path / "x.html")]) == 1
    assert "since must be a date" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()
