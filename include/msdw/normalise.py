"""Value normalisers as DuckDB SQL expressions, so that whole returns are typed in bulk.

:func:`clean` turns a cell as received into its trimmed text, or NULL for the null words. Every other builder takes a
SQL expression yielding *cleaned* text and returns a SQL expression yielding the typed value, or NULL when the text
cannot be read: a cleaned cell that is not null but types as NULL is a parse error. Cleaning once and typing once per
cell is what keeps large returns fast.

Nationalities are looked up in a DuckDB variable ``nationality_map`` (alias -> alpha-3) that
:func:`install_lookups` sets on a connection from :func:`msdw.reference.nationality_aliases`.
"""

from __future__ import annotations

import itertools

import duckdb

from msdw.reference import normalise_alias_sql
from msdw.sources import codes
from msdw.sources.spec import Column, ColumnType


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join(_quote(v) for v in values)


def _case_variants(word: str) -> set[str]:
    return {"".join(chars) for chars in itertools.product(*[{ch.lower(), ch.upper()} for ch in word])}


NULL_WORDS = tuple(sorted(set().union(*(_case_variants(w) for w in codes.NULL_STRINGS))))


def is_null(x: str) -> str:
    """True where the cell is empty, blank, or one of the null words (``NULL``, ``N/A``, ``-``) in any case."""
    return f"(coalesce(trim({x}), '') in ({_in_list(NULL_WORDS)}))"


def clean(x: str) -> str:
    """The cell without surrounding spaces, or NULL for the null words.

    The null words are matched as a set of constants (every case variant), not through ``upper()``, and spaces are
    trimmed once: this runs on every cell of every return.
    """
    return f"(case when trim({x}) in ({_in_list(NULL_WORDS)}) then null else trim({x}) end)"


def text(x: str) -> str:
    return x


def integer(x: str) -> str:
    return f"(case when regexp_full_match({x}, '[+-]?[0-9]+(\\.0+)?') then try_cast({x} as bigint) end)"


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def date(x: str) -> str:
    """ISO ``YYYY-MM-DD`` or UK ``DD/MM/YYYY`` (a workbook's date-time at midnight reads as its date)."""
    return f"try_strptime({x}, [{_in_list(DATE_FORMATS)}])::date"


def timestamp(x: str) -> str:
    """ISO 8601 with an offset or ``Z``, as a UTC TIMESTAMP; one without an offset is read as UTC."""
    return f"(try_cast({x} as timestamptz) at time zone 'UTC')"


def boolean(x: str) -> str:
    c = f"upper({x})"
    return (
        f"(case when {c} in ({_in_list(codes.TRUE_WORDS)}) then true"
        f" when {c} in ({_in_list(codes.FALSE_WORDS)}) then false end)"
    )


def money(x: str) -> str:
    """A number, or text such as ``£1,234.50`` or ``GBP 12``."""
    stripped = f"regexp_replace({x}, '(£|GBP|\\s|,)', '', 'gi')"
    return (
        f"(case when regexp_full_match({stripped}, '[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)')"
        f" then try_cast({stripped} as decimal(18,2)) end)"
    )


def code(x: str, aliases: dict[str, str] | None = None) -> str:
    """An enum code: upper case, spaces and hyphens as underscores, aliases applied. Unknown codes are kept for the
    validation gate to report."""
    c = f"regexp_replace(upper({x}), '[\\s-]+', '_', 'g')"
    if not aliases:
        return c
    cases = " ".join(f"when {_quote(k)} then {_quote(v)}" for k, v in aliases.items())
    return f"(case {c} {cases} else {c} end)"


def nationality(x: str) -> str:
    return (
        f"(case when {x} is null then null"
        f" else coalesce(getvariable('nationality_map')[{normalise_alias_sql(x)}], '{codes.UNKNOWN_NATIONALITY}') end)"
    )


def nationality_counts(x: str) -> str:
    """``Albanian:3;GBR:1`` as a list of (nationality_code, suspects); a malformed entry makes the whole cell NULL."""
    entries = f"list_filter(string_split({x}, ';'), lambda e: trim(e) <> '')"
    parsed = (
        f"list_transform({entries}, lambda e: {{'nationality_code': "
        f"{nationality('trim(regexp_extract(e, ' + _quote('^(.*):') + ', 1))')}, "
        f"'suspects': {integer('trim(regexp_extract(e, ' + _quote(':([^:]*)$') + ', 1))')}}})"
    )
    return (
        f"(case when {x} is null then null"
        f" when list_bool_and(list_transform({entries}, lambda e: regexp_full_match(trim(e), '.+:\\s*[0-9]+')))"
        f" then {parsed} end)"
    )


def exploitation_list(x: str) -> str:
    """A JSON list of exploitation codes, as a list of upper-case codes (empty list for an empty or null cell)."""
    return (
        f"coalesce(list_transform(try_cast(json_extract({x}, '$') as varchar[]),"
        f" lambda e: regexp_replace(upper(trim(e)), '[\\s-]+', '_', 'g')), [])"
    )


def typed(column: Column, x: str) -> str:
    """The typed value of ``column`` read from the text expression ``x``."""
    match column.type:
        case ColumnType.TEXT:
            return text(x)
        case ColumnType.INTEGER:
            return integer(x)
        case ColumnType.DATE:
            return date(x)
        case ColumnType.TIMESTAMP:
            return timestamp(x)
        case ColumnType.BOOLEAN:
            return boolean(x)
        case ColumnType.MONEY:
            return money(x)
        case ColumnType.ENUM:
            return code(x, column.aliases)
        case ColumnType.NATIONALITY:
            return nationality(x)
        case ColumnType.NATIONALITY_COUNTS:
            return nationality_counts(x)
        case ColumnType.EXPLOITATION_LIST:
            return exploitation_list(x)
    raise ValueError(f"no normaliser for {column.type}")


def can_fail(column: Column) -> bool:
    """Whether a non-null cell may fail to read (then it is a parse error)."""
    return column.type not in (ColumnType.TEXT, ColumnType.ENUM, ColumnType.NATIONALITY, ColumnType.EXPLOITATION_LIST)


def install_lookups(con: duckdb.DuckDBPyConnection, aliases: dict[str, str]) -> None:
    """Set the ``nationality_map`` variable that :func:`nationality` reads."""
    keys = list(aliases)
    con.execute("set variable nationality_map = map(?::varchar[], ?::varchar[])", [keys, [aliases[k] for k in keys]])
