"""Command-line flags for the fault rates of ``msdw generate``; the CLI adds --inbox, --start, --end, --scale,
--seed and --truth itself."""

from __future__ import annotations

import argparse
from dataclasses import fields

from msdw.generate.faults import FaultRates

_HELP = {
    "late": "share of returns first received after the 15th of the next month",
    "missing": "share of expected returns never received",
    "revised": "share of returns sent again later, corrected",
    "duplicate": "share of returns sent again byte for byte",
    "malformed": "share of returns broken so that they must be quarantined",
    "cp1252": "share of police forces sending Windows-1252 text",
    "nationality_text": "how often a nationality is written as a name, demonym or alpha-2 code",
    "unknown_nationality": "share of nationality values that cannot be recognised",
    "glaa_totals": "share of GLAA workbooks whose totals disagree with their rows",
    "dropped_operations": "share of operations dropped from returns without closure",
    "suspect_count_mismatch": "share of operations whose suspect nationality counts once do not add up",
    "format_variants": "how far submitters stray from the plainest form the contract allows (0 to 1)",
    "breaks": "share of police returns (after a year) whose counts break sharply: operations cut, victims none",
}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--clean`` and one ``--<fault>-rate`` flag per fault rate to ``parser``."""
    group = parser.add_argument_group("faults", "how messy the returns are (defaults: realistic)")
    group.add_argument("--clean", action="store_true", help="no faults at all: every return on time, valid, plain")
    defaults = FaultRates()
    for f in fields(FaultRates):
        group.add_argument(
            _flag(f.name) + "-rate",
            dest=f"fault_{f.name}",
            type=float,
            default=None,
            metavar="P",
            help=f"{_HELP.get(f.name, f.name)} (default {getattr(defaults, f.name):g})",
        )
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def faults_from_args(args: argparse.Namespace) -> FaultRates:
    """The fault rates the flags ask for: the defaults (or none with --clean), with each given rate applied."""
    base = FaultRates.none() if getattr(args, "clean", False) else FaultRates()
    given = {f.name: getattr(args, f"fault_{f.name}", None) for f in fields(FaultRates)}
    return FaultRates(**{name: getattr(base, name) if v is None else v for name, v in given.items()})
