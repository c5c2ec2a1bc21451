"""Daily checks of a warehouse: overdue and late returns, quarantined returns, stale marts, a blocked publish.

A return is due by the end of its source's due day (``Source.due_day``, the 15th for every agency today) of the month
after its reporting month (docs/returns.md). The monitor knows
which returns to expect from the ledger (``msdw.status.return_status``), and also expects every known submitter's
returns for the months after the latest month seen whose deadline has passed: when nothing arrives at all, that is
the first thing to hear about.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from msdw.alerts import Alert
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse

# most urgent first
KINDS = ("GATE_FAILED", "STALE_MARTS", "NO_DATA", "MISSING", "RELEASE_DUE", "LATE", "QUARANTINED", "ANOMALY")
DUE_DAYS = {s.name: s.due_day for s in SOURCES}
DEADLINE_DAY = max(DUE_DAYS.values())  # every source's returns for a month are due by this day


@dataclass(frozen=True)
class MonitorPolicy:
    """How strict the checks are; :meth:`from_env` reads ``MSDW_MONITOR_*``."""

    lookback_months: int = 3
    marts_max_age: dt.timedelta = dt.timedelta(hours=36)
    publish_grace: dt.timedelta = dt.timedelta(hours=2)
    release_grace: dt.timedelta = dt.timedelta(days=7)  # after a quarter's last return was due
    listed: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MonitorPolicy:
        env = os.environ if env is None else env
        default = cls()
        return cls(
            lookback_months=int(env.get("MSDW_MONITOR_LOOKBACK_MONTHS", default.lookback_months)),
            marts_max_age=dt.timedelta(hours=float(env.get("MSDW_MONITOR_MARTS_MAX_AGE_HOURS", 36))),
            publish_grace=dt.timedelta(hours=float(env.get("MSDW_MONITOR_PUBLISH_GRACE_HOURS", 2))),
            release_grace=dt.timedelta(days=float(env.get("MSDW_MONITOR_RELEASE_GRACE_DAYS", 7))),
        )


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}" + (f": {self.detail}" if self.detail else "")


@dataclass(frozen=True)
class MonitorReport:
    checked_at: dt.datetime
    warehouse: str
    findings: tuple[Finding, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "warehouse": self.warehouse,
            "healthy": self.healthy,
            "counts": dict(self.counts),
            "findings": [{"kind": f.kind, "subject": f.subject, "detail": f.detail} for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MonitorReport:
        """The report back from :meth:`as_dict` (as passed between Airflow tasks)."""
        return cls(
            checked_at=dt.datetime.fromisoformat(data["checked_at"]),
            warehouse=data["warehouse"],
            findings=tuple(Finding(**f) for f in data["findings"]),
            counts=dict(data["counts"]),
        )

    def alert(self, listed: int = 20) -> Alert | None:
        """One alert summarising the findings (None when healthy); at most ``listed`` findings spelled out."""
        if self.healthy:
            return None
        summary = ", ".join(f"{n} {kind.lower().replace('_', ' ')}" for kind, n in self.counts.items() if n)
        critical = any(f.kind in ("GATE_FAILED", "STALE_MARTS") for f in self.findings)
        details = [str(f) for f in self.findings[:listed]]
        if len(self.findings) > listed:
            details.append(
                f"... and {len(self.findings) - listed} more: run `msdw status --warehouse {self.warehouse}`"
            )
        return Alert(
            title=f"monitor_returns: {summary}",
            severity="critical" if critical else "warning",
            source="monitor_returns",
            details=tuple(details),
        )


def deadline(month: dt.date, due_day: int = DEADLINE_DAY) -> dt.datetime:
    """The first moment a return for ``month`` is late: the day after the due day of the next month, 00:00 UTC."""
    year, index = divmod(month.year * 12 + month.month, 12)
    return dt.datetime(year, index + 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=due_day)


def add_months(month: dt.date, n: int) -> dt.date:
    year, index = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(year, index + 1, 1)


def last_due_month(now: dt.datetime) -> dt.date:
    """The latest reporting month whose returns were due before ``now``."""
    month = add_months(dt.date(now.year, now.month, 1), -1)
    while deadline(month) > now:
        month = add_months(month, -1)
    return month


def _due_day(month: dt.date, source: str) -> dt.date:
    return (deadline(month, DUE_DAYS.get(source, DEADLINE_DAY)) - dt.timedelta(days=1)).date()


def _month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def check_returns(rows: list[tuple], now: dt.datetime, policy: MonitorPolicy) -> list[Finding]:
    """Findings from ``return_status`` rows (month, source, submitter, part, status, versions, last_errors, ...)."""
    findings: list[Finding] = []
    due_until = last_due_month(now)
    recent_from = add_months(dt.date(now.year, now.month, 1), -policy.lookback_months)
    expected: set[tuple[str, str, str]] = set()
    latest_seen: dt.date | None = None
    for month, source, submitter, part, status, _versions, errors, *_ in rows:
        month = month if isinstance(month, dt.date) else dt.date.fromisoformat(str(month))
        expected.add((source, submitter, part))
        latest_seen = month if latest_seen is None else max(latest_seen, month)
        subject = f"{source} {submitter} {part} {_month_label(month)}"
        if status == "MISSING" and month <= due_until:
            findings.append(Finding("MISSING", subject, f"was due by {_due_day(month, source):%Y-%m-%d}"))
        elif status == "LATE" and month >= recent_from:
            findings.append(Finding("LATE", subject, "first received after its deadline"))
        elif status == "QUARANTINED" and month >= recent_from:
            findings.append(Finding("QUARANTINED", subject, _first_error(errors)))
    if latest_seen is not None:
        month = add_months(latest_seen, 1)
        while month <= due_until:
            for source, submitter, part in sorted(expected):
                findings.append(
                    Finding(
                        "MISSING",
                        f"{source} {submitter} {part} {_month_label(month)}",
                        f"was due by {_due_day(month, source):%Y-%m-%d}; nothing received",
                    )
                )
            month = add_months(month, 1)
    return findings


def _first_error(errors: object) -> str:
    if not errors:
        return "every version was quarantined"
    text = str(errors)
    try:
        parsed = json.loads(text)
        if isinstance(parsed, list) and parsed:
            text = str(parsed[0])
    except ValueError:
        pass
    return text if len(text) <= 200 else text[:197] + "..."


def check_publish(
    record: Mapping[str, Any] | None,
    last_accepted: dt.datetime | None,
    now: dt.datetime,
    policy: MonitorPolicy,
) -> list[Finding]:
    """Findings from ``publish.json`` and the time the latest return version was accepted."""
    findings: list[Finding] = []
    record = record or {}
    attempt = record.get("last_attempt") or {}
    if attempt and not attempt.get("published", True):
        failures = attempt.get("failures") or ["no reason recorded"]
        findings.append(
            Finding("GATE_FAILED", f"publish attempt at {attempt.get('at', '?')}", "; ".join(map(str, failures[:3])))
        )
    published_at = _parse_time(record.get("published_at"))
    if published_at is None:
        if last_accepted is not None:
            findings.append(Finding("STALE_MARTS", "marts.duckdb", "never published, though returns were accepted"))
        return findings
    age = now - published_at
    if age > policy.marts_max_age:
        findings.append(
            Finding(
                "STALE_MARTS", "marts.duckdb", f"last published {published_at:%Y-%m-%d %H:%M} UTC, {_hours(age)} ago"
            )
        )
    elif last_accepted is not None and last_accepted - published_at > policy.publish_grace:
        findings.append(
            Finding(
                "STALE_MARTS",
                "marts.duckdb",
                f"returns accepted at {last_accepted:%Y-%m-%d %H:%M} UTC are not published yet "
                f"(last publish {published_at:%Y-%m-%d %H:%M} UTC)",
            )
        )
    return findings


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 72 else f"{hours / 24:.0f} days"


def _parse_time(value: object) -> dt.datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def check_release(warehouse: Warehouse, rows: list[tuple], now: dt.datetime, policy: MonitorPolicy) -> list[Finding]:
    """A finding when the statistics release of the latest quarter due (``policy.release_grace`` after its last
    return was due) has not been made (``msdw release``)."""
    from msdw.release.vintages import due_release

    first = min((row[0] for row in rows), default=None)
    due = due_release(warehouse, first, now - policy.release_grace) if first is not None else None
    if due is None:
        return []
    return [Finding("RELEASE_DUE", f"release {due}", f"not made: run `msdw release --warehouse {warehouse.root}`")]


def check_anomalies(warehouse: Warehouse, now: dt.datetime, policy: MonitorPolicy) -> list[Finding]:
    """Accepted returns of the last ``lookback_months`` whose rows break from their submitter's history
    (``msdw.receipts.anomalies``: the thresholds are set there)."""
    from msdw.receipts.anomalies import anomalies, latest

    recent_from = add_months(dt.date(now.year, now.month, 1), -policy.lookback_months)
    return [
        Finding("ANOMALY", f"{a.source} {a.submitter} {a.part} {_month_label(a.month)}", a.message)
        for a in latest(anomalies(warehouse))
        if a.month >= recent_from
    ]


def last_accepted_at(warehouse: Warehouse) -> dt.datetime | None:
    """When the latest return version was accepted into the raw zone (UTC), or None."""
    from msdw.ledger import Ledger

    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        (value,) = con.execute("select max(processed_at) from versions where status = 'ACCEPTED'").fetchone()
    return _parse_time(value)


def monitor(warehouse: Warehouse, now: dt.datetime | None = None, policy: MonitorPolicy | None = None) -> MonitorReport:
    """Run every check on ``warehouse``; reads only (the ledger and ``publish.json``)."""
    from msdw.publish import read_publish_record
    from msdw.status import return_status

    now = now or dt.datetime.now(dt.UTC)
    policy = policy or MonitorPolicy()
    if not warehouse.ledger_db.exists():
        findings = [Finding("NO_DATA", os.fspath(warehouse.root), "no ledger: no return has been ingested yet")]
    else:
        rows = return_status(warehouse)
        findings = check_returns(rows, now, policy)
        findings += check_publish(read_publish_record(warehouse), last_accepted_at(warehouse), now, policy)
        findings += check_release(warehouse, rows, now, policy)
        findings += check_anomalies(warehouse, now, policy)
    findings.sort(key=lambda f: (KINDS.index(f.kind), f.subject))
    counts = {kind: sum(1 for f in findings if f.kind == kind) for kind in KINDS}
    return MonitorReport(now, os.fspath(warehouse.root), tuple(findings), counts)
