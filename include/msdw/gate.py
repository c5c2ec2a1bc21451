"""The mart gate: a Great Expectations suite per published table, and totals reconciled with the raw zone.

Each published table (warehouse.md, "Published tables") is read from the candidate DuckDB file into pandas and
validated once by its suite: keys unique and not null, codes in their sets, rates in [0, 1], counts not negative.
Totals that must agree between tables, and with the latest accepted return versions in the raw zone, are computed in
DuckDB and checked by one more suite over a small frame of (check, actual, expected). Any failure blocks the publish.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from msdw import mart_rules
from msdw.errors import SetupError
from msdw.gx_context import RunIdentifier, gx, gxe, run_on_frame, warehouse_context
from msdw.raw import table_glob
from msdw.sources import SOURCES, codes, victim_agencies, victim_tables
from msdw.warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations.expectation import Expectation

DATASOURCE = "marts"
RECONCILIATION = "reconciliation"
SCHEMA = "main"
MAX_EXAMPLES = 3
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
RECONCILIATION_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": ["check"],
    "return_unexpected_index_query": False,
}
AGE_GROUPS = ("CHILD", "ADULT", "UNKNOWN")
RETURN_STATUSES = ("ACCEPTED", "LATE", "QUARANTINED", "MISSING")
VICTIM_AGENCIES = victim_agencies()
ALL_AGENCIES = "ALL"  # mart_persons_identified's row for the agencies together
CPS_AREA_RANGE = (1, 14)


class GateError(SetupError, RuntimeError):
    """The mart gate could not run at all (no database, unreadable raw zone)."""


@dataclass(frozen=True)
class MartTable:
    """What the gate expects of one published table."""

    name: str
    key: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    counts: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()
    ranges: tuple[tuple[str, int, int], ...] = ()

    @property
    def at_least(self) -> tuple[tuple[str, str], ...]:
        """(a, b): a >= b on every row, from the dbt tests ``not_less_than`` of the mart (msdw.mart_rules)."""
        return mart_rules.at_least(self.name)


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


@dataclass(frozen=True)
class GateResult:
    passed: bool
    failures: list[str]
    results_path: Path | None
    checked: list[str] = field(default_factory=list)


# --- what each published table must satisfy ---------------------------------------------------------------------------


def mart_tables() -> tuple[MartTable, ...]:
    """The gate's expectations of every published table (warehouse.md)."""
    from msdw import reference

    forces = tuple(sorted(reference.force_codes()))
    agencies = tuple(s.agency_code for s in SOURCES)
    exploitation = codes.EXPLOITATION_TYPES
    return (
        MartTable("dim_month", key=("month",), ranges=(("quarter", 1, 4),)),
        MartTable(
            "dim_force", key=("force_code",), codes=(("force_code", forces),), ranges=(("cps_area", *CPS_AREA_RANGE),)
        ),
        MartTable("dim_nationality", key=("nationality_code",), not_null=("nationality_name",)),
        MartTable(
            "fct_victim_identifications",
            key=("identification_id",),
            not_null=("person_id", "agency_code", "month"),
            codes=(
                ("agency_code", VICTIM_AGENCIES),
                ("force_code", forces),
                ("gender", codes.GENDERS),
                ("age_group", AGE_GROUPS),
                ("exploitation_type", exploitation),
            ),
        ),
        MartTable(
            "fct_victims",
            key=("person_id",),
            not_null=("first_identified_month", "first_agency_code"),
            codes=(
                ("first_agency_code", VICTIM_AGENCIES),
                ("gender", codes.GENDERS),
                ("age_group", AGE_GROUPS),
                ("exploitation_type", exploitation),
            ),
            counts=("agencies_count", "identifications_count"),
        ),
        MartTable(
            "fct_operations",
            key=("operation_id",),
            not_null=("force_code",),
            codes=(
                ("force_code", forces),
                ("lead_agency", codes.LEAD_AGENCIES),
                ("status", codes.OPERATION_STATUSES),
                ("primary_exploitation", exploitation),
            ),
            counts=("potential_victims", "suspects", "arrests", "charges"),
        ),
        MartTable(
            "fct_operation_months",
            key=("operation_id", "month"),
            codes=(("status", codes.OPERATION_STATUSES),),
        ),
        MartTable(
            "fct_prosecutions",
            key=("case_urn", "defendant_ref"),
            not_null=("month",),
            codes=(
                ("force_code", forces),
                ("principal_offence", codes.PRINCIPAL_OFFENCES),
                ("outcome", codes.CPS_OUTCOMES),
            ),
            counts=("custodial_sentence_months", "victims_in_case"),
            ranges=(("cps_area", *CPS_AREA_RANGE),),
        ),
        MartTable(
            "mart_monthly_summary",
            key=("month", "agency_code"),
            codes=(("agency_code", agencies),),
            counts=(
                "victims_identified",
                "nrm_referrals",
                "dtn_submissions",
                "operations_live",
                "operations_opened",
                "arrests",
                "charges",
                "defendants_finalised",
                "convictions",
                "inspections",
                "money_recovered_gbp",
            ),
        ),
        MartTable(
            "mart_crime_recording",
            key=("month", "force_code"),
            codes=(("force_code", forces),),
            counts=("nrm_referrals", "with_crime_recorded"),
            rates=("compliance_rate",),
        ),
        MartTable(
            "mart_victim_pathway",
            key=("year", "exploitation_type"),
            codes=(("exploitation_type", exploitation),),
            counts=(
                "persons_identified",
                "persons_nrm_referred",
                "persons_crime_recorded",
                "persons_in_prosecuted_operation",
                "persons_in_convicted_operation",
            ),
        ),
        MartTable(
            "mart_return_status",
            key=("month", "source", "submitter", "part"),
            codes=(
                ("status", RETURN_STATUSES),
                ("source", tuple(s.name for s in SOURCES)),
                ("part", tuple(dict.fromkeys(p for s in SOURCES for p in s.parts))),
            ),
            counts=("versions_received", "rows_accepted", "warnings"),
        ),
        MartTable(
            "mart_submitter_quality",
            key=("month", "source", "submitter", "part"),
            not_null=("status", "on_time"),
            codes=(
                ("status", RETURN_STATUSES),
                ("source", tuple(s.name for s in SOURCES)),
                ("part", tuple(dict.fromkeys(p for s in SOURCES for p in s.parts))),
            ),
            counts=("days_late", "versions_received", "rows_accepted", "warnings", "anomalies"),
            rates=("timeliness_rate", "validity_rate"),
        ),
        MartTable(
            "mart_cps_outcomes",
            key=("year", "cps_area", "outcome"),
            codes=(("outcome", codes.CPS_OUTCOMES),),
            counts=("defendants",),
            ranges=(("cps_area", *CPS_AREA_RANGE),),
        ),
        MartTable(
            "mart_nationality_profile",
            key=("year", "nationality_code"),
            counts=("victims", "suspects"),
        ),
        MartTable(
            "mart_persons_identified",
            key=("financial_year", "agency_code"),
            codes=(("agency_code", (*VICTIM_AGENCIES, ALL_AGENCIES)),),
            counts=("identifications", "persons", "nrm_referrals", "persons_nrm_referred"),
        ),
        MartTable(
            "mart_operation_outcomes",
            key=("opened_year", "primary_exploitation"),
            codes=(("primary_exploitation", exploitation),),
            counts=(
                "operations",
                "arrests",
                "charges",
                "operations_prosecuted",
                "prosecution_cases",
                "defendants_finalised",
                "convictions",
                "operations_convicted",
            ),
        ),
    )


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


