"""What ``generate`` writes: every return in the formats of returns.md, reproducibly, with its ground truth."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest

from msdw.generate import FaultRates, GenerateSummary, generate, redeliver
from msdw.generate.months import first_day, month_text, parse_month
from msdw.sources import SOURCES
from msdw.sources.catalogue import BORDER_FORCE_REFERRALS, GLAA, POLICE_VICTIMS
from tests.unit.generate.conftest import DEMO
from tests.unit.generate.helpers import inbox_files, redelivered_files


def _faults(summary: GenerateSummary) -> list[dict[str, str]]:
    return list(csv.DictReader((summary.truth / "faults.csv").read_text(encoding="utf-8").splitlines()))


def _kind(relpath: str) -> tuple[str, str, str]:
    for src in SOURCES:
        for kind in src.files:
            m = kind.regex.fullmatch(relpath)
            if m:
                return src.name, kind.part, m["month"]
    raise AssertionError(f"{relpath} fits no pattern")


def test_every_source_and_month_is_written(demo: GenerateSummary) -> None:
    files = inbox_files(demo)
    seen = {_kind(rel) for rel in files}
    for month in ("2019-01", "2019-02", "2019-03", "2019-04", "2019-05", "2019-06"):
        for source, part in (
            ("glaa", "main"),
            ("border_force", "main"),
            ("cps", "main"),
            ("police", "victims"),
            ("police", "operations"),
        ):
            missing = {f["path"] for f in _faults(demo) if f["effect"] == "MISSING"}
            assert (source, part, month) in seen or any(month in p and source in p for p in missing)


def test_police_files_per_month_stay_few_in_the_demo(demo: GenerateSummary) -> None:
    per_month = sum(1 for rel in inbox_files(demo) if rel.startswith("police/2019-03/"))
    assert 10 <= per_month <= 60


def test_demo_exercises_faults(demo: GenerateSummary) -> None:
    kinds = {f["effect"] for f in _faults(demo)}
    assert {"LATE", "MISSING", "QUARANTINE", "REVISION", "DUPLICATE", "WARNING"} <= kinds


def test_same_seed_same_bytes_and_times(demo: GenerateSummary, tmp_path: Path) -> None:
    again = generate(tmp_path / "inbox", progress=False, **DEMO)
    first, second = inbox_files(demo), inbox_files(again)
    assert list(first) == list(second)
    for rel, path in first.items():
        assert path.read_bytes() == second[rel].read_bytes(), rel
        assert path.stat().st_mtime == second[rel].stat().st_mtime, rel
    for name in ("persons.csv", "faults.csv", "redeliveries.csv"):
        assert (demo.truth / name).read_bytes() == (again.truth / name).read_bytes()
    assert {r: p.read_bytes() for r, p in redelivered_files(demo).items()} == {
        r: p.read_bytes() for r, p in redelivered_files(again).items()
    }


def test_another_seed_another_world(tmp_path: Path) -> None:
    clean = FaultRates.none()
    a = generate(tmp_path / "a" / "inbox", "2019-01", "2019-01", scale=0.05, seed=1, progress=False, faults=clean)
    b = generate(tmp_path / "b" / "inbox", "2019-01", "2019-01", scale=0.05, seed=2, progress=False, faults=clean)
    name = "police/2019-01/E23000001_victims.csv"
    assert (a.inbox / name).read_bytes() != (b.inbox / name).read_bytes()
    assert (a.truth / "persons.csv").read_bytes() != (b.truth / "persons.csv").read_bytes()


def test_received_times_follow_the_due_date(demo: GenerateSummary) -> None:
    late = {f["path"] for f in _faults(demo) if f["fault"] == "late"}
    assert late
    for rel, path in inbox_files(demo).items():
        _, _, month = _kind(rel)
        due = dt.datetime.combine(
            dt.date.fromordinal(dt.date(1970, 1, 1).toordinal() + first_day(parse_month(month) + 1) + 15),
            dt.time(),
            tzinfo=dt.UTC,
        ).timestamp()
        received = path.stat().st_mtime
        assert (received >= due) == (rel in late), rel
        assert received > due - 40 * 86_400


def test_redeliveries_are_revisions_corrections_or_duplicates(demo: GenerateSummary) -> None:
    later = redelivered_files(demo)
    manifest = list(csv.DictReader((demo.truth / "redeliveries.csv").read_text().splitlines()))
    assert {m["path"] for m in manifest} == set(later)
    inbox = inbox_files(demo)
    for m in manifest:
        first, second = inbox[m["path"]], later[m["path"]]
        assert second.stat().st_mtime > first.stat().st_mtime
        same = first.read_bytes() == second.read_bytes()
        assert same == (m["kind"] == "duplicate"), m


def test_redeliver_puts_later_versions_in_the_inbox(tmp_path: Path) -> None:
    s = generate(
        tmp_path / "inbox",
        "2019-01",
        "2019-02",
        scale=0.05,
        seed=3,
        progress=False,
        faults=FaultRates(revised=0.5, late=0, missing=0, malformed=0, duplicate=0),
    )
    moved = redeliver(s.inbox, s.truth)
    assert moved
    for rel in moved:
        assert (s.inbox / rel).read_bytes() == (s.truth / "redeliveries" / rel).read_bytes()
        assert (s.inbox / rel).stat().st_mtime == (s.truth / "redeliveries" / rel).stat().st_mtime


def _victim_ids(summary: GenerateSummary, files: dict[str, Path]) -> set[str]:
    ids: set[str] = set()
    for rel, path in files.items():
        source, part, _ = _kind(rel)
        content = path.read_bytes()
        if source == "police" and part == "victims":
            text = content.decode("utf-8-sig") if _utf8(content) else content.decode("cp1252")
            rows = list(csv.reader(io.StringIO(text)))
            col = [h.strip().lower() for h in rows[0]].index("victim_ref")
            submitter = rel.split("/")[-1].removesuffix("_victims.csv")
            ids |= {f"POLICE:{submitter}:{r[col]}" for r in rows[1:] if r}
        elif source == "border_force":
            ids |= {
                f"BORDER_FORCE:BF:{json.loads(line)['referral_id']}"
                for line in content.decode().splitlines()
                if line.strip()
            }
    return ids


def _utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def test_ground_truth_names_every_victim_record(clean: GenerateSummary) -> None:
    rows = list(csv.DictReader((clean.truth / "persons.csv").read_text().splitlines()))
    truth = {r["identification_id"]: r["true_person_id"] for r in rows}
    assert len(truth) == len(rows) == clean.victim_records
    written = _victim_ids(clean, inbox_files(clean))
    assert written <= set(truth)
    glaa = {i for i in truth if i.startswith("GLAA:GLAA:GLAA-W-")}
    assert len(truth) == len(written) + len(glaa)
    assert all(i.split(":")[0] in ("POLICE", "GLAA", "BORDER_FORCE") for i in truth)


def test_clean_data_is_canonical(clean: GenerateSummary) -> None:
    assert len(_faults(clean)) == 0
    assert not redelivered_files(clean)
    for rel, path in inbox_files(clean).items():
        source, part, month = _kind(rel)
        if source == "police" and part == "victims":
            content = path.read_bytes()
            assert not content.startswith(b"\xef\xbb\xbf")
            rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
            assert list(rows[0] if rows else csv.reader(io.StringIO(content.decode())).__next__()) == [
                c.name for c in POLICE_VICTIMS.columns
            ]
            for r in rows:
                assert len(r["nationality"]) == 3 and r["nationality"].isupper()
                assert r["identified_date"].startswith(month)


def test_legal_variants_appear(demo: GenerateSummary) -> None:
    headers, uk_dates, booleans = set(), 0, set()
    for rel, path in inbox_files(demo).items():
        if rel.endswith(".csv"):
            content = path.read_bytes()
            text = content.decode("utf-8-sig") if _utf8(content) else content.decode("cp1252")
            first = text.splitlines()[0]
            headers.add("upper" if first.isupper() else "lower" if first.islower() else "mixed")
            uk_dates += "/2019," in text
            booleans |= {b for b in (",Yes,", ",TRUE,", ",Y,", ",1,", ",NO,", ",y,") if b in text}
    assert len(headers) >= 2
    assert uk_dates > 0
    assert len(booleans) >= 2


def test_windows_1252_forces(tmp_path: Path) -> None:
    s = generate(
        tmp_path / "inbox", "2019-01", "2019-03", scale=0.3, seed=5, progress=False, faults=FaultRates(cp1252=1.0)
    )
    police = [p.read_bytes() for rel, p in inbox_files(s).items() if rel.endswith("_victims.csv")]
    non_ascii = [c for c in police if any(b >= 0x80 for b in c)]
    assert non_ascii
    assert not any(_utf8(c) for c in non_ascii)
    assert all(c.decode("cp1252") for c in non_ascii)


def test_glaa_workbook_follows_the_description(demo: GenerateSummary) -> None:
    path = demo.inbox / "glaa" / "GLAA_2019-02.xlsx"
    wb = openpyxl.load_workbook(path, read_only=True)
    kind = GLAA.files[0]
    assert wb.sheetnames == ["Cover", *[t.sheet for t in kind.tables]]
    labels = {row[0] for row in wb["Cover"].iter_rows(values_only=True) if row}
    assert {label for label, _ in kind.cover} <= labels
    for table in kind.tables:
        rows = [r for r in wb[table.sheet].iter_rows(values_only=True)]
        header = next(r for r in rows if r and isinstance(r[0], str) and r[0].strip().lower() == table.columns[0].name)
        assert [str(h).strip().lower() for h in header] == [c.name for c in table.columns]


def test_border_force_objects_follow_the_description(demo: GenerateSummary) -> None:
    path = demo.inbox / "border_force" / "bf_referrals_2019-04.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        for col in BORDER_FORCE_REFERRALS.columns:
            value: object = obj
            for part in (col.json_path or col.name).split("."):
                assert isinstance(value, dict) and part in value, col.name
                value = value[part]
        at = dt.datetime.fromisoformat(obj["encountered_at"].replace("Z", "+00:00"))
        assert month_text(parse_month(f"{at.astimezone(dt.UTC):%Y-%m}")) == "2019-04"


@pytest.mark.parametrize("bad", [{"start": "2019-06", "end": "2019-01"}, {"scale": 0.0}])
def test_bad_requests_are_refused(tmp_path: Path, bad: dict) -> None:
    from msdw.generate import GenerateError

    args = {"start": "2019-01", "end": "2019-02", "scale": 0.05} | bad
    with pytest.raises(GenerateError):
        generate(tmp_path / "inbox", progress=False, **args)


def test_output_does_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    runs = [
        generate(tmp_path / f"w{n}" / "inbox", "2019-01", "2019-04", scale=0.05, seed=9, progress=False, workers=n)
        for n in (1, 2)
    ]
    one, two = (inbox_files(r) for r in runs)
    assert list(one) == list(two)
    for rel, path in one.items():
        assert path.read_bytes() == two[rel].read_bytes(), rel
        assert path.stat().st_mtime == two[rel].stat().st_mtime, rel
    for name in ("persons.csv", "faults.csv", "redeliveries.csv"):
        assert (runs[0].truth / name).read_bytes() == (runs[1].truth / name).read_bytes()


def test_long_columns_are_written_as_short_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns of many rows go through Arrow, short ones through plain Python: the bytes must not differ."""
    from msdw.generate import values

    args = {"start": "2019-01", "end": "2019-02", "scale": 0.3, "seed": 11, "progress": False, "workers": 1}
    plain = generate(tmp_path / "plain" / "inbox", **args)
    monkeypatch.setattr(values, "VECTOR_FROM", 1)
    arrow = generate(tmp_path / "arrow" / "inbox", **args)
    first, second = inbox_files(plain), inbox_files(arrow)
    assert list(first) == list(second)
    for rel, path in first.items():
        assert path.read_bytes() == second[rel].read_bytes(), rel
