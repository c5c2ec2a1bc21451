"""``python -m bench``: measure the benchmark figures, write them to a JSON file and print a table."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from bench import backfill, bi, generation, incremental, ingest_throughput, linkage, report
from bench.figures import TARGETS, Figure, not_run
from bench.scenario import Plan
from bench.steps import BenchError
from bench.workspace import Workspace

MODULES: tuple[ModuleType, ...] = (generation, ingest_throughput, linkage, backfill, bi, incremental)
DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "bench.json"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--only", help="comma-separated figure names; default: every figure")
    p.add_argument("--scale-factor", type=float, default=1.0, help="multiplies every scenario's scale and years")
    p.add_argument("--years-factor", type=float, help="multiplies every scenario's years instead (default: as scale)")
    p.add_argument("--smoke", action="store_true", help="tiny scenarios: every figure in a few minutes")
    p.add_argument(
        "--long-months",
        type=int,
        help="months of history before month_growth_ratio's second timed month (default: 120, times --years-factor)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the JSON file of results")
    p.add_argument("--budget-s", type=float, default=6 * 3600, help="overall time budget; later steps are not run")
    p.add_argument("--step-limit-s", type=float, default=3 * 3600, help="time limit of any one step")
    p.add_argument("--keep", action="store_true", help="keep the generated inboxes and warehouses")
    return p


def selected(only: str | None) -> list[str]:
    if not only:
        return list(TARGETS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise SystemExit(f"unknown figure(s) {', '.join(unknown)}; choose from: {', '.join(TARGETS)}")
    return names


def measure(plan: Plan, space: Workspace, wanted: list[str]) -> list[Figure]:
    figures: list[Figure] = []
    for module in MODULES:
        names: list[str] = module.FIGURES
        if not set(names) & set(wanted):
            continue
        started = time.monotonic()
        try:
            measured = module.measure(plan, space, wanted)
        except BenchError as err:
            measured = not_run(names, {}, str(err))
        except Exception as err:
            measured = not_run(names, {}, f"failed: {type(err).__name__}: {err}".splitlines()[0])
        print(f"  {module.__name__.split('.')[-1]}: {time.monotonic() - started:.0f} s", file=sys.stderr)
        figures += [f for f in measured if f.name in wanted]
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    wanted = selected(args.only)
    plan = Plan.smoke() if args.smoke else Plan.full(args.scale_factor, args.years_factor)
    if args.long_months is not None:
        try:
            plan = plan.with_long_history(args.long_months)
        except ValueError as err:
            raise SystemExit(f"--long-months: {err}") from err
    work = args.out.resolve().parent / "work"
    space = Workspace(work, time.monotonic() + args.budget_s, args.step_limit_s)
    started = time.monotonic()
    try:
        figures = measure(plan, space, wanted)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    options = {
        "smoke": args.smoke,
        "scale_factor": args.scale_factor,
        "years_factor": args.years_factor,
        "long_months": args.long_months,
        "only": wanted,
        "plan": plan_dict(plan),
    }
    doc = report.document(figures, options, time.monotonic() - started)
    report.write(doc, args.out)
    print(report.table(doc))
    print(f"written to {args.out}")
    return 0


def plan_dict(plan: Plan) -> dict[str, object]:
    scenarios = {
        name: getattr(plan, name).as_dict() for name in ("ingest", "history", "long_history", "backfill", "linkage")
    }
    return scenarios | {"ingest_scales": list(plan.ingest_scales)}


if __name__ == "__main__":
    raise SystemExit(main())
