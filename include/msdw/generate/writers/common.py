"""What the writers of every source share: how a version departs from the plain rendering, what a rendering
yields, and the context (world, fault rates, styles, references) they write from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from msdw.generate import names as nm
from msdw.generate import people as pp
from msdw.generate import streams
from msdw.generate import values as vals
from msdw.generate.csvfile import column_order
from msdw.generate.faults import FaultRates
from msdw.generate.styles import Style, style_for
from msdw.generate.world import World
from msdw.sources.spec import Table

NULL = vals.NULL
MALFORMED: dict[tuple[str, str], tuple[str, ...]] = {
    ("police", "operations"): ("force_code_mismatch", "missing_required_column", "closed_without_date"),
    ("police", "victims"): ("identified_outside_month", "duplicate_ref", "missing_required_column"),
    ("glaa", "main"): ("not_a_workbook", "missing_sheet"),
    ("border_force", "main"): ("invalid_json", "encountered_outside_month"),
    ("cps", "main"): ("finalised_outside_month", "missing_required_column"),
}


@dataclass(frozen=True)
class Variant:
    """How one version of a return departs from the plain rendering of the world."""

    drop_row: float | None = None  # leave out one row (at this fraction of the rows): a first version later revised
    malformed: str | None = None
    totals_disagree: bool = False
    resaved: bool = False  # the same content saved again (a revision of a return with no rows)
    keep_share: float | None = None  # keep only this share of the rows (the first ones): a break in the history


@dataclass
class Rendered:
    content: bytes
    rows: dict[str, int] = field(default_factory=dict)
    identifications: list[tuple[str, int]] = field(default_factory=list)  # (identification_id, person)
    malformed: str | None = None  # how the file was broken, if it was


def applicable(kind: str | None, rows: int, needs: dict[str, int]) -> str | None:
    """``kind``, or a missing required column when the file has too few rows to be broken that way."""
    if kind is None or rows >= needs.get(kind, 0):
        return kind
    return "missing_required_column"


def kept_rows(n: int, variant: Variant) -> np.ndarray:
    keep = np.arange(n)
    if variant.drop_row is not None and n > 0:
        keep = np.delete(keep, int(variant.drop_row * n))
    if variant.keep_share is not None:
        keep = keep[: int(len(keep) * variant.keep_share)]
    return keep


def crime_reference(prefix: str, number: int) -> str:
    return f"{prefix}/CR/{number:06d}"


class Context:
    """What every writer shares: the world, the fault rates, each submitter's style, references."""

    def __init__(self, world: World, faults: FaultRates) -> None:
        self.world = world
        self.faults = faults
        self.seed = world.config.seed
        self._styles: dict[str, Style] = {}
        self.prefix = [u.prefix for u in world.places.units]
        self._operation_refs: list[str] | None = None
        self._crime_refs: list[str | None] | None = None

    def style(self, submitter: str, police: bool = False) -> Style:
        if submitter not in self._styles:
            self._styles[submitter] = style_for(submitter, self.faults, self.seed, police=police)
        return self._styles[submitter]

    def rng(self, *names: str | int) -> np.random.Generator:
        return streams.stream(self.seed, "render", *names)

    def operation_refs(self, ops: np.ndarray) -> list[str]:
        """Each operation's reference, in its force's style (stable across months)."""
        if self._operation_refs is None:
            o = self.world.operations
            templates = [self.style(u.code, police=True).operation_ref for u in self.world.places.units]
            self._operation_refs = [
                templates[unit].format(p=self.prefix[unit], n=number)
                for unit, number in zip(o.unit.tolist(), o.number.tolist(), strict=True)
            ]
        refs = self._operation_refs
        return [refs[i] for i in np.asarray(ops).tolist()]

    def operation_crimes(self, ops: np.ndarray) -> list[str | None]:
        if self._crime_refs is None:
            o = self.world.operations
            self._crime_refs = [
                crime_reference(self.prefix[u], c) if c >= 0 else None
                for u, c in zip(o.unit.tolist(), o.crime_number.tolist(), strict=True)
            ]
        refs = self._crime_refs
        return [refs[i] for i in ops.tolist()]

    def people(
        self, rec: pp.Records, rows: np.ndarray, style: Style
    ) -> tuple[list[str | None], list[str | None], np.ndarray, np.ndarray]:
        """Names as written, dates of birth (null when unknown) and age estimates (when the date is unknown)."""
        w = self.world
        person = rec.person[rows]
        flags = rec.flags[rows]
        given: list[str | None] = []
        family: list[str | None] = []
        persons = w.persons
        for c, g, f, female, fl, sd in zip(
            persons.culture[person].tolist(),
            persons.given[person].tolist(),
            persons.family[person].tolist(),
            persons.female[person].tolist(),
            flags.tolist(),
            rec.variant_seed[rows].tolist(),
            strict=True,
        ):
            first, last = w.names.written(c, g, f, female, fl, sd)
            if style.encoding == "cp1252":
                first, last = nm.fit_encoding(first, "cp1252"), nm.fit_encoding(last, "cp1252")
            given.append(first)
            family.append(last)
        no_dob = (flags & nm.NO_DOB) > 0
        dob = np.where(no_dob, NULL, persons.dob_day[person])
        true_age = pp.age_at(persons.dob_day[person], rec.day[rows]) if len(rows) else np.zeros(0, dtype=np.int64)
        noise = (rec.variant_seed[rows] % 5) - 2
        age = np.where(no_dob, np.maximum(true_age + np.where(true_age < 18, noise // 2, noise), 1), NULL)
        return given, family, dob, age


def without(table: Table, style: Style, column: str) -> list[str]:
    return [c for c in column_order(table, style) if c != column]


def resaved(style: Style, variant: Variant) -> Style:
    if not variant.resaved:
        return style
    return replace(style, newline="\n" if style.newline == "\r\n" else "\r\n")
