"""Return identity and the errors a return can raise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from msdw.errors import MsdwError
from msdw.sources import SOURCES
from msdw.sources.spec import FileKind, Source


@dataclass(frozen=True)
class Issue:
    """A problem found in a file: an error quarantines the return version, a warning is kept with it."""

    file: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class ReturnRejected(MsdwError):
    """A file that has no return identity (its path fits no pattern, or it is not a regular file)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: rejected: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ReturnIdentity:
    source: str
    submitter: str
    month: str  # YYYY-MM
    part: str

    @property
    def key(self) -> str:
        return f"{self.source}|{self.submitter}|{self.month}|{self.part}"

    @property
    def month_start(self) -> dt.date:
        year, month = map(int, self.month.split("-"))
        return dt.date(year, month, 1)

    @property
    def month_end(self) -> dt.date:
        start = self.month_start
        following = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return following - dt.timedelta(days=1)

    @property
    def due(self) -> dt.datetime:
        """The end of the 15th day of the month after the reporting month (UTC)."""
        following = self.month_end + dt.timedelta(days=1)
        return dt.datetime(following.year, following.month, 16)

    def __str__(self) -> str:
        return f"{self.source} {self.submitter} {self.month} {self.part}"


@dataclass(frozen=True)
class Identified:
    identity: ReturnIdentity
    source: Source
    kind: FileKind


def identify(relpath: str) -> Identified:
    """The return a file carries, from its path relative to the inbox; :class:`ReturnRejected` when none."""
    for src in SOURCES:
        for kind in src.files:
            match = kind.regex.match(relpath)
            if match:
                submitter = kind.submitter or match.group("submitter")
                identity = ReturnIdentity(src.name, submitter, match.group("month"), kind.part)
                return Identified(identity, src, kind)
    raise ReturnRejected(relpath, "the path fits no return pattern of returns.md (see 'The inbox')")
