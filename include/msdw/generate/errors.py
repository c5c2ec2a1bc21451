"""The generator's own errors."""

from __future__ import annotations

from msdw.returns import MsdwError


class GenerateError(MsdwError):
    """The generator was asked for something it cannot do; the message says what to change."""
