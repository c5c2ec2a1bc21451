"""People and the records agencies make of them.

A :class:`Persons` row is one real person of the simulated world; a :class:`Records` row is one identification of a
person by an agency (a police victim row, a GLAA worker row, a Border Force referral). The same person may have
several records, from one agency or several, each written a little differently (:mod:`msdw.generate.names`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from msdw.generate import names as nm
from msdw.generate import streams
from msdw.sources import codes

DAYS_A_YEAR = 365.25
GENDER = {g: i for i, g in enumerate(codes.GENDERS)}


@dataclass
class Persons:
    nationality: np.ndarray  # alpha-3, '<U3'
    female: np.ndarray
    gender: np.ndarray  # index into codes.GENDERS
    dob_day: np.ndarray
    culture: np.ndarray
    given: np.ndarray
    family: np.ndarray

    def __len__(self) -> int:
        return len(self.nationality)

    @classmethod
    def empty(cls) -> Persons:
        return cls(
            np.array([], dtype="<U3"),
            np.array([], dtype=bool),
            np.array([], dtype=np.int8),
            np.array([], dtype=np.int64),
            np.array([], dtype=np.int16),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
        )

    def extend(self, other: Persons) -> np.ndarray:
        """Append ``other``; returns the indices it was given."""
        start = len(self)
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(other, f.name)]))
        return np.arange(start, len(self))


def new_persons(
    rng: np.random.Generator, pools: nm.NamePools, nationality: np.ndarray, female: np.ndarray, dob_day: np.ndarray
) -> Persons:
    drawn = pools.draw(rng, nationality, female)
    gender = np.where(female, GENDER["FEMALE"], GENDER["MALE"]).astype(np.int8)
    other = rng.random(len(female))
    gender = np.where(other < 0.004, GENDER["OTHER"], np.where(other < 0.012, GENDER["UNKNOWN"], gender))
    return Persons(
        nationality.astype("<U3"), female, gender.astype(np.int8), dob_day, drawn.culture, drawn.given, drawn.family
    )


def birth_days(
    rng: np.random.Generator, identified_day: np.ndarray, child: np.ndarray, child_ages: tuple[int, int] = (10, 17)
) -> np.ndarray:
    """Dates of birth giving a child (``child_ages``) or an adult (18 to 70, most in their twenties and thirties)
    at identification."""
    n = len(identified_day)
    low, high = child_ages
    child_age = low + (high - low + 1) * rng.beta(2.5, 1.2, n)
    adult_age = np.minimum(18 + rng.gamma(2.0, 7.0, n), 70.9)
    age = np.where(child, child_age, adult_age)
    return (identified_day - np.floor(age * DAYS_A_YEAR)).astype(np.int64) - 1


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days).astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month = (m - y.astype("datetime64[M]")).astype(np.int64)
    return y.astype(np.int64), month, (d - m.astype("datetime64[D]")).astype(np.int64)


def age_at(dob_day: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whole years between birth and ``day``."""
    y1, m1, d1 = _ymd(dob_day)
    y2, m2, d2 = _ymd(day)
    return y2 - y1 - ((m2 < m1) | ((m2 == m1) & (d2 < d1))).astype(np.int64)


@dataclass
class Records:
    """Identification records of one agency."""

    person: np.ndarray
    month: np.ndarray
    day: np.ndarray
    unit: np.ndarray  # police: the force or unit; Border Force: the port's unit; GLAA: -1
    exploitation: np.ndarray  # index into codes.EXPLOITATION_TYPES
    operation: np.ndarray  # police operation or GLAA investigation, -1 when none
    nrm: np.ndarray
    nrm_day: np.ndarray
    dtn: np.ndarray
    crime_number: np.ndarray  # police: -1 when no crime recorded
    flags: np.ndarray  # name variant flags (msdw.generate.names)
    variant_seed: np.ndarray
    number: np.ndarray  # the record's reference number
    port: np.ndarray  # Border Force: index into Places.ports
    indicators: np.ndarray  # Border Force: bit i set for EXPLOITATION_TYPES[i]
    safeguarding: np.ndarray
    detained: np.ndarray
    seconds: np.ndarray  # Border Force: time of day of the encounter

    def __len__(self) -> int:
        return len(self.person)

    @classmethod
    def blank(cls, n: int) -> Records:
        return cls(
            person=np.zeros(n, dtype=np.int64),
            month=np.zeros(n, dtype=np.int64),
            day=np.zeros(n, dtype=np.int64),
            unit=np.full(n, -1, dtype=np.int16),
            exploitation=np.full(n, codes.EXPLOITATION_TYPES.index("UNKNOWN"), dtype=np.int8),
            operation=np.full(n, -1, dtype=np.int64),
            nrm=np.zeros(n, dtype=bool),
            nrm_day=np.full(n, -1, dtype=np.int64),
            dtn=np.zeros(n, dtype=bool),
            crime_number=np.full(n, -1, dtype=np.int64),
            flags=np.zeros(n, dtype=np.int16),
            variant_seed=np.zeros(n, dtype=np.int64),
            number=np.zeros(n, dtype=np.int64),
            port=np.full(n, -1, dtype=np.int16),
            indicators=np.zeros(n, dtype=np.int16),
            safeguarding=np.zeros(n, dtype=bool),
            detained=np.zeros(n, dtype=bool),
            seconds=np.zeros(n, dtype=np.int64),
        )

    def concat(self, other: Records) -> Records:
        return Records(
            **{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)}
        )

    def take(self, index: np.ndarray) -> Records:
        return Records(**{f.name: getattr(self, f.name)[index] for f in fields(self)})


def variant_flags(rng: np.random.Generator, n: int, repeat: np.ndarray) -> np.ndarray:
    """Name variant flags: a first record is mostly written plainly, a repeat record of a known person often not."""
    r = rng.random((6, n))
    first_rates = np.array([0.03, 0.02, 0.02, 0.02, 0.08, 0.0])
    repeat_rates = np.array([0.35, 0.20, 0.20, 0.10, 0.15, 0.25])
    rates = np.where(repeat[None, :], repeat_rates[:, None], first_rates[:, None])
    bits = np.array([nm.SPELLING, nm.TYPO, nm.SWAP, nm.DROP_MIDDLE, nm.UPPER, nm.NO_DOB])
    return ((r < rates) * bits[:, None]).sum(axis=0).astype(np.int16)


def referral_days(rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
    return day + np.minimum(rng.geometric(0.35, len(day)) - 1, 20)


def sequence_by(group: np.ndarray, order_key: np.ndarray) -> np.ndarray:
    """1, 2, 3... within each group, in the order of ``order_key``."""
    order = np.lexsort((order_key, group))
    g = group[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    seq = np.empty(len(group), dtype=np.int64)
    seq[order] = np.arange(len(group)) - run_start + 1
    return seq


def draw_seed(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**31 - 1, n, dtype=np.int64)


def choose_codes(rng: np.random.Generator, labels: tuple[str, ...], p: np.ndarray, n: int) -> np.ndarray:
    return np.array(labels)[streams.choice(rng, p, n)] if n else np.array([], dtype="<U3")
