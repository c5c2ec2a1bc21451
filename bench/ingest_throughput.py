"""ingest_throughput_ratio: rows per second of our police ingestion (land, parse, validate, write raw) over rows per
second of DuckDB's own ``read_csv`` on the same files, both measured here on one generated police month.

The same month is measured again at the plan's ``ingest_scales`` (the same files, more rows in each) and reported in
the figure's detail, not its value: the ratio's rise with the rows shows how much of our time is fixed per run and per
file (Great Expectations' validations, one parse and one Parquet file per return) rather than per row.
"""

from __future__ import annotations

from typing import Any

from bench.figures import Figure
from bench.scenario import Plan, Scenario, months_from
from bench.steps import BenchError
from bench.workspace import Workspace

FIGURES = ["ingest_throughput_ratio"]


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    scenario = plan.ingest
    first = measure_month(scenario, space)
    detail = first["detail"] | {"by_scale": [_at_scale(scenario, scale, space) for scale in plan.ingest_scales]}
    described = scenario.as_dict() | {"seconds": first["seconds"]}
    return [Figure("ingest_throughput_ratio", first["ratio"], described, detail=detail)]


def measure_month(scenario: Scenario, space: Workspace) -> dict[str, Any]:
    """Ingest the police returns of ``scenario`` (one month) into an empty warehouse, then read the same files with
    DuckDB; the ratio of the two rates, both steps' figures and their seconds together."""
    space.generate(scenario)
    inbox = space.fresh_dir(scenario, "inbox_ingest")
    warehouse = space.fresh_dir(scenario, "warehouse_ingest")
    space.add_months(scenario, inbox, months_from(scenario.start, scenario.months))
    ours = space.step("ingest", inbox=inbox, warehouse=warehouse, sources="police")
    duck = space.step("read_csv", inbox=inbox)
    our_rows = ours.data["rows"]["police"]
    our_rate = our_rows / ours.seconds
    duck_rate = duck.data["rows"] / duck.seconds
    return {
        "ratio": round(our_rate / duck_rate, 5),
        "seconds": round(ours.seconds + duck.seconds, 2),
        "detail": {
            "ours": {"rows": our_rows, "seconds": round(ours.seconds, 3), "rows_per_s": round(our_rate, 1)},
            "duckdb_read_csv": {
                "rows": duck.data["rows"],
                "files": duck.data["files"],
                "seconds": round(duck.seconds, 4),
                "rows_per_s": round(duck_rate, 1),
            },
            "timings": ours.data["timings"],
        },
    }


def _at_scale(scenario: Scenario, scale: float, space: Workspace) -> dict[str, Any]:
    """The month at ``scale``: its ratio and both rates, or why it was not measured (the run goes on without it)."""
    at = Scenario(scale, scenario.months, scenario.start, scenario.seed)
    try:
        month = measure_month(at, space)
    except BenchError as err:
        return {"scale": scale, "ratio": None, "reason": str(err)}
    detail = month["detail"]
    return {
        "scale": scale,
        "ratio": month["ratio"],
        "ours": detail["ours"],
        "duckdb_read_csv": detail["duckdb_read_csv"],
        "gate_returns_s": detail["timings"]["seconds"].get("gate_returns"),
    }
