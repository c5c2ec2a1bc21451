from __future__ import annotations

import pytest

from msdw.generate import FaultRates, GenerateSummary, generate
from msdw.generate.months import parse_month
from msdw.generate.world import World, WorldConfig, simulate

DEMO = {"start": "2019-01", "end": "2019-06", "scale": 0.05, "seed": 1}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    """The demo of ``make run``: six months at scale 0.05, realistic faults."""
    root = tmp_path_factory.mktemp("demo")
    return generate(root / "inbox", progress=False, **DEMO)


@pytest.fixture(scope="session")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    root = tmp_path_factory.mktemp("clean")
    return generate(root / "inbox", "2019-01", "2019-03", scale=0.05, seed=1, faults=FaultRates.none(), progress=False)


@pytest.fixture(scope="session")
def national() -> World:
    """Twelve years of the world at national volume (simulated, not written)."""
    return simulate(WorldConfig(parse_month("2014-01"), parse_month("2025-12"), scale=1.0, seed=0))
