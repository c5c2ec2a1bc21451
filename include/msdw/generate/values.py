"""Values as submitters write them, column at a time: text or None (an empty cell), as a Python list for short
columns and an Arrow string array for long ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from msdw import reference
from msdw.generate.styles import Style

NULL = np.iinfo(np.int64).min  # a null date, time or number in an int64 column
UNRECOGNISED = ("Kurdish", "Stateless", "Bidoon", "Roma", "Tamil")


VECTOR_FROM = 512  # columns this long are built with Arrow; shorter ones as Python lists (cheaper to set up)

Column = list[str | None] | pa.Array


def _mask(values: np.ndarray) -> np.ndarray:
    return values == NULL


def _small(values: np.ndarray) -> bool:
    return len(values) < VECTOR_FROM


@cache
def _date_text(day: int, uk: bool) -> str:
    d = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}" if uk else d.isoformat()


def integers(values: np.ndarray) -> Column:
    values = np.asarray(values, dtype=np.int64)
    if _small(values):
        return [None if v == NULL else str(v) for v in values.tolist()]
    return pa.array(np.where(_mask(values), 0, values), mask=_mask(values)).cast(pa.string())


def dates(days: np.ndarray, style: Style) -> Column:
    days = np.asarray(days, dtype=np.int64)
    if _small(days):
        return [None if d == NULL else _date_text(d, style.uk_dates) for d in days.tolist()]
    arr = pa.array(np.where(_mask(days), 0, days).astype(np.int32), mask=_mask(days)).cast(pa.date32())
    return pc.strftime(arr, format="%d/%m/%Y") if style.uk_dates else arr.cast(pa.string())


def booleans(values: np.ndarray, style: Style) -> Column:
    yes, no = style.booleans
    values = np.asarray(values, dtype=bool)
    if _small(values):
        return [yes if v else no for v in values.tolist()]
    return pc.if_else(pa.array(values), yes, no)


def codes(labels: tuple[str, ...], index: np.ndarray) -> Column:
    index = np.asarray(index, dtype=np.int64)
    if _small(index):
        return [labels[i] for i in index.tolist()]
    return pc.take(pa.array(labels), pa.array(index))


def texts(values: list[str | None]) -> Column:
    return values if len(values) < VECTOR_FROM else pa.array(values, type=pa.string())


def money_text(pence: int) -> str:
    pounds, p = divmod(int(pence), 100)
    return f"£{pounds:,}.{p:02d}"


def money_plain(pence: int) -> str:
    pounds, p = divmod(int(pence), 100)
    return f"{pounds}.{p:02d}"


def money(pence: np.ndarray, style: Style) -> Column:
    fmt = money_text if style.money_text else money_plain
    return texts([None if p == NULL else fmt(p) for p in np.asarray(pence, dtype=np.int64).tolist()])


def genders(labels: tuple[str, ...], index: np.ndarray, style: Style) -> Column:
    if style.short_gender:
        labels = tuple({"MALE": "M", "FEMALE": "F"}.get(g, g) for g in labels)
    return codes(labels, index)


@dataclass(frozen=True)
class Spellings:
    """Ways of writing each nationality: alpha-2, English name, demonyms."""

    alpha2: dict[str, str]
    name: dict[str, str]
    demonyms: dict[str, tuple[str, ...]]


@cache
def spellings() -> Spellings:
    nats = reference.nationalities()
    return Spellings(
        alpha2={c: n.alpha2 or c for c, n in nats.items()},
        name={c: n.nationality_name for c, n in nats.items()},
        demonyms={c: n.demonyms or (n.nationality_name,) for c, n in nats.items()},
    )


def nationality_word(code: str, form: int, pick: float) -> str:
    """One way of writing ``code``: 0 alpha-3, 1 alpha-2, 2 name, 3 demonym, 4 demonym in capitals, 5 lower case
    name."""
    s = spellings()
    if form == 1:
        return s.alpha2.get(code, code)
    if form == 2:
        return s.name.get(code, code)
    if form in (3, 4):
        options = s.demonyms.get(code, (code,))
        word = options[int(pick * len(options)) % len(options)] if code != "GBR" or pick < 0.3 else options[0]
        return word.upper() if form == 4 else word
    if form == 5:
        return s.name.get(code, code).lower()
    return code


def nationalities(codes_: np.ndarray, style: Style, rng: np.random.Generator, unknown_rate: float) -> Column:
    """Nationality values: alpha-3 mostly, some as names, demonyms or alpha-2 per the style; a few unrecognisable."""
    n = len(codes_)
    if n == 0:
        return []
    u = rng.random((3, n))
    textual = u[0] < style.nationality_text
    form = np.where(textual, 1 + (u[1] * 5).astype(np.int64), 0)
    out = [
        code if not code else (nationality_word(code, f, p) if f else code)
        for code, f, p in zip(codes_.tolist(), form.tolist(), u[2].tolist(), strict=True)
    ]
    for i in np.flatnonzero(u[1] < unknown_rate).tolist():
        if out[i]:
            out[i] = UNRECOGNISED[i % len(UNRECOGNISED)]
    return texts([v or None for v in out])


def nationality_cell(code: str, style: Style, u: float, pick: float) -> str:
    if u >= style.nationality_text:
        return code
    return nationality_word(code, 1 + int(pick * 5) % 5, pick)


def date_of(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(day))
