"""Reference data: forces, ports, CPS Areas and nationalities, read from the CSV seeds that dbt also loads.

The seeds folder is ``seeds/`` at the root of the repository, or the folder named by the environment variable
``MSDW_SEEDS_DIR``. Every loader is cached per folder, so changing the variable takes effect on the next call.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msdw
from msdw.errors import SetupError
from msdw.sources.codes import NULL_STRINGS, UNKNOWN_NATIONALITY

SEEDS_DIR_ENV = "MSDW_SEEDS_DIR"
LIST_SEPARATOR = ";"

_REMOVED_CHARACTERS = re.compile(r"[.'’‘`]")
_WHITESPACE = re.compile(r"\s+")


_FORCE_COLUMNS = (
    "force_code",
    "force_name",
    "region",
    "nation",
    "cps_area",
    "kind",
    "rocu_code",
    "population_weight",
)
_NATIONALITY_COLUMNS = ("nationality_code", "alpha2", "nationality_name", "demonyms", "aliases")


class ReferenceDataError(SetupError):
    """A seed file is missing or malformed."""


@dataclass(frozen=True)
class Force:
    force_code: str
    force_name: str
    region: str
    nation: str
    cps_area: int | None
    kind: str
    rocu_code: str | None
    population_weight: float


@dataclass(frozen=True)
class Port:
    port_code: str
    port_name: str
    force_code: str


@dataclass(frozen=True)
class Nationality:
    nationality_code: str
    alpha2: str | None
    nationality_name: str
    demonyms: tuple[str, ...]
    aliases: tuple[str, ...]

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every accepted spelling, as written in the seed: codes, name, demonyms, aliases."""
        codes = (self.nationality_code,) if self.alpha2 is None else (self.nationality_code, self.alpha2)
        return (*codes, self.nationality_name, *self.demonyms, *self.aliases)


# --- locating and reading seeds --------------------------------------------------------------------------------------


def seeds_dir() -> Path:
    """The folder holding the seed CSVs: ``$MSDW_SEEDS_DIR`` if set, else ``seeds/`` at the repository root."""
    override = os.environ.get(SEEDS_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path(msdw.__file__).resolve().parents[2] / "seeds"


def read_seed(name: str, directory: Path | None = None) -> list[dict[str, str | None]]:
    """Rows of ``<name>.csv`` as dicts; empty cells are None."""
    return [dict(row) for row in _read_seed(name, (directory or seeds_dir()).resolve()).rows]


@dataclass(frozen=True)
class _Seed:
    path: Path
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, str | None], ...]

    def require(self, *columns: str) -> tuple[Mapping[str, str | None], ...]:
        missing = [column for column in columns if column not in self.columns]
        if missing:
            raise ReferenceDataError(
                f"Seed {self.path} lacks the column(s) {', '.join(missing)}; add them to its header."
            )
        return self.rows


