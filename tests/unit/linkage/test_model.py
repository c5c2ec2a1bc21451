"""The comparisons of the linkage model, level by level, evaluated by DuckDB on example pairs."""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pytest

from msdw.linkage import model as mdl


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
