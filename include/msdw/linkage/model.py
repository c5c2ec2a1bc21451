"""The Splink model of who is the same person: comparisons, blocking rules, training, and its JSON file.

Comparisons (each with a null level where a side lacks the value):
- ``name``: the same name tokens in any order (exact, or given and family names swapped); the same phonetic codes
  (spelling variants, transliterations); one name's tokens all within the other's (a dropped middle name); character
  bigram Jaccard similarity above 0.75 and 0.55 (typing errors); else. The first level is adjusted for how common the
  name is (``tf_name_key``), so that two records of a common name count for less. It must be the first: Splink scales
  the adjustment by the u of the exact match on the term frequency column, which is that level's u only when the
  level takes every agreement on the column.
- ``dob``: the same date of birth; both known and different; years of birth, one of them estimated from an age, within
  one and within three years; else.
- ``gender`` and ``nationality``: equal or not.
- ``when_where``: which agencies, when and where: another agency within 7 days in the same police force area (joint
  work), another agency within 7 days; Border Force, then another agency within a year, in the same area or not; the
  same agency in the same area, the same agency elsewhere; else.

Parameters: the prior from deterministic rules, u by random sampling (seeded), m by expectation maximisation in three
sessions (blocked on date of birth, on the name, on both), so a retrain on the same data gives the same model.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from msdw.files import write_text_atomically

SEED = 20180101
MIN_TRAINING_RECORDS = 50
MIN_M = 0.005
DIFFERENT_DOB_M = 0.01  # share of one person's records with two different full dates of birth: fixed, not estimated
DIALECT = "duckdb"


@dataclass(frozen=True)
class ModelConfig:
    """What is chosen by measurement against the generator's ground truth (docs/linkage.md)."""

    threshold: float = 0.75  # match probability at or above which two identifications are the same person
    u_max_pairs: float = 5e6
    training_records: int = 1_000_000  # above this, m and the prior are estimated on a sample of this size
    prior_recall: float = 0.4  # share of true matches the deterministic rules are taken to find
    seed: int = SEED


def _jaccard() -> str:
    """Jaccard similarity of the two names' bigram bitmaps."""
    both = "bit_count(l.gram_bits_a & r.gram_bits_a)::integer + bit_count(l.gram_bits_b & r.gram_bits_b)::integer"
    either = "bit_count(l.gram_bits_a | r.gram_bits_a)::integer + bit_count(l.gram_bits_b | r.gram_bits_b)::integer"
    return f"(({both})::double / greatest({either}, 1))"


def _suffixed(sql: str) -> str:
    """``l.col`` and ``r.col`` as Splink's comparison columns ``col_l`` and ``col_r``."""
    return re.sub(r"\b([lr])\.(\w+)", r"\2_\1", sql)


def _level(sql: str, label: str, *, null: bool = False, tf: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": _suffixed(sql), "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


ELSE = {"sql_condition": "ELSE", "label_for_charts": "All other comparisons"}


def name_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "name",
        "comparison_description": "Name pseudonyms: exact, swapped, phonetic, subset, bigram similarity",
        "comparison_levels": [
            _level("l.name_key is null or r.name_key is null", "Name missing", null=True),
            _level("l.name_key = r.name_key", "Same name tokens, in any order", tf="name_key"),
            _level("l.phonetic_key = r.phonetic_key", "Same phonetic codes"),
            _level(
                "list_has_all(l.name_token_keys, r.name_token_keys) "
                "or list_has_all(r.name_token_keys, l.name_token_keys)",
                "One name's tokens within the other's",
            ),
            _level(f"{_jaccard()} >= 0.75", "Bigram Jaccard >= 0.75"),
            _level(f"{_jaccard()} >= 0.55", "Bigram Jaccard >= 0.55"),
            ELSE,
        ],
    }


def dob_comparison() -> dict[str, Any]:
    return {
        "output_column_name": "dob",
        "comparison_description": "Date of birth pseudonym, else year of birth (estimated from age where unknown)",
        "comparison_levels": [
            _level("l.birth_year_est is null or r.birth_year_est is null", "Birth year unknown", null=True),
            _level("l.dob_key = r.dob_key", "Same date of birth"),
            {
                **_level("l.dob_key is not null and r.dob_key is not null", "Different dates of birth"),
                "m_probability": DIFFERENT_DOB_M,
                "fix_m_probability": True,
            },
            _level(
                "abs(l.birth_year_est - r.birth_year_est) <= 1",
                "Estimated birth year within 1",
            ),
            _level(
                "abs(l.birth_year_est - r.birth_year_est) <= 3",
                "Estimated birth year within 3",
            ),
            ELSE,
        ],
    }


def border_agencies() -> str:
    """The agencies that meet people at the border (``Identifications.at_border`` in the descriptions), as a SQL
    list: ``('BORDER_FORCE')``."""
    from msdw.sources import victim_tables

    codes = dict.fromkeys(s.agency_code for s, t in victim_tables() if t.identifications.at_border)
    return "(" + ", ".join(f"'{code}'" for code in codes) + ")" if codes else "(null)"


