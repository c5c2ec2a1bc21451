"""What a receipt says, and where it is kept: one JSON document (and its HTML twin) per return version, per MISSING
notice, and per file rejected without a return identity, written once and never changed.

Layout under ``<warehouse>/receipts/`` (warehouse.md, "Zones"):

- ``<submitter>/<YYYY-MM>/<source>__<part>__v<version>.json``: a return version's receipt;
- ``<submitter>/<YYYY-MM>/<source>__<part>__v<version>__duplicate__<seen>.json``: the same bytes sent again;
- ``<submitter>/<YYYY-MM>/<source>__<part>__missing.json``: a notice for a return missing past its due date;
- ``_rejected/<seen>__<name>.json``: a file that carries no return identity.

A receipt never quotes a value of a personal-data column: it names the row and column and says what is wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from msdw.sources import SOURCES

RECEIPTS_FOLDER = "receipts"
REJECTED_FOLDER = "_rejected"
RECEIPT_STATUSES = ("ACCEPTED", "LATE", "QUARANTINED", "DUPLICATE")
MAX_MESSAGE = 400  # characters of a problem's message kept (a huge cell must not make a huge receipt)
WITHHELD = "[value withheld: personal data]"

# "<file>[, row N][, column C]: message", as msdw.returns.Issue prints itself into the ledger
_ISSUE = re.compile(r"^(?P<file>.+?)(?:, row (?P<row>\d+))?(?:, column (?P<column>[^:,]+))?: (?P<message>.*)$", re.S)
_EXPECTATION = re.compile(r"\((expect_[a-z_]+)\)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")

# (words in the message, rule, what to change); the first that matches names the rule
_RULES: tuple[tuple[str, str, str], ...] = (
    ("not a readable", "readable_file", "Send the file again, saved from the original program in the agreed format."),
    ("UTF-16", "encoding", "Save the file as UTF-8 (or Windows-1252) text and send it again."),
    ("binary", "encoding", "Send the return as text in the agreed format, not a binary file."),
    ("empty", "not_empty", "Send the return with its header row and its rows (a header alone if none to report)."),
    ("missing required column", "required_column", "Add the column named here to the header and send it again."),
    ("required column", "required_column", "Add the column named here to the header and send it again."),
    ("unknown column", "unknown_column", "Remove the column or rename it to one of the agreed columns."),
    ("unknown force", "known_submitter", "Name the file with your force or unit code as returns.md shows."),
    ("disagrees with its path", "month_matches_path", "Make the month inside the file match the file's name."),
    ("cells", "row_shape", "Give every row as many cells as the header has columns."),
    ("JSON", "json_record", "Write one JSON object per line."),
    ("not a valid", "value_type", "Correct the value in the named row and column to the type the column takes."),
    ("already reported", "unique_across_returns", "Give the record its own reference, or correct the earlier one."),
    ("unique", "unique", "Make the reference unique within the return."),
    ("Total row", "totals_agree", "Make the Total row equal the sum of the rows above it."),
    ("dropped without closure", "dropped_operation", "Report the operation again with its closing status and date."),
    ("nationality", "known_nationality", "Give the nationality as an ISO 3166 alpha-3 code (UNK when unknown)."),
    ("suspect", "suspect_counts", "Make the suspects' nationality counts add up to the number of suspects."),
)
_EXPECTATION_FIX = {
    "expect_column_values_to_not_be_null": "Fill in the named column on the named rows: it is required.",
    "expect_column_values_to_be_in_set": "Use one of the allowed codes (returns.md) in the named column.",
    "expect_column_values_to_be_between": "Correct the value: it is outside the range the column allows.",
    "expect_compound_columns_to_be_unique": "Make the reference unique within the return.",
    "expect_column_pair_values_to_be_equal": "Give the code of the file's submitter (in the file's name) here.",
    "expect_column_pair_values_a_to_be_greater_than_b": "Correct the date: it must fall inside the reporting month "
    "(or after the date it follows).",
}
_DEFAULT_FIX = "Correct the return as the message says and send it again (it becomes a new version)."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a return (or worth a look): where, which rule, what is wrong and what to change."""

    row: int | None
    column: str | None
    rule: str
    message: str
    fix: str


