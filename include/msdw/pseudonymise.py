"""Keyed pseudonyms for names and dates of birth, computed in bulk inside DuckDB.

A pseudonym is HMAC-SHA256 under the secret key, over a purpose prefix and a normalised value, so equal values give
equal pseudonyms within one key and nothing can be recovered without the key. What linkage and age need is kept:
per-token pseudonyms of normalised name parts, of their phonetic codes and of their character bigrams; year and
month of birth; age at identification. Names and dates of birth themselves are dropped.

The key comes from ``MSDW_PSEUDONYM_KEY`` or, when unset, from a key file in the warehouse folder created with mode
0600. It is never logged.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
from pathlib import Path

import duckdb
import jellyfish
import pyarrow as pa

from msdw.returns import MsdwError
from msdw.sources.spec import PersonFields

KEY_ENV = "MSDW_PSEUDONYM_KEY"
BLOCK = 64  # SHA-256 block size, for HMAC


class PseudonymKeyError(MsdwError):
    """The pseudonym key is missing, unreadable or too weak."""

    pass


def load_key(key_file: Path) -> bytes:
    """The pseudonym key: ``MSDW_PSEUDONYM_KEY`` if set, else the key file, created (mode 0600) when missing."""
    env = os.environ.get(KEY_ENV)
    if env:
        if len(env) < 16:
            raise PseudonymKeyError(
                f"{KEY_ENV} is too short: use at least 32 random characters (e.g. `openssl rand -hex 32`)"
            )
        return env.encode()
    if key_file.exists():
        if key_file.stat().st_mode & 0o077:
            key_file.chmod(0o600)
        key = key_file.read_text().strip().encode()
        if not key:
            raise PseudonymKeyError(f"{key_file} is empty: restore the key from its backup, or set {KEY_ENV}")
        return key
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return key_file.read_text().strip().encode()


def install_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Set the HMAC pads on ``con`` for :func:`hmac_sql`, and the phonetic function."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(BLOCK, b"\0")
    con.execute("set variable hmac_ipad = ?::blob", [bytes(b ^ 0x36 for b in padded)])
    con.execute("set variable hmac_opad = ?::blob", [bytes(b ^ 0x5C for b in padded)])
    with contextlib.suppress(duckdb.CatalogException):  # already installed on this connection
        con.create_function("msdw_phonetic", _phonetic_arrow, [str], str, type="arrow")


@functools.lru_cache(maxsize=200_000)
def phonetic(token: str) -> str:
    """Phonetic code of one normalised name token (Metaphone)."""
    return jellyfish.metaphone(token) or token


def _phonetic_arrow(tokens: pa.Array) -> pa.Array:
    return pa.array([None if t is None else phonetic(t) for t in tokens.to_pylist()], type=pa.string())


def hmac_sql(message: str, purpose: str) -> str:
    """SQL for the hex HMAC-SHA256 of ``purpose:message`` under the installed key (NULL for a NULL message)."""
    inner = f"sha256(getvariable('hmac_ipad') || encode('{purpose}:' || {message}))"
    return f"sha256(getvariable('hmac_opad') || unhex({inner}))"


def name_norm_sql(x: str) -> str:
    """Upper case, accents stripped, anything but letters as a single space; NULL when nothing is left."""
    return f"nullif(trim(regexp_replace(upper(strip_accents(coalesce({x}, ''))), '[^A-Z]+', ' ', 'g')), '')"


def _tokens_sql(x: str) -> str:
    return f"coalesce(string_split({name_norm_sql(x)}, ' '), [])"


def person_select(person: PersonFields, identified_is_timestamp: bool) -> list[str]:
    """Select items that replace a table's personal columns by the pseudonym columns of :data:`msdw.raw`."""
    given, family, dob = person.given_name, person.family_name, person.date_of_birth
    tokens = f"list_sort(list_distinct(list_concat({_tokens_sql(given)}, {_tokens_sql(family)})))"
    grams = (
        f"list_sort(list_distinct(flatten(list_transform({tokens}, lambda t: "
        f"list_transform(range(length(t) + 1), lambda i: substr('_' || t || '_', i + 1, 2))))))"
    )
    phonetics = f"list_sort(list_distinct(list_transform({tokens}, lambda t: msdw_phonetic(t))))"
    identified = f"{person.identified}::date" if identified_is_timestamp else person.identified
    age_from_dob = (
        f"(year({identified}) - year({dob}) - "
        f"case when strftime({identified}, '%m%d') < strftime({dob}, '%m%d') then 1 else 0 end)"
    )
    estimate = person.age_estimate
    age = f"coalesce({age_from_dob}, {estimate})" if estimate else age_from_dob
    age_source = (
        f"case when {dob} is not null and {identified} is not null then 'DATE_OF_BIRTH'"
        + (f" when {estimate} is not null then 'ESTIMATE'" if estimate else "")
        + " end"
    )
    return [
        f"{hmac_sql(name_norm_sql(given), 'given')} as given_name_key",
        f"{hmac_sql(name_norm_sql(family), 'family')} as family_name_key",
        f"list_transform({tokens}, lambda t: {hmac_sql('t', 'token')}) as name_token_keys",
        f"list_transform({phonetics}, lambda t: {hmac_sql('t', 'phonetic')}) as name_phonetic_keys",
        f"list_transform({grams}, lambda t: {hmac_sql('t', 'gram')}) as name_gram_keys",
        f"year({dob})::integer as birth_year",
        f"month({dob})::integer as birth_month",
        f"{hmac_sql(f'strftime({dob}, {chr(39)}%Y-%m-%d{chr(39)})', 'dob')} as dob_key",
        f"({age})::integer as age_at_identification",
        f"({age_source}) as age_source",
    ]
