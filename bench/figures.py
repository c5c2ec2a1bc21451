"""The figures ``python -m bench`` reports: each one's target and how a measured value is judged against it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    limit: float | None  # None: reported only
    at_least: bool = False  # True: the value must be >= limit, else <= limit
    unit: str = ""

    def met(self, value: float | None) -> bool | None:
        if self.limit is None or value is None:
            return None
        return value >= self.limit if self.at_least else value <= self.limit

    def describe(self) -> str:
        if self.limit is None:
            return "report"
        return f"{'>=' if self.at_least else '<='} {self.limit:g}{self.unit}"


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("ingest_throughput_ratio", 0.5, at_least=True),
        Target("month_incremental_s", 60.0, unit=" s"),
        Target("month_growth_ratio", 1.5),
        Target("backfill_s", 1800.0, unit=" s"),
        Target("backfill_peak_rss_gb", 8.0, unit=" GB"),
        Target("gate_share", 0.15),
        Target("archive_encryption_overhead", 0.10),
        Target("orchestration_share", 0.25),
        Target("bi_query_p95_ms", 100.0, unit=" ms"),
        Target("linkage_s", None, unit=" s"),
        Target("linkage_peak_rss_gb", None, unit=" GB"),
        Target("linkage_month_s", 30.0, unit=" s"),
        Target("generate_s", 600.0, unit=" s"),
    )
}


@dataclass
class Figure:
    """One measured figure, with the scenario actually run; ``value`` is None only with a ``reason``."""

    name: str
    value: float | None
    scenario: dict[str, Any]
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def target(self) -> Target:
        return TARGETS[self.name]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["target"] = self.target.limit
        data["target_text"] = self.target.describe()
        data["met"] = self.target.met(self.value)
        return data


def not_run(names: list[str], scenario: dict[str, Any], reason: str) -> list[Figure]:
    return [Figure(name, None, scenario, reason=reason) for name in names]
