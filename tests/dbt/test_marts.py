"""Each definition of warehouse.md, checked on the marts built from the scenario's raw zone (scenario.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from scenario import CUMBRIA, KENT, MET

from msdw.publish import PUBLISHED_TABLES

JAN, FEB, MAR = dt.date(2019, 1, 1), dt.date(2019, 2, 1), dt.date(2019, 3, 1)


def one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"expected one row, got {rows}"
    return rows[0]


def summary(con: duckdb.DuckDBPyConnection, month: dt.date, agency: str, column: str) -> object:
    return one(
        con, f"select {column} from main.mart_monthly_summary where month = ? and agency_code = ?", month, agency
    )[0]


def test_every_published_table_is_in_schema_main(marts: duckdb.DuckDBPyConnection) -> None:
    tables = {
        r[0] for r in marts.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall()
    }
    assert set(PUBLISHED_TABLES) <= tables


def test_types_follow_the_contract(marts: duckdb.DuckDBPyConnection) -> None:
    types = dict(
        marts.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'main' and table_name = 'mart_monthly_summary'"
        ).fetchall()
    )
    assert types["month"] == "DATE"
    assert types["victims_identified"] == "BIGINT"
    assert types["money_recovered_gbp"] == "DECIMAL(18,2)"
    rate = one(
        marts,
        "select data_type from duckdb_columns() where table_name = 'mart_crime_recording' "
        "and column_name = 'compliance_rate'",
    )
    assert rate == ("DOUBLE",)


def test_no_names_or_dates_of_birth_in_the_build_database(marts: duckdb.DuckDBPyConnection) -> None:
    personal = marts.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where column_name in ('given_name', 'family_name', 'date_of_birth')"
    ).fetchall()
    assert personal == []


def test_identification_ids_and_force_of_identification(marts: duckdb.DuckDBPyConnection) -> None:
    rows = dict(marts.execute("select identification_id, force_code from main.fct_victim_identifications").fetchall())
    assert rows["POLICE:E23000001:V1"] == MET
    assert rows["GLAA:GLAA:W1"] == CUMBRIA  # the investigation's force
    assert rows["BORDER_FORCE:BF:BF-1"] == KENT  # Dover lies in Kent
    assert rows["BORDER_FORCE:BF:BF-2"] == MET  # Heathrow lies in the Met's area
    assert len(rows) == 7


def test_age_group_at_identification(marts: duckdb.DuckDBPyConnection) -> None:
    groups = dict(marts.execute("select identification_id, age_group from main.fct_victim_identifications").fetchall())
    assert groups["POLICE:E23000001:V1"] == "CHILD"  # 16 from the date of birth
    assert groups["POLICE:E23000001:V2"] == "UNKNOWN"  # neither date of birth nor estimate
    assert groups["POLICE:E23000001:V3"] == "ADULT"
    assert groups["POLICE:E23000001:V4"] == "CHILD"  # estimated 17
    assert groups["BORDER_FORCE:BF:BF-1"] == "CHILD"  # age unknown, flagged as a child
    assert groups["BORDER_FORCE:BF:BF-2"] == "ADULT"


def test_border_force_indicators_become_one_exploitation_type(marts: duckdb.DuckDBPyConnection) -> None:
    types = dict(
        marts.execute(
            "select identification_id, exploitation_type from main.fct_victim_identifications "
            "where agency_code = 'BORDER_FORCE'"
        ).fetchall()
    )
    assert types == {"BORDER_FORCE:BF:BF-1": "MIXED", "BORDER_FORCE:BF:BF-2": "UNKNOWN"}


def test_exact_pseudonym_match_links_a_person_across_agencies(marts: duckdb.DuckDBPyConnection) -> None:
    police, glaa = (
        one(marts, "select person_id from main.fct_victim_identifications where identification_id = ?", i)[0]
        for i in ("POLICE:E23000001:V1", "GLAA:GLAA:W1")
    )
    assert police == glaa
    victim = one(
        marts,
        "select first_agency_code, agencies_count, identifications_count, age_group, exploitation_type "
        "from main.fct_victims where person_id = ?",
        police,
    )
    assert victim == ("POLICE", 2, 2, "CHILD", "SEXUAL")
    assert one(marts, "select count(*) from main.fct_victims")[0] == 6


def test_revision_replaces_the_earlier_version(marts: duckdb.DuckDBPyConnection) -> None:
    ops = {
        r[0]
        for r in marts.execute("select operation_id from main.fct_operation_months where month = ?", [JAN]).fetchall()
    }
    assert ops == {f"{MET}:OP1", f"{MET}:OP2", f"{MET}:OP3", f"{MET}:OP4", f"{CUMBRIA}:OPC1"}  # not OP9 of version 1
    assert summary(marts, JAN, "POLICE", "arrests") == 3  # version 2's arrests, not version 1's nines
    status = one(
        marts,
        "select status, versions_received from main.mart_return_status "
        "where month = ? and submitter = ? and part = 'operations'",
        JAN,
        MET,
    )
    assert status == ("ACCEPTED", 2)


def test_operations_live_counts_live_and_suspended(marts: duckdb.DuckDBPyConnection) -> None:
    # January: OP1 LIVE, OP2 SUSPENDED, OP3 CLOSED, OP4 LIVE (Met) and OPC1 LIVE (Cumbria).
    assert summary(marts, JAN, "POLICE", "operations_live") == 4
    # February: OP1 CLOSED, OP2 SUSPENDED, OP4 LIVE; Cumbria sent nothing.
    assert summary(marts, FEB, "POLICE", "operations_live") == 2
    assert summary(marts, JAN, "POLICE", "operations_opened") == 3
    assert summary(marts, JAN, "GLAA", "operations_live") == 0


def test_operations_latest_status_and_totals(marts: duckdb.DuckDBPyConnection) -> None:
    op1 = one(
        marts,
        "select status, closed_date, suspects, arrests, charges from main.fct_operations where operation_id = ?",
        f"{MET}:OP1",
    )
    assert op1 == ("CLOSED", dt.date(2019, 2, 10), 4, 1, 2)


def test_monthly_summary_per_agency(marts: duckdb.DuckDBPyConnection) -> None:
    police_jan = one(
        marts,
        "select victims_identified, nrm_referrals, dtn_submissions, charges from main.mart_monthly_summary "
        "where month = ? and agency_code = 'POLICE'",
        JAN,
    )
    assert police_jan == (3, 2, 1, 1)
    glaa_jan = one(
        marts,
        "select victims_identified, arrests, inspections, money_recovered_gbp from main.mart_monthly_summary "
        "where month = ? and agency_code = 'GLAA'",
        JAN,
    )
    assert glaa_jan == (1, 2, 2, Decimal("1500.50"))
    cps_mar = one(
        marts,
        "select defendants_finalised, convictions, victims_identified from main.mart_monthly_summary "
        "where month = ? and agency_code = 'CPS'",
        MAR,
    )
    assert cps_mar == (2, 1, 0)
    assert one(marts, "select count(*) from main.mart_monthly_summary")[0] == 3 * 4


def test_return_status_late_missing_quarantined(marts: duckdb.DuckDBPyConnection) -> None:
    status = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in marts.execute(
            "select month, submitter, part, status, last_error from main.mart_return_status"
        ).fetchall()
    }
    assert status[(FEB, MET, "victims")] == ("LATE", None)  # received 20 March, due by the end of 15 March
    assert status[(MAR, MET, "victims")] == ("ACCEPTED", None)  # received on 15 April, the last day
    assert status[(MAR, MET, "operations")] == ("MISSING", None)
    assert status[(JAN, CUMBRIA, "victims")] == ("QUARANTINED", "identified_date: 31/02/2019")
    assert status[(FEB, CUMBRIA, "operations")][0] == "MISSING"  # a force that has submitted stays expected
    assert status[(JAN, "BF", "main")][0] == "MISSING"
    assert status[(MAR, "CPS", "main")][0] == "ACCEPTED"
    # 3 months x (2 forces x 2 parts + GLAA + BF + CPS)
    assert len(status) == 3 * 7


def test_crime_recording_compliance(marts: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in marts.execute(
            "select month, force_code, nrm_referrals, with_crime_recorded, compliance_rate "
            "from main.mart_crime_recording"
        ).fetchall()
    }
    assert rows[(JAN, MET)] == (2, 1, 0.5)
    assert rows[(FEB, MET)] == (1, 1, 1.0)
    assert rows[(MAR, MET)] == (0, 0, None)  # no referrals: no rate


def test_victim_pathway_flags(marts: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in marts.execute(
            "select exploitation_type, persons_identified, persons_nrm_referred, persons_crime_recorded, "
            "persons_in_prosecuted_operation, persons_in_convicted_operation from main.mart_victim_pathway "
            "where year = 2019"
        ).fetchall()
    }
    assert rows["SEXUAL"] == (1, 1, 1, 1, 1)  # V1 in OP1, whose defendant was convicted
    assert rows["LABOUR"] == (1, 0, 0, 1, 0)  # V3 in OP2, whose defendant was acquitted
    assert rows["DOMESTIC_SERVITUDE"] == (1, 1, 1, 0, 0)
    assert sum(r[0] for r in rows.values()) == 6


def test_nationality_profile(marts: duckdb.DuckDBPyConnection) -> None:
    rows = {(r[0], r[1]): r[2:] for r in marts.execute("select * from main.mart_nationality_profile").fetchall()}
    assert rows[(2018, "ALB")] == (0, 2)  # OP1 opened in 2018; its last reported breakdown
    assert rows[(2019, "VNM")] == (2, 0)
    assert rows[(2019, "GBR")] == (2, 0)


def test_prosecutions_and_cps_outcomes(marts: duckdb.DuckDBPyConnection) -> None:
    d1 = one(
        marts,
        "select operation_id, convicted, confiscation_order_gbp from main.fct_prosecutions where defendant_ref = 'D1'",
    )
    assert d1 == (f"{MET}:OP1", True, Decimal("2500.00"))
    outcomes = marts.execute("select year, cps_area, outcome, defendants from main.mart_cps_outcomes order by all")
    assert outcomes.fetchall() == [(2019, 4, "ACQUITTED", 1), (2019, 4, "CONVICTED_GUILTY_PLEA", 1)]


def test_dim_month_financial_year(marts: duckdb.DuckDBPyConnection) -> None:
    assert marts.execute("select month, financial_year from main.dim_month order by month").fetchall() == [
        (JAN, "2018/19"),
        (FEB, "2018/19"),
        (MAR, "2018/19"),
    ]


def test_persons_identified_counts_a_linked_person_once_across_agencies(marts: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in marts.execute(
            "select agency_code, identifications, persons, nrm_referrals, persons_nrm_referred "
            "from main.mart_persons_identified where financial_year = '2018/19'"
        ).fetchall()
    }
    assert set(rows) == {"POLICE", "GLAA", "BORDER_FORCE", "ALL"}
    for agency, filter_ in (("POLICE", "= 'POLICE'"), ("GLAA", "= 'GLAA'"), ("ALL", "is not null")):
        facts = one(
            marts,
            "select count(*), count(distinct person_id), count(*) filter (where nrm_referred), "
            "count(distinct person_id) filter (where nrm_referred) "
            f"from main.fct_victim_identifications where agency_code {filter_}",
        )
        assert rows[agency] == facts
    # POLICE:V1 and GLAA:W1 are one person: once in each agency's row, once in ALL
    assert rows["ALL"][1] == one(marts, "select count(*) from main.fct_victims")[0] == 6
    assert sum(rows[a][1] for a in ("POLICE", "GLAA", "BORDER_FORCE")) == rows["ALL"][1] + 1


def test_operation_outcomes_follow_operations_to_convictions(marts: duckdb.DuckDBPyConnection) -> None:
    totals = one(
        marts,
        "select sum(operations), sum(arrests), sum(charges), sum(operations_prosecuted), sum(prosecution_cases), "
        "sum(defendants_finalised), sum(convictions), sum(operations_convicted) from main.mart_operation_outcomes",
    )
    facts = one(
        marts,
        "select count(*), sum(arrests), sum(charges), "
        "(select count(distinct operation_id) from main.fct_prosecutions p semi join main.fct_operations using "
        "(operation_id)), "
        "(select count(distinct (operation_id, case_urn)) from main.fct_prosecutions where operation_id is not null), "
        "(select count(*) from main.fct_prosecutions where operation_id is not null), "
        "(select count(*) filter (where convicted) from main.fct_prosecutions where operation_id is not null), "
        "(select count(distinct operation_id) filter (where convicted) from main.fct_prosecutions) "
        "from main.fct_operations",
    )
    assert totals == facts
    op1 = one(
        marts,
        "select year(opened_date), primary_exploitation from main.fct_operations where operation_id = ?",
        f"{MET}:OP1",
    )
    convictions, operations_convicted = one(
        marts,
        "select convictions, operations_convicted from main.mart_operation_outcomes "
        "where opened_year = ? and primary_exploitation = ?",
        *op1,
    )
    assert convictions >= 1 and operations_convicted >= 1  # OP1's defendant D1 was convicted
    assert totals[-1] == 1 and totals[3] == 2  # OP1 convicted; OP2 prosecuted, its defendant acquitted


def test_submitter_quality_agrees_with_return_status_for_every_return(marts: duckdb.DuckDBPyConnection) -> None:
    disagreements = marts.execute(
        """
        select coalesce(q.month, r.month), coalesce(q.submitter, r.submitter), coalesce(q.part, r.part),
               q.status, r.status
        from main.mart_submitter_quality q
        full join main.mart_return_status r using (month, source, submitter, part)
        where q.status is distinct from r.status
           or q.versions_received is distinct from r.versions_received
           or q.rows_accepted is distinct from coalesce(r.rows_accepted, 0)
           or q.warnings is distinct from coalesce(r.warnings, 0)
           or q.on_time is distinct from (r.status = 'ACCEPTED')
           or (q.days_late > 0) is distinct from (case when r.status in ('ACCEPTED', 'LATE') then r.status = 'LATE' end)
        """
    ).fetchall()
    assert disagreements == []
    assert one(marts, "select count(*) from main.mart_submitter_quality")[0] == 3 * 7


def test_submitter_quality_days_late_first_time_and_rolling_rates(marts: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1], r[2]): r[3:]
        for r in marts.execute(
            "select month, submitter, part, days_late, accepted_first_time, anomalies, timeliness_rate, validity_rate"
            " from main.mart_submitter_quality"
        ).fetchall()
    }
    assert rows[(FEB, MET, "victims")][0] == 5  # received 20 March: the 16th is 1 day late, the 20th 5
    assert rows[(MAR, MET, "victims")][0] == 0
    assert rows[(MAR, MET, "operations")][:2] == (None, None)  # MISSING: nothing received
    assert rows[(JAN, CUMBRIA, "victims")][:2] == (None, False)  # QUARANTINED
    # MET victims: January on time, February late, March on time
    assert rows[(MAR, MET, "victims")][3] == 2 / 3 and rows[(JAN, MET, "victims")][3] == 1.0
    assert rows[(JAN, CUMBRIA, "victims")][4] == 0.0 and rows[(MAR, MET, "operations")][4] == 1.0
    assert all(r[2] == 0 for r in rows.values())  # the scenario has no anomaly flags
