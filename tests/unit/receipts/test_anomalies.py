"""Anomaly flags: each rule on hand-made histories, then precision and recall on the generator's injected breaks and
quiet on a clean generated year. (About 5 s: two generated inboxes at scale 0.5, rows counted from the files.)"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from msdw.generate import generate
from msdw.generate.faults import FaultRates
from msdw.receipts.anomalies import THRESHOLDS, find_anomalies, flags
from msdw.returns import identify

STEADY = [40, 42, 41, 43, 44, 45, 44, 46, 47, 48, 49, 50]  # live operations: a steady, growing count
SMALL = [5, 9, 3, 7, 4, 8, 6, 2, 7, 5, 10, 6]  # a small count of victims that wanders by chance


def rules(history: list[int], rows: int) -> set[str]:
    return {rule for rule, _median, _message in flags(history, rows)}


def test_each_rule_fires_on_its_break() -> None:
    assert rules(STEADY, 20) >= {"fell_by_half"}
    assert rules(STEADY, 0) == {"fell_by_half", "stopped_reporting", "count_outlier"}
    assert rules([12, 10, 11, 9, 10, 12, 11, 10, 9, 10, 11, 10], 0) >= {"stopped_reporting"}
    assert rules(STEADY, 200) == {"count_outlier"}


def test_chance_and_short_histories_are_not_flagged() -> None:
    assert rules(SMALL, 1) == set()  # a fall of a small count that wanders as much by chance
    assert rules(SMALL, 0) == set()  # no rows, from a submitter whose median is below stopped_min_median
    assert rules([4, 5, 3, 5, 4, 14], 4) == set()  # back to normal after one busy month
    assert rules(STEADY[:5], 0) == set()  # fewer than min_history months
    assert rules(STEADY, 46) == set()


def test_thresholds_are_set_in_one_place() -> None:
    assert rules(STEADY, 200) == {"count_outlier"}
    lenient = dataclasses.replace(THRESHOLDS, k=1000.0)
    assert {r for r, *_ in flags(STEADY, 200, lenient)} == set()


def versions_from_inbox(inbox: Path) -> list[tuple]:
    """(source, submitter, month, part, version, path, rows) of each plain CSV or JSON Lines return of an inbox
    generated with --clean (one row a line; GLAA workbooks left out)."""
    out = []
    for path in sorted(inbox.rglob("*")):
        if path.suffix not in (".csv", ".jsonl"):
            continue
        relpath = path.relative_to(inbox).as_posix()
        identity = identify(relpath).identity
        lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
        rows = len(lines) - (path.suffix == ".csv")
        out.append((identity.source, identity.submitter, identity.month_start, identity.part, 1, relpath, rows))
    return out


def measure(root: Path, start: str, end: str, seed: int, breaks: float) -> tuple[int, set[str], set[str]]:
    """(returns, injected breaks, flagged returns) of a generated inbox."""
    summary = generate(
        root / "inbox",
        start,
        end,
        scale=0.5,
        seed=seed,
        faults=dataclasses.replace(FaultRates.none(), breaks=breaks),
        progress=False,
    )
    with (summary.truth / "faults.csv").open(encoding="utf-8") as handle:
        injected = {r["path"] for r in csv.DictReader(handle) if r["effect"] == "ANOMALY"}
    versions = versions_from_inbox(root / "inbox")
    return len(versions), injected, {a.sha256 for a in find_anomalies(versions)}  # sha256 holds the path here


def test_flags_find_the_generators_breaks(tmp_path: Path) -> None:
    returns, injected, flagged = measure(tmp_path, "2019-01", "2020-12", seed=7, breaks=0.03)
    found = flagged & injected
    precision, recall = len(found) / len(flagged), len(found) / len(injected)
    print(
        f"{returns} returns, {len(injected)} breaks, {len(flagged)} flagged: precision {precision:.2f}, "
        f"recall {recall:.2f}"
    )
    assert len(injected) >= 10
    assert precision >= 0.9 and recall >= 0.85


def test_flags_stay_quiet_on_a_clean_generated_year(tmp_path: Path) -> None:
    returns, injected, flagged = measure(tmp_path, "2019-01", "2020-06", seed=11, breaks=0.0)  # 6 months of history
    assert injected == set() and returns > 1000
    assert flagged == set()


def test_flags_from_the_ledger_reach_the_export_and_the_monitors_alert(tmp_path: Path) -> None:
    """A force that always sent about 40 operations sends 5: flagged from the ledger, exported for dbt, and in the
    monitor's alert as an ANOMALY."""
    import datetime as dt

    import pyarrow.parquet as pq

    from msdw.ledger import Ledger
    from msdw.monitor import monitor
    from msdw.receipts.anomalies import EXPORT, anomalies, export
    from msdw.warehouse import Warehouse

    warehouse = Warehouse.at(tmp_path).ensure()
    ledger = Ledger(warehouse.ledger_db)
    months = [dt.date(2019 + (i // 12), i % 12 + 1, 1) for i in range(13)]
    rows = [*STEADY, 5]
    with ledger.connect() as con:
        for month, n in zip(months, rows, strict=True):
            key = f"police|E23000001|{month:%Y-%m}|operations"
            received = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 5)
            con.execute(
                "insert into versions values (?, 'police', 'E23000001', ?, 'operations', 1, ?, ?, ?, 'ACCEPTED', ?,"
                " '[]', '[]', ?, 'run')",
                [key, month, f"sha-{month}", f"police/{month:%Y-%m}/E23000001.csv", received, n, received],
            )
    (flag,) = [a for a in anomalies(warehouse) if a.rule == "fell_by_half"]
    assert (flag.month, flag.version, flag.rows, flag.sha256) == (months[-1], 1, 5, f"sha-{months[-1]}")
    export(warehouse, anomalies(warehouse))
    assert pq.read_table(warehouse.raw / EXPORT).column("rule").to_pylist() == ["fell_by_half"]
    report = monitor(warehouse, now=dt.datetime(2020, 2, 20, tzinfo=dt.UTC))
    found = [f for f in report.findings if f.kind == "ANOMALY"]
    assert {f.subject for f in found} == {"police E23000001 operations 2020-01"}
    assert report.counts["ANOMALY"] == 1 and "1 anomaly" in report.alert().title
