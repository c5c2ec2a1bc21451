"""A progress bar on standard error (drawn on a terminal only, so logs stay clean)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

WIDTH = 30


@dataclass
class Progress:
    total: int
    enabled: bool = True
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def __post_init__(self) -> None:
        self.enabled = self.enabled and _is_terminal(self.stream)

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        share = self.done / max(self.total, 1)
        filled = int(share * WIDTH)
        elapsed = time.perf_counter() - self.started
        bar = "#" * filled + "." * (WIDTH - filled)
        self.stream.write(f"\rgenerate [{bar}] {share:4.0%} {label} {elapsed:5.1f}s")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
