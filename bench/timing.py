"""Timing the pipeline's own functions from inside the process that runs it, by wrapping them in place.

A wrapped function adds its wall time to its label. Time inside any wrapped function, counted once however deeply the
calls nest, is the process's *task code* time; the rest of a run's wall time is orchestration.
"""

from __future__ import annotations

import functools
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TASK_CODE: dict[str, tuple[str, str]] = {
    "land": ("msdw.landing", "land"),
    "ingest": ("msdw.ingest", "ingest_source"),
    "link": ("msdw.linkage", "link_persons"),
    "publish": ("msdw.publish", "publish"),
    "dbt_docs": ("msdw.transform", "render_dbt_docs"),
    "report": ("msdw.report", "render_report"),
    "dbt": ("dbt.cli.main", "dbtRunner.invoke"),
    # dbt's imports, done once before the build DAG instead of inside its first task: dbt's start-up, not Airflow's
    "dbt_import": ("msdw.orchestrate", "_preload_dbt"),
}
GATES: dict[str, tuple[str, str]] = {
    "gate_returns": ("msdw.validate", "validate_table"),
    "gate_marts": ("msdw.gate", "check_marts"),
}


@dataclass
class Stopwatch:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    outer_seconds: float = 0.0
    _depth: int = 0

    def wrap(self, label: str, module: str, attr: str) -> None:
        """Replace ``module.attr`` (``Class.method`` allowed) by a timed copy reporting under ``label``."""
        owner: Any = importlib.import_module(module)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        setattr(owner, name, self._timed(label, getattr(owner, name)))

    def _timed(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                self._depth -= 1
                self.seconds[label] = self.seconds.get(label, 0.0) + spent
                self.calls[label] = self.calls.get(label, 0) + 1
                if self._depth == 0:
                    self.outer_seconds += spent

        return timed

    def install(self, targets: dict[str, tuple[str, str]]) -> Stopwatch:
        for label, (module, attr) in targets.items():
            self.wrap(label, module, attr)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": {k: round(v, 3) for k, v in sorted(self.seconds.items())},
            "calls": dict(sorted(self.calls.items())),
            "task_code_seconds": round(self.outer_seconds, 3),
        }
