"""A small hand-made ``marts.duckdb`` whose every figure is known, following warehouse.md.

Three months (2019-01 to 2019-03), three police forces (Met, Kent, Cumbria), GLAA, Border Force and the CPS.
Nine victim records of six persons: A (Met, then Kent), B (Met, then Border Force), C (Met), D (Kent and GLAA),
E (GLAA) and F (Border Force). Tables are created with the columns and types the dbt model contracts declare
(``dbt_project/models/marts/_marts__models.yml``); a column a row leaves out is null.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import duckdb

from msdw.report.contract import published_tables

MET, KENT, CUMBRIA = "E23000001", "E23000032", "E23000002"
OP1, OP2, OPK1 = f"{MET}:OP1", f"{MET}:OP2", f"{KENT}:OPK1"
JAN, FEB, MAR = dt.date(2019, 1, 1), dt.date(2019, 2, 1), dt.date(2019, 3, 1)
PERSONS = {p: f"pid-{p.lower()}7f3a9c{n}" for n, p in enumerate("ABCDEF")}


def _identification(iid: str, person: str, agency: str, submitter: str, force: str, month: dt.date, **kw) -> dict:
    return {
        "identification_id": iid,
        "person_id": PERSONS[person],
        "agency_code": agency,
        "submitter_code": submitter,
        "force_code": force,
        "month": month,
        "identified_date": month + dt.timedelta(days=9),
        **kw,
    }


def _victim(iid: str, person: str, force: str, month: dt.date, **kw) -> dict:
    return _identification(f"POLICE:{force}:{iid}", person, "POLICE", force, force, month, dtn_submitted=False, **kw)


IDENTIFICATIONS = [
    _victim("MET-V-1", "A", MET, JAN, nationality_code="GBR", gender="FEMALE", age_group="CHILD",
            exploitation_type="CRIMINAL", nrm_referred=True, crime_recorded=True, operation_id=OP1),
    _victim("MET-V-2", "B", MET, JAN, nationality_code="ALB", gender="FEMALE", age_group="ADULT",
            exploitation_type="SEXUAL", nrm_referred=True, crime_recorded=False, operation_id=OP1),
    _victim("MET-V-3", "C", MET, FEB, nationality_code="VNM", gender="MALE", age_group="CHILD",
            exploitation_type="CRIMINAL", nrm_referred=True, crime_recorded=True),
    _identification("POLICE:E23000032:KENT-V-1", "D", "POLICE", KENT, KENT, FEB, nationality_code="GBR",
                    gender="MALE", age_group="ADULT", exploitation_type="LABOUR", nrm_referred=False,
                    dtn_submitted=True, crime_recorded=False, operation_id=OPK1),
    _victim("KENT-V-2", "A", KENT, MAR, nationality_code="GBR", gender="FEMALE", age_group="CHILD",
            exploitation_type="CRIMINAL", nrm_referred=True, crime_recorded=False),
    _identification("GLAA:GLAA:GLAA-W-1", "D", "GLAA", "GLAA", KENT, FEB, nationality_code="GBR", gender="MALE",
                    age_group="ADULT", exploitation_type="LABOUR", nrm_referred=False, dtn_submitted=True),
    _identification("GLAA:GLAA:GLAA-W-2", "E", "GLAA", "GLAA", CUMBRIA, MAR, nationality_code="UNK", gender="MALE",
                    age_group="UNKNOWN", exploitation_type="LABOUR", nrm_referred=True, dtn_submitted=False),
    _identification("BORDER_FORCE:BF:BF-2019-000001", "F", "BORDER_FORCE", "BF", KENT, JAN, nationality_code="ALB",
                    gender="FEMALE", age_group="CHILD", exploitation_type="SEXUAL", nrm_referred=True),
    _identification("BORDER_FORCE:BF:BF-2019-000002", "B", "BORDER_FORCE", "BF", KENT, MAR, nationality_code="ALB",
                    gender="FEMALE", age_group="ADULT", exploitation_type="SEXUAL", nrm_referred=True),
]  # fmt: skip


def _person(p: str, month: dt.date, agency: str, agencies: int, records: int, nationality: str, gender: str,
            age_group: str, exploitation: str, nrm: bool, crime: bool) -> dict:  # fmt: skip
    return {
        "person_id": PERSONS[p],
        "first_identified_month": month,
        "first_identified_date": month + dt.timedelta(days=9),
        "first_agency_code": agency,
        "agencies_count": agencies,
        "identifications_count": records,
        "nationality_code": nationality,
        "gender": gender,
        "age_group": age_group,
        "exploitation_type": exploitation,
        "ever_nrm_referred": nrm,
        "ever_crime_recorded": crime,
    }


VICTIMS = [
    _person("A", JAN, "POLICE", 1, 2, "GBR", "FEMALE", "CHILD", "CRIMINAL", True, True),
    _person("B", JAN, "POLICE", 2, 2, "ALB", "FEMALE", "ADULT", "SEXUAL", True, False),
    _person("C", FEB, "POLICE", 1, 1, "VNM", "MALE", "CHILD", "CRIMINAL", True, True),
    _person("D", FEB, "POLICE", 2, 2, "GBR", "MALE", "ADULT", "LABOUR", False, False),
    _person("E", MAR, "GLAA", 1, 1, "UNK", "MALE", "UNKNOWN", "LABOUR", True, False),
    _person("F", JAN, "BORDER_FORCE", 1, 1, "ALB", "FEMALE", "CHILD", "SEXUAL", True, False),
]

OPERATIONS = [
    {"operation_id": OP1, "force_code": MET, "operation_ref": "OP1", "lead_agency": "POLICE",
     "opened_date": dt.date(2018, 12, 10), "status": "SUSPENDED", "primary_exploitation": "CRIMINAL",
     "potential_victims": 5, "suspects": 3, "arrests": 4, "charges": 2, "first_reported_month": JAN,
     "last_reported_month": MAR, "months_reported": 3},
    {"operation_id": OPK1, "force_code": KENT, "operation_ref": "OPK1", "lead_agency": "GLAA",
     "opened_date": dt.date(2019, 2, 1), "closed_date": dt.date(2019, 3, 20), "status": "CLOSED",
     "primary_exploitation": "LABOUR", "potential_victims": 2, "suspects": 1, "arrests": 1, "charges": 1,
     "first_reported_month": FEB, "last_reported_month": MAR, "months_reported": 2},
    {"operation_id": OP2, "force_code": MET, "operation_ref": "OP2", "lead_agency": "POLICE",
     "opened_date": dt.date(2019, 3, 5), "status": "LIVE", "primary_exploitation": "SEXUAL",
     "potential_victims": 0, "suspects": 0, "arrests": 0, "charges": 0, "first_reported_month": MAR,
     "last_reported_month": MAR, "months_reported": 1},
]  # fmt: skip

OPERATION_MONTHS = [
    {"operation_id": op, "month": m, "force_code": op.split(":")[0], "status": s, "arrests": a, "charges": c}
    for op, m, s, a, c in [
        (OP1, JAN, "LIVE", 2, 1),
        (OP1, FEB, "LIVE", 1, 0),
        (OP1, MAR, "SUSPENDED", 1, 1),
        (OPK1, FEB, "LIVE", 1, 1),
        (OPK1, MAR, "CLOSED", 0, 0),
        (OP2, MAR, "LIVE", 0, 0),
    ]
]

PROSECUTIONS = [
    {"case_urn": "01MP0001019", "defendant_ref": "D1", "month": FEB, "cps_area": 4, "force_code": MET,
     "operation_id": OP1, "principal_offence": "MSA_S2", "finalised_date": dt.date(2019, 2, 21),
     "outcome": "CONVICTED_GUILTY_PLEA", "convicted": True, "custodial_sentence_months": 48, "victims_in_case": 2,
     "stpo_made": True, "confiscation_order_gbp": Decimal("12000.00")},
    {"case_urn": "01MP0001019", "defendant_ref": "D2", "month": MAR, "cps_area": 4, "force_code": MET,
     "operation_id": OP1, "principal_offence": "MSA_S2", "finalised_date": dt.date(2019, 3, 11),
     "outcome": "ACQUITTED", "convicted": False, "victims_in_case": 2, "stpo_made": False},
    {"case_urn": "46KE0002219", "defendant_ref": "D1", "month": MAR, "cps_area": 9, "force_code": KENT,
     "operation_id": OPK1, "principal_offence": "MSA_S1", "finalised_date": dt.date(2019, 3, 28),
     "outcome": "DISCONTINUED", "convicted": False, "victims_in_case": 1, "stpo_made": False},
]  # fmt: skip

_SUMMARY_COLUMNS = (
    "victims_identified", "nrm_referrals", "dtn_submissions", "operations_live", "operations_opened", "arrests",
    "charges", "defendants_finalised", "convictions", "inspections", "money_recovered_gbp",
)  # fmt: skip
MONTHLY_SUMMARY = [
    {"month": month, "agency_code": agency, **dict(zip(_SUMMARY_COLUMNS, figures, strict=True))}
    for month, agency, figures in [
        (JAN, "POLICE", (2, 2, 0, 1, 0, 2, 1, 0, 0, 0, Decimal(0))),
        (FEB, "POLICE", (2, 1, 1, 2, 1, 2, 1, 0, 0, 0, Decimal(0))),
        (MAR, "POLICE", (1, 1, 0, 2, 1, 1, 1, 0, 0, 0, Decimal(0))),
        (JAN, "GLAA", (0, 0, 0, 0, 0, 0, 0, 0, 0, 3, Decimal(0))),
        (FEB, "GLAA", (1, 0, 1, 0, 0, 1, 0, 0, 0, 2, Decimal("1500.50"))),
        (MAR, "GLAA", (1, 1, 0, 0, 0, 0, 0, 0, 0, 4, Decimal("250.00"))),
        (JAN, "BORDER_FORCE", (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, Decimal(0))),
        (FEB, "BORDER_FORCE", (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Decimal(0))),
        (MAR, "BORDER_FORCE", (1, 1, 0, 0, 0, 0, 0, 0, 0, 0, Decimal(0))),
        (JAN, "CPS", (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Decimal(0))),
        (FEB, "CPS", (0, 0, 0, 0, 0, 0, 0, 1, 1, 0, Decimal(0))),
        (MAR, "CPS", (0, 0, 0, 0, 0, 0, 0, 2, 0, 0, Decimal(0))),
    ]
]

CRIME_RECORDING = [
    {"month": JAN, "force_code": MET, "nrm_referrals": 2, "with_crime_recorded": 1, "compliance_rate": 0.5},
    {"month": FEB, "force_code": MET, "nrm_referrals": 1, "with_crime_recorded": 1, "compliance_rate": 1.0},
    {"month": FEB, "force_code": KENT, "nrm_referrals": 0, "with_crime_recorded": 0, "compliance_rate": None},
    {"month": MAR, "force_code": KENT, "nrm_referrals": 1, "with_crime_recorded": 0, "compliance_rate": 0.0},
]

_PATHWAY_COLUMNS = (
    "persons_identified", "persons_nrm_referred", "persons_crime_recorded", "persons_in_prosecuted_operation",
    "persons_in_convicted_operation",
)  # fmt: skip
VICTIM_PATHWAY = [
    {"year": 2019, "exploitation_type": kind, **dict(zip(_PATHWAY_COLUMNS, figures, strict=True))}
    for kind, figures in [("CRIMINAL", (2, 2, 2, 1, 1)), ("SEXUAL", (2, 2, 0, 1, 1)), ("LABOUR", (2, 1, 0, 1, 0))]
]


def _return(month: dt.date, source: str, submitter: str, part: str, status: str, rows: int = 0, **kw) -> dict:
    due = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 16)
    received = None if status == "MISSING" else due - dt.timedelta(days=3 if status != "LATE" else -4)
    return {
        "month": month,
        "source": source,
        "submitter": submitter,
        "part": part,
        "status": status,
        "versions_received": 0 if status == "MISSING" else 1,
        "accepted_sha256": None
        if status in ("MISSING", "QUARANTINED")
        else hashlib.sha256(f"{month}{submitter}{part}".encode()).hexdigest(),
        "received_at": received,
        "first_received_at": received,
        "due_at": due,
        "rows_accepted": None if status in ("MISSING", "QUARANTINED") else rows,
        "warnings": None if status in ("MISSING", "QUARANTINED") else 0,
        **kw,
    }


_QUARANTINE_REASON = "Workers: worker_ref is required (row 4): fix the row and send the workbook again"
RETURN_STATUS = [
    *(_return(m, "police", MET, "operations", "ACCEPTED", 1 if m != MAR else 2) for m in (JAN, FEB, MAR)),
    _return(JAN, "police", MET, "victims", "ACCEPTED", 2),
    _return(FEB, "police", MET, "victims", "ACCEPTED", 1),
    _return(MAR, "police", MET, "victims", "ACCEPTED", 0),
    _return(JAN, "police", KENT, "operations", "ACCEPTED", 0),
    _return(FEB, "police", KENT, "operations", "ACCEPTED", 1),
    _return(MAR, "police", KENT, "operations", "ACCEPTED", 1),
    _return(JAN, "police", KENT, "victims", "ACCEPTED", 0),
    _return(FEB, "police", KENT, "victims", "LATE", 1),
    _return(MAR, "police", KENT, "victims", "ACCEPTED", 1),
    _return(JAN, "police", CUMBRIA, "operations", "ACCEPTED", 0),
    _return(JAN, "police", CUMBRIA, "victims", "ACCEPTED", 0),
    _return(FEB, "police", CUMBRIA, "operations", "MISSING"),
    _return(FEB, "police", CUMBRIA, "victims", "MISSING"),
    _return(MAR, "police", CUMBRIA, "operations", "LATE", 0),
    _return(MAR, "police", CUMBRIA, "victims", "ACCEPTED", 0),
    _return(JAN, "glaa", "GLAA", "main", "QUARANTINED", last_error=_QUARANTINE_REASON),
    _return(FEB, "glaa", "GLAA", "main", "ACCEPTED", 3),
    _return(MAR, "glaa", "GLAA", "main", "ACCEPTED", 5),
    *(_return(m, "border_force", "BF", "main", "ACCEPTED", n) for m, n in ((JAN, 1), (FEB, 0), (MAR, 1))),
    _return(JAN, "cps", "CPS", "main", "MISSING"),
    _return(FEB, "cps", "CPS", "main", "ACCEPTED", 1),
    _return(MAR, "cps", "CPS", "main", "ACCEPTED", 2),
]

CPS_OUTCOMES = [
    {"year": 2019, "cps_area": 4, "outcome": "CONVICTED_GUILTY_PLEA", "defendants": 1},
    {"year": 2019, "cps_area": 4, "outcome": "ACQUITTED", "defendants": 1},
    {"year": 2019, "cps_area": 9, "outcome": "DISCONTINUED", "defendants": 1},
]

NATIONALITY_PROFILE = [
    {"year": 2018, "nationality_code": "ALB", "victims": 0, "suspects": 3},
    {"year": 2019, "nationality_code": "ALB", "victims": 2, "suspects": 0},
    {"year": 2019, "nationality_code": "GBR", "victims": 2, "suspects": 1},
    {"year": 2019, "nationality_code": "VNM", "victims": 1, "suspects": 0},
    {"year": 2019, "nationality_code": "UNK", "victims": 1, "suspects": 0},
]

DIM_MONTH = [{"month": m, "year": 2019, "quarter": 1, "financial_year": "2018/19"} for m in (JAN, FEB, MAR)]


def _persons_identified(agency: str | None) -> dict:
    """The mart_persons_identified row of ``agency`` (None: all agencies) for the fixture's one financial year."""
    rows = [r for r in IDENTIFICATIONS if agency is None or r["agency_code"] == agency]
    referred = [r for r in rows if r.get("nrm_referred")]
    return {
        "financial_year": "2018/19",
        "agency_code": agency or "ALL",
        "identifications": len(rows),
        "persons": len({r["person_id"] for r in rows}),
        "nrm_referrals": len(referred),
        "persons_nrm_referred": len({r["person_id"] for r in referred}),
    }


