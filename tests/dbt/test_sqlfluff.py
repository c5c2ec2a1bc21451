"""The models pass sqlfluff (dbt templater, DuckDB dialect) as configured in dbt_project/.sqlfluff."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from msdw.transform import PROJECT_DIR, dbt_env
from msdw.warehouse import Warehouse


def test_models_pass_sqlfluff(built: Warehouse, tmp_path: Path) -> None:
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    env = {**os.environ, **dbt_env(built), "DBT_TARGET_PATH": os.fspath(tmp_path / "target")}
    proc = subprocess.run(
        [os.fspath(sqlfluff), "lint", "models", "--format", "human"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
