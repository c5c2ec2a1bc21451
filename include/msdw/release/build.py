"""Making a release from the published marts: ``make_release`` (what ``msdw release`` and the DAG run)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from msdw.publish import last_publish
from msdw.release.cells import outstanding_by_period, show_tables
from msdw.release.periods import (
    CONFIDENTIAL,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    PROVISIONAL,
    REVISED,
    ReleaseError,
    choose_through,
    periods_between,
)
from msdw.release.tables import controlled_tables, load_months, load_returns, provisional_periods
from msdw.release.vintages import (
    RETURNS_CSV,
    code_version,
    mark_revisions,
    next_release_id,
    previous_release,
    releases_dir,
    same_release,
    seal,
    write_returns,
)
from msdw.release.workbook import REVISIONS_CSV, Cover, convert, soffice, write_csv, write_workbook
from msdw.warehouse import Warehouse

DEFAULT_FREQUENCY = "quarter"
DEFAULT_REVISION_WINDOW_MONTHS = 3  # the latest quarter


@dataclass(frozen=True)
class ReleaseResult:
    release_id: str
    path: Path
    made: bool  # False when the same release had been made already
    revisions: int = 0
    ods: str = ""


def workbook_name(release_id: str) -> str:
    return f"msdw_statistics_{release_id}.xlsx"


def _notes(tables: list, outstanding: dict[str, list[str]], window: int, previous: str | None) -> list[str]:
    notes = [
        f"Disclosure control: a count from 1 to 4 is shown as {CONFIDENTIAL}, and further counts are {CONFIDENTIAL} "
        "so that none can be worked out from totals, from a count it is part of or from the same figure in another "
        f"table. Zeros are shown. A rate made from a {CONFIDENTIAL} count is {CONFIDENTIAL}.",
        f"{NOT_AVAILABLE}: a return that the figure comes from is missing or was quarantined (failed validation) for "
        "a month of the period. Totals over several submitters are shown, counting the returns received, and are "
        f"{PROVISIONAL}.",
        f"{NOT_APPLICABLE}: the figure cannot exist, such as a rate with no denominator or a figure an agency does "
        "not collect.",
        f"{PROVISIONAL}: written after a period, it applies to every figure in the row. A period is provisional while "
        "any of its returns is missing, quarantined or was received late, and for the revision window: the last "
        f"{window} month(s) of the release.",
        f"Revisions policy: figures are revised in the next release when a return is revised, arrives late or is "
        f"accepted after quarantine. A figure that differs from the previous release ({previous or 'none'}) carries "
        f"{REVISED} and is listed in the Revisions table with the returns that caused it. Every release is kept "
        "unchanged in its own folder; msdw release --verify checks it against its manifest.",
        *(note for shown in tables for note in shown.table.notes),
        *(f"Returns not received for {period}: {'; '.join(items)}." for period, items in outstanding.items()),
    ]
    return notes


def make_release(
    warehouse: Warehouse,
    through: str | None = None,
    frequency: str = DEFAULT_FREQUENCY,
    *,
    revision_window: int = DEFAULT_REVISION_WINDOW_MONTHS,
    now: dt.datetime | None = None,
    ods: bool = True,
) -> ReleaseResult:
    """Make a release from ``warehouse``'s published marts into ``releases/<release_id>/`` (never overwriting one);
    when the same release was made already from the same marts, return it."""
    now = now or dt.datetime.now(dt.UTC)
    publish = last_publish(warehouse)
    if publish is None or not warehouse.marts.exists():
        raise ReleaseError(f"no published marts in {warehouse.root}: run `msdw run --warehouse {warehouse.root}` first")
    if revision_window < 0:
        raise ReleaseError(f"--revision-window {revision_window} must be 0 or more months")
    with contextlib.closing(duckdb.connect(os.fspath(warehouse.marts), read_only=True)) as con:
        first, last = con.execute("select min(month), max(month) from mart_return_status").fetchone()
        if first is None:
            raise ReleaseError("the published mart_return_status is empty: no return is expected yet")
        period = choose_through(through, frequency, first, last, now)
        periods = periods_between(first, period)
        made_from = {"published_at": publish["published_at"], "tables": publish["hashes"]}
        settings = {
            "frequency": frequency,
            "revision_window_months": revision_window,
            "through": f"{period.last_month:%Y-%m}",
        }
        existing = same_release(warehouse, period.release_id, made_from, settings)
        if existing:
            return ReleaseResult(existing, releases_dir(warehouse) / existing, made=False)
        load_months(con, periods)
        returns = load_returns(con, period.last_month)
        controlled = controlled_tables(con, periods)
    provisional = provisional_periods(periods, returns, revision_window)
    tables = show_tables(controlled, periods, returns, provisional)
    previous = previous_release(warehouse, frequency)
    revisions = mark_revisions(tables, previous, returns)
    release_id = next_release_id(warehouse, period.release_id)
    releases_dir(warehouse).mkdir(parents=True, exist_ok=True)
    aside = releases_dir(warehouse) / f".making-{uuid.uuid4().hex}"
    aside.mkdir()
    try:
        for shown in tables:
            write_csv(aside / f"{shown.table.name}.csv", shown.frame)
        write_csv(aside / REVISIONS_CSV, revisions)
        write_returns(aside / RETURNS_CSV, returns)
        previous_id = previous.name if previous else None
        workbook = aside / workbook_name(release_id)
        cover = Cover(
            f"Modern slavery statistics: release {release_id}",
            [
                f"Figures for {periods[0].label} to {periods[-1].label}, by {frequency}, with financial-year totals.",
                f"Made at {now:%Y-%m-%d %H:%M} UTC from the warehouse published at {publish['published_at']}.",
            ],
            [
                "Shorthand: [c] confidential, [x] not available, [z] not applicable, [p] provisional, [r] revised.",
                "The Notes sheet explains each, the disclosure control and the revisions policy.",
            ],
        )
        subtitle = (
            f"Compared with release {previous_id}." if previous_id else "The first release: nothing to compare with."
        )
        shown_revisions = revisions if len(revisions) else revisions.reindex([0]).fillna("none")
        outstanding = outstanding_by_period(periods, returns)
        notes = _notes(tables, outstanding, revision_window, previous_id)
        write_workbook(workbook, cover, tables, shown_revisions, subtitle, notes)
        ods_state = _ods(workbook, aside) if ods else "not asked for"
        manifest = {
            "release_id": release_id,
            "frequency": frequency,
            "through": settings["through"],
            "revision_window_months": revision_window,
            "periods": [p.label for p in periods],
            "provisional_periods": sorted(provisional),
            "previous_release": previous_id,
            "revisions": len(revisions),
            "made_from": made_from,
            "made_at": now.isoformat(timespec="seconds"),
            "code_version": code_version(),
            "ods": ods_state,
        }
        seal(aside, manifest, releases_dir(warehouse) / release_id)
    finally:
        if aside.exists():
            shutil.rmtree(aside, ignore_errors=True)
    return ReleaseResult(release_id, releases_dir(warehouse) / release_id, True, len(revisions), ods_state)


def _ods(workbook: Path, folder: Path) -> str:
    """Make the ODS copy with LibreOffice, or say why it was not made (the release goes on without it)."""
    if soffice() is None:
        return "not made: LibreOffice is not installed (apt-get install libreoffice-calc-nogui)"
    try:
        (made,) = convert(workbook, "ods", folder)
    except (RuntimeError, OSError, ValueError) as exc:
        return f"not made: {exc}"
    return made.name
