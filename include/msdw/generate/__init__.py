"""The synthetic returns generator: one simulated world, written as the returns of returns.md.

``generate(inbox, start, end, scale, seed, truth, faults, progress)`` is what ``msdw generate`` calls.
"""

from __future__ import annotations

from msdw.generate.api import GenerateSummary, generate, redeliver
from msdw.generate.cli_args import add_arguments, faults_from_args
from msdw.generate.errors import GenerateError
from msdw.generate.faults import FaultRates

__all__ = [
    "FaultRates",
    "GenerateError",
    "GenerateSummary",
    "add_arguments",
    "faults_from_args",
    "generate",
    "redeliver",
]
