"""The four sources of returns.md, described once."""

from __future__ import annotations

from msdw.sources import codes
from msdw.sources.spec import (
    Column,
    CountsMatch,
    Dropped,
    FileKind,
    Identifications,
    MatchesPath,
    NotAfterMonthEnd,
    NotBefore,
    Personal,
    PersonFields,
    Place,
    RequiredWhen,
    Source,
    SumsTo,
    Table,
    UniqueWithin,
    WithinMonth,
)
from msdw.sources.spec import ColumnType as T

MONTH = r"(?P<month>\d{4}-(?:0[1-9]|1[0-2]))"
FORCE = r"(?P<submitter>[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*)"


def _count(name: str, description: str, required: bool = False) -> Column:
    return Column(name, T.INTEGER, required=required, minimum=0, description=description)


def _enum(name: str, allowed: tuple[str, ...], description: str, required: bool = False, **kw) -> Column:
    return Column(name, T.ENUM, required=required, allowed=allowed, description=description, **kw)


def _person_columns(dob_required: bool = False) -> tuple[Column, ...]:
    return (
        Column("given_name", T.TEXT, personal=Personal.GIVEN_NAME, description="Given name(s); personal data"),
        Column("family_name", T.TEXT, personal=Personal.FAMILY_NAME, description="Family name; personal data"),
        Column(
            "date_of_birth",
            T.DATE,
            required=dob_required,
            personal=Personal.DATE_OF_BIRTH,
            description="Date of birth; personal data",
        ),
    )


def _gender() -> Column:
    return _enum("gender", codes.GENDERS, "Gender", aliases=codes.GENDER_ALIASES)


POLICE_OPERATIONS = Table(
    name="police_operations",
    description="Every police operation live at any time in the month, one row each.",
    columns=(
        Column("operation_ref", T.TEXT, required=True, description="Force's operation reference, stable over months"),
        Column(
            "force_code",
            T.TEXT,
            required=True,
            reference="forces",
            description="Force or unit code; equals the file's force code",
        ),
        _enum("lead_agency", codes.LEAD_AGENCIES, "Agency leading the operation"),
        Column("opened_date", T.DATE, required=True, description="Date the operation opened"),
        _enum("status", codes.OPERATION_STATUSES, "Status at the month's end", required=True),
        Column("closed_date", T.DATE, description="Date closed, when status is CLOSED"),
        _enum("primary_exploitation", codes.EXPLOITATION_TYPES, "Main exploitation type"),
        _count("potential_victims", "Potential victims since the operation opened (cumulative)"),
        _count("suspects", "Suspects since the operation opened (cumulative)"),
        Column(
            "suspect_nationalities",
            T.NATIONALITY_COUNTS,
            description="Suspects by nationality, '<nationality>:<count>' entries separated by ';'",
        ),
        _count("arrests", "Arrests made in the month"),
        _count("charges", "Charges made in the month"),
        Column("crime_reference", T.TEXT, description="Police crime number; null where no crime is recorded"),
        Column("europol_check", T.BOOLEAN, description="Checked against Europol systems"),
        Column("jit", T.BOOLEAN, description="Part of a joint investigation team"),
    ),
    key=("operation_ref",),
    rules=(
        UniqueWithin(("operation_ref",)),
        MatchesPath("force_code"),
        NotAfterMonthEnd("opened_date"),
        RequiredWhen("closed_date", "status", "CLOSED"),
        WithinMonth("closed_date"),
        NotBefore("closed_date", "opened_date"),
        SumsTo("suspect_nationalities", "suspects"),
        Dropped("operation_ref", "status", ("LIVE", "SUSPENDED")),
    ),
)

