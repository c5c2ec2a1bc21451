"""Adding a fifth source takes one description, one staging model and one reference seed row.

In a copy of the project, the test adds the National Crime Agency sending a victims return (CSV, its own submitter
and agency code) exactly as docs/architecture.md ("Adding a source") tells a maintainer to, regenerates the derived
artefacts with the one command, and runs `msdw run` on the fixture inbox with the NCA's returns beside the four
agencies'. Cost: one `msdw run` of a small inbox and one regeneration, shared by every test here: 70 to 100 s
measured on the shared 2-core machine, 270 s at its busiest.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from msdw.warehouse import Warehouse
from tests.e2e.project_copy import copy_project, run_python
from tests.fixtures import inbox as fx

# The files a maintainer edits (docs/architecture.md, "Adding a source"): the description, the staging model and
# the agency's row of the reference seed. Everything else is regenerated or follows from the descriptions.
DESCRIPTION = """

NCA_VICTIMS = Table(
    name="nca_victims",
    description="One row per potential victim the NCA identified in the month.",
    columns=(
        Column("victim_ref", T.TEXT, required=True, description="NCA victim reference, unique across months"),
        *_person_columns(),
        _gender(),
        Column("nationality", T.NATIONALITY, description="Nationality, ISO 3166-1 alpha-3"),
        Column("force_code", T.TEXT, reference="forces", description="Police force area where identified"),
        _enum("exploitation_type", codes.EXPLOITATION_TYPES, "Exploitation type"),
        Column("identified_date", T.DATE, required=True, description="Date identified, within the month"),
        Column("nrm_referred", T.BOOLEAN, description="Referred to the National Referral Mechanism"),
    ),
    key=("victim_ref",),
    rules=(
        UniqueWithin(("victim_ref",)),
        UniqueWithin(("victim_ref",), scope="submitter"),
        WithinMonth("identified_date"),
    ),
    person=PersonFields("given_name", "family_name", "date_of_birth", "identified_date"),
    identifications=Identifications(
        record_ref="victim_ref", place=Place("column", column="force_code"), exploitation="exploitation_type"
    ),
)

NCA = Source(
    name="nca",
    agency_code="NCA",
    label="NCA",
    description="National Crime Agency: potential victims identified, one CSV a month.",
    files=(
        FileKind(
            part="main",
            pattern=rf"^nca/nca_victims_{MONTH}\\.csv$",
            format="csv",
            submitter="NCA",
            tables=(NCA_VICTIMS,),
        ),
    ),
)

SOURCES = (*SOURCES, NCA)
"""

STAGING_MODEL = """with

source as (
    select * from {{ source('nca', 'nca_victims') }}
),

renamed as (
    select
        _sha256 as return_sha256,
        _submitter as submitter_code,
        _month as month,
        _version as return_version,
        _row as source_row,
        victim_ref,
        force_code,
        gender,
        nationality as nationality_code,
        exploitation_type,
        identified_date,
        nrm_referred,
        {{ pseudonym_columns() }}
    from source
)

