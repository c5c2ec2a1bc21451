"""The pseudonym key and the keyed pseudonyms."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import duckdb
import pytest

from msdw import pseudonymise
from msdw.pseudonymise import PseudonymKeyError, hmac_sql, install_key, load_key


def test_key_file_created_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pseudonymise.KEY_ENV, raising=False)
    path = tmp_path / "wh" / "pseudonym.key"
    key = load_key(path)
    assert len(key) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path) == key  # stable across runs


def test_env_key_wins_and_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pseudonymise.KEY_ENV, "x" * 40)
    assert load_key(tmp_path / "k") == b"x" * 40
    assert not (tmp_path / "k").exists()
    monkeypatch.setenv(pseudonymise.KEY_ENV, "short")
    with pytest.raises(PseudonymKeyError, match="too short"):
        load_key(tmp_path / "k")


@pytest.mark.parametrize("key", [b"k" * 10, b"k" * 64, b"k" * 100])
def test_sql_hmac_equals_python_hmac(key: bytes) -> None:
    con = duckdb.connect()
    install_key(con, key)
    got = con.execute(f"select {hmac_sql('$1', 'token')}", ["ANNA"]).fetchall()[0][0]
    assert got == hmac.new(key, b"token:ANNA", hashlib.sha256).hexdigest()
