"""The archive, encrypted at rest: every file received, by the SHA-256 of its plaintext, sealed with AES-256-GCM.

Each file has its own random data key; the data key is wrapped (AES-256-GCM too) by the master key, and the wrapped
key travels in the file's header::

    MAGIC (8) | master key id (8) | wrap nonce (12) | wrapped data key (48) | nonce (12) | ciphertext and tag

Both seals are bound to the file's name (its plaintext SHA-256) as associated data, so a file renamed or altered does
not open. The name stays the plaintext hash: duplicates and revisions are recognised as before. Files are read
into memory only; nothing decrypted is written to disk.

The master key comes from ``MSDW_ARCHIVE_KEY`` (at least 32 characters, e.g. ``openssl rand -hex 32``) or else from
``<warehouse>/archive.key`` (mode 0600, separate from the pseudonym key), which is generated only while the archive
holds no encrypted file. ``archive/key.json`` records which master key the archive is sealed with, so a wrong or
missing key stops everything before a byte is written (:class:`ArchiveKeyError`, a set-up error).

Rotating the master key (:func:`Archive.rekey`, ``msdw archive-rotate-key``) unwraps each file's data key with the
old master key and wraps it with the new one: the ciphertext is not touched. ``key.json`` notes a rotation under way
(``rotating_to``), so that an interrupted one is finished by running it again with the same new key; files already
re-wrapped are skipped.

Destroying an entry (:func:`Archive.destroy`, used by retention) overwrites its wrapped data key in place before the
file and its sidecar are removed: crypto-shredding. Without the data key the ciphertext cannot be read, even by the
holder of the master key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import fsspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from msdw.files import fsync_dir, write_bytes_atomically
from msdw.returns import MsdwError
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)

KEY_ENV = "MSDW_ARCHIVE_KEY"
MIN_KEY_CHARS = 32
MAGIC = b"MSDWAE1\n"
KEY_ID_BYTES = 8
NONCE = 12
WRAPPED = 32 + 16
HEADER = len(MAGIC) + KEY_ID_BYTES + NONCE + WRAPPED + NONCE
KEY_ID_FILE = "key.json"
ROTATING = "rotating_to"  # in key.json while a rotation is under way: the new master key's id
PREVIOUS = "previous_key_id"  # in key.json after a rotation: the id of the key it replaced
# ``msdw-archive://<manifest>``: an inbox made of archived files, for ``msdw rebuild`` (``msdw.rebuild.ArchiveInbox``)
fsspec.register_implementation("msdw-archive", "msdw.rebuild.ArchiveInbox", clobber=True)


class ArchiveKeyError(MsdwError):
    """The archive's master key is missing, too weak or not the one the archive is sealed with."""


class ArchiveIntegrityError(MsdwError):
    """An archived file does not open, or its content does not match its name."""


def _derive(secret: str) -> bytes:
    return hashlib.sha256(b"msdw-archive-master-key\0" + secret.encode()).digest()


def key_id(master: bytes) -> str:
    return hashlib.sha256(b"msdw-archive-key-id\0" + master).hexdigest()[: 2 * KEY_ID_BYTES]


@dataclass(frozen=True)
class Arrival:
    """One arrival of an archived file, from its sidecar."""

    sha256: str
    path: str
    received_at: dt.datetime  # UTC, naive
    size: int


