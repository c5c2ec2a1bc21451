"""Potential victims identified by the police: in and outside operations, some of them people another agency (or
another force) identified before."""

from __future__ import annotations

import itertools

import numpy as np

from msdw.generate import names as nm
from msdw.generate import people as pp
from msdw.generate import streams
from msdw.generate.glaa import Investigations
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day
from msdw.generate.operations import Operations
from msdw.generate.places import Places
from msdw.generate.profiles import EXPLOITATION
from msdw.sources import codes

_TYPE_INDEX = np.array([codes.EXPLOITATION_TYPES.index(t) for t in EXPLOITATION])


def simulate_police_victims(
    model: Model,
    places: Places,
    ops: Operations,
    months: np.ndarray,
    scale: float,
    seed: int,
    pools: nm.NamePools,
    persons: pp.Persons,
    border: pp.Records,
    workers: pp.Records,
    inv: Investigations,
) -> pp.Records:
    rng = streams.stream(seed, "police-victims")
    base = _new_victims(model, places, months, scale, rng, pools, persons)
    _reidentify(model, places, base, rng)
    _assign_operations(model, ops, base, rng)
    follow = _after_border_force(model, places, border, months, rng)
    joint = _joint_with_glaa(model, ops, workers, inv, months, rng)
    rec = base.concat(follow).concat(joint)
    _outcomes(model, places, persons, ops, rec, rng)
    order = np.lexsort((rec.day, rec.unit, rec.month))
    rec = rec.take(order)
    rec.number = pp.sequence_by(rec.unit.astype(np.int64), np.arange(len(rec)))
    return rec


def _new_victims(
    model: Model,
    places: Places,
    months: np.ndarray,
    scale: float,
    rng: np.random.Generator,
    pools: nm.NamePools,
    persons: pp.Persons,
) -> pp.Records:
    p = model.police
    month = np.repeat(months, rng.poisson(model.police_victims_per_month(months) * scale))
    n = len(month)
    day = streams.days_within(rng, np.asarray(first_day(month)), np.asarray(days_in(month)))
    unit = streams.choice(rng, places.victim_weights, n)
    kind = np.zeros(n, dtype=np.int64)
    years = month // 12
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        kind[rows] = streams.choice(rng, p.mix(int(year)).p, len(rows))
    child = rng.random(n) < np.array([p.child[t] for t in EXPLOITATION])[kind]
    female = rng.random(n) < np.array([p.female[t] for t in EXPLOITATION])[kind]
    nationality = np.empty(n, dtype="<U3")
    for k, t in enumerate(EXPLOITATION):
        rows = np.flatnonzero(kind == k)
        mix = p.nationality[t]
        nationality[rows] = pp.choose_codes(rng, mix.labels, mix.p, len(rows))
    dob = pp.birth_days(rng, day, child)
    rec = pp.Records.blank(n)
    rec.person = persons.extend(pp.new_persons(rng, pools, nationality, female, dob))
    rec.month = month
    rec.day = day
    rec.unit = unit.astype(np.int16)
    rec.exploitation = _TYPE_INDEX[kind].astype(np.int8)
    rec.flags = pp.variant_flags(rng, n, np.zeros(n, dtype=bool))
    return rec


def _reidentify(model: Model, places: Places, rec: pp.Records, rng: np.random.Generator) -> None:
    """Some victims are people the police identified before: the same person, another record."""
    n = len(rec)
    month_start = np.searchsorted(rec.month, rec.month, side="left")  # records come in month order
    chosen = np.flatnonzero((rng.random(n) < model.police.reidentified) & (month_start > 0))
    earlier = np.floor(rng.random(len(chosen)) * month_start[chosen]).astype(np.int64)
    rec.person[chosen] = rec.person[earlier]
    moved = rng.random(len(chosen)) < 0.5
    rec.unit[chosen] = np.where(moved, streams.choice(rng, places.victim_weights, len(chosen)), rec.unit[earlier])
    rec.flags[chosen] = pp.variant_flags(rng, len(chosen), np.ones(len(chosen), dtype=bool))


