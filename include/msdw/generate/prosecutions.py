"""CPS prosecutions: defendants of police operations, finalised one to three years after the operation opened, and
cases whose operation is not known."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msdw.generate import streams
from msdw.generate.model import Model
from msdw.generate.months import days_in, first_day
from msdw.generate.operations import Operations, opening_rates
from msdw.generate.places import Places
from msdw.sources import codes

LONDON_AREAS = (4, 5)


@dataclass
class Defendants:
    case: np.ndarray  # case number (index); one case, several defendants
    unit: np.ndarray  # investigating force or unit
    operation: np.ndarray  # -1 when the case comes from no known operation
    operation_named: np.ndarray  # the CPS names the operation
    area: np.ndarray
    offence: np.ndarray  # index into codes.PRINCIPAL_OFFENCES
    charged_day: np.ndarray
    finalised_day: np.ndarray
    month: np.ndarray  # month finalised
    outcome: np.ndarray  # index into codes.CPS_OUTCOMES
    custodial_months: np.ndarray  # -1 when none
    victims: np.ndarray
    stpo: np.ndarray
    confiscation_pence: np.ndarray  # -1 when none
    token: np.ndarray  # the CPS pseudonymous id, as a number
    charged_year: np.ndarray

    def __len__(self) -> int:
        return len(self.case)

    @property
    def convicted(self) -> np.ndarray:
        return np.isin(self.outcome, [codes.CPS_OUTCOMES.index(o) for o in codes.CONVICTED_OUTCOMES])


@dataclass
class Charges:
    """Charges that appear in the operations returns: (operation, month, count)."""

    operation: np.ndarray
    month: np.ndarray
    count: np.ndarray


def prosecution_shares(model: Model, months: np.ndarray, eligible: float) -> tuple[np.ndarray, np.ndarray]:
    """Per opening month, the share of operations prosecuted; per finalising month, the expected cases (scale 1)
    that must come from outside known operations to reach the target. ``eligible`` is the share of operations run
    by forces the CPS prosecutes for (England and Wales)."""
    c = model.cps
    cases_a_month = model.cps_defendants_per_year / 12 / (1 + c.defendants_per_case)
    opened = opening_rates(model, months) * eligible
    share = np.minimum(c.max_prosecuted_share, cases_a_month / np.maximum(opened, 1e-9))
    low, high = c.lag_months
    lag = np.zeros(high + 1)
    lag[low : high + 1] = 1 / (high - low + 1)
    from_ops = np.convolve(opened * share, lag)[: len(months)]
    return share, np.maximum(0.0, cases_a_month - from_ops)


def simulate_prosecutions(
    model: Model,
    places: Places,
    ops: Operations,
    victims_per_op: np.ndarray,
    months: np.ndarray,
    scale: float,
    seed: int,
) -> tuple[Defendants, Charges]:
    rng = streams.stream(seed, "prosecutions")
    c = model.cps
    area_of_unit = np.array([u.cps_area or 0 for u in places.units])
    share, orphan_rate = prosecution_shares(model, months, float(places.operation_weights[area_of_unit > 0].sum()))
    eligible = area_of_unit[ops.unit] > 0
    at = np.clip(ops.opened_month - months[0], 0, len(months) - 1)
    chosen = np.flatnonzero(eligible & (rng.random(len(ops)) < share[at]))
    k = len(chosen)
    low, high = c.lag_months
    span = ops.last_month[chosen] - ops.opened_month[chosen]
    charged_month = ops.opened_month[chosen] + np.floor(rng.random(k) * (np.minimum(span, 18) + 1)).astype(np.int64)
    charged_day = np.maximum(
        streams.days_within(rng, np.asarray(first_day(charged_month)), np.asarray(days_in(charged_month))),
        ops.opened_day[chosen],
    )
    final_month = np.maximum(ops.opened_month[chosen] + rng.integers(low, high + 1, k), charged_month + 3)
    per_case = 1 + rng.poisson(c.defendants_per_case, k)
    charges = Charges(operation=chosen, month=charged_month, count=per_case)
    victims = np.where(victims_per_op[chosen] > 0, victims_per_op[chosen], 1 + rng.poisson(1.5, k))
    named = rng.random(k) < c.known_operation
    ops_cases = dict(
        unit=ops.unit[chosen].astype(np.int64),
        operation=chosen,
        named=named,
        charged_day=charged_day,
        final_month=final_month,
        per_case=per_case,
        victims=victims,
    )

    orphans = rng.poisson(orphan_rate * scale)
    o_month = np.repeat(months, orphans)
    m = len(o_month)
    territorial = np.flatnonzero((area_of_unit > 0) & np.array([not u.is_rocu for u in places.units]))
    o_unit = territorial[streams.choice(rng, places.victim_weights[territorial], m)] if m else np.zeros(0, int)
    o_charged_month = o_month - rng.integers(3, 25, m)
    o_cases = dict(
        unit=o_unit.astype(np.int64),
        operation=np.full(m, -1),
        named=np.zeros(m, dtype=bool),
        charged_day=streams.days_within(
            rng, np.asarray(first_day(o_charged_month)), np.asarray(days_in(o_charged_month))
        ),
        final_month=o_month,
        per_case=1 + rng.poisson(c.defendants_per_case, m),
        victims=1 + rng.poisson(2.0, m),
    )
    cases = {key: np.concatenate([ops_cases[key], o_cases[key]]) for key in ops_cases}
    order = np.lexsort((cases["charged_day"], cases["final_month"]))
    cases = {key: v[order] for key, v in cases.items()}
    n_cases = len(order)
    area = area_of_unit[cases["unit"]]
    area = np.where(np.isin(area, LONDON_AREAS), np.array(LONDON_AREAS)[rng.integers(0, 2, n_cases)], area)
    conviction = np.clip(rng.normal(model.cps_convicted_share, 0.12, n_cases), 0.05, 0.98)
    case_offence = streams.choice(rng, c.offences.p, n_cases)

    case = np.repeat(np.arange(n_cases), cases["per_case"])
    d = len(case)
    convicted = rng.random(d) < conviction[case]
    outcome_codes = list(codes.CPS_OUTCOMES)
    yes = np.array([outcome_codes.index(o) for o in c.outcomes_convicted.labels])[
        streams.choice(rng, c.outcomes_convicted.p, d)
    ]
    no = np.array([outcome_codes.index(o) for o in c.outcomes_not.labels])[streams.choice(rng, c.outcomes_not.p, d)]
    offence_codes = np.array([codes.PRINCIPAL_OFFENCES.index(o) for o in c.offences.labels])
    offence = np.where(rng.random(d) < 0.8, case_offence[case], streams.choice(rng, c.offences.p, d))
    final_month = cases["final_month"][case]
    finalised_day = streams.days_within(rng, np.asarray(first_day(final_month)), np.asarray(days_in(final_month)))
    custodial = convicted & (rng.random(d) < c.custodial)
    months_inside = np.clip(np.round(rng.lognormal(np.log(48), 0.6, d)), 6, 360).astype(np.int64)
    confiscation = convicted & (rng.random(d) < c.confiscation)
    pence = np.round(rng.lognormal(np.log(2_000_000), 1.2, d)).astype(np.int64)
    charged_day = cases["charged_day"][case]
    return (
        Defendants(
            case=case,
            unit=cases["unit"][case],
            operation=cases["operation"][case],
            operation_named=cases["named"][case],
            area=area[case],
            offence=offence_codes[offence],
            charged_day=charged_day,
            finalised_day=finalised_day,
            month=final_month,
            outcome=np.where(convicted, yes, no),
            custodial_months=np.where(custodial, months_inside, -1),
            victims=cases["victims"][case],
            stpo=convicted & (rng.random(d) < c.stpo),
            confiscation_pence=np.where(confiscation, pence, -1),
            token=rng.integers(0x10000000, 0xFFFFFFFF, d),
            charged_year=charged_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970,
        ),
        charges,
    )
