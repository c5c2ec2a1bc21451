"""bi_query_p95_ms: latency of the analyst and dashboard queries of ``bench/queries.sql`` on the published
``marts.duckdb`` of the backfill scenario, read-only, one connection, after one warm-up pass.

The ad hoc forms of ``bench/queries_ad_hoc.sql`` (distinct counts over the fact tables, where the dashboard queries
read summary marts) are timed the same way and reported in the figure's detail, not in its value."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from bench.figures import Figure
from bench.scenario import Plan
from bench.steps import BenchError
from bench.workspace import Workspace

FIGURES = ["bi_query_p95_ms"]
QUERIES = Path(__file__).with_name("queries.sql")
AD_HOC_QUERIES = Path(__file__).with_name("queries_ad_hoc.sql")


@dataclass(frozen=True)
class Query:
    name: str
    sql: str


def load_queries(path: Path = QUERIES) -> list[Query]:
    """The named queries of ``path``: each begins with a ``-- name: <name>`` line and ends with a semicolon."""
    queries = []
    text = path.read_text()
    for chunk in text.split("-- name:")[1:]:
        name, _, rest = chunk.partition("\n")
        body = "\n".join(line for line in rest.splitlines() if not line.startswith("--")).strip().rstrip(";")
        if body:
            queries.append(Query(name.strip(), body))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def time_queries(marts: Path, queries: list[Query], repeats: int) -> dict[str, list[float]]:
    """Milliseconds of each execution (fetching every row) of each query, ``repeats`` times after a warm-up."""
    if not marts.exists():
        raise BenchError(f"{marts} does not exist: the pipeline run did not publish its marts")
    con = duckdb.connect(str(marts), read_only=True)
    try:
        latencies: dict[str, list[float]] = {q.name: [] for q in queries}
        for q in queries:
            con.execute(q.sql).fetchall()
        for _ in range(repeats):
            for q in queries:
                started = time.perf_counter()
                con.execute(q.sql).fetchall()
                latencies[q.name].append((time.perf_counter() - started) * 1000)
        return latencies
    finally:
        con.close()


def _p95_by_query(latencies: dict[str, list[float]]) -> dict[str, float]:
    return {name: round(percentile(values, 0.95), 2) for name, values in latencies.items()}


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    built = space.build(plan.backfill)
    marts = built.warehouse / "marts.duckdb"
    latencies = time_queries(marts, load_queries(), plan.bi_repeats)
    ad_hoc = time_queries(marts, load_queries(AD_HOC_QUERIES), plan.bi_repeats)
    every = [ms for values in latencies.values() for ms in values]
    detail = {
        "p50_ms": round(statistics.median(every), 2),
        "queries": len(latencies),
        "repeats": plan.bi_repeats,
        "by_query_p95_ms": _p95_by_query(latencies),
        "ad_hoc_p95_ms": _p95_by_query(ad_hoc),
        "marts_mb": round(marts.stat().st_size / 1024**2, 1),
    }
    scenario = plan.backfill.as_dict() | {"seconds": round(sum(every) / 1000, 2)}
    return [Figure("bi_query_p95_ms", round(percentile(every, 0.95), 2), scenario, detail=detail)]
