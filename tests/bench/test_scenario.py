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


def test_the_ingest_month_is_also_measured_at_larger_scales_scaled_with_the_plan() -> None:
    assert Plan.full().ingest_scales == (10.0, 100.0)
    assert Plan.full().ingest.scale == 1.0
    assert Plan.full(0.1).ingest_scales == pytest.approx((1.0, 10.0))
    assert Plan.smoke().ingest_scales and max(Plan.smoke().ingest_scales) < 1
