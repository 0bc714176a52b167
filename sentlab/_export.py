"""Frames to files: Parquet (dtypes kept, lists and categoricals included) or CSV (plain text).

``export_frame`` writes one frame; ``export_target`` and ``run_export`` are what ``sentlab export`` calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentlab._errors import ConfigurationError

__all__ = ["EXPORTABLE", "FORMATS", "export_frame", "export_target", "run_export"]

# CLI resource name -> the Lab method that returns its frame.
EXPORTABLE: dict[str, str] = {
    "contacts": "contacts",
    "templates": "templates",
    "events": "webhook_events",
    "messages": "messages",
    "activities": "activities",
}

#: file extension -> format
FORMATS: dict[str, str] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def export_frame(frame: pd.DataFrame, path: str | Path, format: str = "parquet") -> Path:
    """Write ``frame`` to ``path`` as Parquet (dtypes kept) or CSV (lists joined, ISO times).

    >>> export_frame(lab.messages(), "messages.parquet")
    PosixPath('messages.parquet')
    >>> export_frame(lab.contacts(), "contacts.csv", format="csv")
    PosixPath('contacts.csv')
    """
    _check_format(format)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if format == "parquet":
        _to_parquet(frame, path)
    else:
        _csv_ready(frame).to_csv(path, index=False)
    return path


def _check_format(fmt: str) -> None:
    if fmt not in ("parquet", "csv"):
        raise ConfigurationError(f"format must be 'parquet' or 'csv', not {fmt!r}")


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Mixed nested values (an unknown field that is sometimes a dict, sometimes a number)
        # have no Arrow type: those columns are written as JSON text instead.
        table = pa.Table.from_pandas(_jsonify_unarrowable(frame), preserve_index=False)
    pq.write_table(table, path)


def _jsonify_unarrowable(frame: pd.DataFrame) -> pd.DataFrame:
    import pyarrow as pa

    out = frame.copy()
    for name in frame.columns:
        if frame[name].dtype != object:
            continue
        try:
            pa.array(frame[name], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            out[name] = pd.array([_json_cell(v) for v in frame[name]], dtype="str")
    return out


def _json_cell(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, str) else json.dumps(value, default=str)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        # Lists of plain values join like the API's own "sms,whatsapp"; nested ones stay JSON.
        if all(isinstance(v, str | int | float) for v in value):
            return ",".join(str(v) for v in value)
        return json.dumps(value, default=str)
    if isinstance(value, dict):
        return json.dumps(value, default=str)
    return value


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
            out[name] = _iso(column)
        elif column.dtype == object:
            out[name] = column.map(_csv_cell)
        else:
            out[name] = column
    return pd.DataFrame(out, index=frame.index)


def _iso(column: pd.Series) -> pd.Series:
    # numpy formats in C: "2026-04-08T15:54:52.154656700Z"; missing -> empty cell.
    utc = column.dt.tz_convert("UTC") if column.dt.tz is not None else column
    text = np.datetime_as_string(utc.to_numpy(dtype="datetime64[ns]"), unit="auto", timezone="UTC")
    return pd.Series(np.where(column.isna().to_numpy(), "", text), index=column.index, dtype="str")


def export_target(resource: str, fmt: str | None, out: str | Path) -> tuple[Path, str]:
    """The file and format an export writes, from ``out`` and ``fmt``, checked before any request.

    A file's extension names the format (``.parquet``/``.pq`` or ``.csv``); ``fmt``, if given,
    must agree with it. A directory (existing, or written with a trailing slash or no
    extension) gets ``<resource>.<fmt>``, Parquet unless ``fmt`` says otherwise.

    >>> export_target("contacts", None, "c.csv")
    (PosixPath('c.csv'), 'csv')
    >>> export_target("contacts", "parquet", "c.csv")
    Traceback (most recent call last):
    ConfigurationError: --format parquet does not match the extension of c.csv (a CSV file): ...
    """
    if resource not in EXPORTABLE:
        raise ConfigurationError(f"cannot export {resource!r}; choose one of: {', '.join(EXPORTABLE)}")
    if fmt is not None:
        _check_format(fmt)
    path = Path(out)
    if path.is_dir() or str(out).endswith(("/", "\\")) or not path.suffix:
        fmt = fmt or "parquet"
        return path / f"{resource}.{fmt}", fmt
    named = FORMATS.get(path.suffix.lower())
    if named is None:
        raise ConfigurationError(f"cannot tell the format of {out}: name the file .parquet or .csv "
                                 "(or give a directory)")  # fmt: skip
    if fmt is not None and fmt != named:
        raise ConfigurationError(f"--format {fmt} does not match the extension of {out} (a {named.upper()} "
                                 f"file): drop --format or name the file .{fmt}")  # fmt: skip
    return path, named


def run_export(lab: Any, resource: str, fmt: str | None, out: str | Path) -> Path:
    """Fetch one resource through ``lab`` and write it; ``out`` may be a file or a directory.

    The format comes from ``out``'s extension where it has one (see :func:`export_target`).

    >>> run_export(lab, "messages", None, "exports/")
    PosixPath('exports/messages.parquet')
    """
    path, fmt = export_target(resource, fmt, out)  # before anything is fetched
    frame = getattr(lab, EXPORTABLE[resource])()
    return export_frame(frame, path, fmt)
