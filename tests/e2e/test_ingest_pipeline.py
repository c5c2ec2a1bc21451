"""End to end: `msdw run` runs the DAGs on the fixture inbox, as a user would: ingest, build, gate, publish."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from msdw.ledger import Ledger
from msdw.warehouse import Warehouse
from tests.fixtures import inbox as fx

REPO = Path(__file__).resolve().parents[2]


def msdw(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    return subprocess.run(
        [sys.executable, "-m", "msdw.cli", *args], capture_output=True, text=True, env=env, cwd=REPO, timeout=900
    )


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse, dict[str, str], str]:
    root = tmp_path_factory.mktemp("e2e")
    inbox = root / "inbox"
    expected = fx.write_inbox(inbox)
    warehouse = Warehouse.at(root / "warehouse")
    result = msdw("run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    assert "Published" in result.stdout
    return inbox, warehouse, expected, result.stdout


def test_dag_integrity() -> None:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert bag.import_errors == {}
    assert {
        "ingest_police",
        "ingest_glaa",
        "ingest_border_force",
        "ingest_cps",
        "build_warehouse",
        "monitor_returns",
    } <= set(bag.dag_ids)
    for dag_id in ("ingest_police", "ingest_glaa", "ingest_border_force", "ingest_cps"):
        assert [t.task_id for t in bag.dags[dag_id].topological_sort()] == ["land", "load", "receipts", "announce"]


def test_every_file_gets_its_outcome(ingested) -> None:
    _, warehouse, expected, stdout = ingested
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = dict(con.execute("select original_path, status from versions").fetchall())
        rejected = {p for (p,) in con.execute("select path from sightings where outcome = 'REJECTED'").fetchall()}
    for path, outcome in expected.items():
        if outcome == "REJECTED":
            assert path in rejected, path
        else:
            assert versions.get(path) == outcome, (path, versions.get(path))
    assert "quarantined" in stdout and "rejected" in stdout


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("police/2018-02/E23000003.csv", "column force_code"),
        ("police/2018-03/E23000001.csv", "column closed_date"),
        ("police/2018-03/E23000001.csv", "column status"),
        ("police/2018-02/E23000005_victims.csv", "row 2, column identified_date"),
        ("cps/cps_msht_2018-03.csv", "column finalised_date"),
        ("border_force/bf_referrals_2018-03.jsonl", "row 2"),
        ("glaa/GLAA_2018-03.xlsx", "Reporting month"),
    ],
)
def test_quarantine_reasons_name_file_row_and_column(ingested, path: str, words: str) -> None:
    _, warehouse, _, _ = ingested
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        (errors,) = con.execute("select errors from versions where original_path = ?", [path]).fetchall()[0]
    assert path in errors and words in errors


def test_accepted_rows_reach_the_raw_zone(ingested) -> None:
    _, warehouse, _, _ = ingested
    con = duckdb.connect()
    victims = con.execute(
        f"select count(*) from read_parquet('{warehouse.raw}/police_victims/*/*.parquet')"
    ).fetchall()[0][0]
    assert victims == 5  # MET's five; E23000002 has none; E23000005 was quarantined
    workers = con.execute(f"select count(*) from read_parquet('{warehouse.raw}/glaa_workers/*/*.parquet')").fetchall()
    assert workers[0][0] == 2
    versions = con.execute(
        f"select status, count(*) from read_parquet('{warehouse.ledger_export}') group by 1 order by 1"
    ).fetchall()
    assert dict(versions)["ACCEPTED"] == 7


def _text_of_every_store(warehouse: Warehouse) -> str:
    con = duckdb.connect()
    texts = []
    for path in warehouse.root.rglob("*"):
        if warehouse.archive in path.parents or not path.is_file():
            continue
        if path.suffix == ".parquet":
            texts.append(str(con.execute(f"select * from read_parquet('{path}')").fetchall()))
        elif path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as db:
                for schema, name in db.execute(
                    "select table_schema, table_name from information_schema.tables"
                ).fetchall():
                    texts.append(str(db.execute(f'select * from "{schema}"."{name}"').fetchall()))
    return "\n".join(texts).upper()


def test_no_name_or_date_of_birth_outside_the_archive(ingested) -> None:
    _, warehouse, _, _ = ingested
    text = _text_of_every_store(warehouse)
    assert "MET-V-1" in text  # the scan does read the stores
    for secret in (*fx.NAMES, *fx.DATES_OF_BIRTH, "1990, 7, 14", "2003, 11, 2"):
        assert secret.upper() not in text, secret


def test_marts_published_with_their_definitions(ingested) -> None:
    _, warehouse, _, stdout = ingested
    from msdw.publish import PUBLISHED_TABLES

    with duckdb.connect(str(warehouse.marts), read_only=True) as con:
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert set(PUBLISHED_TABLES) <= tables
        police = con.execute(
            "select victims_identified, nrm_referrals, operations_live, operations_opened, arrests, charges"
            " from mart_monthly_summary where month = date '2018-02-01' and agency_code = 'POLICE'"
        ).fetchall()
        # MET's five victims (three referred); MET-OP-1 LIVE, MET-OP-2 SUSPENDED and CUM-1 LIVE are live, MET-OP-3
        # closed; CUM-1 opened in the month; arrests 2 + 1 and charges 1 + 2.
        assert police == [(5, 3, 3, 1, 3, 3)]
        statuses = dict(
            con.execute(
                "select submitter || ':' || part, status from mart_return_status where month = date '2018-02-01'"
            ).fetchall()
        )
        assert statuses["CPS:main"] == "LATE"
        assert statuses["E23000003:operations"] == "QUARANTINED"
        assert statuses["E23000001:victims"] == "ACCEPTED"
        (identifications, persons) = con.execute(
            "select (select count(*) from fct_victim_identifications), (select count(*) from fct_victims)"
        ).fetchall()[0]
        assert identifications == 9 and persons < identifications  # Zofia Kowalczyk: police and GLAA
    for page in ("report/index.html", "data_docs/index.html", "dbt_docs/index.html"):
        assert (warehouse.root / page).is_file(), page
    assert "Report:" in stdout


def test_the_run_summary_and_the_published_marts_agree_on_every_return_status(ingested) -> None:
    """``msdw status`` reads the ledger (it works before dbt has run); ``mart_return_status`` is built by dbt. Both
    apply returns.md's rules (expected returns, the due date): they must give every return the same status."""
    from msdw.status import return_status

    _, warehouse, _, _ = ingested
    from_ledger = sorted((str(r[0]), r[1], r[2], r[3], r[4]) for r in return_status(warehouse))
    with duckdb.connect(str(warehouse.marts), read_only=True) as con:
        published = sorted(
            (str(m), source, submitter, part, status)
            for m, source, submitter, part, status in con.execute(
                "select month, source, submitter, part, status from mart_return_status"
            ).fetchall()
        )
    assert {r[4] for r in published} >= {"ACCEPTED", "LATE", "QUARANTINED"}
    assert from_ledger == published


