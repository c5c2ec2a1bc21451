"""Landing: find new files in the inbox, archive them by SHA-256, identify their return, register versions.

The inbox is a local folder or any fsspec URL. A file is read once: a path seen again with the same size and
modification time is skipped. Every file read is archived before anything else happens to it, so the inbox is never
the only copy. The archive is content-addressed (``archive/<sha[:2]>/<sha>``, the SHA-256 of the plaintext) with a
JSON sidecar listing every path and received time the content arrived under; it is owner-only, files in it are
read-only and encrypted (``msdw.archive``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from msdw.archive import Archive
from msdw.failpoints import failpoint
from msdw.ledger import Arrival, Ledger
from msdw.returns import ReturnRejected, identify
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sighting:
    relpath: str
    size: int
    mtime: dt.datetime  # UTC, naive
    regular: bool  # a regular file (not a symlink, device, ...)


@dataclass(frozen=True)
class Landed:
    new_versions: int
    duplicates: int
    rejected: list[str]


class Inbox:
    """A local folder or fsspec URL holding returns."""

    def __init__(self, url: str | os.PathLike[str]) -> None:
        self.url = os.fspath(url)
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.local = isinstance(self.fs, LocalFileSystem)

    def scan(self, top: str | None = None) -> Iterator[Sighting]:
        """Every entry below the inbox (or its folder ``top``), files and links, in a stable order."""
        if self.local:
            yield from self._scan_local(top)
            return
        base = self.root.rstrip("/") + ("/" + top if top else "")
        if not self.fs.exists(base):
            return
        for path, info in sorted(self.fs.find(base, detail=True).items()):
            rel = path[len(self.root.rstrip("/")) + 1 :]
            mtime = _as_utc(info.get("mtime") or info.get("LastModified") or info.get("updated") or 0)
            yield Sighting(rel, int(info.get("size") or 0), mtime, info.get("type") == "file")

    def _scan_local(self, top: str | None) -> Iterator[Sighting]:
        root = Path(self.root)
        base = root / top if top else root
        if top and base.is_symlink():
            yield Sighting(top, 0, _as_utc(0), False)
            return
        if not base.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            dirnames.sort()
            here = Path(dirpath)
            for name in sorted(filenames) + sorted(d for d in dirnames if (here / d).is_symlink()):
                path = here / name
                st = path.lstat()
                rel = path.relative_to(root).as_posix()
                yield Sighting(rel, st.st_size, _as_utc(st.st_mtime), stat.S_ISREG(st.st_mode))

    def read(self, relpath: str) -> bytes:
        with self.fs.open(self.root.rstrip("/") + "/" + relpath, "rb") as handle:
            return handle.read()


def _as_utc(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    return dt.datetime.fromtimestamp(float(value), dt.UTC).replace(tzinfo=None, microsecond=0)


def archive_file(warehouse: Warehouse, content: bytes, relpath: str, received_at: dt.datetime) -> str:
    """Store ``content`` sealed under its SHA-256 (once) and record where and when it arrived; returns the hash."""
    return Archive.open(warehouse).store(content, relpath, received_at)


def archived(warehouse: Warehouse, sha256: str) -> bytes:
    """The plaintext of an archived file, decrypted in memory."""
    return Archive.open(warehouse, create=False).read(sha256)


def land(inbox: Inbox, warehouse: Warehouse, source: str, run_id: str, reject_strays: bool = False) -> Landed:
    """Archive and register every new file under ``<inbox>/<source>/``.

    With ``reject_strays``, files outside every source folder are also recorded as rejected.
    """
    from msdw.sources import SOURCES

    archive = Archive.open(warehouse)  # a wrong or missing key stops here, before anything is written
    ledger = Ledger(warehouse.ledger_db)
    known = ledger.known_sightings()
    sightings = list(inbox.scan(source))
    if reject_strays:
        folders = {s.name for s in SOURCES}
        sightings += [s for s in inbox.scan() if s.relpath.split("/", 1)[0] not in folders]
    fresh = [s for s in sightings if (s.relpath, s.size, s.mtime) not in known]
    fresh.sort(key=lambda s: (s.mtime, s.relpath))
    failpoint("discovery")
    arrivals = [_archive(inbox, archive, sighting) for sighting in fresh]
    failpoint("archive")
    with ledger.connect() as con:
        con.begin()
        outcomes = ledger.register(con, arrivals, run_id)
        con.commit()
    new_versions = duplicates = 0
    rejected: list[str] = []
    for arrival, outcome in zip(arrivals, outcomes, strict=True):
        if outcome == "VERSION":
            new_versions += 1
            log.info("%s: %s, a new version", arrival.path, arrival.identity)
        elif outcome == "DUPLICATE":
            duplicates += 1
            log.info("%s: duplicate of a version already received", arrival.path)
        else:
            message = str(ReturnRejected(arrival.path, arrival.reason or "no return identity"))
            rejected.append(message)
            log.warning("%s", message)
    return Landed(new_versions, duplicates, rejected)


def _archive(inbox: Inbox, archive: Archive, s: Sighting) -> Arrival:
    """Archive one file and identify its return; a file that is not a regular file is not read."""
    if not s.regular:
        reason = "not a regular file (a symlink or special file): send the file itself"
        return Arrival(s.relpath, s.size, s.mtime, None, None, reason)
    sha = archive.store(inbox.read(s.relpath), s.relpath, s.mtime)
    try:
        identified = identify(s.relpath)
    except ReturnRejected as exc:
        return Arrival(s.relpath, s.size, s.mtime, sha, None, exc.reason)
    return Arrival(s.relpath, s.size, s.mtime, sha, identified.identity)
