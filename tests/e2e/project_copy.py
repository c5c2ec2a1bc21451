"""A copy of the project in a temporary folder, for tests that edit what a maintainer edits, and runs in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COPIED = ("include", "dags", "dbt_project", "seeds", "expectations", "docs", "pyproject.toml")
IGNORED = shutil.ignore_patterns("target", "__pycache__", "*.pyc", "logs", "dbt_packages")


def copy_project(project: Path) -> Path:
    """Copy what a run reads (code, DAGs, dbt project, seeds, suites, docs) into ``project``; return it."""
    project.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, symlinks=True, ignore=IGNORED)
        else:
            shutil.copy2(source, project / name)
    return project


def run_python(project: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in ``project``, importing msdw from the copy, with no Airflow or seeds setting inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MSDW_SEEDS"))}
    env["PYTHONPATH"] = os.fspath(project / "include")
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=project, timeout=timeout, check=False
    )
