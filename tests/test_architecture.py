"""The layers hold and the code is lint-clean: the import contracts (``[tool.importlinter]`` in
pyproject.toml) and ``ruff check``, run here so that CI, which runs only pytest, proves both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    # This checkout's sentlab, whichever checkout the venv was installed from.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_import_contracts_are_kept():
    # The venv's own lint-imports (beside this Python), so a stray one on PATH is never used.
    lint_imports = Path(sys.executable).with_name("lint-imports")
    assert lint_imports.exists(), "lint-imports is missing: pip install -e '.[dev]'"
    result = _run(str(lint_imports), "--no-cache")
    report = result.stdout + result.stderr
    assert result.returncode == 0, f"an import contract is broken (run `lint-imports`):\n{report}"
    # Every contract was checked, and none silently skipped: four are declared.
    assert "Contracts: 4 kept, 0 broken." in report, report


def test_ruff_is_clean():
    result = _run(sys.executable, "-m", "ruff", "check", "sentlab", "tests", "benchmarks")
    assert result.returncode == 0, (
        f"`ruff check sentlab tests benchmarks` fails:\n{result.stdout}{result.stderr}"
    )
