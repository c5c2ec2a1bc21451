"""Linkage features of every victim identification, read from the raw zone's pseudonym columns.

One row per identification (``identification_id`` = ``<agency_code>:<submitter>:<record ref>``) from the latest
accepted version of each return of every table that describes a person. Only pseudonyms and coarse values are used:
keyed pseudonyms of name tokens, their phonetic codes and character bigrams, year and month of birth, the date-of-birth
pseudonym, age, gender, nationality, agency, place and date of identification.

Derived here:
- ``name_key``: the sorted name-token pseudonyms joined, so the same names in any order (swapped given and family
  names) give the same key.
- ``phonetic_key``: the same over the phonetic codes.
- ``gram_bits_a``, ``gram_bits_b``: the bigram pseudonyms hashed into a 254-bit bitmap, so that the Jaccard
  similarity of two names is a few bit operations (bit collisions raise it slightly).
- ``birth_year_est``: the year of birth, else the identification year less the age estimate (within a year).
- ``identified_week``: the week number of the identification date, derived when the latest rows are read (not
  cached), so that joint-work blocking rules join on equal weeks.
- ``fingerprint``: a digest of the compared features, so a later run sees which identifications changed.

Raw files are never rewritten (their names carry the content's digest), so the rows derived from each file are kept
in a cache (``<linkage folder>/features-<layout>.duckdb``, see :class:`FeatureCache`): a run reads and derives only
the files added since the last one, then picks the latest version of each return and the latest month of each
identification over all of them, and looks up where each was made.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from msdw import reference
from msdw.files import replace_atomically
from msdw.raw import PERSON_COLUMNS
from msdw.sources import Table, victim_tables
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)

FEATURES_TABLE = "linkage_features"
FILE_ROWS_TABLE = "linkage_file_rows"
GLAA_INVESTIGATIONS = "glaa_investigations"

FINGERPRINT_COLUMNS = (
    "given_name_key",
    "family_name_key",
    "name_key",
    "phonetic_key",
    "array_to_string(name_gram_keys, ' ')",
    "dob_key",
    "birth_year_est",
    "gender",
    "nationality",
)
GRAM_BITS = 127  # bits of each of the two bitmaps of a name's bigram pseudonyms
# Where a table's identifications were made, as (how, column), from its description's Place: the submitting police
# force, a force code column, a port (looked up to its police force) or a GLAA investigation (looked up to the force
# of its latest return); none otherwise.
PLACE_SUBMITTER, PLACE_COLUMN, PLACE_PORT, PLACE_INVESTIGATION = "submitter", "column", "port", "investigation"
PLACE_LOOKUPS = {("seed", "ports"): PLACE_PORT, ("latest", GLAA_INVESTIGATIONS): PLACE_INVESTIGATION}


@dataclass(frozen=True)
class PersonTable:
    """A raw table of identifications: where its rows come from and how its ids and places are formed."""

    table: Table
    agency_code: str
    ref_column: str
    place_via: str | None  # PLACE_SUBMITTER, PLACE_PORT, PLACE_INVESTIGATION or None
    place_column: str | None  # the column looked up

    @property
    def name(self) -> str:
        return self.table.name


def _place(table: Table) -> tuple[str | None, str | None]:
    place = table.identifications.place if table.identifications else None
    if place is None:
        return None, None
    if place.via == "submitter":
        return PLACE_SUBMITTER, "_submitter"
    if place.via == "column":
        return PLACE_COLUMN, place.column
    via = PLACE_LOOKUPS.get((place.via, place.lookup or ""))
    if via is None:
        raise ValueError(f"{table.name}: linkage has no look-up of places via {place.via} {place.lookup}")
    return via, place.column


def person_tables() -> tuple[PersonTable, ...]:
    """Every table of the source descriptions whose rows are victims identified."""
    found = []
    for source, table in victim_tables():
        if table.person is None or table.identifications is None:
            continue
        via, column = _place(table)
        found.append(PersonTable(table, source.agency_code, table.identifications.record_ref, via, column))
    return tuple(found)


def _file_list(files: list[str]) -> str:
    return ", ".join("'" + f.replace("'", "''") + "'" for f in files)


def _load_places(con: duckdb.DuckDBPyConnection, raw_root: Path) -> None:
    """Look-ups of where identifications were made: each port's police force, each GLAA investigation's force."""
    ports = [(p.port_code, p.force_code) for p in reference.ports().values()]
    con.execute("create or replace temp table linkage_ports (port_code varchar, force_code varchar)")
    if ports:
        con.executemany("insert into linkage_ports values (?, ?)", ports)
    con.execute(
        "create or replace temp table linkage_investigation_areas (investigation_ref varchar, force_code varchar)"
    )
    files = [os.fspath(raw_root / f) for f in _files(raw_root, GLAA_INVESTIGATIONS)]
    if files:
        con.execute(
            f"""
            insert into linkage_investigation_areas
            select investigation_ref, arg_max(force_code, _month)
            from (
                select * from read_parquet([{_file_list(files)}], union_by_name = true)
                qualify _version = max(_version) over (partition by _submitter, _month, _part)
            )
            where force_code is not null
            group by investigation_ref
            """
        )


def _files(raw_root: Path, table: str) -> list[str]:
    """The raw files of ``table``, relative to ``raw_root`` (so a cache survives a warehouse moved elsewhere)."""
    return sorted(os.fspath(p.relative_to(raw_root)) for p in (raw_root / table).glob("*/*.parquet"))


def _bitmap_sql(column: str, half: int) -> str:
    """One half of a 254-bit bitmap of the hashed elements of ``column``: a compact set for fast Jaccard."""
    position = f"(hash(x) % {2 * GRAM_BITS})"
    shifted = f"1::hugeint << ({position} % {GRAM_BITS})::hugeint"
    bit = f"case when {position} // {GRAM_BITS} = {half} then {shifted} else 0::hugeint end"
    return f"list_reduce(list_transform({column}, lambda x: {bit}), lambda a, b: a | b, 0::hugeint)"


def _file_rows_sql(pt: PersonTable, files: list[str]) -> str:
    """The derived rows of every record of ``files`` (all versions), with what picks the latest of them."""
    person = pt.table.person
    assert person is not None
    place_value = f"cast(t.{pt.place_column} as varchar)" if pt.place_column else "null::varchar"
    place_via = f"'{pt.place_via}'" if pt.place_via else "null::varchar"
    rows = f"""
    select
        '{pt.name}' as _table, t.filename as _file, t._part, t._version,
        '{pt.agency_code}:' || t._submitter || ':' || t.{pt.ref_column} as identification_id,
        '{pt.agency_code}' as agency_code,
        t._submitter as submitter,
        t._month as month,
        cast(t.{person.identified} as date) as identified_date,
        {place_via} as place_via,
        {place_value} as place_value,
        case when t.gender in ('MALE', 'FEMALE', 'OTHER') then t.gender end as gender,
        case when t.nationality is not null and t.nationality <> 'UNK' then t.nationality end as nationality,
        {", ".join("t." + c for c in PERSON_COLUMNS)}
    from read_parquet([{_file_list(files)}], union_by_name = true, filename = true) t
    """
    derived = f"""
    select
        *,
        case when len(name_token_keys) > 0 then array_to_string(name_token_keys, ' ') end as name_key,
        case when len(name_phonetic_keys) > 0 then array_to_string(name_phonetic_keys, ' ') end as phonetic_key,
        {_bitmap_sql("name_gram_keys", 0)} as gram_bits_a,
        {_bitmap_sql("name_gram_keys", 1)} as gram_bits_b,
        coalesce(
            birth_year,
            case when age_at_identification is not null then year(identified_date) - age_at_identification end
        )::integer as birth_year_est
    from ({rows})
    """
    parts = ", ".join(f"coalesce(cast({c} as varchar), '')" for c in FINGERPRINT_COLUMNS)
    return f"select *, md5(concat_ws('|', {parts})) as fingerprint from ({derived})"


FEATURE_TYPES: dict[str, str] = {
    "identification_id": "VARCHAR",
    "agency_code": "VARCHAR",
    "submitter": "VARCHAR",
    "month": "DATE",
    "identified_date": "DATE",
    "place": "VARCHAR",  # the police force area where the person was identified
    "gender": "VARCHAR",
    "nationality": "VARCHAR",
    **PERSON_COLUMNS,
    "name_key": "VARCHAR",
    "phonetic_key": "VARCHAR",
    "gram_bits_a": "HUGEINT",
    "gram_bits_b": "HUGEINT",
    "birth_year_est": "INTEGER",
    "fingerprint": "VARCHAR",
}
# Derived when the latest rows are picked, not cached: whole weeks from 1970-01-01 to the date of identification, so
# that a blocking rule can join records identified within days of each other on equal keys (the same week or an
# adjacent one).
WEEK_SQL = "(l.identified_date - date '1970-01-01') // 7"
DERIVED_TYPES: dict[str, str] = {"identified_week": "BIGINT"}


def _latest_sql(file_rows: str) -> str:
    """From every file's rows: the latest version of each return, the latest month of each identification, and
    the police force area of its place."""
    columns = ", ".join(f"{_place_case()} as place" if c == "place" else f"l.{c}" for c in FEATURE_TYPES)
    columns += f", {WEEK_SQL} as identified_week"
    return f"""
    with versions as (
        select * from {file_rows}
        qualify _version = max(_version) over (partition by _table, submitter, month, _part)
    ),
    latest as (
        select * from versions
        qualify row_number() over (
            partition by identification_id order by month desc, _table, _part, _file, fingerprint
        ) = 1
    )
    select
        {columns}
    from latest l
    left join linkage_ports p on l.place_via = '{PLACE_PORT}' and p.port_code = l.place_value
    left join linkage_investigation_areas a
        on l.place_via = '{PLACE_INVESTIGATION}' and a.investigation_ref = l.place_value
    order by l.identification_id
    """


def _place_case() -> str:
    return (
        f"case l.place_via when '{PLACE_SUBMITTER}' then l.place_value when '{PLACE_COLUMN}' then l.place_value "
        f"when '{PLACE_PORT}' then p.force_code "
        f"when '{PLACE_INVESTIGATION}' then a.force_code end"
    )


def _relative_files_sql(rows_sql: str, raw_root: Path) -> str:
    prefix = len(os.fspath(raw_root).rstrip(os.sep)) + len(os.sep)
    return f"select * replace (substr(_file, {prefix + 1}) as _file) from ({rows_sql})"


def layout_digest() -> str:
    """What the cached rows depend on: the SQL deriving them (tables, columns, derivations)."""
    sql = "\n".join(_file_rows_sql(pt, ["<file>"]) for pt in person_tables())
    return hashlib.sha256(sql.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class FeatureCache:
    """The rows derived from each raw file, by file, in one DuckDB file of the linkage folder. Its name carries
    :func:`layout_digest`, so a change of what is derived starts a new cache; rows of files no longer in the raw
    zone are dropped when it is next written."""

    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / f"features-{layout_digest()}.duckdb"

    def stale(self) -> list[Path]:
        return [p for p in self.folder.glob("features-*.duckdb") if p != self.path]


FileStamp = tuple[int, int]  # size and modification time (ns) of a raw file


def _stamps(raw_root: Path, files: set[str]) -> dict[str, FileStamp]:
    stamps = {}
    for f in files:
        st = (raw_root / f).stat()
        stamps[f] = (st.st_size, st.st_mtime_ns)
    return stamps


def _read_cache(
    con: duckdb.DuckDBPyConnection, cache: FeatureCache, current: dict[str, FileStamp]
) -> tuple[set[str], bool]:
    """Load the cached rows of files still in the raw zone, unchanged, into FILE_ROWS_TABLE; returns those files
    (with or without rows), and whether the cache held files since removed or changed."""
    if not cache.path.exists():
        return set(), False
    try:
        con.execute(f"attach '{_quote(cache.path)}' as linkage_cache (read_only)")
        try:
            con.execute(f"create temp table {FILE_ROWS_TABLE} as select * from linkage_cache.main.file_rows")
            rows = con.execute("select file, size, mtime_ns from linkage_cache.main.files").fetchall()
        finally:
            con.execute("detach linkage_cache")
    except duckdb.Error as exc:
        log.warning("linkage feature cache %s is unreadable (%s): deriving every raw file again", cache.path, exc)
        con.execute(f"drop table if exists {FILE_ROWS_TABLE}")
        return set(), False
    cached = {file: (size, mtime) for file, size, mtime in rows}
    valid = {f for f, stamp in cached.items() if current.get(f) == stamp}
    if not valid:
        con.execute(f"drop table {FILE_ROWS_TABLE}")
    elif len(valid) < len(cached):
        stale = sorted(set(cached) - valid)
        con.execute(f"delete from {FILE_ROWS_TABLE} where _file in (select unnest(?::varchar[]))", [stale])
    return valid, len(valid) < len(cached)


def load_features(
    con: duckdb.DuckDBPyConnection, warehouse: Warehouse, table: str = FEATURES_TABLE, cache_dir: Path | None = None
) -> int:
    """Create ``table`` on ``con`` with the features of every identification; returns its row count. With
    ``cache_dir``, the rows of raw files derived by an earlier run are read from the cache kept there, and the
    rows of files new since then are added to it."""
    raw_root = warehouse.raw
    _load_places(con, raw_root)
    files = {pt.name: _files(raw_root, pt.name) for pt in person_tables()}  # relative to raw_root
    current = _stamps(raw_root, {f for table_files in files.values() for f in table_files})
    cache = FeatureCache(cache_dir) if cache_dir is not None else None
    known, removed = _read_cache(con, cache, current) if cache is not None else (set(), False)
    have_rows = bool(known)
    derived = 0
    for pt in person_tables():
        new_files = [f for f in files[pt.name] if f not in known]
        if not new_files:
            continue
        verb = "insert into" if have_rows else "create temp table"
        rows = _relative_files_sql(_file_rows_sql(pt, [os.fspath(raw_root / f) for f in new_files]), raw_root)
        con.execute(f"{verb} {FILE_ROWS_TABLE} {'by name' if have_rows else 'as'} {rows}")
        have_rows = True
        derived += len(new_files)
    log.info("linkage features: %d raw files, %d from the cache, %d derived", len(current), len(known), derived)
    if not have_rows:
        con.execute(f"create or replace table {table} as select * from ({empty_features_sql()})")
        return 0
    if cache is not None and (derived or removed):
        _write_cache(con, cache, current)
    con.execute(f"create or replace table {table} as {_latest_sql(FILE_ROWS_TABLE)}")
    con.execute(f"drop table {FILE_ROWS_TABLE}")
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _write_cache(con: duckdb.DuckDBPyConnection, cache: FeatureCache, files: dict[str, FileStamp]) -> None:
    stamps = pa.table(
        {
            "file": pa.array(list(files), pa.string()),
            "size": pa.array([s for s, _ in files.values()], pa.int64()),
            "mtime_ns": pa.array([m for _, m in files.values()], pa.int64()),
        }
    )

    def write(tmp: Path) -> None:
        con.execute(f"attach '{_quote(tmp)}' as linkage_cache_new")
        con.register("linkage_cache_stamps", stamps)
        try:
            con.execute(
                f"create table linkage_cache_new.main.file_rows as select * from {FILE_ROWS_TABLE} order by _file"
            )
            con.execute("create table linkage_cache_new.main.files as select * from linkage_cache_stamps")
        finally:
            con.unregister("linkage_cache_stamps")
            con.execute("detach linkage_cache_new")

    replace_atomically(cache.path, write)
    for old in cache.stale():
        old.unlink(missing_ok=True)


def _quote(path: Path) -> str:
    return os.fspath(path).replace("'", "''")


def empty_features_sql() -> str:
    types = FEATURE_TYPES | DERIVED_TYPES
    return f"select {', '.join(f'null::{t} as {c}' for c, t in types.items())} limit 0"
