"""Failpoints: named places where a crash test can kill the process, as a power cut or an OOM kill would.

Set ``MSDW_FAILPOINT`` to a stage name and the process SIGKILLs itself when it gets there. Unset (always, outside
tests), a failpoint costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

FAILPOINT_ENV = "MSDW_FAILPOINT"
STAGES = ("discovery", "archive", "parse", "raw_write", "linkage", "gate", "publish")


def failpoint(stage: str) -> None:
    if os.environ.get(FAILPOINT_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)
