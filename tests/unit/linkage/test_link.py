"""Linking identifications into persons: the cases the model must get right, incremental runs, stable ids."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from msdw.linkage import LinkageError, link_persons
from msdw.linkage import model as mdl
from msdw.linkage.state import LinkagePaths
from msdw.warehouse import Warehouse
from tests.unit.linkage.cases import CASES, OTHER_JOHN_SMITHS, D, all_records, person_links
from tests.unit.linkage.rawzone import Record, write_raw


@pytest.fixture
def before_june(tmp_path: Path, linked: Warehouse) -> tuple[Warehouse, list[Record]]:
    """A warehouse with every record up to May, linked with the trained model; June's records held back."""
    warehouse = Warehouse.at(tmp_path / "wh")
    paths = LinkagePaths.of(warehouse)
    paths.root.mkdir(parents=True)
    shutil.copy(LinkagePaths.of(linked).model, paths.model)
    records = all_records()
    write_raw(warehouse, [r for r in records if r.identified < D(2019, 6, 1)])
    return warehouse, [r for r in records if r.identified >= D(2019, 6, 1)]


@pytest.mark.parametrize("case", ["exact", "typo", "swapped", "missing_dob", "transliteration", "common_name"])
def test_records_of_one_person_are_linked(linked: Warehouse, case: str):
    links = person_links(linked)
    first, second = CASES[case]
    assert links[first.identification_id] == links[second.identification_id]


def test_different_people_with_the_same_common_name_stay_apart(linked: Warehouse):
    links = person_links(linked)
    john = links[CASES["common_name"][0].identification_id]
    others = {links[r.identification_id] for r in OTHER_JOHN_SMITHS}
    assert john not in others
    assert len(others) == len(OTHER_JOHN_SMITHS)


def test_every_identification_gets_one_person_and_the_model_is_kept(linked: Warehouse):
    links = person_links(linked)
    assert set(links) == {r.identification_id for r in all_records()}
    assert all(pid.startswith("P") for pid in links.values())
    model = json.loads(LinkagePaths.of(linked).model.read_text())
    name = next(c for c in model["comparisons"] if c["output_column_name"] == "name")
    exact = name["comparison_levels"][1]
    assert exact["label_for_charts"] == "Same name tokens, in any order"
    assert exact["m_probability"] > 0.1 > exact["u_probability"]


def test_a_second_run_without_new_records_changes_nothing(linked: Warehouse, tmp_path: Path):
    copy = Warehouse.at(tmp_path / "copy")
    shutil.copytree(linked.root, copy.root)
    before = person_links(copy)
    result = link_persons(copy)
    assert result.new_identifications == 0
    assert result.edges_added == 0
    assert person_links(copy) == before


def test_a_new_month_keeps_existing_ids_and_links_only_the_new_records(before_june):
    warehouse, june = before_june
    first = link_persons(warehouse)
    assert not first.retrained
    before = person_links(warehouse)
    write_raw(warehouse, june)
    second = link_persons(warehouse)
    after = person_links(warehouse)
    assert second.new_identifications == len(june)
    assert {iid: after[iid] for iid in before} == before
    for case in ("exact", "typo", "swapped", "missing_dob", "transliteration", "common_name"):
        old, new = CASES[case]
        assert after[new.identification_id] == before[old.identification_id]
    state = LinkagePaths.of(warehouse).state
    with duckdb.connect(str(state), read_only=True) as con:
        run2 = con.execute("select identification_id_l, identification_id_r from edges where run_id = 2").fetchall()
    june_ids = {r.identification_id for r in june}
    assert run2
    assert all(a in june_ids or b in june_ids for a, b in run2)


def test_a_revised_record_is_linked_again(before_june):
    warehouse, _ = before_june
    link_persons(warehouse)
    old = CASES["typo"][0]  # GLAA, March 2019; revised: written as another person entirely
    revised = Record(old.agency, old.submitter, old.ref, "Gentian", "Doci", D(1972, 2, 2), old.identified, version=2)
    month_rows = [
        r for r in all_records() if (r.agency, r.submitter, r.month) == (old.agency, old.submitter, old.month)
    ]
    write_raw(warehouse, [revised if r.ref == old.ref else Record(**{**r.__dict__, "version": 2}) for r in month_rows])
    result = link_persons(warehouse)
    assert result.new_identifications == 1
    assert result.removed_identifications == 1


