"""The committed artefacts generated from the descriptions are current (`make generate` rewrites them)."""

from __future__ import annotations

from msdw.generated import IDENTIFICATIONS_MODEL, person_tables, stale_files
from msdw.sources import SOURCES, victim_agencies
from msdw.sources.document import RETURNS_DOC, path_pattern


def test_generated_files_are_current() -> None:
    stale = [p.name for p in stale_files()]
    assert stale == [], f"regenerate with `make generate`: {stale}"


def test_every_table_of_victims_is_in_the_union_of_identifications() -> None:
    sql = IDENTIFICATIONS_MODEL.read_text()
    for person in person_tables():
        assert f"ref('{person.model}')" in sql
        assert f"'{person.agency_code}' as agency_code" in sql
    assert victim_agencies() == ("POLICE", "GLAA", "BORDER_FORCE")


def test_returns_doc_names_every_path_and_column() -> None:
    text = RETURNS_DOC.read_text(encoding="utf-8")
    for source in SOURCES:
        for kind in source.files:
            assert f"`{path_pattern(kind)}`" in text
            for table in kind.tables:
                for column in table.columns:
                    assert f"| {column.name} |" in text
    assert "police/<YYYY-MM>/<submitter>_victims.csv" in text
