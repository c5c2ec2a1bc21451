"""The simulated world against the published figures of returns.md, with the tolerances of targets.csv."""

from __future__ import annotations

import numpy as np
import pytest

from msdw.generate.calibration import measure
from msdw.generate.months import parse_month
from msdw.generate.targets import targets
from msdw.generate.world import World, WorldConfig, simulate


def test_every_target_has_a_source_and_a_known_kind() -> None:
    for t in targets():
        assert t.source.strip()
        assert t.bounds is not None or t.kind == "equals"


@pytest.mark.parametrize("target_id", [t.target_id for t in targets()])
def test_target_holds_at_national_volume(national: World, target_id: str) -> None:
    checks = {c.target.target_id: c for c in measure(national)}
    check = checks[target_id]
    assert check.holds, check.line()


def test_crime_recording_improves_over_the_years(national: World) -> None:
    p = national.police
    rates = []
    for year in (2015, 2018, 2021, 2024):
        referred = (p.month // 12 == year) & p.nrm
        rates.append(float((p.crime_number[referred] >= 0).mean()))
    assert rates == sorted(rates)
    assert rates[0] < 0.5 < rates[-1] < 1.0


def test_referrals_grow_year_on_year_until_2019(national: World) -> None:
    p = national.police
    per_year = [int(((p.month // 12 == y) & p.nrm).sum()) for y in range(2014, 2020)]
    assert per_year == sorted(per_year)


def test_the_same_person_is_identified_by_two_agencies(national: World) -> None:
    police = set(national.police.person.tolist())
    assert len(police & set(national.border.person.tolist())) > 100
    assert len(police & set(national.workers.person.tolist())) > 100


def test_prosecutions_follow_their_operation_by_one_to_three_years(national: World) -> None:
    d, o = national.defendants, national.operations
    known = d.operation >= 0
    lag = d.month[known] - o.opened_month[d.operation[known]]
    assert lag.min() >= 12
    assert np.percentile(lag, 90) <= 40


def test_scale_multiplies_volumes() -> None:
    def volumes(scale: float) -> np.ndarray:
        w = simulate(WorldConfig(parse_month("2019-01"), parse_month("2019-12"), scale=scale, seed=4))
        in_2019 = parse_month("2019-01")
        return np.array(
            [
                (w.police.month >= in_2019).sum(),
                (w.workers.month >= in_2019).sum(),
                (w.border.month >= in_2019).sum(),
                len(w.operations.live_at_end(parse_month("2019-06"))),
            ]
        )

    ratio = volumes(3.0) / volumes(1.0)
    assert np.all((ratio > 2.6) & (ratio < 3.4)), ratio
