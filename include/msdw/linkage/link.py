"""Link victim identifications into persons, incrementally, and keep person ids stable.

A run reads the features of every identification in the raw zone (:mod:`msdw.linkage.features`) and the state of
the last run (:mod:`msdw.linkage.state`). Identifications not linked before, or whose features changed (a revised
return), are *new*; only they are compared: with each other (``predict_within``) and with the rest
(``predict_between``), so a run costs about the new records, not the whole history. Links at or above the model's
threshold are added to the kept links; links of identifications that disappeared or changed are dropped. Persons
are the connected components of the kept links, and get their ids by the rules of :mod:`msdw.linkage.clusters`.

The model is trained on the first run (or with ``retrain=True``, which also relinks everything while keeping ids
where the rules allow) and saved to ``model.json``; later runs load it, so results are reproducible.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from msdw.failpoints import failpoint
from msdw.linkage import model as mdl
from msdw.linkage.clusters import Assignment, assign_ids, components
from msdw.linkage.errors import LinkageError
from msdw.linkage.features import FEATURES_TABLE, load_features
from msdw.linkage.state import LinkagePaths, load_state, save_state, write_person_links
from msdw.warehouse import Warehouse, duckdb_config, linkage_memory_limit

log = logging.getLogger(__name__)

TF_TABLE = "linkage_tf_name_key"
TRAINING_TABLE = "linkage_training"
PREDICT_CHUNK = 250_000  # new identifications scored in one pass


@dataclass(frozen=True)
class LinkResult:
    run_id: int
    identifications: int
    new_identifications: int
    removed_identifications: int
    edges_added: int
    persons: int
    new_persons: int
    merged_persons: int
    retrained: bool
    seconds: float
    person_links: str
    skipped: str | None = None  # why nothing was linked, when so

    def __str__(self) -> str:
        if self.skipped:
            return f"linkage skipped: {self.skipped}"
        return (
            f"linkage run {self.run_id}: {self.identifications} identifications ({self.new_identifications} new, "
            f"{self.removed_identifications} removed), {self.edges_added} links added, {self.persons} persons "
            f"({self.new_persons} new, {self.merged_persons} merged){', model retrained' if self.retrained else ''}, "
            f"{self.seconds:.1f} s"
        )


def link_persons(
    warehouse: Warehouse,
    retrain: bool = False,
    config: mdl.ModelConfig | None = None,
    threads: int | None = None,
    chunk: int = PREDICT_CHUNK,
) -> LinkResult:
    """Link the identifications of ``warehouse`` into persons and write ``linkage/person_links.parquet``; new
    identifications are scored ``chunk`` at a time (see :func:`_predict_new`)."""
    started = time.monotonic()
    paths = LinkagePaths.of(warehouse)
    paths.root.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config=duckdb_config(warehouse, linkage_memory_limit()))
    if threads:
        con.execute(f"set threads = {int(threads)}")
    stages = _Stages()
    try:
        load_features(con, warehouse, cache_dir=paths.root)
        con.execute(f"alter table {FEATURES_TABLE} add column is_new boolean default false")
        stages.done("features")
        load_state(con, paths)
        run_id = con.execute("select coalesce(max(run_id), 0) + 1 from state.runs").fetchall()[0][0]
        retrained = retrain or not paths.model.exists()
        trainable = con.execute(f"select count(*) from {FEATURES_TABLE} where name_key is not null").fetchall()[0][0]
        if retrained and trainable < mdl.MIN_TRAINING_RECORDS:
            return _skipped(
                paths,
                f"only {trainable} identifications with names to train the linkage model on (at least "
                f"{mdl.MIN_TRAINING_RECORDS} needed); person ids come from exact pseudonym matches until more "
                f"months are ingested (or a trained model.json is copied into {paths.root})",
                time.monotonic() - started,
            )
        try:
            settings = _model(con, paths, retrained, config or mdl.ModelConfig())
        except TooLittleData as exc:
            return _skipped(paths, str(exc), time.monotonic() - started)
        stages.done("model")
        if retrained:
            con.execute("delete from state.linked")
            con.execute("delete from state.edges")
        removed = _drop_changed(con)
        new_count = _mark_new(con)
        threshold = settings.get("msdw_threshold", (config or mdl.ModelConfig()).threshold)
        edges_added = _predict_new(con, settings, threshold, run_id, new_count, chunk) if new_count else 0
        stages.done("scoring")
        con.execute(
            f"insert into state.linked select identification_id, fingerprint, {run_id} from {FEATURES_TABLE} "
            "where is_new"
        )
        assignment = _assign(con)
        _store_assignment(con, assignment, run_id)
        stages.done("person ids")
        persons = len(set(assignment.person_of.values()))
        seconds = time.monotonic() - started
        result = LinkResult(
            run_id=run_id,
            identifications=len(assignment.person_of),
            new_identifications=new_count,
            removed_identifications=removed,
            edges_added=edges_added,
            persons=persons,
            new_persons=assignment.new_persons,
            merged_persons=len(assignment.merged),
            retrained=retrained,
            seconds=seconds,
            person_links=str(paths.person_links),
        )
        con.execute(
            "insert into state.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                datetime.now(UTC).replace(tzinfo=None),
                result.identifications,
                new_count,
                removed,
                edges_added,
                persons,
                assignment.new_persons,
                len(assignment.merged),
                retrained,
                seconds,
            ],
        )
        save_state(con, paths)
        failpoint("linkage")
        write_person_links(con, paths)
        stages.done("saving")
        log.info("%s (%s)", result, stages)
        return result
    finally:
        con.close()


class _Stages:
    """Seconds spent in each stage of a run, for the log."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def done(self, stage: str) -> None:
        now = time.monotonic()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self._last = now

    def __str__(self) -> str:
        return ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in self.seconds.items())


