"""One simulated world: people, operations, investigations, encounters and prosecutions, month by month.

The world always starts at :data:`EPOCH` (or four years before the first month asked for, if earlier), so the same
seed and scale give the same world whichever window of months is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msdw.generate import names as nm
from msdw.generate import people as pp
from msdw.generate import streams
from msdw.generate.border_force import simulate_border_force
from msdw.generate.errors import GenerateError
from msdw.generate.glaa import (
    MS_IDENTIFIED,
    Inspections,
    Investigations,
    simulate_inspections,
    simulate_investigations,
    simulate_workers,
)
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day, parse_month
from msdw.generate.operations import Operations, add_joint_operations, simulate_operations
from msdw.generate.places import Places, load_places
from msdw.generate.prosecutions import Charges, Defendants, simulate_prosecutions
from msdw.generate.victims import simulate_police_victims

EPOCH = parse_month("2010-01")
WARM_UP_MONTHS = 48
MAX_SCALE = 1000.0


@dataclass(frozen=True)
class WorldConfig:
    start: int  # first month written
    end: int  # last month written
    scale: float = 1.0
    seed: int = 0
    dropped_operations: float = 0.0
    suspect_count_mismatch: float = 0.0

    @property
    def epoch(self) -> int:
        return min(EPOCH, self.start - WARM_UP_MONTHS)

    @property
    def months(self) -> np.ndarray:
        return np.arange(self.epoch, self.end + 1)

    def check(self) -> None:
        if self.end < self.start:
            raise GenerateError("the end month is before the start month; swap --start and --end")
        if not 0 < self.scale <= MAX_SCALE:
            raise GenerateError(f"scale {self.scale} is out of range: give a number above 0 and at most {MAX_SCALE:g}")


@dataclass
class World:
    config: WorldConfig
    model: Model
    places: Places
    names: nm.NamePools
    persons: pp.Persons
    operations: Operations
    police: pp.Records
    workers: pp.Records
    border: pp.Records
    investigations: Investigations
    inspections: Inspections
    defendants: Defendants
    charges: Charges
    _victim_keys: np.ndarray

    def potential_victims(self, ops: np.ndarray, month: int) -> np.ndarray:
        """Police victim records of each operation identified up to the end of ``month`` (cumulative)."""
        span = self.config.end - self.config.epoch + 2
        high = np.searchsorted(self._victim_keys, ops * span + (month - self.config.epoch), side="right")
        low = np.searchsorted(self._victim_keys, ops * span - 1, side="right")
        return high - low


def simulate(config: WorldConfig, model: Model | None = None) -> World:
    config.check()
    model = model or Model()
    places = load_places(model, config.scale)
    months = config.months
    pools = nm.NamePools.load()
    persons = pp.Persons.empty()
    ops = simulate_operations(
        model, places, months, config.scale, config.seed, config.dropped_operations, config.suspect_count_mismatch
    )
    inv = simulate_investigations(model, places, months, config.scale, config.seed)
    _joint_operations(model, places, ops, inv, config.seed)
    inspections = simulate_inspections(model, places, months, config.scale, config.seed)
    workers = simulate_workers(model, inv, config.seed, pools, persons)
    border = simulate_border_force(model, places, months, config.scale, config.seed, pools, persons)
    police = simulate_police_victims(
        model, places, ops, months, config.scale, config.seed, pools, persons, border, workers, inv
    )
    span = config.end - config.epoch + 2
    with_op = police.operation >= 0
    keys = np.sort(police.operation[with_op] * span + (police.month[with_op] - config.epoch))
    victims_per_op = np.bincount(police.operation[with_op], minlength=len(ops))
    defendants, charges = simulate_prosecutions(model, places, ops, victims_per_op, months, config.scale, config.seed)
    return World(
        config, model, places, pools, persons, ops, police, workers, border, inv, inspections, defendants, charges, keys
    )


def _joint_operations(model: Model, places: Places, ops: Operations, inv: Investigations, seed: int) -> None:
    rng = streams.stream(seed, "joint-work")
    codes = [u.code for u in places.units]
    unit_of_force = np.array([codes.index(f) if f in codes else -1 for f in places.force_codes])
    unit = unit_of_force[inv.force]
    powers = inv.opened_month > parse_month(model.glaa.licensed_sectors_until)
    chosen = rng.random(len(inv)) < model.glaa.joint_with_police / MS_IDENTIFIED
    joint = np.flatnonzero((unit >= 0) & inv.modern_slavery & powers & chosen)
    last = inv.last_month[joint]
    closed = streams.days_within(rng, np.asarray(first_day(last)), np.asarray(days_in(last)))
    added = add_joint_operations(ops, unit[joint], inv.opened_day[joint], last, closed, seed)
    inv.joint_operation[joint] = added
