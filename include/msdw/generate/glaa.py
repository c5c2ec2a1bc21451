"""GLAA work: investigations by sector (open for months), licensing inspections, and the workers identified."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msdw.generate import names as nm
from msdw.generate import people as pp
from msdw.generate import streams
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day, parse_month
from msdw.generate.places import Places
from msdw.sources import codes

MS_IDENTIFIED = 0.6  # share of investigations in which modern slavery is identified
LICENCE_HOLDERS = 1200


@dataclass
class Investigations:
    number: np.ndarray
    opened_day: np.ndarray
    opened_month: np.ndarray
    last_month: np.ndarray
    sector: np.ndarray  # index into codes.SECTORS
    force: np.ndarray  # index into Places.force_codes
    modern_slavery: np.ndarray
    joint_operation: np.ndarray  # police operation run jointly, -1 when none

    def __len__(self) -> int:
        return len(self.number)

    def open_in(self, month: int) -> np.ndarray:
        return np.flatnonzero((self.opened_month <= month) & (self.last_month >= month))


@dataclass
class Inspections:
    number: np.ndarray
    day: np.ndarray
    month: np.ndarray
    sector: np.ndarray
    licence: np.ndarray
    outcome: np.ndarray  # index into codes.INSPECTION_OUTCOMES
    force: np.ndarray

    def __len__(self) -> int:
        return len(self.number)


def _sectors(rng: np.random.Generator, model: Model, months: np.ndarray) -> np.ndarray:
    g = model.glaa
    widened = months > parse_month(g.licensed_sectors_until)
    idx = np.zeros(len(months), dtype=np.int8)
    for mix, rows in ((g.licensed, ~widened), (g.sectors, widened)):
        picked = np.array([codes.SECTORS.index(s) for s in mix.labels])[streams.choice(rng, mix.p, int(rows.sum()))]
        idx[rows] = picked
    return idx


def simulate_investigations(
    model: Model, places: Places, months: np.ndarray, scale: float, seed: int
) -> Investigations:
    rng = streams.stream(seed, "glaa-investigations")
    g = model.glaa
    counts = rng.poisson(g.investigations_per_month * scale, len(months))
    opened_month = np.repeat(months, counts)
    n = len(opened_month)
    opened_day = streams.days_within(rng, np.asarray(first_day(opened_month)), np.asarray(days_in(opened_month)))
    duration = np.clip(np.round(rng.lognormal(np.log(5.0), 0.7, n)), 1, 24).astype(np.int64)
    return Investigations(
        number=pp.sequence_by(opened_month // 12, opened_day),
        opened_day=opened_day,
        opened_month=opened_month,
        last_month=opened_month + duration - 1,
        sector=_sectors(rng, model, opened_month),
        force=streams.choice(rng, places.force_weights, n),
        modern_slavery=rng.random(n) < MS_IDENTIFIED,
        joint_operation=np.full(n, -1, dtype=np.int64),
    )


def simulate_inspections(model: Model, places: Places, months: np.ndarray, scale: float, seed: int) -> Inspections:
    rng = streams.stream(seed, "glaa-inspections")
    g = model.glaa
    month = np.repeat(months, rng.poisson(g.inspections_per_month * scale, len(months)))
    n = len(month)
    day = streams.days_within(rng, np.asarray(first_day(month)), np.asarray(days_in(month)))
    licensed = rng.random(n) < 0.85
    sector = np.where(
        licensed,
        np.array([codes.SECTORS.index(s) for s in g.licensed.labels])[streams.choice(rng, g.licensed.p, n)],
        _sectors(rng, model, month),
    )
    outcome_idx = np.array([codes.INSPECTION_OUTCOMES.index(o) for o in g.outcomes.labels])
    return Inspections(
        number=pp.sequence_by(month // 12, day),
        day=day,
        month=month,
        sector=sector.astype(np.int8),
        licence=rng.integers(1, LICENCE_HOLDERS, n),
        outcome=outcome_idx[streams.choice(rng, g.outcomes.p, n)],
        force=streams.choice(rng, places.force_weights, n),
    )


def simulate_workers(
    model: Model,
    inv: Investigations,
    seed: int,
    pools: nm.NamePools,
    persons: pp.Persons,
) -> pp.Records:
    """Workers identified within investigations, spread over their first months. (Every worker belongs to an
    investigation: the Investigations counts of a workbook add up to its Workers rows.)"""
    rng = streams.stream(seed, "glaa-workers")
    g = model.glaa
    per_inv = np.where(inv.modern_slavery, rng.poisson(g.workers_per_investigation / MS_IDENTIFIED, len(inv)), 0)
    operation = np.repeat(np.arange(len(inv)), per_inv)
    duration = inv.last_month[operation] - inv.opened_month[operation] + 1
    offset = np.minimum(rng.geometric(0.55, len(operation)) - 1, duration - 1)
    month = inv.opened_month[operation] + offset
    n = len(month)
    sector = inv.sector[operation]
    day = streams.days_within(rng, np.asarray(first_day(month)), np.asarray(days_in(month)))
    day = np.maximum(day, inv.opened_day[operation])
    female_p = np.array([g.female[s] for s in codes.SECTORS])[sector]
    female = rng.random(n) < female_p
    child = rng.random(n) < 0.02
    nationality = pp.choose_codes(rng, g.nationality.labels, g.nationality.p, n)
    dob = pp.birth_days(rng, day, child, child_ages=(15, 17))
    person = persons.extend(pp.new_persons(rng, pools, nationality, female, dob))
    rec = pp.Records.blank(n)
    rec.person = person
    rec.month = month
    rec.day = day
    rec.exploitation[:] = codes.EXPLOITATION_TYPES.index("LABOUR")
    rec.operation = operation
    rec.nrm = child | (rng.random(n) < g.referral_rate)
    rec.nrm_day = np.where(rec.nrm, pp.referral_days(rng, day), -1)
    rec.dtn = ~rec.nrm & (rng.random(n) < g.dtn_rate)
    rec.flags = pp.variant_flags(rng, n, np.zeros(n, dtype=bool))
    rec.flags = np.where(rng.random(n) < g.missing_dob, rec.flags | nm.NO_DOB, rec.flags).astype(np.int16)
    rec.variant_seed = pp.draw_seed(rng, n)
    order = np.lexsort((day, month))
    rec = rec.take(order)
    rec.number = np.arange(1, n + 1)
    return rec
