"""Property-based tests of the value normalisers, run through DuckDB as the parsers run them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msdw import normalise, reference
from msdw.sources import codes
from msdw.sources.spec import Column, ColumnType


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    normalise.install_lookups(con, reference.nationality_aliases())
    return con


def value(con: duckdb.DuckDBPyConnection, expr: str, text: str | None) -> object:
    return con.execute(f"select {expr}", [text]).fetchone()[0]


def any_case(draw: st.DrawFn, word: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))


spaces = st.sampled_from(["", " ", "  "])


@st.composite
def boolean_words(draw: st.DrawFn) -> tuple[str, bool]:
    truth = draw(st.booleans())
    word = draw(st.sampled_from(codes.TRUE_WORDS if truth else codes.FALSE_WORDS))
    return draw(spaces) + any_case(draw, word) + draw(spaces), truth


@settings(max_examples=60, deadline=None)
@given(boolean_words())
def test_boolean_words_in_any_case(con: duckdb.DuckDBPyConnection, case: tuple[str, bool]) -> None:
    text, truth = case
    assert value(con, normalise.boolean(normalise.clean("$1")), text) is truth


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)), st.booleans())
def test_iso_and_uk_dates_read_the_same(con: duckdb.DuckDBPyConnection, day: dt.date, uk: bool) -> None:
    text = day.strftime("%d/%m/%Y") if uk else day.isoformat()
    assert value(con, normalise.date(normalise.clean("$1")), text) == day


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False), st.booleans(), st.booleans())
def test_money_strings(con: duckdb.DuckDBPyConnection, amount: Decimal, pound: bool, commas: bool) -> None:
    text = f"{amount:,.2f}" if commas else f"{amount:.2f}"
    text = ("£" + text) if pound else text
    assert value(con, normalise.money(normalise.clean("$1")), text) == amount


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers(con: duckdb.DuckDBPyConnection, number: int) -> None:
    assert value(con, normalise.integer(normalise.clean("$1")), f" {number} ") == number


@pytest.mark.parametrize("text", ["3.5", "three", "1e3", "12abc"])
def test_not_integers_read_as_null(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert value(con, normalise.integer(normalise.clean("$1")), text) is None


@pytest.mark.parametrize("text", ["", "  ", "NULL", "null", " Null ", "N/A", "n/a", "-", None])
def test_null_words(con: duckdb.DuckDBPyConnection, text: str | None) -> None:
    assert value(con, normalise.is_null("$1"), text) is True
    assert value(con, normalise.clean("$1"), text) is None


@pytest.mark.parametrize("text", ["31/02/2018", "2018-13-01", "yesterday", "2018/02/03"])
def test_bad_dates_read_as_null(con: duckdb.DuckDBPyConnection, text: str) -> None:
    assert value(con, normalise.date(normalise.clean("$1")), text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-03T14:22:00Z", dt.datetime(2018, 2, 3, 14, 22)),
        ("2018-02-03T14:22:00+01:00", dt.datetime(2018, 2, 3, 13, 22)),
        ("2018-02-28T23:30:00-02:00", dt.datetime(2018, 3, 1, 1, 30)),
    ],
)
def test_timestamps_to_utc(con: duckdb.DuckDBPyConnection, text: str, expected: dt.datetime) -> None:
    assert value(con, normalise.timestamp(normalise.clean("$1")), text) == expected


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_nationality_any_spelling_any_case(con: duckdb.DuckDBPyConnection, data: st.DataObject) -> None:
    nationality = data.draw(
        st.sampled_from(sorted(reference.nationalities().values(), key=lambda n: n.nationality_code))
    )
    spelling = data.draw(st.sampled_from(sorted(nationality.spellings)))
    text = data.draw(spaces) + any_case(data.draw, spelling) + data.draw(spaces)
    assert value(con, normalise.nationality(normalise.clean("$1")), text) == nationality.nationality_code


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Albanian", "ALB"), ("al", "ALB"), ("Albania", "ALB"), ("Scottish", "GBR"), ("Kosovo", "XKX"), ("Zorg", "UNK")],
)
def test_nationality_examples(con: duckdb.DuckDBPyConnection, text: str, expected: str) -> None:
    assert value(con, normalise.nationality(normalise.clean("$1")), text) == expected


def test_gender_aliases_and_codes(con: duckdb.DuckDBPyConnection) -> None:
    column = Column("gender", ColumnType.ENUM, allowed=codes.GENDERS, aliases=codes.GENDER_ALIASES)
    expr = normalise.typed(column, normalise.clean("$1"))
    assert [value(con, expr, t) for t in ["m", " F ", "female", "Other", "unknown"]] == [
        "MALE",
        "FEMALE",
        "FEMALE",
        "OTHER",
        "UNKNOWN",
    ]


def test_exploitation_codes_with_spaces(con: duckdb.DuckDBPyConnection) -> None:
    assert value(con, normalise.code(normalise.clean("$1")), "domestic servitude") == "DOMESTIC_SERVITUDE"


def test_nationality_counts(con: duckdb.DuckDBPyConnection) -> None:
    expr = normalise.nationality_counts(normalise.clean("$1"))
    assert value(con, expr, "Albanian:3; GBR:1") == [
        {"nationality_code": "ALB", "suspects": 3},
        {"nationality_code": "GBR", "suspects": 1},
    ]
    assert value(con, expr, "Albanian:three") is None
    assert value(con, expr, None) is None


def test_exploitation_list(con: duckdb.DuckDBPyConnection) -> None:
    expr = normalise.exploitation_list(normalise.clean("$1"))
    assert value(con, expr, '["sexual", "LABOUR"]') == ["SEXUAL", "LABOUR"]
    assert value(con, expr, "[]") == []
