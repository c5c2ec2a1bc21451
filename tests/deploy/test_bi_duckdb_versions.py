"""A published ``marts.duckdb`` opened read-only by the DuckDB releases that BI drivers ship, each in its own
virtual environment: every table has the rows the current DuckDB reads.

Cost: about 17 s on the busy 2-core machine with the environments cached (13 s for one publish through the mart
gate, then about 1 s a release); about 10 s more the first time, when uv creates the four environments (about 60 MB
each, kept in ~/.cache/msdw-test-venvs), plus the download of each release's wheel when uv's cache is empty.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from msdw.publish import PUBLISHED_TABLES, STORAGE_READ_BY, publish
from msdw.quality.mart_gate import check_marts
from msdw.warehouse import Warehouse
from tests.report.marts_fixture import build_marts

pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[2]
VERSIONS_FILE = Path(__file__).with_name("bi_duckdb_versions.txt")
REFUSED = "0.10.2"  # the last release that cannot read storage version 64 (a serialization error)
UV = Path(sys.executable).with_name("uv")
VENVS = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "msdw-test-venvs"

COUNT_EVERY_TABLE = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
names = [r[0] for r in con.execute(
    "select table_name from information_schema.tables where table_schema = 'main' order by 1").fetchall()]
counts = {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
print(json.dumps({"version": duckdb.__version__, "counts": counts}))
"""


def pinned_versions() -> list[str]:
    """The DuckDB releases in bi_duckdb_versions.txt, oldest first."""
    lines = [line.split("#", 1)[0].strip() for line in VERSIONS_FILE.read_text(encoding="utf-8").splitlines()]
    versions = [re.fullmatch(r"duckdb==([0-9.]+)", line).group(1) for line in lines if line]
    return sorted(versions, key=lambda v: tuple(int(p) for p in v.split(".")))


def duckdb_python(version: str) -> Path:
    """The Python of a virtual environment holding only ``duckdb==version``, made with uv on first use."""
    venv = VENVS / f"duckdb-{version}"
    python = venv / "bin" / "python"
    check = [os.fspath(python), "-c", "import duckdb; print(duckdb.__version__)"]
    VENVS.mkdir(parents=True, exist_ok=True)
    with open(VENVS / f".duckdb-{version}.lock", "w") as lock:  # another test run may be making the same one
        fcntl.flock(lock, fcntl.LOCK_EX)
        if python.exists() and subprocess.run(check, capture_output=True, text=True).stdout.strip() == version:
            return python
        uv = [os.fspath(UV), "--quiet"]
        subprocess.run([*uv, "venv", "--clear", "--python", sys.executable, os.fspath(venv)], check=True)
        subprocess.run([*uv, "pip", "install", "--python", os.fspath(python), f"duckdb=={version}"], check=True)
    return python


def count_with(version: str, marts: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [os.fspath(duckdb_python(version)), "-c", COUNT_EVERY_TABLE, os.fspath(marts)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """marts.duckdb published (through the mart gate, without Data Docs) from the report's hand-made marts, with
    dbt descriptions as table and column comments, and the rows of each table as the current DuckDB counts them."""
    root = tmp_path_factory.mktemp("bi")
    warehouse = Warehouse.at(root / "warehouse").ensure()
    build = build_marts(root / "build.duckdb")
    manifest = root / "manifest.json"
    nodes = {
        f"model.msdw.{t}": {"resource_type": "model", "name": t, "description": f"The {t} table.", "columns": {}}
        for t in PUBLISHED_TABLES
    }
    nodes["model.msdw.mart_monthly_summary"]["columns"] = {"month": {"description": "First day of the month."}}
    manifest.write_text(json.dumps({"nodes": nodes}), encoding="utf-8")
    result = publish(
        warehouse, lambda db, wh: check_marts(db, wh, render_docs=False), source_db=build, manifest=manifest
    )
    assert result.published, result.failures
    with contextlib.closing(duckdb.connect(os.fspath(warehouse.marts), read_only=True)) as con:
        names = [
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
        ]
        counts = {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
        assert con.execute("select comment from duckdb_tables() where table_name = 'dim_month'").fetchone()[0]
    assert set(counts) == set(PUBLISHED_TABLES) and sum(counts.values()) > 0
    return warehouse.marts, counts


def test_the_pinned_releases_include_a_1_0_and_a_1_1() -> None:
    versions = pinned_versions()
    assert {v.rsplit(".", 1)[0] for v in versions} >= {"1.0", "1.1"}
    assert len(versions) == len(set(versions))


@pytest.mark.parametrize("version", pinned_versions())
def test_each_bi_release_counts_every_table_as_today(version: str, published: tuple[Path, dict[str, int]]) -> None:
    marts, expected = published
    run = count_with(version, marts)
    assert run.returncode == 0, f"DuckDB {version} could not read {marts}:\n{run.stderr}"
    read = json.loads(run.stdout)
    assert read["version"] == version
    assert read["counts"] == expected


def test_the_release_before_the_oldest_is_refused(published: tuple[Path, dict[str, int]]) -> None:
    marts, _ = published
    run = count_with(REFUSED, marts)
    assert run.returncode != 0
    assert "Serialization" in run.stderr, run.stderr


def test_the_readme_and_the_publish_record_name_the_oldest_release_tested() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Connecting to the marts", 1)[1].split("\n## ", 1)[0]
    oldest = pinned_versions()[0]
    assert f"oldest release tested is **DuckDB {oldest}**" in section
    assert f"DuckDB 0.10.0 to {REFUSED} cannot open it" in section
    assert STORAGE_READ_BY.startswith(f"DuckDB {oldest} or later")
