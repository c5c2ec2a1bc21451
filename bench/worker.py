"""One measured step in a process of its own: ``python -m bench.worker STEP ... --json OUT``.

Each step runs in a fresh process so that Airflow is configured for its own warehouse and the parent can read the
step's peak memory. Steps: ``generate``, ``ingest`` (land and ingest without Airflow), ``run`` (``msdw run``),
``link`` (person linkage), ``read_csv`` (DuckDB's own CSV reader on the same files).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.airflow_runs import runs_since
from bench.timing import ARCHIVE_CRYPTO, GATES, TASK_CODE, Stopwatch


def generate_step(args: argparse.Namespace) -> dict[str, Any]:
    from msdw.generate import generate

    started = time.perf_counter()
    summary = generate(
        Path(args.inbox), args.start, args.end, scale=args.scale, seed=args.seed, truth=Path(args.truth), progress=False
    )
    return {
        "seconds": time.perf_counter() - started,
        "files": summary.files_written,
        "rows": dict(summary.rows),
        "rows_by_source": summary.rows_by_source,
    }


def ingest_step(args: argparse.Namespace) -> dict[str, Any]:
    watch = Stopwatch().install({k: TASK_CODE[k] for k in ("land", "ingest")} | GATES | ARCHIVE_CRYPTO)
    # Libraries are imported before the clock starts, as DuckDB is for read_csv: the figure is a rate, and an Airflow
    # worker imports them once for many tasks.
    import great_expectations  # noqa: F401

    from msdw import ingest, landing
    from msdw.quality import context, returns  # noqa: F401
    from msdw.sources import source
    from msdw.warehouse import Warehouse

    warehouse = Warehouse.at(args.warehouse).ensure()
    inbox = landing.Inbox(args.inbox)
    rows: dict[str, int] = {}
    quarantined: dict[str, int] = {}
    started = time.perf_counter()
    for name in args.sources.split(","):
        landing.land(inbox, warehouse, name, run_id="bench")
        result = ingest.ingest_source(source(name), warehouse)
        rows[name] = result.rows
        quarantined[name] = len(result.quarantined)
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "quarantined": quarantined,
        "timings": watch.as_dict(),
    }


def run_step(args: argparse.Namespace) -> dict[str, Any]:
    watch = Stopwatch().install(TASK_CODE | GATES | ARCHIVE_CRYPTO)
    from msdw.cli import main

    argv = ["run", "--inbox", args.inbox, "--warehouse", args.warehouse]
    if args.ingest_only:
        argv.append("--ingest-only")
    since = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - started
    db = Path(args.warehouse) / "airflow" / "airflow.db"
    airflow = runs_since(db, since) if db.is_file() else None
    return {"seconds": seconds, "exit_code": code, "timings": watch.as_dict(), "airflow": airflow}


def link_step(args: argparse.Namespace) -> dict[str, Any]:
    from msdw.linkage import link_persons
    from msdw.warehouse import Warehouse

    started = time.perf_counter()
    result = link_persons(Warehouse.at(args.warehouse))
    return {"seconds": time.perf_counter() - started, "result": str(result)}


def read_csv_step(args: argparse.Namespace) -> dict[str, Any]:
    """DuckDB's ``read_csv`` over the police files, one call per kind of file, materialised in memory."""
    import duckdb

    folder = Path(args.inbox) / "police"
    kinds = {
        "operations": sorted(p for p in folder.glob("*/*.csv") if not p.stem.endswith("_victims")),
        "victims": sorted(folder.glob("*/*_victims.csv")),
    }
    utf8 = Path(tempfile.mkdtemp(prefix="read_csv_"))
    groups: dict[tuple[str, str], list[Path]] = {}
    for kind, files in kinds.items():
        for path in files:
            groups.setdefault((kind, "utf-8"), []).append(_as_utf8(path, utf8))
    con = duckdb.connect()
    rows = 0
    started = time.perf_counter()
    for i, ((_, encoding), files) in enumerate(sorted(groups.items())):
        listed = ", ".join(f"'{os.fspath(p)}'" for p in files)
        con.execute(
            f"create table t{i} as select * from read_csv([{listed}], union_by_name = true, header = true,"
            f" encoding = '{encoding}', strict_mode = false)"
        )
        rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
    seconds = time.perf_counter() - started
    shutil.rmtree(utf8, ignore_errors=True)
    return {"seconds": seconds, "rows": rows, "files": sum(len(f) for f in kinds.values())}


def _as_utf8(path: Path, folder: Path) -> Path:
    """``path`` itself when it is UTF-8, else a UTF-8 copy in ``folder``: DuckDB reads UTF-8, UTF-16 and Latin-1
    only, and the Windows-1252 files some forces send are not Latin-1. The copy is made before the clock starts, so
    DuckDB is spared the decoding that our ingestion does."""
    body = path.read_bytes()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        copy = folder / f"{len(list(folder.iterdir()))}_{path.name}"
        copy.write_text(body.decode("cp1252", errors="replace"), encoding="utf-8")
        return copy
    return path


STEPS = {
    "generate": generate_step,
    "ingest": ingest_step,
    "run": run_step,
    "link": link_step,
    "read_csv": read_csv_step,
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.worker")
    p.add_argument("step", choices=sorted(STEPS))
    p.add_argument("--json", required=True, help="where to write the step's measurements")
    p.add_argument("--inbox")
    p.add_argument("--truth")
    p.add_argument("--warehouse")
    p.add_argument("--start")
    p.add_argument("--end")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sources", default="police")
    p.add_argument("--ingest-only", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):
        measured = STEPS[args.step](args)
    Path(args.json).write_text(json.dumps(measured, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
