"""Police operations: opened at the rate that keeps the live count on its targets, live for months, sometimes
suspended, then closed; some lead to prosecutions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from msdw.generate import streams
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day, month_of_day
from msdw.generate.places import Places
from msdw.generate.profiles import EXPLOITATION
from msdw.sources import codes

SUSPECT_NATIONALITIES = {
    "GBR": 0.55,
    "ALB": 0.12,
    "ROU": 0.08,
    "VNM": 0.06,
    "CHN": 0.03,
    "NGA": 0.03,
    "POL": 0.03,
    "PAK": 0.03,
    "IND": 0.02,
    "BGR": 0.02,
    "LTU": 0.01,
    "HUN": 0.01,
    "SVK": 0.01,
}


@dataclass
class Operations:
    unit: np.ndarray  # index into Places.units
    number: np.ndarray  # sequence number within the unit, for the reference
    opened_day: np.ndarray
    opened_month: np.ndarray
    last_month: np.ndarray  # month of closure (CLOSED in that month's return)
    closed_day: np.ndarray
    suspended_from: np.ndarray  # month, or -1
    suspended_to: np.ndarray
    lead: np.ndarray  # index into codes.LEAD_AGENCIES
    exploitation: np.ndarray  # index into codes.EXPLOITATION_TYPES
    crime_number: np.ndarray  # -1 when no crime is recorded
    europol: np.ndarray
    jit: np.ndarray
    suspects: np.ndarray  # final count
    suspects_ramp: np.ndarray  # months until every suspect is known
    suspect_nat1: np.ndarray  # index into SUSPECT_NATIONALITIES
    suspect_nat2: np.ndarray  # -1 when one nationality
    suspect_share1: np.ndarray
    dropped_month: np.ndarray  # month from which the force stops listing it, never closed (-1 when not)
    mismatch_month: np.ndarray  # month whose row gives suspect counts that do not add up (-1 when none)

    def __len__(self) -> int:
        return len(self.unit)

    def live_in(self, month: int) -> np.ndarray:
        """Indices of the operations listed in ``month``'s returns (open at some time in the month)."""
        listed = (self.opened_month <= month) & (self.last_month >= month)
        listed &= (self.dropped_month < 0) | (self.dropped_month > month)
        return np.flatnonzero(listed)

    def live_at_end(self, month: int) -> np.ndarray:
        """Operations LIVE or SUSPENDED at the end of ``month`` (in truth, whether reported or not)."""
        return np.flatnonzero((self.opened_month <= month) & (self.last_month > month))

    def suspects_at(self, ops: np.ndarray, month: int) -> np.ndarray:
        since = month - self.opened_month[ops] + 1
        return np.ceil(self.suspects[ops] * np.minimum(1.0, since / self.suspects_ramp[ops])).astype(np.int64)


def duration_pmf(model: Model) -> np.ndarray:
    """P(an operation appears in exactly k monthly returns), k = 0..max_months."""
    p = model.operations
    k = np.arange(p.max_months + 1)
    cdf = 0.5 * (
        1
        + np.vectorize(math.erf)(
            (np.log(np.maximum(k, 1e-9) + 0.5) - math.log(p.median_months)) / (p.sigma * math.sqrt(2))
        )
    )
    cdf[0] = 0.0
    cdf[-1] = 1.0
    long = np.diff(cdf, prepend=0.0)
    short = np.zeros_like(long)
    short[1:4] = 1 / 3
    return (1 - p.short_share) * long + p.short_share * short


def opening_rates(model: Model, months: np.ndarray) -> np.ndarray:
    """Expected operations opened each month (scale 1) so that those live at each month's end follow the target."""
    pmf = duration_pmf(model)
    survival = 1 - np.cumsum(pmf)  # survival[k] = P(duration > k)
    target = model.live_operations(months)
    rates = np.zeros(len(months))
    for t in range(len(months)):
        ages = t - np.arange(t) + 1  # an operation opened at s is live at the end of t when duration > t - s + 1
        carried = float(np.sum(rates[:t] * survival[np.minimum(ages, len(survival) - 1)])) if t else 0.0
        rates[t] = max(0.0, (target[t] - carried) / survival[1])
    return rates


