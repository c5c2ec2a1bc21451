"""Cross-agency person linkage with Splink on DuckDB: which identifications are the same person.

``link_persons(warehouse)`` links new identifications incrementally and writes ``linkage/person_links.parquet``
(identification_id, person_id); ``evaluate(warehouse, truth_dir, charts_dir)`` measures it against a generator's
ground truth; ``add_report_arguments`` / ``report_main`` make ``msdw linkage-report``. See docs/linkage.md.
"""

from __future__ import annotations

from msdw.linkage.errors import LinkageError
from msdw.linkage.evaluate import Metrics, evaluate
from msdw.linkage.link import LinkResult, link_persons
from msdw.linkage.model import ModelConfig
from msdw.linkage.report import add_report_arguments, report_main

__all__ = [
    "LinkResult",
    "LinkageError",
    "Metrics",
    "ModelConfig",
    "add_report_arguments",
    "evaluate",
    "link_persons",
    "report_main",
]
