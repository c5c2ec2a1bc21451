"""Every artefact generated from the source and mart descriptions, and the one command that rewrites them all.

``make generate`` (``python -m msdw.generated``) writes the dbt sources YAML, the dbt models of the union of victim
identifications and of the codes that name submitters, the seed of the marts' code lists, the agencies'
specification ``docs/returns.md``, the Great Expectations suites of the returns and the marts, and the data
dictionary. Tests check that every committed artefact equals what is generated (``tests/unit/test_generated.py`` and
the suites' and dictionary's own tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from msdw.sources import SOURCES, Source, Table
from msdw.sources.document import RETURNS_DOC, render_returns_doc
from msdw.sources.spec import Identifications
from msdw.transform import PROJECT_DIR

REPO = PROJECT_DIR.parent
GENERATED_SQL_HEADER = (
    "-- Generated from msdw.sources by `make generate`: change the source descriptions, then regenerate.\n"
)
CODE_LISTS_SEED = REPO / "seeds" / "code_lists.csv"
IDENTIFICATIONS_MODEL = PROJECT_DIR / "models" / "intermediate" / "int_victim_identifications_unioned.sql"
SUBMITTERS_MODEL = PROJECT_DIR / "models" / "intermediate" / "int_submitter_codes.sql"
PSEUDONYM_COLUMNS = (
    "given_name_key",
    "family_name_key",
    "dob_key",
    "birth_year",
    "birth_month",
    "name_token_keys",
    "name_phonetic_keys",
    "name_gram_keys",
)


@dataclass(frozen=True)
class PersonTable:
    """A table of the descriptions whose rows are victims identified."""

    source: Source
    table: Table
    identifications: Identifications

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def agency_code(self) -> str:
        return self.source.agency_code

    @property
    def model(self) -> str:
        return self.source.staging_model(self.table)


def person_tables() -> tuple[PersonTable, ...]:
    """Every described table of victims identified, in the order of the descriptions."""
    return tuple(
        PersonTable(s, t, t.identifications) for s in SOURCES for t in s.tables if t.identifications is not None
    )


def _lookup_ctes(tables: tuple[PersonTable, ...]) -> list[str]:
    """The look-ups the places need: a reference seed as is, or the latest force of each key of a raw table."""
    ctes: list[str] = []
    for person in tables:
        place = person.identifications.place
        if place is None or place.via not in ("seed", "latest"):
            continue
        cte = f"{person.name}_places"
        if place.via == "seed":
            body = (
                f"    select\n        {place.lookup_key},\n        force_code\n    from {{{{ ref('{place.lookup}') }}}}"
            )
        else:
            body = (
                f"    -- where each {place.column} was, as last reported\n"
                "    select\n"
                f"        {place.column},\n"
                "        arg_max(force_code, month) as force_code\n"
                f"    from {{{{ ref('int_{place.lookup}_latest') }}}}\n"
                "    where force_code is not null\n"
                f"    group by {place.column}"
            )
        ctes.append(f"{cte} as (\n{body}\n)")
    return ctes


def _wrapped(line: str, width: int = 120) -> str:
    """A select item too long for one line, with its alias on the next."""
    if len(line) <= width or " as " not in line:
        return line
    expression, alias = line.rsplit(" as ", 1)
    return f"{expression}\n            as {alias}"


def _select_identifications(person: PersonTable) -> str:
    ids, rows = person.identifications, person.name

    def col(name: str | None, kind: str, alias: str) -> str:
        if name is None:
            return f"cast(null as {kind}) as {alias}"
        return f"{rows}.{name}" + ("" if name == alias else f" as {alias}")

    place = ids.place
    join = ""
    if place is None:
        force = "cast(null as varchar)"
    elif place.via == "submitter":
        force = f"{rows}.submitter_code"
    elif place.via == "column":
        force = f"{rows}.{place.model_column}"
    else:
        places = f"{rows}_places"
        key = place.lookup_key or place.column
        force = f"{places}.force_code"
        join = f"\n    left join {places}\n        on {rows}.{place.model_column} = {places}.{key}"
    child = f", '{rows}.{ids.child_flag}'" if ids.child_flag else ""
    if ids.exploitation_list:
        exploitation = f"{{{{ exploitation_from_indicators('{rows}.{ids.exploitation}') }}}}"
    elif ids.exploitation:
        exploitation = f"coalesce({rows}.{ids.exploitation}, '{ids.exploitation_default}')"
    else:
        exploitation = f"'{ids.exploitation_default}'"
    columns = [
        f"'{person.agency_code}:' || {rows}.submitter_code || ':' || {rows}.{ids.record_ref} as identification_id",
        f"'{person.agency_code}' as agency_code",
        f"{rows}.submitter_code",
        f"{rows}.{ids.record_ref} as record_ref",
        force if force.endswith(".force_code") else f"{force} as force_code",
        f"{rows}.month",
        f"{rows}.identified_date",
        f"{rows}.nationality_code",
        f"{rows}.gender",
        f"{rows}.age_at_identification",
        f"{rows}.age_source",
        f"{{{{ age_group('{rows}.age_at_identification'{child}) }}}} as age_group",
        f"{exploitation} as exploitation_type",
        f"{rows}.nrm_referred",
        col(ids.dtn_submitted, "boolean", "dtn_submitted"),
        col(ids.crime_recorded, "boolean", "crime_recorded"),
        col(ids.operation_id, "varchar", "operation_id"),
        *(f"{rows}.{c}" for c in PSEUDONYM_COLUMNS),
        f"{rows}.return_version",
        f"{rows}.processed_at",
    ]
    body = ",\n".join(_wrapped(f"        {c}") for c in columns)
    return f"from_{rows} as (\n    select\n{body}\n    from {rows}{join}\n)"


def identifications_model_sql() -> str:
    """``int_victim_identifications_unioned``: the latest accepted rows of every described table of victims, as one
    row per identification, with the place (police force area) where each was made."""
    tables = person_tables()
    ctes = [f"{p.name} as (\n    {{{{ latest_accepted(ref('{p.model}')) }}}}\n)" for p in tables]
    ctes += _lookup_ctes(tables)
    ctes += [_select_identifications(p) for p in tables]
    union = "\n    union all by name\n".join(f"    select * from from_{p.name}" for p in tables)
    ctes.append(f"unioned as (\n{union}\n)")
    ctes.append(
        "final as (\n"
        "    select\n"
        "        identification_id,\n"
        "        agency_code,\n"
        "        submitter_code,\n"
        "        record_ref,\n"
        "        force_code,\n"
        "        month,\n"
        "        identified_date,\n"
        "        coalesce(nationality_code, 'UNK') as nationality_code,\n"
        "        coalesce(gender, 'UNKNOWN') as gender,\n"
        "        age_at_identification,\n"
        "        age_source,\n"
        "        age_group,\n"
        "        exploitation_type,\n"
        "        coalesce(nrm_referred, false) as nrm_referred,\n"
        "        dtn_submitted,\n"
        "        crime_recorded,\n"
        "        operation_id,\n" + "".join(f"        {c},\n" for c in PSEUDONYM_COLUMNS) + "        return_version,\n"
        "        processed_at\n"
        "    from unioned\n"
        ")"
    )
    config = (
        "{{\n    config(\n        materialized='incremental',\n        incremental_strategy='delete+insert',\n"
        "        unique_key='month',\n    )\n}}\n"
    )
    return f"{config}\n{GENERATED_SQL_HEADER}\nwith\n\n" + ",\n\n".join(ctes) + "\n\nselect * from final\n"


def submitter_codes_model_sql() -> str:
    """``int_submitter_codes``: the codes that may name a submitter in the paths, for each source whose description
    names a reference seed of submitters (``Source.submitters``); read by ``int_returns_expected``."""
    from msdw import reference

    selects = [
        f"select\n    '{s.name}' as source,\n    {reference.code_column(s.submitters)} as submitter_code\n"
        f"from {{{{ ref('{s.submitters}') }}}}"
        for s in SOURCES
        if s.submitters
    ]
    body = "\n\nunion all\n\n".join(selects) or (
        "select\n    cast(null as varchar) as source,\n    cast(null as varchar) as submitter_code\nlimit 0"
    )
    return f"{GENERATED_SQL_HEADER}\n{body}\n"


def code_lists_csv() -> str:
    """The seed of the code lists that the marts' dbt tests ``in_code_list`` read, from ``msdw.sources.codes``."""
    from msdw.sources.codes import CODE_LISTS

    rows = [f"{name},{code}" for name, codes in CODE_LISTS.items() for code in codes]
    return "\n".join(["code_list,code", *rows]) + "\n"


