"""Totals that must agree between published tables, and with the latest accepted return versions in the raw zone.

They are computed in DuckDB and checked by one suite over a small frame of (check, actual, expected).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from msdw.quality.context import gx, gxe
from msdw.quality.marts import ALL_AGENCIES, DATASOURCE, VICTIM_AGENCIES, describe_failure, example
from msdw.raw import table_glob
from msdw.sources import victim_tables
from msdw.warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

RECONCILIATION = "reconciliation"
RECONCILIATION_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["check"],
    "return_unexpected_index_query": False,
}


@dataclass(frozen=True)
class Reconciliation:
    """``actual`` (a total in the marts) must equal ``expected`` (the same total from another table or the raw zone).

    ``tables`` are the published tables both queries read; ``raw_table`` names the raw zone table of ``expected``
    (its placeholder ``{raw}`` is replaced by the latest accepted rows of that table).
    """

    name: str
    actual: str
    expected: str
    tables: tuple[str, ...]
    raw_table: str | None = None


def reconciliations() -> tuple[Reconciliation, ...]:
    """Totals that must agree between published tables, and with the raw zone."""
    ids, summary = "fct_victim_identifications", "mart_monthly_summary"
    checks: list[Reconciliation] = []
    for agency in VICTIM_AGENCIES:
        where = f"agency_code = '{agency}'"
        for figure, flag in (
            ("victims_identified", "true"),
            ("nrm_referrals", "nrm_referred"),
            ("dtn_submissions", "dtn_submitted"),
        ):
            checks.append(
                Reconciliation(
                    f"{summary}.{figure}[{agency}]",
                    f"select sum({figure}) from {summary} where {where}",
                    f"select count(*) from {ids} where {where} and {flag}",
                    (summary, ids),
                )
            )
    checks += [
        Reconciliation(
            f"{summary}.defendants_finalised[CPS]",
            f"select sum(defendants_finalised) from {summary} where agency_code = 'CPS'",
            "select count(*) from fct_prosecutions",
            (summary, "fct_prosecutions"),
        ),
        Reconciliation(
            f"{summary}.convictions[CPS]",
            f"select sum(convictions) from {summary} where agency_code = 'CPS'",
            "select count(*) from fct_prosecutions where convicted",
            (summary, "fct_prosecutions"),
        ),
        Reconciliation(
            f"{summary}.arrests[POLICE]",
            f"select sum(arrests) from {summary} where agency_code = 'POLICE'",
            "select sum(arrests) from fct_operations",
            (summary, "fct_operations"),
        ),
        Reconciliation(
            f"{summary}.charges[POLICE]",
            f"select sum(charges) from {summary} where agency_code = 'POLICE'",
            "select sum(charges) from fct_operations",
            (summary, "fct_operations"),
        ),
        Reconciliation(
            "mart_cps_outcomes.defendants",
            "select sum(defendants) from mart_cps_outcomes",
            "select count(*) from fct_prosecutions",
            ("mart_cps_outcomes", "fct_prosecutions"),
        ),
        Reconciliation(
            "mart_crime_recording.nrm_referrals",
            "select sum(nrm_referrals) from mart_crime_recording",
            f"select count(*) from {ids} where agency_code = 'POLICE' and nrm_referred",
            ("mart_crime_recording", ids),
        ),
        Reconciliation(
            "mart_crime_recording.with_crime_recorded",
            "select sum(with_crime_recorded) from mart_crime_recording",
            f"select count(*) from {ids} where agency_code = 'POLICE' and nrm_referred and crime_recorded",
            ("mart_crime_recording", ids),
        ),
        Reconciliation(
            "fct_victims.identifications_count",
            "select sum(identifications_count) from fct_victims",
            f"select count(*) from {ids}",
            ("fct_victims", ids),
        ),
        Reconciliation(
            "fct_victims.person_id",
            "select count(*) from fct_victims",
            f"select count(distinct person_id) from {ids}",
            ("fct_victims", ids),
        ),
        Reconciliation(
            "mart_victim_pathway.persons_identified",
            "select sum(persons_identified) from mart_victim_pathway",
            "select count(*) from fct_victims",
            ("mart_victim_pathway", "fct_victims"),
        ),
        Reconciliation(
            "mart_nationality_profile.victims",
            "select sum(victims) from mart_nationality_profile",
            "select count(*) from fct_victims",
            ("mart_nationality_profile", "fct_victims"),
        ),
    ]
    persons, outcomes = "mart_persons_identified", "mart_operation_outcomes"
    for agencies, where in ((ALL_AGENCIES, f"= '{ALL_AGENCIES}'"), ("agencies", f"<> '{ALL_AGENCIES}'")):
        for figure, records in (("identifications", ""), ("nrm_referrals", " where nrm_referred")):
            checks.append(
                Reconciliation(
                    f"{persons}.{figure}[{agencies}]",
                    f"select sum({figure}) from {persons} where agency_code {where}",
                    f"select count(*) from {ids}{records}",
                    (persons, ids),
                )
            )
    for figure, total in (("operations", "count(*)"), ("arrests", "sum(arrests)"), ("charges", "sum(charges)")):
        checks.append(
            Reconciliation(
                f"{outcomes}.{figure}",
                f"select sum({figure}) from {outcomes}",
                f"select {total} from fct_operations",
                (outcomes, "fct_operations"),
            )
        )
    checks.append(
        Reconciliation(
            f"{outcomes}.defendants_finalised",
            f"select sum(defendants_finalised) from {outcomes}",
            "select count(*) from fct_prosecutions semi join fct_operations using (operation_id)",
            (outcomes, "fct_prosecutions", "fct_operations"),
        )
    )
    for agency, raw in ((s.agency_code, t.name) for s, t in victim_tables()):
        checks.append(
            Reconciliation(
                f"{ids}[{agency}] = raw.{raw}",
                f"select count(*) from {ids} where agency_code = '{agency}'",
                "select count(*) from {raw}",
                (ids,),
                raw_table=raw,
            )
        )
    checks += [
        Reconciliation(
            "fct_prosecutions = raw.cps_defendants",
            "select count(*) from fct_prosecutions",
            "select count(*) from {raw}",
            ("fct_prosecutions",),
            raw_table="cps_defendants",
        ),
        Reconciliation(
            "fct_operation_months = raw.police_operations",
            "select count(*) from fct_operation_months",
            "select count(*) from {raw}",
            ("fct_operation_months",),
            raw_table="police_operations",
        ),
        Reconciliation(
            "mart_submitter_quality = mart_return_status",
            "select count(*) from mart_submitter_quality q join mart_return_status r"
            " using (month, source, submitter, part) where q.status = r.status",
            "select count(*) from mart_return_status",
            ("mart_submitter_quality", "mart_return_status"),
        ),
    ]
    return tuple(checks)


def reconciliation_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=f"{DATASOURCE}.{RECONCILIATION}",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="actual"),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="actual", column_B="expected"),
            gxe.ExpectColumnValuesToBeInSet(column="check", value_set=[r.name for r in reconciliations()]),
        ],
    )


def reconciliation_frame(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, present: set[str]) -> pd.DataFrame:
    """One row per reconciliation whose tables exist: check, actual, expected, how the expectation was computed."""
    latest = _latest_accepted(warehouse)
    rows = []
    for check in reconciliations():
        if not set(check.tables) <= present:
            continue
        expected_sql = check.expected
        if check.raw_table is not None:
            if latest is None:
                continue
            expected_sql = expected_sql.replace("{raw}", _raw_rows(warehouse, check.raw_table, latest))
        actual = _scalar(con, check.actual)
        expected = _scalar(con, expected_sql)
        rows.append({"check": check.name, "actual": actual, "expected": expected, "expected_from": expected_sql})
    return pd.DataFrame(rows, columns=["check", "actual", "expected", "expected_from"])


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    value = con.execute(sql).fetchone()[0]
    return float(value or 0)


def _latest_accepted(warehouse: Warehouse) -> str | None:
    """SQL listing the sha256 of each return's latest accepted version, from the ledger export; None without one."""
    ledger = warehouse.ledger_export
    if not ledger.is_file():
        return None
    return (
        f"select sha256 from read_parquet('{_sql_path(ledger)}') where status = 'ACCEPTED' "
        "qualify row_number() over (partition by return_key order by version desc) = 1"
    )


def _raw_rows(warehouse: Warehouse, raw_table: str, latest: str) -> str:
    folder = warehouse.raw / raw_table
    if not any(folder.glob("*/*.parquet")):
        return "(select null as _sha256 where false)"
    glob = _sql_path(Path(table_glob(warehouse.raw, raw_table)))
    return f"(select _sha256 from read_parquet('{glob}', union_by_name = true) where _sha256 in ({latest}))"


def _sql_path(path: Path) -> str:
    return os.fspath(path).replace("'", "''")


def reconciliation_failures(frame: pd.DataFrame, results: Sequence[ExpectationValidationResult]) -> list[str]:
    by_check = frame.set_index("check")
    failures = []
    for result in results:
        if result.success:
            continue
        config = result.expectation_config
        entries = (result.result or {}).get("unexpected_index_list") or []
        if not entries:
            failures.append(describe_failure(RECONCILIATION, result))
            continue
        for entry in entries:
            row = by_check.loc[entry["check"]]
            failures.append(
                f"{entry['check']}: {config.type} (total {example(row['actual'])}, "
                f"expected {example(row['expected'])} from: {row['expected_from']})"
            )
    return failures
