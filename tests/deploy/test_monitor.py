"""The monitor's checks on a hand-made ledger and publish record: overdue, late and quarantined returns, stale marts,
a blocked publish."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from msdw.ledger import Ledger
from msdw.monitor import (
    Finding,
    MonitorPolicy,
    MonitorReport,
    check_publish,
    deadline,
    last_due_month,
    monitor,
)
from msdw.warehouse import Warehouse

UTC = dt.UTC
RETURNS = [  # source, submitter, part
    ("police", "E23000001", "operations"),
    ("police", "E23000001", "victims"),
    ("glaa", "GLAA", "main"),
    ("border_force", "BF", "main"),
    ("cps", "CPS", "main"),
]


def _version(con, source, submitter, part, month, status, received, version=1, errors=None) -> None:
    key = f"{source}/{submitter}/{month:%Y-%m}/{part}"
    con.execute(
        "insert into versions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            key, source, submitter, month, part, version, f"{key}-{version}", f"{key}.csv", received, status,
            10 if status == "ACCEPTED" else None, "[]", errors, received + dt.timedelta(hours=1), "run-1",
        ],
    )  # fmt: skip


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """January and February 2019: CPS January late, police victims February missing, GLAA February quarantined."""
    wh = Warehouse.at(tmp_path / "warehouse").ensure()
    ledger = Ledger(wh.ledger_db)
    jan, feb = dt.date(2019, 1, 1), dt.date(2019, 2, 1)
    with ledger.connect() as con:
        for source, submitter, part in RETURNS:
            late = source == "cps"
            received = dt.datetime(2019, 2, 20 if late else 5, 9)
            _version(con, source, submitter, part, jan, "ACCEPTED", received)
            if (source, part) == ("police", "victims"):
                continue
            status = "QUARANTINED" if source == "glaa" else "ACCEPTED"
            errors = json.dumps(["GLAA_2019-02.xlsx, row 3: worker_ref is required"]) if source == "glaa" else None
            _version(con, source, submitter, part, feb, status, dt.datetime(2019, 3, 4, 9), errors=errors)
    return wh


def _publish(wh: Warehouse, record: dict) -> None:
    (wh.root / "publish.json").write_text(json.dumps(record))


def test_deadlines_follow_the_returns_contract() -> None:
    assert deadline(dt.date(2019, 1, 1)) == dt.datetime(2019, 2, 16, tzinfo=UTC)
    assert deadline(dt.date(2019, 12, 1)) == dt.datetime(2020, 1, 16, tzinfo=UTC)
    assert last_due_month(dt.datetime(2019, 4, 16, 0, 0, tzinfo=UTC)) == dt.date(2019, 3, 1)
    assert last_due_month(dt.datetime(2019, 4, 15, 23, 59, tzinfo=UTC)) == dt.date(2019, 2, 1)


def test_overdue_late_and_quarantined_returns(warehouse: Warehouse) -> None:
    _publish(warehouse, {"published_at": "2019-04-20T00:00:00+00:00"})
    report = monitor(warehouse, now=dt.datetime(2019, 4, 20, 8, tzinfo=UTC))
    subjects = {(f.kind, f.subject) for f in report.findings}
    assert ("MISSING", "police E23000001 victims 2019-02") in subjects
    for source, submitter, part in RETURNS:  # nothing at all arrived for March
        assert ("MISSING", f"{source} {submitter} {part} 2019-03") in subjects
    assert ("LATE", "cps CPS main 2019-01") in subjects
    quarantined = [f for f in report.findings if f.kind == "QUARANTINED"]
    assert [f.subject for f in quarantined] == ["glaa GLAA main 2019-02"]
    assert "worker_ref is required" in quarantined[0].detail
    assert report.counts["MISSING"] == 6 and report.counts["LATE"] == 1 and report.counts["STALE_MARTS"] == 0


def test_returns_not_yet_due_are_not_missing(warehouse: Warehouse) -> None:
    _publish(warehouse, {"published_at": "2019-03-10T00:00:00+00:00"})
    report = monitor(warehouse, now=dt.datetime(2019, 3, 10, 8, tzinfo=UTC))
    assert not [f for f in report.findings if f.kind == "MISSING"]


def test_old_lateness_is_not_repeated_every_day(warehouse: Warehouse) -> None:
    _publish(warehouse, {"published_at": "2019-09-20T00:00:00+00:00"})
    report = monitor(warehouse, now=dt.datetime(2019, 9, 20, 8, tzinfo=UTC), policy=MonitorPolicy(lookback_months=3))
    assert report.counts["LATE"] == 0 and report.counts["QUARANTINED"] == 0
    assert report.counts["MISSING"] > 0


def test_blocked_publish_and_stale_marts_are_critical(warehouse: Warehouse) -> None:
    _publish(
        warehouse,
        {
            "published_at": "2019-04-01T00:00:00+00:00",
            "last_attempt": {"at": "2019-04-19T06:00:00+00:00", "published": False, "failures": ["fct_victims: x"]},
        },
    )
    report = monitor(warehouse, now=dt.datetime(2019, 4, 20, 8, tzinfo=UTC))
    kinds = [f.kind for f in report.findings]
    assert kinds[:2] == ["GATE_FAILED", "STALE_MARTS"]
    assert "fct_victims: x" in report.findings[0].detail
    alert = report.alert(listed=3)
    assert alert is not None and alert.severity == "critical"
    assert len(alert.details) == 4 and "more" in alert.details[-1]
    assert "1 gate failed" in alert.title and "6 missing" in alert.title


def test_accepted_returns_waiting_for_publish_make_marts_stale() -> None:
    now = dt.datetime(2019, 4, 20, 12, tzinfo=UTC)
    policy = MonitorPolicy()
    published = {"published_at": "2019-04-20T01:00:00+00:00"}
    assert check_publish(published, dt.datetime(2019, 4, 20, 2, tzinfo=UTC), now, policy) == []
    waiting = check_publish(published, dt.datetime(2019, 4, 20, 9, tzinfo=UTC), now, policy)
    assert [f.kind for f in waiting] == ["STALE_MARTS"] and "not published yet" in waiting[0].detail
    never = check_publish(None, dt.datetime(2019, 4, 20, 9, tzinfo=UTC), now, policy)
    assert [f.detail for f in never] == ["never published, though returns were accepted"]


def test_healthy_warehouse_gives_no_alert(tmp_path: Path) -> None:
    wh = Warehouse.at(tmp_path / "w").ensure()
    ledger = Ledger(wh.ledger_db)
    with ledger.connect() as con:
        for source, submitter, part in RETURNS:
            _version(con, source, submitter, part, dt.date(2019, 1, 1), "ACCEPTED", dt.datetime(2019, 2, 1, 9))
    _publish(wh, {"published_at": "2019-02-02T00:00:00+00:00"})
    report = monitor(wh, now=dt.datetime(2019, 2, 3, tzinfo=UTC))
    assert report.healthy and report.alert() is None


def test_empty_warehouse_reports_no_data(tmp_path: Path) -> None:
    report = monitor(Warehouse.at(tmp_path / "nothing"), now=dt.datetime(2019, 2, 3, tzinfo=UTC))
    assert [f.kind for f in report.findings] == ["NO_DATA"]


def test_report_round_trips_through_xcom_json() -> None:
    report = MonitorReport(
        dt.datetime(2019, 2, 3, tzinfo=UTC), "/w", (Finding("LATE", "cps CPS main 2019-01", "late"),), {"LATE": 1}
    )
    assert MonitorReport.from_dict(json.loads(json.dumps(report.as_dict()))) == report
