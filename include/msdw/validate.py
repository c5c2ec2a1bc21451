"""The return gate: a Great Expectations suite per raw table, derived from the table's description.

The parser hands over one typed pandas DataFrame per table holding one or more return versions (files), told apart by
``_sha256``. :func:`validate_table` runs the table's suite once over the whole frame and reports, per file, the rows
that break an expectation. Nationality, personal data, sums and uniqueness across a submitter's returns are checked by
the parser and the ingest, not here.

Refresh the committed suites with ``python -m msdw.validate --write expectations``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from msdw.gx_context import RowColumn, gx, gxe, run_on_frame, validate_unkept, validation_context
from msdw.gx_context import build_data_docs as _build_docs
from msdw.sources import SOURCES, ColumnType, Table
from msdw.sources.spec import MatchesPath, NotAfterMonthEnd, NotBefore, RequiredWhen, UniqueWithin, WithinMonth
from msdw.warehouse import Warehouse

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations.expectation import Expectation

DATASOURCE = "returns"
# Columns whose values are police force codes (the "forces" seed), as the descriptions say.
FORCE_CODE_COLUMNS = tuple(
    sorted({c.name for s in SOURCES for t in s.tables for c in t.columns if c.reference == "forces"})
)
MONTH_START = "_month_start"
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
MAX_EXAMPLES = 5
MAX_ROWS_SHOWN = 10
MAX_SET_SHOWN = 12


class FrameMismatch(ValueError):
    """The frame handed to the return gate lacks columns its suite needs."""


@dataclass(frozen=True)
class Failure:
    """One expectation broken by one file: the ``_row`` values that broke it and examples of the offending values."""

    expectation: str
    column: str
    rows: list[int]
    examples: list[str]
    message: str
    reason: str = ""  # the message without its rows and column, for callers that name those themselves


# --- suites -------------------------------------------------------------------------------------------------------


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


def suite_json(suite: gx.ExpectationSuite) -> str:
    """A suite as the JSON committed under ``expectations/``."""
    return json.dumps(suite.to_json_dict(), indent=2, default=str) + "\n"


def all_tables() -> tuple[Table, ...]:
    return tuple(t for s in SOURCES for t in s.tables)


def write_suites(folder: Path) -> list[Path]:
    """Write every return suite to ``<folder>/returns/<table>.json``; return the files written."""
    target = folder / DATASOURCE
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for table in all_tables():
        path = target / f"{table.name}.json"
        path.write_text(suite_json(suite_for(table)), encoding="utf-8")
        written.append(path)
    return written


# --- running ------------------------------------------------------------------------------------------------------


def validate_table(
    table: Table, df: pd.DataFrame, context: AbstractDataContext | None = None
) -> dict[str, list[Failure]]:
    """Run ``table``'s suite once over ``df`` (one or more files told apart by ``_sha256``).

    Returns the failures of each file that broke an expectation; a file with none is absent. Pass
    ``msdw.gx_context.warehouse_context(warehouse)`` as ``context`` to keep the results for Data Docs.

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
        _raise_on_exception(table, exp_result)
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


def failures_by_file(
    table: Table, frame: pd.DataFrame, result: ExpectationSuiteValidationResult
) -> dict[str, list[Failure]]:
    """Turn a suite's validation result into failures grouped by ``_sha256``."""
    months = _month_by_file(frame)
    by_file: dict[str, list[Failure]] = {}
    for exp_result in result.results:
        if exp_result.success:
            continue
        _raise_on_exception(table, exp_result)
        for sha, failure in _failures(exp_result, months):
            by_file.setdefault(sha, []).append(failure)
    return by_file


