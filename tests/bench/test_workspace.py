"""The benchmark's workspace: builds shared by several figures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.scenario import Scenario
from bench.steps import BenchError, StepResult, checked
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


def test_a_run_that_did_not_publish_gives_no_figures() -> None:
    log = Path("run.log")
    published = StepResult({"seconds": 10.0, "exit_code": 0}, 12.0, 1.5)
    assert checked("run", published, log) is published
    assert checked("generate", StepResult({"seconds": 3.0}, 4.0, 0.5), log).wall_s == 4.0
    with pytest.raises(BenchError, match=r"exited with code 1 \(not published\) after 2773 s, peak 10.39 GB"):
        checked("run", StepResult({"seconds": 2766.0, "exit_code": 1}, 2773.3, 10.391), log)
