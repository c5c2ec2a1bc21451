"""The benchmark's outputs: a JSON file of every figure and a short printed table."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Any

from bench.figures import TARGETS, Figure


def at_target_scenarios(options: dict[str, Any]) -> bool:
    """Whether the figures were measured at the scenarios their targets name (no smoke run, no shrunk scale or
    span, no shorter long history): a target met on another scenario is not met."""
    return (
        not options.get("smoke")
        and options.get("scale_factor", 1.0) == 1.0
        and options.get("years_factor") in (None, 1.0)
        and options.get("long_months") is None
    )


def document(figures: list[Figure], options: dict[str, Any], seconds: float) -> dict[str, Any]:
    by_name = {f.name: f for f in figures}
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "options": options,
        "at_target_scenarios": at_target_scenarios(options),
        "seconds": round(seconds, 1),
        "figures": {name: by_name[name].as_dict() for name in TARGETS if name in by_name},
    }


def write(doc: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2, default=str) + "\n")


def table(doc: dict[str, Any]) -> str:
    rows = [("figure", "value", "target", "met", "scenario")]
    for name, fig in doc["figures"].items():
        sc = fig["scenario"]
        scenario = f"scale {sc.get('scale', '?'):g}, {sc.get('months', '?')} months" if sc else ""
        if fig["value"] is None:
            value, met = "not run", "-"
            scenario += f" ({fig['reason']})"
        else:
            value = f"{fig['value']:g}"
            met = {True: "yes", False: "NO", None: "-"}[fig["met"]]
            if fig["met"] is not None and not doc.get("at_target_scenarios", True):
                met += " (other scenario)"
        rows.append((name, value, fig["target_text"], met, scenario))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
        for row in rows
    ]
    return "\n".join(lines + beside_lines(doc))


def beside_lines(doc: dict[str, Any]) -> list[str]:
    """A line for each measurement reported beside a figure, not in it (the ingest month at other scales)."""
    lines = []
    for name, fig in doc["figures"].items():
        for other in (fig.get("detail") or {}).get("by_scale", []):
            value = "not run" if other["ratio"] is None else f"{other['ratio']:g}"
            lines.append(f"  {name} at scale {other['scale']:g} (beside the figure): {value}")
    return lines
