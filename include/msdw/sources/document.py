"""``docs/returns.md``, the specification the agencies send their returns by, written from the descriptions.

Every path, column, type, rule, allowed value, personal-data column and due day comes from ``msdw.sources``; the
force, port and CPS Area codes from the reference seeds. ``make generate`` rewrites it; a test checks it is current.
"""

from __future__ import annotations

from pathlib import Path

from msdw import reference
from msdw.sources import codes
from msdw.sources.catalogue import FORCE, MONTH, SOURCES
from msdw.sources.spec import (
    Column,
    ColumnType,
    FileKind,
    MatchesPath,
    NotAfterMonthEnd,
    NotBefore,
    RequiredWhen,
    Source,
    SumsTo,
    Table,
    UniqueWithin,
    WithinMonth,
)

RETURNS_DOC = Path(__file__).resolve().parents[3] / "docs" / "returns.md"

TYPE_NAMES = {
    ColumnType.TEXT: "text",
    ColumnType.INTEGER: "integer",
    ColumnType.DATE: "date (`YYYY-MM-DD` or `DD/MM/YYYY`)",
    ColumnType.TIMESTAMP: "timestamp (ISO 8601 with offset or `Z`)",
    ColumnType.BOOLEAN: "boolean",
    ColumnType.MONEY: "money",
    ColumnType.ENUM: "code",
    ColumnType.NATIONALITY: "nationality",
    ColumnType.NATIONALITY_COUNTS: "nationality counts",
    ColumnType.EXPLOITATION_LIST: "list of exploitation type codes",
}

INTRO = """# Monthly returns: what each agency sends

<!-- Generated from msdw.sources and the reference seeds by `make generate`: do not edit by hand. -->

This is the input contract of msdw: the files each agency sends, their columns, types and rules. A return that
follows this page is accepted; one that does not is quarantined with the file, row, column and what to fix.

## The inbox

Returns arrive in an inbox folder (default `data/inbox/`, or any fsspec URL), one folder per source:

```
{paths}
```

- A **return** is identified by (source, submitter, month, part). `<YYYY-MM>` is the reporting month; `<submitter>`
  is a code of the reference seed named below.
- Its **received time** is the file's modification time when the pipeline first sees it.
- A return is **due** by the end of its source's due day of the month after its reporting month. One first received
  later is LATE. An expected return never received is MISSING. Expected: every month from the first month of any
  return received to the latest, each fixed submitter's return, and each return of a submitter named in the paths
  once it has sent any return of its source. A code that is not in its source's reference seed is expected only
  where it was sent (its return is quarantined there), never MISSING.
- A later file for the same return is a **revision**: it replaces the earlier version completely. A byte-identical
  copy of a version already seen is a duplicate and changes nothing.
- A file whose path fits none of the patterns, or that is not a regular file, is rejected: it has no return
  identity. A return whose content disagrees with its path, or that fails validation, is quarantined as a whole.

| source | agency | part | path | submitter | due day |
|---|---|---|---|---|---|
{kinds}

## Common rules for values

- Text files are UTF-8, with or without a byte-order mark, or Windows-1252 (cp1252).
- Column names are matched case-insensitively, ignoring surrounding spaces; column order is free. An unknown extra
  column is ignored with a warning; a missing required column quarantines the return.
- Empty cells and the strings {nulls} are null.
- Booleans: {true_words} (true) and {false_words} (false), any case.
- Money: a number, or text such as `£1,234.50`.
- **Nationality**: an ISO 3166-1 alpha-3 code, alpha-2 code, English name or demonym, any case (seed
  `nationalities`); normalised to alpha-3. A value that cannot be normalised becomes `{unknown}` with a warning.
- **Exploitation type** codes: {exploitation}.
- **Gender**: {genders} ({gender_aliases} accepted).
- Columns marked *personal data* (names, dates of birth) are used only to pseudonymise and link records: they are
  never stored in the warehouse or the published marts.
"""


