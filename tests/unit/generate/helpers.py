"""Helpers shared by the generator tests."""

from __future__ import annotations

from pathlib import Path

from msdw.generate import GenerateSummary


def inbox_files(summary: GenerateSummary) -> dict[str, Path]:
    return {p.relative_to(summary.inbox).as_posix(): p for p in sorted(summary.inbox.rglob("*")) if p.is_file()}


def redelivered_files(summary: GenerateSummary) -> dict[str, Path]:
    later = summary.truth / "redeliveries"
    return {p.relative_to(later).as_posix(): p for p in sorted(later.rglob("*")) if p.is_file()}
