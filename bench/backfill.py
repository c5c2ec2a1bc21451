"""backfill_s, backfill_peak_rss_gb, gate_share: one ``msdw run`` over ten years at scale 100 from an empty
warehouse, with both Great Expectations gates timed inside it."""

from __future__ import annotations

from bench.figures import Figure
from bench.scenario import Plan
from bench.workspace import Workspace

FIGURES = ["backfill_s", "backfill_peak_rss_gb", "gate_share"]


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    built = space.build(plan.backfill)
    run = built.run
    timings = run.data["timings"]["seconds"]
    gates = timings.get("gate_returns", 0.0) + timings.get("gate_marts", 0.0)
    scenario = plan.backfill.as_dict() | {"seconds": round(run.wall_s, 2)}
    detail = {"exit_code": run.data["exit_code"], "run_s": round(run.seconds, 2), "timings": run.data["timings"]}
    return [
        Figure("backfill_s", round(run.wall_s, 2), scenario, detail=detail),
        Figure("backfill_peak_rss_gb", round(run.peak_rss_gb, 3), scenario),
        Figure(
            "gate_share",
            round(gates / run.seconds, 4),
            scenario,
            detail={"gate_s": round(gates, 2), "run_s": round(run.seconds, 2)},
        ),
    ]
