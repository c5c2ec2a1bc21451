"""Linkage's own errors."""

from __future__ import annotations

from msdw.returns import MsdwError


class LinkageError(MsdwError):
    """Linkage cannot run or evaluate as asked; the message says what to do."""