class Archive:
    """The archive of a warehouse, opened with its master key (checked against the archive's key id)."""

    def __init__(self, warehouse: Warehouse, master: bytes) -> None:
        self.warehouse = warehouse
        self.root = warehouse.archive
        self._master = AESGCM(master)
        self.key_id = key_id(master)
        self.key_source = KEY_ENV  # where the master key came from: the variable or the key file (set by ``open``)

    @classmethod
    def open(cls, warehouse: Warehouse, create: bool = True) -> Archive:
        """The archive with its master key; a new key file is made (``create``) only for an archive holding no
        encrypted file. Raises :class:`ArchiveKeyError` before anything is written when the key is wrong or
        missing."""
        marker = warehouse.archive / KEY_ID_FILE
        recorded = json.loads(marker.read_text())["key_id"] if marker.exists() else None
        env = os.environ.get(KEY_ENV)
        key_file = warehouse.archive_key_file
        if env:
            if len(env) < MIN_KEY_CHARS:
                raise ArchiveKeyError(
                    f"{KEY_ENV} is too short: use at least {MIN_KEY_CHARS} random characters (`openssl rand -hex 32`)"
                )
            master, where = _derive(env), KEY_ENV
        elif key_file.exists():
            if key_file.stat().st_mode & 0o077:
                key_file.chmod(0o600)
            text = key_file.read_text().strip()
            if len(text) < MIN_KEY_CHARS:
                raise ArchiveKeyError(f"{key_file} is empty or too short: restore it from its backup, or set {KEY_ENV}")
            master, where = _derive(text), str(key_file)
        elif recorded is not None or (create and _any_sealed(warehouse.archive)):
            raise ArchiveKeyError(
                f"the archive {warehouse.archive} is encrypted and its key is missing: restore {key_file} from its "
                f"backup, or set {KEY_ENV} to the archive key; nothing was changed"
            )
        elif not create:
            raise ArchiveKeyError(f"no archive key: set {KEY_ENV} or put the key in {key_file}")
        else:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            master, where = _derive(key_file.read_text().strip()), str(key_file)
            log.info("made a new archive key in %s: back it up, apart from the archive", key_file)
        archive = cls(warehouse, master)
        archive.key_source = where
        if recorded is not None and recorded != archive.key_id:
            rotated = _key_state(warehouse.archive).get(PREVIOUS) == archive.key_id
            hint = (
                " The archive was re-keyed (msdw archive-rotate-key) and this is the old key: use the new one."
                if rotated
                else ""
            )
            raise ArchiveKeyError(
                f"the archive key from {where} is not the key the archive {warehouse.archive} is sealed with "
                f"(key id {archive.key_id}, archive {recorded}): set {KEY_ENV} or restore {key_file} to the right "
                f"key; nothing was changed.{hint}"
            )
        return archive

    # --- files ---

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def sidecar(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.json"

    def _mark(self) -> None:
        marker = self.root / KEY_ID_FILE
        if not marker.exists():
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_bytes_atomically(marker, json.dumps({"key_id": self.key_id}).encode(), mode=0o600)

    def seal(self, content: bytes, sha256: str) -> bytes:
        aad = MAGIC + sha256.encode()
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce, nonce = os.urandom(NONCE), os.urandom(NONCE)
        wrapped = self._master.encrypt(wrap_nonce, data_key, aad)
        sealed = AESGCM(data_key).encrypt(nonce, content, aad)
        return b"".join((MAGIC, bytes.fromhex(self.key_id), wrap_nonce, wrapped, nonce, sealed))

    def unseal(self, blob: bytes, sha256: str) -> bytes:
        if not blob.startswith(MAGIC):
            # A file archived before encryption: readable until `msdw archive-encrypt` seals it.
            if hashlib.sha256(blob).hexdigest() != sha256:
                raise ArchiveIntegrityError(f"{self.path(sha256)} does not match its SHA-256: restore it from backup")
            return blob
        data_key = self._data_key(blob, sha256)
        at = len(MAGIC) + KEY_ID_BYTES + NONCE + WRAPPED
        nonce, sealed = blob[at : at + NONCE], blob[at + NONCE :]
        try:
            return AESGCM(data_key).decrypt(nonce, sealed, MAGIC + sha256.encode())
        except InvalidTag:
            raise ArchiveIntegrityError(
                f"{self.path(sha256)} does not open (altered, renamed or its data key destroyed): restore it from a "
                "backup of the archive"
            ) from None

    def _data_key(self, blob: bytes, sha256: str) -> bytes:
        """The data key of a sealed file, unwrapped with this archive's master key."""
        at = len(MAGIC)
        file_key_id = blob[at : at + KEY_ID_BYTES].hex()
        if file_key_id != self.key_id:
            rotating = _key_state(self.root).get(ROTATING) == file_key_id
            hint = (
                "; a key rotation was interrupted: run `msdw archive-rotate-key` again with the same new key"
                if rotating
                else ""
            )
            raise ArchiveKeyError(
                f"{self.path(sha256)} is sealed with another archive key (key id {file_key_id}, given {self.key_id}):"
                f" set {KEY_ENV} or restore {self.warehouse.archive_key_file} to the right key{hint}"
            )
        at += KEY_ID_BYTES
        wrap_nonce, wrapped = blob[at : at + NONCE], blob[at + NONCE : at + NONCE + WRAPPED]
        try:
            return self._master.decrypt(wrap_nonce, wrapped, MAGIC + sha256.encode())
        except InvalidTag:
            raise ArchiveIntegrityError(
                f"{self.path(sha256)} does not open (altered, renamed or its data key destroyed): restore it from a "
                "backup of the archive"
            ) from None

    def rekey(self, secret: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Re-wrap every sealed file's data key with the master key made from ``secret``; returns how many files were
        re-wrapped. The ciphertexts stay as they are. When the key in use came from ``archive.key``, the new secret
        replaces it there; from ``MSDW_ARCHIVE_KEY``, the caller must set the variable to the new key.

        Interrupted, it is finished by running it again with the same secret (files already re-wrapped are skipped);
        a different secret is refused until then."""
        if len(secret) < MIN_KEY_CHARS:
            raise ArchiveKeyError(f"the new archive key is too short: use at least {MIN_KEY_CHARS} random characters")
        new_master = _derive(secret)
        new_id = key_id(new_master)
        if new_id == self.key_id:
            raise ArchiveKeyError("the new archive key is the key in use: make a new one (`openssl rand -hex 32`)")
        pending = _key_state(self.root).get(ROTATING)
        if pending not in (None, new_id):
            raise ArchiveKeyError(
                f"a rotation to another key (key id {pending}) was interrupted: run it again with that key first"
            )
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker = self.root / KEY_ID_FILE
        write_bytes_atomically(marker, json.dumps({"key_id": self.key_id, ROTATING: new_id}).encode(), mode=0o600)
        wrapper = AESGCM(new_master)
        hashes = list(self.hashes())
        rewrapped = 0
        for i, sha in enumerate(hashes, start=1):
            path = self.path(sha)
            blob = path.read_bytes()
            if blob.startswith(MAGIC) and blob[len(MAGIC) : len(MAGIC) + KEY_ID_BYTES].hex() != new_id:
                data_key = self._data_key(blob, sha)
                wrap_nonce = os.urandom(NONCE)
                wrapped = wrapper.encrypt(wrap_nonce, data_key, MAGIC + sha.encode())
                rest = blob[len(MAGIC) + KEY_ID_BYTES + NONCE + WRAPPED :]
                header = b"".join((MAGIC, bytes.fromhex(new_id), wrap_nonce, wrapped))
                write_bytes_atomically(path, header + rest, mode=0o400)
                rewrapped += 1
            if progress:
                progress(i, len(hashes))
        old_id = self.key_id
        write_bytes_atomically(marker, json.dumps({"key_id": new_id, PREVIOUS: old_id}).encode(), mode=0o600)
        key_file = self.warehouse.archive_key_file
        if self.key_source == str(key_file):
            write_bytes_atomically(key_file, (secret + "\n").encode(), mode=0o600)
        self._master, self.key_id = wrapper, new_id
        return rewrapped

    def store(self, content: bytes, relpath: str, received_at: dt.datetime) -> str:
        """Store ``content`` sealed under its SHA-256 (once) and record where and when it arrived; returns the hash."""
        sha = hashlib.sha256(content).hexdigest()
        folder = self.root / sha[:2]
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / sha
        if not target.exists():
            self._mark()
            write_bytes_atomically(target, self.seal(content, sha), mode=0o400)
        sidecar = folder / f"{sha}.json"
        arrivals = json.loads(sidecar.read_text()) if sidecar.exists() else []
        entry = {"path": relpath, "received_at": received_at.isoformat() + "Z", "size": len(content)}
        if entry not in arrivals:
            arrivals.append(entry)
            write_bytes_atomically(sidecar, json.dumps(arrivals, indent=1).encode(), mode=0o600)
        return sha

    def read(self, sha256: str) -> bytes:
        """The plaintext of an archived file, in memory."""
        return self.unseal(self.path(sha256).read_bytes(), sha256)

    def hashes(self) -> Iterator[str]:
        """Every archived file's SHA-256, in order."""
        if not self.root.is_dir():
            return
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and len(p.name) == 2):
            for path in sorted(folder.iterdir()):
                if len(path.name) == 64 and not path.name.startswith("."):
                    yield path.name

    def arrivals(self) -> list[Arrival]:
        """Every recorded arrival of every archived file, in the order received (then by path)."""
        found = []
        for sha in self.hashes():
            sidecar = self.sidecar(sha)
            for entry in json.loads(sidecar.read_text()) if sidecar.exists() else []:
                received = dt.datetime.fromisoformat(entry["received_at"].removesuffix("Z"))
                found.append(Arrival(sha, entry["path"], received, int(entry["size"])))
        return sorted(found, key=lambda a: (a.received_at, a.path, a.sha256))

    def destroy(self, sha256: str) -> None:
        """Crypto-shred an entry: overwrite its wrapped data key on disk, then remove the file and its sidecar."""
        path = self.path(sha256)
        if path.exists():
            path.chmod(0o600)
            with path.open("r+b") as handle:
                handle.write(os.urandom(HEADER))  # the key id, wrapped data key and nonces
                handle.flush()
                os.fsync(handle.fileno())
            path.unlink()
        self.sidecar(sha256).unlink(missing_ok=True)
        if path.parent.exists():
            fsync_dir(path.parent)

    def encrypt_in_place(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Seal every plaintext file of the archive, one atomic replacement per file; returns how many were sealed.
        Safe to run again: sealed files are left alone."""
        hashes = list(self.hashes())
        sealed = 0
        for i, sha in enumerate(hashes, start=1):
            path = self.path(sha)
            with path.open("rb") as handle:
                is_sealed = handle.read(len(MAGIC)) == MAGIC
            if not is_sealed:
                content = self.unseal(path.read_bytes(), sha)  # checks the hash
                self._mark()
                write_bytes_atomically(path, self.seal(content, sha), mode=0o400)
                sealed += 1
            if progress:
                progress(i, len(hashes))
        return sealed


def _key_state(root: Path) -> dict[str, str]:
    """``key.json`` of the archive at ``root``: the key id it is sealed with, and a rotation under way or done."""
    marker = root / KEY_ID_FILE
    return json.loads(marker.read_text()) if marker.exists() else {}


def _any_sealed(root: Path) -> bool:
    """Whether any archived file is sealed (a cheap look: stops at the first file found)."""
    if not root.is_dir():
        return False
    for folder in root.iterdir():
        if folder.is_dir() and len(folder.name) == 2:
            for path in folder.iterdir():
                if len(path.name) == 64:
                    with path.open("rb") as handle:
                        return handle.read(len(MAGIC)) == MAGIC
    return False
