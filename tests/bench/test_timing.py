"""bench.timing: functions are timed from their module's first import, and nested calls count once."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.timing import Stopwatch

MODULE = """
import time


def slow(seconds):
    time.sleep(seconds)
    return "done"


class Runner:
    def invoke(self, seconds):
        return slow(seconds)
"""


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "timed_module_for_tests.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("timed_module_for_tests", None)


def test_a_module_is_wrapped_when_first_imported_not_before(module_dir: Path) -> None:
    watch = Stopwatch()
    finders = list(sys.meta_path)
    try:
        watch.install(
            {
                "slow": ("timed_module_for_tests", "slow"),
                "runner": ("timed_module_for_tests", "Runner.invoke"),
            }
        )
        assert "timed_module_for_tests" not in sys.modules  # installing imports nothing
        from timed_module_for_tests import Runner, slow

        assert slow(0.05) == "done"
        assert Runner().invoke(0.05) == "done"
    finally:
        sys.meta_path[:] = finders
    assert watch.calls == {"slow": 2, "runner": 1}
    assert watch.seconds["slow"] >= 0.1
    assert 0.05 <= watch.seconds["runner"] < watch.seconds["slow"]
    assert 0.1 <= watch.outer_seconds < 0.1 + 0.5  # the nested call is counted once


def test_a_module_already_loaded_is_wrapped_at_once(module_dir: Path) -> None:
    import timed_module_for_tests

    watch = Stopwatch().install({"slow": ("timed_module_for_tests", "slow")})
    started = time.perf_counter()
    timed_module_for_tests.slow(0.02)
    assert watch.calls == {"slow": 1}
    assert watch.seconds["slow"] <= time.perf_counter() - started
