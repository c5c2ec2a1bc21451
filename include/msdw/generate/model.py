"""The parameters of the simulated world: volumes over time, anchored on the calibration targets
(:mod:`msdw.generate.targets`), and the profile of each agency's records (:mod:`msdw.generate.profiles`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from msdw.generate import targets as tg
from msdw.generate.months import parse_month
from msdw.generate.profiles import BorderForceProfile, CpsProfile, GlaaProfile, OperationProfile, PoliceProfile


def _interpolate_log(points: list[tuple[float, float]], x: np.ndarray, after: float | None = None) -> np.ndarray:
    """Log-linear interpolation through ``points`` (x, value); beyond the ends, the nearest segment's growth, or
    ``after`` (growth per unit of x, as a log) past the last point."""
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.log(np.array([p[1] for p in points], dtype=float))
    out = np.interp(x, xs, ys)
    first = (ys[1] - ys[0]) / (xs[1] - xs[0])
    last = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2]) if after is None else after
    out = np.where(x < xs[0], ys[0] + (x - xs[0]) * first, out)
    out = np.where(x > xs[-1], ys[-1] + (x - xs[-1]) * last, out)
    return np.exp(out)


def _interpolate_linear(points: list[tuple[float, float]], x: np.ndarray, low: float, high: float) -> np.ndarray:
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    out = np.interp(x, xs, ys)
    out = np.where(x < xs[0], ys[0] + (x - xs[0]) * slope, out)
    out = np.where(x > xs[-1], ys[-1] + (x - xs[-1]) * slope * 0.5, out)
    return np.clip(out, low, high)


@dataclass(frozen=True)
class Model:
    police: PoliceProfile = field(default_factory=PoliceProfile)
    border_force: BorderForceProfile = field(default_factory=BorderForceProfile)
    glaa: GlaaProfile = field(default_factory=GlaaProfile)
    operations: OperationProfile = field(default_factory=OperationProfile)
    cps: CpsProfile = field(default_factory=CpsProfile)
    cps_defendants_per_year: float = 300.0
    cps_convicted_share: float = 0.685

    def national_referrals_per_month(self, months: np.ndarray) -> np.ndarray:
        """Expected NRM referrals in each month (all first responders), through the yearly published figures."""
        points = [(int(t.period) * 12 + 5.5, t.number / 12) for t in tg.by_metric("nrm_referrals_national")]
        after = np.log(1.03) / 12
        return _interpolate_log(points, months.astype(float), after=after)

    def national_referrals_in_year(self, year: int) -> float:
        return float(self.national_referrals_per_month(np.arange(year * 12, year * 12 + 12)).sum())

    @property
    def police_share(self) -> float:
        """Share of NRM referrals made by the police, from the 2023 police figure."""
        t = tg.target("police_referrals_2023")
        return t.number * 4 / self.national_referrals_in_year(int(t.period))

    @property
    def met_share(self) -> float:
        return tg.target("met_referrals_2023").number / tg.target("police_referrals_2023").number

    def police_victims_per_month(self, months: np.ndarray) -> np.ndarray:
        """Victims the police identify for the first time each month, besides those met first by Border Force or
        in joint work with the GLAA (:meth:`police_victims_from_partners`)."""
        referrals = self.national_referrals_per_month(months) * self.police_share
        rates = np.array([self.police.referral_rate(int(y)) for y in months // 12])
        victims = referrals / rates
        return np.maximum(victims - self.police_victims_from_partners(months), 0.3 * victims)

    def police_victims_from_partners(self, months: np.ndarray) -> np.ndarray:
        g = self.glaa
        joint = g.investigations_per_month * g.joint_with_police * g.workers_per_investigation
        joint = joint * g.joint_worker_also_police * (months > parse_month(g.licensed_sectors_until))
        return self.border_force.per_month * self.border_force.later_police + joint

    def live_operations(self, months: np.ndarray) -> np.ndarray:
        points = [(float(parse_month(t.period)), t.number) for t in tg.by_metric("live_operations")]
        return _interpolate_log(
            points, months.astype(float), after=np.log(1 + self.operations.growth_after_anchors) / 12
        )

    def crime_recorded_rate(self, years: np.ndarray) -> np.ndarray:
        points = [(float(t.period), t.number) for t in tg.by_metric("police_share_crime_recorded")]
        return _interpolate_linear(points, np.asarray(years, dtype=float), 0.15, 0.9)
