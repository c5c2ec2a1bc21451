"""Writing a release's files: the accessible workbook (gptables), one CSV per table, and an ODS copy.

The workbook follows the Analysis Function's "Releasing statistics in spreadsheets": a cover sheet, a table of
contents, a notes table, then one table per sheet with its title in cell A1, no merged cells and no blank rows, and
shorthand in square brackets for figures not shown. The ODS copy is LibreOffice's own conversion of the workbook
(``soffice --headless --convert-to ods``), made when LibreOffice is installed.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gptables as gpt
import pandas as pd

from msdw.errors import ToolMissing
from msdw.open_data.write import neutralise
from msdw.release.periods import CONFIDENTIAL, NOT_APPLICABLE, NOT_AVAILABLE, PROVISIONAL, REVISED
from msdw.release.tables import Shown

REVISIONS_SHEET = "Revisions"
REVISIONS_CSV = "revisions.csv"
ODS_TIMEOUT_SECONDS = 180
LEGEND = (
    f"{CONFIDENTIAL} confidential: a count from 1 to 4, or suppressed so that one cannot be worked out",
    f"{NOT_AVAILABLE} not available: a return this figure comes from is missing or quarantined",
    f"{NOT_APPLICABLE} not applicable: the figure cannot exist",
    f"{PROVISIONAL} provisional: every figure of a period so marked may still change",
    f"{REVISED} revised since the previous release",
)


@dataclass(frozen=True)
class Cover:
    title: str
    intro: list[str]
    about: list[str]


def cell_text(value: object) -> str:
    """How a cell is written in a CSV (and compared between releases)."""
    if isinstance(value, float):
        return f"{value:.3f}"
    return neutralise(str(value))


def sheet_name(index: int) -> str:
    return f"Table_{index}"


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(frame.columns)
        for row in frame.itertuples(index=False):
            writer.writerow([cell_text(value) for value in row])


def _gptable(name: str, title: str, frame: pd.DataFrame, subtitles: list[str], legend: bool) -> gpt.GPTable:
    return gpt.GPTable(
        table=frame,
        table_name=name,
        title=title,
        subtitles=subtitles,
        instructions="This worksheet contains one table. Some cells hold shorthand in square brackets: see the legend.",
        legend=list(LEGEND) if legend else [],
        source="Monthly returns of the police, the GLAA, Border Force and the CPS (msdw)",
        index_columns={},
    )


def write_workbook(
    path: Path,
    cover: Cover,
    tables: Sequence[Shown],
    revisions: pd.DataFrame,
    revisions_subtitle: str,
    notes: Sequence[str],
) -> None:
    """Write the workbook: cover, contents, notes, one sheet per table, then the revisions table."""
    sheets: dict[str, gpt.GPTable] = {}
    for index, shown in enumerate(tables, start=1):
        subtitles = [
            "Periods are calendar quarters or months; each financial year (April to March) is followed by its total.",
            *shown.table.notes,
        ]
        if not shown.table.by_period:
            subtitles[0] = "Periods are calendar quarters or months; a stock has no financial-year total."
        sheets[sheet_name(index)] = _gptable(shown.table.name, shown.table.title, shown.frame, subtitles, True)
    sheets[REVISIONS_SHEET] = _gptable(
        "revisions", "Revisions: figures that differ from the previous release", revisions, [revisions_subtitle], False
    )
    notes_table = pd.DataFrame(
        {"Note reference": [f"note{n}" for n in range(1, len(notes) + 1)], "Note text": list(notes)}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables warns that the notes are not referenced from a table
        gpt.write_workbook(
            filename=os.fspath(path),
            sheets=sheets,
            cover=gpt.Cover(cover.title, intro=cover.intro, about=cover.about),
            notes_table=notes_table,
            contentsheet_options={"additional_elements": ["subtitles"]},
        )


def soffice() -> str | None:
    """LibreOffice's command, when it is installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(workbook: Path, target: str, out_dir: Path) -> list[Path]:
    """Convert ``workbook`` with LibreOffice headless into ``out_dir`` (``target`` as ``soffice --convert-to`` takes
    it: ``ods``, or a CSV filter whose last option ``-1`` writes every sheet); returns the files made."""
    command = soffice()
    if command is None:
        raise ToolMissing("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui")
    out_dir.mkdir(parents=True, exist_ok=True)
    before = set(out_dir.iterdir())
    with tempfile.TemporaryDirectory(prefix="msdw-soffice-") as profile:
        result = subprocess.run(
            [
                command,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                os.fspath(out_dir),
                os.fspath(workbook),
            ],
            capture_output=True,
            text=True,
            timeout=ODS_TIMEOUT_SECONDS,
            check=False,
        )
    made = sorted(path for path in set(out_dir.iterdir()) - before if path.name.startswith(workbook.stem))
    if result.returncode != 0 or not made:
        raise RuntimeError(f"LibreOffice could not convert {workbook.name}: {result.stderr.strip() or result.stdout}")
    return made
