"""Timing the pipeline's own functions from inside the process that runs it, by wrapping them in place.

A wrapped function adds its wall time to its label. Time inside any wrapped function, counted once however deeply the
calls nest, is the process's *task code* time; the rest of a run's wall time is orchestration.

A module is wrapped when the process first imports it, not before: importing every wrapped module up front would
move the imports a task does (Great Expectations, dbt, Altair) out of the run and out of its task code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TASK_CODE: dict[str, tuple[str, str]] = {
    # the body of each Python task (``@task``), the imports it does included; Cosmos' dbt tasks count dbt alone
    "python_tasks": ("airflow.providers.standard.operators.python", "PythonOperator.execute_callable"),
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
# Encrypting and decrypting the archive (inside ``land`` and ``ingest_source``): archive_encryption_overhead.
ARCHIVE_CRYPTO: dict[str, tuple[str, str]] = {
    "archive_seal": ("msdw.archive", "Archive.seal"),
    "archive_unseal": ("msdw.archive", "Archive.unseal"),
}
GATES: dict[str, tuple[str, str]] = {
    "gate_returns": ("msdw.quality.returns", "validate_table"),
    "gate_marts": ("msdw.quality.mart_gate", "check_marts"),
}


@dataclass
class Stopwatch:
    seconds: dict[str, float] = field(default_factory=dict)
    calls: dict[str, int] = field(default_factory=dict)
    outer_seconds: float = 0.0
    _depth: int = 0

    def wrap(self, label: str, module: str, attr: str) -> None:
        """Replace ``module.attr`` (``Class.method`` allowed) by a timed copy reporting under ``label``, importing
        ``module`` if needed."""
        self._wrap_in(importlib.import_module(module), label, attr)

    def _wrap_in(self, owner: Any, label: str, attr: str) -> None:
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
        """Wrap every target: those whose module is loaded now, the others as soon as their module is imported."""
        later: dict[str, list[tuple[str, str]]] = {}
        for label, (module, attr) in targets.items():
            if module in sys.modules:
                self._wrap_in(sys.modules[module], label, attr)
            else:
                later.setdefault(module, []).append((label, attr))
        if later:
            sys.meta_path.insert(0, _WrapOnImport(self, later))
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": {k: round(v, 3) for k, v in sorted(self.seconds.items())},
            "calls": dict(sorted(self.calls.items())),
            "task_code_seconds": round(self.outer_seconds, 3),
        }


class _WrapOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a module awaiting wrappers, it lets the other finders find it and wraps the module's
    attributes right after the module has run, before any other module can import them."""

    def __init__(self, watch: Stopwatch, pending: dict[str, list[tuple[str, str]]]) -> None:
        self.watch = watch
        self.pending = pending

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in self.pending:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _WrappingLoader(spec.loader, self.watch, self.pending.pop(fullname))
                return spec
        return None


class _WrappingLoader(importlib.abc.Loader):
    def __init__(self, loader: Any, watch: Stopwatch, wrappers: list[tuple[str, str]]) -> None:
        self.loader = loader
        self.watch = watch
        self.wrappers = wrappers

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        for label, attr in self.wrappers:
            self.watch._wrap_in(module, label, attr)

    def __getattr__(self, name: str) -> Any:  # get_code, get_source, is_package... of the real loader
        return getattr(self.loader, name)
