from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from msdw.generate.errors import GenerateError
from msdw.generate.months import date_of, days_in, first_day, month_of_day, month_text, parse_month


def test_month_numbers_round_trip() -> None:
    for text in ("2014-01", "2019-12", "2025-06"):
        assert month_text(parse_month(text)) == text


def test_days_of_a_month() -> None:
    feb = parse_month("2020-02")
    assert date_of(first_day(feb)) == dt.date(2020, 2, 1)
    assert days_in(feb) == 29
    days = np.arange(first_day(feb), first_day(feb) + 29)
    assert set(month_of_day(days).tolist()) == {feb}


@pytest.mark.parametrize("text", ["2019-13", "19-01", "2019/01", ""])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(GenerateError):
        parse_month(text)
