"""Inbox paths of returns, made from the path patterns of the source descriptions."""

from __future__ import annotations

import re
from functools import cache

from msdw.generate.errors import GenerateError
from msdw.sources import SOURCES, FileKind, Source


def file_kind(source: str, part: str) -> tuple[Source, FileKind]:
    for src in SOURCES:
        if src.name == source:
            for kind in src.files:
                if kind.part == part:
                    return src, kind
            raise GenerateError(f"source {source!r} has no part {part!r}; parts: {', '.join(src.parts)}")
    raise GenerateError(f"unknown source {source!r}; known: {', '.join(s.name for s in SOURCES)}")


@cache
def _template(pattern: str) -> str:
    """``^police/(?P<month>...)/(?P<submitter>...)\\.csv$`` as ``police/{month}/{submitter}.csv``."""
    out, i = [], 0
    body = pattern.removeprefix("^").removesuffix("$")
    while i < len(body):
        named = re.match(r"\(\?P<(\w+)>", body[i:])
        if named:
            depth, j = 1, i + named.end()
            while depth:
                if body[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(body[j], 0)
                j += 1
            out.append("{" + named.group(1) + "}")
            i = j
        elif body[i] == "\\":
            out.append(body[i + 1])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def return_path(source: str, part: str, month: str, submitter: str) -> str:
    """The inbox path (with ``/`` separators) of the return of ``submitter`` for ``month`` (``YYYY-MM``)."""
    _, kind = file_kind(source, part)
    path = _template(kind.pattern).format(month=month, submitter=submitter)
    match = kind.regex.fullmatch(path)
    if match is None:
        raise GenerateError(f"{path!r} does not fit the pattern of {source} {part} returns; check the submitter code")
    groups = match.groupdict()
    if groups.get("month") != month or groups.get("submitter", kind.submitter) != submitter:
        raise GenerateError(f"{path!r} does not identify {source} {part} {submitter} {month}")
    return path


def submitter_of(source: str) -> str | None:
    """The fixed submitter code of a source whose paths carry none (``GLAA``, ``BF``, ``CPS``)."""
    src = next(s for s in SOURCES if s.name == source)
    return src.files[0].submitter
