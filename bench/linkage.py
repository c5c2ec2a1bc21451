"""linkage_s, linkage_peak_rss_gb, linkage_month_s: linking ten years at scale 10 from scratch, then one new month.

The raw zone is filled by ingestion without Airflow; each linkage runs in a process of its own for its peak memory.
"""

from __future__ import annotations

from bench.figures import Figure
from bench.scenario import Plan, Scenario, month_after, months_from
from bench.workspace import Workspace
from msdw.sources import SOURCES

FIGURES = ["linkage_s", "linkage_peak_rss_gb", "linkage_month_s"]
ALL_SOURCES = ",".join(source.name for source in SOURCES)  # every source described


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    years = plan.linkage
    source = Scenario(years.scale, years.months + 1, years.start, years.seed)
    space.generate(source)
    inbox = space.fresh_dir(source, "inbox_linkage")
    warehouse = space.fresh_dir(source, "warehouse_linkage")
    space.add_months(source, inbox, months_from(years.start, years.months))
    space.step("ingest", inbox=inbox, warehouse=warehouse, sources=ALL_SOURCES)
    whole = space.step("link", warehouse=warehouse)
    new_month = month_after(years.start, years.months)
    space.add_months(source, inbox, [new_month])
    space.step("ingest", inbox=inbox, warehouse=warehouse, sources=ALL_SOURCES)
    month = space.step("link", warehouse=warehouse)
    scenario = years.as_dict() | {"seconds": round(whole.seconds, 2)}
    month_scenario = years.as_dict() | {"timed_month": new_month, "seconds": round(month.seconds, 2)}
    return [
        Figure("linkage_s", round(whole.seconds, 2), scenario, detail={"result": whole.data["result"]}),
        Figure(
            "linkage_peak_rss_gb",
            round(whole.peak_rss_gb, 3),
            scenario,
            detail={"month_peak_rss_gb": month.peak_rss_gb},
        ),
        Figure("linkage_month_s", round(month.seconds, 2), month_scenario, detail={"result": month.data["result"]}),
    ]
