"""Descriptions of every source of returns, and look-ups over them."""

from __future__ import annotations

from msdw.sources.catalogue import SOURCES
from msdw.sources.spec import Column, ColumnType, FileKind, Personal, Source, Table

__all__ = ["SOURCES", "Column", "ColumnType", "FileKind", "Personal", "Source", "Table", "source", "table"]


def source(name: str) -> Source:
    for src in SOURCES:
        if src.name == name:
            return src
    raise KeyError(f"unknown source {name!r}; known: {', '.join(s.name for s in SOURCES)}")


def table(name: str) -> Table:
    for src in SOURCES:
        for tbl in src.tables:
            if tbl.name == name:
                return tbl
    raise KeyError(f"unknown table {name!r}")
