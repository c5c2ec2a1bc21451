"""``msdw linkage-report``: pairwise precision, recall and F1 against a ground truth, and the model's charts.

Wiring into the ``msdw`` command::

    report = sub.add_parser("linkage-report", help="...")
    add_report_arguments(report)   # sets func=report_main
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from msdw.warehouse import DEFAULT_WAREHOUSE, Warehouse

HELP = "measure person linkage against a generator's ground truth and write the model's charts"


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    parser.add_argument("--truth", required=True, help="ground truth folder written by `msdw generate` (persons.csv)")
    parser.add_argument("--charts", default=None, help="folder for the HTML charts (default: linkage/charts)")
    parser.add_argument("--no-charts", action="store_true", help="print the figures only")
    parser.add_argument("--link", action="store_true", help="link new identifications first")
    parser.add_argument("--retrain", action="store_true", help="with --link: retrain the model and relink everything")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(func=report_main)


def report_main(args: argparse.Namespace) -> int:
    from msdw.linkage.evaluate import evaluate
    from msdw.linkage.link import link_persons
    from msdw.linkage.state import LinkagePaths

    warehouse = Warehouse.at(args.warehouse)
    if args.link or args.retrain:
        print(link_persons(warehouse, retrain=args.retrain))
    charts = None if args.no_charts else Path(args.charts or LinkagePaths.of(warehouse).root / "charts")
    metrics = evaluate(warehouse, Path(args.truth), charts)
    if args.json:
        print(json.dumps(metrics.as_dict(), indent=2))
    else:
        print(metrics)
        if charts is not None:
            print(f"Charts: {charts}")
    return 0
