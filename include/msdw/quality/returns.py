"""The return gate: a Great Expectations suite per raw table, derived from the table's description.

The parser hands over one typed pandas DataFrame per table holding one or more return versions (files), told apart by
``_sha256``. :func:`validate_table` runs the table's suite once over the whole frame and reports, per file, the rows
that break an expectation. Nationality, personal data, sums and uniqueness across a submitter's returns are checked by
the parser and the ingest, not here.

How a failure is put into words: :mod:`msdw.quality.failures`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from msdw.quality.context import RowColumn, gx, gxe, run_on_frame, validate_unkept, validation_context
from msdw.quality.failures import MONTH_START, Failure, FrameMismatch, failures_by_file, raise_on_exception
from msdw.sources import SOURCES, ColumnType, Table
from msdw.sources.spec import MatchesPath, NotAfterMonthEnd, NotBefore, RequiredWhen, UniqueWithin, WithinMonth

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations.expectation import Expectation

DATASOURCE = "returns"
# Columns whose values are police force codes (the "forces" seed), as the descriptions say.
FORCE_CODE_COLUMNS = tuple(
    sorted({c.name for s in SOURCES for t in s.tables for c in t.columns if c.reference == "forces"})
)
NEXT_MONTH_START = "_next_month_start"
KEY_COLUMNS = ("_sha256", "_row")
FRAME_METADATA = ("_sha256", "_row", "_submitter", "_month")
KEPT_FORMAT: dict[str, Any] = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 20,
    "unexpected_index_column_names": list(KEY_COLUMNS),
    "return_unexpected_index_query": False,
}
RESULT_FORMAT: dict[str, Any] = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": list(KEY_COLUMNS),
    "return_unexpected_index_query": False,
}


def suite_name(table: Table) -> str:
    return f"{DATASOURCE}.{table.name}"


def force_codes() -> list[str]:
    """Every known force and unit code (reference data)."""
    from msdw import reference

    return sorted(reference.force_codes())


def suite_for(table: Table) -> gx.ExpectationSuite:
    """The return gate's suite for ``table``, derived only from its description."""
    return gx.ExpectationSuite(name=suite_name(table), expectations=list(_expectations(table)))


def _expectations(table: Table) -> Iterable[Expectation]:
    for col in table.columns:
        if col.is_personal:
            continue
        if col.required:
            yield gxe.ExpectColumnValuesToNotBeNull(column=col.name, meta={"rule": "required"})
        if col.type == ColumnType.ENUM and col.allowed:
            yield gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=list(col.allowed), meta={"rule": "allowed"}
            )
        if col.type == ColumnType.INTEGER and (col.minimum is not None or col.maximum is not None):
            yield gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=col.minimum, max_value=col.maximum, meta={"rule": "range"}
            )
        if col.reference == "forces":
            yield gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=force_codes(), meta={"rule": "force_code"})
    for rule in table.rules:
        yield from _rule_expectations(rule)


def _rule_expectations(rule: object) -> Iterable[Expectation]:
    if isinstance(rule, UniqueWithin) and rule.scope == "file":
        yield gxe.ExpectCompoundColumnsToBeUnique(column_list=["_sha256", *rule.columns], meta={"rule": "unique"})
    elif isinstance(rule, WithinMonth):
        yield _a_after_b(rule.column, MONTH_START, or_equal=True, meta={"rule": "within_month"})
        yield _a_after_b(NEXT_MONTH_START, rule.column, or_equal=False, meta={"rule": "within_month"})
    elif isinstance(rule, NotAfterMonthEnd):
        yield _a_after_b(NEXT_MONTH_START, rule.column, or_equal=False, meta={"rule": "not_after_month_end"})
    elif isinstance(rule, NotBefore):
        yield _a_after_b(rule.column, rule.other, or_equal=True, meta={"rule": "not_before"})
    elif isinstance(rule, RequiredWhen):
        yield gxe.ExpectColumnValuesToNotBeNull(
            column=rule.column,
            row_condition=RowColumn(rule.when) == rule.value,
            meta={"rule": "required_when", "when": rule.when, "value": rule.value},
        )
    elif isinstance(rule, MatchesPath):
        yield gxe.ExpectColumnPairValuesToBeEqual(
            column_A=rule.column,
            column_B="_submitter",
            ignore_row_if="either_value_is_missing",
            meta={"rule": "matches_path"},
        )


def _a_after_b(column_a: str, column_b: str, or_equal: bool, meta: dict[str, Any]) -> Expectation:
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a,
        column_B=column_b,
        or_equal=or_equal,
        ignore_row_if="either_value_is_missing",
        meta=meta,
    )


