"""What the ledger says: per-run summaries and the state of every expected return."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jinja2

from msdw.ledger import Ledger
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse

RULE_MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "return_status.sql"


def _kinds_sql() -> str:
    """Every kind of return the descriptions name: (source, agency_code, part, fixed_submitter, due_day)."""
    rows = ", ".join(
        f"('{s.name}', '{s.agency_code}', '{f.part}', {repr(f.submitter) if f.submitter else 'null'}, {s.due_day})"
        for s in SOURCES
        for f in s.files
    )
    return f"select * from (values {rows}) as kinds (source, agency_code, part, fixed_submitter, due_day)"


def _known_sql() -> str:
    """The codes that may name a submitter in the paths, per source (dbt's ``int_submitter_codes``)."""
    rows = ", ".join(
        "('{}', '{}')".format(s.name, code.replace("'", "''"))
        for s in SOURCES
        for code in sorted(s.submitter_codes() or ())
    )
    if not rows:
        return "select cast(null as varchar) as source, cast(null as varchar) as submitter_code limit 0"
    return f"select * from (values {rows}) as known (source, submitter_code)"


@cache
def return_status_sql() -> str:
    """The state of every expected return, over the ledger's ``versions`` table: the rule of
    ``dbt_project/macros/return_status.sql`` (which dbt's ``mart_return_status`` also follows) rendered here."""
    rule = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(RULE_MACROS.read_text()).module
    status = rule.return_status(
        "r.accepted_version is not null", "r.versions_received", "r.first_received_at", "e.due_at"
    )
    return f"""
with versions as (select * from versions where status <> 'PENDING'),
returns as (select source, submitter as submitter_code, month, part from versions),
kinds as ({_kinds_sql()}),
known as ({_known_sql()}),
expected as ({rule.expected_returns("returns", "kinds", "known")}),
per_return as (
    select source, submitter, month, part,
           count(*) as versions_received,
           max(version) filter (where status = 'ACCEPTED') as accepted_version,
           min(received_at) as first_received_at,
           arg_max(errors, version) as last_errors
    from versions group by all
)
select e.month, e.source, e.submitter_code as submitter, e.part,
       {status} as status,
       coalesce(r.versions_received, 0) as versions_received,
       r.last_errors
from expected e left join per_return r
    on e.source = r.source and e.submitter_code = r.submitter and e.month = r.month and e.part = r.part
order by e.month, e.source, e.submitter_code, e.part
"""


@dataclass
class RunSummary:
    accepted: int = 0
    revised: int = 0
    quarantined: int = 0
    duplicates: int = 0
    rejected: int = 0
    late: int = 0
    missing: int = 0
    rows: int = 0
    quarantine_reasons: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[str] = field(default_factory=list)


def run_summary(warehouse: Warehouse, run_id: str) -> RunSummary:
    ledger = Ledger(warehouse.ledger_db)
    counts = ledger.summary(run_id)
    summary = RunSummary(
        accepted=counts["accepted"],
        revised=counts["revised"],
        quarantined=counts["quarantined"],
        duplicates=counts["duplicates"],
        rejected=counts["rejected"],
    )
    with ledger.connect(read_only=True) as con:
        (summary.rows,) = con.execute(
            "select coalesce(sum(rows), 0) from versions where run_id = ? and status = 'ACCEPTED'", [run_id]
        ).fetchone()
        for path, version, errors in con.execute(
            "select original_path, version, errors from versions where run_id = ? and status = 'QUARANTINED'"
            " order by original_path",
            [run_id],
        ).fetchall():
            summary.quarantine_reasons[f"{path} (v{version})"] = json.loads(errors or "[]")
        summary.rejections = [
            f"{p}: {r}"
            for p, r in con.execute(
                "select path, reason from sightings where run_id = ? and outcome = 'REJECTED' order by path", [run_id]
            ).fetchall()
        ]
        statuses = dict(con.execute(f"select status, count(*) from ({return_status_sql()}) group by 1").fetchall())
    summary.late = statuses.get("LATE", 0)
    summary.missing = statuses.get("MISSING", 0)
    return summary


def return_status(warehouse: Warehouse) -> list[tuple]:
    ledger = Ledger(warehouse.ledger_db)
    with ledger.connect(read_only=True) as con:
        return con.execute(return_status_sql()).fetchall()
