"""``python -m bench --smoke`` measures every figure of the benchmark at tiny scale and writes them as JSON."""

from __future__ import annotations

import json
import numbers
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.figures import TARGETS

REPO = Path(__file__).resolve().parents[2]
ALWAYS_MEASURED = ("generate_s", "ingest_throughput_ratio", "linkage_s", "linkage_peak_rss_gb", "linkage_month_s")


def test_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    """Every figure is measured, or, for those needing whole ``msdw run`` passes, recorded as beyond the budget."""
    out = tmp_path / "bench.json"
    env = os.environ | {"PYTHONPATH": os.fspath(REPO)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--out", os.fspath(out), "--budget-s", "230"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    figures = json.loads(out.read_text())["figures"]
    assert set(figures) == set(TARGETS)
    for name, figure in figures.items():
        assert figure["target"] == TARGETS[name].limit, name
        if TARGETS[name].limit is not None:
            assert isinstance(figure["target"], numbers.Real), name
        if figure["value"] is None:
            assert name not in ALWAYS_MEASURED, f"{name}: {figure['reason']}"
            assert "time budget" in figure["reason"], f"{name}: {figure['reason']}"
            assert figure["met"] is None, name
            continue
        assert isinstance(figure["value"], numbers.Real), name
        assert figure["value"] >= 0, name
        if TARGETS[name].limit is not None:
            assert isinstance(figure["met"], bool), name
        assert figure["scenario"]["months"] >= 1, name
        assert figure["scenario"]["seconds"] >= 0, name
    assert "bi_query_p95_ms" in proc.stdout
    orchestration = figures["orchestration_share"]
    if orchestration["value"] is not None:  # where the time outside task code went, by Airflow's records
        outside = orchestration["detail"]["outside_task_code"]
        assert orchestration["detail"]["airflow"]["dag_runs"] == 5
        parts = ("outside_dag_runs_s", "in_dag_runs_between_tasks_s", "in_task_instances_s")
        assert sum(outside[p] for p in parts) == pytest.approx(outside["total_s"], abs=0.01)
        assert outside["in_task_instances_s"] > 0
    # The ingest month is measured again at the smoke plan's larger scale, beside the figure.
    (beside,) = figures["ingest_throughput_ratio"]["detail"]["by_scale"]
    assert beside["scale"] == 0.1
    assert beside["ratio"] > 0 and beside["ours"]["rows"] > figures["ingest_throughput_ratio"]["detail"]["ours"]["rows"]
    assert "ingest_throughput_ratio at scale 0.1 (beside the figure)" in proc.stdout
