"""The benchmark's table says when a figure was measured on another scenario than its target names."""

from __future__ import annotations

from bench.figures import Figure
from bench.report import at_target_scenarios, document, table

FULL = {"smoke": False, "scale_factor": 1.0, "years_factor": None, "long_months": None}


def test_only_the_full_plan_is_at_the_target_scenarios() -> None:
    assert at_target_scenarios(FULL)
    assert not at_target_scenarios(FULL | {"smoke": True})
    assert not at_target_scenarios(FULL | {"scale_factor": 0.1})
    assert not at_target_scenarios(FULL | {"years_factor": 0.1})
    assert not at_target_scenarios(FULL | {"long_months": 36})


def test_a_target_met_on_another_scenario_is_marked_so() -> None:
    figure = Figure("gate_share", 0.07, {"scale": 100.0, "months": 12})
    full = document([figure], FULL, 1.0)
    shrunk = document([figure], FULL | {"years_factor": 0.1}, 1.0)
    assert full["at_target_scenarios"] and not shrunk["at_target_scenarios"]
    assert "yes (other scenario)" not in table(full) and "gate_share" in table(full)
    assert "yes (other scenario)" in table(shrunk)


def test_the_ingest_month_at_other_scales_is_printed_beside_the_figure_not_in_it() -> None:
    by_scale = [
        {"scale": 10.0, "ratio": 0.51543},
        {
            "scale": 100.0,
            "ratio": None,
            "reason": "step ingest not started: the benchmark's overall time budget is spent",
        },
    ]
    figure = Figure("ingest_throughput_ratio", 0.18217, {"scale": 1.0, "months": 1}, detail={"by_scale": by_scale})
    doc = document([figure], FULL, 1.0)
    printed = table(doc)
    assert doc["figures"]["ingest_throughput_ratio"]["met"] is False
    assert "ingest_throughput_ratio  0.18217" in printed
    assert "ingest_throughput_ratio at scale 10 (beside the figure): 0.51543" in printed
    assert "ingest_throughput_ratio at scale 100 (beside the figure): not run" in printed
