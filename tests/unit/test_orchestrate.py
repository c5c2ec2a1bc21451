"""msdw.orchestrate: the long-lived heap is frozen while the DAGs run, and released afterwards."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from msdw import orchestrate
from msdw.orchestrate import BUILD_DAG, INGEST_DAGS, DagOutcome, long_lived_heap, run_pipeline
from msdw.warehouse import Warehouse


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_settling_collects_garbage_then_freezes_what_survives() -> None:
    with long_lived_heap() as settle:
        garbage = Node()
        gone = weakref.ref(garbage)
        del garbage
        kept = Node()
        settle()
        assert gone() is None
        assert gc.get_freeze_count() > 0
        assert kept.me is kept
    assert gc.get_freeze_count() == 0


def test_heap_is_unfrozen_when_a_dag_fails() -> None:
    with pytest.raises(RuntimeError), long_lived_heap() as settle:
        settle()
        raise RuntimeError("task failed")
    assert gc.get_freeze_count() == 0


class FakeDag:
    def __init__(self, dag_id: str) -> None:
        self.dag_id = dag_id


def test_run_pipeline_runs_every_dag_on_a_settled_heap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []

    def run_dag(dag: FakeDag, conf: dict[str, object]) -> DagOutcome:
        seen.append((dag.dag_id, gc.get_freeze_count()))
        return DagOutcome(dag.dag_id, "success", 0.0)

    monkeypatch.setattr(orchestrate, "prepare", lambda warehouse, inbox: None)
    monkeypatch.setattr(orchestrate, "load_dags", lambda: {d: FakeDag(d) for d in (*INGEST_DAGS, BUILD_DAG)})
    monkeypatch.setattr(orchestrate, "run_dag", run_dag)
    monkeypatch.setattr("msdw.transform.ensure_manifest", lambda: tmp_path / "manifest.json")
    _, outcomes = run_pipeline(Warehouse.at(tmp_path / "wh"), str(tmp_path / "inbox"), say=lambda _: None)
    assert [o.dag_id for o in outcomes] == [*INGEST_DAGS, BUILD_DAG]
    assert [dag_id for dag_id, _ in seen] == [*INGEST_DAGS, BUILD_DAG]
    assert all(frozen > 0 for _, frozen in seen)
    assert gc.get_freeze_count() == 0


def test_memory_freed_by_earlier_steps_goes_back_to_the_system() -> None:
    from msdw.orchestrate import release_free_memory, resident_gb

    blocks = [bytes(1000) for _ in range(500_000)]  # about 0.5 GB in small blocks
    kept = blocks[::64]  # a block left here and there: glibc keeps the free pages between them
    with_blocks = resident_gb()
    del blocks
    after_free = resident_gb()
    release_free_memory()
    assert with_blocks > 0.4 and after_free > with_blocks - 0.1
    assert resident_gb() < after_free - 0.3
    assert len(kept) == 7813
