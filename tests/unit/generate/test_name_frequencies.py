"""How often names occur: measured over large draws against the published figures names.json cites.

Each range below brackets the published share of the most common name (names.json, ``_about.sources``) with room
for sampling and for pools that stand for thousands of rarer names. ``same`` bounds the chance that two random
people of the culture and gender have the same given and family name: well under one in a thousand where names are
spread widely, higher where one family name is a third of the people (Vietnamese).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from msdw.generate import names as nm
from msdw.generate.errors import GenerateError
from msdw.generate.months import parse_month
from msdw.generate.world import World

Span = tuple[float, float]


@dataclass(frozen=True)
class Expected:
    family: Span  # share of the most common family name
    male: Span  # share of the most common man's given name among men
    female: Span
    same: Span = (2e-6, 1e-3)  # chance that two people of the same gender share both names


EXPECTED = {
    "british": Expected((0.008, 0.016), (0.02, 0.045), (0.015, 0.035), (2e-6, 1e-4)),  # Smith 1.2% (ONS)
    "albanian": Expected((0.005, 0.02), (0.015, 0.04), (0.015, 0.04)),  # Hoxha about 1% (INSTAT)
    "vietnamese": Expected((0.35, 0.41), (0.015, 0.05), (0.015, 0.05), (5e-4, 1e-2)),  # Nguyen 38%
    "romanian": Expected((0.005, 0.02), (0.025, 0.05), (0.03, 0.07)),  # Popescu about 1%
    "polish": Expected((0.004, 0.015), (0.025, 0.05), (0.04, 0.08)),  # Nowak 0.5%, Anna 5% (PESEL)
    "bulgarian": Expected((0.015, 0.035), (0.03, 0.06), (0.03, 0.06)),  # Ivanov 2.5% (NSI)
    "lithuanian": Expected((0.004, 0.025), (0.02, 0.05), (0.02, 0.05)),  # Kazlauskas 0.6%
    "slovak_czech": Expected((0.004, 0.02), (0.03, 0.07), (0.03, 0.07)),  # Novák 0.7%, Jan 5.5%
    "hungarian": Expected((0.018, 0.03), (0.03, 0.06), (0.03, 0.06)),  # Nagy 2.4%, László 4.5%
    "ukrainian": Expected((0.002, 0.015), (0.04, 0.08), (0.035, 0.07)),  # Melnyk 0.25%, Oleksandr 6%
    "tigrinya": Expected((0.015, 0.05), (0.015, 0.05), (0.015, 0.05)),  # patronymic family names
    "arabic": Expected((0.03, 0.1), (0.05, 0.12), (0.03, 0.08)),  # Mohammed 5-10% of men
    "persian": Expected((0.008, 0.03), (0.04, 0.1), (0.025, 0.06)),
    "chinese": Expected((0.065, 0.08), (0.005, 0.03), (0.005, 0.03)),  # Wang 7.25% (Ministry of Public Security)
    "west_african": Expected((0.005, 0.02), (0.015, 0.04), (0.015, 0.04)),
    "south_asian": Expected((0.015, 0.04), (0.01, 0.03), (0.01, 0.03)),
    "pakistani": Expected((0.03, 0.07), (0.08, 0.18), (0.02, 0.05)),  # Muhammad about 1 man in 10, Khan 5%
    "filipino": Expected((0.008, 0.02), (0.02, 0.05), (0.04, 0.1)),  # Santos about 1%, Maria 6%
    "zimbabwean": Expected((0.03, 0.07), (0.02, 0.05), (0.02, 0.05)),  # Moyo about 5%
}
DRAWN = 120_000


@dataclass(frozen=True)
class Measured:
    family: float
    male: float
    female: float
    same_male: float
    same_female: float


def _top_share(index: np.ndarray) -> float:
    return float(np.bincount(index).max() / len(index))


def _same_name(given: np.ndarray, family: np.ndarray) -> float:
    """Share of pairs of people with the same given and family name (unbiased estimate)."""
    _, counts = np.unique(given.astype(np.int64) * 1_000_000 + family, return_counts=True)
    n = len(given)
    return float((counts * (counts - 1)).sum() / (n * (n - 1)))


@pytest.fixture(scope="module")
def measured() -> dict[str, Measured]:
    pools = nm.NamePools.load()
    mixes = pools.nationalities
    out = {}
    for ci, culture in enumerate(pools.cultures):
        nat = max(mixes, key=lambda n: mixes[n].get(culture.name, 0.0))
        female = np.arange(DRAWN) % 2 == 1
        drawn = pools.draw(np.random.default_rng(ci), np.full(DRAWN, nat), female)
        mine = drawn.culture == ci
        men, women = mine & ~female, mine & female
        out[culture.name] = Measured(
            family=_top_share(drawn.family[mine]),
            male=_top_share(drawn.given[men]),
            female=_top_share(drawn.given[women]),
            same_male=_same_name(drawn.given[men], drawn.family[men]),
            same_female=_same_name(drawn.given[women], drawn.family[women]),
        )
    return out


def test_every_culture_has_an_expectation() -> None:
    assert {c.name for c in nm.NamePools.load().cultures} == set(EXPECTED)


@pytest.mark.parametrize("culture", sorted(EXPECTED))
def test_most_common_names_have_realistic_shares(culture: str, measured: dict[str, Measured]) -> None:
    got, want = measured[culture], EXPECTED[culture]
    assert want.family[0] <= got.family <= want.family[1], f"family {got.family:.4f} not in {want.family}"
    assert want.male[0] <= got.male <= want.male[1], f"male {got.male:.4f} not in {want.male}"
    assert want.female[0] <= got.female <= want.female[1], f"female {got.female:.4f} not in {want.female}"


@pytest.mark.parametrize("culture", sorted(EXPECTED))
def test_two_people_rarely_share_a_full_name(culture: str, measured: dict[str, Measured]) -> None:
    got, (low, high) = measured[culture], EXPECTED[culture].same
    assert low <= got.same_male <= high, f"men {got.same_male:.2e} not in {(low, high)}"
    assert low <= got.same_female <= high, f"women {got.same_female:.2e} not in {(low, high)}"


def test_concentrated_family_names_make_shared_full_names_more_likely(measured: dict[str, Measured]) -> None:
    assert measured["vietnamese"].same_male > 20 * measured["british"].same_male
    assert measured["chinese"].family > 5 * measured["british"].family


def test_common_names_recur_within_a_national_year(national: World) -> None:
    """Different people identified in one year still share names: the hard case for record linkage."""
    first, last = parse_month("2019-01"), parse_month("2019-12")
    records = (national.police, national.workers, national.border)
    people = np.unique(np.concatenate([r.person[(r.month >= first) & (r.month <= last)] for r in records]))
    p = national.persons
    key = (
        p.culture[people].astype(np.int64) * 10**13
        + p.female[people].astype(np.int64) * 10**12
        + p.given[people].astype(np.int64) * 10**6
        + p.family[people]
    )
    _, counts = np.unique(key, return_counts=True)
    assert len(people) > 2000
    assert (counts >= 2).sum() >= 15
    assert counts.max() >= 3


def test_pools_are_large_and_without_repeats() -> None:
    for c in nm.NamePools.load().cultures:
        for kind, names in (("male", c.male), ("female", c.female), ("family", c.family)):
            assert len(set(names)) == len(names), f"{c.name} {kind} repeats a name"
            assert len(names) >= (90 if kind == "family" else 75), f"{c.name} {kind}: {len(names)} names"


def test_shares_from_the_top_share() -> None:
    shares = nm.name_shares(200, top=0.02)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[0] == pytest.approx(0.02, rel=1e-6)
    assert np.all(np.diff(shares) <= 0)


def test_shares_from_a_head_continue_below_it() -> None:
    head = (0.38, 0.11, 0.095)
    shares = nm.name_shares(50, head=head)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[:3].tolist() == pytest.approx(list(head))
    assert shares[3] == pytest.approx(0.095 * 3 / 4, rel=1e-6)
    assert np.all(np.diff(shares) <= 0)


@pytest.mark.parametrize(
    "spec",
    [
        {"top": 0.004},  # rarer than 1 in 100 names allows
        {"top": 1.0},
        {"head": (0.6, 0.5)},  # sums past 1
        {"head": (0.1, 0.2)},  # not most common first
        {},
        {"top": 0.1, "head": (0.2,)},
    ],
)
def test_impossible_shares_are_refused(spec: dict) -> None:
    with pytest.raises(GenerateError):
        nm.name_shares(100, **spec)


def test_the_same_seed_draws_the_same_names() -> None:
    pools = nm.NamePools.load()
    nats = np.array(["GBR", "VNM", "ALB", "NGA", "CHN"] * 2000)
    female = np.arange(len(nats)) % 3 == 0
    a = pools.draw(np.random.default_rng(7), nats, female)
    b = pools.draw(np.random.default_rng(7), nats, female)
    c = pools.draw(np.random.default_rng(8), nats, female)
    assert np.array_equal(a.given, b.given) and np.array_equal(a.family, b.family)
    assert np.array_equal(a.culture, b.culture)
    assert not np.array_equal(a.family, c.family)
