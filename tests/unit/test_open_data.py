from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Hashable, Mapping, Sequence, Set
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from msdw.open_data.disclosure import (
    NOT_APPLICABLE,
    SUPPRESSED,
    Constraint,
    DisclosureError,
    determined_cells,
    suppress,
    suppress_grid,
)
from msdw.open_data.tables import OPEN_TABLES
from msdw.open_data.write import NOTES_FILE, build_open_data, neutralise, rate_text, write_open_data

MART_COLUMNS: dict[str, str] = {
    "dim_force": "force_code varchar, force_name varchar",
    "dim_nationality": "nationality_code varchar, nationality_name varchar",
    "mart_monthly_summary": (
        "month date, agency_code varchar, victims_identified bigint, nrm_referrals bigint, dtn_submissions bigint, "
        "operations_live bigint, operations_opened bigint, arrests bigint, charges bigint, "
        "defendants_finalised bigint, convictions bigint, inspections bigint, money_recovered_gbp decimal(18,2)"
    ),
    "mart_crime_recording": (
        "month date, force_code varchar, nrm_referrals bigint, with_crime_recorded bigint, compliance_rate double"
    ),
    "mart_victim_pathway": (
        "year integer, exploitation_type varchar, persons_identified bigint, persons_nrm_referred bigint, "
        "persons_crime_recorded bigint, persons_in_prosecuted_operation bigint, persons_in_convicted_operation bigint"
    ),
    "mart_cps_outcomes": "year integer, cps_area varchar, outcome varchar, defendants bigint",
    "mart_nationality_profile": "year integer, nationality_code varchar, victims bigint, suspects bigint",
}

small_counts = st.one_of(st.integers(0, 6), st.integers(0, 40))


def make_marts(path: Path, rows: dict[str, Sequence[tuple[object, ...]]]) -> Path:
    with contextlib.closing(duckdb.connect(os.fspath(path))) as con:
        for table, columns in MART_COLUMNS.items():
            con.execute(f"create table {table} ({columns})")
            for row in rows.get(table, []):
                con.execute(f"insert into {table} values ({', '.join(['?'] * len(row))})", list(row))
    return path


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# --- the property the brief states, on two-way tables --------------------------------------------------------------


def grid_lines(n_rows: int, n_cols: int, row_totals: bool, column_totals: bool) -> list[list[tuple[int, int]]]:
    """Every published additive line of the grid: a row with its total, a column with its total."""
    lines: list[list[tuple[int, int]]] = []
    if row_totals:
        lines += [[(i, j) for j in range(n_cols + 1)] for i in range(n_rows)]
    if column_totals:
        lines += [[(i, j) for i in range(n_rows + 1)] for j in range(n_cols)]
    if row_totals and column_totals:
        lines.append([(n_rows, j) for j in range(n_cols + 1)])
        lines.append([(i, n_cols) for i in range(n_rows + 1)])
    return lines


def lp_range(
    values: Mapping[Hashable, int], suppressed: Set[Hashable], constraints: Sequence[Constraint]
) -> dict[Hashable, tuple[float, float]]:
    """What a reader can work out about each suppressed cell from the shown cells: its min and max (non-negative)."""
    unknown = sorted(suppressed, key=repr)
    index = {cell: k for k, cell in enumerate(unknown)}
    a_eq, b_eq = [], []
    for constraint in constraints:
        row = np.zeros(len(unknown))
        rhs = 0.0
        for cell, sign in [(constraint.total, -1.0), *((p, 1.0) for p in constraint.parts)]:
            if cell in index:
                row[index[cell]] += sign
            else:
                rhs -= sign * values[cell]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
    ranges = {}
    for cell in unknown:
        c = np.zeros(len(unknown))
        c[index[cell]] = 1.0
        kwargs = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)} if a_eq else {}
        low = linprog(c, bounds=(0, None), method="highs", **kwargs)
        high = linprog(-c, bounds=(0, None), method="highs", **kwargs)
        assert low.status == 0 and high.status in (0, 3)
        ranges[cell] = (low.fun, float("inf") if high.status == 3 else -high.fun)
    return ranges


