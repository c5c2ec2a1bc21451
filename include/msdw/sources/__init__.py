"""Descriptions of every source of returns, and look-ups over them."""

from __future__ import annotations

from msdw.sources.catalogue import SOURCES
from msdw.sources.spec import Column, ColumnType, FileKind, Personal, Source, Table

__all__ = [
    "SOURCES",
    "Column",
    "ColumnType",
    "FileKind",
    "Personal",
    "Source",
    "Table",
    "source",
    "table",
    "victim_agencies",
    "victim_tables",
]


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


def victim_tables() -> tuple[tuple[Source, Table], ...]:
    """Every table whose rows are victims identified (``Table.identifications``), with its source."""
    return tuple((s, t) for s in SOURCES for t in s.tables if t.identifications is not None)


def victim_agencies() -> tuple[str, ...]:
    """The agency codes of the sources that identify victims, in the order of the descriptions."""
    return tuple(dict.fromkeys(s.agency_code for s, _ in victim_tables()))