POLICE_VICTIMS = Table(
    name="police_victims",
    description="One row per potential victim the force identified in the month.",
    columns=(
        Column("victim_ref", T.TEXT, required=True, description="Victim reference, unique within the force"),
        Column("operation_ref", T.TEXT, description="The operation, if any"),
        *_person_columns(),
        _count("age_estimate", "Age in years, when the date of birth is unknown"),
        _gender(),
        Column("nationality", T.NATIONALITY, description="Nationality, ISO 3166-1 alpha-3"),
        _enum("exploitation_type", codes.EXPLOITATION_TYPES, "Exploitation type"),
        Column("identified_date", T.DATE, required=True, description="Date identified, within the month"),
        Column("nrm_referred", T.BOOLEAN, description="Referred to the National Referral Mechanism"),
        Column("nrm_referral_date", T.DATE, description="Date of the NRM referral"),
        Column("dtn_submitted", T.BOOLEAN, description="Duty to Notify submitted"),
        Column("crime_recorded", T.BOOLEAN, description="A crime was recorded for this victim"),
        Column("crime_reference", T.TEXT, description="Police crime number, when a crime was recorded"),
    ),
    key=("victim_ref",),
    rules=(
        UniqueWithin(("victim_ref",)),
        UniqueWithin(("victim_ref",), scope="submitter"),
        WithinMonth("identified_date"),
        RequiredWhen("nrm_referral_date", "nrm_referred", True),
        RequiredWhen("crime_reference", "crime_recorded", True),
    ),
    person=PersonFields("given_name", "family_name", "date_of_birth", "identified_date", "age_estimate"),
    identifications=Identifications(
        record_ref="victim_ref",
        place=Place("submitter"),
        exploitation="exploitation_type",
        dtn_submitted="dtn_submitted",
        crime_recorded="crime_recorded",
        operation_id="operation_id",
    ),
)

POLICE = Source(
    name="police",
    agency_code="POLICE",
    label="Police",
    description="Police forces and units: operations and the potential victims they identified.",
    submitters="forces",
    files=(
        FileKind(
            part="operations",
            pattern=rf"^police/{MONTH}/{FORCE}\.csv$",
            format="csv",
            tables=(POLICE_OPERATIONS,),
        ),
        FileKind(
            part="victims",
            pattern=rf"^police/{MONTH}/{FORCE}_victims\.csv$",
            format="csv",
            tables=(POLICE_VICTIMS,),
        ),
    ),
)

GLAA_INVESTIGATIONS = Table(
    name="glaa_investigations",
    sheet="Investigations",
    total_row=True,
    description="One row per GLAA investigation open in the month.",
    columns=(
        Column("investigation_ref", T.TEXT, required=True, description="Investigation reference"),
        Column("opened_date", T.DATE, description="Date the investigation opened"),
        _enum("status", codes.INVESTIGATION_STATUSES, "OPEN or CLOSED"),
        _enum("sector", codes.SECTORS, "Labour market sector"),
        Column("force_code", T.TEXT, reference="forces", description="Police force area where the work was"),
        Column("modern_slavery_identified", T.BOOLEAN, description="Modern slavery identified"),
        _count("workers_identified", "Workers identified in the month"),
        _count("arrests", "Arrests in the month"),
        _count("nrm_referrals", "NRM referrals in the month"),
        _count("dtn_submissions", "Duty to Notify submissions in the month"),
        Column("money_recovered_gbp", T.MONEY, description="Money recovered for workers in the month"),
        Column("holiday_pay_identified_gbp", T.MONEY, description="Holiday pay identified in the month"),
        Column("withheld_wages_identified_gbp", T.MONEY, description="Withheld wages identified in the month"),
    ),
    key=("investigation_ref",),
    rules=(UniqueWithin(("investigation_ref",)), NotAfterMonthEnd("opened_date")),
)

