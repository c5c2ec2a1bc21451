"""msdw's own exceptions: each says what went wrong and what to do, and carries the exit code of the command line.

The command line prints an :class:`MsdwError` as one line, without a traceback, and exits with its ``exit_code``
(``warehouse.md``: 0 published, 1 when the gate blocked publishing, 2 for a usage or set-up error; a
blocked gate is reported by the run's outcome, not raised). Any other exception is a
bug: it keeps its traceback.
"""

from __future__ import annotations

EXIT_PUBLISHED, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2
# Commands that publish nothing: 0 done, 1 a check found problems (as a blocked gate), 2 usage or set-up error.
EXIT_OK, EXIT_FAILED = EXIT_PUBLISHED, EXIT_BLOCKED


class MsdwError(Exception):
    """Base of msdw's own errors. The message names what failed and what to do next."""

    exit_code: int = EXIT_USAGE


class SetupError(MsdwError):
    """The warehouse, the reference data, a key or a tool is missing or wrongly set up: fix it and run again."""


class ToolMissing(SetupError, FileNotFoundError):
    """A program msdw runs (dbt, LibreOffice) is not installed: install it as the message says and run again."""


class PublishFailed(MsdwError):
    """Publishing could not finish: the published marts were left as they were; run again once the cause is fixed."""
