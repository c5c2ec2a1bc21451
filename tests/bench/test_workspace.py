"""The benchmark's workspace: builds shared by several figures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.scenario import Scenario
from bench.steps import BenchError
from bench.workspace import Workspace


def test_a_failed_build_is_reported_to_every_figure_sharing_it_without_running_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    space = Workspace(tmp_path / "work", time.monotonic() + 600, 300)
    runs: list[str] = []

    def failing_step(name: str, **options: object) -> None:
        runs.append(name)
        raise BenchError("step run failed (exit 1)")

    monkeypatch.setattr(space, "generate", lambda scenario: None)
    monkeypatch.setattr(space, "add_months", lambda scenario, inbox, months: 0)
    monkeypatch.setattr(space, "step", failing_step)
    scenario = Scenario(100.0, 120)
    for _ in range(2):
        with pytest.raises(BenchError, match="step run failed"):
            space.build(scenario)
    assert runs == ["run"]
