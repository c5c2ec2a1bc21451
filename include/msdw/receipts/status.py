"""``msdw status --submitter CODE``: one submitter's recent returns (``msdw.status``) and the receipts it was sent."""

from __future__ import annotations

import json
from pathlib import Path

from msdw.errors import EXIT_OK, EXIT_USAGE
from msdw.receipts.writer import receipts_root
from msdw.warehouse import Warehouse


def receipts_of(root: Path, submitter: str, month: str) -> list[dict]:
    """The receipts and notices in a submitter's month folder, oldest version first."""
    folder = root / submitter / month
    if not folder.is_dir():
        return []
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return sorted(documents, key=lambda d: (d.get("part", ""), d.get("version") or 0, d.get("kind", "")))


def print_submitter(warehouse: Warehouse, submitter: str, months: int = 12) -> int:
    from msdw.status import return_status

    rows = [r for r in return_status(warehouse) if r[2] == submitter]
    if not rows:
        known = sorted({r[2] for r in return_status(warehouse)})
        print(f"No returns expected from {submitter!r}: known submitters are {', '.join(known[:40])}")
        return EXIT_USAGE
    recent = sorted({r[0] for r in rows})[-months:]
    root = receipts_root(warehouse)
    print(f"Submitter {submitter}: {len(recent)} most recent months, receipts under {root / submitter}")
    for month, source, _submitter, part, status, versions, *_ in rows:
        if month not in recent:
            continue
        label = f"{month:%Y-%m}"
        print(f"  {label} {source:<13} {part:<10} {status:<11} versions {versions}")
        for doc in receipts_of(root, submitter, label):
            if doc.get("part") != part or doc.get("source") != source:
                continue
            if doc.get("kind") == "notice":
                print(f"      notice: MISSING, was due by {doc.get('due')}")
                continue
            name = f"v{doc['version']}"
            print(
                f"      {name:<4} {doc.get('status', ''):<11} rows {doc.get('rows', 0):<6} "
                f"problems {len(doc.get('problems') or [])}, warnings {len(doc.get('warnings') or [])}"
            )
            for item in (doc.get("problems") or [])[:3] + [w for w in doc.get("warnings") or [] if _anomaly(w)][:3]:
                where = ", ".join(x for x in (f"row {item['row']}" if item.get("row") else "", item.get("column")) if x)
                print(f"        - {where + ': ' if where else ''}{item['message'][:160]}")
    return EXIT_OK


def _anomaly(item: dict) -> bool:
    from msdw.receipts.anomalies import RULES

    return item.get("rule") in RULES
