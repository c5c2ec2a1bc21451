"""Pairwise precision, recall and F1 of the person links against a generator's ground truth, and the model's charts.

A pair of identifications is *predicted* when both have the same person_id, and *true* when both have the same
true_person_id in ``<truth>/persons.csv``. Only identifications present in both the links and the truth count
(records of quarantined returns never reach the links).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from msdw.linkage import model as mdl
from msdw.linkage.errors import LinkageError
from msdw.linkage.features import FEATURES_TABLE, load_features
from msdw.linkage.state import LinkagePaths
from msdw.warehouse import Warehouse

TRUTH_FILE = "persons.csv"


@dataclass(frozen=True)
class Metrics:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    identifications: int
    persons: int
    true_persons: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"pairwise precision {self.precision:.4f}, recall {self.recall:.4f}, F1 {self.f1:.4f} "
            f"({self.correct_pairs} of {self.predicted_pairs} predicted pairs correct, {self.true_pairs} true pairs); "
            f"{self.identifications} identifications, {self.persons} persons linked, {self.true_persons} true persons"
        )


def pairwise_metrics(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> Metrics:
    """Metrics of ``pairs_sql``: a query of (identification_id, person_id, true_person_id), one row each."""
    row = con.execute(
        f"""
        with labelled as ({pairs_sql}),
        predicted as (select count(*) as n from labelled group by person_id),
        truth as (select count(*) as n from labelled group by true_person_id),
        both_ as (select count(*) as n from labelled group by person_id, true_person_id)
        select
            (select coalesce(sum(n * (n - 1) / 2), 0) from predicted)::bigint,
            (select coalesce(sum(n * (n - 1) / 2), 0) from truth)::bigint,
            (select coalesce(sum(n * (n - 1) / 2), 0) from both_)::bigint,
            (select count(*) from labelled),
            (select count(*) from predicted),
            (select count(*) from truth)
        """
    ).fetchall()[0]
    predicted, true, correct, identifications, persons, true_persons = (int(v) for v in row)
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Metrics(precision, recall, f1, predicted, true, correct, identifications, persons, true_persons)


def _truth_sql(truth_dir: Path) -> str:
    path = truth_dir / TRUTH_FILE
    if not path.exists():
        raise LinkageError(
            f"no ground truth at {path}: give the --truth folder `msdw generate` wrote (default: truth/ beside the "
            "inbox)"
        )
    quoted = os.fspath(path).replace("'", "''")
    return (
        f"select identification_id, true_person_id from read_csv('{quoted}', header = true, "
        "columns = {'identification_id': 'VARCHAR', 'true_person_id': 'VARCHAR'})"
    )


def evaluate(warehouse: Warehouse, truth_dir: Path, charts_dir: Path | None = None) -> Metrics:
    """Pairwise metrics of ``linkage/person_links.parquet`` against ``truth_dir``; writes charts into ``charts_dir``."""
    paths = LinkagePaths.of(warehouse)
    if not paths.person_links.exists():
        raise LinkageError(
            f"no person links at {paths.person_links}: run linkage first (`msdw run`, or msdw.linkage.link_persons)"
        )
    con = duckdb.connect()
    try:
        links = os.fspath(paths.person_links).replace("'", "''")
        con.execute(f"create table truth as {_truth_sql(truth_dir)}")
        metrics = pairwise_metrics(
            con,
            f"select l.identification_id, l.person_id, t.true_person_id from read_parquet('{links}') l "
            "join truth t using (identification_id)",
        )
        if charts_dir is not None:
            write_charts(con, warehouse, charts_dir)
        return metrics
    finally:
        con.close()


def write_charts(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, charts_dir: Path) -> list[Path]:
    """Splink's charts of the saved model as HTML: match weights, m and u, threshold selection against the truth
    (table ``truth`` on ``con``), a histogram of match weights and the comparison viewer."""
    from splink import DuckDBAPI, Linker

    paths = LinkagePaths.of(warehouse)
    if not paths.model.exists():
        raise LinkageError(f"no linkage model at {paths.model}: run linkage first")
    mdl.quiet_splink()
    charts_dir.mkdir(parents=True, exist_ok=True)
    load_features(con, warehouse)
    con.execute(
        f"create or replace table labelled as select f.*, t.true_person_id from {FEATURES_TABLE} f "
        "join truth t using (identification_id)"
    )
    con.execute(
        "create or replace table tf_name as select name_key, count(*) / sum(count(*)) over () as tf_name_key "
        "from labelled where name_key is not null group by name_key"
    )
    settings = mdl.splink_settings(mdl.load(paths.model))
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register("labelled"), settings, log_level=None)
    linker.table_management.register_term_frequency_lookup(db_api.register("tf_name"), "name_key")
    written = []

    def save(chart: object, name: str) -> None:
        target = charts_dir / name
        chart.save(os.fspath(target))
        written.append(target)

    save(linker.visualisations.match_weights_chart(), "match_weights.html")
    save(linker.visualisations.m_u_parameters_chart(), "m_u_parameters.html")
    save(
        linker.evaluation.accuracy_analysis_from_labels_column("true_person_id", output_type="threshold_selection"),
        "threshold_selection.html",
    )
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    save(linker.visualisations.match_weights_histogram(predictions), "match_weights_histogram.html")
    viewer = charts_dir / "comparison_viewer.html"
    linker.visualisations.comparison_viewer_dashboard(predictions, os.fspath(viewer), overwrite=True)
    written.append(viewer)
    return written