def assert_not_recoverable(
    values: Mapping[Hashable, int], suppressed: Set[Hashable], constraints: Sequence[Constraint]
) -> None:
    for cell, (low, high) in lp_range(values, suppressed, constraints).items():
        assert high - low > 0.5, f"{cell} = {values[cell]} can be worked out: [{low}, {high}]"


tables = st.integers(1, 5).flatmap(
    lambda rows: st.integers(1, 5).flatmap(
        lambda cols: st.lists(st.lists(small_counts, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=tables, row_totals=st.booleans(), column_totals=st.booleans())
def test_suppressed_cells_cannot_be_worked_out_from_totals(
    counts: list[list[int]], row_totals: bool, column_totals: bool
) -> None:
    result = suppress_grid(counts, row_totals=row_totals, column_totals=column_totals)
    n_rows, n_cols = len(counts), len(counts[0])
    values = {(i, j): v for i, row in enumerate(result.values) for j, v in enumerate(row) if v is not None}
    assert set(result.suppressed) <= set(values)
    for cell, value in values.items():
        if 1 <= value <= 4:
            assert cell in result.suppressed
        if value == 0:
            assert cell not in result.suppressed
    lines = grid_lines(n_rows, n_cols, row_totals, column_totals)
    for line in lines:
        assert sum(cell in result.suppressed for cell in line) != 1
    for i, j in result.suppressed:
        row_line = [(i, k) for k in range(n_cols + 1) if (i, k) in values]
        column_line = [(k, j) for k in range(n_rows + 1) if (k, j) in values]
        row_published = row_totals if i < n_rows else row_totals and column_totals
        column_published = column_totals if j < n_cols else row_totals and column_totals
        assert not row_published or sum(c in result.suppressed for c in row_line) >= 2
        assert not column_published or sum(c in result.suppressed for c in column_line) >= 2
    assert_not_recoverable(values, result.suppressed, [Constraint(line[-1], tuple(line[:-1])) for line in lines])


def test_single_small_cell_gets_a_complement_in_its_row_and_column() -> None:
    result = suppress_grid([[3, 10, 20], [8, 9, 30]])
    assert (0, 0) in result.suppressed
    assert (1, 0) in result.suppressed  # next smallest in the column
    assert (0, 1) in result.suppressed  # next smallest in the row
    assert (1, 1) in result.suppressed  # closes the rectangle
    assert (0, 2) not in result.suppressed and (2, 3) not in result.suppressed


def test_small_total_is_suppressed_too() -> None:
    result = suppress_grid([[2, 0], [0, 50]])
    assert {(0, 0), (0, 2), (2, 0)} <= result.suppressed
    assert result.values[2][2] == 52


def test_zeros_are_shown_and_never_complements() -> None:
    result = suppress_grid([[0, 0, 7], [5, 0, 9]])
    assert result.suppressed == frozenset()


def test_cell_determined_through_a_chain_of_lines_gets_protected() -> None:
    # two rectangles of suppressed cells joined by one cell: each line then has two suppressed cells, yet the
    # joining cell is fixed by the totals; the audit must add a complement.
    values = dict.fromkeys("abcdefghx", 3)
    values.update(r1=6, r2=9, c1=6, c2=6, r3=9, r4=6, c3=6, c4=6)
    constraints = [
        Constraint("r1", ("a", "b")),
        Constraint("r2", ("c", "d", "x")),
        Constraint("c1", ("a", "c")),
        Constraint("c2", ("b", "d")),
        Constraint("r3", ("e", "f", "x")),
        Constraint("r4", ("g", "h")),
        Constraint("c3", ("e", "g")),
        Constraint("c4", ("f", "h")),
    ]
    order = {key: n for n, key in enumerate(values)}
    primary = set("abcdefghx")
    assert determined_cells(primary, constraints, order) == ["x"]
    suppressed = suppress(values, constraints)
    assert suppressed > primary
    assert determined_cells(suppressed, constraints, order) == []


def test_constraint_on_unknown_cell_is_an_error() -> None:
    with pytest.raises(DisclosureError, match="without a value"):
        suppress({"a": 1}, [Constraint("t", ("a",))])


# --- formulas and rates --------------------------------------------------------------------------------------------


@given(st.text(max_size=20))
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert out in (text, "'" + text)
    assert (out != text) == text.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_rate_text() -> None:
    assert rate_text(3, 10, suppressed=True) == SUPPRESSED
    assert rate_text(0, 0, suppressed=False) == NOT_APPLICABLE
    assert rate_text(9, 12, suppressed=False) == "0.750"


# --- the files -----------------------------------------------------------------------------------------------------


def base_rows() -> dict[str, list[tuple[object, ...]]]:
    return {
        "dim_force": [("E1", '=HYPERLINK("http://x")'), ("E2", "Kent"), ("E3", "@SUM(A1)")],
        "dim_nationality": [("GBR", "British"), ("ALB", "Albanian"), ("VNM", "Vietnamese")],
        "mart_monthly_summary": [
            ("2020-01-01", "POLICE", 60, 41, 5, 7, 6, 12, 10, 0, 0, 0, 0),
            ("2020-02-01", "POLICE", 50, 40, 9, 8, 5, 11, 9, 0, 0, 0, 0),
            ("2020-01-01", "GLAA", 20, 12, 0, 0, 0, 6, 5, 0, 0, 15, 2500.5),
            ("2020-01-01", "CPS", 0, 0, 0, 0, 0, 0, 0, 29, 18, 0, 0),
        ],
        "mart_crime_recording": [
            ("2020-01-01", "E1", 40, 31, 0.775),
            ("2020-02-01", "E1", 20, 15, 0.75),
            ("2020-01-01", "E2", 18, 15, 0.833),
            ("2020-01-01", "E3", 3, 1, 0.333),
            ("2020-02-01", "E3", 0, 0, None),
        ],
        "mart_victim_pathway": [(2020, "LABOUR", 40, 30, 20, 10, 6), (2020, "SEXUAL", 30, 20, 15, 8, 2)],
        "mart_cps_outcomes": [
            (2020, "1", "CONVICTED_GUILTY_PLEA", 10),
            (2020, "1", "ACQUITTED", 6),
            (2020, "2", "CONVICTED_AFTER_TRIAL", 8),
            (2020, "2", "ACQUITTED", 5),
        ],
        "mart_nationality_profile": [(2020, "GBR", 50, 20), (2020, "ALB", 17, 3), (2020, "VNM", 3, 9)],
    }


def count_columns(name: str) -> tuple[str, ...]:
    return next(spec.counts for spec in OPEN_TABLES if spec.file_name == name)


def test_write_open_data_writes_every_file_with_disclosure_control(tmp_path: Path) -> None:
    marts = make_marts(tmp_path / "marts.duckdb", base_rows())
    folder = tmp_path / "open_data"
    paths = write_open_data(marts, folder)
    assert sorted(p.name for p in paths) == sorted([NOTES_FILE, *(spec.file_name for spec in OPEN_TABLES)])
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    for spec in OPEN_TABLES:
        rows = read_csv((folder / spec.file_name).read_text())
        assert rows, spec.file_name
        for row in rows:
            for column in spec.counts:
                assert row[column] == SUPPRESSED or int(row[column]) == 0 or int(row[column]) >= 5
    notes = (folder / NOTES_FILE).read_text()
    assert "[c]" in notes and "single quote" in notes


def test_crime_recording_file(tmp_path: Path) -> None:
    marts = make_marts(tmp_path / "marts.duckdb", base_rows())
    text = build_open_data(marts).files["crime_recording_by_year.csv"]
    rows = {row["force_code"]: row for row in read_csv(text)}
    assert list(rows) == ["E1", "E2", "E3", "ALL"]
    assert rows["E1"]["force_name"] == '\'=HYPERLINK("http://x")'
    assert rows["E3"]["force_name"] == "'@SUM(A1)"
    assert rows["E3"]["nrm_referrals"] == SUPPRESSED
    assert rows["E3"]["compliance_rate"] == SUPPRESSED
    # E3's 3 referrals must not follow from the total and the other forces
    assert sum(row["nrm_referrals"] == SUPPRESSED for row in rows.values()) >= 2
    for row in rows.values():
        if SUPPRESSED in (row["nrm_referrals"], row["with_crime_recorded"]):
            assert row["compliance_rate"] == SUPPRESSED
        else:
            expected = int(row["with_crime_recorded"]) / int(row["nrm_referrals"])
            assert float(row["compliance_rate"]) == pytest.approx(expected, abs=5e-4)


def test_the_rest_of_a_subset_is_protected(tmp_path: Path) -> None:
    rows = base_rows()
    rows["mart_crime_recording"] = [
        ("2020-01-01", "E1", 40, 38, 0.95),  # 2 referrals without a crime recorded
        ("2020-01-01", "E2", 30, 20, 0.667),
    ]
    text = build_open_data(make_marts(tmp_path / "marts.duckdb", rows)).files["crime_recording_by_year.csv"]
    e1 = next(row for row in read_csv(text) if row["force_code"] == "E1")
    assert SUPPRESSED in (e1["nrm_referrals"], e1["with_crime_recorded"])
    assert e1["compliance_rate"] == SUPPRESSED


def test_zero_denominator_rate_is_not_applicable(tmp_path: Path) -> None:
    rows = base_rows()
    rows["mart_crime_recording"] = [("2020-01-01", "E1", 40, 30, 0.75), ("2020-01-01", "E2", 0, 0, None)]
    text = build_open_data(make_marts(tmp_path / "marts.duckdb", rows)).files["crime_recording_by_year.csv"]
    e2 = next(row for row in read_csv(text) if row["force_code"] == "E2")
    assert e2["nrm_referrals"] == "0"
    assert e2["compliance_rate"] == NOT_APPLICABLE


def test_summary_is_by_year_without_operations_live_and_with_money(tmp_path: Path) -> None:
    text = build_open_data(make_marts(tmp_path / "marts.duckdb", base_rows())).files["summary_by_year.csv"]
    rows = {row["agency_code"]: row for row in read_csv(text)}
    assert "operations_live" not in rows["ALL"]
    assert rows["POLICE"]["victims_identified"] == "110"
    assert rows["ALL"]["victims_identified"] == "130"
    assert rows["GLAA"]["money_recovered_gbp"] == "2500.50"
    assert rows["CPS"]["defendants_finalised"] == "29"
    assert rows["CPS"]["convictions"] == "18"


def test_same_figure_in_two_files_is_suppressed_in_both(tmp_path: Path) -> None:
    rows = base_rows()
    # police NRM referrals in the summary (81) equal the national total of the crime-recording file
    rows["mart_crime_recording"] = [
        ("2020-01-01", "E1", 78, 60, 0.77),
        ("2020-01-01", "E2", 3, 1, 0.33),
    ]
    files = build_open_data(make_marts(tmp_path / "marts.duckdb", rows)).files
    crime = {row["force_code"]: row for row in read_csv(files["crime_recording_by_year.csv"])}
    summary = {row["agency_code"]: row for row in read_csv(files["summary_by_year.csv"])}
    assert (crime["ALL"]["nrm_referrals"] == SUPPRESSED) == (summary["POLICE"]["nrm_referrals"] == SUPPRESSED)


def test_cps_file_has_area_and_outcome_totals(tmp_path: Path) -> None:
    text = build_open_data(make_marts(tmp_path / "marts.duckdb", base_rows())).files["cps_outcomes_by_year.csv"]
    cells = {(row["cps_area"], row["outcome"]): row["defendants"] for row in read_csv(text)}
    assert cells[("ALL", "ALL")] == "29"
    assert cells[("1", "ALL")] == "16"
    assert cells[("ALL", "ACQUITTED")] == "11"
    assert cells[("2", "CONVICTED_GUILTY_PLEA")] == "0"
    assert len(cells) == 3 * 4


def test_cps_small_cell_is_protected_in_its_area_and_outcome_and_in_the_summary(tmp_path: Path) -> None:
    rows = base_rows()
    rows["mart_cps_outcomes"][1] = (2020, "1", "ACQUITTED", 2)
    rows["mart_monthly_summary"][3] = ("2020-01-01", "CPS", 0, 0, 0, 0, 0, 0, 0, 25, 18, 0, 0)
    files = build_open_data(make_marts(tmp_path / "marts.duckdb", rows)).files
    cells = {(r["cps_area"], r["outcome"]): r["defendants"] for r in read_csv(files["cps_outcomes_by_year.csv"])}
    outcomes = ("ACQUITTED", "CONVICTED_AFTER_TRIAL", "CONVICTED_GUILTY_PLEA", "ALL")
    assert cells[("1", "ACQUITTED")] == SUPPRESSED
    for area in ("1", "2", "ALL"):
        assert [cells[(area, o)] for o in outcomes].count(SUPPRESSED) != 1
    for outcome in outcomes:
        assert [cells[(a, outcome)] for a in ("1", "2", "ALL")].count(SUPPRESSED) != 1
    summary = {r["agency_code"]: r for r in read_csv(files["summary_by_year.csv"])}
    # the summary repeats the national total and the convictions: acquittals must not follow from them either
    shown_total = cells[("ALL", "ALL")] != SUPPRESSED or summary["CPS"]["defendants_finalised"] != SUPPRESSED
    shown_convictions = summary["CPS"]["convictions"] != SUPPRESSED
    if shown_total and shown_convictions:
        assert cells[("ALL", "ACQUITTED")] == SUPPRESSED
        assert SUPPRESSED in (cells[("ALL", "CONVICTED_AFTER_TRIAL")], cells[("ALL", "CONVICTED_GUILTY_PLEA")])
    assert (cells[("ALL", "ALL")] == SUPPRESSED) == (summary["CPS"]["defendants_finalised"] == SUPPRESSED)


def test_no_suppressed_figure_follows_from_all_the_files_together(tmp_path: Path) -> None:
    rows = base_rows()
    rows["mart_cps_outcomes"][1] = (2020, "1", "ACQUITTED", 2)
    rows["mart_monthly_summary"][3] = ("2020-01-01", "CPS", 0, 0, 0, 0, 0, 0, 0, 25, 18, 0, 0)
    open_data = build_open_data(make_marts(tmp_path / "marts.duckdb", rows))
    links = [c for c in open_data.constraints if {c.total[0], *(p[0] for p in c.parts)} != {c.total[0]}]
    assert len(links) == 4  # police referrals, CPS defendants and convictions, persons identified
    assert len(open_data.suppressed) > 10
    assert_not_recoverable(open_data.values, open_data.suppressed, open_data.constraints)


def test_open_data_is_deterministic(tmp_path: Path) -> None:
    marts = make_marts(tmp_path / "marts.duckdb", base_rows())
    assert build_open_data(marts).files == build_open_data(marts).files


def test_code_named_all_is_refused(tmp_path: Path) -> None:
    rows = base_rows()
    rows["mart_nationality_profile"] = [(2020, "ALL", 10, 10)]
    with pytest.raises(DisclosureError, match="rename"):
        build_open_data(make_marts(tmp_path / "marts.duckdb", rows))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(forces=st.lists(st.tuples(small_counts, small_counts).map(lambda t: (max(t), min(t))), min_size=1, max_size=6))
def test_crime_recording_property(tmp_path_factory: pytest.TempPathFactory, forces: list[tuple[int, int]]) -> None:
    rows = base_rows()
    rows["mart_crime_recording"] = [
        ("2021-03-01", f"F{n}", nrm, recorded, None) for n, (nrm, recorded) in enumerate(forces)
    ]
    marts = make_marts(tmp_path_factory.mktemp("p") / "marts.duckdb", rows)
    open_data = build_open_data(marts)
    assert_not_recoverable(open_data.values, open_data.suppressed, open_data.constraints)
    text = open_data.files["crime_recording_by_year.csv"]
    for row in read_csv(text):
        counts = {c: row[c] for c in ("nrm_referrals", "with_crime_recorded")}
        for value in counts.values():
            assert value == SUPPRESSED or not 1 <= int(value) <= 4
        if SUPPRESSED in counts.values():
            assert row["compliance_rate"] == SUPPRESSED
        else:
            rest = int(counts["nrm_referrals"]) - int(counts["with_crime_recorded"])
            assert not 1 <= rest <= 4
