"""``msdw release``: make a release, list the releases, or verify one against its manifest."""

from __future__ import annotations

import argparse

from msdw.errors import EXIT_FAILED, EXIT_OK
from msdw.release.periods import FREQUENCIES
from msdw.warehouse import DEFAULT_WAREHOUSE, Warehouse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from msdw.release.build import DEFAULT_FREQUENCY, DEFAULT_REVISION_WINDOW_MONTHS

    parser.add_argument("--warehouse", default=DEFAULT_WAREHOUSE)
    parser.add_argument(
        "--through", default=None, help="last month, YYYY-MM (default: the latest period whose returns are all due)"
    )
    parser.add_argument("--frequency", default=DEFAULT_FREQUENCY, choices=FREQUENCIES)
    parser.add_argument(
        "--revision-window",
        type=int,
        default=DEFAULT_REVISION_WINDOW_MONTHS,
        metavar="MONTHS",
        help="the last months of the release shown as provisional [p] (default: %(default)s, the latest quarter)",
    )
    parser.add_argument("--no-ods", action="store_true", help="do not make the ODS copy")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="list the releases")
    action.add_argument("--verify", metavar="RELEASE_ID", help="check a release's files against its manifest")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    warehouse = Warehouse.at(args.warehouse)
    if args.list:
        return _list(warehouse)
    if args.verify:
        return _verify(warehouse, args.verify)
    from msdw.release.build import make_release

    result = make_release(
        warehouse, args.through, args.frequency, revision_window=args.revision_window, ods=not args.no_ods
    )
    if not result.made:
        print(f"Release {result.release_id} was already made from these marts: {result.path}")
        return EXIT_OK
    print(f"Release {result.release_id}: {result.path}")
    print(f"  revisions since the previous release: {result.revisions}")
    print(f"  ODS copy: {result.ods}")
    return EXIT_OK


def _list(warehouse: Warehouse) -> int:
    from msdw.release.vintages import list_releases, releases_dir

    releases = list_releases(warehouse)
    if not releases:
        print(f"No releases in {releases_dir(warehouse)}: make one with `msdw release --warehouse {warehouse.root}`")
        return EXIT_OK
    print(f"{'release':<12} {'made at':<26} {'periods':<22} {'revisions':>9}  previous")
    for manifest in releases:
        periods = f"{manifest['periods'][0]} to {manifest['periods'][-1]}"
        print(
            f"{manifest['release_id']:<12} {manifest['made_at']:<26} {periods:<22} {manifest['revisions']:>9}  "
            f"{manifest['previous_release'] or '-'}"
        )
    return EXIT_OK


def _verify(warehouse: Warehouse, release_id: str) -> int:
    from msdw.release.vintages import release_folder, verify

    folder = release_folder(warehouse, release_id)
    problems = verify(warehouse, release_id)
    if problems:
        print(f"Release {release_id} differs from its manifest ({folder}):")
        for problem in problems:
            print(f"  - {problem}")
        return EXIT_FAILED
    print(f"Release {release_id} is exactly as published: every file matches {folder / 'manifest.json'}")
    return EXIT_OK
