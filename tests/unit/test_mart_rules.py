"""The rules on the marts are written once, as dbt tests, and the Great Expectations mart suites follow them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from msdw import mart_rules, reference
from msdw.quality import marts
from msdw.sources import codes

# Every generic test the marts' YAML may use: each is read into a rule of the gate, or is dbt's alone (between two
# marts). A list of allowed values copied into the YAML (accepted_values) is not among them: codes come from a seed.
READ_INTO_RULES = {
    "unique",
    "unique_combination",
    "not_null",
    "not_negative",
    "rate_in_unit_interval",
    "in_range",
    "not_less_than",
    "in_code_list",
    "described_source",
    "relationships",
}


def _tests(spec: dict) -> list[str]:
    found = []
    for test in spec.get("data_tests") or []:
        found.append(test if isinstance(test, str) else next(iter(test)))
    return found


def test_the_marts_yaml_uses_only_tests_the_gate_reads() -> None:
    spec = yaml.safe_load(mart_rules.MARTS_YAML.read_text(encoding="utf-8"))
    used = set()
    for model in spec["models"]:
        used.update(_tests(model))
        for column in model["columns"]:
            used.update(_tests(column))
    assert used <= READ_INTO_RULES, f"tests the mart gate does not read: {sorted(used - READ_INTO_RULES)}"
    assert "accepted_values" not in used


def test_codes_come_from_the_seeds_and_the_code_lists() -> None:
    victims = {m.name: m for m in marts.mart_tables()}["fct_victims"]
    allowed = dict(victims.codes)
    assert allowed["exploitation_type"] == reference.seed_values("exploitation_types", "exploitation_type")
    assert allowed["gender"] == codes.GENDERS
    assert allowed["age_group"] == codes.AGE_GROUPS
    assert allowed["first_agency_code"] == ("POLICE", "GLAA", "BORDER_FORCE")
    prosecutions = {m.name: m for m in marts.mart_tables()}["fct_prosecutions"]
    assert dict(prosecutions.codes)["cps_area"] == tuple(range(1, 15))  # typed as _seeds.yml declares: integers
    assert prosecutions.key == ("case_urn", "defendant_ref")
    persons = {m.name: m for m in marts.mart_tables()}["mart_persons_identified"]
    assert dict(persons.codes)["agency_code"] == ("POLICE", "GLAA", "BORDER_FORCE", "ALL")


def test_warn_tests_and_tests_between_marts_are_dbts_alone() -> None:
    identifications = {m.name: m for m in marts.mart_tables()}["fct_victim_identifications"]
    coded = dict(identifications.codes)
    assert "nationality_code" not in coded  # relationships to dim_nationality, severity warn
    assert "person_id" not in coded  # relationships to fct_victims, another mart
    assert coded["force_code"] == reference.seed_values("forces", "force_code")


def test_a_rule_added_to_the_yaml_reaches_the_suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = yaml.safe_load(mart_rules.MARTS_YAML.read_text(encoding="utf-8"))
    model = next(m for m in spec["models"] if m["name"] == "fct_operations")
    column = next(c for c in model["columns"] if c["name"] == "months_reported")
    column["data_tests"] = [*column.get("data_tests", []), "not_negative"]
    column = next(c for c in model["columns"] if c["name"] == "lead_agency")
    column["data_tests"] = [{"in_code_list": {"arguments": {"code_list": "gender"}}}]
    column = next(c for c in model["columns"] if c["name"] == "suspects")
    column["data_tests"] = [{"in_range": {"arguments": {"min_value": 0, "max_value": 99}}}]
    copy = tmp_path / "_marts__models.yml"
    copy.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    monkeypatch.setattr(mart_rules, "MARTS_YAML", copy)

    suite = marts.suite_for_mart(mart_rules.rules("fct_operations"))
    found = {
        (e.expectation_type, getattr(e, "column", None), getattr(e, "value_set", None) and tuple(e.value_set))
        for e in suite.expectations
    }
    assert ("expect_column_values_to_be_between", "months_reported", None) in found
    assert ("expect_column_values_to_be_in_set", "lead_agency", codes.GENDERS) in found
    ranges = [e for e in suite.expectations if getattr(e, "column", None) == "suspects" and e.max_value == 99]
    assert len(ranges) == 1


def test_a_relationship_to_something_unknown_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = {"models": [{"name": "t", "columns": [{"name": "a", "data_tests": ["unique"]}]}]}
    spec["models"][0]["columns"][0]["data_tests"].append(
        {"relationships": {"arguments": {"to": "source('x', 'y')", "field": "a"}}}
    )
    copy = tmp_path / "_marts__models.yml"
    copy.write_text(yaml.safe_dump(spec), encoding="utf-8")
    monkeypatch.setattr(mart_rules, "MARTS_YAML", copy)
    with pytest.raises(mart_rules.MartRulesError, match="ref"):
        mart_rules.rules("t")
    assert mart_rules.models() == ("t",)
    with pytest.raises(mart_rules.MartRulesError, match="no model"):
        mart_rules.rules("u")


def test_the_dictionary_says_each_rule_in_words() -> None:
    from msdw.report.dictionary import render_dictionary

    notes = mart_rules.column_notes("fct_victims")
    assert notes["gender"] == "never null; one of " + ", ".join(f"`{g}`" for g in codes.GENDERS)
    assert notes["identifications_count"] == "never null; never negative; never less than `agencies_count`"
    crime = mart_rules.column_notes("mart_crime_recording")
    assert crime["force_code"].startswith("key with `month`; a code of seed `forces` (")
    assert crime["compliance_rate"] == "from 0 to 1"
    text = render_dictionary()
    assert f"| {notes['gender']} |" in text
    assert "| never null; from 1 to 4 |" in text  # dim_month.quarter
