"""Receipts reach each submitter's contacts: e-mail through a local SMTP server (aiosmtpd) and a local webhook; a
submitter without a contact is listed. (About 10 s: one small ingest.)"""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from msdw.ingest import ingest_source
from msdw.landing import Inbox, land
from msdw.receipts import write_receipts
from msdw.receipts.delivery import ContactsError, load_contacts
from msdw.sources import SOURCES
from msdw.warehouse import Warehouse
from tests.deploy.conftest import Receiver
from tests.fixtures import inbox as fx


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], str]] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # the name aiosmtpd calls
        self.messages.append((list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def test_receipts_are_delivered_to_each_submitters_contacts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    monkeypatch.setenv("MSDW_PSEUDONYM_KEY", "receipts-delivery-key-0123456789abcdef")
    monkeypatch.setenv("MSDW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MSDW_SMTP_PORT", str(port))
    monkeypatch.setenv("MSDW_SMTP_FROM", "returns@msdw.example")
    inbox = tmp_path / "inbox"
    fx.write_inbox(inbox, with_bad=True)
    warehouse = Warehouse.at(tmp_path / "wh").ensure()
    for source in SOURCES:
        land(Inbox(inbox), warehouse, source.name, "run", reject_strays=True)
        ingest_source(source, warehouse)
    (warehouse.root / "contacts.yml").write_text(
        f"E23000001: [returns@met.example, {webhook.url}]\nGLAA: data@glaa.example\n", encoding="utf-8"
    )

    run = write_receipts(warehouse, now=dt.datetime(2018, 6, 1, tzinfo=dt.UTC))

    assert run.delivery.failures == []
    assert run.delivery.delivered == {"E23000001": ["webhook", "email"], "GLAA": ["email"]}
    assert "E23000002" in run.delivery.no_contact and "CPS" in run.delivery.no_contact
    (body,) = webhook.wait()
    assert body["source"] == "msdw_receipts" and body["title"].endswith("for E23000001")
    assert any("police operations 2018-02 v1: ACCEPTED" in line for line in body["details"])
    recipients = sorted(r for rcpts, _ in box.messages for r in rcpts)
    assert recipients == ["data@glaa.example", "returns@met.example"]
    glaa = next(text for rcpts, text in box.messages if rcpts == ["data@glaa.example"])
    assert "From: returns@msdw.example" in glaa and "QUARANTINED" in glaa and "->" in glaa  # a problem and its fix
    assert not [value for value in (*fx.NAMES, *fx.DATES_OF_BIRTH) for _, text in box.messages if value in text]

    again = write_receipts(warehouse, now=dt.datetime(2018, 6, 1, tzinfo=dt.UTC))
    assert again.delivery.delivered == {} and len(box.messages) == 2  # nothing new, nothing sent again


def test_contacts_that_are_not_addresses_are_refused(tmp_path: Path) -> None:
    warehouse = Warehouse.at(tmp_path).ensure()
    (warehouse.root / "contacts.yml").write_text("E23000001: [the duty sergeant]\n", encoding="utf-8")
    with pytest.raises(ContactsError, match=r"contacts.yml: submitter E23000001: 'the duty sergeant' is neither"):
        load_contacts(warehouse)
    (warehouse.root / "contacts.yml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ContactsError, match="expected a mapping of submitter code to addresses"):
        load_contacts(warehouse)
