"""Which returns are expected, and what happens to each: on time or late, missing, broken, revised, sent twice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msdw.generate import streams
from msdw.generate.faults import FaultRates
from msdw.generate.months import first_day, month_text
from msdw.generate.paths import return_path
from msdw.generate.places import Places
from msdw.generate.writers import MALFORMED
from msdw.sources import source

DAY = 86_400
CORRECTED_SHARE = 0.7  # broken returns sent again, corrected
AT_LEAST_ONE_FROM = 20  # with this many returns, every fault with a rate above 0 happens at least once
BREAK_AFTER = 12  # months of history before a return may break from it
BREAK_KEEP = {"operations": 0.3, "victims": 0.0}  # share of rows a broken police return keeps


@dataclass(frozen=True)
class Expected:
    source: str
    part: str
    submitter: str
    month: int
    unit: int = -1  # police: index into Places.units

    @property
    def relpath(self) -> str:
        return return_path(self.source, self.part, month_text(self.month), self.submitter)


@dataclass
class Plan:
    expected: Expected
    relpath: str
    draws: np.ndarray
    missing: bool = False
    late: bool = False
    malformed: str | None = None
    redelivery: str | None = None  # revision | duplicate | correction
    totals_disagree: bool = False
    breaks: bool = False  # its counts break from the submitter's history (BREAK_KEEP)
    received: int = 0  # seconds since 1970, UTC
    redelivered: int = 0

    @property
    def drop_row(self) -> float:
        return float(self.draws[8])


def expected_returns(places: Places, start: int, end: int) -> list[Expected]:
    out: list[Expected] = []
    for month in range(start, end + 1):
        for i, unit in enumerate(places.units):
            out.append(Expected("police", "operations", unit.code, month, i))
            out.append(Expected("police", "victims", unit.code, month, i))
        out.append(Expected("glaa", "main", "GLAA", month))
        out.append(Expected("border_force", "main", "BF", month))
        out.append(Expected("cps", "main", "CPS", month))
    return out


def plan_returns(places: Places, start: int, end: int, faults: FaultRates, seed: int) -> list[Plan]:
    plans = []
    for e in expected_returns(places, start, end):
        relpath = e.relpath
        plans.append(Plan(e, relpath, streams.stream(seed, "plan", relpath).random(16)))
    _decide(plans, faults)
    for p in plans:
        _times(p)
    return plans


def _decide(plans: list[Plan], faults: FaultRates) -> None:
    d = np.array([p.draws for p in plans]) if plans else np.zeros((0, 16))

    def at_least_one(chosen: np.ndarray, rate: float, eligible: np.ndarray, column: int) -> np.ndarray:
        if rate > 0 and not chosen.any() and eligible.sum() >= AT_LEAST_ONE_FROM:
            candidates = np.flatnonzero(eligible)
            chosen = chosen.copy()
            chosen[candidates[np.argmin(d[candidates, column])]] = True
        return chosen

    everyone = np.ones(len(plans), dtype=bool)
    missing = at_least_one(d[:, 0] < faults.missing, faults.missing, everyone, 0)
    present = ~missing
    late = at_least_one((d[:, 1] < faults.late) & present, faults.late, present, 1)
    broken = at_least_one((d[:, 2] < faults.malformed) & present, faults.malformed, present, 2)
    revised = at_least_one((d[:, 5] < faults.revised) & present & ~broken, faults.revised, present & ~broken, 5)
    duplicate_ok = present & ~broken & ~revised
    duplicate = at_least_one((d[:, 6] < faults.duplicate) & duplicate_ok, faults.duplicate, duplicate_ok, 6)
    glaa = np.array([p.expected.source == "glaa" for p in plans], dtype=bool)
    totals = (d[:, 7] < faults.glaa_totals) & glaa & present & ~broken
    if faults.glaa_totals > 0 and not totals.any() and (glaa & present & ~broken).sum() >= 3:
        candidates = np.flatnonzero(glaa & present & ~broken)
        totals[candidates[np.argmin(d[candidates, 7])]] = True
    months = np.array([p.expected.month for p in plans], dtype=int)
    police = np.array([p.expected.source == "police" for p in plans], dtype=bool)
    steady = present & ~broken & ~revised & ~duplicate & police
    if len(plans):
        steady &= months >= months.min() + BREAK_AFTER
    breaks = at_least_one((d[:, 15] < faults.breaks) & steady, faults.breaks, steady, 15)
    for i, p in enumerate(plans):
        p.breaks = bool(breaks[i])
        p.missing = bool(missing[i])
        p.late = bool(late[i])
        if broken[i]:
            kinds = MALFORMED[(p.expected.source, p.expected.part)]
            p.malformed = kinds[int(d[i, 3] * len(kinds)) % len(kinds)]
            p.redelivery = "correction" if d[i, 4] < CORRECTED_SHARE else None
        elif revised[i]:
            p.redelivery = "revision"
        elif duplicate[i]:
            p.redelivery = "duplicate"
        p.totals_disagree = bool(totals[i])


def _times(p: Plan) -> None:
    """Received by the 10th of the next month mostly, up to the due day (the 15th) sometimes; late ones after it."""
    u = p.draws
    due = int(first_day(p.expected.month + 1))
    due_day = source(p.expected.source).due_day
    if p.late:
        day = due + due_day + int(np.floor(-np.log(1 - u[9]) * 12)) % 75
    elif u[10] < 0.9:
        day = due + int(u[11] * 10)
    else:
        day = due + 10 + int(u[11] * (due_day - 10))
    p.received = day * DAY + 7 * 3600 + int(u[12] * 12 * 3600)
    gap_days = {"revision": (5, 60), "duplicate": (1, 20), "correction": (3, 30)}.get(p.redelivery or "", (1, 2))
    low, high = gap_days
    p.redelivered = p.received + (low + int(u[13] * (high - low))) * DAY + int(u[14] * 3600)
