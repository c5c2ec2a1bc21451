"""What every published table must satisfy (warehouse.md, "Published tables"), as Great Expectations suites.

Keys unique and not null, codes in their sets, rates in [0, 1], counts not negative, and the "a >= b" pairs of the
dbt tests ``not_less_than`` (:mod:`msdw.mart_rules`). The mart gate (:mod:`msdw.quality.mart_gate`) runs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from msdw import mart_rules
from msdw.quality.context import gx, gxe
from msdw.sources import SOURCES, codes, victim_agencies

if TYPE_CHECKING:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.expectations.expectation import Expectation


DATASOURCE = "marts"
SCHEMA = "main"
MAX_EXAMPLES = 3
AGE_GROUPS = ("CHILD", "ADULT", "UNKNOWN")
RETURN_STATUSES = ("ACCEPTED", "LATE", "QUARANTINED", "MISSING")
VICTIM_AGENCIES = victim_agencies()
ALL_AGENCIES = "ALL"  # mart_persons_identified's row for the agencies together
CPS_AREA_RANGE = (1, 14)


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