def _month_by_file(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    firsts = frame.drop_duplicates("_sha256")
    return {
        str(sha): (start.strftime("%Y-%m"), str(submitter))
        for sha, start, submitter in zip(firsts["_sha256"], firsts[MONTH_START], firsts["_submitter"], strict=True)
    }


def _raise_on_exception(table: Table, exp_result: ExpectationValidationResult) -> None:
    info = exp_result.exception_info or {}
    infos = info.values() if info and "raised_exception" not in info else [info]
    for item in infos:
        if isinstance(item, dict) and item.get("raised_exception"):
            raise FrameMismatch(
                f"the return gate could not evaluate {exp_result.expectation_config.type} on {table.name}: "
                f"{item.get('exception_message')}; check the frame's columns and dtypes against msdw.raw"
            )


def _failures(exp_result: ExpectationValidationResult, months: dict[str, tuple[str, str]]) -> Iterable[tuple]:
    config = exp_result.expectation_config
    kwargs = config.kwargs
    meta = config.meta or {}
    column, other = _subject(kwargs)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in exp_result.result.get("unexpected_index_list") or []:
        grouped.setdefault(str(entry["_sha256"]), []).append(entry)
    if not grouped:
        # A failure that names no row still fails every file it covered: never let one pass unseen.
        for sha in months:
            reason = f"the expectation failed without naming rows ({config.type})"
            yield sha, Failure(config.type, column, [], [], f"column {column}: {reason}", reason)
        return
    for sha, entries in grouped.items():
        rows = sorted({int(e["_row"]) for e in entries})
        values = _offending_values(kwargs, column, entries)
        examples = list(dict.fromkeys(_plain(v) for v in values if not _is_missing(v)))[:MAX_EXAMPLES]
        shown_column = ", ".join(c for c in kwargs.get("column_list", []) if c != "_sha256") or column
        phrase = _phrase(meta, kwargs, column, other, values, entries, months.get(sha))
        reason = f"{phrase} ({config.type})"
        yield (
            sha,
            Failure(
                config.type,
                shown_column,
                rows,
                examples,
                f"{_rows_text(rows)}, column {shown_column}: {reason}",
                reason,
            ),
        )


def _subject(kwargs: dict[str, Any]) -> tuple[str, str | None]:
    """The column a failure is about, and the column it was compared with."""
    if "column" in kwargs:
        return kwargs["column"], None
    if "column_A" in kwargs:
        a, b = kwargs["column_A"], kwargs["column_B"]
        if a.startswith("_"):
            return b, a
        return a, b
    return ", ".join(kwargs.get("column_list", [])), None


def _offending_values(kwargs: dict[str, Any], column: str, entries: list[dict[str, Any]]) -> list[Any]:
    if "column_list" in kwargs:
        cols = [c for c in kwargs["column_list"] if c != "_sha256"]
        keys = [tuple(e.get(c) for c in cols) for e in entries]
        return [key if len(cols) > 1 else key[0] for key in keys]
    return [e.get(column) for e in entries]


def _phrase(
    meta: dict[str, Any],
    kwargs: dict[str, Any],
    column: str,
    other: str | None,
    values: list[Any],
    entries: list[dict[str, Any]],
    file: tuple[str, str] | None,
) -> str:
    rule = meta.get("rule", "")
    shown = _values_text(values)
    month, submitter = file or ("", "")
    if rule == "required":
        return "value missing"
    if rule == "required_when":
        return f"value missing where {meta['when']} is {_show(meta['value'])}"
    if rule == "allowed":
        return f"{shown} not in {_set_text(kwargs['value_set'])}"
    if rule == "force_code":
        return f"{shown} not a known force or unit code"
    if rule == "range":
        return f"{shown} {_range_text(kwargs.get('min_value'), kwargs.get('max_value'))}"
    if rule == "unique":
        return f"{shown} repeated within the file"
    if rule == "within_month":
        return f"{shown} not within the reporting month {month}"
    if rule == "not_after_month_end":
        return f"{shown} after the end of the reporting month {month}"
    if rule == "not_before":
        others = [e.get(other) for e in entries] if other else []
        than = f" {_show(others[0])}" if len(entries) == 1 and others else ""
        return f"{shown} before {other}{than}"
    if rule == "matches_path":
        return f"{shown} differs from the file's submitter {_show(submitter)}"
    return f"{shown} unexpected"


def _range_text(minimum: Any, maximum: Any) -> str:
    if minimum is not None and maximum is not None:
        return f"not between {_plain(minimum)} and {_plain(maximum)}"
    if minimum is not None:
        return f"below the minimum {_plain(minimum)}"
    return f"above the maximum {_plain(maximum)}"


def _rows_text(rows: Sequence[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    more = f" and {len(rows) - MAX_ROWS_SHOWN} more" if len(rows) > MAX_ROWS_SHOWN else ""
    return f"rows {shown}{more}"


def _values_text(values: list[Any]) -> str:
    distinct = list(dict.fromkeys(_show(v) for v in values))
    if len(distinct) == 1:
        return f"value {distinct[0]}"
    more = f" and {len(distinct) - MAX_EXAMPLES} more" if len(distinct) > MAX_EXAMPLES else ""
    return f"values {', '.join(distinct[:MAX_EXAMPLES])}{more}"


def _set_text(values: Sequence[Any]) -> str:
    if len(values) <= MAX_SET_SHOWN:
        return ", ".join(str(v) for v in values)
    return f"the {len(values)} allowed codes"


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    if _is_missing(value):
        return "missing"
    if isinstance(value, str):
        return f"'{value}'"
    return _plain(value)


# --- Data Docs and the refresh command ------------------------------------------------------------------------------


def build_data_docs(warehouse: Warehouse) -> Path:
    """Render the kept validation results and every suite into ``warehouse.data_docs``; return the index page."""
    from msdw.gate import mart_suites

    suites = [suite_for(t) for t in all_tables()] + list(mart_suites())
    return _build_docs(warehouse, suites)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m msdw.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, metavar="FOLDER", required=True, help="the expectations/ folder")
    args = parser.parse_args(argv)
    from msdw.gate import write_suites as write_mart_suites

    written = write_suites(args.write) + write_mart_suites(args.write)
    print(f"wrote {len(written)} suites under {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
