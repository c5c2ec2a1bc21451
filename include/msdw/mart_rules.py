"""The rules on the published marts, read from their one home: the dbt tests of ``_marts__models.yml``.

Each published table's key (``unique``, ``unique_combination``), columns never null (``not_null``), codes
(``relationships`` to a reference seed, ``in_code_list``, ``described_source``), counts never negative
(``not_negative``), rates in [0, 1] (``rate_in_unit_interval``), ranges (``in_range``) and "a is never less than b"
pairs (``not_less_than``) are written there once. Great Expectations' mart suites (``msdw.quality.marts``, committed
under ``expectations/marts/`` by ``make generate``) and the open-data implied differences (``msdw.open_data``) are
made from them. Tests at severity ``warn`` and tests between two models (a ``relationships`` to a mart) are dbt's
alone: the mart gate reads one table at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from msdw.errors import SetupError

MARTS_YAML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "_marts__models.yml"
CODE_LISTS_SEED = "code_lists"
# The generic tests read here besides dbt's own (unique, not_null, relationships), each to the kind of rule it states;
# other tests (relationships between marts, say) stay dbt's alone.
COUNT_TEST = "not_negative"
RATE_TEST = "rate_in_unit_interval"
MAX_LISTED = 12  # the data dictionary lists a column's codes up to this many, else names where they come from


class MartRulesError(SetupError, ValueError):
    """``_marts__models.yml`` holds a test this module cannot read into a rule."""


@dataclass(frozen=True)
class MartRules:
    """What every row of one published table must satisfy, as its dbt tests say."""

    name: str
    key: tuple[str, ...]
    not_null: tuple[str, ...] = ()
    codes: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    counts: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()
    ranges: tuple[tuple[str, int, int], ...] = ()
    at_least: tuple[tuple[str, str], ...] = ()
    code_origins: tuple[tuple[str, str], ...] = ()  # (column, where its codes come from), as ``codes``


def _models() -> dict[str, dict]:
    return _read(MARTS_YAML)


@cache
def _read(path: Path) -> dict[str, dict]:
    return {model["name"]: model for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]}


def models() -> tuple[str, ...]:
    """The published tables, in the order of the YAML."""
    return tuple(_models())


def at_least(model: str) -> tuple[tuple[str, str], ...]:
    """``(a, b)`` pairs of ``model``'s columns where ``a >= b`` on every row, in the order of the YAML."""
    return rules(model).at_least if model in _models() else ()


def rules(model: str, path: Path | None = None) -> MartRules:
    """``model``'s rules, in the order its YAML (``path``, else ``_marts__models.yml``) writes them."""
    found = _collect(model, path)
    if not found.key:
        raise MartRulesError(f"{(path or MARTS_YAML).name}: {model} has no key (a unique or unique_combination test)")
    return found


def column_notes(model: str, path: Path | None = None) -> dict[str, str]:
    """What the rules say of each of ``model``'s columns, in words for the data dictionary: ``{column: notes}``."""
    found = _collect(model, path)
    notes: dict[str, list[str]] = {}

    def note(column: str, text: str) -> None:
        notes.setdefault(column, []).append(text)

    for column in found.key:
        note(
            column,
            "key" if len(found.key) == 1 else "key with " + ", ".join(f"`{c}`" for c in found.key if c != column),
        )
    for column in found.not_null:
        note(column, "never null")
    for (column, allowed), (_, origin) in zip(found.codes, found.code_origins, strict=True):
        shown = ", ".join(f"`{value}`" for value in allowed)
        note(column, f"one of {shown}" if len(allowed) <= MAX_LISTED else f"a code of {origin} ({len(allowed)} codes)")
    for column in found.counts:
        note(column, "never negative")
    for column in found.rates:
        note(column, "from 0 to 1")
    for column, low, high in found.ranges:
        note(column, f"from {low} to {high}")
    for column, other in found.at_least:
        note(column, f"never less than `{other}`")
    return {column: "; ".join(texts) for column, texts in notes.items()}


