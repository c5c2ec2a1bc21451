"""The profile of each agency's records in the simulated world: the model's own assumptions, chosen so that the
published shares in the calibration targets (:mod:`msdw.generate.targets`) come out of the simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

EXPLOITATION = ("CRIMINAL", "LABOUR", "SEXUAL", "DOMESTIC_SERVITUDE", "MIXED", "UNKNOWN", "ORGAN_HARVESTING")


@dataclass(frozen=True)
class Mix:
    """A categorical distribution: labels and weights (normalised on use)."""

    weights: dict[str, float]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.weights)

    @property
    def p(self) -> np.ndarray:
        w = np.array(list(self.weights.values()), dtype=float)
        return w / w.sum()

    def share(self, label: str) -> float:
        return float(self.p[self.labels.index(label)])


def _by_type(**values: float) -> dict[str, float]:
    return {t: values[t.lower()] for t in EXPLOITATION}


@dataclass(frozen=True)
class PoliceProfile:
    """Police victims: exploitation mix by year, then child, female and nationality given the exploitation type."""

    mix_early: Mix = Mix(
        _by_type(
            criminal=0.22,
            labour=0.35,
            sexual=0.28,
            domestic_servitude=0.08,
            mixed=0.02,
            unknown=0.04,
            organ_harvesting=0.01,
        )
    )
    mix_late: Mix = Mix(
        _by_type(
            criminal=0.50,
            labour=0.20,
            sexual=0.17,
            domestic_servitude=0.05,
            mixed=0.04,
            unknown=0.035,
            organ_harvesting=0.005,
        )
    )
    early_year: int = 2014
    late_year: int = 2020
    child: dict[str, float] = field(
        default_factory=lambda: _by_type(
            criminal=0.53,
            labour=0.10,
            sexual=0.26,
            domestic_servitude=0.13,
            mixed=0.30,
            unknown=0.30,
            organ_harvesting=0.05,
        )
    )
    female: dict[str, float] = field(
        default_factory=lambda: _by_type(
            criminal=0.07,
            labour=0.18,
            sexual=0.75,
            domestic_servitude=0.60,
            mixed=0.30,
            unknown=0.25,
            organ_harvesting=0.30,
        )
    )
    nationality: dict[str, Mix] = field(
        default_factory=lambda: {
            "CRIMINAL": Mix(
                {
                    "GBR": 0.69,
                    "ALB": 0.09,
                    "VNM": 0.10,
                    "ERI": 0.02,
                    "SDN": 0.02,
                    "ROU": 0.01,
                    "AFG": 0.02,
                    "IRN": 0.01,
                    "IRQ": 0.01,
                    "NGA": 0.01,
                    "CHN": 0.01,
                    "XKX": 0.01,
                    "POL": 0.01,
                }
            ),
            "LABOUR": Mix(
                {
                    "GBR": 0.20,
                    "ROU": 0.10,
                    "ALB": 0.10,
                    "VNM": 0.06,
                    "POL": 0.08,
                    "IND": 0.08,
                    "CHN": 0.05,
                    "BGR": 0.05,
                    "LTU": 0.04,
                    "PAK": 0.04,
                    "NGA": 0.03,
                    "ERI": 0.03,
                    "SDN": 0.04,
                    "SVK": 0.02,
                    "HUN": 0.02,
                    "UKR": 0.01,
                }
            ),
            "SEXUAL": Mix(
                {
                    "GBR": 0.40,
                    "ALB": 0.18,
                    "ROU": 0.08,
                    "VNM": 0.04,
                    "CHN": 0.06,
                    "NGA": 0.07,
                    "HUN": 0.03,
                    "BGR": 0.03,
                    "CZE": 0.02,
                    "SVK": 0.02,
                    "ETH": 0.01,
                    "ERI": 0.02,
                }
            ),
            "DOMESTIC_SERVITUDE": Mix(
                {
                    "GBR": 0.10,
                    "NGA": 0.15,
                    "IND": 0.12,
                    "PHL": 0.10,
                    "ALB": 0.08,
                    "VNM": 0.05,
                    "PAK": 0.10,
                    "ERI": 0.05,
                    "GHA": 0.08,
                    "BGD": 0.07,
                    "LKA": 0.05,
                    "EGY": 0.05,
                }
            ),
            "MIXED": Mix(
                {
                    "GBR": 0.30,
                    "ALB": 0.15,
                    "VNM": 0.10,
                    "ROU": 0.10,
                    "ERI": 0.05,
                    "SDN": 0.05,
                    "NGA": 0.05,
                    "CHN": 0.05,
                    "POL": 0.05,
                    "IRN": 0.05,
                    "AFG": 0.05,
                }
            ),
            "UNKNOWN": Mix(
                {
                    "GBR": 0.30,
                    "ALB": 0.15,
                    "VNM": 0.10,
                    "ROU": 0.10,
                    "ERI": 0.05,
                    "SDN": 0.05,
                    "NGA": 0.05,
                    "CHN": 0.05,
                    "POL": 0.05,
                    "IRN": 0.05,
                    "AFG": 0.05,
                }
            ),
            "ORGAN_HARVESTING": Mix({"NGA": 0.4, "GBR": 0.2, "ROU": 0.2, "EGY": 0.2}),
        }
    )
    adult_referral_rate: float = 0.80  # adults who consent; children are always referred
    dtn_rate: float = 0.70  # Duty to Notify for adults not referred, England and Wales only
    in_operation: float = 0.45  # share of police victims identified within an operation of their force
    missing_dob: float = 0.10  # date of birth unknown: an age estimate instead
    reidentified: float = 0.03  # police victims who are people already identified by the police

    def mix(self, year: int) -> Mix:
        span = self.late_year - self.early_year
        t = min(max((year - self.early_year) / span, 0.0), 1.0)
        return Mix({k: (1 - t) * self.mix_early.weights[k] + t * self.mix_late.weights[k] for k in EXPLOITATION})

    def child_share(self, year: int) -> float:
        mix = self.mix(year)
        return float(sum(mix.share(t) * self.child[t] for t in EXPLOITATION))

    def referral_rate(self, year: int) -> float:
        child = self.child_share(year)
        return child + (1 - child) * self.adult_referral_rate


@dataclass(frozen=True)
class BorderForceProfile:
    per_month: float = 20.0  # 60 a quarter
    child: float = 0.50
    female: float = 0.60
    nationality: Mix = Mix(
        {
            "ALB": 0.18,
            "VNM": 0.12,
            "ERI": 0.08,
            "SDN": 0.07,
            "CHN": 0.07,
            "NGA": 0.08,
            "IND": 0.05,
            "ROU": 0.06,
            "AFG": 0.05,
            "IRN": 0.04,
            "EGY": 0.03,
            "PHL": 0.03,
            "GBR": 0.02,
            "BGR": 0.03,
            "POL": 0.02,
            "XKX": 0.02,
            "ETH": 0.03,
            "KWT": 0.02,
        }
    )
    indicators: Mix = Mix(
        {"SEXUAL": 0.35, "LABOUR": 0.25, "DOMESTIC_SERVITUDE": 0.15, "CRIMINAL": 0.15, "ORGAN_HARVESTING": 0.01}
    )
    ports: Mix = Mix(
        {
            "LHR": 0.30,
            "LGW": 0.10,
            "STN": 0.07,
            "LTN": 0.04,
            "MAN": 0.08,
            "BHX": 0.04,
            "DOV": 0.13,
            "FOL": 0.05,
            "STP": 0.08,
            "HWH": 0.02,
            "HLY": 0.02,
            "HUL": 0.02,
            "GLA": 0.02,
            "EDI": 0.02,
            "BFS": 0.01,
        }
    )
    referral_rate_adult: float = 0.70
    missing_dob: float = 0.15
    later_police: float = 0.15  # later identified by the police too


@dataclass(frozen=True)
class GlaaProfile:
    investigations_per_month: float = 15.0
    inspections_per_month: float = 25.0
    workers_per_investigation: float = 7.2
    referral_rate: float = 0.08
    dtn_rate: float = 0.10
    joint_with_police: float = 0.15  # investigations run jointly with a police operation
    joint_worker_also_police: float = 0.5
    licensed_sectors_until: str = "2017-04"  # the GLAA's remit widened in May 2017
    licensed: Mix = Mix({"AGRICULTURE": 0.45, "SHELLFISH": 0.10, "FOOD_PROCESSING": 0.40, "OTHER": 0.05})
    sectors: Mix = Mix(
        {
            "AGRICULTURE": 0.20,
            "SHELLFISH": 0.03,
            "FOOD_PROCESSING": 0.15,
            "CONSTRUCTION": 0.08,
            "CAR_WASH": 0.12,
            "NAIL_BAR": 0.06,
            "HOSPITALITY": 0.08,
            "WAREHOUSING": 0.08,
            "CLEANING": 0.05,
            "CARE": 0.08,
            "MANUFACTURING": 0.05,
            "OTHER": 0.02,
        }
    )
    female: dict[str, float] = field(
        default_factory=lambda: {
            "AGRICULTURE": 0.30,
            "SHELLFISH": 0.20,
            "FOOD_PROCESSING": 0.40,
            "CONSTRUCTION": 0.02,
            "CAR_WASH": 0.02,
            "NAIL_BAR": 0.90,
            "HOSPITALITY": 0.40,
            "WAREHOUSING": 0.30,
            "CLEANING": 0.50,
            "CARE": 0.75,
            "MANUFACTURING": 0.30,
            "OTHER": 0.30,
        }
    )
    nationality: Mix = Mix(
        {
            "ROU": 0.22,
            "BGR": 0.10,
            "POL": 0.08,
            "LTU": 0.06,
            "GBR": 0.12,
            "IND": 0.07,
            "UKR": 0.05,
            "VNM": 0.05,
            "ALB": 0.04,
            "PAK": 0.04,
            "PHL": 0.03,
            "ZWE": 0.03,
            "NGA": 0.02,
            "SVK": 0.03,
            "CZE": 0.02,
            "HUN": 0.04,
        }
    )
    outcomes: Mix = Mix(
        {
            "COMPLIANT": 0.45,
            "ADVICE_GIVEN": 0.25,
            "ADDITIONAL_CONDITIONS": 0.18,
            "LICENCE_REVOKED": 0.07,
            "APPLICATION_REFUSED": 0.05,
        }
    )
    missing_dob: float = 0.10


@dataclass(frozen=True)
class OperationProfile:
    growth_after_anchors: float = 0.08  # a year, after the last live-operations target
    short_share: float = 0.15  # closed within three months
    median_months: float = 10.0
    sigma: float = 0.8
    max_months: int = 72
    suspended_share: float = 0.12
    lead: Mix = Mix(
        {
            "POLICE": 0.82,
            "NCA": 0.03,
            "GLAA": 0.02,
            "BORDER_FORCE": 0.02,
            "IMMIGRATION_ENFORCEMENT": 0.05,
            "HMRC": 0.02,
            "OTHER": 0.04,
        }
    )
    europol_check: float = 0.25
    jit: float = 0.03
    crime_recorded_at_open: float = 0.85
    suspects_mean: float = 2.5
    arrests_per_month: float = 0.25


@dataclass(frozen=True)
class CpsProfile:
    defendants_per_case: float = 1.2  # 1 + Poisson
    max_prosecuted_share: float = 0.35  # of operations opened in a month
    known_operation: float = 0.85  # of cases from an operation, the operation is named
    lag_months: tuple[int, int] = (12, 36)
    outcomes_convicted: Mix = Mix({"CONVICTED_GUILTY_PLEA": 0.66, "CONVICTED_AFTER_TRIAL": 0.34})
    outcomes_not: Mix = Mix(
        {"ACQUITTED": 0.40, "DISMISSED": 0.10, "DISCONTINUED": 0.42, "ADMINISTRATIVELY_FINALISED": 0.08}
    )
    offences: Mix = Mix({"MSA_S2": 0.55, "MSA_S1": 0.35, "MSA_S30": 0.03, "OTHER_FLAGGED": 0.07})
    custodial: float = 0.85
    stpo: float = 0.25
    confiscation: float = 0.15
