"""The ``sentlab`` command line on the built-in simulator: export, lookup, report, and every local
check made before any work (``simulate`` serving is in tests/simulator)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sentlab
from sentlab import cli
from sentlab.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SENTLAB_CACHE_DIR", str(tmp_path / "store"))
    for name in ("SENT_DM_API_KEY", "SENT_API_KEY", "SENT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


@pytest.fixture
def no_connect(monkeypatch):
    """Fail the test if the command gets as far as connecting (a request to /v3/me)."""

    def refuse(*args, **kwargs):
        raise AssertionError("connected before the local checks")

    monkeypatch.setattr(sentlab, "connect", refuse)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_a_typed_frame(tmp_path, capsys, fmt):
    (tmp_path / "out").mkdir()
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
    out.parent.mkdir()
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


def _status(argv):
    """main's exit status, whether it returns it or argparse exits with it."""
    try:
        return main(argv)
    except SystemExit as exit_:
        return exit_.code


def _one_line_error(captured, *needles):
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"sentlab {sentlab.__version__}"


@pytest.mark.parametrize("name,reader", [("c.csv", pd.read_csv), ("c.parquet", pd.read_parquet),
                                         ("c.PQ", pd.read_parquet)])
def test_export_takes_the_format_from_the_extension(tmp_path, capsys, name, reader):
    out = tmp_path / name
    assert main(["export", "contacts", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    if reader is pd.read_csv:
        assert not out.read_bytes().startswith(b"PAR1")  # today: Parquet bytes in c.csv
    frame = reader(out)
    assert len(frame) > 10 and "phone_number" in frame.columns


@pytest.mark.parametrize("args,needle", [
    (["--out", "c.csv", "--format", "parquet"], "does not match the extension"),
    (["--out", "c.parquet", "--format", "csv"], "does not match the extension"),
    (["--out", "c.txt"], "name the file .parquet or .csv"),
    (["--out", "missing/c.csv"], "does not exist"),
    (["--out", "missing/"], "does not exist"),
])
def test_export_refuses_a_bad_target_before_any_request(tmp_path, capsys, no_connect, args, needle):
    assert main(["export", "contacts", *args]) == 1
    _one_line_error(capsys.readouterr(), "sentlab export:", needle)
    assert not (tmp_path / "missing").exists() and not list(tmp_path.glob("c.*"))


def test_report_refuses_a_directory_at_once(tmp_path, capsys, no_connect):
    (tmp_path / "out").mkdir()
    assert main(["report", "--out", str(tmp_path / "out")]) == 1
    _one_line_error(capsys.readouterr(), "is a directory")
    assert list((tmp_path / "out").iterdir()) == []  # no out.part left behind
    assert not list(tmp_path.glob("*.part"))


def test_report_never_creates_directories(tmp_path, capsys, no_connect):
    out = tmp_path / "nonexistent" / "dir" / "x.html"
    assert main(["report", "--out", str(out)]) == 1
    _one_line_error(capsys.readouterr(), "does not exist")
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("args,needle", [
    (["--since", "2026-13-40"], "since must be a date"),
    (["--until", "yesterday-ish"], "until must be a date"),
    (["--since", "2026-11-02", "--until", "2026-11-01"], "must be later than since"),
])
def test_report_window_mistakes_come_before_any_request(tmp_path, capsys, monkeypatch, args, needle):
    # A key and an unreachable base URL: a request would say "could not connect".
    monkeypatch.setenv("SENT_DM_API_KEY", "sk_test_cli-7Qm2xV9kLp4RzT")
    status = main(["report", *args, "--base-url", "http://127.0.0.1:9", "--out", str(tmp_path / "r.html")])
    assert status == 1
    line = _one_line_error(capsys.readouterr(), needle)
    assert "connect" not in line


@pytest.mark.parametrize("value,needle", [("-1", "must be at least 1, not -1"), ("0", "must be at least 1, not 0"),
                                          ("two", "must be a whole number")])
def test_report_per_stratum_is_checked_before_any_request(capsys, no_connect, value, needle):
    assert _status(["report", "--per-stratum", value]) == 2
    _one_line_error(capsys.readouterr(), "sentlab report", "--per-stratum", needle)


@pytest.mark.parametrize("args,needle", [
    (["--port", "99999"], "must be a port from 0 to 65535"),
    (["--port", "-1"], "must be at least 0"),
    (["--port", "http"], "must be a whole number"),
    (["--contacts", "-5"], "--contacts: must be at least 1"),
    (["--messages", "-1"], "--messages: must be at least 0"),
    (["--profiles", "0"], "--profiles: must be at least 1"),
    (["--seed", "-3"], "--seed: must be at least 0"),
    (["--host", "0.0.0.0"], "only listens on loopback"),
])
def test_simulate_bad_input_is_one_line(capsys, args, needle):
    assert _status(["simulate", *args]) == 2
    _one_line_error(capsys.readouterr(), "sentlab simulate", needle)


def test_simulate_reports_a_busy_port_before_building_the_world(capsys, monkeypatch):
    import sentlab.simulator as simulator

    def no_world(**kwargs):
        raise AssertionError("built the world for a busy port")

    monkeypatch.setattr(simulator, "build_world", no_world)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        busy = taken.getsockname()[1]
        assert main(["simulate", "--port", str(busy)]) == 2
    _one_line_error(capsys.readouterr(), f"port {busy} on 127.0.0.1 is in use", "--port 0")


def test_usage_errors_are_one_line_in_a_real_process():
    run = subprocess.run([sys.executable, "-m", "sentlab", "simulate", "--port", "99999"],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.splitlines() == [
        "sentlab simulate: error: argument --port: must be a port from 0 to 65535, not 99999 "
        "(see sentlab simulate --help)"
    ]


def test_lookup_never_echoes_control_characters(capsys):
    typed = "+1415\x1b[2J\x07\u202e555"
    assert main(["lookup", typed]) == 1
    err = capsys.readouterr().err
    assert not any(ch in err for ch in "\x1b\x07\u202e")
    assert "\\x1b[2J" in err


def test_lookup_escapes_what_the_server_sends(capsys, monkeypatch):
    class FakeLab:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            pass

        def lookup_numbers(self, numbers):
            frame = pd.DataFrame({"phone_number": ["+14155550123"], "carrier": ["Evil\x1b]0;owned\x07\nCo"]})
            frame.attrs["failures"] = {"+1\x1b[31m": "bad"}
            return frame

    monkeypatch.setattr(cli, "_connect", lambda args: FakeLab())
    assert main(["lookup", "+14155550123"]) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and "\x07" not in captured.out
    assert "Evil\\x1b]0;owned\\x07\\nCo" in captured.out
    assert "+1\\x1b[31m: bad" in captured.err


def test_quiet_turns_progress_off(monkeypatch, tmp_path, capsys):
    seen = {}
    real = sentlab.connect

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sentlab, "connect", spy)
    assert main(["export", "templates", "--out", str(tmp_path / "t.parquet"), "--quiet"]) == 0
    assert seen["progress"] is False
    assert main(["export", "templates", "--out", str(tmp_path / "t.parquet")]) == 0
    assert seen["progress"] is None  # auto: a terminal or a notebook


def test_an_error_from_any_command_is_one_line(capsys, monkeypatch):
    from sentlab import ConfigurationError

    def broken(args):
        raise ConfigurationError("profile_id must be a UUID")

    monkeypatch.setattr(cli, "_run_export", broken)
    assert main(["export", "contacts", "--out", "x.csv"]) == 1
    _one_line_error(capsys.readouterr(), "sentlab export: profile_id must be a UUID")
