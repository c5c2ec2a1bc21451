"""Measuring a simulated world against the calibration targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from msdw.generate import people as pp
from msdw.generate.months import parse_month
from msdw.generate.targets import Target, targets
from msdw.generate.world import World
from msdw.sources import codes

SMALL_FORCES = 5


@dataclass(frozen=True)
class Check:
    target: Target
    measured: float | str

    @property
    def holds(self) -> bool:
        return self.target.holds(self.measured)

    def line(self) -> str:
        value = self.measured if isinstance(self.measured, str) else f"{self.measured:,.3g}"
        mark = "ok" if self.holds else "OUT"
        return (
            f"{self.target.target_id:32} {self.target.period:11} target {self.target.value:>11} "
            f"{self.target.describe_tolerance():>12}  generated {value:>11}  {mark}"
        )


def _years(period: str) -> tuple[int, int]:
    if ".." in period:
        a, b = period.split("..")
        return int(a), int(b)
    return int(period[:4]), int(period[:4])


def _in_years(months: np.ndarray, period: str) -> np.ndarray:
    a, b = _years(period)
    return (months >= a * 12) & (months < (b + 1) * 12)


def _quarters(period: str) -> int:
    a, b = _years(period)
    return 4 * (b - a + 1)


def _referrals(world: World, period: str) -> np.ndarray:
    p = world.police
    return np.flatnonzero(_in_years(p.month, period) & p.nrm)


def _share(mask: np.ndarray) -> float:
    return float(mask.mean()) if len(mask) else float("nan")


def _children(world: World, rec: pp.Records, rows: np.ndarray) -> np.ndarray:
    return pp.age_at(world.persons.dob_day[rec.person[rows]], rec.day[rows]) < 18


def _female(world: World, rec: pp.Records, rows: np.ndarray) -> np.ndarray:
    return world.persons.gender[rec.person[rows]] == codes.GENDERS.index("FEMALE")


def _unit_referrals(world: World, period: str) -> np.ndarray:
    rows = _referrals(world, period)
    return np.bincount(world.police.unit[rows], minlength=len(world.places.units)) / _quarters(period)


def _small_forces(world: World, period: str) -> float:
    units = world.places.units
    territorial = [i for i, u in enumerate(units) if u.kind == "TERRITORIAL"]
    smallest = sorted(territorial, key=lambda i: units[i].population_weight)[:SMALL_FORCES]
    return float(_unit_referrals(world, period)[smallest].mean()) / world.config.scale


def _met(world: World, period: str) -> float:
    return float(_unit_referrals(world, period)[world.places.index("E23000001")]) / world.config.scale


def _top_nationalities(world: World, period: str) -> str:
    rows = _referrals(world, period)
    nats, counts = np.unique(world.persons.nationality[world.police.person[rows]], return_counts=True)
    order = np.lexsort((nats, -counts))
    return ";".join(nats[order][:3].tolist())


def _type_share(world: World, period: str, kind: str) -> float:
    rows = _referrals(world, period)
    return _share(world.police.exploitation[rows] == codes.EXPLOITATION_TYPES.index(kind))


def _per_year(world: World, months: np.ndarray, period: str) -> float:
    a, b = _years(period)
    return float(_in_years(months, period).sum()) / (b - a + 1) / world.config.scale


def _border(world: World, period: str) -> np.ndarray:
    return np.flatnonzero(_in_years(world.border.month, period))


METRICS: dict[str, Callable[[World, str], float | str]] = {
    "nrm_referrals_national": lambda w, p: len(_referrals(w, p)) / w.config.scale / w.model.police_share,
    "police_nrm_referrals_per_quarter": lambda w, p: len(_referrals(w, p)) / _quarters(p) / w.config.scale,
    "met_nrm_referrals_per_quarter": _met,
    "small_force_nrm_referrals_per_quarter": _small_forces,
    "police_share_criminal": lambda w, p: _type_share(w, p, "CRIMINAL"),
    "police_share_children": lambda w, p: _share(_children(w, w.police, _referrals(w, p))),
    "police_share_female": lambda w, p: _share(_female(w, w.police, _referrals(w, p))),
    "police_share_uk_nationals": lambda w, p: _share(w.persons.nationality[w.police.person[_referrals(w, p)]] == "GBR"),
    "police_top_nationalities": _top_nationalities,
    "police_share_crime_recorded": lambda w, p: _share(w.police.crime_number[_referrals(w, p)] >= 0),
    "live_operations": lambda w, p: len(w.operations.live_at_end(parse_month(p))) / w.config.scale,
    "border_force_referrals_per_quarter": lambda w, p: len(_border(w, p)) / _quarters(p) / w.config.scale,
    "border_force_share_children": lambda w, p: _share(_children(w, w.border, _border(w, p))),
    "border_force_share_female": lambda w, p: _share(_female(w, w.border, _border(w, p))),
    "glaa_investigations_opened_per_year": lambda w, p: _per_year(w, w.investigations.opened_month, p),
    "glaa_inspections_per_year": lambda w, p: _per_year(w, w.inspections.month, p),
    "glaa_workers_per_year": lambda w, p: _per_year(w, w.workers.month, p),
    "glaa_share_nrm_referred": lambda w, p: _share(w.workers.nrm[_in_years(w.workers.month, p)]),
    "cps_defendants_per_year": lambda w, p: _per_year(w, w.defendants.month, p),
    "cps_share_convicted": lambda w, p: _share(w.defendants.convicted[_in_years(w.defendants.month, p)]),
}


def _measurable(world: World, target: Target) -> bool:
    if target.metric == "small_force_nrm_referrals_per_quarter" and world.config.scale < 1:
        return False
    last = parse_month(target.period) if len(target.period) == 7 else (_years(target.period)[1] + 1) * 12 - 1
    return last <= world.config.end


def measure(world: World) -> list[Check]:
    """Every target whose period the world covers, with the value measured in the world."""
    return [Check(t, METRICS[t.metric](world, t.period)) for t in targets() if _measurable(world, t)]