# --- the one command --------------------------------------------------------------------------------------------------


def _text_files() -> dict[Path, str]:
    """Generated files whose text this module can compute without writing."""
    from msdw.dbt_sources import sources_files

    files = dict(sources_files())
    files[IDENTIFICATIONS_MODEL] = identifications_model_sql()
    files[SUBMITTERS_MODEL] = submitter_codes_model_sql()
    files[RETURNS_DOC] = render_returns_doc()
    files[CODE_LISTS_SEED] = code_lists_csv()
    return files


def stale_files() -> list[Path]:
    """Generated text files that differ from what the descriptions give (the suites and dictionary have their own
    drift tests)."""
    return [p for p, text in _text_files().items() if not p.is_file() or p.read_text(encoding="utf-8") != text]


def regenerate(report: Callable[[str], None] = print) -> list[Path]:
    """Rewrite every generated artefact; return the paths written."""
    from msdw.quality.suites import write_mart_suites, write_return_suites
    from msdw.report.dictionary import write_dictionary

    written = []
    for path, text in _text_files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    expectations = REPO / "expectations"
    written += write_return_suites(expectations) + write_mart_suites(expectations)
    written.append(write_dictionary())
    for path in written:
        report(f"{path.relative_to(REPO)}")
    return written


def main() -> int:
    written = regenerate()
    print(f"regenerated {len(written)} files from the descriptions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
