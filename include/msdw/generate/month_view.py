"""What happened in one month of the world, grouped the way returns are written."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from msdw.generate.world import World


def _slice(sorted_months: np.ndarray, month: int) -> np.ndarray:
    a = np.searchsorted(sorted_months, month, side="left")
    b = np.searchsorted(sorted_months, month, side="right")
    return np.arange(a, b)


@dataclass
class MonthView:
    month: int
    operations: dict[int, np.ndarray]  # unit -> operations listed this month
    victims: dict[int, np.ndarray]  # unit -> police records identified this month
    workers: np.ndarray
    border: np.ndarray
    defendants: np.ndarray
    investigations: np.ndarray
    inspections: np.ndarray
    charges: dict[int, int]  # operation -> charges made this month

    @classmethod
    def of(cls, world: World, month: int) -> MonthView:
        listed = world.operations.live_in(month)
        units = world.operations.unit[listed]
        order = np.lexsort((world.operations.number[listed], units))
        listed, units = listed[order], units[order]
        operations = {int(u): listed[units == u] for u in np.unique(units)}
        rows = _slice(world.police.month, month)
        rec_units = world.police.unit[rows]
        victims = {int(u): rows[rec_units == u] for u in np.unique(rec_units)}
        c = world.charges
        now = np.flatnonzero(c.month == month)
        charges: dict[int, int] = {}
        for op, count in zip(c.operation[now].tolist(), c.count[now].tolist(), strict=True):
            charges[op] = charges.get(op, 0) + count
        d = np.flatnonzero(world.defendants.month == month)
        return cls(
            month=month,
            operations=operations,
            victims=victims,
            workers=_slice(world.workers.month, month),
            border=_slice(world.border.month, month),
            defendants=d,
            investigations=world.investigations.open_in(month),
            inspections=np.flatnonzero(world.inspections.month == month),
            charges=charges,
        )
