"""The rules on the published marts, read from their one home: the dbt project's YAML (``_marts__models.yml``).

Great Expectations' mart suites (``msdw.quality.marts``) and the open-data implied differences (``msdw.open_data``)
take the "a is never less than b" rules from the dbt tests ``not_less_than`` instead of listing them again.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

MARTS_YAML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "_marts__models.yml"


@cache
def _models(path: Path = MARTS_YAML) -> dict[str, dict]:
    return {model["name"]: model for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]}


def at_least(model: str) -> tuple[tuple[str, str], ...]:
    """``(a, b)`` pairs of ``model``'s columns where ``a >= b`` on every row, in the order of the YAML."""
    pairs = []
    for column in _models().get(model, {}).get("columns", []):
        for test in column.get("data_tests") or []:
            if isinstance(test, dict) and "not_less_than" in test:
                pairs.append((column["name"], test["not_less_than"]["arguments"]["other"]))
    return tuple(pairs)