def all_tables() -> tuple[Table, ...]:
    return tuple(t for s in SOURCES for t in s.tables)


def validate_table(
    table: Table, df: pd.DataFrame, context: AbstractDataContext | None = None
) -> dict[str, list[Failure]]:
    """Run ``table``'s suite once over ``df`` (one or more files told apart by ``_sha256``).

    Returns the failures of each file that broke an expectation; a file with none is absent. Pass
    ``msdw.quality.context.warehouse_context(warehouse)`` as ``context`` to keep the results for Data Docs.

    The kept result is a summary (counts and the first rows); when an expectation fails, the failing expectations
    alone run again with every unexpected row, to tell which files broke them.
    """
    suite = suite_for(table)
    frame = prepare_frame(table, df, suite)
    if frame.empty:
        return {}
    context = context if context is not None else validation_context()
    kept = run_on_frame(context, suite, DATASOURCE, table.name, frame, KEPT_FORMAT)
    failing = [r for r in kept.results if not r.success]
    if not failing:
        return {}
    for exp_result in failing:
        raise_on_exception(table, exp_result)
    again = gx.ExpectationSuite(name=f"{suite.name}.failing", expectations=[_unowned(r) for r in failing])
    detail = validate_unkept(context, again, DATASOURCE, table.name, frame, RESULT_FORMAT)
    return failures_by_file(table, frame, detail)


def _unowned(exp_result: ExpectationValidationResult) -> Expectation:
    expectation = exp_result.expectation_config.to_domain_obj()
    expectation.id = None
    return expectation


def prepare_frame(table: Table, df: pd.DataFrame, suite: gx.ExpectationSuite | None = None) -> pd.DataFrame:
    """The columns the suite reads, with dates as datetime64, timestamps as naive UTC and the month helper columns."""
    suite = suite if suite is not None else suite_for(table)
    needed = _suite_columns(suite) - {MONTH_START, NEXT_MONTH_START}
    wanted = list(dict.fromkeys([*FRAME_METADATA, *(c.name for c in table.columns if c.name in needed)]))
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise FrameMismatch(
            f"the frame for {table.name} lacks column(s) {', '.join(missing)}; the parser must hand over every "
            "non-personal column of the table (null where absent) and the metadata columns of msdw.raw"
        )
    frame = df.loc[:, wanted].reset_index(drop=True)
    for col in table.columns:
        if col.name in frame.columns and col.type in CASTS:
            try:
                frame[col.name] = CASTS[col.type](frame[col.name])
            except (TypeError, ValueError) as exc:
                raise FrameMismatch(
                    f"column {col.name} of the frame for {table.name} is not of type {col.type} ({exc}); the parser "
                    "must type every column as msdw.raw.DUCKDB_TYPES says"
                ) from exc
    month = _as_datetime(frame["_month"]).dt.to_period("M")
    frame[MONTH_START] = month.dt.start_time.astype("datetime64[us]")
    frame[NEXT_MONTH_START] = (month + 1).dt.start_time.astype("datetime64[us]")
    frame["_row"] = pd.to_numeric(frame["_row"]).astype("Int64")
    return frame


def _as_datetime(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).astype("datetime64[us]")


def _as_naive_utc(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, utc=True).dt.tz_convert(None).astype("datetime64[us]")


# Whole numbers are validated as float64 (missing as NaN): Great Expectations compares a NumPy column in one
# vectorised step but calls Python once per value of a nullable Int64 column; counts are far below 2**53.
CASTS: dict[ColumnType, Callable[[pd.Series], pd.Series]] = {
    ColumnType.DATE: _as_datetime,
    ColumnType.TIMESTAMP: _as_naive_utc,
    ColumnType.INTEGER: lambda s: pd.to_numeric(s).astype("float64"),
    ColumnType.BOOLEAN: lambda s: s.astype("boolean"),
}


def _suite_columns(suite: gx.ExpectationSuite) -> set[str]:
    columns: set[str] = set()
    for exp in suite.expectations:
        kwargs = exp.configuration.kwargs
        for key in ("column", "column_A", "column_B"):
            if kwargs.get(key):
                columns.add(kwargs[key])
        columns.update(kwargs.get("column_list") or ())
        condition = kwargs.get("row_condition")
        if condition is not None:
            columns.add(_condition_column(condition))
    return columns


def _condition_column(condition: Any) -> str:
    if isinstance(condition, dict):
        return condition["column"]["name"]
    return condition.column.name