def _assign_operations(model: Model, ops: Operations, rec: pp.Records, rng: np.random.Generator) -> None:
    """A share of victims are identified within a live operation of their force."""
    wants = np.flatnonzero(rng.random(len(rec)) < model.police.in_operation)
    if len(wants) == 0 or len(ops) == 0:
        return
    by_unit_month = np.lexsort((rec.month[wants], rec.unit[wants]))
    wants = wants[by_unit_month]
    keys = rec.unit[wants].astype(np.int64) * 100_000 + rec.month[wants]
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    op_units = ops.unit.astype(np.int64)
    op_order = np.argsort(op_units, kind="stable")
    unit_start = np.searchsorted(op_units[op_order], np.arange(int(op_units.max()) + 2))
    for a, b in itertools.pairwise(bounds):
        unit, month = int(rec.unit[wants[a]]), int(rec.month[wants[a]])
        if unit + 1 >= len(unit_start):
            continue
        candidates = op_order[unit_start[unit] : unit_start[unit + 1]]
        live = candidates[(ops.opened_month[candidates] <= month) & (ops.last_month[candidates] >= month)]
        if len(live) == 0:
            continue
        rec.operation[wants[a:b]] = live[rng.integers(0, len(live), b - a)]
    has = rec.operation >= 0
    rec.day[has] = np.maximum(rec.day[has], ops.opened_day[rec.operation[has]])


def _after_border_force(
    model: Model, places: Places, border: pp.Records, months: np.ndarray, rng: np.random.Generator
) -> pp.Records:
    """People met at the border whom the police identify months later, often in the port's force."""
    chosen = np.flatnonzero(rng.random(len(border)) < model.border_force.later_police)
    rec = border.take(chosen)
    n = len(rec)
    rec.month = rec.month + rng.integers(1, 10, n)
    rec.day = streams.days_within(rng, np.asarray(first_day(rec.month)), np.asarray(days_in(rec.month)))
    elsewhere = rng.random(n) < 0.3
    rec.unit = np.where(elsewhere, streams.choice(rng, places.victim_weights, n), rec.unit).astype(np.int16)
    return _as_police(rec, rng, months)


def _joint_with_glaa(
    model: Model,
    ops: Operations,
    workers: pp.Records,
    inv: Investigations,
    months: np.ndarray,
    rng: np.random.Generator,
) -> pp.Records:
    """Workers of joint GLAA and police work, recorded by the police too, in the joint operation."""
    within = workers.operation >= 0
    joint_op = np.where(within, inv.joint_operation[np.maximum(workers.operation, 0)], -1)
    chosen = np.flatnonzero((joint_op >= 0) & (rng.random(len(workers)) < model.glaa.joint_worker_also_police))
    rec = workers.take(chosen)
    rec.operation = joint_op[chosen]
    rec.unit = ops.unit[rec.operation].astype(np.int16)
    rec.day = np.minimum(rec.day + rng.integers(0, 4, len(rec)), np.asarray(first_day(rec.month + 1)) - 1)
    return _as_police(rec, rng, months)


def _as_police(rec: pp.Records, rng: np.random.Generator, months: np.ndarray) -> pp.Records:
    n = len(rec)
    out = pp.Records.blank(n)
    out.person = rec.person
    out.month = rec.month
    out.day = rec.day
    out.unit = rec.unit
    out.exploitation = rec.exploitation
    out.operation = rec.operation
    out.flags = pp.variant_flags(rng, n, np.ones(n, dtype=bool))
    keep = out.month <= months[-1]
    return out.take(np.flatnonzero(keep))


def _outcomes(
    model: Model, places: Places, persons: pp.Persons, ops: Operations, rec: pp.Records, rng: np.random.Generator
) -> None:
    p = model.police
    n = len(rec)
    age = pp.age_at(persons.dob_day[rec.person], rec.day)
    child = age < 18
    rec.nrm = child | (rng.random(n) < p.adult_referral_rate)
    notifies = np.array([u.notifies for u in places.units])[rec.unit]
    rec.dtn = ~rec.nrm & notifies & (rng.random(n) < p.dtn_rate)
    rec.nrm_day = np.where(rec.nrm, pp.referral_days(rng, rec.day), -1)
    rate = model.crime_recorded_rate(rec.month // 12)
    rec.crime_number = np.where(rng.random(n) < np.where(rec.nrm, rate, rate * 0.5), rng.integers(1, 999_999, n), -1)
    in_op = (rec.operation >= 0) & (rec.crime_number >= 0)
    op_crime = ops.crime_number[np.maximum(rec.operation, 0)]
    rec.crime_number = np.where(in_op & (op_crime >= 0), op_crime, rec.crime_number)
    rec.flags = np.where(rng.random(n) < p.missing_dob, rec.flags | nm.NO_DOB, rec.flags).astype(np.int16)
    rec.variant_seed = pp.draw_seed(rng, n)
