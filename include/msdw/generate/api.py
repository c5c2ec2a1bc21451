"""``msdw generate``: simulate the world, write its returns to the inbox and its ground truth beside it."""

from __future__ import annotations

import csv
import io
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from msdw.generate.calibration import Check, measure
from msdw.generate.errors import GenerateError
from msdw.generate.faults import FaultRates
from msdw.generate.months import month_text, parse_month
from msdw.generate.parallel import deliver_months, worker_count
from msdw.generate.plan import Plan, plan_returns
from msdw.generate.progress import Progress
from msdw.generate.world import WorldConfig, simulate
from msdw.sources import SOURCES

PERSONS_FILE = "persons.csv"
FAULTS_FILE = "faults.csv"
REDELIVERIES_FILE = "redeliveries.csv"
REDELIVERIES_DIR = "redeliveries"
CALIBRATION_FILE = "calibration.csv"


@dataclass
class GenerateSummary:
    inbox: Path
    truth: Path
    scale: float = 1.0
    files_written: int = 0
    redeliveries: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # by table, in the files written to the inbox
    faults: dict[str, int] = field(default_factory=dict)
    victim_records: int = 0
    seconds: float = 0.0
    calibration: list[Check] = field(default_factory=list)

    @property
    def rows_by_source(self) -> dict[str, int]:
        """Rows written to the inbox, by source (``police``, ``glaa``, ``border_force``, ``cps``)."""
        by_source: dict[str, int] = {}
        for src in SOURCES:
            by_source[src.name] = sum(self.rows.get(t.name, 0) for t in src.tables)
        return by_source

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def lines(self) -> list[str]:
        out = [
            f"wrote {self.files_written} files to {self.inbox} in {self.seconds:.1f}s "
            f"({self.redeliveries} later deliveries and the ground truth in {self.truth})"
        ]
        out += [f"  {table}: {n:,} rows" for table, n in sorted(self.rows.items())]
        if self.faults:
            out.append("  faults: " + ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items())))
        if self.scale >= 1:
            misses = [c for c in self.calibration if not c.holds]
            out.append(f"  calibration: {len(self.calibration) - len(misses)} of {len(self.calibration)} targets hold")
            out += ["    " + c.line() for c in misses]
        return out


@dataclass
class _Truth:
    persons: dict[str, int] = field(default_factory=dict)
    faults: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # path, fault, effect, where, detail
    redeliveries: list[tuple[str, str, str]] = field(default_factory=list)


def generate(
    inbox: Path,
    start: str,
    end: str,
    scale: float = 1.0,
    seed: int = 0,
    truth: Path | None = None,
    faults: FaultRates | None = None,
    progress: bool = True,
    workers: int | None = None,
) -> GenerateSummary:
    """Write synthetic returns for every source and month from ``start`` to ``end`` (``YYYY-MM``) into ``inbox``,
    and the ground truth into ``truth`` (default: ``truth/`` beside the inbox).

    Each file's modification time is its simulated arrival. The ground truth folder holds:

    - ``persons.csv``: identification_id, true_person_id, one row per victim record written;
    - ``faults.csv``: path, fault, effect (LATE, MISSING, QUARANTINE, REVISION, DUPLICATE, WARNING, ANOMALY,
      NONE), location (inbox, redelivery, nowhere), detail: every fault put in on purpose;
    - ``redeliveries/``: later versions of some returns (revisions, corrected resubmissions, byte-identical
      duplicates) at their inbox paths, with ``redeliveries.csv`` listing them; :func:`redeliver` moves them into the
      inbox, to be processed by a second run;
    - ``calibration.csv``: each calibration target, its tolerance and the value in the generated world.

    ``workers`` processes write the months (default: one for small jobs, up to four for large ones); the output is
    the same whatever their number.
    """
    began = time.perf_counter()
    faults = FaultRates() if faults is None else faults
    inbox = Path(inbox)
    truth = Path(truth) if truth is not None else inbox.parent / "truth"
    if inbox.resolve() == truth.resolve() or truth.resolve().is_relative_to(inbox.resolve()):
        raise GenerateError(f"the truth folder {truth} must lie outside the inbox {inbox}; choose another --truth")
    config = WorldConfig(
        start=parse_month(start),
        end=parse_month(end),
        scale=float(scale),
        seed=int(seed),
        dropped_operations=faults.dropped_operations,
        suspect_count_mismatch=faults.suspect_count_mismatch,
    )
    world = simulate(config)
    plans = plan_returns(world.places, config.start, config.end, faults, config.seed)
    summary = GenerateSummary(inbox=inbox, truth=truth, scale=config.scale)
    record = _Truth()
    inbox.mkdir(parents=True, exist_ok=True)
    later = truth / REDELIVERIES_DIR
    if later.exists():
        shutil.rmtree(later)
    truth.mkdir(parents=True, exist_ok=True)
    bar = Progress(total=config.end - config.start + 1, enabled=progress)
    by_month: dict[int, list[Plan]] = {m: [] for m in range(config.start, config.end + 1)}
    for p in plans:
        by_month[p.expected.month].append(p)
    count = worker_count(config.scale, len(by_month), workers)
    for result in deliver_months(world, faults, by_month, inbox, later, count, lambda m: bar.step(month_text(m))):
        summary.files_written += result.files_written
        summary.redeliveries += result.redeliveries
        for table, n in result.rows.items():
            summary.rows[table] = summary.rows.get(table, 0) + n
        for ident, person in result.persons:
            record.persons.setdefault(ident, person)
        record.faults.extend(result.faults)
        record.redeliveries.extend(result.redelivered)
    bar.close()
    summary.calibration = measure(world)
    _write_truth(truth, record, summary)
    summary.faults = _count_faults(record)
    summary.victim_records = len(record.persons)
    summary.seconds = time.perf_counter() - began
    return summary


def _csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _write_truth(truth: Path, record: _Truth, summary: GenerateSummary) -> None:
    _csv(
        truth / PERSONS_FILE,
        ("identification_id", "true_person_id"),
        [(ident, f"TP{person:07d}") for ident, person in record.persons.items()],
    )
    _csv(truth / FAULTS_FILE, ("path", "fault", "effect", "location", "detail"), record.faults)
    _csv(truth / REDELIVERIES_FILE, ("path", "kind", "received_at"), record.redeliveries)
    _csv(
        truth / CALIBRATION_FILE,
        ("target_id", "metric", "period", "target", "tolerance", "generated", "holds", "source"),
        [
            (
                c.target.target_id,
                c.target.metric,
                c.target.period,
                c.target.value,
                c.target.describe_tolerance(),
                c.measured if isinstance(c.measured, str) else f"{c.measured:.4g}",
                c.holds,
                c.target.source,
            )
            for c in summary.calibration
        ],
    )


def _count_faults(record: _Truth) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, fault, _, _, _ in record.faults:
        counts[fault] = counts.get(fault, 0) + 1
    return counts


def redeliver(inbox: Path, truth: Path) -> list[str]:
    """Put the later deliveries (revisions, corrections, duplicates) into the inbox, with their received times.

    Run the pipeline once before and once after, to see returns revised and duplicates ignored."""
    later = Path(truth) / REDELIVERIES_DIR
    moved = []
    for source in sorted(p for p in later.rglob("*") if p.is_file()):
        rel = source.relative_to(later)
        target = Path(inbox) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        moved.append(rel.as_posix())
    return moved


__all__ = ["GenerateSummary", "generate", "redeliver"]
