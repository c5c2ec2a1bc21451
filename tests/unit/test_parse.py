"""The parsers on every variant of returns.md, and on bad returns."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from msdw.parse import Parser
from tests.fixtures import inbox as fx

KEY = b"test-key-0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def parser() -> Parser:
    return Parser(KEY)


def as_bytes(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def parse(parser: Parser, path: str, content: str | bytes):
    return parser.parse(path, as_bytes(content))


def rows(result, table: str) -> list[dict]:
    return result.tables[table].to_pylist()


def test_police_operations_variants(parser: Parser) -> None:
    path = "police/2018-02/E23000001.csv"
    result = parse(parser, path, fx.GOOD[path])
    assert result.errors == []
    ops = {r["operation_ref"]: r for r in rows(result, "police_operations")}
    assert ops["MET-OP-1"]["opened_date"] == dt.date(2018, 1, 5)  # UK date, BOM, headers out of order
    assert ops["MET-OP-1"]["europol_check"] is True and ops["MET-OP-1"]["jit"] is False
    assert ops["MET-OP-1"]["suspect_nationalities"] == [
        {"nationality_code": "ALB", "suspects": 2},
        {"nationality_code": "GBR", "suspects": 1},
    ]
    assert ops["MET-OP-2"]["closed_date"] is None  # NULL word
    assert ops["MET-OP-2"]["status"] == "SUSPENDED"
    assert ops["MET-OP-3"]["closed_date"] == dt.date(2018, 2, 20)
    assert ops["MET-OP-3"]["jit"] is True
    assert ops["MET-OP-1"]["_row"] == 2
    # Romanian:3 against 4 suspects: a warning naming the row and column, not an error.
    sums = [w for w in result.warnings if w.column == "suspect_nationalities"]
    assert len(sums) == 1 and sums[0].row == 4


def test_police_victims_cp1252_and_pseudonyms(parser: Parser) -> None:
    path = "police/2018-02/E23000001_victims.csv"
    result = parse(parser, path, fx.GOOD[path])
    assert result.errors == []
    victims = {r["victim_ref"]: r for r in rows(result, "police_victims")}
    assert set(victims) == {"MET-V-1", "MET-V-2", "MET-V-3", "MET-V-4", "MET-V-5"}
    v1, v2, v3, v4, v5 = (victims[f"MET-V-{i}"] for i in range(1, 6))
    assert (v1["nationality"], v2["nationality"], v3["nationality"], v4["nationality"]) == ("POL", "IRL", "VNM", "ALB")
    assert v5["nationality"] == "UNK"
    assert any(w.column == "nationality" and w.row == 6 for w in result.warnings)
    assert any(w.column == "notes" for w in result.warnings)  # unknown column kept in the archive, warned
    assert (v1["gender"], v2["gender"]) == ("FEMALE", "MALE")
    assert v2["exploitation_type"] == "CRIMINAL"
    assert v2["nrm_referral_date"] == dt.date(2018, 2, 5)
    assert v3["crime_recorded"] is None and v4["crime_recorded"] is True
    # Age at identification from the date of birth, else the estimate.
    assert (v1["age_at_identification"], v1["age_source"]) == (27, "DATE_OF_BIRTH")
    assert (v3["age_at_identification"], v3["age_source"]) == (16, "ESTIMATE")
    assert v4["age_at_identification"] == 14
    assert (v1["birth_year"], v1["birth_month"]) == (1990, 7)
    # Same date of birth in two spellings gives one pseudonym; names are gone.
    assert v1["dob_key"] == v2["dob_key"] is not None
    assert "given_name" not in result.tables["police_victims"].column_names
    assert "date_of_birth" not in result.tables["police_victims"].column_names
    text = json.dumps(rows(result, "police_victims"), default=str)
    for secret in (*fx.NAMES, *fx.DATES_OF_BIRTH):
        assert secret.upper() not in text.upper()


def test_swapped_names_share_tokens_and_key_matters(parser: Parser) -> None:
    header = fx.VICTIMS_HEADER + "\n"
    body = (
        "V1,,Thi Lan,Nguyen,,30,F,VNM,LABOUR,2018-02-01,N,,N,N,\n"
        "V2,,Nguyen,Thi Lan,,30,F,VNM,LABOUR,2018-02-01,N,,N,N,\n"
        "V3,,Thi Lan,Nguyenn,,30,F,VNM,LABOUR,2018-02-01,N,,N,N,\n"
    )
    result = parse(parser, "police/2018-02/E23000010_victims.csv", header + body)
    v1, v2, v3 = rows(result, "police_victims")
    assert v1["name_token_keys"] == v2["name_token_keys"]
    assert v1["given_name_key"] != v2["given_name_key"]
    assert v1["name_phonetic_keys"] == v3["name_phonetic_keys"]  # a typo keeps the sound
    shared = set(v1["name_gram_keys"]) & set(v3["name_gram_keys"])
    assert len(shared) >= len(v1["name_gram_keys"]) - 1
    other = Parser(b"another-key-0123456789abcdef0123")
    again = rows(other.parse("police/2018-02/E23000010_victims.csv", (header + body).encode()), "police_victims")
    assert again[0]["given_name_key"] != v1["given_name_key"]


def test_cps_money_and_dates(parser: Parser) -> None:
    path = "cps/cps_msht_2018-02.csv"
    result = parse(parser, path, fx.GOOD[path])
    assert result.errors == []
    d1, d2 = rows(result, "cps_defendants")
    assert d1["confiscation_order_gbp"] == Decimal("1234.50")
    assert d2["confiscation_order_gbp"] == Decimal("0")
    assert d2["finalised_date"] == dt.date(2018, 2, 14)
    assert d1["cps_area"] == 4 and d1["stpo_made"] is True


def test_glaa_titles_totals_and_cover(parser: Parser) -> None:
    result = parse(parser, "glaa/GLAA_2018-02.xlsx", fx.glaa_workbook("2018-02", total_off=True))
    assert result.errors == []
    inv = rows(result, "glaa_investigations")
    assert [r["investigation_ref"] for r in inv] == ["GLAA-I-1", "GLAA-I-2"]  # title skipped, Total row dropped
    assert inv[0]["money_recovered_gbp"] == Decimal("1000.00")
    assert inv[1]["withheld_wages_identified_gbp"] == Decimal("99.99")
    assert inv[0]["sector"] == "AGRICULTURE" and inv[0]["opened_date"] == dt.date(2017, 9, 1)
    totals = [w for w in result.warnings if w.column == "workers_identified"]
    assert totals and "Total row says 7" in totals[0].message
    workers = rows(result, "glaa_workers")
    assert [w["nationality"] for w in workers] == ["POL", "XKX"]
    assert rows(result, "glaa_inspections")[0]["outcome"] == "COMPLIANT"
    clean = parse(parser, "glaa/GLAA_2018-02.xlsx", fx.glaa_workbook("2018-02"))
    assert not [w for w in clean.warnings if "Total" in w.message]


def test_glaa_messages_name_the_row_the_sender_sees(parser: Parser) -> None:
    def edit(wb) -> None:
        wb["Inspections"].insert_rows(1, 3)  # three empty rows above the header: it is on row 4
        wb["Inspections"]["B5"] = "not a date"  # inspection_date of GLAA-S-1

    result = parse(parser, "glaa/GLAA_2018-02.xlsx", fx.edited_glaa_workbook("2018-02", edit))
    [error] = result.errors
    assert error.column == "inspection_date" and error.row == 5 and "[Inspections]" in error.file


def test_glaa_blank_cells_read_as_missing(parser: Parser) -> None:
    def edit(wb) -> None:
        wb["Inspections"].insert_rows(1, 3)
        wb["Inspections"]["D5"] = None  # licence_number of GLAA-S-1

    result = parse(parser, "glaa/GLAA_2018-02.xlsx", fx.edited_glaa_workbook("2018-02", edit))
    assert result.errors == []
    [inspection] = rows(result, "glaa_inspections")
    assert inspection["inspection_ref"] == "GLAA-S-1" and inspection["licence_number"] is None


def test_glaa_cover_month_disagreeing_with_path(parser: Parser) -> None:
    result = parse(parser, "glaa/GLAA_2018-03.xlsx", fx.glaa_workbook("2018-03", cover_month="2018-04"))
    assert result.tables == {}
    assert "disagrees with its path" in result.errors[0].message


def test_border_force_nested_json(parser: Parser) -> None:
    result = parse(parser, "border_force/bf_referrals_2018-02.jsonl", fx.bf_lines("2018-02"))
    assert result.errors == []
    r1, r2 = rows(result, "border_force_referrals")
    assert r1["encountered_at"] == dt.datetime(2018, 2, 3, 14, 22)
    assert r2["encountered_at"] == dt.datetime(2018, 2, 10, 0, 0)  # +01:00 to UTC
    assert (r1["nationality"], r2["nationality"]) == ("VNM", "ERI")
    assert (r1["gender"], r2["gender"]) == ("FEMALE", "MALE")
    assert r2["exploitation_indicators"] == ["LABOUR", "CRIMINAL"]
    assert r1["is_child"] is False and r2["is_child"] is True
    assert r1["age_at_identification"] == 16 and r2["age_at_identification"] is None


def test_malformed_json_line_names_the_line(parser: Parser) -> None:
    result = parse(parser, "border_force/bf_referrals_2018-03.jsonl", fx.bf_lines("2018-03", broken=True))
    assert result.tables == {}
    assert result.errors[0].row == 2 and "not valid JSON" in result.errors[0].message


@pytest.mark.parametrize(
    ("path", "row", "column", "words"),
    [
        ("police/2018-02/E23000005_victims.csv", 2, "identified_date", "not a valid date"),
        ("police/2018-02/E23000005.csv", 1, "status", "required column(s) missing"),
        ("police/2018-02/E23000006.csv", None, None, "UTF-16"),
    ],
)
def test_bad_returns_name_row_and_column(parser: Parser, path: str, row: int, column: str, words: str) -> None:
    result = parse(parser, path, fx.BAD[path])
    assert result.tables == {}
    error = result.errors[0]
    assert words in error.message
    assert (error.row, error.column) == (row, column) or column is None
    assert error.file == path


def test_personal_values_withheld_from_errors(parser: Parser) -> None:
    body = fx.VICTIMS_HEADER + "\nV1,,Zofia,Kowalczyk,1990-31-12,,F,POL,LABOUR,2018-02-01,N,,N,N,\n"
    result = parse(parser, "police/2018-02/E23000010_victims.csv", body)
    assert result.errors and result.errors[0].column == "date_of_birth"
    assert "1990-31-12" not in str(result.errors[0]) and "withheld" in str(result.errors[0])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"operation_ref,operation_ref\nA,B\n", "appears twice"),
        ((fx.POLICE_OPS_HEADER + "\nA,E23000010,POLICE\n").encode(), "expected 15 cells, found 3"),
        (b"\x81\x8d\x8f\x90\x9d", "neither UTF-8 nor Windows-1252"),
    ],
)
def test_unreadable_files(parser: Parser, content: bytes, words: str) -> None:
    result = parser.parse("police/2018-02/E23000010.csv", content)
    assert result.tables == {} and words in result.errors[0].message


def test_unknown_force_code_in_path(parser: Parser) -> None:
    result = parse(parser, "police/2018-02/X-NOPE.csv", fx.POLICE_OPS_HEADER + "\n")
    assert "unknown force" in result.errors[0].message


def test_empty_victims_return_has_typed_empty_table(parser: Parser) -> None:
    result = parse(parser, "police/2018-02/E23000002_victims.csv", fx.VICTIMS_HEADER + "\n")
    assert result.errors == [] and result.tables["police_victims"].num_rows == 0
    assert "name_token_keys" in result.tables["police_victims"].column_names


def test_glaa_investigation_counts_checked_against_workers(parser: Parser) -> None:
    result = parse(parser, "glaa/GLAA_2018-02.xlsx", fx.glaa_workbook("2018-02"))
    by_column = {w.column: w.message for w in result.warnings if "adds up to" in w.message}
    # Investigations say 2 workers, 1 referral, 1 DtN; the Workers sheet has 2 workers, 1 referred, 1 DtN.
    assert by_column == {}
    broken = fx.glaa_workbook("2018-02", workers=1)
    result = parse(parser, "glaa/GLAA_2018-02.xlsx", broken)
    by_column = {w.column: w.message for w in result.warnings if "adds up to" in w.message}
    assert "workers_identified" in by_column and "has 1 rows" in by_column["workers_identified"]


def test_empty_border_force_month_is_a_return_with_no_rows(parser: Parser) -> None:
    result = parse(parser, "border_force/bf_referrals_2018-04.jsonl", b"")
    assert result.errors == [] and result.tables["border_force_referrals"].num_rows == 0