PERSONS_IDENTIFIED = [
    _persons_identified(agency) for agency in (*dict.fromkeys(r["agency_code"] for r in IDENTIFICATIONS), None)
]


def _operation_outcomes(operation: dict) -> dict:
    """The mart_operation_outcomes row of one operation (each fixture operation has its own year and type)."""
    cases = [p for p in PROSECUTIONS if p["operation_id"] == operation["operation_id"]]
    convictions = sum(p["convicted"] for p in cases)
    return {
        "opened_year": operation["opened_date"].year,
        "primary_exploitation": operation["primary_exploitation"],
        "operations": 1,
        "arrests": operation["arrests"],
        "charges": operation["charges"],
        "operations_prosecuted": int(bool(cases)),
        "prosecution_cases": len({p["case_urn"] for p in cases}),
        "defendants_finalised": len(cases),
        "convictions": convictions,
        "operations_convicted": int(convictions > 0),
    }


OPERATION_OUTCOMES = [_operation_outcomes(op) for op in OPERATIONS]
DIM_FORCE = [
    {"force_code": MET, "force_name": "Metropolitan Police", "region": "London", "nation": "England",
     "cps_area": 4, "cps_area_name": "London North", "kind": "TERRITORIAL", "rocu_code": None},
    {"force_code": KENT, "force_name": "Kent", "region": "South East", "nation": "England", "cps_area": 9,
     "cps_area_name": "South East", "kind": "TERRITORIAL", "rocu_code": "R-SE"},
    {"force_code": CUMBRIA, "force_name": "Cumbria", "region": "North West", "nation": "England", "cps_area": 8,
     "cps_area_name": "North West", "kind": "TERRITORIAL", "rocu_code": "R-NW"},
]  # fmt: skip
DIM_NATIONALITY = [
    {"nationality_code": "GBR", "alpha2": "GB", "nationality_name": "United Kingdom"},
    {"nationality_code": "ALB", "alpha2": "AL", "nationality_name": "Albania"},
    {"nationality_code": "VNM", "alpha2": "VN", "nationality_name": "Viet Nam"},
    {"nationality_code": "UNK", "alpha2": None, "nationality_name": "Unknown"},
]


