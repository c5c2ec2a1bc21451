"""What linkage keeps between runs, in ``<warehouse>/linkage/``.

- ``state.duckdb``: ``linked`` (every identification already linked, with a fingerprint of its features),
  ``edges`` (accepted pairwise links, with the run that found them), ``links`` (identification -> person id),
  ``merges`` (person ids merged into another, with the run), ``runs`` (one row a run) and ``counters``.
- ``model.json``: the trained Splink model (settings with m and u).
- ``person_links.parquet``: identification_id, person_id (read by dbt).

Each file is written whole beside its target and renamed over it, so a reader sees the old or the new version.
``state.duckdb`` is written first: ``person_links.parquet`` is always derived from it, and a later run rewrites it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from msdw.files import replace_atomically
from msdw.warehouse import Warehouse

STATE_TABLES: dict[str, str] = {
    "linked": "identification_id varchar primary key, fingerprint varchar, run_id integer",
    "edges": "identification_id_l varchar, identification_id_r varchar, match_probability double, "
    "match_weight double, run_id integer",
    "links": "identification_id varchar primary key, person_id varchar",
    "merges": "person_id varchar, merged_into varchar, run_id integer",
    "runs": "run_id integer, started_at timestamp, identifications bigint, new_identifications bigint, "
    "removed_identifications bigint, edges_added bigint, persons bigint, new_persons bigint, merged_persons bigint, "
    "retrained boolean, seconds double",
    "counters": "name varchar primary key, value bigint",
}


@dataclass(frozen=True)
class LinkagePaths:
    root: Path

    @classmethod
    def of(cls, warehouse: Warehouse) -> LinkagePaths:
        return cls(warehouse.root / "linkage")

    @property
    def state(self) -> Path:
        return self.root / "state.duckdb"

    @property
    def model(self) -> Path:
        return self.root / "model.json"

    @property
    def person_links(self) -> Path:
        return self.root / "person_links.parquet"


def load_state(con: duckdb.DuckDBPyConnection, paths: LinkagePaths, schema: str = "state") -> None:
    """Create schema ``schema`` on ``con`` holding the state tables (empty when there is no state yet)."""
    con.execute(f"create schema if not exists {schema}")
    for table, columns in STATE_TABLES.items():
        con.execute(f"create or replace table {schema}.{table} ({columns})")
    if not paths.state.exists():
        return
    con.execute(f"attach '{_quote(paths.state)}' as saved_state (read_only)")
    try:
        for table in STATE_TABLES:
            con.execute(f"insert into {schema}.{table} by name select * from saved_state.main.{table}")
    finally:
        con.execute("detach saved_state")


def save_state(con: duckdb.DuckDBPyConnection, paths: LinkagePaths, schema: str = "state") -> None:
    """Write the state tables of ``schema`` to ``state.duckdb``, replacing it atomically."""

    def write(tmp: Path) -> None:
        con.execute(f"attach '{_quote(tmp)}' as new_state")
        try:
            for table, columns in STATE_TABLES.items():
                con.execute(f"create table new_state.main.{table} ({columns})")
                con.execute(f"insert into new_state.main.{table} by name select * from {schema}.{table}")
        finally:
            con.execute("detach new_state")

    replace_atomically(paths.state, write)


def write_person_links(con: duckdb.DuckDBPyConnection, paths: LinkagePaths, schema: str = "state") -> None:
    def write(tmp: Path) -> None:
        con.execute(
            f"copy (select identification_id, person_id from {schema}.links order by identification_id) "
            f"to '{_quote(tmp)}' (format parquet)"
        )

    replace_atomically(paths.person_links, write)


def _quote(path: Path) -> str:
    return os.fspath(path).replace("'", "''")
