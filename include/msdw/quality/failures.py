"""The return gate's failures, per file: the rows that broke an expectation, examples of the offending values and
a message in plain words for the submitter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from msdw.sources import Table

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )


MONTH_START = "_month_start"
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


def failures_by_file(
    table: Table, frame: pd.DataFrame, result: ExpectationSuiteValidationResult
) -> dict[str, list[Failure]]:
    """Turn a suite's validation result into failures grouped by ``_sha256``."""
    months = _month_by_file(frame)
    by_file: dict[str, list[Failure]] = {}
    for exp_result in result.results:
        if exp_result.success:
            continue
        raise_on_exception(table, exp_result)
        for sha, failure in _failures(exp_result, months):
            by_file.setdefault(sha, []).append(failure)
    return by_file


def _month_by_file(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    firsts = frame.drop_duplicates("_sha256")
    return {
        str(sha): (start.strftime("%Y-%m"), str(submitter))
        for sha, start, submitter in zip(firsts["_sha256"], firsts[MONTH_START], firsts["_submitter"], strict=True)
    }


def raise_on_exception(table: Table, exp_result: ExpectationValidationResult) -> None:
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
