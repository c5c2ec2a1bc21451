"""Atomic, durable file writes: write beside the target, flush it to disk, rename it over the target in one step.

A reader sees either the old file or the new one, never a part-written one; a crash leaves at most a hidden temporary
file (``.<name>.<random>.tmp``) beside the target, which is removed when the write fails in the process.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(source: Path, target: Path) -> None:
    """Move ``source`` over ``target`` atomically, with both the data and the rename on disk."""
    fsync_file(source)
    os.replace(source, target)
    fsync_dir(target.parent)


def replace_atomically(target: Path, write: Callable[[Path], None], mode: int | None = None) -> None:
    """Call ``write`` with a path beside ``target`` that does not exist yet, then move what it wrote over ``target``.

    ``mode``, when given, is set on the new file before it replaces the target.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temp)
        if mode is not None:
            os.chmod(temp, mode)
        replace_durably(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def write_bytes_atomically(target: Path, content: bytes, mode: int = 0o600) -> None:
    """Write ``content`` to ``target``, readable by no one else while it is written; ``mode`` is its final mode."""

    def write(temp: Path) -> None:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)

    replace_atomically(target, write, mode)


def write_text_atomically(target: Path, text: str) -> None:
    replace_atomically(target, lambda temp: temp.write_text(text, encoding="utf-8", newline=""))
