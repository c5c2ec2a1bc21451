"""Retention: archived files whose period in ``retention.yml`` is over are destroyed, with a record in the ledger.

The policy (``retention.yml`` at the top of the project, or ``MSDW_RETENTION_POLICY``, or ``--policy``) gives a
period to each rule:

- ``superseded``: a version replaced by a later accepted version of its return, from when the later one arrived;
- ``quarantined``: a quarantined version, from when it arrived;
- ``rejected``: a file that was no return at all, from when it arrived;
- ``all``: everything, from when it arrived;
- ``quality_results`` (optional, 24 months): the data-quality records (validation results of both gates, the mart
  gate's summaries and their Data Docs pages), from when they were made (:func:`purge_quality_results`).

An archived file is destroyed only when every use of it (the versions and rejected files with its SHA-256) has
expired; a version still waiting to be processed never expires. Destroying crypto-shreds the file
(:meth:`msdw.archive.Archive.destroy`), removes its versions' raw files, and records each version or rejected file in
the ledger's ``deletions`` table first (so that a crash leaves a record, and running again finishes the work). It then
removes ``build.duckdb``, which holds copies of the rows; the next build makes it again from the raw zone, and the
marts lose the rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from msdw.archive import Archive
from msdw.ledger import Deletion, Ledger
from msdw.returns import MsdwError
from msdw.warehouse import Warehouse

POLICY_ENV = "MSDW_RETENTION_POLICY"
DEFAULT_POLICY = Path(__file__).resolve().parents[2] / "retention.yml"
RULES = ("superseded_months", "quarantined_months", "rejected_months", "all_years")
# Rules a policy may leave out, with their periods when it does.
OPTIONAL_RULES = {"quality_results_months": 24}


@dataclass(frozen=True)
class Policy:
    superseded_months: int
    quarantined_months: int
    rejected_months: int
    all_years: int
    quality_results_months: int = OPTIONAL_RULES["quality_results_months"]
    source: str = "retention.yml"

    @classmethod
    def load(cls, path: Path | None = None) -> Policy:
        path = path or Path(os.environ.get(POLICY_ENV) or DEFAULT_POLICY)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise MsdwError(f"retention policy {path}: {exc.strerror}; give it with --policy or {POLICY_ENV}") from None
        missing = [r for r in RULES if r not in data]
        known = (*RULES, *OPTIONAL_RULES)
        unknown = sorted(set(data) - set(known))
        bad = [r for r in known if r in data and (not isinstance(data[r], int) or data[r] < 0)]
        if missing or unknown or bad:
            raise MsdwError(
                f"retention policy {path}: "
                + "; ".join(
                    ([f"missing {', '.join(missing)}"] if missing else [])
                    + ([f"unknown {', '.join(unknown)}"] if unknown else [])
                    + ([f"{', '.join(bad)} must be whole numbers, 0 or more"] if bad else [])
                )
                + f" (the rules are {', '.join(RULES)})"
            )
        given = {r: data[r] for r in (*RULES, *OPTIONAL_RULES) if r in data}
        return cls(**given, source=os.fspath(path))


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


@dataclass(frozen=True)
class Expired:
    """One use of an archived file whose period is over: a version of a return, or a rejected file."""

    sha256: str
    rule: str
    return_key: str | None
    version: int | None
    received_at: dt.datetime

    @property
    def label(self) -> str:
        what = f"{self.return_key} v{self.version}" if self.return_key else "rejected file"
        return f"{what} (sha256 {self.sha256[:16]}, received {self.received_at:%Y-%m-%d})"


def expired(warehouse: Warehouse, policy: Policy, as_of: dt.date | None = None) -> list[Expired]:
    """Every use of an archived file that is past its period, for files of which every use is."""
    archive = Archive.open(warehouse, create=False)  # a wrong or missing key stops here, before anything is read
    today = as_of or dt.datetime.now(dt.UTC).date()
    cut = {
        "superseded": _months_before(today, policy.superseded_months),
        "quarantined": _months_before(today, policy.quarantined_months),
        "rejected": _months_before(today, policy.rejected_months),
        "all": _months_before(today, 12 * policy.all_years),
    }
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        uses = con.execute(
            """
            select sha256, return_key, version, status, received_at,
                   (select min(l.received_at) from versions l where l.return_key = v.return_key
                      and l.version > v.version and l.status = 'ACCEPTED') as superseded_at
            from versions v
            union all
            select distinct sha256, null, null, 'REJECTED', mtime, null from sightings
            where outcome = 'REJECTED' and sha256 is not null
            order by 5, 1, 2, 3
            """
        ).fetchall()
    found: dict[str, list[Expired | None]] = {}
    for sha, key, version, status, received, superseded_at in uses:
        rule = None
        if status == "PENDING":
            rule = None
        elif received.date() < cut["all"]:
            rule = "all"
        elif superseded_at is not None and superseded_at.date() < cut["superseded"]:
            rule = "superseded"
        elif status == "QUARANTINED" and received.date() < cut["quarantined"]:
            rule = "quarantined"
        elif status == "REJECTED" and received.date() < cut["rejected"]:
            rule = "rejected"
        found.setdefault(sha, []).append(Expired(sha, rule, key, version, received) if rule else None)
    return [
        e
        for sha, entries in found.items()
        if all(entries) and archive.path(sha).exists()
        for e in entries
        if e is not None
    ]


def apply_retention(
    warehouse: Warehouse, policy: Policy, as_of: dt.date | None = None, dry_run: bool = False
) -> list[Expired]:
    """Destroy every expired archived file (unless ``dry_run``); returns the expired uses."""
    found = expired(warehouse, policy, as_of)
    if dry_run or not found:
        return found
    archive = Archive.open(warehouse, create=False)
    ledger = Ledger(warehouse.ledger_db)
    with ledger.connect() as con:
        con.begin()
        ledger.record_deletions(
            con, [Deletion(e.sha256, e.rule, e.return_key, e.version, e.received_at, policy.source) for e in found]
        )
        con.commit()
    for e in found:
        if e.return_key and e.version:
            _, submitter, month, _ = e.return_key.split("|")
            for path in warehouse.raw.glob(f"*/{month}/{submitter}__v{e.version}__{e.sha256[:16]}.parquet"):
                path.unlink()
    for sha in sorted({e.sha256 for e in found}):
        archive.destroy(sha)
    _drop_build_database(warehouse)
    return found


def purge_quality_results(
    warehouse: Warehouse, policy: Policy, as_of: dt.date | None = None, dry_run: bool = False
) -> list[Path]:
    """Remove the data-quality records older than ``quality_results_months`` (unless ``dry_run``): the Great
    Expectations validation results of both gates, the mart gate's run summaries and their Data Docs pages. They hold
    the values that failed (never a name or a date of birth) of returns that may since have been destroyed. Data Docs
    are rendered again at the next gate. Returns the files removed (or that would be)."""
    from msdw.quality.context import validations_dir
    from msdw.quality.docs import RENDERED

    today = as_of or dt.datetime.now(dt.UTC).date()
    cut = _months_before(today, policy.quality_results_months)
    cut_ns = int(dt.datetime.combine(cut, dt.time(), tzinfo=dt.UTC).timestamp() * 1e9)
    kept = (
        (validations_dir(warehouse.gx), "*.json"),
        (warehouse.gx / "uncommitted" / "mart_gate", "*.json"),
        (warehouse.data_docs / "validations", "*.html"),
    )
    old = [
        path
        for folder, pattern in kept
        if folder.is_dir()
        for path in sorted(folder.rglob(pattern))
        if path.is_file() and path.stat().st_mtime_ns < cut_ns
    ]
    if dry_run or not old:
        return old
    for path in old:
        path.unlink()
    for folder, _ in kept:  # the folders GX made per suite and run, now empty
        for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                sub.rmdir()
    (warehouse.data_docs / RENDERED).unlink(missing_ok=True)  # the index may link to removed pages: render it all
    return old


def _drop_build_database(warehouse: Warehouse) -> None:
    """Remove ``build.duckdb``: it holds copies of the destroyed rows (staging and intermediate models), and its
    incremental models would keep the rows of a month left with none. The next build makes it again from the raw
    zone (a full build)."""
    for path in (warehouse.build_db, warehouse.build_db.with_name(warehouse.build_db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(warehouse.build_db.with_name(warehouse.build_db.name + ".tmp"), ignore_errors=True)
