"""Parquet keeps every dtype (lists and categoricals included); CSV is plain text."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from sentlab import build_frame
from sentlab._export import export_frame, run_export

from .examples import EXAMPLES, MESSAGE, MESSAGE_BODY_DATA_MODELS


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_parquet_round_trip_keeps_values_and_dtypes(tmp_path, name):
    frame = build_frame(name, EXAMPLES[name])
    back = pd.read_parquet(export_frame(frame, tmp_path / f"{name}.parquet"))
    assert list(back.columns) == list(frame.columns)
    for column in frame.columns:
        if str(frame[column].dtype) != "object":
            assert str(back[column].dtype) == str(frame[column].dtype), column
    for column in ("available_channels", "channels", "event_types"):
        if column in frame.columns:
            assert [list(v) if v is not None else None for v in back[column]] == frame[column].tolist()


def test_parquet_survives_mixed_unknown_fields(tmp_path):
    frame = build_frame("contacts", [{"id": "a", "odd": {"x": 1}}, {"id": "b", "odd": 5}])
    back = pd.read_parquet(export_frame(frame, tmp_path / "c.parquet"))
    assert back.odd.tolist() == ['{"x": 1}', "5"]


def test_csv_joins_lists_and_writes_iso_timestamps(tmp_path):
    frame = build_frame("messages", [MESSAGE, {**MESSAGE, "id": "m2", "message_body": MESSAGE_BODY_DATA_MODELS}])
    contacts = build_frame("contacts", EXAMPLES["contacts"])
    text = export_frame(contacts, tmp_path / "c.csv", format="csv").read_text()
    assert "sms,whatsapp" in text and "2026-04-08T15:54:52.154656700Z" in text and "NaT" not in text
    back = pd.read_csv(export_frame(frame, tmp_path / "m.csv", format="csv"))
    assert back.delivered_at[0] == "2026-04-08T13:55:02.101157700Z"
    assert back.body_buttons[1].startswith('[{"type": "URL"')


def test_unknown_format_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="parquet"):
        export_frame(build_frame("users", []), tmp_path / "x", format="xlsx")


def test_run_export_calls_the_lab_method_and_names_the_file(tmp_path):
    lab = SimpleNamespace(webhook_events=lambda: build_frame("webhook_events", EXAMPLES["webhook_events"]))
    path = run_export(lab, "events", "csv", tmp_path)
    assert path == tmp_path / "events.csv" and path.exists()
    assert run_export(lab, "events", "parquet", tmp_path / "out.parquet").exists()
    with pytest.raises(ValueError, match="choose one of"):
        run_export(lab, "nope", "csv", tmp_path)
