"""Where the benchmark keeps its generated inboxes and warehouses, and how it builds one month's worth at a time."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.scenario import Scenario, months_from
from bench.steps import BenchError, StepResult, run_step


@dataclass
class Built:
    """A warehouse holding a scenario's months, with the ``msdw run`` that built it from empty."""

    scenario: Scenario
    inbox: Path
    warehouse: Path
    run: StepResult
    months: int  # months of the scenario now in the inbox


@dataclass
class Workspace:
    root: Path
    deadline: float  # time.monotonic() after which no step starts
    step_limit_s: float
    generated: dict[str, StepResult] = field(default_factory=dict)
    built: dict[str, Built] = field(default_factory=dict)
    failed: dict[str, BenchError] = field(default_factory=dict)  # builds that failed, not tried again

    @property
    def logs(self) -> Path:
        return self.root.parent / "logs"

    def remaining_s(self) -> float:
        return self.deadline - time.monotonic()

    def step(self, name: str, **options: object) -> StepResult:
        budget = min(self.step_limit_s, self.remaining_s())
        if budget <= 1:
            raise BenchError(f"step {name} not started: the benchmark's overall time budget is spent")
        return run_step(name, self.logs, budget, **options)

    def scenario_dir(self, scenario: Scenario) -> Path:
        return self.root / scenario.key

    def generate(self, scenario: Scenario, fresh: bool = False) -> StepResult:
        """Generate every month of ``scenario`` once per benchmark run (again with ``fresh``)."""
        if scenario.key in self.generated and not fresh:
            return self.generated[scenario.key]
        where = self.scenario_dir(scenario)
        for folder in ("source", "truth"):
            shutil.rmtree(where / folder, ignore_errors=True)
        result = self.step(
            "generate",
            inbox=where / "source",
            truth=where / "truth",
            start=scenario.start,
            end=scenario.end,
            scale=scenario.scale,
            seed=scenario.seed,
        )
        self.generated[scenario.key] = result
        return result

    def fresh_dir(self, scenario: Scenario, name: str) -> Path:
        path = self.scenario_dir(scenario) / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def add_months(self, scenario: Scenario, inbox: Path, months: list[str]) -> int:
        """Link the generated files of ``months`` into ``inbox``, keeping their modification times; returns the
        number of files added."""
        from msdw.returns import ReturnRejected, identify

        source = self.scenario_dir(scenario) / "source"
        wanted = set(months)
        added = 0
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            rel = path.relative_to(source).as_posix()
            try:
                month = identify(rel).identity.month
            except ReturnRejected:
                continue
            if month not in wanted:
                continue
            target = inbox / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
            added += 1
        return added

    def build(self, scenario: Scenario, months: int | None = None) -> Built:
        """A warehouse built from empty by one ``msdw run`` over the first ``months`` months of ``scenario``
        (all by default); built once per benchmark run."""
        count = scenario.months if months is None else months
        key = f"s{scenario.scale:g}_{scenario.start}_seed{scenario.seed}:{count}"  # the same months, whatever the end
        if key in self.built:
            return self.built[key]
        if key in self.failed:  # figures sharing a failed build report its failure rather than repeat it
            raise self.failed[key]
        self.generate(scenario)
        inbox = self.fresh_dir(scenario, f"inbox_{count}")
        warehouse = self.fresh_dir(scenario, f"warehouse_{count}")
        self.add_months(scenario, inbox, months_from(scenario.start, count))
        try:
            run = self.step("run", inbox=inbox, warehouse=warehouse)
        except BenchError as err:
            self.failed[key] = err
            raise
        built = Built(scenario, inbox, warehouse, run, count)
        self.built[key] = built
        return built