# --- suites -----------------------------------------------------------------------------------------------------------


def suite_for_mart(mart: MartTable) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=f"{DATASOURCE}.{mart.name}", expectations=list(_mart_expectations(mart)))


def _mart_expectations(mart: MartTable) -> Iterable[Expectation]:
    for col in dict.fromkeys((*mart.key, *mart.not_null)):
        yield gxe.ExpectColumnValuesToNotBeNull(column=col)
    if len(mart.key) == 1:
        yield gxe.ExpectColumnValuesToBeUnique(column=mart.key[0])
    else:
        yield gxe.ExpectCompoundColumnsToBeUnique(column_list=list(mart.key), ignore_row_if="never")
    for col, allowed in mart.codes:
        yield gxe.ExpectColumnValuesToBeInSet(column=col, value_set=list(allowed))
    for col in mart.counts:
        yield gxe.ExpectColumnValuesToBeBetween(column=col, min_value=0)
    for col in mart.rates:
        yield gxe.ExpectColumnValuesToBeBetween(column=col, min_value=0, max_value=1)
    for col, low, high in mart.ranges:
        yield gxe.ExpectColumnValuesToBeBetween(column=col, min_value=low, max_value=high)
    for a, b in mart.at_least:
        yield gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=a, column_B=b, or_equal=True, ignore_row_if="either_value_is_missing"
        )