def test_open_data_shows_no_count_from_1_to_4(ingested) -> None:
    import csv

    _, warehouse, _, _ = ingested
    files = sorted(warehouse.open_data.glob("*.csv"))
    assert files
    dimensions = {"year", "cps_area", "month", "quarter", "financial_year"}
    for path in files:
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if column not in dimensions and not column.endswith("_rate"):
                        assert value not in {"1", "2", "3", "4"}, (path.name, column, row)


def test_running_again_changes_nothing(ingested) -> None:
    inbox, warehouse, _, _ = ingested
    from msdw.publish import last_publish

    def state() -> tuple[list, dict[str, str], dict]:
        with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
            versions = con.execute("select * exclude (processed_at) from versions order by all").fetchall()
        raw = {
            str(p.relative_to(warehouse.raw)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(warehouse.raw.rglob("*.parquet"))
            if "_ledger" not in p.parts
        }
        return versions, raw, last_publish(warehouse)["hashes"]

    before = state()
    again = msdw("run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    assert again.returncode == 0, again.stdout[-5000:] + again.stderr[-5000:]
    assert "0 accepted" in again.stdout
    assert state() == before


def test_each_task_result_is_stored_once_in_airflow(ingested) -> None:
    import sqlite3

    _, warehouse, _, _ = ingested
    con = sqlite3.connect(warehouse.airflow_home / "airflow.db")
    try:
        keys = con.execute("select dag_id, task_id, key from xcom order by 1, 2, 3").fetchall()
    finally:
        con.close()
    returned = {(dag_id, task_id) for dag_id, task_id, key in keys if key == "return_value"}
    assert {("ingest_police", "load"), ("build_warehouse", "publish")} <= returned
    assert [row for row in keys if row[2] != "return_value"] == []


def test_pseudonym_key_stays_in_its_owner_only_file(ingested) -> None:
    import stat

    _, warehouse, _, stdout = ingested
    key = warehouse.key_file.read_bytes().strip()
    assert len(key) >= 32 and stat.S_IMODE(warehouse.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(warehouse.archive.stat().st_mode) == 0o700
    assert key.decode() not in stdout
    for path in warehouse.root.rglob("*"):
        if path.is_file() and path != warehouse.key_file:
            assert key not in path.read_bytes(), path


def test_status_shows_returns_and_the_last_publish(ingested) -> None:
    _, warehouse, _, _ = ingested
    result = msdw("status", "--warehouse", str(warehouse.root))
    assert result.returncode == 0, result.stderr
    assert "quarantined" in result.stdout and "late" in result.stdout
    assert "E23000003" in result.stdout  # its quarantined operations return is listed with the reason
    assert "Last publish: " in result.stdout and "none yet" not in result.stdout
    missing = msdw("status", "--warehouse", str(warehouse.root / "nowhere"))
    assert missing.returncode == 2 and "run `msdw run" in missing.stdout


@pytest.mark.slow
def test_a_build_over_an_empty_raw_zone_does_not_publish(tmp_path: Path) -> None:
    """An inbox with nothing in it: the build runs, the mart gate blocks the empty marts, exit 1 (about 60 s)."""
    (tmp_path / "inbox").mkdir()
    warehouse = Warehouse.at(tmp_path / "warehouse")
    result = msdw("run", "--inbox", str(tmp_path / "inbox"), "--warehouse", str(warehouse.root))
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Blocked: the mart gate failed" in result.stdout
    assert "no return has been accepted" in result.stdout
    assert not warehouse.marts.exists()
    attempt = json.loads((warehouse.root / "publish.json").read_text())["last_attempt"]
    assert attempt["published"] is False and "no return has been accepted" in attempt["failures"][0]


def test_the_ingest_dags_write_receipts_that_status_shows(ingested) -> None:
    import sqlite3

    from msdw.receipts import receipts_root

    _, warehouse, _, stdout = ingested
    assert "Receipts: " in stdout and "no contact for" in stdout  # no contacts.yml: every submitter is listed
    con = sqlite3.connect(warehouse.airflow_home / "airflow.db")
    try:
        values = con.execute("select value from xcom where task_id = 'receipts' and key = 'return_value'").fetchall()
    finally:
        con.close()
    written = [json.loads(value if isinstance(value, str) else value.decode())["written"] for (value,) in values]
    # each ingest DAG's receipts task wrote its source's receipts; in a run again (if one ran first), none
    assert len(written) in (4, 8) and sum(written) > 0 and sum(1 for n in written if n) <= 4
    root = receipts_root(warehouse)
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = con.execute("select submitter, strftime(month, '%Y-%m'), source, part, version from versions")
        for submitter, month, source, part, version in versions.fetchall():
            assert (root / submitter / month / f"{source}__{part}__v{version}.json").is_file()
    for path in root.rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        assert not [value for value in (*fx.NAMES, *fx.DATES_OF_BIRTH) if value in text], path
    result = msdw("status", "--warehouse", str(warehouse.root), "--submitter", "E23000003")
    assert result.returncode == 0, result.stderr
    assert "QUARANTINED" in result.stdout and "v1" in result.stdout and "problems 1" in result.stdout
