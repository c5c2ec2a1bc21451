"""Pairwise precision and recall against a ground truth, and the linkage-report command."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import duckdb
import pytest

from msdw.linkage import LinkageError, add_report_arguments, evaluate, report_main
from msdw.linkage.evaluate import pairwise_metrics
from msdw.warehouse import Warehouse
from tests.unit.linkage.cases import CASES, all_records


def _labelled(rows: list[tuple[str, str, str]]) -> str:
    values = ", ".join(f"('{a}', '{b}', '{c}')" for a, b, c in rows)
    return f"select * from (values {values}) t(identification_id, person_id, true_person_id)"


def test_pairwise_metrics_count_pairs_within_predicted_and_true_persons():
    # truth: {1, 2, 3} and {4, 5}; predicted: {1, 2} and {3, 4, 5}
    rows = [("1", "X", "A"), ("2", "X", "A"), ("3", "Y", "A"), ("4", "Y", "B"), ("5", "Y", "B")]
    m = pairwise_metrics(duckdb.connect(), _labelled(rows))
    assert (m.predicted_pairs, m.true_pairs, m.correct_pairs) == (4, 4, 2)
    assert m.precision == pytest.approx(0.5)
    assert m.recall == pytest.approx(0.5)
    assert m.f1 == pytest.approx(0.5)
    assert (m.identifications, m.persons, m.true_persons) == (5, 2, 2)


def test_perfect_links_score_one():
    rows = [("1", "X", "A"), ("2", "X", "A"), ("3", "Y", "B")]
    m = pairwise_metrics(duckdb.connect(), _labelled(rows))
    assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)


def _truth(folder: Path) -> Path:
    """The true persons of the test records: a background person's second record is ``<ref>-2``."""
    folder.mkdir(parents=True, exist_ok=True)
    case_of = {r.identification_id: f"CASE-{name}" for name, pair in CASES.items() for r in pair}
    with (folder / "persons.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["identification_id", "true_person_id"])
        for r in all_records():
            out.writerow([r.identification_id, case_of.get(r.identification_id, r.ref.removesuffix("-2"))])
        out.writerow(["POLICE:E23000001:NEVER-INGESTED", "TP-QUARANTINED"])
    return folder


def test_evaluate_measures_the_links_against_the_truth(linked: Warehouse, tmp_path: Path):
    metrics = evaluate(linked, _truth(tmp_path / "truth"))
    assert metrics.identifications == len(all_records())
    assert metrics.true_pairs > 200
    assert metrics.precision > 0.9
    assert metrics.recall > 0.7


def test_evaluate_without_truth_says_where_to_find_it(linked: Warehouse, tmp_path: Path):
    with pytest.raises(LinkageError, match="--truth"):
        evaluate(linked, tmp_path / "nowhere")


def test_linkage_report_prints_the_figures_and_writes_the_charts(
    linked: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    charts = tmp_path / "charts"
    args = parser.parse_args(
        ["--warehouse", str(linked.root), "--truth", str(_truth(tmp_path / "truth")), "--charts", str(charts)]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "pairwise precision" in out and "recall" in out and "F1" in out
    for name in ("match_weights", "m_u_parameters", "threshold_selection", "comparison_viewer"):
        page = charts / f"{name}.html"
        assert page.stat().st_size > 1000, name
        assert "<html" in page.read_text()[:2000].lower()


def test_linkage_report_as_json(linked: Warehouse, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    parser = argparse.ArgumentParser()
    add_report_arguments(parser)
    args = parser.parse_args(
        ["--warehouse", str(linked.root), "--truth", str(_truth(tmp_path / "t")), "--no-charts", "--json"]
    )
    assert report_main(args) == 0
    out = capsys.readouterr().out
    assert '"precision"' in out and '"recall"' in out