def suite_columns(suite: gx.ExpectationSuite) -> list[str]:
    """The columns ``suite``'s expectations read, in order of first use: the gate loads only these."""
    names: dict[str, None] = {}
    for expectation in suite.expectations:
        for attr in ("column", "column_A", "column_B"):
            if name := getattr(expectation, attr, None):
                names[name] = None
        names.update(dict.fromkeys(getattr(expectation, "column_list", None) or ()))
    return list(names)


def reconciliation_suite() -> gx.ExpectationSuite:
    return gx.ExpectationSuite(
        name=f"{DATASOURCE}.{RECONCILIATION}",
        expectations=[
            gxe.ExpectColumnValuesToNotBeNull(column="actual"),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="actual", column_B="expected"),
            gxe.ExpectColumnValuesToBeInSet(column="check", value_set=[r.name for r in reconciliations()]),
        ],
    )


def mart_suites() -> list[gx.ExpectationSuite]:
    return [suite_for_mart(m) for m in mart_tables()] + [reconciliation_suite()]


def write_suites(folder: Path) -> list[Path]:
    """Write every mart suite to ``<folder>/marts/<table>.json`` (and ``reconciliation.json``)."""
    from msdw.validate import suite_json

    target = folder / DATASOURCE
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for suite in mart_suites():
        path = target / f"{suite.name.removeprefix(DATASOURCE + '.')}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        written.append(path)
    return written


# --- running ----------------------------------------------------------------------------------------------------------


def check_marts(
    db_path: Path,
    warehouse: Warehouse,
    context: AbstractDataContext | None = None,
    render_docs: bool = True,
) -> GateResult:
    """Run every mart suite and the reconciliations over ``db_path``; keep the results in ``warehouse``'s GX context.

    With ``render_docs``, Data Docs are then rebuilt from the results of both gates; a rendering problem is noted in
    the run's summary but does not block the publish.
    """
    if not Path(db_path).is_file():
        raise GateError(f"no database at {db_path}: build the marts (dbt) before running the mart gate")
    context = context if context is not None else warehouse_context(warehouse)
    run_time = dt.datetime.now(dt.UTC)
    run_id = RunIdentifier(run_name="mart_gate", run_time=run_time)
    failures: list[str] = []
    checked: list[str] = []
    con = duckdb.connect(os.fspath(db_path), read_only=True)
    try:
        present = _tables(con)
        for mart in mart_tables():
            if mart.name not in present:
                failures.append(f"{mart.name}: table missing from {Path(db_path).name}; check the dbt build")
                continue
            suite = suite_for_mart(mart)
            # only the columns the expectations read, text as categories (each distinct value held once): whole fact
            # tables at scale 100 took gigabytes in pandas
            columns = ", ".join(f'"{name}"' for name in suite_columns(suite))
            table = con.sql(f'select {columns} from {SCHEMA}."{mart.name}"').to_arrow_table()
            frame = table.to_pandas(strings_to_categorical=True)
            del table
            result = run_on_frame(context, suite, DATASOURCE, mart.name, frame, RESULT_FORMAT, run_id)
            del frame  # before the next table's frame is made
            failures += [_describe(mart.name, r) for r in result.results if not r.success]
            checked.append(mart.name)
        frame = reconciliation_frame(con, warehouse, present)
    finally:
        con.close()
    result = run_on_frame(
        context, reconciliation_suite(), DATASOURCE, RECONCILIATION, frame, RECONCILIATION_FORMAT, run_id
    )
    failures += _reconciliation_failures(frame, result.results)
    checked.append(RECONCILIATION)
    docs_error = _render_docs(warehouse) if render_docs else None
    summary = _write_summary(warehouse, run_time, db_path, failures, checked, docs_error)
    return GateResult(passed=not failures, failures=failures, results_path=summary, checked=checked)


