from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msdw import reference
from msdw.reference import ReferenceDataError
from msdw.sources import codes
from msdw.sources.document import RETURNS_DOC

RETURNS_SPEC = RETURNS_DOC  # docs/returns.md, generated from the descriptions and the seeds
ENGLAND_AND_WALES = ("England", "Wales")
REGIONS = {
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
    "Wales",
    "Scotland",
    "Northern Ireland",
}
NATIONS = {"England", "Wales", "Scotland", "Northern Ireland"}
ROCU_CODES = {"R-NE", "R-NW", "R-YH", "R-EM", "R-WM", "R-E", "R-SE", "R-SW", "R-W"}
CPS_AREA_OF = {
    "Cumbria": 8,
    "Lancashire": 8,
    "Greater Manchester": 8,
    "Merseyside": 6,
    "Cheshire": 6,
    "Kent": 9,
    "Surrey": 9,
    "Sussex": 9,
    "Thames Valley": 11,
    "Bedfordshire": 11,
    "Hertfordshire": 11,
    "Hampshire": 12,
    "Dorset": 12,
    "Wiltshire": 12,
    "Avon & Somerset": 10,
    "Devon & Cornwall": 10,
    "Gloucestershire": 10,
    "Cambridgeshire": 3,
    "Essex": 3,
    "Norfolk": 3,
    "Suffolk": 3,
    "Northumbria": 7,
    "Durham": 7,
    "Cleveland": 7,
    "West Yorkshire": 14,
    "South Wales": 1,
}


def spec_force_codes() -> set[str]:
    text = RETURNS_SPEC.read_text(encoding="utf-8")
    section = text.split("## Force and unit codes", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"\b(?:[EW]\d{8}|X-[A-Z]+|R-[A-Z]+)\b", section))


def spec_cps_areas() -> dict[int, str]:
    text = RETURNS_SPEC.read_text(encoding="utf-8")
    line = text.split("CPS Areas:", 1)[1].split("\n\n", 1)[0]
    return {
        int(number): name.strip().rstrip(".")
        for number, name in re.findall(r"(\d+) ([^,\d]+)", line.replace("\n", " "))
    }


# --- forces, ports, CPS Areas ----------------------------------------------------------------------------------------


def test_spec_lists_the_expected_number_of_codes() -> None:
    assert len(spec_force_codes()) == 43 + 3 + 9


def test_every_force_code_of_the_spec_is_present_and_nothing_else() -> None:
    assert reference.force_codes() == frozenset(spec_force_codes())


def test_every_force_has_region_nation_and_kind() -> None:
    for force in reference.forces().values():
        assert force.region in REGIONS, force
        assert force.nation in NATIONS, force
        assert force.kind in {"TERRITORIAL", "ROCU", "SPECIAL"}, force
        assert force.force_name


def test_forces_of_england_and_wales_have_a_cps_area_and_others_none() -> None:
    areas = reference.cps_areas()
    for force in reference.forces().values():
        if force.nation in ENGLAND_AND_WALES:
            assert force.cps_area is not None and 1 <= force.cps_area <= 14, force
            assert force.cps_area in areas
        else:
            assert force.cps_area is None, force


@pytest.mark.parametrize(("name", "area"), sorted(CPS_AREA_OF.items()))
def test_forces_lie_in_their_cps_area(name: str, area: int) -> None:
    by_name = {force.force_name: force for force in reference.forces().values()}
    assert by_name[name].cps_area == area


def test_london_forces_share_one_london_area() -> None:
    forces = reference.forces()
    assert forces["E23000001"].cps_area == forces["E23000034"].cps_area
    assert reference.cps_areas()[forces["E23000001"].cps_area].startswith("London")


def test_welsh_forces_are_in_wales_and_cymru() -> None:
    welsh = [force for code, force in reference.forces().items() if code.startswith("W15")]
    assert len(welsh) == 4
    assert {(force.nation, force.region, force.cps_area, force.rocu_code) for force in welsh} == {
        ("Wales", "Wales", 1, "R-W")
    }


