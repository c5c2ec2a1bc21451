"""Receipts for the submitting agencies: what became of each return version, reminders for missing returns, anomaly
flags, and their delivery (warehouse.md, "Zones", 5; docs/receipts.md)."""

from msdw.receipts.writer import ReceiptRun, receipts_root, write_receipts

__all__ = ["ReceiptRun", "receipts_root", "write_receipts"]
