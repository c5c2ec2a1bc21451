"""What every published table must satisfy (warehouse.md, "Published tables"), as Great Expectations suites.

The rules are the dbt tests of the marts (:mod:`msdw.mart_rules`): keys unique and not null, columns not null,
codes in their reference seed or code list, counts not negative, rates in [0, 1], ranges, and "a >= b" pairs. They
are written once, there; each becomes an expectation here, and ``make generate`` commits the suites under
``expectations/marts/``. The mart gate (:mod:`msdw.quality.mart_gate`) runs them, with the reconciliations with the
raw zone (:mod:`msdw.quality.reconcile`), which dbt cannot state.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from msdw import mart_rules
from msdw.mart_rules import MartRules
from msdw.quality.context import gx, gxe
from msdw.sources import victim_agencies

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.expectations.expectation import Expectation


DATASOURCE = "marts"
SCHEMA = "main"
MAX_EXAMPLES = 3
VICTIM_AGENCIES = victim_agencies()
ALL_AGENCIES = "ALL"  # mart_persons_identified's row for the agencies together

MartTable = MartRules  # what the gate expects of one published table: its dbt tests


def mart_tables() -> tuple[MartTable, ...]:
    """The gate's expectations of every published table, from the marts' dbt tests."""
    return tuple(mart_rules.rules(name) for name in mart_rules.models())


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


def describe_failure(table: str, result: ExpectationValidationResult) -> str:
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
    examples = list(dict.fromkeys(example(v) for v in details.get("partial_unexpected_list") or []))[:MAX_EXAMPLES]
    shown = f", e.g. {', '.join(examples)}" if examples else ""
    return f"{table}.{column}: {config.type} ({count} unexpected{shown})"


def example(value: Any) -> str:
    if isinstance(value, dict):
        return "(" + ", ".join(example(v) for v in value.values()) + ")"
    if isinstance(value, list | tuple):
        return "(" + ", ".join(example(v) for v in value) + ")"
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "null"
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
