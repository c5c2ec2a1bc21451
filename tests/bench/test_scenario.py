"""bench.scenario: the plan's long history can be shortened on its own, for month_growth_ratio within a budget."""

from __future__ import annotations

import pytest

from bench.scenario import Plan


def test_long_history_changes_alone() -> None:
    plan = Plan.full()
    shorter = plan.with_long_history(36)
    assert shorter.long_history.months == 36
    assert shorter.long_history.end == "2017-12"
    assert shorter.long_history.scale == plan.long_history.scale
    assert shorter.history == plan.history
    assert shorter.backfill == plan.backfill


def test_long_history_must_outlast_the_short_one() -> None:
    with pytest.raises(ValueError, match="longer than the short one"):
        Plan.full().with_long_history(12)
