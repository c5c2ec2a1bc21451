"""Vintages: release ids, immutable release folders, their manifests, and the revisions between two releases.

A release folder ``releases/<release_id>/`` is written aside (``releases/.making-*``), then renamed into place, and
its files are made read-only: it is never written again. ``manifest.json`` lists the SHA-256 of every
other file, so :func:`verify` can tell whether a release is still exactly as published.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

import msdw
from msdw.files import fsync_dir
from msdw.release.periods import MARKERS, PERIOD_MARKERS, REVISED, ReleaseError
from msdw.release.tables import ReturnState, Shown
from msdw.release.workbook import cell_text
from msdw.warehouse import Warehouse

MANIFEST = "manifest.json"
RETURNS_CSV = "returns.csv"
RELEASES = "releases"
REVISION_COLUMNS = ("Table", "Period", "Row", "Column", "Previous value", "New value", "Caused by")
_ID = re.compile(r"^(\d{4}-(?:Q[1-4]|\d{2}))(?:\.(\d+))?$")


def releases_dir(warehouse: Warehouse) -> Path:
    return warehouse.root / RELEASES


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    """msdw's version, with the git commit of its checkout when there is one."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=Path(msdw.__file__).parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return f"{msdw.__version__}+{commit}" if commit else msdw.__version__


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def list_releases(warehouse: Warehouse) -> list[dict[str, Any]]:
    """The manifest of every release, oldest first."""
    root = releases_dir(warehouse)
    if not root.is_dir():
        return []
    found = [
        read_manifest(folder) for folder in root.iterdir() if _ID.match(folder.name) and (folder / MANIFEST).exists()
    ]
    return sorted(found, key=lambda m: (m["made_at"], m["release_id"]))


def release_folder(warehouse: Warehouse, release_id: str) -> Path:
    folder = releases_dir(warehouse) / release_id
    if not _ID.match(release_id) or not (folder / MANIFEST).is_file():
        known = ", ".join(m["release_id"] for m in list_releases(warehouse)) or "none yet"
        raise ReleaseError(f"no release {release_id!r} in {releases_dir(warehouse)} (releases: {known})")
    return folder


def verify(warehouse: Warehouse, release_id: str) -> list[str]:
    """What differs between a release folder and its manifest: [] when every file is as published."""
    folder = release_folder(warehouse, release_id)
    files: dict[str, str] = read_manifest(folder)["files"]
    problems = [f"{name}: missing" for name in sorted(files) if not (folder / name).is_file()]
    problems += [
        f"{name}: SHA-256 differs from the manifest"
        for name, digest in sorted(files.items())
        if (folder / name).is_file() and sha256_file(folder / name) != digest
    ]
    extra = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST and p.name not in files)
    return problems + [f"{name}: not in the manifest" for name in extra]


def next_release_id(warehouse: Warehouse, base: str) -> str:
    """``base`` for the first release of a period, then ``base.2``, ``base.3`` ..."""
    taken = [_ID.match(m["release_id"]) for m in list_releases(warehouse)]
    numbers = [int(match.group(2) or 1) for match in taken if match and match.group(1) == base]
    return base if not numbers else f"{base}.{max(numbers) + 1}"


def same_release(warehouse: Warehouse, base: str, made_from: dict[str, Any], settings: dict[str, Any]) -> str | None:
    """The id of a release of the same period already made from the same marts with the same settings."""
    for manifest in reversed(list_releases(warehouse)):
        match = _ID.match(manifest["release_id"])
        if match and match.group(1) == base:
            same = manifest["made_from"]["tables"] == made_from["tables"]
            if same and all(manifest.get(key) == value for key, value in settings.items()):
                return manifest["release_id"]
            return None
    return None


def previous_release(warehouse: Warehouse, frequency: str) -> Path | None:
    """The folder of the latest release of the same frequency, if any."""
    found = [m for m in list_releases(warehouse) if m["frequency"] == frequency]
    return releases_dir(warehouse) / found[-1]["release_id"] if found else None


