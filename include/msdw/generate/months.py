"""Months as integers (``year * 12 + month - 1``) and days as integers since 1970-01-01, for vectorised work."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from msdw.generate.errors import GenerateError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_EPOCH_DAY = dt.date(1970, 1, 1)


def parse_month(text: str) -> int:
    """``YYYY-MM`` as a month number."""
    match = _MONTH.match(text.strip())
    if match is None:
        raise GenerateError(f"month {text!r} is not YYYY-MM; write it like 2019-03")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def year_of(month: int | np.ndarray) -> int | np.ndarray:
    return month // 12


def first_day(month: int | np.ndarray) -> int | np.ndarray:
    """Day number of the first day of ``month`` (scalar or array)."""
    m = np.asarray(month, dtype=np.int64)
    days = (np.datetime64("1970-01", "M") + (m - 1970 * 12)).astype("datetime64[D]").astype(np.int64)
    return int(days) if np.ndim(days) == 0 else days


def days_in(month: int | np.ndarray) -> int | np.ndarray:
    return first_day(np.asarray(month) + 1) - first_day(month)


def date_of(day: int) -> dt.date:
    return _EPOCH_DAY + dt.timedelta(days=int(day))


def day_of(date: dt.date) -> int:
    return (date - _EPOCH_DAY).days


def month_of_day(day: np.ndarray) -> np.ndarray:
    """Month number of each day number."""
    months = np.asarray(day, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months + 1970 * 12
