from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msdw.generate.errors import GenerateError
from msdw.generate.months import month_text
from msdw.generate.paths import file_kind, return_path
from msdw.sources import SOURCES

CASES = [
    ("police", "operations", "E23000001", "police/2019-03/E23000001.csv"),
    ("police", "victims", "R-NW", "police/2019-03/R-NW_victims.csv"),
    ("glaa", "main", "GLAA", "glaa/GLAA_2019-03.xlsx"),
    ("border_force", "main", "BF", "border_force/bf_referrals_2019-03.jsonl"),
    ("cps", "main", "CPS", "cps/cps_msht_2019-03.csv"),
]


@pytest.mark.parametrize(("source", "part", "submitter", "expected"), CASES)
def test_path_of_each_return_fits_its_pattern(source: str, part: str, submitter: str, expected: str) -> None:
    path = return_path(source, part, "2019-03", submitter)
    _, kind = file_kind(source, part)
    match = kind.regex.fullmatch(path)
    assert path == expected
    assert match is not None and match["month"] == "2019-03"


def test_every_file_kind_has_a_path() -> None:
    for src in SOURCES:
        for kind in src.files:
            submitter = kind.submitter or "E23000005"
            assert kind.regex.fullmatch(return_path(src.name, kind.part, "2024-12", submitter))


def test_a_submitter_the_pattern_cannot_carry_is_refused() -> None:
    with pytest.raises(GenerateError):
        return_path("police", "operations", "2019-03", "e23 000001")
    with pytest.raises(GenerateError):
        return_path("glaa", "main", "2019-03", "BF")
    with pytest.raises(GenerateError):
        return_path("police", "main", "2019-03", "E23000001")


@given(st.from_regex(r"[A-Z][A-Z0-9]{0,8}(-[A-Z0-9]{1,5}){0,2}", fullmatch=True), st.integers(2000 * 12, 2099 * 12))
def test_any_force_code_and_month_round_trip(code: str, month: int) -> None:
    text = month_text(month)
    path = return_path("police", "victims", text, code)
    _, kind = file_kind("police", "victims")
    match = kind.regex.fullmatch(path)
    assert match is not None
    assert (match["submitter"], match["month"]) == (code, text)