def simulate_operations(
    model: Model, places: Places, months: np.ndarray, scale: float, seed: int, dropped_rate: float, mismatch_rate: float
) -> Operations:
    rng = streams.stream(seed, "operations")
    p = model.operations
    counts = rng.poisson(opening_rates(model, months) * scale)
    opened_month = np.repeat(months, counts)
    n = len(opened_month)
    first = np.asarray(first_day(opened_month))
    length = np.asarray(days_in(opened_month))
    opened_day = streams.days_within(rng, first, length)
    unit = streams.choice(rng, places.operation_weights, n).astype(np.int16)
    number = _sequence_within(unit)
    pmf = duration_pmf(model)
    duration = streams.choice(rng, pmf, n)
    duration = np.maximum(duration, 1)
    last_month = opened_month + duration - 1
    last_first = np.asarray(first_day(last_month))
    closed_day = np.maximum(streams.days_within(rng, last_first, np.asarray(days_in(last_month))), opened_day)
    suspended = (rng.random(n) < p.suspended_share) & (duration >= 4)
    start = opened_month + 1 + np.floor(rng.random(n) * np.maximum(duration - 3, 1)).astype(np.int64)
    stop = np.minimum(start + rng.integers(0, 4, n), last_month - 1)
    suspended_from = np.where(suspended, start, -1)
    suspended_to = np.where(suspended, stop, -1)
    rocu = np.array([u.is_rocu for u in places.units])[unit]
    lead_codes = list(codes.LEAD_AGENCIES)
    lead = np.array([lead_codes.index(x) for x in p.lead.labels])[streams.choice(rng, p.lead.p, n)]
    lead = np.where(rocu, lead_codes.index("ROCU"), lead)
    years = opened_month // 12
    exploitation = np.zeros(n, dtype=np.int8)
    code_list = list(codes.EXPLOITATION_TYPES)
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        mix = model.police.mix(int(year))
        exploitation[rows] = np.array([code_list.index(t) for t in EXPLOITATION])[streams.choice(rng, mix.p, len(rows))]
    crime = rng.random(n) < p.crime_recorded_at_open
    crime_number = np.where(crime, rng.integers(1, 999_999, n), -1)
    europol = rng.random(n) < p.europol_check
    jit = rng.random(n) < p.jit
    suspects = rng.poisson(p.suspects_mean, n)
    ramp = rng.integers(1, 7, n)
    nat_p = np.array(list(SUSPECT_NATIONALITIES.values()))
    nat1 = streams.choice(rng, nat_p, n)
    nat2 = np.where(rng.random(n) < 0.3, streams.choice(rng, nat_p, n), -1)
    nat2 = np.where(nat2 == nat1, -1, nat2)
    share1 = rng.uniform(0.5, 0.9, n)
    droppable = duration >= 3
    dropped = droppable & (rng.random(n) < dropped_rate)
    dropped_month = np.where(dropped, opened_month + 1 + np.floor(rng.random(n) * (duration - 2)).astype(np.int64), -1)
    mismatch = (rng.random(n) < mismatch_rate) & (suspects >= 2)
    mismatch_month = np.where(mismatch, opened_month + np.floor(rng.random(n) * duration).astype(np.int64), -1)
    return Operations(
        unit=unit,
        number=number,
        opened_day=opened_day,
        opened_month=opened_month,
        last_month=last_month,
        closed_day=closed_day,
        suspended_from=suspended_from,
        suspended_to=suspended_to,
        lead=lead.astype(np.int8),
        exploitation=exploitation,
        crime_number=crime_number,
        europol=europol,
        jit=jit,
        suspects=suspects,
        suspects_ramp=ramp,
        suspect_nat1=nat1,
        suspect_nat2=nat2,
        suspect_share1=share1,
        dropped_month=dropped_month,
        mismatch_month=mismatch_month,
    )


def add_joint_operations(
    ops: Operations, unit: np.ndarray, opened_day: np.ndarray, last_month: np.ndarray, closed_day: np.ndarray, seed: int
) -> np.ndarray:
    """Append operations led by the GLAA (joint labour exploitation work); returns their indices."""
    rng = streams.stream(seed, "joint-operations")
    n = len(unit)
    start = len(ops)
    lead = np.full(n, codes.LEAD_AGENCIES.index("GLAA"), dtype=np.int8)
    exploitation = np.full(n, codes.EXPLOITATION_TYPES.index("LABOUR"), dtype=np.int8)
    opened_month = month_of_day(opened_day)
    fields = {
        "unit": unit.astype(np.int16),
        "number": np.zeros(n, dtype=np.int64),
        "opened_day": opened_day,
        "opened_month": opened_month,
        "last_month": last_month,
        "closed_day": np.maximum(closed_day, opened_day),
        "suspended_from": np.full(n, -1),
        "suspended_to": np.full(n, -1),
        "lead": lead,
        "exploitation": exploitation,
        "crime_number": rng.integers(1, 999_999, n),
        "europol": rng.random(n) < 0.1,
        "jit": np.zeros(n, dtype=bool),
        "suspects": rng.poisson(2.0, n) + 1,
        "suspects_ramp": rng.integers(1, 4, n),
        "suspect_nat1": streams.choice(rng, np.array(list(SUSPECT_NATIONALITIES.values())), n),
        "suspect_nat2": np.full(n, -1),
        "suspect_share1": np.ones(n),
        "dropped_month": np.full(n, -1),
        "mismatch_month": np.full(n, -1),
    }
    for name, values in fields.items():
        setattr(ops, name, np.concatenate([getattr(ops, name), values.astype(getattr(ops, name).dtype)]))
    ops.number = _sequence_within(ops.unit)
    return np.arange(start, start + n)


def _sequence_within(unit: np.ndarray) -> np.ndarray:
    """1, 2, 3... within each unit, in order of appearance."""
    order = np.argsort(unit, kind="stable")
    sorted_units = unit[order]
    starts = np.flatnonzero(np.r_[True, sorted_units[1:] != sorted_units[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(unit)]))
    seq = np.empty(len(unit), dtype=np.int64)
    seq[order] = np.arange(len(unit)) - run_start + 1
    return seq
