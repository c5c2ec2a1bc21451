"""Delivery of receipts and notices to each submitter through the alert channels (``msdw.alerts``): e-mail and
webhooks, addressed from a contacts list.

Contacts map a submitter code to its addresses: e-mail addresses and ``http(s)`` webhook URLs. They are read from
``<warehouse>/contacts.yml`` when it exists, otherwise from the Airflow Variable ``msdw_contacts`` (the same mapping
as JSON)::

    E23000001: [returns@met.police.example, https://hooks.example/met]
    GLAA: data@gla.example

E-mail goes through the mail server of ``MSDW_SMTP_*`` (``msdw.alerts.AlertConfig``). A submitter with receipts but
no contact is listed, so that the run summary can name it; a channel that fails is reported, never raised: the
receipts stay on disk and the next delivery is of the next receipts only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from msdw.alerts import Alert, AlertConfig, AlertError, post_webhook, send_email
from msdw.receipts.model import REJECTED_FOLDER, Document, Notice, Receipt, Rejection
from msdw.returns import MsdwError
from msdw.warehouse import Warehouse

log = logging.getLogger(__name__)
CONTACTS_FILE = "contacts.yml"
CONTACTS_VARIABLE = "msdw_contacts"
LISTED = 20  # documents spelled out in one message


class ContactsError(MsdwError):
    """The contacts file cannot be read."""


@dataclass(frozen=True)
class Contact:
    emails: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()


@dataclass
class DeliveryReport:
    delivered: dict[str, list[str]] = field(default_factory=dict)  # submitter -> channels that took its message
    no_contact: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def parse_contacts(data: object, origin: str) -> dict[str, Contact]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ContactsError(f"{origin}: expected a mapping of submitter code to addresses, not {type(data).__name__}")
    contacts = {}
    for submitter, addresses in data.items():
        values = [addresses] if isinstance(addresses, str) else list(addresses or [])
        emails, hooks = [], []
        for value in values:
            text = str(value).strip()
            if text.startswith(("http://", "https://")):
                hooks.append(text)
            elif "@" in text:
                emails.append(text)
            else:
                raise ContactsError(
                    f"{origin}: submitter {submitter}: {text!r} is neither an e-mail address nor an http(s) URL"
                )
        contacts[str(submitter)] = Contact(tuple(emails), tuple(hooks))
    return contacts


def load_contacts(warehouse: Warehouse) -> dict[str, Contact]:
    """Contacts from ``<warehouse>/contacts.yml``, else the Airflow Variable ``msdw_contacts``, else none."""
    path = warehouse.root / CONTACTS_FILE
    if path.is_file():
        try:
            return parse_contacts(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
        except yaml.YAMLError as exc:
            raise ContactsError(f"{path} is not valid YAML ({exc}): fix it, or remove it to send nothing") from exc
    value = _airflow_variable()
    if value:
        try:
            return parse_contacts(json.loads(value), f"Airflow Variable {CONTACTS_VARIABLE}")
        except ValueError as exc:
            raise ContactsError(f"Airflow Variable {CONTACTS_VARIABLE} is not JSON ({exc}): fix it") from exc
    return {}


def _airflow_variable() -> str | None:
    try:
        from airflow.sdk import Variable

        return Variable.get(CONTACTS_VARIABLE, default=None)
    except Exception:  # outside a task, or no Airflow: the file is the only source
        return None


def message(submitter: str, documents: list[Document], receipts_root: Path) -> Alert:
    """One message for a submitter: a line per receipt or notice, with its first problems."""
    lines = []
    for doc in documents[:LISTED]:
        lines.append(_line(doc) + f" ({receipts_root / doc.relpath})")
        for problem in getattr(doc, "problems", ())[:3]:
            where = ", ".join(x for x in (f"row {problem.row}" if problem.row else "", problem.column or "") if x)
            lines.append(f"  {where + ': ' if where else ''}{problem.message} -> {problem.fix}")
    if len(documents) > LISTED:
        lines.append(f"... and {len(documents) - LISTED} more receipts in {receipts_root / submitter}")
    worst = any(getattr(d, "status", "") in ("QUARANTINED", "MISSING") for d in documents)
    return Alert(
        title=f"{len(documents)} receipt{'s' if len(documents) != 1 else ''} for {submitter}",
        severity="warning" if worst else "info",
        source="msdw_receipts",
        details=tuple(lines),
    )


def _line(doc: Document) -> str:
    if isinstance(doc, Receipt):
        extra = f", {len(doc.problems)} problems" if doc.problems else ""
        extra += f", {len(doc.warnings)} warnings" if doc.warnings else ""
        return f"{doc.source} {doc.part} {doc.month} v{doc.version}: {doc.status}{extra}"
    if isinstance(doc, Notice):
        return f"{doc.source} {doc.part} {doc.month}: MISSING, due by {doc.due}"
    if isinstance(doc, Rejection):
        return f"{doc.original_path}: REJECTED, {doc.reason}"
    return str(doc)


def deliver(
    by_submitter: Mapping[str, list[Document]],
    contacts: Mapping[str, Contact],
    receipts_root: Path,
    config: AlertConfig | None = None,
) -> DeliveryReport:
    """Send each submitter one message about its new documents; rejected files (no submitter) are not sent."""
    report = DeliveryReport()
    if config is None:
        try:
            config = AlertConfig.from_env()
        except AlertError as exc:
            report.failures.append(str(exc))
            config = AlertConfig()
    for submitter, documents in sorted(by_submitter.items()):
        if submitter == REJECTED_FOLDER or not documents:
            continue
        contact = contacts.get(submitter)
        if contact is None or not (contact.emails or contact.webhooks):
            report.no_contact.append(submitter)
            continue
        alert = message(submitter, documents, receipts_root)
        channels = []
        for url in contact.webhooks:
            try:
                post_webhook(url, alert, config.timeout)
                channels.append("webhook")
            except AlertError as exc:
                report.failures.append(f"{submitter}: {exc}")
        if contact.emails:
            if config.smtp is None:
                report.failures.append(f"{submitter}: e-mail addresses given but MSDW_SMTP_HOST is not set")
            else:
                try:
                    send_email(alert, contact.emails, config.smtp, config.timeout)
                    channels.append("email")
                except AlertError as exc:
                    report.failures.append(f"{submitter}: {exc}")
        report.delivered[submitter] = channels
    for failure in report.failures:
        log.warning("receipt delivery: %s", failure)
    return report