def when_where_comparison() -> dict[str, Any]:
    """Who identified the two records, when and where, in one comparison because the three go together: agencies
    working together identify a person within days in the same force area; a person met at the border is often
    identified by another agency within months; an agency that identifies a person again may do so at any time,
    often elsewhere. As separate comparisons, each match type would be judged by the others' patterns."""
    days = "abs(datediff('day', l.identified_date, r.identified_date))"
    same_place = "l.place = r.place"
    other_agency = "l.agency_code <> r.agency_code"
    border = border_agencies()
    after_border = (
        f"((l.agency_code in {border} and r.agency_code not in {border} "
        "and datediff('day', l.identified_date, r.identified_date) between 0 and 366) "
        f"or (r.agency_code in {border} and l.agency_code not in {border} "
        "and datediff('day', r.identified_date, l.identified_date) between 0 and 366))"
    )
    return {
        "output_column_name": "when_where",
        "comparison_description": "Which agencies, days between the identifications, same police force area",
        "comparison_levels": [
            _level("l.identified_date is null or r.identified_date is null", "Date missing", null=True),
            _level(f"{other_agency} and {days} <= 7 and {same_place}", "Other agency, within 7 days, same area"),
            _level(f"{other_agency} and {days} <= 7", "Other agency, within 7 days"),
            _level(f"{after_border} and {same_place}", "Border Force, then within a year, same area"),
            _level(after_border, "Border Force, then within a year"),
            _level(f"l.agency_code = r.agency_code and {same_place}", "Same agency, same area"),
            _level("l.agency_code = r.agency_code", "Same agency"),
            ELSE,
        ],
    }


def exact_comparison(column: str) -> dict[str, Any]:
    return {
        "output_column_name": column,
        "comparison_description": f"{column} equal",
        "comparison_levels": [
            _level(f"l.{column} is null or r.{column} is null", f"{column} missing", null=True),
            _level(f"l.{column} = r.{column}", f"Same {column}"),
            ELSE,
        ],
    }


def blocking_rules() -> list[dict[str, Any]]:
    """Candidate pairs: any one of these holds. Each stays selective when many people share a name or a date of
    birth (at scale 100 over ten years, about 200 people a date of birth): the pairs to score, counted there, went
    from about 2.5 billion to about 270 million, while 96.7% of true pairs are still candidates (97.1% before;
    docs/linkage.md)."""
    token = "l.name_phonetic_keys = r.name_phonetic_keys"  # a shared phonetic token (the lists are exploded)
    explode = {"arrays_to_explode": ["name_phonetic_keys"], "sql_dialect": DIALECT}
    rules = [
        # the same names in any order give the same phonetic codes, so this rule also finds every exact name
        {"blocking_rule": "l.phonetic_key = r.phonetic_key", "sql_dialect": DIALECT},
        {"blocking_rule": "l.dob_key = r.dob_key and l.nationality = r.nationality", "sql_dialect": DIALECT},
        {
            # a dropped or changed name where the date of birth is unknown
            "blocking_rule": f"{token} and l.birth_year_est = r.birth_year_est and l.nationality = r.nationality "
            "and l.place = r.place",
            **explode,
        },
    ]
    # joint work: a shared phonetic token, the same force area, within 7 days; records within 7 days are in the
    # same or adjacent weeks, so each rule joins on equal keys rather than comparing every date in the area
    within_week = "l.identified_date between r.identified_date - 7 and r.identified_date + 7"
    for week in ("r.identified_week", "r.identified_week + 1", "r.identified_week - 1"):
        rules.append(
            {
                "blocking_rule": f"{token} and l.place = r.place and l.identified_week = {week} and {within_week}",
                **explode,
            }
        )
    return rules


def settings() -> dict[str, Any]:
    """The untrained Splink settings."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "identification_id",
        "probability_two_random_records_match": 1e-4,
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "comparisons": [
            name_comparison(),
            dob_comparison(),
            exact_comparison("gender"),
            exact_comparison("nationality"),
            when_where_comparison(),
        ],
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": ["agency_code"],
    }


def splink_settings(saved: dict[str, Any]) -> dict[str, Any]:
    """A saved model as Splink's settings for scoring: its parameters, this code's blocking rules (which pairs are
    scored is a choice of cost, not a parameter, so a model trained before a change of rules scores with the new
    ones), without msdw's own keys."""
    settings = {k: v for k, v in saved.items() if not k.startswith("msdw_")}
    settings["blocking_rules_to_generate_predictions"] = blocking_rules()
    return settings


def train(linker: Any, config: ModelConfig) -> None:
    """Estimate the model's parameters on the records ``linker`` was given."""
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [
            {"blocking_rule": "l.name_key = r.name_key and l.dob_key = r.dob_key", "sql_dialect": DIALECT},
        ],
        recall=config.prior_recall,
    )
    training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    same_person_kind = "l.gender = r.gender and l.nationality = r.nationality"
    for rule in (
        f"l.dob_key = r.dob_key and {same_person_kind}",  # estimates name and when_where
        f"l.name_key = r.name_key and {same_person_kind}",  # estimates dob and when_where
        "l.name_key = r.name_key and l.dob_key = r.dob_key",  # estimates gender, nationality, when_where
    ):
        training.estimate_parameters_using_expectation_maximisation({"blocking_rule": rule, "sql_dialect": DIALECT})


def floor_m_probabilities(model: dict[str, Any], floor: float = MIN_M) -> dict[str, Any]:
    """Give every non-null level an m of at least ``floor``: a level never seen among matches in training (a
    recording error of gender, say) still has some chance, instead of Splink's untrained default."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            if m is None or m < floor:
                level["m_probability"] = floor
    return model


def save(model: dict[str, Any], path: Path) -> None:
    write_text_atomically(path, json.dumps(model, indent=2, sort_keys=True, default=str))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def quiet_splink() -> None:
    for name in ("splink", "splink.internals"):
        logging.getLogger(name).setLevel(logging.WARNING)