def test_special_units_are_placed_as_specified() -> None:
    forces = reference.forces()
    assert forces["X-BTP"].nation == "England" and forces["X-BTP"].kind == "SPECIAL"
    assert (forces["X-PSCOT"].nation, forces["X-PSCOT"].region) == ("Scotland", "Scotland")
    assert (forces["X-PSNI"].nation, forces["X-PSNI"].region) == ("Northern Ireland", "Northern Ireland")


def test_each_rocu_serves_its_own_region_and_takes_its_largest_force_area() -> None:
    forces = reference.forces()
    rocus = {code: force for code, force in forces.items() if force.kind == "ROCU"}
    assert set(rocus) == ROCU_CODES
    for code, rocu in rocus.items():
        assert rocu.rocu_code == code
        members = [f for f in forces.values() if f.kind == "TERRITORIAL" and f.rocu_code == code]
        assert members, code
        assert {member.region for member in members} == {rocu.region}
        largest = max(members, key=lambda force: force.population_weight)
        assert rocu.cps_area == largest.cps_area


def test_every_force_of_a_region_with_a_rocu_points_to_it() -> None:
    rocu_of_region = {force.region: code for code, force in reference.forces().items() if force.kind == "ROCU"}
    for force in reference.forces().values():
        assert force.rocu_code == rocu_of_region.get(force.region) or force.kind == "SPECIAL", force


def test_population_weights_make_the_metropolitan_police_largest_and_units_small() -> None:
    forces = reference.forces()
    weights = {code: force.population_weight for code, force in forces.items()}
    assert all(weight > 0 for weight in weights.values())
    assert max(weights, key=weights.__getitem__) == "E23000001"
    territorial = sorted(f.population_weight for f in forces.values() if f.kind == "TERRITORIAL")
    median = territorial[len(territorial) // 2]
    for force in forces.values():
        if force.kind != "TERRITORIAL":
            assert force.population_weight < median / 2, force


def test_cps_areas_are_those_of_the_spec() -> None:
    assert reference.cps_areas() == spec_cps_areas()
    assert sorted(reference.cps_areas()) == list(range(1, 15))


def test_every_port_of_the_spec_lies_in_a_known_force() -> None:
    ports = reference.ports()
    assert set(ports) == set(codes.PORTS)
    known = reference.force_codes()
    for port in ports.values():
        assert port.force_code in known, port


@pytest.mark.parametrize(
    ("port", "force_name"),
    [("LHR", "Metropolitan Police"), ("DOV", "Kent"), ("HLY", "North Wales"), ("GLA", "Police Scotland")],
)
def test_ports_lie_in_the_right_force(port: str, force_name: str) -> None:
    assert reference.forces()[reference.ports()[port].force_code].force_name == force_name


@pytest.mark.parametrize(
    ("seed", "key", "expected"),
    [
        ("exploitation_types", "exploitation_type", codes.EXPLOITATION_TYPES),
        ("sectors", "sector", codes.SECTORS),
        ("agencies", "agency_code", ("POLICE", "GLAA", "BORDER_FORCE", "CPS")),
    ],
)
def test_code_seeds_match_the_code_lists(seed: str, key: str, expected: tuple[str, ...]) -> None:
    rows = reference.read_seed(seed)
    assert [row[key] for row in rows] == list(expected)
    assert all(all(value for value in row.values()) for row in rows)


# --- nationalities ---------------------------------------------------------------------------------------------------


def test_nationalities_cover_iso_3166_plus_kosovo_and_unknown() -> None:
    nationalities = reference.nationalities()
    assert len(nationalities) == 249 + 2
    assert nationalities["XKX"].nationality_name == "Kosovo"
    assert nationalities["UNK"].alpha2 is None
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in nationalities)
    alpha2 = [n.alpha2 for n in nationalities.values() if n.alpha2 is not None]
    assert len(alpha2) == len(set(alpha2)) == 250
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in alpha2)


def test_every_country_has_a_demonym() -> None:
    missing = [code for code, n in reference.nationalities().items() if not n.demonyms and code != "UNK"]
    assert missing == []


