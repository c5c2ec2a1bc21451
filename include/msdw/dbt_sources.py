"""The dbt sources over the raw zone, generated from the source descriptions in :mod:`msdw.sources`.

``make generate`` (or ``python -m msdw.transform sources``) rewrites ``models/staging/<source>/_<source>__sources.yml``;
a test checks them for drift.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from msdw.raw import LEDGER_VERSION_COLUMNS, METADATA_COLUMNS, PERSON_COLUMNS, table_columns
from msdw.sources import SOURCES, Source
from msdw.transform import PROJECT_DIR, RAW_SCHEMA

LEDGER_SOURCE = "ledger"
LEDGER_TABLE = "return_versions"
FRESHNESS = {"warn_after": {"count": 45, "period": "day"}, "error_after": {"count": 75, "period": "day"}}
GENERATED_HEADER = (
    "# Generated from msdw.sources by `python -m msdw.transform sources`: change the source descriptions, then\n"
    "# regenerate. The raw zone is loaded into schema `raw` of the build database (macro load_raw_zone).\n"
)


def _doc(name: str) -> str:
    return "{{ doc('" + name + "') }}"


def _raw_column_description(source: Source, table_name: str, column: str) -> str:
    if column in METADATA_COLUMNS:
        return _doc("raw" + column)
    if column in PERSON_COLUMNS:
        return _doc("raw_" + column)
    table = next(t for t in source.tables if t.name == table_name)
    return table.column(column).description


def source_definition(source: Source) -> dict:
    """The dbt source (as a YAML-ready dict) for ``source``'s raw tables, with their raw-zone columns and types."""
    tables = []
    for file_kind, table in ((f, t) for f in source.files for t in f.tables):
        columns = [
            {
                "name": name,
                "data_type": data_type,
                "description": _raw_column_description(source, table.name, name),
            }
            for name, data_type in table_columns(table).items()
        ]
        tables.append(
            {
                "name": table.name,
                "description": table.description,
                "config": {
                    "meta": {
                        "raw_path": f"{table.name}/*/*.parquet",
                        "return_source": source.name,
                        "agency_code": source.agency_code,
                        "return_part": file_kind.part,
                        "submitter": file_kind.submitter,
                        "due_day": source.due_day,
                        **({"identifications": True} if table.identifications is not None else {}),
                    }
                },
                "columns": columns,
            }
        )
    return {
        "name": source.name,
        "description": source.description,
        "schema": RAW_SCHEMA,
        "config": {"loaded_at_field": "_received_at", "freshness": FRESHNESS},
        "tables": tables,
    }


def ledger_source_definition() -> dict:
    """The dbt source for the ledger's export of every return version."""
    columns = [
        {"name": name, "data_type": data_type, "description": _doc("ledger_" + name)}
        for name, data_type in LEDGER_VERSION_COLUMNS.items()
    ]
    return {
        "name": LEDGER_SOURCE,
        "description": "The audit ledger: every return version received, accepted or quarantined.",
        "schema": RAW_SCHEMA,
        "config": {"loaded_at_field": "processed_at", "freshness": FRESHNESS},
        "tables": [
            {
                "name": LEDGER_TABLE,
                "description": "One row per return version, with its status, counts and reasons.",
                "config": {"meta": {"raw_path": "_ledger/return_versions.parquet"}},
                "columns": columns,
            }
        ],
    }


def _render(definition: dict) -> str:
    body = yaml.safe_dump({"version": 2, "sources": [definition]}, sort_keys=False, width=120, allow_unicode=True)
    return GENERATED_HEADER + body


def sources_files(project_dir: Path = PROJECT_DIR) -> dict[Path, str]:
    """Every generated sources YAML file of the project and the text it should hold."""
    staging = project_dir / "models" / "staging"
    files = {staging / s.name / f"_{s.name}__sources.yml": _render(source_definition(s)) for s in SOURCES}
    files[staging / LEDGER_SOURCE / f"_{LEDGER_SOURCE}__sources.yml"] = _render(ledger_source_definition())
    return files


def write_sources(project_dir: Path = PROJECT_DIR) -> list[Path]:
    """Rewrite the generated sources YAML files; return the paths written."""
    written = []
    for path, text in sources_files(project_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
