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
    def archive_key_file(self) -> Path:
        """The local archive master key (mode 0600), apart from the pseudonym key; ``MSDW_ARCHIVE_KEY`` overrides it."""
        return self.root / "archive.key"

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
        """Create the warehouse folder and its zones, owner-only: every zone that holds victim-level data is a 0700
        folder and every such file at the top 0600. With ``MSDW_ANALYST_GROUP`` set, that group may enter the
        warehouse folder (0710, not list it) and read ``marts.duckdb`` (0640); ``open_data/``, ``report/`` and
        ``dbt_docs/`` keep their ordinary modes, readable by whoever may enter the folder."""
        group = analyst_group()
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if group is not None:
            os.chown(self.root, -1, group)
        self.root.chmod(0o700 if group is None else 0o710)
        for zone in (self.archive, self.raw, self.tmp, *(self.root / name for name in CREATED_PRIVATE)):
            zone.mkdir(mode=0o700, exist_ok=True)
        for name in PRIVATE_ZONES:
            path = self.root / name
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o700)
        for path in self.root.iterdir():
            if path.is_file() and not path.is_symlink() and path.name.split(".", 1)[0] in PRIVATE_FILES:
                path.chmod(0o600)
        if self.marts.is_file():
            self.protect_marts(self.marts)
        return self

    def protect_marts(self, path: Path) -> None:
        """Owner-only (0600), or 0640 for the ``MSDW_ANALYST_GROUP`` group: the published database."""
        group = analyst_group()
        if group is None:
            path.chmod(0o600)
        else:
            os.chown(path, -1, group)
            path.chmod(0o640)


ANALYST_GROUP_ENV = "MSDW_ANALYST_GROUP"
# Folders and top-level files (by the name before the first dot) holding victim-level data, or what could reveal it:
# validation results and Data Docs show failing values, Airflow's logs and spill files hold rows.
PRIVATE_ZONES = ("archive", "raw", "linkage", "tmp", "gx", "data_docs", "airflow", "build.duckdb.tmp", "receipts")
PRIVATE_FILES = ("ledger", "build", "pseudonym", "archive")
# Zones made here, empty, so that they are owner-only from the start (the others are made by the tools that fill them).
CREATED_PRIVATE = ("linkage", "gx", "data_docs", "airflow")


def analyst_group() -> int | None:
    """The group id of ``MSDW_ANALYST_GROUP`` (a group name or id), allowed to read ``marts.duckdb``; else None."""
    name = os.environ.get(ANALYST_GROUP_ENV, "").strip()
    if not name:
        return None
    if name.isdigit():
        return int(name)
    import grp

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        from msdw.returns import MsdwError

        raise MsdwError(f"{ANALYST_GROUP_ENV}={name}: no such group; create it or unset {ANALYST_GROUP_ENV}") from None


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
