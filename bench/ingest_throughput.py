"""ingest_throughput_ratio: rows per second of our police ingestion (land, parse, validate, write raw) over rows per
second of DuckDB's own ``read_csv`` on the same files, both measured here on one generated police month."""

from __future__ import annotations

from bench.figures import Figure
from bench.scenario import Plan, months_from
from bench.workspace import Workspace

FIGURES = ["ingest_throughput_ratio"]


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    scenario = plan.ingest
    space.generate(scenario)
    inbox = space.fresh_dir(scenario, "inbox_ingest")
    warehouse = space.fresh_dir(scenario, "warehouse_ingest")
    space.add_months(scenario, inbox, months_from(scenario.start, scenario.months))
    ours = space.step("ingest", inbox=inbox, warehouse=warehouse, sources="police")
    duck = space.step("read_csv", inbox=inbox)
    our_rows = ours.data["rows"]["police"]
    our_rate = our_rows / ours.seconds
    duck_rate = duck.data["rows"] / duck.seconds
    detail = {
        "ours": {"rows": our_rows, "seconds": round(ours.seconds, 3), "rows_per_s": round(our_rate, 1)},
        "duckdb_read_csv": {
            "rows": duck.data["rows"],
            "files": duck.data["files"],
            "seconds": round(duck.seconds, 4),
            "rows_per_s": round(duck_rate, 1),
        },
        "timings": ours.data["timings"],
    }
    described = scenario.as_dict() | {"seconds": round(ours.seconds + duck.seconds, 2)}
    return [Figure("ingest_throughput_ratio", round(our_rate / duck_rate, 5), described, detail=detail)]
