"""Returns as files: each source's rows for one month, written in its submitter's style, in the formats of
returns.md, driven by the source descriptions (column names and order, sheet names)."""

from __future__ import annotations

from msdw.generate.month_view import MonthView
from msdw.generate.writers import border_force, cps, glaa, police
from msdw.generate.writers.common import MALFORMED, Context, Rendered, Variant, crime_reference


class Writer(Context):
    """Writes every kind of return of the world."""

    def police_operations(self, view: MonthView, unit: int, variant: Variant) -> Rendered:
        return police.operations(self, view, unit, variant)

    def police_victims(self, view: MonthView, unit: int, variant: Variant) -> Rendered:
        return police.victims(self, view, unit, variant)

    def glaa(self, view: MonthView, variant: Variant) -> Rendered:
        return glaa.workbook(self, view, variant)

    def border_force(self, view: MonthView, variant: Variant) -> Rendered:
        return border_force.referrals(self, view, variant)

    def cps(self, view: MonthView, variant: Variant) -> Rendered:
        return cps.defendants(self, view, variant)


__all__ = ["MALFORMED", "Rendered", "Variant", "Writer", "crime_reference"]
