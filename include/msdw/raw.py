"""The raw zone: one Parquet file per accepted return version and table, typed and pseudonymised.

Layout: ``<warehouse>/raw/<table>/<YYYY-MM>/<submitter>__v<version>__<sha256[:16]>.parquet``.

Every file carries the metadata columns of :data:`METADATA_COLUMNS`, then the table's non-personal columns typed as
in :data:`DUCKDB_TYPES`, then, for tables describing a person, the pseudonym columns of :data:`PERSON_COLUMNS`
instead of names and dates of birth. A version that is not accepted has no file here.

The ledger's return versions are exported beside them as ``raw/_ledger/return_versions.parquet``
(:data:`LEDGER_VERSION_COLUMNS`), so dbt reads the whole raw zone as Parquet.
"""

from __future__ import annotations

import os
from pathlib import Path

from msdw.sources.spec import ColumnType, Table

DUCKDB_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",  # UTC
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.MONEY: "DECIMAL(18,2)",
    ColumnType.ENUM: "VARCHAR",
    ColumnType.NATIONALITY: "VARCHAR",  # ISO 3166-1 alpha-3, or UNK
    ColumnType.NATIONALITY_COUNTS: "STRUCT(nationality_code VARCHAR, suspects BIGINT)[]",
    ColumnType.EXPLOITATION_LIST: "VARCHAR[]",
}

METADATA_COLUMNS: dict[str, str] = {
    "_sha256": "VARCHAR",  # of the file, as archived
    "_source": "VARCHAR",
    "_submitter": "VARCHAR",
    "_month": "DATE",  # reporting month, first day
    "_part": "VARCHAR",
    "_version": "INTEGER",  # 1 for the first version of the return, 2 for its first revision...
    "_received_at": "TIMESTAMP",  # UTC
    "_row": "INTEGER",  # row of the file (CSV line, sheet row, JSON line) the record came from
}

PERSON_COLUMNS: dict[str, str] = {
    "given_name_key": "VARCHAR",  # keyed pseudonym of the normalised given name(s)
    "family_name_key": "VARCHAR",  # keyed pseudonym of the normalised family name
    "name_token_keys": "VARCHAR[]",  # keyed pseudonyms of every normalised name token, given and family
    "name_phonetic_keys": "VARCHAR[]",  # keyed pseudonyms of each token's phonetic code
    "name_gram_keys": "VARCHAR[]",  # keyed pseudonyms of each token's character bigrams, for similarity
    "birth_year": "INTEGER",
    "birth_month": "INTEGER",
    "dob_key": "VARCHAR",  # keyed pseudonym of the full date of birth
    "age_at_identification": "INTEGER",  # from the date of birth, else the age estimate
    "age_source": "VARCHAR",  # DATE_OF_BIRTH | ESTIMATE | null
}

LEDGER_VERSION_COLUMNS: dict[str, str] = {
    "return_key": "VARCHAR",  # source|submitter|YYYY-MM|part
    "source": "VARCHAR",
    "submitter": "VARCHAR",
    "month": "DATE",
    "part": "VARCHAR",
    "version": "INTEGER",
    "sha256": "VARCHAR",
    "original_path": "VARCHAR",
    "received_at": "TIMESTAMP",
    "status": "VARCHAR",  # ACCEPTED | QUARANTINED
    "rows": "BIGINT",
    "warnings": "BIGINT",
    "warning_text": "VARCHAR",
    "error_text": "VARCHAR",
    "processed_at": "TIMESTAMP",
}


def table_columns(table: Table) -> dict[str, str]:
    """The columns of ``table`` in the raw zone, in order, with their DuckDB types."""
    columns = dict(METADATA_COLUMNS)
    for col in table.columns:
        if not col.is_personal:
            columns[col.name] = DUCKDB_TYPES[col.type]
    if table.person is not None:
        columns.update(PERSON_COLUMNS)
    return columns


def version_path(root: Path, table: str, month: str, submitter: str, version: int, sha256: str) -> Path:
    return root / table / month / f"{submitter}__v{version}__{sha256[:16]}.parquet"


def table_glob(root: Path, table: str) -> str:
    return os.fspath(root / table / "*" / "*.parquet")
