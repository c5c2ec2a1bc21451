"""DuckDB's memory limits: one for dbt and publishing, a larger one for linkage, each set from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from msdw import warehouse as wh
from msdw.linkage import link


@pytest.mark.parametrize(
    ("general", "linkage", "expected_general", "expected_linkage"),
    [
        (None, None, wh.DEFAULT_MEMORY_LIMIT, wh.DEFAULT_LINKAGE_MEMORY_LIMIT),
        ("1GB", None, "1GB", "1GB"),  # a limit set for all the heavy work holds for linkage too
        ("1GB", "2GB", "1GB", "2GB"),
        (None, "6GB", wh.DEFAULT_MEMORY_LIMIT, "6GB"),
    ],
)
def test_limits_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    general: str | None,
    linkage: str | None,
    expected_general: str,
    expected_linkage: str,
) -> None:
    for name, value in ((wh.MEMORY_LIMIT_ENV, general), (wh.LINKAGE_MEMORY_LIMIT_ENV, linkage)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert (wh.memory_limit(), wh.linkage_memory_limit()) == (expected_general, expected_linkage)
    assert wh.DEFAULT_LINKAGE_MEMORY_LIMIT != wh.DEFAULT_MEMORY_LIMIT


def test_linkage_connects_within_its_own_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(wh.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.setenv(wh.LINKAGE_MEMORY_LIMIT_ENV, "123MB")
    seen: dict[str, str] = {}

    def connect(*args: object, config: dict[str, str] | None = None, **kwargs: object) -> None:
        seen.update(config or {})
        raise RuntimeError("connected")

    monkeypatch.setattr(link.duckdb, "connect", connect)
    warehouse = wh.Warehouse.at(tmp_path / "wh").ensure()
    with pytest.raises(RuntimeError, match="connected"):
        link.link_persons(warehouse)
    assert seen == {"memory_limit": "123MB", "temp_directory": str(warehouse.spill)}
    assert warehouse.spill.is_dir()
