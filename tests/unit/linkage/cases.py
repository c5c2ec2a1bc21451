"""Identifications the linkage must get right, on a background population to train the model on."""

from __future__ import annotations

import datetime as dt

import duckdb

from msdw.linkage.state import LinkagePaths
from msdw.warehouse import Warehouse
from tests.unit.linkage.rawzone import Record, population

D = dt.date
JUNE = D(2019, 6, 10)

CASES = {
    "exact": (
        Record("POLICE", "E23000001", "C-EX-1", "Arta", "Krasniqi", D(1995, 3, 4), D(2019, 2, 1), "FEMALE", "ALB"),
        Record("BORDER_FORCE", "BF", "C-EX-2", "Arta", "Krasniqi", D(1995, 3, 4), JUNE, "FEMALE", "ALB"),
    ),
    "typo": (
        Record("GLAA", "GLAA", "C-TY-1", "Zofia", "Kowalczyk", D(1990, 7, 14), D(2019, 3, 5), "FEMALE", "POL"),
        Record("POLICE", "E23000005", "C-TY-2", "Zofia", "Kowalcyzk", D(1990, 7, 14), JUNE, "FEMALE", "POL"),
    ),
    "swapped": (
        Record("POLICE", "E23000001", "C-SW-1", "Thi Lan", "Nguyen", D(2001, 11, 2), D(2019, 1, 20), "FEMALE", "VNM"),
        Record("BORDER_FORCE", "BF", "C-SW-2", "Nguyen", "Thi Lan", D(2001, 11, 2), JUNE, "FEMALE", "VNM"),
    ),
    "missing_dob": (
        Record("BORDER_FORCE", "BF", "C-MD-1", "Ikenna", "Okonkwo", D(2001, 5, 19), D(2019, 2, 14), "MALE", "NGA"),
        Record("POLICE", "E23000001", "C-MD-2", "Ikenna", "Okonkwo", None, JUNE, "MALE", "NGA", age_estimate=18),
    ),
    "transliteration": (
        Record("POLICE", "E23000005", "C-TR-1", "Mohammed", "Rahimi", D(1998, 4, 1), D(2019, 4, 2), "MALE", "AFG"),
        Record("GLAA", "GLAA", "C-TR-2", "Muhammad", "Rahimi", D(1998, 4, 1), JUNE, "MALE", "AFG"),
    ),
    "common_name": (
        Record("POLICE", "E23000001", "C-CN-1", "John", "Smith", D(1980, 1, 1), D(2019, 1, 8), "MALE", "GBR"),
        Record("GLAA", "GLAA", "C-CN-2", "John", "Smith", D(1980, 1, 1), JUNE, "MALE", "GBR"),
    ),
}
# Other people called John Smith: none of them is the John Smith born on 1 January 1980.
OTHER_JOHN_SMITHS = tuple(
    Record("POLICE", "E23000005", f"C-JS-{i}", "John", "Smith", D(1960 + 3 * i, 1 + i, 10), D(2019, 1 + i, 3))
    for i in range(8)
)


def background() -> list[Record]:
    return population(700, seed=7)


def all_records() -> list[Record]:
    return background() + [r for pair in CASES.values() for r in pair] + list(OTHER_JOHN_SMITHS)


def person_links(warehouse: Warehouse) -> dict[str, str]:
    path = LinkagePaths.of(warehouse).person_links
    rows = duckdb.sql(f"select identification_id, person_id from read_parquet('{path}')").fetchall()
    return dict(rows)