def _render_docs(warehouse: Warehouse) -> str | None:
    try:
        build_data_docs(warehouse)
    except Exception as exc:  # rendering must never block a publish
        return f"{type(exc).__name__}: {exc}"
    return None


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select table_name from information_schema.tables where table_schema = ?", [SCHEMA]).fetchall()
    return {r[0] for r in rows}


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


def _describe(table: str, result: ExpectationValidationResult) -> str:
    config = result.expectation_config
    kwargs = config.kwargs
    column = kwargs.get("column") or ", ".join(
        kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]
    )
    info = result.exception_info or {}
    if info.get("raised_exception"):
        message = str(info.get("exception_message") or "").splitlines()[0]
        return f"{table}.{column}: {config.type} could not run ({message})"
    details = result.result or {}
    count = details.get("unexpected_count")
    examples = list(dict.fromkeys(_example(v) for v in details.get("partial_unexpected_list") or []))[:MAX_EXAMPLES]
    shown = f", e.g. {', '.join(examples)}" if examples else ""
    return f"{table}.{column}: {config.type} ({count} unexpected{shown})"


def _example(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(_example(v) for v in value.values()) + ")"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_example(v) for v in value) + ")"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _reconciliation_failures(frame: pd.DataFrame, results: Sequence[ExpectationValidationResult]) -> list[str]:
    by_check = frame.set_index("check")
    failures = []
    for result in results:
        if result.success:
            continue
        config = result.expectation_config
        entries = (result.result or {}).get("unexpected_index_list") or []
        if not entries:
            failures.append(_describe(RECONCILIATION, result))
            continue
        for entry in entries:
            row = by_check.loc[entry["check"]]
            failures.append(
                f"{entry['check']}: {config.type} (total {_example(row['actual'])}, "
                f"expected {_example(row['expected'])} from: {row['expected_from']})"
            )
    return failures


def _write_summary(
    warehouse: Warehouse,
    run_time: dt.datetime,
    db_path: Path,
    failures: list[str],
    checked: list[str],
    docs_error: str | None,
) -> Path:
    folder = warehouse.gx / "uncommitted" / "mart_gate"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_time.strftime('%Y%m%dT%H%M%S.%fZ')}.json"
    record = {
        "run_time": run_time.isoformat(),
        "database": os.fspath(db_path),
        "passed": not failures,
        "failures": failures,
        "checked": checked,
        "data_docs": os.fspath(warehouse.data_docs / "index.html") if docs_error is None else None,
        "data_docs_error": docs_error,
    }
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def build_data_docs(warehouse: Warehouse) -> Path:
    """Render the kept results of both gates into ``warehouse.data_docs``; return the index page."""
    from msdw.validate import build_data_docs as build

    return build(warehouse)
