"""The comparisons of the linkage model, level by level, evaluated by DuckDB on example pairs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from msdw.linkage import model as mdl
from msdw.linkage.features import WEEK_SQL


def _level_of(comparison: dict[str, Any], pair: dict[str, Any]) -> str:
    """The label of the first level of ``comparison`` whose condition holds for ``pair`` (columns ``x_l``, ``x_r``)."""
    levels = [level for level in comparison["comparison_levels"] if level["sql_condition"] != "ELSE"]
    cases = " ".join(f"when {level['sql_condition']} then {i}" for i, level in enumerate(levels))
    columns = ", ".join(f"? as {name}" for name in pair)
    found = duckdb.connect().execute(f"select case {cases} end from (select {columns})", list(pair.values())).fetchone()
    return "else" if found[0] is None else levels[found[0]]["label_for_charts"]


def _encounter(agency_l: str, day_l: date, place_l: str, agency_r: str, day_r: date, place_r: str) -> dict[str, Any]:
    return {
        "agency_code_l": agency_l,
        "agency_code_r": agency_r,
        "identified_date_l": day_l,
        "identified_date_r": day_r,
        "place_l": place_l,
        "place_r": place_r,
    }


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        (
            _encounter("GLAA", date(2019, 3, 4), "KNT", "POLICE", date(2019, 3, 6), "KNT"),
            "Other agency, within 7 days, same area",
        ),
        (_encounter("GLAA", date(2019, 3, 4), "KNT", "POLICE", date(2019, 3, 6), "ESX"), "Other agency, within 7 days"),
        (
            _encounter("BORDER_FORCE", date(2019, 1, 10), "KNT", "POLICE", date(2019, 6, 1), "KNT"),
            "Border Force, then within a year, same area",
        ),
        (
            _encounter("POLICE", date(2019, 6, 1), "MET", "BORDER_FORCE", date(2019, 1, 10), "KNT"),
            "Border Force, then within a year",
        ),
        (_encounter("POLICE", date(2018, 6, 1), "MET", "BORDER_FORCE", date(2019, 1, 10), "MET"), "else"),
        (_encounter("POLICE", date(2018, 1, 1), "MET", "POLICE", date(2020, 12, 1), "MET"), "Same agency, same area"),
        (_encounter("POLICE", date(2018, 1, 1), "MET", "POLICE", date(2020, 12, 1), "KNT"), "Same agency"),
        (_encounter("GLAA", date(2018, 1, 1), "MET", "POLICE", date(2019, 12, 1), "MET"), "else"),
    ],
)
def test_when_where_levels_follow_who_identified_when_and_where(pair: dict[str, Any], expected: str):
    assert _level_of(mdl.when_where_comparison(), pair) == expected


def test_a_term_frequency_adjusted_level_is_the_first_exact_match_of_its_column():
    """Splink scales a tf-adjusted level by the u of the exact match of the tf column: that level must take every
    agreement on the column, or the adjustment uses a u that is too small and penalises every exact match."""
    for comparison in mdl.settings()["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for i, level in enumerate(levels):
            column = level.get("tf_adjustment_column")
            if column:
                assert level["sql_condition"] == f"{column}_l = {column}_r"
                assert i == 0, f"{comparison['output_column_name']}: a level before the tf-adjusted one"


def test_names_in_another_order_are_the_same_tokens():
    name = mdl.name_comparison()
    swapped = {
        "name_key_l": "a b",
        "name_key_r": "a b",
        "phonetic_key_l": "x",
        "phonetic_key_r": "x",
        "name_token_keys_l": ["a", "b"],
        "name_token_keys_r": ["a", "b"],
        "gram_bits_a_l": 1,
        "gram_bits_a_r": 1,
        "gram_bits_b_l": 1,
        "gram_bits_b_r": 1,
    }
    assert _level_of(name, swapped) == "Same name tokens, in any order"


def _candidates(records: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """Pairs (ids) that any blocking rule makes candidates, joined as Splink joins them: an exploded rule on one row
    per element of its lists."""
    con = duckdb.connect()
    con.execute(
        "create table f (id integer, phonetic_key varchar, dob_key varchar, nationality varchar, place varchar, "
        "birth_year_est integer, identified_date date, name_phonetic_keys varchar[])"
    )
    con.executemany(
        "insert into f values ($id, $phonetic_key, $dob_key, $nationality, $place, $birth_year_est, "
        "$identified_date, $name_phonetic_keys)",
        records,
    )
    con.execute(f"create table features as select *, {WEEK_SQL.replace('l.', '')} as identified_week from f")
    found: set[tuple[int, int]] = set()
    for rule in mdl.blocking_rules():
        table = "features"
        for column in rule.get("arrays_to_explode", []):
            table = f"(select * replace (unnest({column}) as {column}) from {table})"
        join = f"select l.id, r.id from {table} l join {table} r on {rule['blocking_rule']} and l.id < r.id"
        found |= set(con.execute(join).fetchall())
    return found


def test_joint_work_pairs_are_candidates_exactly_when_within_seven_days():
    """The joint-work rules join on the week of identification (the same, the one before, the one after) for speed;
    together they must find every pair within 7 days, whatever the weekday, and none further apart."""
    first = date(2019, 3, 1)
    days = [first + timedelta(days=i) for i in range(24)]
    records = [
        {
            "id": i,
            "phonetic_key": f"P{i}",  # different names but for one shared phonetic token
            "dob_key": None,
            "nationality": "ALB" if i % 2 else "GBR",
            "place": "KNT",
            "birth_year_est": 1970 + i,
            "identified_date": day,
            "name_phonetic_keys": [f"T{i}", "SHARED"],
        }
        for i, day in enumerate(days)
    ]
    expected = {(i, j) for i in range(len(days)) for j in range(i + 1, len(days)) if (days[j] - days[i]).days <= 7}
    assert _candidates(records) == expected
    elsewhere = [r | {"place": "MET"} if r["id"] % 2 else r for r in records]
    assert _candidates(elsewhere) == {(i, j) for i, j in expected if i % 2 == j % 2}


def test_a_shared_date_of_birth_makes_a_candidate_only_with_the_same_nationality():
    base = {"phonetic_key": None, "place": None, "birth_year_est": None, "identified_date": None}
    records = [
        base | {"id": 1, "dob_key": "D", "nationality": "ALB", "name_phonetic_keys": ["A"]},
        base | {"id": 2, "dob_key": "D", "nationality": "ALB", "name_phonetic_keys": ["B"]},
        base | {"id": 3, "dob_key": "D", "nationality": "VNM", "name_phonetic_keys": ["C"]},
    ]
    assert _candidates(records) == {(1, 2)}
