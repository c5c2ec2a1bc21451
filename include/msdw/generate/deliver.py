"""One month of returns written to disk: each expected return rendered, faulted as planned, and delivered to the
inbox (or, for later versions, to the redeliveries folder), with what the ground truth needs to know."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from msdw.generate.errors import GenerateError
from msdw.generate.month_view import MonthView
from msdw.generate.plan import BREAK_KEEP, Plan
from msdw.generate.world import World
from msdw.generate.writers import Rendered, Variant, Writer

BREAK_MIN_ROWS = 10  # a return with fewer rows does not break (a small count falls by chance)


@dataclass
class MonthResult:
    month: int
    files_written: int = 0
    redeliveries: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # by table, in the files written to the inbox
    persons: list[tuple[str, int]] = field(default_factory=list)  # (identification_id, person) per record written
    faults: list[tuple[str, str, str, str, str]] = field(default_factory=list)  # path, fault, effect, where, detail
    redelivered: list[tuple[str, str, str]] = field(default_factory=list)  # path, kind, received_at

    def fault(self, path: str, fault: str, effect: str, where: str = "inbox", detail: str = "") -> None:
        self.faults.append((path, fault, effect, where, detail))


def deliver_month(world: World, writer: Writer, month: int, plans: list[Plan], inbox: Path, later: Path) -> MonthResult:
    """Write every planned return of ``month``."""
    result = MonthResult(month)
    view = MonthView.of(world, month)
    for p in plans:
        _deliver(p, view, writer, inbox, later, result)
    _operation_faults(world, writer, view, plans, result)
    return result


def _render(p: Plan, view: MonthView, writer: Writer, variant: Variant) -> Rendered:
    e = p.expected
    match (e.source, e.part):
        case ("police", "operations"):
            return writer.police_operations(view, e.unit, variant)
        case ("police", "victims"):
            return writer.police_victims(view, e.unit, variant)
        case ("glaa", "main"):
            return writer.glaa(view, variant)
        case ("border_force", "main"):
            return writer.border_force(view, variant)
        case ("cps", "main"):
            return writer.cps(view, variant)
    raise GenerateError(f"no writer for {e.source} {e.part}")


def _deliver(p: Plan, view: MonthView, writer: Writer, inbox: Path, later: Path, result: MonthResult) -> None:
    if p.missing:
        result.fault(p.relpath, "missing", "MISSING", "nowhere", "never received")
        return
    final_variant = Variant(totals_disagree=p.totals_disagree)
    final = _render(p, view, writer, final_variant)
    if p.breaks and sum(final.rows.values()) >= BREAK_MIN_ROWS:
        final = _render(p, view, writer, Variant(keep_share=BREAK_KEEP[p.expected.part]))
        result.fault(p.relpath, f"break_{p.expected.part}", "ANOMALY", detail=f"{sum(final.rows.values())} rows")
    first = final
    if p.malformed is not None:
        first = _render(p, view, writer, Variant(malformed=p.malformed))
        result.fault(p.relpath, first.malformed or p.malformed, "QUARANTINE")
    elif p.redelivery == "revision":
        first = _render(p, view, writer, Variant(drop_row=p.drop_row, totals_disagree=p.totals_disagree))
        if first.content == final.content:
            first = _render(p, view, writer, Variant(resaved=True, totals_disagree=p.totals_disagree))
    _write(inbox / p.relpath, first.content, p.received)
    result.files_written += 1
    for table, n in first.rows.items():
        result.rows[table] = result.rows.get(table, 0) + n
    for ident, person in first.identifications:
        result.persons.append((ident, person))
    if p.late:
        result.fault(p.relpath, "late", "LATE", detail=f"received {_iso(p.received)}")
    if p.totals_disagree:
        result.fault(p.relpath, "glaa_totals_disagree", "WARNING")
    if writer.style(p.expected.submitter, police=p.expected.source == "police").encoding == "cp1252":
        result.fault(p.relpath, "encoding_cp1252", "NONE")
    if p.redelivery is None:
        return
    second = first if p.redelivery == "duplicate" else final
    _write(later / p.relpath, second.content, p.redelivered)
    result.redeliveries += 1
    for ident, person in second.identifications:
        result.persons.append((ident, person))
    effect = {"duplicate": "DUPLICATE", "revision": "REVISION", "correction": "REVISION"}[p.redelivery]
    result.fault(p.relpath, p.redelivery, effect, "redelivery", f"received {_iso(p.redelivered)}")
    result.redelivered.append((p.relpath, p.redelivery, _iso(p.redelivered)))


def _operation_faults(world: World, writer: Writer, view: MonthView, plans: list[Plan], result: MonthResult) -> None:
    """Operations dropped without closure, and suspect counts that do not add up, in this month's returns."""
    o = world.operations
    paths = {p.expected.unit: p for p in plans if p.expected.part == "operations" and not p.missing}
    for kind, months, effect in (
        ("operation_dropped", o.dropped_month, "WARNING"),
        ("suspect_counts_mismatch", o.mismatch_month, "WARNING"),
    ):
        hits = np.flatnonzero(months == view.month)
        if kind == "suspect_counts_mismatch":
            hits = hits[o.suspects_at(hits, view.month) > 0]
        for i, ref in zip(hits.tolist(), writer.operation_refs(hits), strict=True):
            plan = paths.get(int(o.unit[i]))
            if plan is not None:
                result.fault(plan.relpath, kind, effect, detail=ref)


def _write(path: Path, content: bytes, received: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    os.utime(path, (received, received))


def _iso(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
