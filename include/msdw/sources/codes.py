"""Code lists shared by several sources (returns.md, "Common rules for values")."""

from __future__ import annotations

EXPLOITATION_TYPES = (
    "LABOUR",
    "SEXUAL",
    "CRIMINAL",
    "DOMESTIC_SERVITUDE",
    "ORGAN_HARVESTING",
    "MIXED",
    "UNKNOWN",
)
GENDERS = ("MALE", "FEMALE", "OTHER", "UNKNOWN")
AGE_GROUPS = ("CHILD", "ADULT", "UNKNOWN")  # macro age_group: under 18 at identification, 18 and over, not known
GENDER_ALIASES = {"M": "MALE", "F": "FEMALE"}
LEAD_AGENCIES = ("POLICE", "ROCU", "NCA", "GLAA", "BORDER_FORCE", "IMMIGRATION_ENFORCEMENT", "HMRC", "OTHER")
OPERATION_STATUSES = ("LIVE", "SUSPENDED", "CLOSED")
INVESTIGATION_STATUSES = ("OPEN", "CLOSED")
SECTORS = (
    "AGRICULTURE",
    "SHELLFISH",
    "FOOD_PROCESSING",
    "CONSTRUCTION",
    "CAR_WASH",
    "NAIL_BAR",
    "HOSPITALITY",
    "WAREHOUSING",
    "CLEANING",
    "CARE",
    "MANUFACTURING",
    "OTHER",
)
INSPECTION_OUTCOMES = (
    "COMPLIANT",
    "ADVICE_GIVEN",
    "ADDITIONAL_CONDITIONS",
    "LICENCE_REVOKED",
    "APPLICATION_REFUSED",
)
PRINCIPAL_OFFENCES = ("MSA_S1", "MSA_S2", "MSA_S30", "OTHER_FLAGGED")
CPS_OUTCOMES = (
    "CONVICTED_GUILTY_PLEA",
    "CONVICTED_AFTER_TRIAL",
    "ACQUITTED",
    "DISMISSED",
    "DISCONTINUED",
    "ADMINISTRATIVELY_FINALISED",
)
CONVICTED_OUTCOMES = ("CONVICTED_GUILTY_PLEA", "CONVICTED_AFTER_TRIAL")
CPS_AREAS = tuple(str(n) for n in range(1, 15))
PORTS = ("LHR", "LGW", "STN", "LTN", "MAN", "BHX", "DOV", "FOL", "STP", "HWH", "HLY", "HUL", "GLA", "EDI", "BFS")

RETURN_STATUSES = ("ACCEPTED", "LATE", "QUARANTINED", "MISSING")  # macros/return_status.sql

# The lists the published marts are tested against, by name: `make generate` writes them to the seed
# seeds/code_lists.csv, which the marts' dbt tests ``in_code_list`` read (the lists with a seed of their own, such as
# exploitation types and forces, are tested against that seed).
CODE_LISTS = {
    "gender": GENDERS,
    "age_group": AGE_GROUPS,
    "lead_agency": LEAD_AGENCIES,
    "operation_status": OPERATION_STATUSES,
    "principal_offence": PRINCIPAL_OFFENCES,
    "cps_outcome": CPS_OUTCOMES,
    "return_status": RETURN_STATUSES,
}

NULL_STRINGS = ("", "NULL", "N/A", "-")
TRUE_WORDS = ("Y", "YES", "TRUE", "1")
FALSE_WORDS = ("N", "NO", "FALSE", "0")
UNKNOWN_NATIONALITY = "UNK"