class TooLittleData(LinkageError):
    """The data cannot train the model yet."""


def _skipped(paths: LinkagePaths, reason: str, seconds: float) -> LinkResult:
    log.warning("linkage skipped: %s", reason)
    return LinkResult(0, 0, 0, 0, 0, 0, 0, 0, False, seconds, str(paths.person_links), skipped=reason)


def _drop_changed(con: duckdb.DuckDBPyConnection) -> int:
    """Forget identifications that disappeared or whose features changed, and their links; returns how many."""
    con.execute(
        f"""
        create temp table gone as
        select s.identification_id from state.linked s
        left join {FEATURES_TABLE} f using (identification_id)
        where f.identification_id is null or f.fingerprint <> s.fingerprint
        """
    )
    count = con.execute("select count(*) from gone").fetchall()[0][0]
    if count:
        con.execute(
            "delete from state.edges where identification_id_l in (select identification_id from gone) "
            "or identification_id_r in (select identification_id from gone)"
        )
        con.execute("delete from state.linked where identification_id in (select identification_id from gone)")
    return count


def _mark_new(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        f"update {FEATURES_TABLE} set is_new = true "
        "where identification_id not in (select identification_id from state.linked)"
    )
    return con.execute(f"select count(*) from {FEATURES_TABLE} where is_new").fetchall()[0][0]


def _model(
    con: duckdb.DuckDBPyConnection, paths: LinkagePaths, retrain: bool, config: mdl.ModelConfig
) -> dict[str, Any]:
    if not retrain:
        try:
            return mdl.load(paths.model)
        except (OSError, ValueError) as exc:
            raise LinkageError(
                f"cannot read the linkage model {paths.model} ({exc}): restore it, or relink with retrain=True "
                "(`msdw linkage-report --retrain`)"
            ) from exc
    training = _training_table(con, config.training_records)
    if not _pairs_share_name_and_birth_date(con, training):
        # The chance that two records match is estimated from these pairs: with none it is 0, and Splink's match
        # weights (its logarithm) cannot be computed.
        raise TooLittleData(
            "no two records share both a name and a date of birth, so the chance that two records are the same "
            "person cannot be estimated yet; person ids come from exact pseudonym matches until more months are "
            "ingested"
        )
    from splink import DuckDBAPI, Linker

    mdl.quiet_splink()
    db_api = DuckDBAPI(connection=con)
    _create_tf_table(con)
    linker = Linker(db_api.register(training), mdl.settings(), log_level=None)
    linker.table_management.register_term_frequency_lookup(db_api.register(TF_TABLE), "name_key")
    from splink.internals.exceptions import EMTrainingException

    try:
        mdl.train(linker, config)
    except EMTrainingException as exc:
        raise TooLittleData(
            "too few pairs of similar records to estimate the linkage model; person ids come from exact pseudonym "
            f"matches until more months are ingested ({str(exc).splitlines()[0]})"
        ) from exc
    settings = mdl.floor_m_probabilities(linker.misc.save_model_to_json())
    settings["msdw_threshold"] = config.threshold
    mdl.save(settings, paths.model)
    return settings


def _training_table(con: duckdb.DuckDBPyConnection, records: int) -> str:
    """The identifications the model is trained on: all of them, or above ``records`` a sample of that many, the
    same on every retrain (ordered by a digest of the id). Pairs of a random sample keep the shares of matches and
    of each comparison level among the pairs of each training rule, while their number falls with the square of
    the sample's share: at ten years and scale 100, training read every pair of 4.3 million identifications."""
    total = con.execute(f"select count(*) from {FEATURES_TABLE}").fetchall()[0][0]
    if total <= records:
        return FEATURES_TABLE
    con.execute(
        f"create or replace table {TRAINING_TABLE} as select * from {FEATURES_TABLE} "
        f"order by md5(identification_id), identification_id limit {int(records)}"
    )
    log.info("linkage: training on a sample of %d of %d identifications", records, total)
    return TRAINING_TABLE


def _pairs_share_name_and_birth_date(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether any two records of ``table`` agree on the name and the date of birth (the rule the model's prior is
    estimated on, :func:`msdw.linkage.model.train`)."""
    return con.execute(
        f"select exists (select 1 from {table} l join {table} r using (name_key, dob_key)"
        " where l.identification_id < r.identification_id)"
    ).fetchall()[0][0]


def _create_tf_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""
        create or replace table {TF_TABLE} as
        select name_key, count(*) / sum(count(*)) over () as tf_name_key
        from {FEATURES_TABLE} where name_key is not null group by name_key
        """
    )


