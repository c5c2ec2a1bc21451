"""Hand-made raw zones for linkage tests: identifications written as the ingestion writes them, pseudonymised."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass

import duckdb

from msdw import pseudonymise, raw
from msdw.linkage.features import person_tables
from msdw.sources.spec import ColumnType
from msdw.warehouse import Warehouse

KEY = b"linkage-tests-key-0123456789abcdef"
AGENCY_TABLE = {pt.agency_code: pt for pt in person_tables()}


@dataclass(frozen=True)
class Record:
    agency: str  # POLICE | GLAA | BORDER_FORCE
    submitter: str  # force code, GLAA or BF
    ref: str
    given: str | None
    family: str | None
    dob: dt.date | None
    identified: dt.date
    gender: str = "MALE"
    nationality: str = "GBR"
    age_estimate: int | None = None
    version: int = 1

    @property
    def identification_id(self) -> str:
        return f"{self.agency}:{self.submitter}:{self.ref}"

    @property
    def month(self) -> str:
        return self.identified.strftime("%Y-%m")


def write_raw(warehouse: Warehouse, records: list[Record]) -> None:
    """Write ``records`` into the raw zone of ``warehouse``: one Parquet file per table, submitter, month, version."""
    warehouse.ensure()
    groups: dict[tuple[str, str, str, int], list[Record]] = defaultdict(list)
    for r in records:
        groups[(r.agency, r.submitter, r.month, r.version)].append(r)
    con = duckdb.connect()
    pseudonymise.install_key(con, KEY)
    for (agency, submitter, month, version), rows in sorted(groups.items()):
        pt = AGENCY_TABLE[agency]
        table = pt.table
        person = table.person
        assert person is not None
        con.execute(
            "create or replace temp table src (ref varchar, given_name varchar, family_name varchar, "
            "date_of_birth date, identified date, gender varchar, nationality varchar, age_estimate bigint)"
        )
        con.executemany(
            "insert into src values (?, ?, ?, ?, ?, ?, ?, ?)",
            [(r.ref, r.given, r.family, r.dob, r.identified, r.gender, r.nationality, r.age_estimate) for r in rows],
        )
        columns = raw.table_columns(table)
        identified_type = table.column(person.identified).type
        sha = f"{hash((agency, submitter, month, version)) & 0xFFFFFFFFFFFFFFFF:016x}"
        values = {
            "_sha256": f"'{sha}'",
            "_source": f"'{table.name}'",
            "_submitter": f"'{submitter}'",
            "_month": f"date '{month}-01'",
            "_part": "'victims'" if agency == "POLICE" else "'main'",
            "_version": str(version),
            "_received_at": "timestamp '2020-01-01'",
            "_row": "row_number() over ()",
            pt.ref_column: "ref",
            person.identified: "identified",
            "gender": "gender",
            "nationality": "nationality",
        }
        if person.age_estimate:
            values[person.age_estimate] = "age_estimate"
        select = [f"cast({values.get(name, 'null')} as {typ}) as {name}" for name, typ in columns.items()]
        person_items = pseudonymise.person_select(person, identified_type == ColumnType.TIMESTAMP)
        inner = (
            "select *, "
            f"{'cast(identified as timestamp)' if identified_type == ColumnType.TIMESTAMP else 'identified'} "
            f"as {person.identified} from src"
        )
        base = [s for s in select if not s.endswith(tuple(f" as {c}" for c in raw.PERSON_COLUMNS))]
        sql = f"select {', '.join(base)}, {', '.join(person_items)} from ({inner})"
        path = raw.version_path(warehouse.raw, table.name, month, submitter, version, sha)
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy ({sql}) to '{path}' (format parquet)")
    con.close()


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def population(n: int, seed: int, start: dt.date = dt.date(2019, 1, 1), months: int = 12) -> list[Record]:
    """``n`` distinct people with varied names, a third of them identified again (by another agency or force, the
    name typed differently, swapped, or without a date of birth), for training a model in tests."""
    rng = random.Random(seed)
    given = [
        "Adam", "Bora", "Chen", "Dritan", "Elena", "Fatima", "Gheorghe", "Hoa", "Ioana", "Jamal", "Kofi", "Lan",
        "Mihai", "Nadia", "Oleksandr", "Precious", "Quang", "Rashid", "Sokol", "Thu", "Uche", "Vlad", "Wei", "Yusuf",
    ]  # fmt: skip
    family = [
        "Abdi", "Bajrami", "Ceban", "Dang", "Eze", "Farah", "Gashi", "Hussein", "Ionescu", "Jones", "Kaur",
        "Lupu", "Mensah", "Nowak", "Okafor", "Popescu", "Qureshi", "Rusu", "Shehu", "Tran", "Usman", "Vu",
        "Wojcik", "Xhaferi", "Yilmaz", "Zeka", "Kowalczyk", "Nguyen", "Ahmadzai", "Berisha",
    ]  # fmt: skip
    nationalities = ["GBR", "ALB", "VNM", "ROU", "NGA", "POL", "ERI", "SDN"]
    agencies = [("POLICE", "E23000001"), ("POLICE", "E23000005"), ("GLAA", "GLAA"), ("BORDER_FORCE", "BF")]
    out = []
    for i in range(n):
        agency, submitter = rng.choice(agencies)
        identified = start + dt.timedelta(days=rng.randrange(months * 30))
        dob = dt.date(rng.randrange(1960, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
        first = Record(
            agency,
            submitter,
            f"T{seed}-{i}",
            rng.choice(given),
            rng.choice(family) + rng.choice(["", "", "", "a", "u", "escu", "ov"]),
            dob if rng.random() > 0.1 else None,
            identified,
            gender=rng.choice(["MALE", "FEMALE"]),
            nationality=rng.choice(nationalities),
        )
        out.append(first)
        if rng.random() < 0.35:
            agency, submitter = rng.choice(agencies)
            given_name, family_name, birth = first.given, first.family, first.dob
            variant = rng.randrange(4)
            if variant == 1:
                family_name = _typo(family_name, rng)
            elif variant == 2:
                given_name, family_name = family_name, given_name
            elif variant == 3:
                birth = None
            age = None if birth or not first.dob or agency != "POLICE" else (identified.year - first.dob.year)
            out.append(
                Record(
                    agency,
                    submitter,
                    f"T{seed}-{i}-2",
                    given_name,
                    family_name,
                    birth,
                    identified + dt.timedelta(days=rng.randrange(1, 200)),
                    gender=first.gender,
                    nationality=first.nationality,
                    age_estimate=age,
                )
            )
    return out
