"""The suites of both gates, and the JSON committed under ``expectations/`` (``make generate`` rewrites it).

``python -m msdw.quality.suites --write expectations`` writes the suites alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from msdw.quality.context import gx
from msdw.quality.marts import DATASOURCE as MARTS
from msdw.quality.marts import mart_tables, suite_for_mart
from msdw.quality.reconcile import reconciliation_suite
from msdw.quality.returns import DATASOURCE as RETURNS
from msdw.quality.returns import all_tables, suite_for


def suite_json(suite: gx.ExpectationSuite) -> str:
    """A suite as the JSON committed under ``expectations/``."""
    return json.dumps(suite.to_json_dict(), indent=2, default=str) + "\n"


def mart_suites() -> list[gx.ExpectationSuite]:
    return [suite_for_mart(m) for m in mart_tables()] + [reconciliation_suite()]


def return_suites() -> list[gx.ExpectationSuite]:
    return [suite_for(t) for t in all_tables()]


def all_suites() -> list[gx.ExpectationSuite]:
    """Every suite of both gates: the return suites, then the mart suites."""
    return return_suites() + mart_suites()


def write_return_suites(folder: Path) -> list[Path]:
    """Write every return suite to ``<folder>/returns/<table>.json``; return the files written."""
    return _write(folder, RETURNS, return_suites())


def write_mart_suites(folder: Path) -> list[Path]:
    """Write every mart suite to ``<folder>/marts/<table>.json`` (and ``reconciliation.json``)."""
    return _write(folder, MARTS, mart_suites())


def write_suites(folder: Path) -> list[Path]:
    """Write the suites of both gates under ``folder``; return the files written."""
    return write_return_suites(folder) + write_mart_suites(folder)


def _write(folder: Path, datasource: str, suites: list[gx.ExpectationSuite]) -> list[Path]:
    target = folder / datasource
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for suite in suites:
        path = target / f"{suite.name.removeprefix(datasource + '.')}.json"
        path.write_text(suite_json(suite), encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m msdw.quality.suites", description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, metavar="FOLDER", required=True, help="the expectations/ folder")
    args = parser.parse_args(argv)
    written = write_suites(args.write)
    print(f"wrote {len(written)} suites under {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
