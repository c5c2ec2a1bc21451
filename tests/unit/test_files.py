import stat
from pathlib import Path

import duckdb
import pytest

from msdw.files import replace_atomically, write_bytes_atomically, write_text_atomically


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "record.json"
    write_text_atomically(target, "first")
    write_text_atomically(target, "second\r\n")

    assert target.read_bytes() == b"second\r\n"
    assert [p.name for p in target.parent.iterdir()] == ["record.json"]


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "state.duckdb"
    write_text_atomically(target, "old")

    def half_write(temp: Path) -> None:
        temp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_atomically(target, half_write)

    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.duckdb"]


def test_the_writer_gets_a_new_path_beside_the_target_so_duckdb_can_create_a_database_there(tmp_path: Path) -> None:
    target = tmp_path / "state.duckdb"
    seen: list[Path] = []

    def build(temp: Path) -> None:
        seen.append(temp)
        assert not temp.exists()
        with duckdb.connect(str(temp)) as con:
            con.execute("create table t as select 42 as answer")

    replace_atomically(target, build)
    replace_atomically(target, build)

    assert seen[0].parent == tmp_path and seen[0] != seen[1]
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select answer from t").fetchall() == [(42,)]


def test_bytes_get_their_final_mode_and_no_one_else_can_read_them_by_default(tmp_path: Path) -> None:
    archived = tmp_path / "ab" / "abcdef"
    write_bytes_atomically(archived, b"return", mode=0o400)
    sidecar = tmp_path / "ab" / "abcdef.json"
    write_bytes_atomically(sidecar, b"[]")

    assert archived.read_bytes() == b"return" and _mode(archived) == 0o400
    assert _mode(sidecar) == 0o600
