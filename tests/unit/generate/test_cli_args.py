from __future__ import annotations

import argparse

import pytest

from msdw.generate import FaultRates, add_arguments, faults_from_args
from msdw.generate.errors import GenerateError


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_defaults_are_realistic() -> None:
    assert faults_from_args(_parse()) == FaultRates()


def test_clean_turns_every_fault_off_and_rates_override() -> None:
    rates = faults_from_args(_parse("--clean", "--late-rate", "0.2"))
    assert rates == FaultRates(**{**vars(FaultRates.none()), "late": 0.2})
    assert not rates.is_clean
    assert FaultRates.none().is_clean


def test_progress_flag() -> None:
    assert _parse("--no-progress").progress is False
    assert _parse().progress is True


def test_a_rate_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(GenerateError):
        faults_from_args(_parse("--missing-rate", "1.5"))