@cache
def _read_seed(name: str, directory: Path) -> _Seed:
    path = directory / f"{name}.csv"
    if not path.is_file():
        raise ReferenceDataError(
            f"Seed {path} not found; set {SEEDS_DIR_ENV} to the folder holding the reference CSVs "
            "or restore seeds/ from the repository."
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = tuple({key: _cell(value) for key, value in row.items()} for row in reader)
        columns = tuple(reader.fieldnames or ())
    return _Seed(path=path, columns=columns, rows=rows)


def _cell(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _required(row: Mapping[str, str | None], column: str, seed: str) -> str:
    value = row.get(column)
    if value is None:
        raise ReferenceDataError(
            f"Seed {seed}.csv: column {column!r} is empty or missing in row {dict(row)}; fill it in."
        )
    return value


def _integer(value: str | None, column: str, seed: str) -> int | None:
    return None if value is None else _whole_number(value, column, seed)


def _whole_number(value: str, column: str, seed: str) -> int:
    try:
        return int(value)
    except ValueError as error:
        raise ReferenceDataError(f"Seed {seed}.csv: {column}={value!r} is not an integer; correct the CSV.") from error


def _number(value: str, column: str, seed: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise ReferenceDataError(f"Seed {seed}.csv: {column}={value!r} is not a number; correct the CSV.") from error


def _split(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())


# --- forces, ports, CPS Areas ----------------------------------------------------------------------------------------


def forces() -> dict[str, Force]:
    """Every police force and unit, by force code."""
    return dict(_forces(seeds_dir()))


def force_codes() -> frozenset[str]:
    return frozenset(_forces(seeds_dir()))


def code_column(seed: str) -> str:
    """The column of a reference seed that holds its codes: its first (``forces``: ``force_code``)."""
    table = _read_seed(seed, seeds_dir())
    if not table.columns:
        raise ReferenceDataError(f"Seed {table.path} has no header; its first column must name its codes.")
    return table.columns[0]


def codes(seed: str) -> frozenset[str]:
    """The codes of a reference seed: the values of its first column (``forces``: every force code)."""
    column = code_column(seed)
    return frozenset(row[column] for row in _read_seed(seed, seeds_dir()).rows if row[column])


def seed_values(seed: str, column: str) -> tuple[str | int, ...]:
    """The distinct values of ``column`` in ``<seed>.csv``, in the file's order, typed as ``_seeds.yml`` declares
    them for dbt (an ``integer`` column gives ints): the codes a mart's ``relationships`` test to the seed allows."""
    table = _read_seed(seed, seeds_dir())
    rows = table.require(column)
    integer = _declared_types(seeds_dir()).get((seed, column), "").lower() in ("integer", "int", "bigint")
    values = (row[column] for row in rows if row[column] is not None)
    return tuple(dict.fromkeys(_whole_number(v, column, seed) if integer else v for v in values))


@cache
def _declared_types(directory: Path) -> Mapping[tuple[str, str], str]:
    """``(seed, column) -> type`` from the ``column_types`` of ``_seeds.yml`` beside the CSVs."""
    import yaml

    path = directory / "_seeds.yml"
    if not path.is_file():
        return {}
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        (seed["name"], column): str(kind)
        for seed in spec.get("seeds", [])
        for column, kind in ((seed.get("config") or {}).get("column_types") or {}).items()
    }


@cache
def _forces(directory: Path) -> Mapping[str, Force]:
    seed = "forces"
    result: dict[str, Force] = {}
    for row in _read_seed(seed, directory).require(*_FORCE_COLUMNS):
        force = Force(
            force_code=_required(row, "force_code", seed),
            force_name=_required(row, "force_name", seed),
            region=_required(row, "region", seed),
            nation=_required(row, "nation", seed),
            cps_area=_integer(row.get("cps_area"), "cps_area", seed),
            kind=_required(row, "kind", seed),
            rocu_code=row.get("rocu_code"),
            population_weight=_number(_required(row, "population_weight", seed), "population_weight", seed),
        )
        _add_unique(result, force.force_code, force, seed)
    return result


def ports() -> dict[str, Port]:
    """Border Force ports, by port code, with the police force area each lies in."""
    return dict(_ports(seeds_dir()))


@cache
def _ports(directory: Path) -> Mapping[str, Port]:
    seed = "ports"
    result: dict[str, Port] = {}
    for row in _read_seed(seed, directory).require("port_code", "port_name", "force_code"):
        port = Port(
            port_code=_required(row, "port_code", seed),
            port_name=_required(row, "port_name", seed),
            force_code=_required(row, "force_code", seed),
        )
        _add_unique(result, port.port_code, port, seed)
    return result


def cps_areas() -> dict[int, str]:
    """CPS Area number to name."""
    return dict(_cps_areas(seeds_dir()))


@cache
def _cps_areas(directory: Path) -> Mapping[int, str]:
    seed = "cps_areas"
    result: dict[int, str] = {}
    for row in _read_seed(seed, directory).require("cps_area", "cps_area_name"):
        number = _whole_number(_required(row, "cps_area", seed), "cps_area", seed)
        _add_unique(result, number, _required(row, "cps_area_name", seed), seed)
    return result


def _add_unique(target: dict[Any, Any], key: object, value: object, seed: str) -> None:
    if key in target:
        raise ReferenceDataError(f"Seed {seed}.csv lists {key!r} twice; keep one row per key.")
    target[key] = value


# --- nationalities ---------------------------------------------------------------------------------------------------


def normalise_alias(text: str) -> str:
    """The comparison form of a nationality spelling: upper case, ``&`` as ``AND``, no dots or apostrophes,
    single spaces, no surrounding spaces."""
    text = _REMOVED_CHARACTERS.sub("", text.replace("&", "AND"))
    return _WHITESPACE.sub(" ", text.upper()).strip()


def normalise_alias_sql(expression: str) -> str:
    """A DuckDB SQL expression computing :func:`normalise_alias` of ``expression``, for joins against
    :func:`nationality_aliases`."""
    return (
        "trim(regexp_replace(upper(regexp_replace(replace("
        f"{expression}, '&', 'AND'), '[.''’‘`]', '', 'g')), '[\\s\\p{{Z}}]+', ' ', 'g'))"
    )


def nationalities() -> dict[str, Nationality]:
    """Every nationality by ISO 3166-1 alpha-3 code, plus ``XKX`` Kosovo and ``UNK`` Unknown."""
    return dict(_nationalities(seeds_dir()))


@cache
def _nationalities(directory: Path) -> Mapping[str, Nationality]:
    seed = "nationalities"
    result: dict[str, Nationality] = {}
    for row in _read_seed(seed, directory).require(*_NATIONALITY_COLUMNS):
        nationality = Nationality(
            nationality_code=_required(row, "nationality_code", seed),
            alpha2=row.get("alpha2"),
            nationality_name=_required(row, "nationality_name", seed),
            demonyms=_split(row.get("demonyms")),
            aliases=_split(row.get("aliases")),
        )
        _add_unique(result, nationality.nationality_code, nationality, seed)
    if UNKNOWN_NATIONALITY not in result:
        raise ReferenceDataError(f"Seed {seed}.csv has no {UNKNOWN_NATIONALITY!r} row; add 'UNK,,Unknown,,'.")
    return result


def nationality_aliases() -> dict[str, str]:
    """Every accepted nationality spelling, normalised with :func:`normalise_alias`, to its alpha-3 code."""
    return dict(_nationality_aliases(seeds_dir()))


@cache
def _nationality_aliases(directory: Path) -> Mapping[str, str]:
    result: dict[str, str] = {}
    for nationality in _nationalities(directory).values():
        for spelling in nationality.spellings:
            key = normalise_alias(spelling)
            if not key:
                continue
            known = result.setdefault(key, nationality.nationality_code)
            if known != nationality.nationality_code:
                raise ReferenceDataError(
                    f"Seed nationalities.csv: {spelling!r} stands for both {known} and "
                    f"{nationality.nationality_code}; keep it on one row only."
                )
    return result


def normalise_nationality(text: str | None) -> str | None:
    """The alpha-3 code of one nationality value: None for a null value, ``UNK`` when it cannot be recognised."""
    if text is None or text.strip().upper() in NULL_STRINGS:
        return None
    key = normalise_alias(text)
    return _nationality_aliases(seeds_dir()).get(key, UNKNOWN_NATIONALITY)
