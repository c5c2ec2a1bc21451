"""Scenarios: which months at which scale a figure is measured on, and how ``--scale-factor`` shrinks them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

FIRST_MONTH = "2015-01"


def month_after(month: str, n: int) -> str:
    """``YYYY-MM`` ``n`` months after ``month``."""
    year, mon = (int(p) for p in month.split("-"))
    index = year * 12 + mon - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from(start: str, count: int) -> list[str]:
    return [month_after(start, i) for i in range(count)]


@dataclass(frozen=True)
class Scenario:
    """``months`` months of returns from ``start`` at ``scale`` (1 = national volume), generated with ``seed``."""

    scale: float
    months: int
    start: str = FIRST_MONTH
    seed: int = 1

    @property
    def end(self) -> str:
        return month_after(self.start, self.months - 1)

    @property
    def key(self) -> str:
        return f"s{self.scale:g}_m{self.months}_{self.start}_seed{self.seed}"

    def scaled(self, factor: float, years_factor: float | None = None) -> Scenario:
        """The scenario with its scale multiplied by ``factor`` and its span by ``years_factor`` (by default the
        same), keeping at least one month."""
        span = factor if years_factor is None else years_factor
        return Scenario(self.scale * factor, max(1, round(self.months * span)), self.start, self.seed)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"end": self.end}


@dataclass(frozen=True)
class Plan:
    """Every scenario the figures use; :meth:`full` holds the target scenarios, :meth:`smoke` a tiny run of each."""

    ingest: Scenario  # one police month, ours against DuckDB's read_csv
    history: Scenario  # months before the timed month (month_incremental_s, orchestration_share)
    long_history: Scenario  # the same after ten years (month_growth_ratio)
    backfill: Scenario  # from an empty warehouse (backfill_s, gate_share, bi_query_p95_ms, generate_s)
    linkage: Scenario  # ten years linked, then one month more
    bi_repeats: int = 20
    # The ingest month again at these scales, reported beside ingest_throughput_ratio (not in it): how the ratio moves
    # as the same number of files grows in rows, that is, how much of it is fixed cost per run and per file.
    ingest_scales: tuple[float, ...] = ()

    @classmethod
    def full(cls, factor: float = 1.0, years_factor: float | None = None) -> Plan:
        plan = cls(
            ingest=Scenario(1.0, 1, start="2024-06"),
            history=Scenario(1.0, 12),
            long_history=Scenario(1.0, 120),
            backfill=Scenario(100.0, 120),
            linkage=Scenario(10.0, 120),
            ingest_scales=(10.0, 100.0),
        )
        if factor == 1.0 and years_factor in (None, 1.0):
            return plan
        return cls(
            ingest=Scenario(max(plan.ingest.scale * factor, 0.01), 1, start=plan.ingest.start),
            history=plan.history.scaled(factor, years_factor),
            long_history=plan.long_history.scaled(factor, years_factor),
            backfill=plan.backfill.scaled(factor, years_factor),
            linkage=plan.linkage.scaled(factor, years_factor),
            ingest_scales=tuple(scale * factor for scale in plan.ingest_scales),
        )

    def with_long_history(self, months: int) -> Plan:
        """The plan with ``months`` months of history before month_growth_ratio's second timed month; more than the
        short history, so that one month at least is added in between."""
        if months <= self.history.months:
            raise ValueError(
                f"the long history ({months} months) must be longer than the short one ({self.history.months} months)"
            )
        return replace(self, long_history=replace(self.long_history, months=months))

    @classmethod
    def smoke(cls) -> Plan:
        return cls(
            ingest=Scenario(0.05, 1),
            history=Scenario(0.02, 1),
            long_history=Scenario(0.02, 2),
            backfill=Scenario(0.02, 2),
            linkage=Scenario(0.02, 2),
            bi_repeats=3,
            ingest_scales=(0.1,),
        )
