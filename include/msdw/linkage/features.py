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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from msdw import reference
from msdw.raw import PERSON_COLUMNS
from msdw.sources import SOURCES, Table
from msdw.warehouse import Warehouse

FEATURES_TABLE = "linkage_features"


GLAA_INVESTIGATIONS = "glaa_investigations"


@dataclass(frozen=True)
class PersonTable:
    """A raw table of identifications: where its rows come from and how its ids and places are formed."""

    table: Table
    agency_code: str
    ref_column: str
    place_sql: str  # the police force area where the person was identified, as SQL over the table's columns

    @property
    def name(self) -> str:
        return self.table.name


def _place_sql(agency_code: str, columns: set[str]) -> str:
    if "port" in columns:
        return "(select force_code from linkage_ports p where p.port_code = t.port)"
    if "investigation_ref" in columns:
        return "(select force_code from linkage_investigation_areas a where a.investigation_ref = t.investigation_ref)"
    return "t._submitter" if agency_code == "POLICE" else "null"


def person_tables() -> tuple[PersonTable, ...]:
    """Every table of the source descriptions that describes a person."""
    found = []
    for source in SOURCES:
        for table in source.tables:
            if table.person is None:
                continue
            columns = {c.name for c in table.columns}
            found.append(PersonTable(table, source.agency_code, table.key[0], _place_sql(source.agency_code, columns)))
    return tuple(found)


def _load_places(con: duckdb.DuckDBPyConnection, raw_root: Path) -> None:
    """Look-ups of where identifications were made: each port's police force, each GLAA investigation's force."""
    ports = [(p.port_code, p.force_code) for p in reference.ports().values()]
    con.execute("create or replace temp table linkage_ports (port_code varchar, force_code varchar)")
    if ports:
        con.executemany("insert into linkage_ports values (?, ?)", ports)
    con.execute(
        "create or replace temp table linkage_investigation_areas (investigation_ref varchar, force_code varchar)"
    )
    files = _files(raw_root, GLAA_INVESTIGATIONS)
    if files:
        file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(
            f"""
            insert into linkage_investigation_areas
            select investigation_ref, arg_max(force_code, _month)
            from (
                select * from read_parquet([{file_list}], union_by_name = true)
                qualify _version = max(_version) over (partition by _submitter, _month, _part)
            )
            where force_code is not null
            group by investigation_ref
            """
        )


def _files(raw_root: Path, table: str) -> list[str]:
    return sorted(os.fspath(p) for p in (raw_root / table).glob("*/*.parquet"))


def _select_sql(pt: PersonTable, files: list[str]) -> str:
    person = pt.table.person
    assert person is not None
    file_list = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    return f"""
    select
        '{pt.agency_code}:' || _submitter || ':' || {pt.ref_column} as identification_id,
        '{pt.agency_code}' as agency_code,
        _submitter as submitter,
        _month as month,
        cast({person.identified} as date) as identified_date,
        cast({pt.place_sql} as varchar) as place,
        case when gender in ('MALE', 'FEMALE', 'OTHER') then gender end as gender,
        case when nationality is not null and nationality <> 'UNK' then nationality end as nationality,
        {", ".join(PERSON_COLUMNS)}
    from read_parquet([{file_list}], union_by_name = true) t
    qualify _version = max(_version) over (partition by _submitter, _month, _part)
    """


GRAM_BITS = 127  # bits of each of the two bitmaps of a name's bigram pseudonyms


def _bitmap_sql(column: str, half: int) -> str:
    """One half of a 254-bit bitmap of the hashed elements of ``column``: a compact set for fast Jaccard."""
    position = f"(hash(x) % {2 * GRAM_BITS})"
    shifted = f"1::hugeint << ({position} % {GRAM_BITS})::hugeint"
    bit = f"case when {position} // {GRAM_BITS} = {half} then {shifted} else 0::hugeint end"
    return f"list_reduce(list_transform({column}, lambda x: {bit}), lambda a, b: a | b, 0::hugeint)"


def features_sql(raw_root: Path) -> str | None:
    """SQL selecting the features of every identification in the raw zone (None when it holds none)."""
    parts = []
    for pt in person_tables():
        files = _files(raw_root, pt.name)
        if files:
            parts.append(_select_sql(pt, files))
    if not parts:
        return None
    unioned = "\nunion all by name\n".join(parts)
    return f"""
    with unioned as ({unioned}),
    latest as (
        select * from unioned
        qualify row_number() over (partition by identification_id order by month desc) = 1
    ),
    derived as (
        select
            *,
            case when len(name_token_keys) > 0 then array_to_string(name_token_keys, ' ') end as name_key,
            case when len(name_phonetic_keys) > 0 then array_to_string(name_phonetic_keys, ' ') end as phonetic_key,
            {_bitmap_sql("name_gram_keys", 0)} as gram_bits_a,
            {_bitmap_sql("name_gram_keys", 1)} as gram_bits_b,
            coalesce(
                birth_year,
                case when age_at_identification is not null
                    then year(identified_date) - age_at_identification end
            )::integer as birth_year_est
        from latest
    )
    select * from derived
    order by identification_id
    """


def load_features(con: duckdb.DuckDBPyConnection, warehouse: Warehouse, table: str = FEATURES_TABLE) -> int:
    """Create ``table`` on ``con`` with the features of every identification; returns its row count."""
    _load_places(con, warehouse.raw)
    sql = features_sql(warehouse.raw)
    if sql is None:
        con.execute(f"create or replace table {table} as select * from ({empty_features_sql()})")
        return 0
    con.execute(f"create or replace table {table} as {sql}")
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def empty_features_sql() -> str:
    return """
    select
        null::varchar as identification_id, null::varchar as agency_code, null::varchar as submitter,
        null::date as month, null::date as identified_date, null::varchar as place, null::varchar as gender,
        null::varchar as nationality, null::varchar as given_name_key, null::varchar as family_name_key,
        null::varchar[] as name_token_keys, null::varchar[] as name_phonetic_keys, null::varchar[] as name_gram_keys,
        null::integer as birth_year, null::integer as birth_month, null::varchar as dob_key,
        null::integer as age_at_identification, null::varchar as age_source, null::varchar as name_key,
        null::varchar as phonetic_key, null::hugeint as gram_bits_a, null::hugeint as gram_bits_b,
        null::integer as birth_year_est
    limit 0
    """
