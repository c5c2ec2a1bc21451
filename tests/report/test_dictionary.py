"""The data dictionary: generated from the dbt YAML, and the committed docs/data-dictionary.md is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from msdw.report.contract import ContractError, Layer, render_description, tables
from msdw.report.dictionary import DICTIONARY_PATH, main, render_dictionary


def test_committed_dictionary_is_current() -> None:
    assert DICTIONARY_PATH.is_file(), "docs/data-dictionary.md is missing: run `python -m msdw.report.dictionary`"
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render_dictionary(), (
        "docs/data-dictionary.md is out of date: run `python -m msdw.report.dictionary`"
    )


def test_dictionary_documents_every_published_column_with_doc_blocks_resolved() -> None:
    text = render_dictionary()
    marts = [t for t in tables() if t.layer is Layer.MART]
    assert marts
    for table in marts:
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text
    assert "{{" not in text and "doc(" not in text
    assert "`<agency_code>:<submitter>:<record ref>`" in text  # the identification_id doc block


def test_doc_calls_are_replaced_and_unknown_ones_refused() -> None:
    blocks = {"month": "Reporting month."}
    assert render_description("{{ doc('month') }} The first.", blocks) == "Reporting month. The first."
    with pytest.raises(ContractError, match="not defined"):
        render_description("{{ doc('nope') }}", blocks)


def test_dictionary_from_a_small_project(tmp_path: Path) -> None:
    models = tmp_path / "models" / "marts"
    models.mkdir(parents=True)
    (tmp_path / "models" / "_docs.md").write_text("{% docs kind %}What | kind.{% enddocs %}\n")
    (models / "_m.yml").write_text(
        "version: 2\nmodels:\n- name: mart_x\n  description: X by kind.\n  columns:\n"
        "  - name: kind\n    data_type: varchar\n    description: \"{{ doc('kind') }}\"\n"
    )
    text = render_dictionary(tmp_path)
    assert "### `mart_x`" in text
    assert "| `kind` | VARCHAR | What \\| kind. |" in text
    out = tmp_path / "dictionary.md"
    assert main(["--project-dir", str(tmp_path), "--output", str(out), "--check"]) == 1
    assert main(["--project-dir", str(tmp_path), "--output", str(out)]) == 0
    assert main(["--project-dir", str(tmp_path), "--output", str(out), "--check"]) == 0
