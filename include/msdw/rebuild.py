"""``msdw rebuild``: the whole warehouse made again from its archive alone, by the pipeline itself.

The archive's sidecars carry every arrival (original path, received time). They are replayed in the order received
through an inbox view of the archive (:class:`ArchiveInbox`, an fsspec file system that decrypts in memory): each
round holds at most one arrival of a path and keeps every return's arrivals in order, so a revision comes after the
version it replaces, as it did. Each round is one ``msdw run --ingest-only`` of the same DAGs
(:func:`msdw.orchestrate.run_pipeline`); the last round also builds, gates and publishes.

The new warehouse is built aside (``<warehouse>.rebuild``, or ``--into``), with the archive linked into it and its
keys copied (a new pseudonym key with ``--new-pseudonym-key``), then checked: it must publish and, under a new key,
its ``mart_monthly_summary`` must equal the old one's (a rebuild under the same key may change figures on purpose,
e.g. after a rule that quarantined a good return was fixed). Without ``--into`` the two folders are then
exchanged in one atomic rename, and the old one is kept beside as ``<warehouse>.previous-<time>``.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from fsspec.spec import AbstractFileSystem

from msdw.archive import Archive, Arrival
from msdw.files import write_bytes_atomically
from msdw.pseudonymise import KEY_ENV as PSEUDONYM_KEY_ENV
from msdw.returns import MsdwError, ReturnRejected, identify
from msdw.warehouse import Warehouse

PROTOCOL = "msdw-archive"
NEW_KEY_ENV = "MSDW_NEW_PSEUDONYM_KEY"
HEADLINE = "mart_monthly_summary"


class RebuildError(MsdwError):
    pass


class CheckFailed(MsdwError):
    """The rebuilt warehouse did not pass its check; it is left aside, nothing was switched."""


class ArchiveInbox(AbstractFileSystem):
    """A read-only inbox of archived files listed in a manifest (``msdw-archive://<manifest.json>``): each file
    appears at its original path with its size and received time as modification time; reading it decrypts it in
    memory."""

    protocol = PROTOCOL
    cachable = False

    def __init__(self, manifest: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        data = json.loads(Path(manifest).read_text())
        self.base = manifest
        self._archive = Archive.open(Warehouse.at(data["warehouse"]), create=False)
        self.entries = {f"{manifest}/{e['path']}": e for e in data["files"]}

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        path = str(path)
        if path.startswith(PROTOCOL + "://"):
            path = path[len(PROTOCOL) + 3 :]
        return path.rstrip("/") or "/"

    @staticmethod
    def _get_kwargs_from_urls(path: str) -> dict[str, str]:
        return {"manifest": ArchiveInbox._strip_protocol(path)}

    def _detail(self, name: str) -> dict[str, object]:
        e = self.entries[name]
        mtime = dt.datetime.fromisoformat(e["received_at"])
        return {"name": name, "size": e["size"], "type": "file", "mtime": mtime}

    def find(self, path: str, maxdepth: int | None = None, withdirs: bool = False, detail: bool = False, **kw):
        path = self._strip_protocol(path)
        found = {n: self._detail(n) for n in sorted(self.entries) if n == path or n.startswith(path + "/")}
        return found if detail else list(found)

    def ls(self, path: str, detail: bool = True, **kwargs: object):
        path = self._strip_protocol(path)
        children: dict[str, dict[str, object]] = {}
        for name in self.entries:
            if name.startswith(path + "/"):
                head = name[len(path) + 1 :].split("/", 1)
                full = f"{path}/{head[0]}"
                children[full] = (
                    self._detail(name) if len(head) == 1 else {"name": full, "size": 0, "type": "directory"}
                )
        return list(children.values()) if detail else sorted(children)

    def info(self, path: str, **kwargs: object) -> dict[str, object]:
        path = self._strip_protocol(path)
        if path in self.entries:
            return self._detail(path)
        if path == self.base or any(n.startswith(path + "/") for n in self.entries):
            return {"name": path, "size": 0, "type": "directory"}
        raise FileNotFoundError(path)

    def _open(self, path: str, mode: str = "rb", **kwargs: object) -> io.BytesIO:
        if mode != "rb":
            raise PermissionError(f"{PROTOCOL} is read-only")
        return io.BytesIO(self._archive.read(self.entries[self._strip_protocol(path)]["sha256"]))


def rounds(arrivals: list[Arrival]) -> list[list[Arrival]]:
    """Arrivals (in the order received) in replay rounds: at most one arrival of a path in a round, and every
    return's arrivals in rounds that do not go back, so that within and across rounds each return sees its files in
    the order received."""
    out: list[list[Arrival]] = []
    by_path: dict[str, int] = {}
    by_return: dict[str, int] = {}
    for arrival in arrivals:
        try:
            key: str | None = identify(arrival.path).identity.key
        except ReturnRejected:
            key = None
        n = by_path.get(arrival.path, -1) + 1
        if key is not None:
            n = max(n, by_return.get(key, 0))
            by_return[key] = n
        by_path[arrival.path] = n
        while len(out) <= n:
            out.append([])
        out[n].append(arrival)
    return out


@dataclass
class Rebuilt:
    warehouse: Path
    rounds: int
    arrivals: int
    previous: Path | None


def rebuild(
    warehouse: Warehouse,
    into: Path | None = None,
    new_pseudonym_key: bool = False,
    say: Callable[[str], None] = print,
) -> Rebuilt:
    """Rebuild ``warehouse`` from its archive aside, check it, and (without ``into``) switch it in atomically."""
    from msdw.orchestrate import run_pipeline
    from msdw.publish import read_publish_record

    archive = Archive.open(warehouse, create=False)  # a wrong or missing key stops here
    arrivals = archive.arrivals()
    if not arrivals:
        raise RebuildError(f"the archive {warehouse.archive} holds nothing to rebuild from")
    stage = Warehouse.at(into if into is not None else warehouse.root.with_name(warehouse.root.name + ".rebuild"))
    if stage.root.exists() and any(stage.root.iterdir()):
        raise RebuildError(f"{stage.root} exists and is not empty: remove it (a rebuild left aside) or choose --into")
    _environment_key(warehouse, new_pseudonym_key)
    say(f"msdw rebuild: {len(arrivals)} archived arrivals of {warehouse.root} into {stage.root}")
    _seed(warehouse, stage, new_pseudonym_key)
    plan = rounds(arrivals)
    views = stage.tmp / "replay"
    views.mkdir(mode=0o700, parents=True, exist_ok=True)
    for i, batch in enumerate(plan, start=1):
        last = i == len(plan)
        manifest = views / f"round-{i:04d}.json"
        files = [
            {"path": a.path, "sha256": a.sha256, "size": a.size, "received_at": a.received_at.isoformat()}
            for a in batch
        ]
        write_bytes_atomically(manifest, json.dumps({"warehouse": os.fspath(stage.root), "files": files}).encode())
        say(f"round {i}/{len(plan)}: {len(batch)} files" + (", then build and publish" if last else ""))
        _, outcomes = run_pipeline(stage, f"{PROTOCOL}://{manifest}", with_build=last, say=say)
        failed = [f"{o.dag_id}: {', '.join(o.failed_tasks)}" for o in outcomes if o.failed_tasks]
        if failed:
            raise CheckFailed(
                f"round {i} failed ({'; '.join(failed)}); the tasks' errors are printed above. {stage.root} is "
                "left as it is: remove it before trying again"
            )
    shutil.rmtree(views, ignore_errors=True)
    record = read_publish_record(stage) or {}
    if not (record.get("last_attempt") or {}).get("published"):
        failures = "; ".join((record.get("last_attempt") or {}).get("failures") or ["no publish"])
        raise CheckFailed(f"the rebuilt warehouse did not publish ({failures}); it is left at {stage.root}")
    compared = new_pseudonym_key and warehouse.marts.exists()
    if compared:
        _check_headline(warehouse, stage)
    say(f"checked: {stage.root} published" + (f", {HEADLINE} equal to the old one's" if compared else ""))
    previous = None
    if into is None:
        previous = warehouse.root.with_name(f"{warehouse.root.name}.previous-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}")
        exchange(warehouse.root, stage.root)
        os.rename(stage.root, previous)
        say(f"switched: {warehouse.root} is the rebuilt warehouse; the old one is {previous}")
    return Rebuilt(warehouse.root if into is None else stage.root, len(plan), len(arrivals), previous)


def _environment_key(warehouse: Warehouse, new_key: bool) -> None:
    """Set this process's pseudonym key for the rebuild, or say why it cannot be."""
    if new_key:
        new = os.environ.get(NEW_KEY_ENV)
        if os.environ.get(PSEUDONYM_KEY_ENV) and not new:
            raise RebuildError(
                f"{PSEUDONYM_KEY_ENV} is set: put the new key in {NEW_KEY_ENV} (from the secrets backend) for "
                "--new-pseudonym-key, then set it as the service's key after the switch"
            )
        if new:
            os.environ[PSEUDONYM_KEY_ENV] = new
        else:
            os.environ.pop(PSEUDONYM_KEY_ENV, None)  # a new key file is made in the new warehouse
    elif not os.environ.get(PSEUDONYM_KEY_ENV) and not warehouse.key_file.exists():
        raise RebuildError(
            f"the pseudonym key is missing ({warehouse.key_file}, {PSEUDONYM_KEY_ENV}): restore it, or rebuild "
            "under a new key with --new-pseudonym-key"
        )


def _seed(old: Warehouse, new: Warehouse, new_key: bool) -> None:
    """The new warehouse's archive (hard links to the sealed files, copies of the sidecars) and keys."""
    new.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    new.ensure()
    for path in sorted(old.archive.rglob("*")):
        target = new.archive / path.relative_to(old.archive)
        if path.is_dir():
            target.mkdir(mode=0o700, exist_ok=True)
        elif len(path.name) == 64:
            try:
                os.link(path, target)  # sealed and read-only: the same bytes, no second copy
            except OSError:
                shutil.copy2(path, target)
        elif path.suffix == ".json":
            shutil.copy2(path, target)
    keys = [old.archive_key_file] + ([] if new_key else [old.key_file])
    for key in keys:
        if key.exists():
            shutil.copy2(key, new.root / key.name)
            (new.root / key.name).chmod(0o600)


def headline(warehouse: Warehouse) -> list[tuple]:
    with duckdb.connect(os.fspath(warehouse.marts), read_only=True) as con:
        return con.execute(f"select * from {HEADLINE} order by all").fetchall()


def _check_headline(old: Warehouse, new: Warehouse) -> None:
    if not old.marts.exists():
        return
    before, after = headline(old), headline(new)
    if before != after:
        changed = len(set(before) ^ set(after))
        raise CheckFailed(
            f"{HEADLINE} of the rebuilt warehouse differs from the old one's in {changed} rows: it is left at "
            f"{new.root} for inspection and nothing was switched"
        )


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``), else by two renames."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        at_fdcwd, rename_exchange = -100, 2
        if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
            return
        errno = ctypes.get_errno()
        if errno not in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: not supported here
            raise OSError(errno, os.strerror(errno), os.fspath(a))
    aside = a.with_name(a.name + ".switching")
    os.rename(a, aside)
    os.rename(b, a)
    os.rename(aside, b)
