"""Periods of a release (calendar quarters or months, inside financial years) and the shorthand markers.

A quarter is a calendar quarter (``2024 Q1`` is January to March) as in the Home Office's NRM statistics; a financial
year runs from April to March (``2024/25``), so it holds four whole quarters. A period is *complete* when every
return of its months was due (returns.md: by the 15th of the next month).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from msdw.monitor import add_months, deadline
from msdw.returns import MsdwError

FREQUENCIES = ("quarter", "month")

CONFIDENTIAL = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
PROVISIONAL = "[p]"
REVISED = "[r]"
MARKERS = (CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, PROVISIONAL, REVISED)
PERIOD_MARKERS = (PROVISIONAL, REVISED)  # added to a shown figure or period, not in place of it

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class ReleaseError(MsdwError):
    """A release cannot be made, listed or verified as asked; the message says what to do."""


def parse_month(text: str, what: str = "--through") -> dt.date:
    match = _MONTH.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ReleaseError(f"{what} {text!r} is not a month: write it as YYYY-MM, e.g. 2024-12")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass(frozen=True, order=True)
class Period:
    """A quarter or a month: its first month and how many months it spans."""

    start: dt.date
    months: int

    @classmethod
    def containing(cls, month: dt.date, frequency: str) -> Period:
        if frequency == "month":
            return cls(month.replace(day=1), 1)
        return cls(dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1), 3)

    @property
    def last_month(self) -> dt.date:
        return add_months(self.start, self.months - 1)

    @property
    def month_list(self) -> list[dt.date]:
        return [add_months(self.start, n) for n in range(self.months)]

    @property
    def label(self) -> str:
        """``2024 Q1`` or ``2024-01``: how the period is written in the tables."""
        if self.months == 1:
            return f"{self.start:%Y-%m}"
        return f"{self.start.year} Q{(self.start.month - 1) // 3 + 1}"

    @property
    def release_id(self) -> str:
        """``2024-Q1`` or ``2024-01``: the id of the first release made through this period."""
        return self.label.replace(" ", "-")

    @property
    def key(self) -> int:
        """A number that orders periods: 20241 for 2024 Q1, 202401 for 2024-01."""
        if self.months == 1:
            return self.start.year * 100 + self.start.month
        return self.start.year * 10 + (self.start.month - 1) // 3 + 1

    def next(self) -> Period:
        return Period(add_months(self.start, self.months), self.months)

    def previous(self) -> Period:
        return Period(add_months(self.start, -self.months), self.months)

    def due_by(self) -> dt.datetime:
        """When the last return of the period was due (its last month's deadline)."""
        return deadline(self.last_month)


def financial_year(month: dt.date) -> int:
    """The first calendar year of the financial year holding ``month`` (2024 for 2024/25)."""
    return month.year if month.month >= 4 else month.year - 1


def financial_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def periods_between(first_month: dt.date, through: Period) -> list[Period]:
    """Every period from the one holding ``first_month`` up to ``through``, in order."""
    period = Period.containing(first_month, "month" if through.months == 1 else "quarter")
    found = []
    while period <= through:
        found.append(period)
        period = period.next()
    return found


def choose_through(
    through: str | None, frequency: str, first_month: dt.date, last_month: dt.date, now: dt.datetime
) -> Period:
    """The last period of the release: the one ending at ``through`` (YYYY-MM), or by default the latest complete
    period whose returns are all due and which the published marts cover."""
    if frequency not in FREQUENCIES:
        raise ReleaseError(f"--frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    this_month = dt.date(now.year, now.month, 1)
    if through is not None:
        month = parse_month(through)
        if month >= this_month:
            when = "in the future" if month > this_month else "not over yet"
            raise ReleaseError(
                f"--through {through} is {when} (today is {now:%Y-%m-%d}): give a past month, "
                "or leave --through out for the latest period whose returns are all due"
            )
        period = Period.containing(month, frequency)
        if period.last_month != month:  # the period holding the month is not complete by then: the one before
            period = period.previous()
        if month > last_month:
            raise ReleaseError(
                f"the published marts hold months up to {last_month:%Y-%m}, not {through}: "
                "run `msdw run` with the later returns first, or give an earlier --through"
            )
        if period.last_month < first_month:
            raise ReleaseError(
                f"the published marts start in {first_month:%Y-%m}: no complete {frequency} ends by {through}"
            )
        return period
    period = Period.containing(min(last_month, this_month), frequency)
    while period.last_month > last_month or period.due_by() > now:
        period = period.previous()
    if period.last_month < first_month:
        raise ReleaseError(
            f"no complete {frequency} is due yet in the published marts ({first_month:%Y-%m} to {last_month:%Y-%m})"
        )
    return period
