"""The data dictionary, ``docs/data-dictionary.md``, generated from the dbt project's YAML descriptions.

``python -m msdw.report.dictionary`` rewrites it; ``--check`` only says whether the committed file is current.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from msdw import mart_rules
from msdw.report.contract import Layer, TableDoc, tables
from msdw.transform import PROJECT_DIR

DICTIONARY_PATH = PROJECT_DIR.parent / "docs" / "data-dictionary.md"

_HEADER = """\
# Data dictionary

Generated from the dbt project's YAML (`dbt_project/models/**/*.yml`, `seeds/_seeds.yml`) by
`python -m msdw.report.dictionary`: change a description there, then regenerate this file. The same descriptions
appear in the dbt docs site, `<warehouse>/dbt_docs/index.html`.

Types are DuckDB types. Every published table is in the default schema `main` of `marts.duckdb`.
"""

_SECTIONS: tuple[tuple[Layer, str, str], ...] = (
    (
        Layer.MART,
        "Published tables (`marts.duckdb`)",
        "What analysts and BI tools read. Their columns and types are enforced by dbt model contracts; the last "
        "column says what every row satisfies, from the dbt tests that every build runs and the mart gate checks again "
        "before publishing.",
    ),
    (
        Layer.SEED,
        "Reference data (seeds)",
        "Loaded by dbt from `seeds/` into schema `reference` of the build database; the dimensions above come from "
        "them.",
    ),
    (
        Layer.SOURCE,
        "Raw zone (dbt sources)",
        "Each accepted return version as typed, pseudonymised Parquet under `<warehouse>/raw/`, read by the staging "
        "models. Names and dates of birth never appear: only keyed pseudonyms.",
    ),
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else ""


def _table_markdown(table: TableDoc) -> list[str]:
    lines = [f"### `{table.name}`", ""]
    if table.description:
        lines += [table.description, ""]
    if table.layer is Layer.MART and table.yaml_path is not None:
        # what every row satisfies, in words, from the dbt tests that the build and the mart gate run
        notes = mart_rules.column_notes(table.name, table.yaml_path)
        lines += ["| column | type | description | always |", "|---|---|---|---|"]
        for column in table.columns:
            data_type = (column.data_type or "").upper()
            lines.append(
                f"| `{column.name}` | {_cell(data_type)} | {_cell(column.description)} | "
                f"{_cell(notes.get(column.name, ''))} |"
            )
        return [*lines, ""]
    lines += ["| column | type | description |", "|---|---|---|"]
    for column in table.columns:
        data_type = (column.data_type or "").upper()
        lines.append(f"| `{column.name}` | {_cell(data_type)} | {_cell(column.description)} |")
    return [*lines, ""]


def _section(tables_in_layer: Iterable[TableDoc], title: str, intro: str) -> list[str]:
    lines = [f"## {title}", "", intro, ""]
    group = None
    for table in tables_in_layer:
        if table.group and table.group != group:
            group = table.group
            lines += [f"Source `{group}`:", ""]
        lines += _table_markdown(table)
    return lines


def render_dictionary(project_dir: Path = PROJECT_DIR) -> str:
    """The whole dictionary as Markdown: published tables, then reference data, then the raw zone."""
    documented = tables(project_dir)
    lines = [_HEADER]
    contents = ["Contents:", ""]
    body: list[str] = []
    for layer, title, intro in _SECTIONS:
        in_layer = [t for t in documented if t.layer is layer]
        if not in_layer:
            continue
        contents.append(f"- {title}: " + ", ".join(f"`{t.name}`" for t in in_layer))
        body += _section(in_layer, title, intro)
    lines += [*contents, "", *body]
    return "\n".join(lines).rstrip("\n") + "\n"


def write_dictionary(path: Path = DICTIONARY_PATH, project_dir: Path = PROJECT_DIR) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dictionary(project_dir), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m msdw.report.dictionary", description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DICTIONARY_PATH)
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is not current; write nothing")
    args = parser.parse_args(argv)
    if args.check:
        current = args.output.is_file() and args.output.read_text(encoding="utf-8") == render_dictionary(
            args.project_dir
        )
        if not current:
            print(f"{args.output} is out of date: run `python -m msdw.report.dictionary`", file=sys.stderr)
            return 1
        print(f"{args.output} is current")
        return 0
    print(f"wrote {write_dictionary(args.output, args.project_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