GLAA_INSPECTIONS = Table(
    name="glaa_inspections",
    sheet="Inspections",
    total_row=True,
    description="One row per GLAA inspection in the month.",
    columns=(
        Column("inspection_ref", T.TEXT, required=True, description="Inspection reference"),
        Column("inspection_date", T.DATE, description="Date of the inspection, within the month"),
        _enum("sector", codes.SECTORS, "Labour market sector"),
        Column("licence_number", T.TEXT, description="Labour provider's licence number"),
        _enum("outcome", codes.INSPECTION_OUTCOMES, "Outcome of the inspection"),
        Column("force_code", T.TEXT, reference="forces", description="Police force area of the inspection"),
    ),
    key=("inspection_ref",),
    rules=(UniqueWithin(("inspection_ref",)), WithinMonth("inspection_date")),
)

GLAA_WORKERS = Table(
    name="glaa_workers",
    sheet="Workers",
    total_row=True,
    description="One row per worker identified as a potential victim in the month.",
    columns=(
        Column("worker_ref", T.TEXT, required=True, description="Worker reference, unique across months"),
        Column("investigation_ref", T.TEXT, description="The investigation, if any"),
        *_person_columns(),
        _gender(),
        Column("nationality", T.NATIONALITY, description="Nationality, ISO 3166-1 alpha-3"),
        Column("identified_date", T.DATE, description="Date identified, within the month"),
        Column("nrm_referred", T.BOOLEAN, description="Referred to the National Referral Mechanism"),
        Column("nrm_referral_date", T.DATE, description="Date of the NRM referral"),
        Column("dtn_submitted", T.BOOLEAN, description="Duty to Notify submitted"),
    ),
    key=("worker_ref",),
    rules=(
        UniqueWithin(("worker_ref",)),
        UniqueWithin(("worker_ref",), scope="submitter"),
        WithinMonth("identified_date"),
        RequiredWhen("nrm_referral_date", "nrm_referred", True),
    ),
    person=PersonFields("given_name", "family_name", "date_of_birth", "identified_date"),
    identifications=Identifications(
        record_ref="worker_ref",
        place=Place("latest", column="investigation_ref", lookup="glaa_investigations"),
        exploitation_default="LABOUR",
        dtn_submitted="dtn_submitted",
    ),
)

GLAA = Source(
    name="glaa",
    agency_code="GLAA",
    description="Gangmasters and Labour Abuse Authority: one workbook a month.",
    files=(
        FileKind(
            part="main",
            pattern=rf"^glaa/GLAA_{MONTH}\.xlsx$",
            format="xlsx",
            submitter="GLAA",
            tables=(GLAA_INVESTIGATIONS, GLAA_INSPECTIONS, GLAA_WORKERS),
            cover=(("Reporting month", "reporting_month"), ("Prepared by", "prepared_by")),
            checks=(
                CountsMatch("glaa_investigations", "workers_identified", "glaa_workers"),
                CountsMatch("glaa_investigations", "nrm_referrals", "glaa_workers", flag="nrm_referred"),
                CountsMatch("glaa_investigations", "dtn_submissions", "glaa_workers", flag="dtn_submitted"),
            ),
        ),
    ),
)

