"""generate_s: ``msdw generate`` over the backfill scenario (ten years at scale 100), into an empty folder."""

from __future__ import annotations

from bench.figures import Figure
from bench.scenario import Plan
from bench.workspace import Workspace

FIGURES = ["generate_s"]


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    result = space.generate(plan.backfill, fresh=True)
    scenario = plan.backfill.as_dict() | {"seconds": round(result.wall_s, 2)}
    detail = {
        "files": result.data["files"],
        "rows": result.data["rows"],
        "process_wall_s": round(result.wall_s, 2),
        "peak_rss_gb": round(result.peak_rss_gb, 3),
    }
    return [Figure("generate_s", round(result.seconds, 2), scenario, detail=detail)]
