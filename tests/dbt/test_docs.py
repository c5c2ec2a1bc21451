"""render_dbt_docs: the dbt docs page, generated again only when the project changed."""

from __future__ import annotations

from msdw.transform import DOCS_FINGERPRINT, render_dbt_docs
from msdw.warehouse import Warehouse


def test_the_docs_page_is_made_again_only_when_the_project_changed(built: Warehouse) -> None:
    page = render_dbt_docs(built, force=True)
    assert page == built.dbt_docs / "index.html"
    assert "mart_monthly_summary" in page.read_text(encoding="utf-8")
    stamp = built.dbt_docs / DOCS_FINGERPRINT
    assert stamp.read_text(encoding="utf-8").startswith("dbt ")

    page.write_text("made before", encoding="utf-8")
    assert render_dbt_docs(built) == page
    assert page.read_text(encoding="utf-8") == "made before"  # same project: the page is kept

    stamp.write_text("dbt 0 manifest of another project\n", encoding="utf-8")
    render_dbt_docs(built)
    assert "mart_monthly_summary" in page.read_text(encoding="utf-8")

    page.write_text("made before", encoding="utf-8")
    render_dbt_docs(built, force=True)
    assert "mart_monthly_summary" in page.read_text(encoding="utf-8")
