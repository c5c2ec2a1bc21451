"""The return gate: suites derived from the source descriptions, run once over many files."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from msdw import reference
from msdw.quality import docs, returns, suites
from msdw.quality.context import run_on_frame, validation_context, validations_dir, warehouse_context
from msdw.quality.failures import failures_by_file
from msdw.quality.returns import Failure, FrameMismatch, suite_for, validate_table
from msdw.sources import ColumnType, Table, table
from msdw.warehouse import Warehouse

REPO = Path(__file__).resolve().parents[2]
SHA_A = "a" * 64
SHA_B = "b" * 64
MONTH = dt.date(2020, 1, 1)
IN_MONTH = dt.date(2020, 1, 10)
SUBMITTERS = {"police_operations": "E23000001", "police_victims": "E23000001"}
# The force and unit codes listed in returns.md ("Force and unit codes").
SPEC_FORCE_CODES = frozenset(
    [f"E230000{n:02d}" for n in range(1, 40)]
    + [f"W1500000{n}" for n in range(1, 5)]
    + ["X-BTP", "X-PSCOT", "X-PSNI"]
    + ["R-NE", "R-NW", "R-YH", "R-EM", "R-WM", "R-E", "R-SE", "R-SW", "R-W"]
)


@pytest.fixture
def spec_forces(monkeypatch: pytest.MonkeyPatch) -> frozenset[str]:
    monkeypatch.setattr(reference, "force_codes", lambda: SPEC_FORCE_CODES)
    return SPEC_FORCE_CODES


def good_value(tbl: Table, name: str, i: int) -> object:
    col = tbl.column(name)
    if name in returns.FORCE_CODE_COLUMNS:
        return SUBMITTERS.get(tbl.name, "E23000002")
    if col.type == ColumnType.ENUM:
        return col.allowed[0] if col.allowed else None
    if col.type == ColumnType.INTEGER:
        return col.minimum if col.minimum is not None else 3
    if col.type == ColumnType.DATE:
        return IN_MONTH
    if col.type == ColumnType.TIMESTAMP:
        return pd.Timestamp("2020-01-10T12:00:00Z")
    if col.type == ColumnType.BOOLEAN:
        return False
    if col.type == ColumnType.MONEY:
        return Decimal("12.50")
    if col.type == ColumnType.NATIONALITY:
        return "GBR"
    if col.type == ColumnType.EXPLOITATION_LIST:
        return ["LABOUR"]
    if col.type == ColumnType.NATIONALITY_COUNTS:
        return None
    return f"{name.upper()}-{i}"


def good_frame(tbl: Table, files: tuple[str, ...] = (SHA_A, SHA_B), rows: int = 3) -> pd.DataFrame:
    """``rows`` valid rows in each file; the same references in every file (unique only within a file)."""
    records = []
    for sha in files:
        for i in range(rows):
            record: dict[str, object] = {
                "_sha256": sha,
                "_source": "test",
                "_submitter": SUBMITTERS.get(tbl.name, "X"),
                "_month": MONTH,
                "_part": "main",
                "_version": 1,
                "_row": i + 2,
            }
            for col in tbl.columns:
                if not col.is_personal:
                    record[col.name] = good_value(tbl, col.name, i)
            records.append(record)
    frame = pd.DataFrame.from_records(records)
    for col in tbl.columns:
        if col.type == ColumnType.INTEGER and col.name in frame:
            frame[col.name] = frame[col.name].astype("Int64")
        if col.type == ColumnType.BOOLEAN and col.name in frame:
            frame[col.name] = frame[col.name].astype("boolean")
    return frame


def set_cell(frame: pd.DataFrame, sha: str, row: int, column: str, value: object) -> pd.DataFrame:
    at = frame.index[(frame["_sha256"] == sha) & (frame["_row"] == row)][0]
    frame[column] = frame[column].astype(object)
    frame.at[at, column] = value
    return frame


def only_failure(result: dict[str, list[Failure]], sha: str = SHA_B) -> Failure:
    assert set(result) == {sha}, result
    assert len(result[sha]) == 1, result[sha]
    return result[sha][0]


# --- suites ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tbl", returns.all_tables(), ids=lambda t: t.name)
def test_suite_follows_the_description(spec_forces: frozenset[str], tbl: Table) -> None:
    suite = suite_for(tbl)
    configs = [(e.expectation_type, e.configuration.kwargs) for e in suite.expectations]
    not_null = {kw["column"] for kind, kw in configs if kind == "expect_column_values_to_not_be_null"}
    in_set = {kw["column"]: set(kw["value_set"]) for kind, kw in configs if kind == "expect_column_values_to_be_in_set"}
    for col in tbl.columns:
        assert (
            col.is_personal
            or (col.name in not_null) == col.required
            or col.name in {r.column for r in tbl.rules if hasattr(r, "when")}
        )
        if col.type == ColumnType.ENUM and col.allowed:
            assert in_set[col.name] == set(col.allowed)
        if col.name in returns.FORCE_CODE_COLUMNS:
            assert in_set[col.name] == set(spec_forces)
        if col.is_personal:
            assert all(col.name not in json.dumps(kw) for _, kw in configs)


def test_committed_suites_equal_the_descriptions() -> None:
    folder = REPO / "expectations" / returns.DATASOURCE
    for tbl in returns.all_tables():
        committed = json.loads((folder / f"{tbl.name}.json").read_text(encoding="utf-8"))
        assert committed == json.loads(suites.suite_json(suite_for(tbl))), (
            f"expectations/returns/{tbl.name}.json is stale: run make generate"
        )


def test_write_suites_writes_one_file_per_table(spec_forces: frozenset[str], tmp_path: Path) -> None:
    written = suites.write_return_suites(tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{t.name}.json" for t in returns.all_tables())
    loaded = json.loads((tmp_path / "returns" / "cps_defendants.json").read_text(encoding="utf-8"))
    assert loaded["name"] == "returns.cps_defendants"
    assert {"case_urn", "defendant_ref", "_sha256"} <= {
        c for e in loaded["expectations"] for c in e["kwargs"].get("column_list", [])
    }


# --- passing and failing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tbl", returns.all_tables(), ids=lambda t: t.name)
def test_valid_files_pass(spec_forces: frozenset[str], tbl: Table) -> None:
    assert validate_table(tbl, good_frame(tbl)) == {}


def test_dates_as_datetime64_pass_and_fail_like_date_objects(spec_forces: frozenset[str]) -> None:
    tbl = table("police_victims")
    frame = good_frame(tbl)
    frame["identified_date"] = pd.to_datetime(frame["identified_date"])
    frame["_month"] = pd.to_datetime(frame["_month"])
    assert validate_table(tbl, frame) == {}
    frame.loc[frame.index[-1], "identified_date"] = pd.Timestamp("2020-02-01")
    failure = only_failure(validate_table(tbl, frame))
    assert (failure.column, failure.rows) == ("identified_date", [4])


def test_message_names_row_column_value_and_set(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    frame = set_cell(good_frame(tbl), SHA_B, 3, "status", "OPENED")
    failure = only_failure(validate_table(tbl, frame))
    assert failure == Failure(
        expectation="expect_column_values_to_be_in_set",
        column="status",
        rows=[3],
        examples=["OPENED"],
        message=(
            "row 3, column status: value 'OPENED' not in LIVE, SUSPENDED, CLOSED (expect_column_values_to_be_in_set)"
        ),
        reason="value 'OPENED' not in LIVE, SUSPENDED, CLOSED (expect_column_values_to_be_in_set)",
    )


BadRow = Callable[[pd.DataFrame], pd.DataFrame]
CASES: list[tuple[str, str, BadRow, str, str, list[int]]] = [
    (
        "police_operations",
        "required",
        lambda f: set_cell(f, SHA_B, 3, "operation_ref", None),
        "expect_column_values_to_not_be_null",
        "operation_ref",
        [3],
    ),
    (
        "cps_defendants",
        "enum",
        lambda f: set_cell(f, SHA_B, 3, "outcome", "CONVICTED"),
        "expect_column_values_to_be_in_set",
        "outcome",
        [3],
    ),
    (
        "police_operations",
        "minimum",
        lambda f: set_cell(f, SHA_B, 3, "arrests", -1),
        "expect_column_values_to_be_between",
        "arrests",
        [3],
    ),
    (
        "cps_defendants",
        "maximum",
        lambda f: set_cell(f, SHA_B, 3, "cps_area", 15),
        "expect_column_values_to_be_between",
        "cps_area",
        [3],
    ),
    (
        "cps_defendants",
        "unique within file",
        lambda f: set_cell(
            set_cell(f, SHA_B, 3, "case_urn", "CASE_URN-0"), SHA_B, 3, "defendant_ref", "DEFENDANT_REF-0"
        ),
        "expect_compound_columns_to_be_unique",
        "case_urn, defendant_ref",
        [2, 3],
    ),
    (
        "police_victims",
        "within month, after",
        lambda f: set_cell(f, SHA_B, 3, "identified_date", dt.date(2020, 2, 1)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "identified_date",
        [3],
    ),
    (
        "police_victims",
        "within month, before",
        lambda f: set_cell(f, SHA_B, 3, "identified_date", dt.date(2019, 12, 31)),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "identified_date",
        [3],
    ),
    (
        "border_force_referrals",
        "timestamp within month",
        lambda f: set_cell(f, SHA_B, 3, "encountered_at", pd.Timestamp("2020-02-01T00:00:00Z")),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "encountered_at",
        [3],
    ),
    (
        "police_operations",
        "not after month end",
        lambda f: set_cell(set_cell(f, SHA_B, 3, "opened_date", dt.date(2020, 2, 1)), SHA_B, 3, "closed_date", None),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "opened_date",
        [3],
    ),
    (
        "police_operations",
        "not before",
        lambda f: set_cell(
            set_cell(f, SHA_B, 3, "opened_date", dt.date(2020, 1, 20)), SHA_B, 3, "closed_date", IN_MONTH
        ),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "closed_date",
        [3],
    ),
    (
        "police_operations",
        "required when CLOSED",
        lambda f: set_cell(set_cell(f, SHA_B, 3, "status", "CLOSED"), SHA_B, 3, "closed_date", None),
        "expect_column_values_to_not_be_null",
        "closed_date",
        [3],
    ),
    (
        "police_victims",
        "required when true",
        lambda f: set_cell(set_cell(f, SHA_B, 3, "nrm_referred", True), SHA_B, 3, "nrm_referral_date", None),
        "expect_column_values_to_not_be_null",
        "nrm_referral_date",
        [3],
    ),
    (
        "police_operations",
        "matches path",
        lambda f: set_cell(f, SHA_B, 3, "force_code", "E23000002"),
        "expect_column_pair_values_to_be_equal",
        "force_code",
        [3],
    ),
    (
        "glaa_investigations",
        "force code",
        lambda f: set_cell(f, SHA_B, 3, "force_code", "E99999999"),
        "expect_column_values_to_be_in_set",
        "force_code",
        [3],
    ),
    (
        "cps_defendants",
        "police force code",
        lambda f: set_cell(f, SHA_B, 3, "police_force_code", "MET"),
        "expect_column_values_to_be_in_set",
        "police_force_code",
        [3],
    ),
]


@pytest.mark.parametrize(
    ("table_name", "kind", "spoil", "expectation", "column", "rows"), CASES, ids=[c[1] for c in CASES]
)
def test_one_bad_row_fails_its_file_only(
    spec_forces: frozenset[str],
    table_name: str,
    kind: str,
    spoil: BadRow,
    expectation: str,
    column: str,
    rows: list[int],
) -> None:
    tbl = table(table_name)
    failure = only_failure(validate_table(tbl, spoil(good_frame(tbl))))
    assert (failure.expectation, failure.column, failure.rows) == (expectation, column, rows)
    assert failure.message.startswith(f"{'row' if len(rows) == 1 else 'rows'} {', '.join(map(str, rows))}, ")
    assert f"column {column}: " in failure.message
    assert failure.message.endswith(f"({expectation})")


def test_required_when_ignores_rows_where_the_condition_does_not_hold(spec_forces: frozenset[str]) -> None:
    tbl = table("police_victims")
    frame = set_cell(good_frame(tbl), SHA_B, 3, "nrm_referred", None)
    frame = set_cell(frame, SHA_B, 3, "nrm_referral_date", None)
    frame = set_cell(frame, SHA_A, 3, "nrm_referral_date", None)
    assert validate_table(tbl, frame) == {}


def test_timestamps_compare_in_utc(spec_forces: frozenset[str]) -> None:
    tbl = table("border_force_referrals")
    late_evening = pd.Timestamp("2020-02-01T00:30:00+01:00")  # 23:30 UTC on 31 January
    assert validate_table(tbl, set_cell(good_frame(tbl), SHA_B, 3, "encountered_at", late_evening)) == {}


def test_messages_for_date_rules_name_the_month_and_the_other_value(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    frame = set_cell(good_frame(tbl), SHA_A, 2, "opened_date", dt.date(2020, 2, 3))
    frame = set_cell(frame, SHA_A, 2, "closed_date", None)
    frame = set_cell(frame, SHA_B, 4, "opened_date", dt.date(2020, 1, 20))
    result = validate_table(tbl, frame)
    assert [f.message for f in result[SHA_A]] == [
        "row 2, column opened_date: value 2020-02-03 after the end of the reporting month 2020-01 "
        "(expect_column_pair_values_a_to_be_greater_than_b)"
    ]
    assert [f.message for f in result[SHA_B]] == [
        "row 4, column closed_date: value 2020-01-10 before opened_date 2020-01-20 "
        "(expect_column_pair_values_a_to_be_greater_than_b)"
    ]


def test_several_bad_rows_are_listed_with_distinct_examples(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    frame = good_frame(tbl, rows=5)
    for row, value in ((2, "OPENED"), (4, "SHUT"), (6, "OPENED")):
        frame = set_cell(frame, SHA_A, row, "status", value)
    failure = only_failure(validate_table(tbl, frame), SHA_A)
    assert failure.rows == [2, 4, 6]
    assert failure.examples == ["OPENED", "SHUT"]
    assert failure.message.startswith("rows 2, 4, 6, column status: values 'OPENED', 'SHUT' not in ")


def test_many_small_files_in_one_validation(spec_forces: frozenset[str]) -> None:
    tbl = table("cps_defendants")
    shas = tuple(f"{n:064x}" for n in range(300))
    frame = good_frame(tbl, files=shas, rows=20)
    frame = set_cell(frame, shas[123], 9, "cps_area", 0)
    result = validate_table(tbl, frame)
    assert list(result) == [shas[123]]
    assert result[shas[123]][0].rows == [9]


def test_a_frame_missing_a_column_is_refused(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    with pytest.raises(FrameMismatch, match="status"):
        validate_table(tbl, good_frame(tbl).drop(columns=["status"]))


def test_an_empty_frame_passes(spec_forces: frozenset[str]) -> None:
    tbl = table("police_victims")
    assert validate_table(tbl, good_frame(tbl).iloc[0:0]) == {}


# --- results kept for Data Docs ---------------------------------------------------------------------------------------


def test_results_are_kept_and_rendered_without_personal_data(spec_forces: frozenset[str], tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "wh")
    tbl = table("police_victims")
    frame = good_frame(tbl)
    frame["given_name"] = "Zebedee"
    frame = set_cell(frame, SHA_A, 2, "gender", "MAN")
    context = warehouse_context(warehouse)
    assert set(validate_table(tbl, frame, context=context)) == {SHA_A}
    assert validate_table(tbl, good_frame(tbl), context=context) == {}
    kept = sorted(validations_dir(warehouse.gx).rglob("*.json"))
    assert len(kept) == 2
    texts = [p.read_text(encoding="utf-8") for p in kept]
    assert all("Zebedee" not in text for text in texts)
    assert all('"unexpected_list"' not in text for text in texts)  # summaries are kept, not every row
    stored = [r["result"] for text in texts for r in json.loads(text)["results"] if not r["success"]]
    assert [r["partial_unexpected_list"] for r in stored] == [["MAN"]]
    index = docs.build_data_docs(warehouse)
    assert index == warehouse.data_docs / "index.html"
    assert "returns.police_victims" in index.read_text(encoding="utf-8")
    pages = list((warehouse.data_docs / "validations").rglob("*.html"))
    assert len(pages) == 2


def test_data_docs_render_only_what_they_do_not_hold_yet(spec_forces: frozenset[str], tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path / "wh")
    tbl = table("police_victims")
    context = warehouse_context(warehouse)
    validate_table(tbl, good_frame(tbl), context=context)
    index = docs.build_data_docs(warehouse)
    pages = warehouse.data_docs / "validations"
    (first,) = pages.rglob("*.html")
    suite_pages = sorted((warehouse.data_docs / "expectations").rglob("*.html"))
    assert suite_pages
    first.write_text("rendered before", encoding="utf-8")
    suite_pages[0].write_text("rendered before", encoding="utf-8")
    validate_table(tbl, set_cell(good_frame(tbl), SHA_A, 2, "gender", "MAN"), context=context)
    assert docs.build_data_docs(warehouse) == index
    rendered = sorted(pages.rglob("*.html"))
    assert len(rendered) == 2
    assert first.read_text(encoding="utf-8") == "rendered before"  # the older result is not rendered again
    assert suite_pages[0].read_text(encoding="utf-8") == "rendered before"  # nor the unchanged suites
    assert index.read_text(encoding="utf-8").count("returns.police_victims") >= 2  # the index lists both results
    (warehouse.data_docs / docs.RENDERED).unlink()  # without its record the site is rendered again
    docs.build_data_docs(warehouse)
    assert first.read_text(encoding="utf-8") != "rendered before"
    assert suite_pages[0].read_text(encoding="utf-8") != "rendered before"


@pytest.mark.parametrize("name", ["police_victims", "border_force_referrals", "cps_defendants"])
def test_frames_converted_from_arrow_pass_and_fail(spec_forces: frozenset[str], name: str) -> None:
    tbl = table(name)
    frame = good_frame(tbl)
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    assert validate_table(tbl, arrow.to_pandas()) == {}
    column = next(c.name for c in tbl.columns if c.required and not c.is_personal)
    spoiled = set_cell(frame, SHA_A, 4, column, None)
    failure = only_failure(validate_table(tbl, pa.Table.from_pandas(spoiled, preserve_index=False).to_pandas()), SHA_A)
    assert (failure.expectation, failure.column, failure.rows) == ("expect_column_values_to_not_be_null", column, [4])


def test_a_failure_naming_no_rows_fails_every_file(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    suite = suite_for(tbl)
    frame = returns.prepare_frame(tbl, set_cell(good_frame(tbl), SHA_A, 2, "status", "OPENED"), suite)
    result = run_on_frame(validation_context(), suite, returns.DATASOURCE, tbl.name, frame, returns.RESULT_FORMAT)
    for exp_result in result.results:
        exp_result.result.pop("unexpected_index_list", None)
    failures = failures_by_file(tbl, frame, result)
    assert set(failures) == {SHA_A, SHA_B}
    assert [f.column for f in failures[SHA_B]] == ["status"]


def test_a_badly_typed_column_is_refused(spec_forces: frozenset[str]) -> None:
    tbl = table("police_operations")
    with pytest.raises(FrameMismatch, match="arrests"):
        validate_table(tbl, set_cell(good_frame(tbl), SHA_A, 2, "arrests", "three"))


def test_refresh_command_writes_return_and_mart_suites(
    spec_forces: frozenset[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from msdw.quality import marts, reconcile

    assert suites.main(["--write", str(tmp_path)]) == 0
    assert {p.stem for p in (tmp_path / "returns").glob("*.json")} == {t.name for t in returns.all_tables()}
    assert {p.stem for p in (tmp_path / "marts").glob("*.json")} == {m.name for m in marts.mart_tables()} | {
        reconcile.RECONCILIATION
    }
    assert "wrote" in capsys.readouterr().out


def test_retention_removes_quality_records_past_their_period(spec_forces: frozenset[str], tmp_path: Path) -> None:
    from msdw.retention import Policy, purge_quality_results

    warehouse = Warehouse.at(tmp_path / "wh")
    tbl = table("police_victims")
    context = warehouse_context(warehouse)
    validate_table(tbl, set_cell(good_frame(tbl), SHA_A, 2, "gender", "MAN"), context=context)
    docs.build_data_docs(warehouse)
    results, pages = validations_dir(warehouse.gx), warehouse.data_docs / "validations"
    old = {*results.rglob("*.json"), *pages.rglob("*.html")}
    assert len(old) == 2
    made = dt.datetime(2020, 1, 1, tzinfo=dt.UTC).timestamp()
    for path in old:
        os.utime(path, (made, made))
    validate_table(tbl, good_frame(tbl), context=context)
    policy = Policy(superseded_months=24, quarantined_months=12, rejected_months=12, all_years=10)
    assert policy.quality_results_months == 24
    assert set(purge_quality_results(warehouse, policy, dry_run=True)) == old
    assert all(path.exists() for path in old)
    assert set(purge_quality_results(warehouse, policy)) == old
    (kept,) = results.rglob("*.json")
    assert "MAN" not in kept.read_text(encoding="utf-8")
    assert not (warehouse.data_docs / docs.RENDERED).exists()  # the next rendering starts again
    docs.build_data_docs(warehouse)
    assert len(list(pages.rglob("*.html"))) == 1
    assert purge_quality_results(warehouse, policy) == []  # again: nothing older is left