def strip_markers(text: str) -> str:
    for marker in PERIOD_MARKERS:
        text = text.replace(f" {marker}", "")
    return text


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _causes(previous: dict[tuple, ReturnState], now: Sequence[ReturnState], months: set, shown: Shown) -> str:
    parts = set(shown.table.parts)
    found = []
    for state in now:
        if state.month not in months or (state.source, state.part) not in parts:
            continue
        before = previous.get((state.month, state.source, state.submitter, state.part))
        if before is None or before.accepted_sha256 == state.accepted_sha256:
            continue
        if before.accepted_sha256 is None:
            found.append(f"{state.label} received ({state.status})")
        elif state.accepted_sha256 is None:
            found.append(f"{state.label} withdrawn ({state.status})")
        else:
            found.append(f"{state.label} revised")
    return "; ".join(found) or "no return of these months changed: the linkage of persons or reference data did"


def read_returns(folder: Path) -> dict[tuple, ReturnState]:
    states = {}
    for row in _read_csv(folder / RETURNS_CSV):
        month = dt.date.fromisoformat(row["month"])
        state = ReturnState(
            month, row["source"], row["submitter"], row["part"], row["status"], row["accepted_sha256"] or None
        )
        states[(month, state.source, state.submitter, state.part)] = state
    return states


def write_returns(path: Path, returns: Sequence[ReturnState]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["month", "source", "submitter", "part", "status", "accepted_sha256"])
        for r in returns:
            writer.writerow([r.month.isoformat(), r.source, r.submitter, r.part, r.status, r.accepted_sha256 or ""])


def mark_revisions(tables: Sequence[Shown], previous: Path | None, returns: Sequence[ReturnState]) -> pd.DataFrame:
    """Add ``[r]`` to each figure that differs from the previous release's figure for the same cell, and return the
    revisions table (cell, previous value, new value, the returns that caused it)."""
    records: list[dict[str, str]] = []
    if previous is None:
        return pd.DataFrame(records, columns=list(REVISION_COLUMNS))
    before_returns = read_returns(previous)
    for shown in tables:
        keys = shown.keys
        earlier = {
            tuple(strip_markers(row[k]) for k in keys): row for row in _read_csv(previous / f"{shown.table.name}.csv")
        }
        figures = [
            shown.table.headings[c] for c in (*shown.table.spec.counts, *(r.name for r in shown.table.spec.rates))
        ]
        for index in range(len(shown.frame)):
            key = tuple(strip_markers(cell_text(shown.frame.at[index, k])) for k in keys)
            old_row = earlier.get(key)
            if old_row is None:
                continue
            for heading in figures:
                value = shown.frame.at[index, heading]
                new, old = cell_text(value), strip_markers(old_row.get(heading, ""))
                if new == old:
                    continue
                records.append(
                    {
                        "Table": shown.table.name,
                        "Period": key[0],
                        "Row": " / ".join(key[1:]),
                        "Column": heading,
                        "Previous value": old,
                        "New value": new,
                        "Caused by": _causes(before_returns, returns, set(shown.row_months[index]), shown),
                    }
                )
                if new not in MARKERS:
                    shown.frame.at[index, heading] = f"{new} {REVISED}"
    return pd.DataFrame(records, columns=list(REVISION_COLUMNS))


def seal(folder: Path, manifest: dict[str, Any], target: Path) -> None:
    """Write the manifest, make every file read-only, and rename the folder to ``target``."""
    manifest["files"] = {p.name: sha256_file(p) for p in sorted(folder.iterdir()) if p.is_file()}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    fsync_dir(folder)
    if target.exists():
        raise ReleaseError(f"{target} exists already: releases are never overwritten")
    os.rename(folder, target)  # the folder stays writable by its owner, so that `rm -rf` of a warehouse works
    fsync_dir(target.parent)


def due_release(warehouse: Warehouse, first_month: dt.date | str, at: dt.datetime) -> str | None:
    """The id of the latest quarterly release whose returns were all due by ``at`` and which no release covers yet;
    None when it was made, or when the warehouse holds no month of that quarter."""
    from msdw.release.periods import Period

    first = first_month if isinstance(first_month, dt.date) else dt.date.fromisoformat(str(first_month))
    period = Period.containing(dt.date(at.year, at.month, 1), "quarter")
    while period.due_by() > at:
        period = period.previous()
    if period.last_month < first:
        return None
    made = [m["through"] for m in list_releases(warehouse)]
    return None if any(through >= f"{period.last_month:%Y-%m}" for through in made) else period.release_id