def test_no_spelling_holds_a_list_or_count_separator() -> None:
    for nationality in reference.nationalities().values():
        for spelling in nationality.spellings:
            assert ";" not in spelling and ":" not in spelling, spelling


def test_alias_map_has_no_collisions() -> None:
    seen: dict[str, str] = {}
    for code, nationality in reference.nationalities().items():
        for spelling in nationality.spellings:
            key = reference.normalise_alias(spelling)
            assert seen.setdefault(key, code) == code, (spelling, seen[key], code)
    assert reference.nationality_aliases() == seen


def test_alias_map_keys_are_normalised_and_values_known() -> None:
    aliases = reference.nationality_aliases()
    codes_known = set(reference.nationalities())
    for key, code in aliases.items():
        assert key == reference.normalise_alias(key)
        assert code in codes_known


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("albanian", "ALB"),
        (" AL ", "ALB"),
        ("Albania", "ALB"),
        ("ALB", "ALB"),
        ("alb", "ALB"),
        ("Vietnamese", "VNM"),
        ("Viet Nam", "VNM"),
        ("viet   nam", "VNM"),
        ("Scottish", "GBR"),
        ("Northern Irish", "GBR"),
        ("British", "GBR"),
        ("English", "GBR"),
        ("Welsh", "GBR"),
        ("U.K.", "GBR"),
        ("Kosovan", "XKX"),
        ("Kosovar", "XKX"),
        ("Martian", "UNK"),
        ("Unknown", "UNK"),
        ("Romanian", "ROU"),
        ("Eritrean", "ERI"),
        ("Sudanese", "SDN"),
        ("South Sudanese", "SSD"),
        ("Chinese", "CHN"),
        ("Polish", "POL"),
        ("Nigerian", "NGA"),
        ("Nigerien", "NER"),
        ("Indian", "IND"),
        ("Iranian", "IRN"),
        ("Iran", "IRN"),
        ("Iraqi", "IRQ"),
        ("Afghan", "AFG"),
        ("Pakistani", "PAK"),
        ("Bangladeshi", "BGD"),
        ("Ethiopian", "ETH"),
        ("Egyptian", "EGY"),
        ("Kuwaiti", "KWT"),
        ("Slovak", "SVK"),
        ("Slovakian", "SVK"),
        ("Czech", "CZE"),
        ("Czech Republic", "CZE"),
        ("Czechia", "CZE"),
        ("Lithuanian", "LTU"),
        ("Bulgarian", "BGR"),
        ("Hungarian", "HUN"),
        ("Ukrainian", "UKR"),
        ("Filipino", "PHL"),
        ("Ghanaian", "GHA"),
        ("Syrian", "SYR"),
        ("Syria", "SYR"),
        ("Somali", "SOM"),
        ("Sri Lankan", "LKA"),
        ("Ivory Coast", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d’Ivoire", "CIV"),
        ("Republic of Korea", "KOR"),
        ("Russia", "RUS"),
        ("Dominican", "DOM"),
        ("Congolese", "COD"),
        ("Irish", "IRL"),
        ("St. Lucia", "LCA"),
        ("Antigua & Barbuda", "ATG"),
        ("NA", "NAM"),
    ],
)
def test_spellings_normalise_to_alpha3(text: str, expected: str) -> None:
    assert reference.normalise_nationality(text) == expected


@pytest.mark.parametrize("text", [None, "", "   ", "NULL", "null", "N/A", "-"])
def test_null_values_stay_null(text: str | None) -> None:
    assert reference.normalise_nationality(text) is None


def test_normalise_alias_rules() -> None:
    assert reference.normalise_alias("  st.  kitts  &  nevis ") == "ST KITTS AND NEVIS"
    assert reference.normalise_alias("Cote d'Ivoire") == "COTE DIVOIRE"
    assert reference.normalise_alias("a\u00a0\tb") == "A B"


@pytest.mark.parametrize(
    "text", ["  u.k.  & côte d’ivoire\u00a0x ", "Viet Nam", "St. Kitts & Nevis", "o'neill", "\tNorthern   Irish\n"]
)
def test_sql_normalisation_matches_python(text: str) -> None:
    expression = reference.normalise_alias_sql("$text")
    (result,) = duckdb.execute(f"select {expression}", {"text": text}).fetchone()
    assert result == reference.normalise_alias(text)


