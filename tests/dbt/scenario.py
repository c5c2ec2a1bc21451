"""A tiny raw zone with one case of each definition the marts depend on (see test_marts.py for what each shows)."""

from __future__ import annotations

import datetime as dt

from rawzone_builder import RawZone

MET = "E23000001"
CUMBRIA = "E23000002"
KENT = "E23000032"


def at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour)


def d(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


def person(given: str, family: str, dob: str | None, age: int | None, age_source: str | None = None) -> dict:
    return {
        "given_name_key": given,
        "family_name_key": family,
        "dob_key": dob,
        "age_at_identification": age,
        "age_source": age_source or ("DATE_OF_BIRTH" if dob else ("ESTIMATE" if age is not None else None)),
    }


def operation(ref: str, force: str, status: str, opened: str, **extra: object) -> dict:
    row = {
        "operation_ref": ref,
        "force_code": force,
        "lead_agency": "POLICE",
        "opened_date": d(opened),
        "status": status,
        "primary_exploitation": "LABOUR",
        "potential_victims": 1,
        "suspects": 0,
        "arrests": 0,
        "charges": 0,
    }
    row.update(extra)
    return row


def build(zone: RawZone) -> None:
    """Three months, 2019-01 to 2019-03."""
    # Met operations, January: version 1 is revised by version 2, which replaces it completely.
    zone.add(
        "police",
        MET,
        "2019-01",
        "operations",
        at("2019-02-05"),
        {
            "police_operations": [
                operation("OP1", MET, "LIVE", "2018-12-10", arrests=9),
                operation("OP9", MET, "LIVE", "2019-01-02", arrests=9),
            ]
        },
    )
    zone.add(
        "police",
        MET,
        "2019-01",
        "operations",
        at("2019-02-10"),
        {
            "police_operations": [
                operation(
                    "OP1",
                    MET,
                    "LIVE",
                    "2018-12-10",
                    arrests=1,
                    suspects=3,
                    suspect_nationalities=[
                        {"nationality_code": "ALB", "suspects": 2},
                        {"nationality_code": "GBR", "suspects": 1},
                    ],
                ),
                operation("OP2", MET, "SUSPENDED", "2019-01-05", arrests=2),
                operation("OP3", MET, "CLOSED", "2018-06-01", closed_date=d("2019-01-20"), charges=1),
                operation("OP4", MET, "LIVE", "2019-01-15"),
            ]
        },
    )
    zone.add(
        "police",
        MET,
        "2019-02",
        "operations",
        at("2019-03-01"),
        {
            "police_operations": [
                operation("OP1", MET, "CLOSED", "2018-12-10", closed_date=d("2019-02-10"), charges=2, suspects=4),
                operation("OP2", MET, "SUSPENDED", "2019-01-05"),
                operation("OP4", MET, "LIVE", "2019-01-15", arrests=1),
            ]
        },
    )
    # Met operations for March never arrive: MISSING.
    zone.add(
        "police",
        MET,
        "2019-01",
        "victims",
        at("2019-02-05"),
        {
            "police_victims": [
                {
                    "victim_ref": "V1",
                    "operation_ref": "OP1",
                    "gender": "FEMALE",
                    "nationality": "ALB",
                    "exploitation_type": "SEXUAL",
                    "identified_date": d("2019-01-10"),
                    "nrm_referred": True,
                    "nrm_referral_date": d("2019-01-11"),
                    "crime_recorded": True,
                    "crime_reference": "CR1",
                    **person("g-anna", "f-hoxha", "dob-2002-05-01", 16),
                },
                {
                    "victim_ref": "V2",
                    "gender": "MALE",
                    "nationality": "GBR",
                    "exploitation_type": "CRIMINAL",
                    "identified_date": d("2019-01-12"),
                    "nrm_referred": True,
                    "nrm_referral_date": d("2019-01-12"),
                    "crime_recorded": False,
                    **person("g-ben", "f-smith", None, None),
                },
                {
                    "victim_ref": "V3",
                    "operation_ref": "OP2",
                    "gender": "MALE",
                    "nationality": "VNM",
                    "exploitation_type": "LABOUR",
                    "identified_date": d("2019-01-20"),
                    "nrm_referred": False,
                    "dtn_submitted": True,
                    "crime_recorded": False,
                    **person("g-minh", "f-nguyen", "dob-1989-01-01", 30),
                },
            ]
        },
    )
    # Met victims for February arrive on 20 March, after the due date (end of 15 March): LATE.
    zone.add(
        "police",
        MET,
        "2019-02",
        "victims",
        at("2019-03-20"),
        {
            "police_victims": [
                {
                    "victim_ref": "V4",
                    "operation_ref": "OP4",
                    "gender": "FEMALE",
                    "nationality": "GBR",
                    "exploitation_type": "DOMESTIC_SERVITUDE",
                    "identified_date": d("2019-02-03"),
                    "nrm_referred": True,
                    "nrm_referral_date": d("2019-02-04"),
                    "crime_recorded": True,
                    "crime_reference": "CR4",
                    **person("g-cara", "f-jones", None, 17, "ESTIMATE"),
                },
            ]
        },
    )
    # Met victims for March: an empty return, on time.
    zone.add("police", MET, "2019-03", "victims", at("2019-04-15", 23))
    # Cumbria: operations for January; its January victims return is quarantined; nothing after.
    zone.add(
        "police",
        CUMBRIA,
        "2019-01",
        "operations",
        at("2019-02-01"),
        {"police_operations": [operation("OPC1", CUMBRIA, "LIVE", "2019-01-03")]},
    )
    zone.add("police", CUMBRIA, "2019-01", "victims", at("2019-02-01"), quarantined="identified_date: 31/02/2019")
    # GLAA, January: the worker is the same person as Met's V1 (same pseudonyms), first seen by the Met.
    zone.add(
        "glaa",
        "GLAA",
        "2019-01",
        "main",
        at("2019-02-14"),
        {
            "glaa_investigations": [
                {
                    "investigation_ref": "I1",
                    "opened_date": d("2018-11-01"),
                    "status": "OPEN",
                    "sector": "AGRICULTURE",
                    "force_code": CUMBRIA,
                    "arrests": 2,
                    "money_recovered_gbp": "1500.50",
                }
            ],
            "glaa_inspections": [
                {"inspection_ref": "IN1", "inspection_date": d("2019-01-08"), "outcome": "COMPLIANT"},
                {"inspection_ref": "IN2", "inspection_date": d("2019-01-09"), "outcome": "ADVICE_GIVEN"},
            ],
            "glaa_workers": [
                {
                    "worker_ref": "W1",
                    "investigation_ref": "I1",
                    "gender": "FEMALE",
                    "nationality": "ALB",
                    "identified_date": d("2019-01-25"),
                    "nrm_referred": False,
                    "dtn_submitted": True,
                    **person("g-anna", "f-hoxha", "dob-2002-05-01", 16),
                }
            ],
        },
    )
    # Border Force, February: a child by flag (age unknown) with two indicators, an adult with none.
    zone.add(
        "border_force",
        "BF",
        "2019-02",
        "main",
        at("2019-03-02"),
        {
            "border_force_referrals": [
                {
                    "referral_id": "BF-1",
                    "port": "DOV",
                    "encountered_at": at("2019-02-03", 14),
                    "gender": "FEMALE",
                    "nationality": "VNM",
                    "is_child": True,
                    "exploitation_indicators": ["SEXUAL", "LABOUR"],
                    "nrm_referred": True,
                    "nrm_referral_date": d("2019-02-03"),
                    **person("g-lan", "f-tran", None, None),
                },
                {
                    "referral_id": "BF-2",
                    "port": "LHR",
                    "encountered_at": at("2019-02-07", 10),
                    "gender": "MALE",
                    "nationality": "ERI",
                    "is_child": False,
                    "exploitation_indicators": [],
                    "nrm_referred": False,
                    **person("g-amanuel", "f-tesfaye", "dob-1994-03-03", 24),
                },
            ]
        },
    )
    # CPS, March: OP1's defendant convicted, OP2's acquitted.
    zone.add(
        "cps",
        "CPS",
        "2019-03",
        "main",
        at("2019-04-02"),
        {
            "cps_defendants": [
                {
                    "case_urn": "01MP0000119",
                    "defendant_ref": "D1",
                    "cps_area": 4,
                    "police_force_code": MET,
                    "operation_ref": "OP1",
                    "principal_offence": "MSA_S2",
                    "finalised_date": d("2019-03-12"),
                    "outcome": "CONVICTED_GUILTY_PLEA",
                    "custodial_sentence_months": 48,
                    "victims_in_case": 1,
                    "stpo_made": True,
                    "confiscation_order_gbp": "2500.00",
                },
                {
                    "case_urn": "01MP0000219",
                    "defendant_ref": "D2",
                    "cps_area": 4,
                    "police_force_code": MET,
                    "operation_ref": "OP2",
                    "principal_offence": "MSA_S1",
                    "finalised_date": d("2019-03-20"),
                    "outcome": "ACQUITTED",
                    "victims_in_case": 1,
                    "stpo_made": False,
                },
            ]
        },
    )
