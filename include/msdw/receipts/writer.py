"""Write the receipts, notices and rejections a run calls for, once each, then deliver the new ones.

:func:`write_receipts` is called when a run's processing ends: by the last task of each ingest DAG (for its source)
and at the end of ``msdw run`` (for every source). It is safe to call any number of times: a document already on disk
is never written again, so a second call writes and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from msdw.ledger import Ledger
from msdw.receipts import anomalies as anomaly_flags
from msdw.receipts.delivery import ContactsError, DeliveryReport, deliver, load_contacts
from msdw.receipts.model import (
    RECEIPTS_FOLDER,
    Document,
    Problem,
    Receipt,
    Rejection,
    Written,
    iso,
    personal_columns,
    problems_from,
    write_once,
)
from msdw.receipts.notices import missing_notices
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)
ANOMALY_FIX = "Check the return is complete; if its figures are right, nothing needs to change."


@dataclass
class ReceiptRun:
    written: Written = field(default_factory=Written)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)
    anomalies: list[anomaly_flags.Anomaly] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "written": len(self.written.documents),
            "no_contact": self.delivery.no_contact,
            "delivery_failures": self.delivery.failures,
            "anomalies": len(self.anomalies),
        }


def receipts_root(warehouse: Warehouse) -> Path:
    return warehouse.root / RECEIPTS_FOLDER


def write_receipts(
    warehouse: Warehouse,
    source: str | None = None,
    now: dt.datetime | None = None,
    send: bool = True,
) -> ReceiptRun:
    """Write every receipt, notice and rejection not yet on disk (for ``source``, or all), then send the new ones."""
    from msdw.status import return_status

    run = ReceiptRun()
    if not warehouse.ledger_db.exists():
        return run
    now = now or dt.datetime.now(dt.UTC)
    root = receipts_root(warehouse)
    run.anomalies = anomaly_flags.anomalies(warehouse)
    anomaly_flags.export(warehouse, run.anomalies)
    statuses = return_status(warehouse)
    documents = [
        *_version_receipts(warehouse, source, statuses, run.anomalies, root),
        *_rejections(warehouse),
        *missing_notices(statuses, now, source),
    ]
    for document in documents:
        if write_once(root, document):
            run.written.documents.append(document)
    if run.written.documents:
        log.info("wrote %d receipts and notices under %s", len(run.written.documents), root)
    if send:
        try:
            contacts = load_contacts(warehouse)
        except ContactsError as exc:  # the receipts are on disk; say what to fix, do not stop the run
            log.warning("receipts not delivered: %s", exc)
            run.delivery.failures.append(str(exc))
            return run
        run.delivery = deliver(run.written.by_submitter(), contacts, root)
    return run


def _version_receipts(
    warehouse: Warehouse,
    source: str | None,
    statuses: list[tuple],
    found: list[anomaly_flags.Anomaly],
    root: Path,
) -> list[Document]:
    """The receipts of processed versions (and duplicates) that have none on disk yet."""
    by_return = {(str(r[1]), str(r[2]), f"{r[0]:%Y-%m}", str(r[3])): r[4] for r in statuses}
    flagged: dict[tuple[str, int], list[Problem]] = {}
    for a in found:
        flagged.setdefault((a.sha256, a.version), []).append(Problem(None, None, a.rule, a.message, ANOMALY_FIX))
    personal = personal_columns()
    where = "where v.status <> 'PENDING'" + (" and v.source = ?" if source else "")
    params = [source] if source else []
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        versions = con.execute(
            "select v.source, v.submitter, strftime(v.month, '%Y-%m'), v.part, v.version, v.sha256, v.original_path,"
            f" v.received_at, v.status, coalesce(v.rows, 0), v.warnings, v.errors from versions v {where}"
            " order by v.return_key, v.version",
            params,
        ).fetchall()
        duplicates = con.execute(
            "select v.source, v.submitter, strftime(v.month, '%Y-%m'), v.part, v.version, v.sha256, s.path,"
            f" s.mtime, v.status, coalesce(v.rows, 0), s.seen_at from sightings s join versions v"
            f" on s.return_key = v.return_key and s.sha256 = v.sha256 {where} and s.outcome = 'DUPLICATE'",
            params,
        ).fetchall()
    receipts: list[Document] = []
    for src, submitter, month, part, version, sha, path, received, status, rows, warnings, errors in versions:
        if (root / submitter / month / f"{src}__{part}__v{version}.json").exists():
            continue  # written once, never again (Receipt.relpath)
        if status == "ACCEPTED" and by_return.get((src, submitter, month, part)) == "LATE":
            status = "LATE"
        identity = (src, submitter, month, part, version, sha, path, iso(received))
        problems = problems_from(json.loads(errors or "[]"), personal)
        notes = problems_from(json.loads(warnings or "[]"), personal) + tuple(flagged.get((sha, version), ()))
        receipts.append(Receipt(*identity, status, rows if status != "QUARANTINED" else 0, problems, notes))
    for src, submitter, month, part, version, sha, path, received, status, rows, seen_at in duplicates:
        note = Problem(None, None, "duplicate", f"the same bytes as version {version} ({status})", "Nothing.")
        identity = (src, submitter, month, part, version, sha, path, iso(received))
        receipts.append(Receipt(*identity, "DUPLICATE", rows, warnings=(note,), duplicate_seen_at=iso(seen_at)))
    return receipts


def _rejections(warehouse: Warehouse) -> list[Document]:
    with Ledger(warehouse.ledger_db).connect(read_only=True) as con:
        rows = con.execute(
            "select path, reason, seen_at, sha256 from sightings where outcome = 'REJECTED' order by seen_at, path"
        ).fetchall()
    return [Rejection(path, reason or "", iso(seen_at), sha) for path, reason, seen_at, sha in rows]