@dataclass(frozen=True)
class Receipt:
    source: str
    submitter: str
    month: str  # YYYY-MM
    part: str
    version: int
    sha256: str
    original_path: str
    received_at: str  # ISO 8601, UTC
    status: str  # RECEIPT_STATUSES
    rows: int
    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    duplicate_seen_at: str | None = None  # for a DUPLICATE: when the same bytes arrived again

    @property
    def relpath(self) -> Path:
        name = f"{self.source}__{self.part}__v{self.version}"
        if self.duplicate_seen_at:
            name += "__duplicate__" + re.sub(r"[^0-9T]", "", self.duplicate_seen_at)
        return Path(self.submitter) / self.month / f"{name}.json"

    def as_dict(self) -> dict:
        data = {"kind": "receipt", **asdict(self)}
        if not self.duplicate_seen_at:
            data.pop("duplicate_seen_at")
        return data


@dataclass(frozen=True)
class Notice:
    """A return missing past its due date."""

    source: str
    submitter: str
    month: str
    part: str
    due: str  # the last day it was due, YYYY-MM-DD
    status: str = "MISSING"
    message: str = ""
    fix: str = "Send the return (a header alone when there is nothing to report), or tell us why it cannot come."

    @property
    def relpath(self) -> Path:
        return Path(self.submitter) / self.month / f"{self.source}__{self.part}__missing.json"

    def as_dict(self) -> dict:
        return {"kind": "notice", **asdict(self)}


@dataclass(frozen=True)
class Rejection:
    """A file that carries no return identity."""

    original_path: str
    reason: str
    seen_at: str
    sha256: str | None = None
    status: str = "REJECTED"
    fix: str = "Name the file as returns.md ('The inbox') shows, as a regular file, and send it again."

    @property
    def relpath(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.original_path)[-120:]
        return Path(REJECTED_FOLDER) / f"{re.sub(r'[^0-9T]', '', self.seen_at)}__{safe}.json"

    def as_dict(self) -> dict:
        return {"kind": "rejection", **asdict(self)}


Document = Receipt | Notice | Rejection


@dataclass
class Written:
    """What one pass wrote (documents already on disk are not written again)."""

    documents: list[Document] = field(default_factory=list)

    def by_submitter(self) -> dict[str, list[Document]]:
        out: dict[str, list[Document]] = {}
        for doc in self.documents:
            out.setdefault(getattr(doc, "submitter", REJECTED_FOLDER), []).append(doc)
        return out


def personal_columns() -> frozenset[str]:
    """Every personal-data column of every source (names, dates of birth)."""
    return frozenset(c.name for s in SOURCES for t in s.tables for c in t.columns if c.is_personal)


def problems_from(issues: list[str], personal: frozenset[str]) -> tuple[Problem, ...]:
    """Problems from the ledger's issue texts (``msdw.returns.Issue`` as text): row, column, rule, message, fix.

    A problem naming a personal-data column keeps no quoted value; every message is cut to :data:`MAX_MESSAGE`.
    """
    problems = []
    for text in issues:
        match = _ISSUE.match(text)
        row, column, message = None, None, text
        if match:
            row = int(match["row"]) if match["row"] else None
            column = match["column"].strip() if match["column"] else None
            message = match["message"]
        if column in personal or any(name in message for name in personal):
            message = _QUOTED.sub(WITHHELD, message)
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 3] + "..."
        rule, fix = _rule(message)
        problems.append(Problem(row, column, rule, message, fix))
    return tuple(problems)


def _rule(message: str) -> tuple[str, str]:
    expectation = _EXPECTATION.search(message)
    if expectation:
        return expectation.group(1), _EXPECTATION_FIX.get(expectation.group(1), _DEFAULT_FIX)
    for words, rule, fix in _RULES:
        if words.lower() in message.lower():
            return rule, fix
    return "return_contract", _DEFAULT_FIX


def iso(value: dt.datetime | dt.date | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
    return value.isoformat()


def write_once(root: Path, document: Document) -> bool:
    """Write ``document`` (JSON, then its HTML twin) under ``root`` unless its JSON is already there; True when written.

    The HTML is written first and the JSON last, each atomically, so a crash between them leaves no JSON and the next
    pass writes both again; a receipt on disk is never changed.
    """
    from msdw.receipts.html import render

    target = root / document.relpath
    if target.exists():
        return False
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = document.as_dict()
    _write(target.with_suffix(".html"), render(data))
    _write(target, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return True


def _write(target: Path, text: str) -> None:
    """Write beside ``target`` (owner-only), then rename over it: a reader never sees a part-written file. Not
    flushed to disk one by one (thousands a run): after a crash, a lost receipt is written again by the next pass."""
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
