"""Name pools by culture and nationality, and the ways one person's name gets written differently.

Pools are most-common-first and drawn with Zipf weights, so common names ("John Smith", "Nguyen Van Anh") are shared
by several different people. A record's variant flags say how its name is written: another spelling or
transliteration, a typing error, given and family names swapped, a middle name dropped, the family name in capitals.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from msdw.generate.errors import GenerateError

SPELLING = 1
TYPO = 2
SWAP = 4
DROP_MIDDLE = 8
UPPER = 16
NO_DOB = 32  # not a name variant: the date of birth is missing and an age estimate stands in

_ZIPF = 1.0
_FOLD = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "ı": "i"}
_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
_GENERIC = (("ph", "f"), ("y", "i"), ("ou", "u"), ("kh", "h"), ("sh", "ch"), ("ee", "i"), ("c", "k"), ("w", "v"))


@dataclass(frozen=True)
class Culture:
    name: str
    family_first: bool
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    spellings: dict[str, tuple[str, ...]]
    feminine_endings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Drawn:
    culture: np.ndarray  # index into NamePools.cultures
    given: np.ndarray  # index into the culture's male or female list
    family: np.ndarray


class NamePools:
    def __init__(self, cultures: tuple[Culture, ...], nationality_cultures: dict[str, dict[str, float]]) -> None:
        self.cultures = cultures
        self._culture_index = {c.name: i for i, c in enumerate(cultures)}
        self._nationality = nationality_cultures
        fallback = {"british": 0.5, "arabic": 0.2, "west_african": 0.15, "south_asian": 0.15}
        self._fallback = fallback

    @classmethod
    @cache
    def load(cls) -> NamePools:
        text = resources.files("msdw.generate").joinpath("data/names.json").read_text(encoding="utf-8")
        data = json.loads(text)
        cultures = tuple(
            Culture(
                name=name,
                family_first=bool(c.get("family_first", False)),
                male=tuple(c["male"]),
                female=tuple(c["female"]),
                family=tuple(c["family"]),
                spellings={k: tuple(v) for k, v in c.get("spellings", {}).items()},
                feminine_endings=tuple(tuple(p) for p in c.get("feminine_endings", [])),
            )
            for name, c in data["cultures"].items()
        )
        for nat, mix in data["nationalities"].items():
            unknown = [c for c in mix if c not in {x.name for x in cultures}]
            if unknown:
                raise GenerateError(f"names.json: nationality {nat} names unknown cultures {unknown}")
        return cls(cultures, data["nationalities"])

    def draw(self, rng: np.random.Generator, nationality: np.ndarray, female: np.ndarray) -> Drawn:
        """A culture, a given name and a family name for each person (arrays of equal length)."""
        n = len(nationality)
        culture = np.zeros(n, dtype=np.int16)
        given = np.zeros(n, dtype=np.int32)
        family = np.zeros(n, dtype=np.int32)
        for nat in sorted(set(nationality.tolist())):
            rows = np.flatnonzero(nationality == nat)
            mix = self._nationality.get(nat, self._fallback)
            names = list(mix)
            p = np.array([mix[k] for k in names], dtype=float)
            chosen = rng.choice(len(names), size=len(rows), p=p / p.sum())
            culture[rows] = np.array([self._culture_index[k] for k in names], dtype=np.int16)[chosen]
        for ci, c in enumerate(self.cultures):
            rows = np.flatnonzero(culture == ci)
            if len(rows) == 0:
                continue
            fem = female[rows]
            given[rows[fem]] = _zipf(rng, len(c.female), int(fem.sum()))
            given[rows[~fem]] = _zipf(rng, len(c.male), int((~fem).sum()))
            family[rows] = _zipf(rng, len(c.family), len(rows))
        return Drawn(culture, given, family)

    def written(self, culture: int, given: int, family: int, female: bool, flags: int, seed: int) -> tuple[str, str]:
        """The (given name, family name) of one record as written, after its variant flags."""
        c = self.cultures[culture]
        first = c.female[given] if female else c.male[given]
        last = c.family[family]
        if female:
            for masculine, feminine in c.feminine_endings:
                if last.endswith(masculine):
                    last = last[: -len(masculine)] + feminine
                    break
        if not flags & (SPELLING | TYPO | SWAP | DROP_MIDDLE | UPPER):
            return first, last
        r = random.Random(seed)
        if flags & SPELLING:
            if r.random() < 0.5:
                first = _respell(first, c, r)
            else:
                last = _respell(last, c, r)
        if flags & DROP_MIDDLE and " " in first:
            parts = first.split()
            first = parts[-1] if c.family_first else parts[0]
        if flags & TYPO:
            if r.random() < 0.5:
                first = typo(first, r)
            else:
                last = typo(last, r)
        if flags & UPPER:
            last = last.upper()
        if flags & SWAP:
            first, last = last, first
        return first, last

    def plain(self, culture: int, given: int, family: int, female: bool) -> tuple[str, str]:
        return self.written(culture, given, family, female, 0, 0)


def _zipf(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    w = 1.0 / np.arange(1, size + 1) ** _ZIPF
    return rng.choice(size, size=n, p=w / w.sum()).astype(np.int32)


def _respell(name: str, culture: Culture, r: random.Random) -> str:
    options = culture.spellings.get(name)
    if options:
        return options[r.randrange(len(options))]
    folded = fold(name)
    if folded != name:
        return folded
    lower = name.lower()
    for a, b in _GENERIC:
        for x, y in ((a, b), (b, a)):
            at = lower.find(x, 1)
            if at > 0:
                out = lower[:at] + y + lower[at + len(x) :]
                return out[0].upper() + out[1:]
    return name


def typo(name: str, r: random.Random) -> str:
    """One typing error: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(name) < 3:
        return name + name[-1]
    i = r.randrange(1, len(name) - 1)
    kind = r.randrange(4)
    if kind == 0:
        ch = name[i].lower()
        at = _KEYBOARD.find(ch)
        if at < 0 or not ch.isalpha():
            return name[:i] + name[i + 1 :]
        neighbours = [_KEYBOARD[j] for j in (at - 1, at + 1) if 0 <= j < len(_KEYBOARD) and _KEYBOARD[j] != " "]
        return name[:i] + r.choice(neighbours) + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    return name[: i - 1] + name[i] + name[i - 1] + name[i + 1 :]


def fold(text: str) -> str:
    """Letters with diacritics as their base letters (``Ștefan`` -> ``Stefan``)."""
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def fit_encoding(text: str, encoding: str) -> str:
    """``text`` unchanged when ``encoding`` can hold it, else with the letters it cannot hold folded."""
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        out = []
        for ch in text:
            try:
                ch.encode(encoding)
                out.append(ch)
            except UnicodeEncodeError:
                out.append(fold(ch) or "?")
        return "".join(out)