def _all_spellings() -> list[tuple[str, str]]:
    return sorted(
        (spelling, code)
        for code, nationality in reference.nationalities().items()
        for spelling in nationality.spellings
    )


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_all_spellings()),
    st.lists(st.booleans(), min_size=80, max_size=80),
    st.text(alphabet=" \t", max_size=3),
    st.text(alphabet=" \t", max_size=3),
)
def test_any_spelling_in_any_case_with_spaces_maps_to_its_code(
    spelling_and_code: tuple[str, str], upper: list[bool], before: str, after: str
) -> None:
    spelling, code = spelling_and_code
    cased = "".join(c.upper() if upper[i % len(upper)] else c.lower() for i, c in enumerate(spelling))
    assert reference.normalise_nationality(before + cased + after) == code


# --- locating seeds --------------------------------------------------------------------------------------------------


def test_default_seeds_dir_is_the_repository_seeds_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(reference.SEEDS_DIR_ENV, raising=False)
    assert reference.seeds_dir() == Path(__file__).resolve().parents[2] / "seeds"


def _copy_seeds(target: Path) -> Path:
    shutil.copytree(reference.seeds_dir(), target)
    return target


def test_seeds_dir_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = _copy_seeds(tmp_path / "seeds")
    with (seeds / "ports.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(["ABZ", "Aberdeen", "X-PSCOT"])
    monkeypatch.setenv(reference.SEEDS_DIR_ENV, str(seeds))
    assert reference.ports()["ABZ"].port_name == "Aberdeen"
    monkeypatch.delenv(reference.SEEDS_DIR_ENV)
    assert "ABZ" not in reference.ports()


def test_colliding_alias_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = _copy_seeds(tmp_path / "seeds")
    with (seeds / "nationalities.csv").open("a", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(["XXZ", "", "Atlantis", "Albanian", ""])
    monkeypatch.setenv(reference.SEEDS_DIR_ENV, str(seeds))
    with pytest.raises(ReferenceDataError, match="ALB and XXZ"):
        reference.nationality_aliases()


def test_missing_seed_folder_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(reference.SEEDS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ReferenceDataError, match=reference.SEEDS_DIR_ENV):
        reference.forces()


def test_bad_integer_and_missing_column_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = _copy_seeds(tmp_path / "seeds")
    (seeds / "cps_areas.csv").write_text("cps_area,cps_area_name\none,Somewhere\n", encoding="utf-8")
    (seeds / "ports.csv").write_text("port_code,port_name\nLHR,Heathrow\n", encoding="utf-8")
    monkeypatch.setenv(reference.SEEDS_DIR_ENV, str(seeds))
    with pytest.raises(ReferenceDataError, match="not an integer"):
        reference.cps_areas()
    with pytest.raises(ReferenceDataError, match="force_code"):
        reference.ports()


def test_duplicate_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seeds = _copy_seeds(tmp_path / "seeds")
    (seeds / "cps_areas.csv").write_text("cps_area,cps_area_name\n1,A\n1,B\n", encoding="utf-8")
    monkeypatch.setenv(reference.SEEDS_DIR_ENV, str(seeds))
    with pytest.raises(ReferenceDataError, match="twice"):
        reference.cps_areas()


def test_returned_dicts_are_copies() -> None:
    reference.forces().clear()
    reference.nationality_aliases().clear()
    assert reference.force_codes()
    assert reference.normalise_nationality("Albanian") == "ALB"


def test_sql_normalisation_matches_python_for_every_spelling() -> None:
    spellings = [spelling for spelling, _ in _all_spellings()]
    expression = reference.normalise_alias_sql("spelling")
    rows = duckdb.execute(
        f"select spelling, {expression} from (select unnest($spellings::varchar[]) as spelling)",
        {"spellings": spellings},
    ).fetchall()
    assert len(rows) == len(spellings)
    assert all(key == reference.normalise_alias(spelling) for spelling, key in rows)