select * from renamed
"""

SEED_ROW = "NCA,National Crime Agency\n"

HEADER = "victim_ref,given_name,family_name,date_of_birth,gender,nationality,force_code,exploitation_type,"
HEADER += "identified_date,nrm_referred\n"
# February: on time, and Zofia Kowalczyk is the police's MET-V-1 (same force area, same day). March: first received
# after the 15th of April, so LATE. April: a required column missing, so QUARANTINED. May: never sent, so MISSING
# (a CPS return for May makes May a month of the warehouse).
NCA_RETURNS = {
    "nca/nca_victims_2018-02.csv": (
        HEADER + "NCA-1,Zofia,Kowalczyk,1990-07-14,FEMALE,POL,E23000001,LABOUR,2018-02-03,Y\n",
        dt.datetime(2018, 3, 5, 9, 0, tzinfo=dt.UTC),
    ),
    "nca/nca_victims_2018-03.csv": (
        HEADER + "NCA-2,Amara,Quist,1979-04-02,FEMALE,GHA,E23000002,SEXUAL,2018-03-12,N\n",
        dt.datetime(2018, 4, 20, 9, 0, tzinfo=dt.UTC),
    ),
    "nca/nca_victims_2018-04.csv": (
        "victim_ref,given_name\nNCA-3,Lena\n",
        dt.datetime(2018, 5, 4, 9, 0, tzinfo=dt.UTC),
    ),
    "cps/cps_msht_2018-05.csv": (fx.CPS_HEADER + "\n", dt.datetime(2018, 6, 4, 9, 0, tzinfo=dt.UTC)),
}


def _add_fifth_source(project: Path) -> None:
    catalogue = project / "include" / "msdw" / "sources" / "catalogue.py"
    catalogue.write_text(catalogue.read_text() + DESCRIPTION)
    staging = project / "dbt_project" / "models" / "staging" / "nca"
    staging.mkdir()
    (staging / "stg_nca__victims.sql").write_text(STAGING_MODEL)
    with (project / "seeds" / "agencies.csv").open("a") as seed:
        seed.write(SEED_ROW)


def _python(project: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return run_python(project, *args, timeout=timeout)


@pytest.fixture(scope="module")
def fifth(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Warehouse, str]:
    root = tmp_path_factory.mktemp("fifth")
    project = copy_project(root / "project")
    _add_fifth_source(project)
    regenerated = _python(project, "-m", "msdw.generated")
    assert regenerated.returncode == 0, regenerated.stdout[-3000:] + regenerated.stderr[-3000:]

    inbox = root / "inbox"
    fx.write_inbox(inbox, with_bad=False)
    for rel, (text, received) in NCA_RETURNS.items():
        path = inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (received.timestamp(), received.timestamp()))
    warehouse = Warehouse.at(root / "warehouse")
    run = _python(project, "-m", "msdw.cli", "run", "--inbox", str(inbox), "--warehouse", str(warehouse.root))
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-5000:]
    assert "Published" in run.stdout
    return project, warehouse, run.stdout


def test_only_the_description_the_staging_model_and_the_seed_row_were_edited(fifth) -> None:
    project, _, _ = fifth
    generated = project / "dbt_project" / "models" / "staging" / "nca" / "_nca__sources.yml"
    assert generated.is_file()
    assert (project / "expectations" / "returns" / "nca_victims.json").is_file()
    union = project / "dbt_project" / "models" / "intermediate" / "int_victim_identifications_unioned.sql"
    assert "ref('stg_nca__victims')" in union.read_text()
    assert "NCA" in (project / "docs" / "returns.md").read_text()


def test_fifth_source_returns_accepted_late_quarantined_missing_in_both_readers(fifth) -> None:
    project, warehouse, stdout = fifth
    assert "ingest_nca: success" in stdout
    status = _python(
        project,
        "-c",
        "import json, sys; from msdw.status import return_status; from msdw.warehouse import Warehouse;"
        " print(json.dumps([[str(r[0]), *r[1:5]] for r in return_status(Warehouse.at(sys.argv[1]))]))",
        str(warehouse.root),
    )
    assert status.returncode == 0, status.stderr[-3000:]
    python_rows = {tuple(r) for r in json.loads(status.stdout)}
    with duckdb.connect(os.fspath(warehouse.marts), read_only=True) as con:
        dbt_rows = {
            (str(m), s, sub, p, st)
            for m, s, sub, p, st in con.execute(
                "select month, source, submitter, part, status from mart_return_status"
            ).fetchall()
        }
    assert python_rows == dbt_rows
    nca = {month: st for month, source, _, _, st in python_rows if source == "nca"}
    assert nca == {
        "2018-02-01": "ACCEPTED",
        "2018-03-01": "LATE",
        "2018-04-01": "QUARANTINED",
        "2018-05-01": "MISSING",
    }
    assert {st for *_, st in python_rows} == {"ACCEPTED", "LATE", "QUARANTINED", "MISSING"}


def test_fifth_source_victims_counted_under_its_agency_and_linked(fifth) -> None:
    _, warehouse, _ = fifth
    with duckdb.connect(os.fspath(warehouse.marts), read_only=True) as con:
        counts = dict(
            con.execute(
                "select strftime(month, '%Y-%m'), victims_identified from mart_monthly_summary"
                " where agency_code = 'NCA' order by month"
            ).fetchall()
        )
        assert counts == {"2018-02": 1, "2018-03": 1, "2018-04": 0, "2018-05": 0}
        people = dict(
            con.execute(
                "select identification_id, person_id from fct_victim_identifications"
                " where identification_id in ('NCA:NCA:NCA-1', 'POLICE:E23000001:MET-V-1', 'NCA:NCA:NCA-2')"
            ).fetchall()
        )
        assert people["NCA:NCA:NCA-1"] == people["POLICE:E23000001:MET-V-1"]
        assert people["NCA:NCA:NCA-2"] != people["POLICE:E23000001:MET-V-1"]
        (agencies,) = con.execute(
            "select agencies_count from fct_victims where person_id = ?", [people["NCA:NCA:NCA-1"]]
        ).fetchone()
        assert agencies == 3  # Zofia Kowalczyk: the police, the GLAA's workbook and the NCA


def test_fifth_source_disclosure_controlled_in_open_data(fifth) -> None:
    _, warehouse, _ = fifth
    with (warehouse.root / "open_data" / "summary_by_year.csv").open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("agency_code") == "NCA"]
    assert rows, "no NCA row in summary_by_year.csv"
    assert rows[0]["victims_identified"] == "[c]"  # 2 victims: a count from 1 to 4 is never shown