def _quality(row: dict) -> dict:
    """The mart_submitter_quality row of a mart_return_status row (rolling rates of the fixture's single quarter)."""
    status = row["status"]
    same = [
        r
        for r in RETURN_STATUS
        if (r["source"], r["submitter"], r["part"]) == (row["source"], row["submitter"], row["part"])
        and r["month"] <= row["month"]
    ]
    received = [r for r in same if r["status"] != "MISSING"]
    return {
        "month": row["month"],
        "source": row["source"],
        "submitter": row["submitter"],
        "part": row["part"],
        "status": status,
        "on_time": status == "ACCEPTED",
        "days_late": {"LATE": 4, "ACCEPTED": 0}.get(status),
        "versions_received": row["versions_received"],
        "accepted_first_time": None if status == "MISSING" else status != "QUARANTINED",
        "rows_accepted": row["rows_accepted"] or 0,
        "warnings": row["warnings"] or 0,
        "anomalies": 1 if (row["submitter"], row["month"], row["part"]) == (KENT, MAR, "operations") else 0,
        "timeliness_rate": sum(r["status"] == "ACCEPTED" for r in same) / len(same),
        "validity_rate": sum(r["status"] != "QUARANTINED" for r in received) / len(received) if received else None,
    }


SUBMITTER_QUALITY = [_quality(row) for row in RETURN_STATUS]


