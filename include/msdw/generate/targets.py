"""Calibration targets: the published figures the simulated world is built to match, each with its source.

The targets live in ``data/targets.csv``. The world model takes its anchors from them (referrals by year, live
operations by month, volumes a year) and :mod:`msdw.generate.calibration` measures the generated world against them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from msdw.generate.errors import GenerateError

KINDS = ("relative", "absolute", "maximum", "minimum", "range", "equals")


@dataclass(frozen=True)
class Target:
    target_id: str
    metric: str
    period: str  # YYYY, YYYY-MM, or YYYY..YYYY
    value: str
    tolerance: float
    kind: str
    source: str

    @property
    def number(self) -> float:
        return float(self.value)

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The accepted interval for numeric targets (None for ``equals``)."""
        match self.kind:
            case "relative":
                return self.number * (1 - self.tolerance), self.number * (1 + self.tolerance)
            case "absolute":
                return self.number - self.tolerance, self.number + self.tolerance
            case "maximum":
                return float("-inf"), self.number
            case "minimum":
                return self.number, float("inf")
            case "range":
                low, high = self.value.split("..")
                return float(low), float(high)
        return None

    def holds(self, measured: float | str) -> bool:
        if self.kind == "equals":
            return str(measured) == self.value
        bounds = self.bounds
        assert bounds is not None
        return bounds[0] <= float(measured) <= bounds[1]

    def describe_tolerance(self) -> str:
        match self.kind:
            case "relative":
                return f"±{self.tolerance:.0%}"
            case "absolute":
                return f"±{self.tolerance:g}"
            case "maximum":
                return f"< {self.value}"
            case "minimum":
                return f"> {self.value}"
            case "range":
                return f"in {self.value}"
        return "exactly"


@cache
def targets() -> tuple[Target, ...]:
    text = resources.files("msdw.generate").joinpath("data/targets.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    result = []
    for row in rows:
        if row["kind"] not in KINDS:
            raise GenerateError(f"targets.csv: {row['target_id']} has kind {row['kind']!r}; use one of {KINDS}")
        result.append(
            Target(
                target_id=row["target_id"],
                metric=row["metric"],
                period=row["period"],
                value=row["value"],
                tolerance=float(row["tolerance"] or 0),
                kind=row["kind"],
                source=row["source"],
            )
        )
    return tuple(result)


def target(target_id: str) -> Target:
    for t in targets():
        if t.target_id == target_id:
            return t
    raise GenerateError(f"no calibration target {target_id!r} in targets.csv")


def by_metric(metric: str) -> tuple[Target, ...]:
    return tuple(t for t in targets() if t.metric == metric)
