"""Anomaly flags: an accepted return whose row count breaks sharply from its submitter's own history.

The figure is the return's rows (operations in a police operations return, victims in a police victims return,
workers and investigations in a GLAA workbook, referrals from Border Force, defendants from the CPS). The history is
the latest accepted version of the same submitter's same return in each of the :attr:`Thresholds.months` months
before. A return is accepted whatever its flags; each flag is a warning in its receipt, a count in
``mart_submitter_quality.anomalies`` and a line in the monitor's alert.

Rules (every threshold is a field of :class:`Thresholds`, and :data:`THRESHOLDS` is the one place they are set):

- ``count_outlier``: rows further than ``k`` robust deviations from the history's median, where the deviation is
  the median absolute deviation scaled to a standard deviation (× 1.4826), and never less than the square root of
  the median (the spread of a count by chance) nor ``min_deviation``; needs ``min_history`` months of history.
- ``fell_by_half``: rows fell to less than ``fall_share`` of the previous month's (at least ``fall_min_rows``) and of
  the history's median (at least ``fall_min_median``: not a fall back after one busy month), by
  more than ``k_fall`` times the history's usual month-to-month step (the median absolute change, × 1.4826, at least
  1): a count that often moves that much by chance (a small count of victims or defendants) is not flagged, while a
  steady or growing count (live operations) that halves is.
- ``stopped_reporting``: no rows, from a submitter whose every month of history (at least ``min_history``) had rows,
  with a median of at least ``stopped_min_median``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

from msdw.files import replace_atomically
from msdw.ledger import Ledger
from msdw.warehouse import Warehouse

EXPORT = "_receipts/return_anomalies.parquet"  # under the raw zone; dbt's source receipts.return_anomalies


@dataclass(frozen=True)
class Thresholds:
    months: int = 12  # history: the submitter's months before this one
    min_history: int = 6  # months of history before any flag is raised
    k: float = 6.0  # robust deviations from the median that make a count an outlier
    min_deviation: float = 2.0  # the least deviation used, in rows
    fall_share: float = 0.5  # a fall to less than this share of the previous month ...
    fall_min_rows: int = 10  # ... from at least this many rows ...
    fall_min_median: float = 5.0  # ... and a median of at least this many, to less than this share of it too ...
    k_fall: float = 3.0  # ... and by more than this many usual month-to-month steps
    stopped_min_median: float = 8.0  # a submitter that always had rows, this many a month at the median


THRESHOLDS = Thresholds()
RULES = ("count_outlier", "fell_by_half", "stopped_reporting")
ANOMALY_COLUMNS = {
    "source": pa.string(),
    "submitter": pa.string(),
    "month": pa.date32(),
    "part": pa.string(),
    "version": pa.int32(),
    "sha256": pa.string(),
    "rule": pa.string(),
    "rows": pa.int64(),
    "median": pa.float64(),
    "message": pa.string(),
}


@dataclass(frozen=True)
class Anomaly:
    source: str
    submitter: str
    month: dt.date
    part: str
    version: int
    sha256: str
    rule: str
    rows: int
    median: float
    message: str

    def __str__(self) -> str:
        return f"{self.source} {self.submitter} {self.month:%Y-%m} {self.part} v{self.version}: {self.message}"


def flags(history: list[int], rows: int, t: Thresholds = THRESHOLDS) -> list[tuple[str, float, str]]:
    """(rule, median, message) for a count of ``rows`` after ``history`` (oldest first, at most ``t.months``)."""
    if len(history) < t.min_history:
        return []
    median = statistics.median(history)
    found: list[tuple[str, float, str]] = []
    mad = statistics.median(abs(h - median) for h in history) * 1.4826
    if rows == 0 and min(history) > 0 and median >= t.stopped_min_median:
        found.append(
            ("stopped_reporting", median, f"no rows, where every one of the last {len(history)} months had some")
        )
    previous = history[-1]
    step = max(statistics.median(abs(b - a) for a, b in itertools.pairwise(history)) * 1.4826, 1.0)
    fell = rows < t.fall_share * min(previous, median) and previous - rows > t.k_fall * step
    if fell and previous >= t.fall_min_rows and median >= t.fall_min_median:
        found.append(("fell_by_half", median, f"{rows} rows, down from {previous} the month before"))
    deviation = max(mad, math.sqrt(median), t.min_deviation)
    if abs(rows - median) > t.k * deviation:
        found.append(
            (
                "count_outlier",
                median,
                f"{rows} rows, against a median of {median:g} over the last {len(history)} months "
                f"(more than {t.k:g} deviations of {deviation:.1f} away)",
            )
        )
    return found


def find_anomalies(versions: list[tuple], t: Thresholds = THRESHOLDS) -> list[Anomaly]:
    """Flags of every accepted version in ``versions``: (source, submitter, month, part, version, sha256, rows)."""
    latest: dict[tuple[str, str, str], dict[dt.date, int]] = defaultdict(dict)
    newest: dict[tuple[str, str, str, dt.date], int] = {}
    for source, submitter, month, part, version, _sha, rows in versions:
        key = (source, submitter, month)
        if version >= newest.get((*key, part), 0):
            newest[(*key, part)] = version
            latest[(source, submitter, part)][month] = rows or 0
    out: list[Anomaly] = []
    for source, submitter, month, part, version, sha, rows in versions:
        months = latest[(source, submitter, part)]
        history = [months[m] for m in sorted(months) if _months_between(m, month) in range(1, t.months + 1)]
        for rule, median, message in flags(history, rows or 0, t):
            out.append(Anomaly(source, submitter, month, part, version, sha, rule, rows or 0, median, message))
    return out


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def accepted_versions(warehouse: Warehouse) -> list[tuple]:
    """Every accepted version in the ledger: (source, submitter, month, part, version, sha256, rows)."""
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        return con.execute(
            "select source, submitter, month, part, version, sha256, rows from versions where status = 'ACCEPTED'"
            " order by source, submitter, part, month, version"
        ).fetchall()


def anomalies(warehouse: Warehouse, t: Thresholds = THRESHOLDS) -> list[Anomaly]:
    return find_anomalies(accepted_versions(warehouse), t)


def export(warehouse: Warehouse, found: list[Anomaly]) -> None:
    """Write every flag to the raw zone (:data:`EXPORT`) for dbt, atomically, even when there is none."""
    rows = [
        (a.source, a.submitter, a.month, a.part, a.version, a.sha256, a.rule, a.rows, a.median, a.message)
        for a in found
    ]
    table = pa.table({c: pa.array([r[i] for r in rows], t) for i, (c, t) in enumerate(ANOMALY_COLUMNS.items())})
    replace_atomically(warehouse.raw / EXPORT, lambda temp: pq.write_table(table, temp))


def latest(found: list[Anomaly]) -> list[Anomaly]:
    """The flags of each return's latest flagged version only (a revision's flags replace its earlier version's)."""
    newest: dict[tuple, int] = {}
    for a in found:
        key = (a.source, a.submitter, a.month, a.part)
        newest[key] = max(newest.get(key, 0), a.version)
    return [a for a in found if a.version == newest[(a.source, a.submitter, a.month, a.part)]]