TABLES: dict[str, list[dict]] = {
    "dim_month": DIM_MONTH,
    "dim_force": DIM_FORCE,
    "dim_nationality": DIM_NATIONALITY,
    "fct_victim_identifications": IDENTIFICATIONS,
    "fct_victims": VICTIMS,
    "fct_operations": OPERATIONS,
    "fct_operation_months": OPERATION_MONTHS,
    "fct_prosecutions": PROSECUTIONS,
    "mart_monthly_summary": MONTHLY_SUMMARY,
    "mart_crime_recording": CRIME_RECORDING,
    "mart_victim_pathway": VICTIM_PATHWAY,
    "mart_return_status": RETURN_STATUS,
    "mart_submitter_quality": SUBMITTER_QUALITY,
    "mart_cps_outcomes": CPS_OUTCOMES,
    "mart_nationality_profile": NATIONALITY_PROFILE,
    "mart_persons_identified": PERSONS_IDENTIFIED,
    "mart_operation_outcomes": OPERATION_OUTCOMES,
}


def build_marts(path: Path, tables: dict[str, list[dict]] | None = None) -> Path:
    """Write the fixture ``marts.duckdb`` at ``path``: every published table, typed as the dbt contracts say."""
    contract = published_tables()
    contents = TABLES if tables is None else tables
    with duckdb.connect(os.fspath(path)) as con:
        for name, model in contract.items():
            columns = [c for c in model.columns if c.data_type]
            con.execute(f"create table {name} ({', '.join(f'{c.name} {c.data_type}' for c in columns)})")
            rows = contents.get(name, [])
            for row in rows:
                unknown = set(row) - {c.name for c in columns}
                if unknown:
                    raise ValueError(f"{name} has no columns {sorted(unknown)} in the dbt contract")
            if rows:
                names = [c.name for c in columns]
                placeholders = ", ".join("?" for _ in names)
                con.executemany(
                    f"insert into {name} ({', '.join(names)}) values ({placeholders})",
                    [[row.get(n) for n in names] for row in rows],
                )
    return path
