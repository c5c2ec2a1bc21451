"""The committed dbt sources follow the source descriptions in msdw.sources."""

from __future__ import annotations

import yaml

from msdw.dbt_sources import sources_files
from msdw.raw import table_columns
from msdw.sources import SOURCES
from msdw.transform import PROJECT_DIR


def test_committed_sources_yaml_matches_the_source_descriptions() -> None:
    stale = [path.name for path, text in sources_files().items() if not path.exists() or path.read_text() != text]
    assert stale == [], f"regenerate with `python -m msdw.transform sources`: {stale}"


def test_every_raw_table_is_a_dbt_source_with_typed_columns() -> None:
    for source in SOURCES:
        path = PROJECT_DIR / "models" / "staging" / source.name / f"_{source.name}__sources.yml"
        (declared,) = yaml.safe_load(path.read_text())["sources"]
        tables = {t["name"]: t for t in declared["tables"]}
        assert set(tables) == {t.name for t in source.tables}
        for table in source.tables:
            columns = {c["name"]: c["data_type"] for c in tables[table.name]["columns"]}
            assert columns == table_columns(table)
            assert all(c["description"] for c in tables[table.name]["columns"])