def _predict_new(
    con: duckdb.DuckDBPyConnection, settings: dict[str, Any], threshold: float, run_id: int, new_count: int, chunk: int
) -> int:
    """Score the new identifications against each other and the rest; keep links at or above ``threshold``.

    The new identifications are scored in passes of at most ``chunk``: pass *k* scores its records with each other
    and with every record not new or of an earlier pass, so each pair is scored once, as in one pass, while the
    blocked pairs Splink materialises at a time shrink with the number of passes: in one pass, a first run over
    ten years at scale 100 needs more than DuckDB's memory limit."""
    from splink import DuckDBAPI, Linker

    mdl.quiet_splink()
    _create_tf_table(con)
    passes = max(1, -(-new_count // max(chunk, 1)))
    con.execute(
        f"""create or replace temp table linkage_pass as
        select identification_id, ntile({passes}) over (order by identification_id) as pass
        from {FEATURES_TABLE} where is_new"""
    )
    total = con.execute(f"select count(*) from {FEATURES_TABLE}").fetchall()[0][0]
    db_api = DuckDBAPI(connection=con)
    # only the ids and the probability are kept: carrying the compared columns through scoring cost about 10%
    lean = {"retain_matching_columns": False, "retain_intermediate_calculation_columns": False}
    linker = Linker(db_api.register(FEATURES_TABLE), mdl.splink_settings(settings) | lean, log_level=None)
    linker.table_management.register_term_frequency_lookup(db_api.register(TF_TABLE), "name_key")
    added = 0
    for k in range(1, passes + 1):
        new_name, old_name = f"linkage_new_{k}", f"linkage_old_{k}"
        con.execute(
            f"create or replace table {new_name} as select f.* from {FEATURES_TABLE} f"
            f" join linkage_pass p using (identification_id) where p.pass = {k}"
        )
        con.execute(  # a view: a copy of every earlier record on each pass would be rewritten pass after pass
            f"create or replace temp view {old_name} as select f.* from {FEATURES_TABLE} f"
            f" left join linkage_pass p using (identification_id) where p.pass is null or p.pass < {k}"
        )
        new = db_api.register(new_name)
        tables = [linker.inference.predict_within(new, threshold_match_probability=threshold, warning_mode="never")]
        if k > 1 or new_count < total:
            old = db_api.register(old_name)
            tables.append(
                linker.inference.predict_between(old, new, threshold_match_probability=threshold, warning_mode="never")
            )
        for table in tables:
            added += _keep_links(con, table.physical_name, threshold, run_id)
            table.drop_table_from_database_and_remove_from_cache()
        con.execute(f"drop table {new_name}")
        con.execute(f"drop view {old_name}")
        if passes > 1:
            log.info("linkage: scored pass %d of %d (%d links so far)", k, passes, added)
    return added


def _keep_links(con: duckdb.DuckDBPyConnection, scored: str, threshold: float, run_id: int) -> int:
    con.execute(
        f"""
        insert into state.edges
        select least(identification_id_l, identification_id_r), greatest(identification_id_l,
            identification_id_r), match_probability, match_weight, {run_id}
        from {scored}
        where match_probability >= {threshold}
        """
    )
    counted = con.execute(f"select count(*) from {scored} where match_probability >= ?", [threshold])
    return counted.fetchall()[0][0]


def _assign(con: duckdb.DuckDBPyConnection) -> Assignment:
    rows = con.execute(f"select identification_id, coalesce(identified_date, month) from {FEATURES_TABLE}").fetchall()
    order = {iid: (day, iid) for iid, day in rows}
    edges = con.execute("select identification_id_l, identification_id_r from state.edges").fetchall()
    previous = dict(con.execute("select identification_id, person_id from state.links").fetchall())
    counter = con.execute("select value from state.counters where name = 'next_person'").fetchall()
    return assign_ids(components(order, edges), order, previous, counter[0][0] if counter else 1)


def _store_assignment(con: duckdb.DuckDBPyConnection, assignment: Assignment, run_id: int) -> None:
    links = pa.table(
        {
            "identification_id": pa.array(list(assignment.person_of), pa.string()),
            "person_id": pa.array(list(assignment.person_of.values()), pa.string()),
        }
    )
    merges = pa.table(
        {
            "person_id": pa.array(list(assignment.merged), pa.string()),
            "merged_into": pa.array(list(assignment.merged.values()), pa.string()),
            "run_id": pa.array([run_id] * len(assignment.merged), pa.int64()),
        }
    )
    con.execute("delete from state.links")
    con.register("assigned_links", links)
    con.register("assigned_merges", merges)
    try:
        con.execute("insert into state.links select * from assigned_links")
        con.execute("insert into state.merges select * from assigned_merges")
    finally:
        con.unregister("assigned_links")
        con.unregister("assigned_merges")
    con.execute("delete from state.counters where name = 'next_person'")
    con.execute("insert into state.counters values ('next_person', ?)", [assignment.next_number])
