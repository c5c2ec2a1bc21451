"""``python -m msdw.report --warehouse DIR``: redraw ``<warehouse>/report/index.html`` from the published marts."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from msdw.report.page import ReportError
from msdw.report.render import render_report
from msdw.warehouse import DEFAULT_WAREHOUSE, Warehouse

REPORT_DIR = "report"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m msdw.report", description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    args = parser.parse_args(argv)
    warehouse = Warehouse.at(args.warehouse)
    try:
        page = render_report(warehouse.marts, warehouse.root / REPORT_DIR, warehouse.cache)
    except ReportError as exc:
        print(f"msdw report: error: {exc}", file=sys.stderr)
        return 2
    print(f"Report: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
