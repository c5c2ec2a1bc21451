"""What the ledger says: per-run summaries and the state of every expected return."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from msdw.ledger import Ledger
from msdw.warehouse import Warehouse

# Expected returns: every police force that has submitted, both parts; one main return a month from the others;
# from the first month seen to the latest month seen (returns.md, "The inbox").
RETURN_STATUS_SQL = """
with versions as (select * from versions where status <> 'PENDING'),
months as (
    select unnest(generate_series(min(month), max(month), interval 1 month))::date as month from versions
),
submitters as (
    select 'police' as source, submitter, p as part
    from (select distinct submitter from versions where source = 'police'), (values ('operations'), ('victims')) t(p)
    union all
    select * from (values ('glaa', 'GLAA', 'main'), ('border_force', 'BF', 'main'), ('cps', 'CPS', 'main')) f(s, m, p)
),
expected as (select distinct m.month, s.source, s.submitter, s.part from months m, submitters s),
per_return as (
    select source, submitter, month, part,
           count(*) as versions_received,
           max(version) filter (where status = 'ACCEPTED') as accepted_version,
           min(received_at) as first_received_at,
           arg_max(errors, version) as last_errors
    from versions group by all
)
select e.month, e.source, e.submitter, e.part,
       case when r.versions_received is null then 'MISSING'
            when r.accepted_version is null then 'QUARANTINED'
            when r.first_received_at >= e.month + interval 1 month + interval 15 day then 'LATE'
            else 'ACCEPTED' end as status,
       coalesce(r.versions_received, 0) as versions_received,
       r.last_errors
from expected e left join per_return r using (source, submitter, month, part)
order by e.month, e.source, e.submitter, e.part
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
        statuses = dict(con.execute(f"select status, count(*) from ({RETURN_STATUS_SQL}) group by 1").fetchall())
    summary.late = statuses.get("LATE", 0)
    summary.missing = statuses.get("MISSING", 0)
    return summary


def return_status(warehouse: Warehouse) -> list[tuple]:
    ledger = Ledger(warehouse.ledger_db)
    with ledger.connect(read_only=True) as con:
        return con.execute(RETURN_STATUS_SQL).fetchall()
