"""backfill_s, backfill_peak_rss_gb, gate_share, archive_encryption_overhead: one ``msdw run`` over ten years at scale
100 from an empty warehouse, with both Great Expectations gates and the archive's encryption timed inside it."""

from __future__ import annotations

from bench.figures import Figure
from bench.scenario import Plan
from bench.workspace import Workspace

FIGURES = ["backfill_s", "backfill_peak_rss_gb", "gate_share", "archive_encryption_overhead"]


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    built = space.build(plan.backfill)
    run = built.run
    timings = run.data["timings"]["seconds"]
    gates = timings.get("gate_returns", 0.0) + timings.get("gate_marts", 0.0)
    scenario = plan.backfill.as_dict() | {"seconds": round(run.wall_s, 2)}
    detail = {"exit_code": run.data["exit_code"], "run_s": round(run.seconds, 2), "timings": run.data["timings"]}
    return [
        _encryption_overhead(timings, scenario),
        Figure("backfill_s", round(run.wall_s, 2), scenario, detail=detail),
        Figure("backfill_peak_rss_gb", round(run.peak_rss_gb, 3), scenario),
        Figure(
            "gate_share",
            round(gates / run.seconds, 4),
            scenario,
            detail={"gate_s": round(gates, 2), "run_s": round(run.seconds, 2)},
        ),
    ]


def _encryption_overhead(timings: dict[str, float], scenario: dict) -> Figure:
    """The time ingestion (``land`` and ``ingest_source``) spends sealing and opening archived files, over the time
    it would take without them: how much longer encryption makes ingestion."""
    crypto = timings.get("archive_seal", 0.0) + timings.get("archive_unseal", 0.0)
    ingestion = timings.get("land", 0.0) + timings.get("ingest", 0.0)
    if ingestion <= crypto:
        return Figure("archive_encryption_overhead", None, scenario, reason="no ingestion timed in the run")
    detail = {
        "seal_s": round(timings.get("archive_seal", 0.0), 3),
        "unseal_s": round(timings.get("archive_unseal", 0.0), 3),
        "ingestion_s": round(ingestion, 2),
    }
    return Figure("archive_encryption_overhead", round(crypto / (ingestion - crypto), 4), scenario, detail=detail)
