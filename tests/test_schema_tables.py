"""docs/frames.md's column tables are generated from the declared schemas (a cog block) and
cannot drift from them."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from cogapp import Cog

import sentlab._schemas as schemas

FRAMES_DOC = Path(__file__).resolve().parents[1] / "docs" / "frames.md"
REGENERATE = "cog -r docs/frames.md"


def test_the_frames_doc_tables_match_the_schemas():
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = Cog().main(["cog", "--check", "--diff", str(FRAMES_DOC)])
    assert status == 0, (
        f"docs/frames.md differs from sentlab/_schemas.py: run `{REGENERATE}`\n{out.getvalue()}"
    )


def test_the_frames_doc_has_a_table_for_every_frame():
    # The check above proves the block's output is current; this that the block renders them all.
    text = FRAMES_DOC.read_text(encoding="utf-8")
    missing = [name for name in schemas.SCHEMAS if f"\n### {name}\n" not in text]
    assert not missing, f"docs/frames.md has no table for {missing}: run `{REGENERATE}`"
