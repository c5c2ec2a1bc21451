"""Ingestion of one source: parse, validate and load every pending return version into the raw zone.

Versions are processed in batches; each batch is parsed file by file (in bulk inside each file), then validated by
one Great Expectations run per table over all of the batch's files, then written to the raw zone. A version is
accepted or quarantined as a whole. A raw file is written (atomically) before its version is marked ACCEPTED, so a
crash between the two leaves a PENDING version that the next run processes again, writing the same file.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from msdw import raw
from msdw.archive import Archive
from msdw.failpoints import failpoint
from msdw.files import replace_atomically
from msdw.ledger import Ledger, Outcome, Version
from msdw.parse import ParsedReturn, Parser
from msdw.pseudonymise import load_key
from msdw.returns import Issue, identify
from msdw.sources import Source, table
from msdw.sources.spec import Dropped, UniqueWithin
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)
BATCH = 200  # return versions validated together, at most
# and at most this much content (a workbook counted unzipped): a batch of 120 GLAA workbooks at scale 100 (1.5 GB of
# sheets) held 8 GB while parsed and validated
BATCH_BYTES = 256 * 1024**2


@dataclass
class IngestResult:
    source: str
    accepted: list[str] = field(default_factory=list)
    quarantined: dict[str, list[str]] = field(default_factory=dict)
    rows: int = 0
    warnings: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.accepted)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "accepted": self.accepted,
            "quarantined": self.quarantined,
            "rows": self.rows,
            "warnings": self.warnings,
        }


@dataclass
class _Work:
    version: Version
    parsed: ParsedReturn
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.version.original_path} (v{self.version.version})"


def ingest_source(
    source: Source, warehouse: Warehouse, progress: Callable[[int, int], None] | None = None
) -> IngestResult:
    """Process every PENDING version of ``source``; returns what was accepted and quarantined."""
    ledger = Ledger(warehouse.ledger_db)
    pending = ledger.pending(source.name)
    result = IngestResult(source.name)
    if not pending:
        ledger.export_versions(warehouse.ledger_export)
        return result
    parser = Parser(load_key(warehouse.key_file))
    from msdw.quality.context import warehouse_context

    context = warehouse_context(warehouse)
    done = 0
    for versions, contents in _batches(warehouse, pending):
        batch = _parse(parser, versions, contents)
        failpoint("parse")
        _validate(batch, context)
        _check_unique_across_returns(parser.con, warehouse, batch)
        _check_dropped(parser.con, warehouse, batch)
        _store(ledger, warehouse, batch, result)
        done += len(versions)
        if progress:
            progress(done, len(pending))
    ledger.export_versions(warehouse.ledger_export)
    return result


def _batches(warehouse: Warehouse, pending: list[Version]) -> Iterator[tuple[list[Version], list[bytes]]]:
    """The pending versions in order, with their archived content, in batches of at most :data:`BATCH` versions and
    :data:`BATCH_BYTES` of content (one version at least)."""
    archive = Archive.open(warehouse, create=False)
    versions: list[Version] = []
    contents: list[bytes] = []
    size = 0
    for version in pending:
        content = archive.read(version.sha256)
        weight = content_size(content)
        if versions and (len(versions) == BATCH or size + weight > BATCH_BYTES):
            yield versions, contents
            versions, contents, size = [], [], 0
        versions.append(version)
        contents.append(content)
        size += weight
    if versions:
        yield versions, contents


def content_size(content: bytes) -> int:
    """The size of a file's content as read: a zip container (a workbook) counts its members unzipped."""
    if content[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return sum(member.file_size for member in archive.infolist())
        except zipfile.BadZipFile:
            pass
    return len(content)


def _parse(parser: Parser, versions: list[Version], contents: list[bytes]) -> list[_Work]:
    files = [(v.original_path, c, identify(v.original_path)) for v, c in zip(versions, contents, strict=True)]
    batch = []
    for version, parsed in zip(versions, parser.parse_many(files), strict=True):
        work = _Work(version, parsed)
        if not parsed.errors:
            work.tables = {name: _with_metadata(typed, version) for name, typed in parsed.tables.items()}
        batch.append(work)
    return batch


def _with_metadata(typed: pa.Table, version: Version) -> pa.Table:
    """Put the metadata columns of :data:`msdw.raw.METADATA_COLUMNS` in front of the typed columns."""
    n = typed.num_rows
    identity = version.identity
    columns = {
        "_sha256": pa.repeat(pa.scalar(version.sha256, pa.string()), n),
        "_source": pa.repeat(pa.scalar(identity.source, pa.string()), n),
        "_submitter": pa.repeat(pa.scalar(identity.submitter, pa.string()), n),
        "_month": pa.repeat(pa.scalar(identity.month_start, pa.date32()), n),
        "_part": pa.repeat(pa.scalar(identity.part, pa.string()), n),
        "_version": pa.repeat(pa.scalar(version.version, pa.int32()), n),
        "_received_at": pa.repeat(pa.scalar(version.received_at, pa.timestamp("us")), n),
        "_row": typed.column("_row"),
    }
    for name in typed.column_names:
        if name != "_row":
            columns[name] = typed.column(name)
    return pa.table(columns)


def _validate(batch: list[_Work], context: object) -> None:
    """One Great Expectations validation per table over every parsed file of the batch."""
    by_table: dict[str, list[_Work]] = defaultdict(list)
    for work in batch:
        for name in work.tables:
            by_table[name].append(work)
    for name, works in by_table.items():
        for round_ in _distinct_files(works):
            _validate_round(name, round_, context)


def _distinct_files(works: list[_Work]) -> list[list[_Work]]:
    """Split works into rounds in which no two share a SHA-256 (two forces may send byte-identical files), since the
    gate tells files apart by their hash."""
    rounds: list[list[_Work]] = []
    for work in works:
        for round_ in rounds:
            if all(w.version.sha256 != work.version.sha256 for w in round_):
                round_.append(work)
                break
        else:
            rounds.append([work])
    return rounds


def _validate_round(name: str, works: list[_Work], context: object) -> None:
    from msdw.quality.returns import validate_table

    frames = [w.tables[name] for w in works if w.tables[name].num_rows]
    if frames:
        combined = pa.concat_tables(frames, promote_options="permissive")
        failures = validate_table(table(name), combined.to_pandas(), context)
        for work in works:
            for failure in failures.get(work.version.sha256, []):
                where = f"{work.version.original_path}" + (f" [{table(name).sheet}]" if table(name).sheet else "")
                work.parsed.errors.append(
                    Issue(where, failure.reason or failure.message, _first(failure.rows), failure.column)
                )


def _first(rows: list[int]) -> int | None:
    return rows[0] if rows else None


def _check_unique_across_returns(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, batch: list[_Work]) -> None:
    """``UniqueWithin(scope='submitter')``: a ref may not appear in another month's return of the same submitter.

    One query per table and batch: the batch's new rows against the latest version of every return already in the
    raw zone, and against each other (the later month is the one at fault).
    """
    by_file = {(w.version.sha256, w.version.identity.submitter, w.version.identity.month_start): w for w in batch}
    for name in sorted({n for w in batch for n in w.tables}):
        rules = [r for r in table(name).rules if isinstance(r, UniqueWithin) and r.scope == "submitter"]
        live = [w.tables[name] for w in batch if not w.parsed.errors and name in w.tables]
        if not rules or not live:
            continue
        new = pa.concat_tables(live, promote_options="permissive")
        con.register("new_rows", new)
        try:
            for rule in rules:
                cols = ", ".join(f'"{c}"' for c in rule.columns)
                existing = "select null::varchar as _sha256, null::varchar as _submitter, null::date as _month"
                existing += "".join(f", null::varchar as {c}" for c in cols.split(", ")) + " where false"
                if (warehouse.raw / name).exists() and any((warehouse.raw / name).glob("*/*.parquet")):
                    files = raw.table_glob(warehouse.raw, name)
                    existing = (
                        f"select _sha256, _submitter, _month, {cols} from read_parquet('{files}')"
                        " qualify _version = max(_version) over (partition by _submitter, _month)"
                    )
                clashes = con.execute(
                    f"""with old as ({existing}),
                    others as (
                        select _sha256, _submitter, _month, {cols}, false as in_batch from old
                        union all select _sha256, _submitter, _month, {cols}, true from new_rows
                    )
                    select n._sha256, n._submitter, n._month, n._row, n.{cols.split(", ")[0]}, min(o._month) as month
                    from new_rows n join others o using (_submitter, {cols})
                    where o._month <> n._month and (not o.in_batch or o._month < n._month)
                    group by all order by n._sha256, n._row"""
                ).fetchall()
                for sha, submitter, file_month, row, ref, month in clashes:
                    work = by_file[(sha, submitter, file_month)]
                    work.parsed.errors.append(
                        Issue(
                            work.version.original_path,
                            f"{rule.columns[0]} {ref!r} was already reported in {month:%Y-%m}: refs must be unique "
                            "across every return of the submitter",
                            row,
                            rule.columns[0],
                        )
                    )
        finally:
            con.unregister("new_rows")


def _check_dropped(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, batch: list[_Work]) -> None:
    """:class:`~msdw.sources.spec.Dropped`: rows live last month that vanished without being closed (a warning)."""
    in_batch = {
        (name, w.version.identity.submitter, w.version.identity.month): typed
        for w in batch
        if not w.parsed.errors
        for name, typed in w.tables.items()
    }
    for work in batch:
        if work.parsed.errors:
            continue
        for name, typed in work.tables.items():
            for rule in table(name).rules:
                if not isinstance(rule, Dropped):
                    continue
                identity = work.version.identity
                start = identity.month_start
                previous = f"{start.year - (start.month == 1)}-{(start.month - 2) % 12 + 1:02d}"
                before = in_batch.get((name, identity.submitter, previous)) or _latest_raw(
                    warehouse, name, previous, identity.submitter
                )
                if before is None:
                    continue
                con.register("before_rows", before)
                con.register("now_rows", typed)
                try:
                    live = ", ".join(f"'{s}'" for s in rule.live)
                    dropped = [
                        r[0]
                        for r in con.execute(
                            f'select "{rule.key}" from before_rows where "{rule.status}" in ({live})'
                            f' and "{rule.key}" not in (select "{rule.key}" from now_rows) order by 1'
                        ).fetchall()
                    ]
                finally:
                    con.unregister("before_rows")
                    con.unregister("now_rows")
                if dropped:
                    listed = ", ".join(dropped[:10]) + (f" and {len(dropped) - 10} more" if len(dropped) > 10 else "")
                    work.parsed.warnings.append(
                        Issue(
                            work.version.original_path,
                            f"{len(dropped)} dropped without closure (live in {previous}, absent now): {listed}",
                            column=rule.key,
                        )
                    )


def _latest_raw(warehouse: Warehouse, name: str, month: str, submitter: str) -> pa.Table | None:
    files = list((warehouse.raw / name / month).glob(f"{submitter}__v*__*.parquet"))
    if not files:
        return None
    newest = max(files, key=lambda p: int(p.name.split("__")[1][1:]))
    return pq.read_table(newest)


def _store(ledger: Ledger, warehouse: Warehouse, batch: list[_Work], result: IngestResult) -> None:
    """Write the accepted versions' raw files, then mark the whole batch in one ledger transaction."""
    outcomes = []
    for work in batch:
        parsed, version = work.parsed, work.version
        warnings = [str(w) for w in parsed.warnings]
        if parsed.errors:
            errors = [str(e) for e in parsed.errors]
            outcomes.append(Outcome(version, "QUARANTINED", 0, warnings, errors))
            result.quarantined[work.label] = errors
            log.warning("%s quarantined: %s", work.label, "; ".join(errors[:3]))
            continue
        rows = 0
        for name, typed in work.tables.items():
            identity = version.identity
            target = raw.version_path(
                warehouse.raw, name, identity.month, identity.submitter, version.version, version.sha256
            )
            _write_parquet(typed, target)
            rows += typed.num_rows
        outcomes.append(Outcome(version, "ACCEPTED", rows, warnings, []))
        result.accepted.append(work.label)
        result.rows += rows
        result.warnings += len(warnings)
    failpoint("raw_write")
    with ledger.connect() as con:
        con.begin()
        ledger.finish(con, outcomes)
        con.commit()


def _write_parquet(typed: pa.Table, target: Path) -> None:
    replace_atomically(target, lambda temp: pq.write_table(typed, temp, compression="zstd"))