def _collect(model: str, path: Path | None) -> MartRules:
    yaml_path = path or MARTS_YAML
    try:
        spec = _read(yaml_path)[model]
    except KeyError:
        raise MartRulesError(
            f"no model {model!r} in {yaml_path.name}; published: {', '.join(_read(yaml_path))}"
        ) from None
    key: list[str] = []
    not_null: list[str] = []
    codes: list[tuple[str, tuple[Any, ...]]] = []
    origins: list[tuple[str, str]] = []
    counts: list[str] = []
    rates: list[str] = []
    ranges: list[tuple[str, int, int]] = []
    pairs: list[tuple[str, str]] = []
    for name, args in _tests(spec.get("data_tests")):
        if name == "unique_combination":
            key = list(args["columns"])
    for column in spec.get("columns", []):
        col = column["name"]
        for name, args in _tests(column.get("data_tests")):
            if name == "unique" and not key:
                key = [col]
            elif name == "not_null":
                not_null.append(col)
            elif name == COUNT_TEST:
                counts.append(col)
            elif name == RATE_TEST:
                rates.append(col)
            elif name == "in_range":
                ranges.append((col, int(args["min_value"]), int(args["max_value"])))
            elif name == "not_less_than":
                pairs.append((col, args["other"]))
            elif (allowed := _allowed(model, col, name, args, _read(yaml_path))) is not None:
                codes.append((col, allowed[0]))
                origins.append((col, allowed[1]))
    return MartRules(
        name=model,
        key=tuple(key),
        not_null=tuple(c for c in not_null if c not in key),
        codes=tuple(codes),
        counts=tuple(counts),
        rates=tuple(rates),
        ranges=tuple(ranges),
        at_least=tuple(pairs),
        code_origins=tuple(origins),
    )


def _tests(tests: Iterable[Any] | None) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """``(test name, arguments)`` of the tests at severity error (dbt's default and the project's)."""
    for test in tests or []:
        if isinstance(test, str):
            yield test, {}
            continue
        ((name, body),) = test.items()
        body = body or {}
        if (body.get("config") or {}).get("severity", "error").lower() == "warn":
            continue
        yield name, body.get("arguments") or {}


def _allowed(
    model: str, column: str, test: str, args: Mapping[str, Any], others: Mapping[str, Any]
) -> tuple[tuple[Any, ...], str] | None:
    """The values a code test allows and where they come from, or None for a test that is not a list of codes
    (``others``: the models of the same YAML, between which a ``relationships`` test is dbt's alone)."""
    from msdw import reference

    if test == "in_code_list":
        rows = reference.read_seed(CODE_LISTS_SEED)
        values = tuple(row["code"] for row in rows if row["code_list"] == args["code_list"])
        if not values:
            raise MartRulesError(f"{model}.{column}: no code list {args['code_list']!r} in seeds/{CODE_LISTS_SEED}.csv")
        return values, f"code list `{args['code_list']}`"
    if test == "relationships":
        target = _ref(args["to"])
        if target in others:
            return None  # between two marts: dbt's alone
        return reference.seed_values(target, args["field"]), f"seed `{target}`"
    if test == "described_source":
        field = args.get("field", "source")
        values = _described(field, bool(args.get("victims")), tuple(args.get("also") or ()))
        return values, "the sources described"
    return None


def _described(field: str, victims: bool, also: tuple[str, ...]) -> tuple[str, ...]:
    """The values of ``field`` over the sources described (macro ``return_kinds``), as test ``described_source``."""
    from msdw.sources import SOURCES, victim_tables

    with_victims = {s.name for s, _ in victim_tables()}
    sources = [s for s in SOURCES if s.name in with_victims] if victims else SOURCES
    if field == "source":
        values = [s.name for s in sources]
    elif field == "agency_code":
        values = [s.agency_code for s in sources]
    elif field == "part":
        values = [p for s in sources for p in s.parts]
    else:
        raise MartRulesError(f"described_source: unknown field {field!r} (source, agency_code or part)")
    return tuple(dict.fromkeys([*values, *also]))


def _ref(expression: str) -> str:
    """``ref('name')`` -> ``name``."""
    text = expression.strip()
    if not (text.startswith("ref(") and text.endswith(")")):
        raise MartRulesError(f"{MARTS_YAML.name}: relationships to {expression!r}; write to: ref('<model or seed>')")
    return text[4:-1].strip().strip("'\"")
