"""The analyst's report (``<warehouse>/report/index.html``) and the data dictionary (``docs/data-dictionary.md``)."""

from __future__ import annotations

from msdw.report.page import ReportError
from msdw.report.render import render_report

__all__ = ["ReportError", "render_report"]
