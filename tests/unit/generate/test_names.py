from __future__ import annotations

import numpy as np

from msdw.generate import names as nm
from msdw.generate.world import World


def _pools() -> nm.NamePools:
    return nm.NamePools.load()


def test_every_nationality_draws_names_of_its_cultures() -> None:
    pools = _pools()
    rng = np.random.default_rng(0)
    nats = np.array(["VNM"] * 200 + ["ALB"] * 200)
    drawn = pools.draw(rng, nats, np.zeros(400, dtype=bool))
    cultures = {pools.cultures[c].name for c in drawn.culture[:200].tolist()}
    assert cultures == {"vietnamese"}
    assert {pools.cultures[c].name for c in drawn.culture[200:].tolist()} == {"albanian"}


def test_swap_exchanges_given_and_family_names() -> None:
    pools = _pools()
    plain = pools.written(0, 0, 0, False, 0, 1)
    swapped = pools.written(0, 0, 0, False, nm.SWAP, 1)
    assert swapped == (plain[1], plain[0])


def test_spelling_variants_come_from_the_culture() -> None:
    pools = _pools()
    viet = next(i for i, c in enumerate(pools.cultures) if c.name == "vietnamese")
    family = pools.cultures[viet].family.index("Nguyen")
    seen = {pools.written(viet, 0, family, False, nm.SPELLING, seed)[1] for seed in range(60)}
    assert {"Nguyễn", "Ngyuen"} & seen
    assert "Nguyen" in seen  # the given name was respelled instead


def test_a_typo_changes_one_letter_at_most() -> None:
    rng = __import__("random").Random(3)
    for name in ("Gebremedhin", "Smith", "Popescu"):
        out = nm.typo(name, rng)
        assert out != name
        assert abs(len(out) - len(name)) <= 1


def test_polish_family_names_take_the_feminine_ending() -> None:
    pools = _pools()
    pol = next(i for i, c in enumerate(pools.cultures) if c.name == "polish")
    family = pools.cultures[pol].family.index("Kowalski")
    assert pools.plain(pol, 0, family, True)[1] == "Kowalska"
    assert pools.plain(pol, 0, family, False)[1] == "Kowalski"


def test_text_fits_windows_1252() -> None:
    assert nm.fit_encoding("Ștefan Łukasz Zoë", "cp1252") == "Stefan Lukasz Zoë"
    assert nm.fit_encoding("Nguyễn", "cp1252").encode("cp1252")


def test_common_names_are_shared_by_different_people(national: World) -> None:
    p = national.persons
    key = p.culture.astype(np.int64) * 10**8 + p.given.astype(np.int64) * 10**4 + p.family + p.female * 10**12
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    common = first[counts >= 5]
    assert len(common) > 20
    for i in common[:20].tolist():
        same = np.flatnonzero(key == key[i])
        assert len(set(p.dob_day[same].tolist())) > 1
