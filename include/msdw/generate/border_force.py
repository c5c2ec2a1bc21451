"""Border Force: potential victims encountered at ports."""

from __future__ import annotations

import numpy as np

from msdw.generate import names as nm
from msdw.generate import people as pp
from msdw.generate import streams
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day
from msdw.generate.places import Places
from msdw.sources import codes


def simulate_border_force(
    model: Model, places: Places, months: np.ndarray, scale: float, seed: int, pools: nm.NamePools, persons: pp.Persons
) -> pp.Records:
    rng = streams.stream(seed, "border-force")
    b = model.border_force
    month = np.repeat(months, np.maximum(rng.poisson(b.per_month * scale, len(months)), 1))  # an empty month of
    # referrals would be an empty file, which is no return at all
    n = len(month)
    day = streams.days_within(rng, np.asarray(first_day(month)), np.asarray(days_in(month)))
    seconds = np.clip(rng.normal(14 * 3600, 4 * 3600, n), 0, 86_399).astype(np.int64)
    port = streams.choice(rng, places.port_weights, n)
    child = rng.random(n) < b.child
    female = rng.random(n) < b.female
    nationality = pp.choose_codes(rng, b.nationality.labels, b.nationality.p, n)
    dob = pp.birth_days(rng, day, child, child_ages=(12, 17))
    person = persons.extend(pp.new_persons(rng, pools, nationality, female, dob))
    how_many = streams.choice(rng, np.array([0.15, 0.70, 0.15]), n)
    type_index = np.array([codes.EXPLOITATION_TYPES.index(t) for t in b.indicators.labels])
    first = type_index[streams.choice(rng, b.indicators.p, n)]
    second = type_index[streams.choice(rng, b.indicators.p, n)]
    indicators = np.where(how_many >= 1, 1 << first, 0) | np.where(how_many >= 2, 1 << second, 0)
    distinct = np.array([bin(int(x)).count("1") for x in indicators]) if n else np.zeros(0, dtype=int)
    exploitation = np.where(
        distinct == 0,
        codes.EXPLOITATION_TYPES.index("UNKNOWN"),
        np.where(distinct == 1, first, codes.EXPLOITATION_TYPES.index("MIXED")),
    )
    rec = pp.Records.blank(n)
    rec.person = person
    rec.month = month
    rec.day = day
    rec.seconds = seconds
    rec.port = port.astype(np.int16)
    rec.unit = places.port_unit[port].astype(np.int16)
    rec.indicators = indicators.astype(np.int16)
    rec.exploitation = exploitation.astype(np.int8)
    rec.nrm = child | (rng.random(n) < b.referral_rate_adult)
    rec.nrm_day = np.where(rec.nrm, day + rng.integers(0, 4, n), -1)
    rec.safeguarding = child | (rng.random(n) < 0.6)
    rec.detained = rng.random(n) < 0.1
    rec.flags = pp.variant_flags(rng, n, np.zeros(n, dtype=bool))
    rec.flags = np.where(rng.random(n) < b.missing_dob, rec.flags | nm.NO_DOB, rec.flags).astype(np.int16)
    rec.variant_seed = pp.draw_seed(rng, n)
    order = np.lexsort((seconds, day))
    rec = rec.take(order)
    rec.number = pp.sequence_by(rec.month // 12, rec.day * 86_400 + rec.seconds)
    return rec
