"""End to end: `msdw release` on a generated two-year inbox, read back by third-party readers; a revised return, `msdw
run` and the release_statistics DAG then make a second release whose changed cells, and only those, carry [r].

Cost: one module-scoped history (generate 2023-01 to 2024-12 at scale 0.02, two `msdw run`, two releases with
LibreOffice's ODS copy, one without, the DAG run in-process): 375 to 412 s on 2 shared cores (3 min of CPU), then
~40 s for the tests themselves.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from msdw.monitor import monitor
from msdw.release.periods import Period
from msdw.release.tables import release_tables
from msdw.release.workbook import convert
from msdw.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow
MARKER = re.compile(r"\[[cxzpr]\]")
FIRST, MONTHLY, SECOND = "2024-Q4", "2024-06", "2024-Q4.2"
MONTHLY_ARGS = ("--revision-window", "0", "--no-ods")
RUN_RELEASE_DAG = """
import json, sys
from msdw.orchestrate import load_dags, prepare, run_dag
from msdw.warehouse import Warehouse

warehouse = Warehouse.at(sys.argv[1])
prepare(warehouse, sys.argv[2])
dag = load_dags(("release_statistics",))["release_statistics"]
outcome = run_dag(dag, {"warehouse": str(warehouse.root), "through": "2024-12", "frequency": "quarter"})
print(json.dumps({"state": outcome.state, "failed": outcome.failed_tasks, "returns": outcome.returns}, default=str))
"""


def msdw(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    return subprocess.run(
        [sys.executable, "-m", "msdw.cli", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=900
    )


@dataclass(frozen=True)
class History:
    root: Path
    warehouse: Warehouse
    marts_at_first: Path  # the published marts the first release was made from
    revised: str  # the revised return: "police <force> victims YYYY-MM"
    revised_quarter: str


def _revise(inbox: Path, marts: Path) -> tuple[str, str]:
    """Send again an accepted police victims return of 2023 Q2 with six more victims (a revision)."""
    with duckdb.connect(os.fspath(marts), read_only=True) as con:
        candidates = con.execute(
            "select submitter, month from mart_return_status where source = 'police' and part = 'victims' "
            "and status = 'ACCEPTED' and month between '2023-04-01' and '2023-06-01' order by rows_accepted desc"
        ).fetchall()
    for force, month in candidates:
        path = inbox / "police" / f"{month:%Y-%m}" / f"{force}_victims.csv"
        lines = path.read_bytes().splitlines(keepends=True) if path.exists() else []
        if len(lines) >= 2:
            break
    else:
        raise AssertionError("no accepted police victims return with rows in 2023 Q2")
    ending = b"\r\n" if lines[1].endswith(b"\r\n") else b"\n"
    ref, rest = lines[1].rstrip(b"\r\n").split(b",", 1)
    extra = [ref + f"-REV{n}".encode() + b"," + rest + ending for n in range(6)]
    body = b"".join(lines) if lines[-1].endswith(ending) else b"".join(lines) + ending
    path.write_bytes(body + b"".join(extra))
    return f"police {force} victims {month:%Y-%m}", Period.containing(month, "quarter").label


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    root = tmp_path_factory.mktemp("release")
    inbox, warehouse = root / "inbox", Warehouse.at(root / "warehouse")
    generated = msdw("generate", "--inbox", str(inbox), "--start", "2023-01", "--end", "2024-12", "--scale", "0.02")
    assert generated.returncode == 0, generated.stderr[-3000:]
    for args in (
        ("run", "--inbox", str(inbox), "--warehouse", str(warehouse.root)),
        ("release", "--warehouse", str(warehouse.root), "--through", "2024-12"),
        ("release", "--warehouse", str(warehouse.root), "--through", "2024-06", "--frequency", "month", *MONTHLY_ARGS),
    ):
        result = msdw(*args)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    marts_at_first = root / "marts_at_first.duckdb"
    shutil.copyfile(warehouse.marts, marts_at_first)
    revised, quarter = _revise(inbox, warehouse.marts)
    result = msdw("run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    assert result.returncode == 0 and "1 revisions" in result.stdout, result.stdout[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    dag_run = subprocess.run(
        [sys.executable, "-c", RUN_RELEASE_DAG, str(warehouse.root), str(inbox)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert dag_run.returncode == 0, dag_run.stderr[-3000:]
    outcome = json.loads(dag_run.stdout.strip().splitlines()[-1])
    assert outcome["failed"] == [] and outcome["returns"]["release"]["release_id"] == SECOND, outcome
    return History(root, warehouse, marts_at_first, revised, quarter)


def _folder(history: History, release_id: str) -> Path:
    return history.warehouse.root / "releases" / release_id


def _csv(history: History, release_id: str, name: str) -> list[dict[str, str]]:
    with (_folder(history, release_id) / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _strip(text: str) -> str:
    return text.replace(" [p]", "").replace(" [r]", "")


def test_the_release_folder_holds_workbook_csvs_and_manifest(history: History) -> None:
    folder = _folder(history, FIRST)
    manifest = json.loads((folder / "manifest.json").read_text())
    names = {table.name for table in release_tables()}
    assert {f"{name}.csv" for name in names} | {"msdw_statistics_2024-Q4.xlsx", "msdw_statistics_2024-Q4.ods"} <= set(
        manifest["files"]
    )
    assert (
        manifest["release_id"] == FIRST and manifest["periods"][0] == "2023 Q1" and manifest["periods"][-1] == "2024 Q4"
    )
    assert set(manifest["made_from"]["tables"]) >= {"mart_monthly_summary", "mart_return_status"}
    assert manifest["code_version"] and manifest["made_at"] and manifest["previous_release"] is None
    for path in folder.iterdir():  # read-only: never written again
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, path


def test_third_party_readers_open_the_workbook(history: History, tmp_path: Path) -> None:
    workbook = _folder(history, FIRST) / "msdw_statistics_2024-Q4.xlsx"
    book = openpyxl.load_workbook(workbook)
    tables = release_tables()
    assert book.sheetnames == ["Cover", "Contents", "Notes", *[f"Table_{n}" for n in range(1, 8)], "Revisions"]
    for index, table in enumerate(tables, start=1):
        sheet = book[f"Table_{index}"]
        assert sheet["A1"].value == table.title and not sheet.merged_cells.ranges
    assert "release 2024-Q4" in book["Cover"]["A1"].value and book["Contents"]["A1"].value == "Table of contents"
    assert book["Notes"]["A1"].value == "Notes"
    frames = pd.read_excel(workbook, sheet_name=None, header=None)
    assert frames["Table_1"].iloc[0, 0] == tables[0].title
    assert (frames["Table_1"] == "Period").any().any()
    made = convert(
        workbook, "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1", tmp_path
    )
    by_sheet = {path.stem.rsplit("-", 1)[-1]: path for path in made}
    assert set(by_sheet) >= {"Cover", "Contents", "Notes", "Table_1", "Revisions"}
    assert next(csv.reader(by_sheet["Table_3"].open(encoding="utf-8")))[0] == tables[2].title
    ods = convert(_folder(history, FIRST) / "msdw_statistics_2024-Q4.ods", "csv", tmp_path / "ods")
    assert "Modern slavery statistics" in ods[0].read_text(encoding="utf-8")


def _table_cells(path: Path) -> list[tuple[str, list]]:
    """(sheet, row values) of every data row of every table sheet in a workbook."""
    book = openpyxl.load_workbook(path)
    found = []
    for sheet in book.worksheets:
        if not sheet.title.startswith("Table_"):
            continue
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, row in enumerate(rows) if row[0] == "Period")
        found += [(sheet.title, list(row)) for row in rows[header + 1 :]]
    return found


@pytest.mark.parametrize("release_id", [FIRST, SECOND])
def test_no_count_from_1_to_4_is_shown(history: History, release_id: str) -> None:
    workbook = next(_folder(history, release_id).glob("*.xlsx"))
    counts = []
    for _, row in _table_cells(workbook):
        for value in row[1:]:
            if isinstance(value, int):
                counts.append(value)
            elif isinstance(value, str) and re.fullmatch(r"\d+ \[r\]", value):
                counts.append(int(value.split()[0]))
    assert counts and not [value for value in counts if 1 <= value <= 4]
    cells = [value for _, row in _table_cells(workbook) for value in row]
    assert {"[c]", "[z]"} <= set(cells)


def test_markers_where_they_belong(history: History) -> None:
    returns = _csv(history, FIRST, "returns")
    quarter = {r["month"]: Period.containing(dt.date.fromisoformat(r["month"]), "quarter").label for r in returns}
    # [z]: the CPS identifies no victims; a rate with no denominator
    for row in _csv(history, FIRST, "referrals_by_agency"):
        if row["Agency"] == "CPS":
            assert {row[c] for c in ("Victims identified", "NRM referrals", "Duty to Notify reports")} == {"[z]"}
    crime = _csv(history, FIRST, "crime_recording_by_force")
    assert all(row["Compliance rate"] == "[z]" for row in crime if row["Victims referred to the NRM"] == "0")
    # [x]: exactly the force rows of a quarter in which that force's victims return is missing or quarantined
    outstanding = {
        (quarter[r["month"]], r["submitter"])
        for r in returns
        if r["source"] == "police" and r["part"] == "victims" and r["status"] in ("MISSING", "QUARANTINED")
    }
    shown_x = {
        (_strip(row["Period"]), row["Force code"])
        for row in crime
        if row["Victims referred to the NRM"] == "[x]" and not row["Period"].startswith("Financial")
    }
    assert outstanding and shown_x == outstanding
    assert all(row["Compliance rate"] == "[x]" for row in crime if row["Victims referred to the NRM"] == "[x]")
    cps_missing = {quarter[r["month"]] for r in returns if r["source"] == "cps" and r["status"] != "ACCEPTED"}
    cps_missing -= {quarter[r["month"]] for r in returns if r["source"] == "cps" and r["status"] == "LATE"}
    for row in _csv(history, FIRST, "prosecutions_by_cps_area"):
        if _strip(row["Period"]) in cps_missing:
            assert row["Defendants finalised"] == "[x]"
    # [c]: every force-quarter count from 1 to 4 in the marts is hidden
    with duckdb.connect(os.fspath(history.marts_at_first), read_only=True) as con:
        truth = con.execute(
            "select year(month) || ' Q' || quarter(month), force_code, sum(nrm_referrals) from mart_crime_recording "
            "where month <= '2024-12-01' group by all"
        ).fetchall()
    shown = {(_strip(row["Period"]), row["Force code"]): row["Victims referred to the NRM"] for row in crime}
    small = [(period, force) for period, force, count in truth if 1 <= count <= 4 and (period, force) in shown]
    assert small and all(shown[key] in ("[c]", "[x]") for key in small)
    # [p]: the revision window (the latest quarter) ...
    assert all(row["Period"].endswith("[p]") for row in crime if row["Period"].startswith("2024 Q4"))
    # ... and, with no window, exactly the months with a return missing, quarantined or late
    monthly = _csv(history, MONTHLY, "referrals_by_agency")
    flagged = {r["month"][:7] for r in _csv(history, MONTHLY, "returns") if r["status"] != "ACCEPTED"}
    marked = {_strip(row["Period"]) for row in monthly if row["Period"].endswith("[p]") and row["Period"][0] != "F"}
    months = {_strip(row["Period"]) for row in monthly if row["Period"][0] != "F"}
    assert marked == flagged & months and months - marked


def _cells(history: History, release_id: str) -> dict[tuple, str]:
    cells = {}
    for table in release_tables():
        keys = ["Period", *(table.headings[c] for c in table.spec.dimensions if c != "period")]
        figures = [table.headings[c] for c in (*table.spec.counts, *(r.name for r in table.spec.rates))]
        for row in _csv(history, release_id, table.name):
            key = tuple(_strip(row[k]) for k in keys)
            for heading in figures:
                cells[(table.name, *key, heading)] = row[heading]
    return cells


def test_a_revision_marks_the_changed_cells_and_only_those(history: History) -> None:
    before, after = _cells(history, FIRST), _cells(history, SECOND)
    assert before.keys() == after.keys()
    changed = {key for key in after if _strip(after[key]) != before[key]}
    assert changed, "the revised return changed no figure"
    assert {key for key, value in after.items() if value.endswith("[r]")} == {
        key for key in changed if not MARKER.fullmatch(after[key])
    }
    revisions = _csv(history, SECOND, "revisions")
    listed = {(r["Table"], r["Period"], *(r["Row"].split(" / ") if r["Row"] else []), r["Column"]) for r in revisions}
    assert listed == changed
    assert all(
        before[key] == r["Previous value"]
        for key, r in zip(
            sorted(listed),
            sorted(revisions, key=lambda r: (r["Table"], r["Period"], *r["Row"].split(" / "), r["Column"])),
            strict=True,
        )
    )
    causes = {r["Caused by"] for r in revisions if r["Period"] == history.revised_quarter}
    assert any(history.revised in cause for cause in causes), causes
    manifest = json.loads((_folder(history, SECOND) / "manifest.json").read_text())
    assert manifest["previous_release"] == FIRST and manifest["revisions"] == len(revisions)
    book = openpyxl.load_workbook(_folder(history, SECOND) / "msdw_statistics_2024-Q4.2.xlsx")
    in_book = [v for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row]
    assert sum(isinstance(v, str) and v.endswith(" [r]") for v in in_book) == sum(
        value.endswith("[r]") for value in after.values()
    )


def test_every_release_is_kept_and_verifies(history: History, tmp_path: Path) -> None:
    wh = str(history.warehouse.root)
    listed = msdw("release", "--warehouse", wh, "--list")
    assert listed.returncode == 0 and all(rid in listed.stdout for rid in (FIRST, MONTHLY, SECOND))
    verified = msdw("release", "--warehouse", wh, "--verify", FIRST)
    assert verified.returncode == 0 and "exactly as published" in verified.stdout
    again = msdw("release", "--warehouse", wh, "--through", "2024-12")
    assert again.returncode == 0 and f"Release {SECOND} was already made" in again.stdout
    assert sorted(p.name for p in (history.warehouse.root / "releases").iterdir()) == sorted([FIRST, MONTHLY, SECOND])
    copy = Warehouse.at(tmp_path / "copy")
    shutil.copytree(_folder(history, FIRST), copy.root / "releases" / FIRST)
    tampered = copy.root / "releases" / FIRST / "referrals_by_agency.csv"
    tampered.chmod(0o644)
    tampered.write_text(tampered.read_text().replace("[c]", "3", 1))
    broken = msdw("release", "--warehouse", str(copy.root), "--verify", FIRST)
    assert broken.returncode == 1 and "referrals_by_agency.csv: SHA-256 differs" in broken.stdout


def test_the_monitor_alerts_when_a_due_release_was_not_made(history: History) -> None:
    after_first = monitor(history.warehouse, now=dt.datetime(2025, 1, 30, tzinfo=dt.UTC))
    assert not [f for f in after_first.findings if f.kind == "RELEASE_DUE"]
    later = monitor(history.warehouse, now=dt.datetime(2025, 4, 30, tzinfo=dt.UTC))
    assert [str(f.subject) for f in later.findings if f.kind == "RELEASE_DUE"] == ["release 2025-Q1"]


def test_bad_arguments_exit_2_with_a_clear_message(history: History, tmp_path: Path) -> None:
    wh = str(history.warehouse.root)
    future = (dt.date.today().replace(day=1) + dt.timedelta(days=62)).strftime("%Y-%m")
    cases = [
        (("--warehouse", wh, "--through", future), "is in the future"),
        (("--warehouse", wh, "--through", "2024-13"), "is not a month"),
        (("--warehouse", str(tmp_path / "empty")), "no published marts"),
        (("--warehouse", wh, "--verify", "2019-Q1"), "no release '2019-Q1'"),
    ]
    for args, message in cases:
        result = msdw("release", *args)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)


def test_dag_file_is_thin() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "release_statistics.py"))
    assert bag.import_errors == {}
    dag = bag.dags["release_statistics"]
    assert [t.task_id for t in dag.topological_sort()] == ["check_published", "release"]
    assert dag.catchup is False and dag.on_failure_callback is not None
