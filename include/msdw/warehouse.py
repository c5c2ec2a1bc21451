"""Where things live inside a warehouse folder (warehouse.md, "Zones inside the warehouse folder")."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INBOX = "data/inbox"
DEFAULT_WAREHOUSE = "data/warehouse"
# DuckDB's memory limit for dbt and publishing (linkage's is below): above it, DuckDB spills to disk in the warehouse
# instead of growing until the machine runs out (its own default is 80% of the machine's memory).
MEMORY_LIMIT_ENV = "MSDW_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "3GB"
# Linkage's scoring joins spill more than dbt's models under 3 GB (the link task of the ten-year backfill at scale 100:
# 798 s within 5 GB, 913 s within 3 GB, 831 s within 4 GB); it runs alone, before dbt, so it is given more.
LINKAGE_MEMORY_LIMIT_ENV = "MSDW_LINKAGE_MEMORY_LIMIT"
DEFAULT_LINKAGE_MEMORY_LIMIT = "4GB"


@dataclass(frozen=True)
class Warehouse:
    root: Path

    @classmethod
    def at(cls, root: str | os.PathLike[str]) -> Warehouse:
        return cls(Path(root).expanduser().resolve())

    @property
    def archive(self) -> Path:
        """Every file ever received, by SHA-256 (owner-only)."""
        return self.root / "archive"

    @property
    def raw(self) -> Path:
        """Accepted return versions, typed and pseudonymised: ``raw/<table>/<month>/<submitter>__v<n>__<sha>``."""
        return self.root / "raw"

    @property
    def ledger_db(self) -> Path:
        """The audit ledger of every file and return version (DuckDB)."""
        return self.root / "ledger.duckdb"

    @property
    def ledger_export(self) -> Path:
        """A Parquet copy of the return versions in the ledger, read by dbt."""
        return self.raw / "_ledger" / "return_versions.parquet"

    @property
    def build_db(self) -> Path:
        """Where dbt builds staging, intermediate and mart models."""
        return self.root / "build.duckdb"

    @property
    def marts(self) -> Path:
        """The published database, replaced atomically after the mart gate passes."""
        return self.root / "marts.duckdb"

    @property
    def open_data(self) -> Path:
        return self.root / "open_data"

    @property
    def data_docs(self) -> Path:
        return self.root / "data_docs"

    @property
    def dbt_docs(self) -> Path:
        return self.root / "dbt_docs"

    @property
    def report(self) -> Path:
        """The analysts' monthly report (``report/index.html``)."""
        return self.root / "report"

    @property
    def gx(self) -> Path:
        """Great Expectations' file context: validation results kept between runs."""
        return self.root / "gx"

    @property
    def key_file(self) -> Path:
        """The local pseudonym key, created with mode 0600 when ``MSDW_PSEUDONYM_KEY`` is not set."""
        return self.root / "pseudonym.key"

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def spill(self) -> Path:
        """Where DuckDB writes what does not fit in its memory limit."""
        return self.tmp / "duckdb_spill"

    @property
    def cache(self) -> Path:
        """What is costly to make and safe to make again (the report's Vega JavaScript)."""
        return self.tmp / "cache"

    def ensure(self) -> Warehouse:
        self.root.mkdir(parents=True, exist_ok=True)
        self.archive.mkdir(mode=0o700, exist_ok=True)
        self.archive.chmod(0o700)
        self.raw.mkdir(exist_ok=True)
        self.tmp.mkdir(exist_ok=True)
        return self


def memory_limit() -> str:
    """DuckDB's memory limit for dbt and publishing: ``MSDW_DUCKDB_MEMORY_LIMIT`` (a DuckDB size such as ``6GB``), else
    ``DEFAULT_MEMORY_LIMIT``."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def linkage_memory_limit() -> str:
    """DuckDB's memory limit for linkage: ``MSDW_LINKAGE_MEMORY_LIMIT``, else ``MSDW_DUCKDB_MEMORY_LIMIT`` (a limit
    set for all the heavy work holds for linkage too), else ``DEFAULT_LINKAGE_MEMORY_LIMIT``."""
    return os.environ.get(LINKAGE_MEMORY_LIMIT_ENV) or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_LINKAGE_MEMORY_LIMIT


def duckdb_config(warehouse: Warehouse, limit: str | None = None) -> dict[str, str]:
    """The configuration of a DuckDB connection doing heavy work in ``warehouse``: ``limit`` (by default
    :func:`memory_limit`), spilling to its spill folder, which is created here (DuckDB creates only the last folder
    of its temporary directory)."""
    warehouse.spill.mkdir(parents=True, exist_ok=True)
    return {"memory_limit": limit or memory_limit(), "temp_directory": os.fspath(warehouse.spill)}