BORDER_FORCE_REFERRALS = Table(
    name="border_force_referrals",
    description="One row per person encountered at the border as a potential victim.",
    columns=(
        Column("referral_id", T.TEXT, required=True, description="Referral id, unique across months"),
        _enum("port", codes.PORTS, "Port of encounter"),
        Column("encountered_at", T.TIMESTAMP, required=True, description="When encountered, within the month"),
        Column(
            "given_name",
            T.TEXT,
            personal=Personal.GIVEN_NAME,
            json_path="person.given_name",
            description="Given name(s); personal data",
        ),
        Column(
            "family_name",
            T.TEXT,
            personal=Personal.FAMILY_NAME,
            json_path="person.family_name",
            description="Family name; personal data",
        ),
        Column(
            "date_of_birth",
            T.DATE,
            personal=Personal.DATE_OF_BIRTH,
            json_path="person.date_of_birth",
            description="Date of birth; personal data",
        ),
        Column(
            "gender",
            T.ENUM,
            allowed=codes.GENDERS,
            aliases=codes.GENDER_ALIASES,
            json_path="person.gender",
            description="Gender",
        ),
        Column("nationality", T.NATIONALITY, json_path="person.nationality", description="Nationality, alpha-3"),
        Column("is_child", T.BOOLEAN, description="Believed to be under 18"),
        Column(
            "exploitation_indicators",
            T.EXPLOITATION_LIST,
            description="Exploitation type codes indicated; empty means UNKNOWN, several mean MIXED",
        ),
        Column("nrm_referred", T.BOOLEAN, description="Referred to the National Referral Mechanism"),
        Column("nrm_referral_date", T.DATE, description="Date of the NRM referral"),
        Column("safeguarding_referral", T.BOOLEAN, description="Safeguarding referral made"),
        Column("suspect_detained", T.BOOLEAN, description="A suspect was detained"),
    ),
    key=("referral_id",),
    rules=(
        UniqueWithin(("referral_id",)),
        UniqueWithin(("referral_id",), scope="submitter"),
        WithinMonth("encountered_at"),
        RequiredWhen("nrm_referral_date", "nrm_referred", True),
    ),
    person=PersonFields("given_name", "family_name", "date_of_birth", "encountered_at"),
    identifications=Identifications(
        record_ref="referral_id",
        place=Place("seed", column="port", lookup="ports", lookup_key="port_code", staging_column="port_code"),
        exploitation="exploitation_indicators",
        exploitation_list=True,
        child_flag="is_child",
        at_border=True,
    ),
)

BORDER_FORCE = Source(
    name="border_force",
    agency_code="BORDER_FORCE",
    label="Border Force",
    description="Border Force: potential victims encountered at ports, one JSON object a line.",
    files=(
        FileKind(
            part="main",
            pattern=rf"^border_force/bf_referrals_{MONTH}\.jsonl$",
            format="jsonl",
            submitter="BF",
            tables=(BORDER_FORCE_REFERRALS,),
        ),
    ),
)

CPS_DEFENDANTS = Table(
    name="cps_defendants",
    description="One row per defendant whose modern slavery flagged prosecution was finalised in the month.",
    columns=(
        Column("case_urn", T.TEXT, required=True, description="Unique reference number of the case"),
        Column("defendant_ref", T.TEXT, required=True, description="CPS pseudonymous defendant id"),
        Column("cps_area", T.INTEGER, minimum=1, maximum=14, description="CPS Area, 1 to 14"),
        Column("police_force_code", T.TEXT, reference="forces", description="The investigating force"),
        Column("operation_ref", T.TEXT, description="The police operation, where known"),
        _enum("principal_offence", codes.PRINCIPAL_OFFENCES, "Principal offence"),
        Column("charged_date", T.DATE, description="Date charged"),
        Column("finalised_date", T.DATE, required=True, description="Date finalised, within the month"),
        _enum("outcome", codes.CPS_OUTCOMES, "Outcome of the prosecution"),
        _count("custodial_sentence_months", "Custodial sentence in months, when convicted and imprisoned"),
        _count("victims_in_case", "Victims in the case"),
        Column("stpo_made", T.BOOLEAN, description="Slavery and Trafficking Prevention Order made"),
        Column("confiscation_order_gbp", T.MONEY, description="Confiscation order amount"),
    ),
    key=("case_urn", "defendant_ref"),
    rules=(UniqueWithin(("case_urn", "defendant_ref")), WithinMonth("finalised_date")),
)

CPS = Source(
    name="cps",
    agency_code="CPS",
    description="Crown Prosecution Service: defendants finalised in the month.",
    files=(
        FileKind(
            part="main",
            pattern=rf"^cps/cps_msht_{MONTH}\.csv$",
            format="csv",
            submitter="CPS",
            tables=(CPS_DEFENDANTS,),
        ),
    ),
)

SOURCES: tuple[Source, ...] = (POLICE, GLAA, BORDER_FORCE, CPS)
