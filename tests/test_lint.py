"""ruff (lint and format) over the Python code; sqlfluff runs in tests/dbt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = [f for f in ("include", "dags", "tests", "bench") if (REPO / f).is_dir()]


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args, *FOLDERS], capture_output=True, text=True, cwd=REPO)


def test_ruff_check() -> None:
    result = ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
