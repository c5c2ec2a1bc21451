"""Periods of a release: which period a release covers by default, and the errors for a month that cannot be used."""

from __future__ import annotations

import datetime as dt

import pytest

from msdw.release.periods import Period, ReleaseError, choose_through, financial_year_label, periods_between
from msdw.release.tables import ReturnState, provisional_periods

JAN_2023, DEC_2024 = dt.date(2023, 1, 1), dt.date(2024, 12, 1)


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


def test_quarters_and_months_are_labelled_as_published() -> None:
    quarter = Period.containing(dt.date(2024, 5, 1), "quarter")
    assert (quarter.label, quarter.release_id, quarter.last_month) == ("2024 Q2", "2024-Q2", dt.date(2024, 6, 1))
    month = Period.containing(dt.date(2024, 5, 1), "month")
    assert (month.label, month.release_id, month.key) == ("2024-05", "2024-05", 202405)
    assert financial_year_label(2024) == "2024/25" and financial_year_label(1999) == "1999/00"
    assert [p.label for p in periods_between(dt.date(2023, 2, 1), quarter)][:2] == ["2023 Q1", "2023 Q2"]


def test_the_default_is_the_latest_period_whose_returns_are_all_due() -> None:
    # 2024 Q3's September returns are due by 15 October: on the 15th it is not yet complete, on the 16th it is
    assert choose_through(None, "quarter", JAN_2023, DEC_2024, _at(2024, 10, 15)).label == "2024 Q2"
    assert choose_through(None, "quarter", JAN_2023, DEC_2024, _at(2024, 10, 16)).label == "2024 Q3"
    assert choose_through(None, "month", JAN_2023, DEC_2024, _at(2024, 10, 16)).label == "2024-09"
    # and never beyond the months the marts hold
    assert choose_through(None, "quarter", JAN_2023, DEC_2024, _at(2026, 12, 7)).label == "2024 Q4"


def test_a_month_inside_a_quarter_gives_the_last_complete_quarter() -> None:
    assert choose_through("2024-11", "quarter", JAN_2023, DEC_2024, _at(2026, 1, 1)).label == "2024 Q3"
    assert choose_through("2024-12", "quarter", JAN_2023, DEC_2024, _at(2026, 1, 1)).label == "2024 Q4"


@pytest.mark.parametrize(
    ("through", "message"),
    [
        ("2027-03", "is in the future"),
        ("2026-12", "is not over yet"),
        ("2024-13", "is not a month"),
        ("24-01", "is not a month"),
        ("2025-06", "hold months up to 2024-12"),
        ("2023-02", "no complete quarter ends by 2023-02"),
    ],
)
def test_months_that_cannot_be_released_are_refused(through: str, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        choose_through(through, "quarter", JAN_2023, DEC_2024, _at(2026, 12, 7))


def test_provisional_periods_are_the_revision_window_and_those_with_returns_outstanding_or_late() -> None:
    periods = periods_between(JAN_2023, Period.containing(DEC_2024, "quarter"))
    returns = [
        ReturnState(dt.date(2023, 5, 1), "police", "E23000001", "victims", "MISSING", None),
        ReturnState(dt.date(2023, 8, 1), "cps", "CPS", "main", "LATE", "ab"),
        ReturnState(dt.date(2024, 2, 1), "glaa", "GLAA", "main", "ACCEPTED", "cd"),
    ]
    assert provisional_periods(periods, returns, 3) == {"2023 Q2", "2023 Q3", "2024 Q4"}
    assert provisional_periods(periods, returns, 0) == {"2023 Q2", "2023 Q3"}
    assert provisional_periods(periods, returns, 6) == {"2023 Q2", "2023 Q3", "2024 Q3", "2024 Q4"}
