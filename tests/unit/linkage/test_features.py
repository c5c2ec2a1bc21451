"""The features of identifications, read from the raw zone directly or through the cache of derived rows."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from pathlib import Path

import duckdb
import pytest

from msdw.linkage.features import FEATURES_TABLE, FeatureCache, load_features
from msdw.warehouse import Warehouse
from tests.unit.linkage.rawzone import Record, population, write_raw


def features(warehouse: Warehouse, cache_dir: Path | None = None) -> list[tuple]:
    con = duckdb.connect()
    try:
        load_features(con, warehouse, cache_dir=cache_dir)
        return con.execute(f"select * from {FEATURES_TABLE} order by identification_id").fetchall()
    finally:
        con.close()


def derived_files(caplog: pytest.LogCaptureFixture) -> int:
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("linkage features:")]
    return int(lines[-1].split(", ")[-1].split()[0])


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    wh = Warehouse.at(tmp_path / "wh")
    write_raw(wh, population(60, seed=3, months=3))
    return wh


def test_the_cache_gives_the_same_features_and_derives_only_new_files(
    warehouse: Warehouse, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="msdw.linkage.features")
    cache = tmp_path / "cache"
    direct = features(warehouse)
    assert direct == features(warehouse, cache)
    assert derived_files(caplog) > 0
    assert FeatureCache(cache).path.exists()

    assert features(warehouse, cache) == direct
    assert derived_files(caplog) == 0

    later = Record("POLICE", "E23000010", "LATER-1", "Ana", "Rusu", dt.date(1990, 5, 1), dt.date(2019, 12, 3))
    write_raw(warehouse, [later])
    with_later = features(warehouse, cache)
    assert derived_files(caplog) == 1
    assert with_later == features(warehouse)
    assert len(with_later) == len(direct) + 1


def test_a_revised_return_replaces_the_cached_rows_of_its_earlier_version(warehouse: Warehouse, tmp_path: Path):
    cache = tmp_path / "cache"
    first = Record("GLAA", "GLAA", "REV-1", "Ana", "Rusu", dt.date(1990, 5, 1), dt.date(2019, 12, 3))
    write_raw(warehouse, [first])
    before = {row[0]: row for row in features(warehouse, cache)}
    revised = Record("GLAA", "GLAA", "REV-1", "Ana", "Rusu", dt.date(1991, 5, 1), dt.date(2019, 12, 3), version=2)
    write_raw(warehouse, [revised])
    after = {row[0]: row for row in features(warehouse, cache)}
    assert after == {row[0]: row for row in features(warehouse)}
    assert after["GLAA:GLAA:REV-1"] != before["GLAA:GLAA:REV-1"]


def test_rows_of_a_raw_file_removed_since_are_dropped(warehouse: Warehouse, tmp_path: Path):
    cache = tmp_path / "cache"
    full = features(warehouse, cache)
    gone = sorted(warehouse.raw.glob("police_victims/*/*.parquet"))[0]
    gone.unlink()
    assert features(warehouse, cache) == features(warehouse)
    assert len(features(warehouse, cache)) < len(full)


def test_a_moved_warehouse_keeps_its_cache(warehouse: Warehouse, tmp_path: Path, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO, logger="msdw.linkage.features")
    features(warehouse, warehouse.root / "linkage")
    moved = Warehouse.at(tmp_path / "moved")
    shutil.copytree(warehouse.root, moved.root)
    from_cache = features(moved, moved.root / "linkage")
    assert derived_files(caplog) == 0
    assert from_cache == features(warehouse)


def test_a_raw_file_rewritten_in_place_is_derived_again(warehouse: Warehouse, tmp_path: Path):
    cache = tmp_path / "cache"
    first = Record("GLAA", "GLAA", "SAME-1", "Ana", "Rusu", dt.date(1990, 5, 1), dt.date(2019, 12, 3))
    write_raw(warehouse, [first])
    features(warehouse, cache)
    write_raw(warehouse, [Record("GLAA", "GLAA", "SAME-1", "Ion", "Lupu", None, dt.date(2019, 12, 3))])
    assert features(warehouse, cache) == features(warehouse)


def test_an_unreadable_cache_is_derived_again(warehouse: Warehouse, tmp_path: Path):
    cache = tmp_path / "cache"
    direct = features(warehouse, cache)
    FeatureCache(cache).path.write_bytes(b"not a database")
    assert features(warehouse, cache) == direct
    assert features(warehouse, cache) == direct
