"""The dbt macro listing the pseudonym columns follows the raw zone's contract."""

from __future__ import annotations

import re
from pathlib import Path

from msdw.raw import PERSON_COLUMNS

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "definitions.sql"


def test_pseudonym_columns_macro_lists_the_raw_person_columns() -> None:
    text = MACROS.read_text()
    body = re.search(r"macro pseudonym_columns\(\).*?#\}(.*?)\{%- endmacro", text, re.S)
    assert body is not None
    assert [c.strip() for c in body.group(1).split(",")] == list(PERSON_COLUMNS)