def _codes(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def path_pattern(kind: FileKind) -> str:
    """The file kind's path pattern as a reader writes it: ``police/<YYYY-MM>/<submitter>.csv``."""
    text = kind.pattern.removeprefix("^").removesuffix("$")
    return text.replace(MONTH, "<YYYY-MM>").replace(FORCE, "<submitter>").replace("\\.", ".")


def _rules_of(table: Table, column: Column) -> list[str]:
    found: list[str] = []
    for rule in table.rules:
        if isinstance(rule, UniqueWithin) and column.name in rule.columns:
            found.append("unique within the file" if rule.scope == "file" else "unique across the submitter's returns")
        elif isinstance(rule, WithinMonth) and rule.column == column.name:
            found.append("within the month")
        elif isinstance(rule, NotAfterMonthEnd) and rule.column == column.name:
            found.append("not after the month's end")
        elif isinstance(rule, NotBefore) and rule.column == column.name:
            found.append(f"not before {rule.other}")
        elif isinstance(rule, MatchesPath) and rule.column == column.name:
            found.append("equals the submitter code of the path")
        elif isinstance(rule, RequiredWhen) and rule.column == column.name:
            value = "true" if rule.value is True else f"`{rule.value}`"
            found.append(f"required when {rule.when} is {value}")
        elif isinstance(rule, SumsTo) and rule.column == column.name:
            found.append(f"should add up to {rule.total} (a warning otherwise)")
    return found


def _column_row(table: Table, column: Column) -> str:
    rules = ["required"] if column.required else []
    if column.allowed:
        rules.append(_codes(column.allowed))
    if column.aliases:
        rules.append("also " + ", ".join(f"`{a}` for `{v}`" for a, v in column.aliases.items()))
    if column.minimum is not None and column.maximum is not None:
        rules.append(f"{column.minimum} to {column.maximum}")
    elif column.minimum is not None:
        rules.append(f"≥ {column.minimum}")
    if column.reference:
        rules.append(f"a code of seed `{column.reference}`")
    if column.json_path:
        rules.append(f"at `{column.json_path}`")
    rules += _rules_of(table, column)
    if column.is_personal:
        rules.append("*personal data*")
    description = column.description.removesuffix("; personal data")
    return f"| {column.name} | {TYPE_NAMES[column.type]} | {description} | {'; '.join(rules)} |"


def _table_section(kind: FileKind, table: Table) -> list[str]:
    where = f"sheet `{table.sheet}`" if table.sheet else f"`{path_pattern(kind)}`"
    lines = [f"### `{table.name}`: {where}", "", table.description]
    if table.total_row:
        lines[-1] += " A last row whose first cell starts with `Total` carries column sums; it is not data."
    lines += ["", "| column | type | meaning | rule |", "|---|---|---|---|"]
    lines += [_column_row(table, c) for c in table.columns]
    return [*lines, ""]


def _source_section(source: Source) -> list[str]:
    lines = [f"## {source.agency_label} (`{source.name}`, agency `{source.agency_code}`)", "", source.description, ""]
    lines.append(f"Due by the end of day {source.due_day} of the month after the reporting month.")
    if source.submitters:
        lines[-1] += f" Submitters named in the paths are codes of seed `{source.submitters}` (below)."
    lines.append("")
    for kind in source.files:
        if kind.cover:
            cover = ", ".join(f"`{label}`" for label, _ in kind.cover)
            lines += [f"`{path_pattern(kind)}` has a sheet `Cover` holding {cover}.", ""]
        for check in kind.checks:
            flag = f" where {check.flag}" if check.flag else ""
            lines += [f"- {check.table}.{check.column} should equal the rows of {check.rows_of}{flag} (a warning).", ""]
        for table in kind.tables:
            lines += _table_section(kind, table)
    return lines


def _reference_sections() -> list[str]:
    forces = reference.forces()
    areas = reference.cps_areas()
    ports = reference.ports()
    force_list = ", ".join(f"{code} {force.force_name}" for code, force in forces.items())
    return [
        "## Force and unit codes",
        "",
        "Seed `forces`: " + force_list + ". Each force belongs to one region, nation and CPS Area (`seeds/`).",
        "",
        "## CPS Areas and ports",
        "",
        "CPS Areas: " + ", ".join(f"{number} {name}" for number, name in sorted(areas.items())) + ".",
        "",
        "Ports (seed `ports`, each in one police force area): "
        + ", ".join(f"`{code}` {port.port_name}" for code, port in ports.items())
        + ".",
        "",
    ]


def render_returns_doc() -> str:
    kinds = "\n".join(
        f"| {s.name} | `{s.agency_code}` | {k.part} | `{path_pattern(k)}` | "
        f"{f'`{k.submitter}`' if k.submitter else f'seed `{s.submitters}`'} | {s.due_day} |"
        for s in SOURCES
        for k in s.files
    )
    paths = "\n".join(f"  {path_pattern(k):<44} {k.part} return of {s.name}" for s in SOURCES for k in s.files)
    text = INTRO.format(
        paths=paths,
        kinds=kinds,
        nulls=_codes([n for n in codes.NULL_STRINGS if n]) + " and the empty string",
        true_words=_codes(codes.TRUE_WORDS),
        false_words=_codes(codes.FALSE_WORDS),
        unknown=codes.UNKNOWN_NATIONALITY,
        exploitation=_codes(codes.EXPLOITATION_TYPES),
        genders=_codes(codes.GENDERS),
        gender_aliases=_codes(list(codes.GENDER_ALIASES)),
    )
    lines = [text]
    for source in SOURCES:
        lines += _source_section(source)
    lines += _reference_sections()
    return "\n".join(lines).rstrip("\n") + "\n"
