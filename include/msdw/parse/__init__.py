"""Parsers: one return file in, typed and pseudonymised tables out, with errors and warnings naming row and column.

Reading is format-specific (CSV through DuckDB's reader, workbooks through calamine, JSON Lines line by
line); everything after is the same for every source: the text columns go through one DuckDB query that types each
value with :mod:`msdw.normalise` and replaces personal data by pseudonyms with :mod:`msdw.pseudonymise`. Names and
dates of birth exist only in memory, in the text columns, and never in what this module returns.

Modules: :mod:`msdw.parse.readers` (the file formats), :mod:`msdw.parse.typed` (typing and pseudonymising in
DuckDB), :mod:`msdw.parse.checks` (header, cover and counts).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from msdw import normalise, pseudonymise, reference
from msdw.parse.checks import check_cover, checked, count_checks
from msdw.parse.readers import ParseFailure, TextTable, Workbook, read_cover, read_csv, read_jsonl, read_sheet
from msdw.parse.typed import ParsedReturn, Pending, type_batch
from msdw.returns import Identified, Issue, identify
from msdw.sources import SOURCES
from msdw.sources import table as source_table
from msdw.sources.spec import FileKind, Table

__all__ = ["ParseFailure", "ParsedReturn", "Parser", "TextTable"]


class Parser:
    """Parses return files; holds one DuckDB connection with the look-ups and the pseudonym key installed.

    :meth:`parse_many` reads each file on its own, then types every table of the batch in one DuckDB query, so that
    a batch of many small returns costs about one query per table, not one per file.
    """

    def __init__(self, key: bytes, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.con = con or duckdb.connect()
        self.con.execute("set threads = 2")
        normalise.install_lookups(self.con, reference.nationality_aliases())
        pseudonymise.install_key(self.con, key)
        self._submitters = {s.name: (s.submitters or "", s.submitter_codes()) for s in SOURCES}

    def parse(self, relpath: str, content: bytes, identified: Identified | None = None) -> ParsedReturn:
        return self.parse_many([(relpath, content, identified)])[0]

    def parse_many(self, files: list[tuple[str, bytes, Identified | None]]) -> list[ParsedReturn]:
        results: list[ParsedReturn] = []
        kinds: list[FileKind] = []
        pending: dict[str, list[Pending]] = {}
        for index, (relpath, content, identified) in enumerate(files):
            identified = identified or identify(relpath)
            result = ParsedReturn(identified.identity)
            results.append(result)
            kinds.append(identified.kind)
            try:
                for table, where, text in self._read(result, relpath, content, identified):
                    pending.setdefault(table.name, []).append(Pending(index, where, text))
            except ParseFailure as exc:
                result.errors.append(Issue(relpath, exc.message, exc.row, exc.column))
        for name, entries in pending.items():
            live = [e for e in entries if not results[e.index].errors]
            if live:
                type_batch(self.con, source_table(name), live, results)
        for (relpath, _, _), kind, result in zip(files, kinds, results, strict=True):
            if not result.errors and kind.checks:
                result.warnings.extend(count_checks(relpath, kind, result.tables))
            if result.errors:
                result.tables = {}
        return results

    def _read(
        self, result: ParsedReturn, relpath: str, content: bytes, identified: Identified
    ) -> list[tuple[Table, str, pa.Table]]:
        kind = identified.kind
        seed, known = self._submitters.get(identified.identity.source, ("", None))
        if known is not None and identified.identity.submitter not in known:
            raise ParseFailure(
                f"unknown {seed.removesuffix('s')} code {identified.identity.submitter!r} in the path: use a code"
                f" from seeds/{seed}.csv (docs/returns.md)"
            )
        if kind.format == "csv":
            return [(t, relpath, checked(result, relpath, t, read_csv(self.con, content))) for t in kind.tables]
        if kind.format == "jsonl":
            return [(t, relpath, checked(result, relpath, t, read_jsonl(content, t))) for t in kind.tables]
        if kind.format == "xlsx":
            workbook = Workbook(content)
            try:
                check_cover(self.con, relpath, read_cover(workbook, kind), identified.identity)
                read = []
                for table in kind.tables:
                    text, warnings = read_sheet(workbook, table)
                    result.warnings.extend(Issue(f"{relpath} [{w.file}]", w.message, w.row, w.column) for w in warnings)
                    where = f"{relpath} [{table.sheet}]"
                    read.append((table, where, checked(result, where, table, text)))
                return read
            except ParseFailure:
                raise
            except Exception as exc:  # a damaged sheet fails in many ways inside the reader
                raise ParseFailure(f"the workbook is damaged ({type(exc).__name__}): resend it saved as .xlsx") from exc
            finally:
                workbook.close()
        raise ParseFailure(f"unsupported format {kind.format}")  # pragma: no cover - descriptions name no other
