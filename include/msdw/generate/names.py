"""Name pools by culture and nationality, and the ways one person's name gets written differently.

Pools are most-common-first. How common each name is comes from names.json: per culture and list (male, female,
family) either the share of the most common name, the rest following a Zipf curve fitted to it, or the shares of the
first few names (concentrated family names such as Nguyen), so common names ("Nguyen Van Anh", "Muhammad Khan") are
shared by several different people at about the rate they are in the population.

A record's variant flags say how its name is written: another spelling or transliteration, a typing error, given and
family names swapped, a middle name dropped, the family name in capitals.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections import Counter
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

_LISTS = ("male", "female", "family")
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
    shares: dict[str, np.ndarray]  # "male", "female", "family": the share of each name of that list, summing to 1


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
        cultures = tuple(_culture(name, c) for name, c in data["cultures"].items())
        for nat, mix in data["nationalities"].items():
            unknown = [c for c in mix if c not in {x.name for x in cultures}]
            if unknown:
                raise GenerateError(f"names.json: nationality {nat} names unknown cultures {unknown}")
        return cls(cultures, data["nationalities"])

    @property
    def nationalities(self) -> dict[str, dict[str, float]]:
        """The cultures of each nationality and their weights (names.json ``nationalities``)."""
        return {nat: dict(mix) for nat, mix in self._nationality.items()}

    def draw(self, rng: np.random.Generator, nationality: np.ndarray, female: np.ndarray) -> Drawn:
        """A culture, a given name and a family name for each person (arrays of equal length)."""
        n = len(nationality)
        culture = np.zeros(n, dtype=np.int16)
        given = np.zeros(n, dtype=np.int32)
        family = np.zeros(n, dtype=np.int32)
        nats, which = np.unique(nationality, return_inverse=True)
        for i, nat in enumerate(nats.tolist()):
            rows = np.flatnonzero(which == i)
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
            given[rows[fem]] = _pick(rng, c.shares["female"], int(fem.sum()))
            given[rows[~fem]] = _pick(rng, c.shares["male"], int((~fem).sum()))
            family[rows] = _pick(rng, c.shares["family"], len(rows))
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


def _pick(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(len(shares), size=n, p=shares).astype(np.int32)


def _culture(name: str, c: dict) -> Culture:
    lists = {k: tuple(c[k]) for k in _LISTS}
    for k, names in lists.items():
        doubled = sorted(x for x, times in Counter(names).items() if times > 1)
        if doubled:
            raise GenerateError(f"names.json: culture {name} lists {doubled} twice among its {k} names; keep one")
    frequency = c.get("frequency", {})
    shares = {}
    for k, names in lists.items():
        spec = frequency.get(k)
        if spec is None:
            raise GenerateError(
                f"names.json: culture {name} has no frequency for its {k} names; add 'top' or 'head' under 'frequency'"
            )
        try:
            shares[k] = name_shares(len(names), top=spec.get("top"), head=tuple(spec.get("head", ())))
        except GenerateError as e:
            raise GenerateError(f"names.json: culture {name}, {k} names: {e}") from e
    return Culture(
        name=name,
        family_first=bool(c.get("family_first", False)),
        male=lists["male"],
        female=lists["female"],
        family=lists["family"],
        spellings={k: tuple(v) for k, v in c.get("spellings", {}).items()},
        feminine_endings=tuple(tuple(p) for p in c.get("feminine_endings", [])),
        shares=shares,
    )


def name_shares(size: int, top: float | None = None, head: tuple[float, ...] = ()) -> np.ndarray:
    """The share of each of ``size`` names, most common first, summing to 1.

    With ``top``, the most common name has that share and the others follow a Zipf curve (share proportional to
    rank ** -s) with the exponent s that gives it. With ``head``, the first names have exactly those shares and the
    rest share what is left on a Zipf curve over their ranks that starts where an exponent-1 curve would continue from
    the last of them (its share times h / (h + 1), h the length of the head)."""
    if (top is None) == (not head):
        raise GenerateError("give either the share of the most common name ('top') or of the first few ('head')")
    if head:
        h = len(head)
        shape = np.asarray(head, dtype=float)
        if h >= size or np.any(shape <= 0) or np.any(np.diff(shape) > 0) or shape.sum() >= 1:
            raise GenerateError(
                f"'head' {list(head)} must be fewer shares than the {size} names, positive, most common first, "
                "summing to less than 1"
            )
        rest = _zipf_fitted(np.arange(h + 1, size + 1, dtype=float), 1.0 - shape.sum(), head[-1] * h / (h + 1))
        shares = np.concatenate([shape, rest])
    else:
        shares = _zipf_fitted(np.arange(1, size + 1, dtype=float), 1.0, float(top))
    return shares / shares.sum()


def _zipf_fitted(ranks: np.ndarray, mass: float, first: float) -> np.ndarray:
    """Shares proportional to ``ranks ** -s``, summing to ``mass``, with s chosen so the first share is ``first``."""
    n = len(ranks)
    if n == 1:
        return np.array([mass])
    flattest = mass / n
    if not flattest * (1 - 1e-9) <= first < mass:
        raise GenerateError(
            f"a first share of {first:.4f} is not possible for {n} names sharing {mass:.4f}: it must lie between "
            f"{flattest:.4f} (all equally common) and {mass:.4f}; add names to the list or raise the share"
        )
    relative = ranks / ranks[0]

    def curve(s: float) -> np.ndarray:
        w = relative**-s
        return mass * w / w.sum()

    low, high = 0.0, 1.0
    while curve(high)[0] < first:
        low, high = high, high * 2
    for _ in range(60):
        mid = (low + high) / 2
        if curve(mid)[0] < first:
            low = mid
        else:
            high = mid
    return curve((low + high) / 2)


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