def test_scoring_in_passes_gives_the_same_links_as_one_pass(linked: Warehouse, tmp_path: Path):
    warehouse = Warehouse.at(tmp_path / "passes")
    paths = LinkagePaths.of(warehouse)
    paths.root.mkdir(parents=True)
    shutil.copy(LinkagePaths.of(linked).model, paths.model)
    write_raw(warehouse, all_records())
    result = link_persons(warehouse, chunk=7)
    assert result.new_identifications == len(all_records()) > 7 * 3
    assert result.edges_added == _edges(linked)
    assert person_links(warehouse) == person_links(linked)


def _edges(warehouse: Warehouse) -> int:
    with duckdb.connect(str(LinkagePaths.of(warehouse).state), read_only=True) as con:
        return con.execute("select count(*) from edges").fetchall()[0][0]


def test_retraining_on_the_same_records_gives_the_same_model_and_persons(linked: Warehouse, tmp_path: Path):
    copy = Warehouse.at(tmp_path / "copy")
    shutil.copytree(linked.root, copy.root)
    result = link_persons(copy, retrain=True)
    assert result.retrained
    assert result.new_persons == 0
    assert person_links(copy) == person_links(linked)
    first = json.loads(LinkagePaths.of(linked).model.read_text())
    second = json.loads(LinkagePaths.of(copy).model.read_text())
    assert first["comparisons"] == second["comparisons"]


def test_too_few_records_to_train_on_skip_linkage_without_writing_links(tmp_path: Path):
    warehouse = Warehouse.at(tmp_path)
    write_raw(warehouse, list(CASES["exact"]))
    result = link_persons(warehouse)
    assert result.skipped and "more" in result.skipped
    assert not LinkagePaths.of(warehouse).person_links.exists()
    assert not LinkagePaths.of(warehouse).model.exists()


def test_no_pair_sharing_name_and_birth_date_skips_linkage_instead_of_failing(tmp_path: Path):
    """Enough records, some sharing a date of birth, none sharing a name and a date of birth: the chance that two
    records match is estimated as 0, which the model cannot use; linkage waits for more data instead of failing."""
    given = ["Adam", "Bela", "Cyrus", "Dana", "Emil", "Fahad", "Goran", "Hana", "Ivo", "Jana", "Kiri", "Lena"]
    family = ["Abbot", "Berg", "Costa", "Dunn", "Evans", "Gray"]
    records = [
        Record("POLICE", "E23000001", f"R{i}", g, f, D(1980, 1, 1) + dt.timedelta(days=97 * i), D(2019, 1 + i % 6, 3))
        for i, (g, f) in enumerate(((g, f) for g in given for f in family[:5]), start=1)
    ]
    for j, r in enumerate(records[:6]):
        records.append(Record("POLICE", "E23000002", f"S{j}", given[(j + 3) % 12], family[5], r.dob, D(2019, 2, 3)))
        records.append(Record("POLICE", "E23000002", f"T{j}", r.given, r.family, None, D(2019, 3, 3)))
    warehouse = Warehouse.at(tmp_path)
    write_raw(warehouse, records)
    result = link_persons(warehouse)
    assert result.skipped and "name and a date of birth" in result.skipped
    assert not LinkagePaths.of(warehouse).person_links.exists()
    assert not LinkagePaths.of(warehouse).model.exists()


def test_an_unreadable_model_says_how_to_recover(linked: Warehouse, tmp_path: Path):
    copy = Warehouse.at(tmp_path / "copy")
    shutil.copytree(linked.root, copy.root)
    LinkagePaths.of(copy).model.write_text("{not json")
    with pytest.raises(LinkageError, match="retrain"):
        link_persons(copy)


def test_above_its_training_size_the_model_is_trained_on_a_sample_the_same_each_time(linked: Warehouse, tmp_path: Path):
    sampled = mdl.ModelConfig(training_records=len(all_records()) * 3 // 4)
    models = []
    for name in ("first", "second"):
        copy = Warehouse.at(tmp_path / name)
        shutil.copytree(linked.root, copy.root)
        result = link_persons(copy, retrain=True, config=sampled)
        assert result.retrained
        models.append(json.loads(LinkagePaths.of(copy).model.read_text()))
    whole = json.loads(LinkagePaths.of(linked).model.read_text())
    assert models[0]["comparisons"] == models[1]["comparisons"]
    assert models[0]["comparisons"] != whole["comparisons"]
