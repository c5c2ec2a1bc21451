"""Running one :mod:`bench.worker` step as a child process, with its wall time, peak memory and a time limit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
QUIET_ENV = {
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "False",
}


class BenchError(Exception):
    """A benchmark step could not be measured; the message says why and where its log is."""


@dataclass
class StepResult:
    data: dict[str, Any]
    wall_s: float  # of the child process, interpreter start included
    peak_rss_gb: float  # the child's maximum resident set size

    @property
    def seconds(self) -> float:
        """Time measured inside the step (the work itself, interpreter start excluded)."""
        return float(self.data.get("seconds", self.wall_s))


def run_step(step: str, logs: Path, timeout_s: float, **options: Any) -> StepResult:
    """Run ``python -m bench.worker step`` with ``options`` as flags; raise :class:`BenchError` when it fails or
    outlives ``timeout_s`` (it is then killed)."""
    logs.mkdir(parents=True, exist_ok=True)
    stamp = f"{step}-{time.strftime('%H%M%S')}-{time.monotonic_ns() % 10**6}"
    out_json, log = logs / f"{stamp}.json", logs / f"{stamp}.log"
    argv = [sys.executable, "-m", "bench.worker", step, "--json", os.fspath(out_json)]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value not in (None, False):
            argv += [flag, str(value)]
    env = (
        os.environ
        | QUIET_ENV
        | {"PYTHONPATH": os.pathsep.join(filter(None, [os.fspath(REPO), os.environ.get("PYTHONPATH")]))}
    )
    started = time.perf_counter()
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout_s:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                raise BenchError(
                    f"step {step} exceeded its time budget of {timeout_s:.0f} s and was stopped (log: {log})"
                )
            time.sleep(0.1)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or not out_json.exists():
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise BenchError(f"step {step} failed with exit code {proc.returncode}: {tail[0]} (log: {log})")
    return checked(step, StepResult(json.loads(out_json.read_text()), wall, usage.ru_maxrss / 1024**2), log)


def checked(step: str, result: StepResult, log: Path) -> StepResult:
    """``result``, unless the step's ``msdw run`` did not publish (exit code not 0): its times are not the
    pipeline's, so the figures built on them are reported as not measured, with how far the run got."""
    code = result.data.get("exit_code")
    if code not in (None, 0):
        raise BenchError(
            f"step {step}: msdw run exited with code {code} (not published) after {result.wall_s:.0f} s, peak "
            f"{result.peak_rss_gb:.2f} GB; its log says which task failed (log: {log})"
        )
    return result
