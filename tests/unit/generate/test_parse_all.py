"""Every file the generator writes goes through the ingestion parser; the files it broke on purpose do not pass."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow.compute as pc
import pytest

from msdw.generate import FaultRates, GenerateSummary, generate
from msdw.generate.writers import MALFORMED
from msdw.parse import ParsedReturn, Parser
from tests.unit.generate.helpers import inbox_files, redelivered_files

KEY = b"generator-tests-key-0123456789ab"
FAILS_TO_PARSE = {"missing_required_column", "not_a_workbook", "missing_sheet", "invalid_json"}


def _parse_all(summary: GenerateSummary) -> dict[tuple[str, str], ParsedReturn]:
    files = [("inbox", rel, p) for rel, p in inbox_files(summary).items()]
    files += [("later", rel, p) for rel, p in redelivered_files(summary).items()]
    results = Parser(KEY).parse_many([(rel, p.read_bytes(), None) for _, rel, p in files])
    return {(where, rel): r for (where, rel, _), r in zip(files, results, strict=True)}


def _broken(summary: GenerateSummary) -> dict[str, str]:
    rows = csv.DictReader((summary.truth / "faults.csv").read_text(encoding="utf-8").splitlines())
    return {r["path"]: r["fault"] for r in rows if r["effect"] == "QUARANTINE"}


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    """Six months with every return broken, so that every kind of breakage occurs."""
    root = tmp_path_factory.mktemp("messy")
    return generate(
        root / "inbox", "2019-01", "2019-06", scale=0.1, seed=7, progress=False, faults=FaultRates(malformed=1.0)
    )


@pytest.fixture(scope="module", params=["demo", "messy"])
def run(request: pytest.FixtureRequest) -> GenerateSummary:
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def parsed(run: GenerateSummary) -> dict[tuple[str, str], ParsedReturn]:
    return _parse_all(run)


@pytest.fixture(scope="module")
def broken(run: GenerateSummary) -> dict[str, str]:
    return _broken(run)


def test_every_kind_of_breakage_occurs(messy: GenerateSummary) -> None:
    assert set(_broken(messy).values()) == {k for kinds in MALFORMED.values() for k in kinds}


def test_every_file_not_broken_on_purpose_parses(parsed: dict, broken: dict[str, str]) -> None:
    failures = {
        key: [str(e) for e in r.errors]
        for key, r in parsed.items()
        if r.errors and not (key[0] == "inbox" and key[1] in broken)
    }
    assert failures == {}


def test_rows_reach_the_parsed_tables(demo: GenerateSummary) -> None:
    rows: dict[str, int] = {}
    for (where, _), r in _parse_all(demo).items():
        if where == "inbox" and not r.errors:
            for name, table in r.tables.items():
                rows[name] = rows.get(name, 0) + table.num_rows
    for name, n in demo.rows.items():
        assert rows.get(name, 0) <= n
        assert rows.get(name, 0) >= n * 0.8, name


def _month_bounds(rel: str) -> tuple[dt.date, dt.date]:
    month = next(part for part in rel.replace("_", "/").replace(".", "/").split("/") if part[:2] == "20")
    start = dt.date(int(month[:4]), int(month[5:7]), 1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def test_broken_files_fail_where_they_were_broken(parsed: dict, broken: dict[str, str]) -> None:
    assert broken
    for rel, fault in broken.items():
        r = parsed[("inbox", rel)]
        if fault in FAILS_TO_PARSE:
            assert r.errors, rel
            continue
        start, end = _month_bounds(rel)
        tables = r.tables
        if r.errors:
            continue  # stricter parsers may already refuse these
        match fault:
            case "force_code_mismatch":
                submitter = rel.split("/")[-1].removesuffix(".csv")
                t = tables["police_operations"]
                assert t.num_rows == 0 or submitter not in t["force_code"].to_pylist()
            case "identified_outside_month":
                dates = tables["police_victims"]["identified_date"].to_pylist()
                assert any(not start <= d < end for d in dates)
            case "duplicate_ref":
                refs = tables["police_victims"]["victim_ref"].to_pylist()
                assert len(refs) != len(set(refs))
            case "closed_without_date":
                t = tables["police_operations"]
                closed = pc.equal(t["status"], "CLOSED")
                assert pc.any(pc.and_(closed, pc.is_null(t["closed_date"]))).as_py()
            case "encountered_outside_month":
                times = tables["border_force_referrals"]["encountered_at"].to_pylist()
                assert any(not start <= t.date() < end for t in times)
            case "finalised_outside_month":
                dates = tables["cps_defendants"]["finalised_date"].to_pylist()
                assert any(not start <= d < end for d in dates)
            case _:
                raise AssertionError(f"unknown fault {fault}")


def test_corrected_resubmissions_parse(parsed: dict, broken: dict[str, str]) -> None:
    for rel in broken:
        later = parsed.get(("later", rel))
        if later is not None:
            assert not later.errors, rel
