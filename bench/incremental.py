"""month_incremental_s, month_growth_ratio, orchestration_share: ``msdw run`` for one new month after 12 months of
history, and again after 120, in the same benchmark run.

The warehouse is built from empty over the first months, then one month is added and timed; the months up to the
long history are added in one run, then one more month is timed. Orchestration share is one minus the time inside
task code (the functions of :data:`bench.timing.TASK_CODE`, dbt's in-process runner included) over the time of
``msdw run``'s main function, for the first timed month.
"""

from __future__ import annotations

from bench.airflow_runs import outside_task_code
from bench.figures import Figure
from bench.scenario import Plan, Scenario, month_after
from bench.steps import StepResult
from bench.workspace import Built, Workspace

FIGURES = ["month_incremental_s", "month_growth_ratio", "orchestration_share"]


def _run_months(space: Workspace, built: Built, upto: int) -> StepResult:
    months = [month_after(built.scenario.start, i) for i in range(built.months, upto)]
    space.add_months(built.scenario, built.inbox, months)
    built.months = upto
    return space.step("run", inbox=built.inbox, warehouse=built.warehouse)


def _outside(run: StepResult) -> dict[str, object] | None:
    """Where the run's time outside task code went, by Airflow's records of its DAG runs and task instances."""
    airflow, timings = run.data["airflow"], run.data["timings"]
    if not airflow:
        return None
    dbt_import = timings["seconds"].get("dbt_import", 0.0)
    return outside_task_code(run.seconds, timings["task_code_seconds"], dbt_import, airflow)


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    short, long = plan.history, plan.long_history
    growth = "month_growth_ratio" in wanted
    source = Scenario(short.scale, (long.months if growth else short.months) + 1, short.start, short.seed)
    space.generate(source)
    built = space.build(source, short.months)
    space.built.clear()  # the warehouse changes from here on
    first = _run_months(space, built, short.months + 1)
    timings = first.data["timings"]
    first_scenario = short.as_dict() | {"timed_month": month_after(short.start, short.months), "seconds": first.wall_s}
    figures = [
        Figure(
            "month_incremental_s",
            round(first.wall_s, 2),
            first_scenario,
            detail={"run_s": round(first.seconds, 2), "exit_code": first.data["exit_code"], "timings": timings},
        ),
        Figure(
            "orchestration_share",
            round(1 - timings["task_code_seconds"] / first.seconds, 4),
            first_scenario,
            detail={
                "task_code_s": timings["task_code_seconds"],
                "run_s": round(first.seconds, 2),
                "by_function_s": timings["seconds"],
                "airflow": first.data["airflow"],
                "outside_task_code": _outside(first),
            },
        ),
    ]
    if not growth:
        return figures
    filler = _run_months(space, built, long.months) if long.months > short.months + 1 else None
    second = _run_months(space, built, long.months + 1)
    second_scenario = long.as_dict() | {"timed_month": month_after(short.start, long.months), "seconds": second.wall_s}
    growth_figure = Figure(
        "month_growth_ratio",
        round(second.wall_s / first.wall_s, 3),
        second_scenario,
        detail={
            "after_short_s": round(first.wall_s, 2),
            "after_long_s": round(second.wall_s, 2),
            "filler_run_s": None if filler is None else round(filler.wall_s, 2),
            "timings_after_long": second.data["timings"],
        },
    )
    return [*figures, growth_figure]
