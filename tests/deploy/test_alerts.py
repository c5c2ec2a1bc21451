"""Alerts reach a local webhook and a local SMTP server; bad settings and failing channels say what to fix."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from msdw.alerts import Alert, AlertConfig, AlertError, SmtpSettings, dag_failure_callback, failure_alert, send_alert
from tests.deploy.conftest import Receiver


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message."""

    def handle(self) -> None:
        self.wfile.write(b"220 localhost test\r\n")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250 localhost\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                body = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                self.server.messages.append("".join(body))  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp() -> Iterator[socketserver.ThreadingTCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.messages = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


ALERT = Alert(title="2 missing", severity="warning", source="monitor_returns", details=("MISSING cps CPS main",))


def test_webhook_receives_the_alert_as_json(webhook: Receiver) -> None:
    assert send_alert(ALERT, AlertConfig(webhook_url=webhook.url)) == ["webhook"]
    (body,) = webhook.wait()
    assert body["title"] == "2 missing" and body["severity"] == "warning" and body["source"] == "monitor_returns"
    assert body["details"] == ["MISSING cps CPS main"]
    assert body["text"].startswith("[msdw WARNING] 2 missing") and "- MISSING cps CPS main" in body["text"]


def test_a_webhook_error_status_raises_with_the_url(webhook: Receiver) -> None:
    webhook.status = 500
    with pytest.raises(AlertError, match=r"HTTP 500.*MSDW_ALERT_WEBHOOK_URL"):
        send_alert(ALERT, AlertConfig(webhook_url=webhook.url))


def test_an_unreachable_webhook_raises() -> None:
    with pytest.raises(AlertError, match="could not be reached"):
        send_alert(ALERT, AlertConfig(webhook_url="http://127.0.0.1:9/nothing", timeout=2))


def test_email_reaches_the_smtp_server(smtp: socketserver.ThreadingTCPServer) -> None:
    settings = SmtpSettings(host="127.0.0.1", port=smtp.server_address[1], sender="msdw@example.org")
    config = AlertConfig(email_to=("ops@example.org", "lead@example.org"), smtp=settings)
    assert send_alert(ALERT, config) == ["email"]
    (message,) = smtp.messages  # type: ignore[attr-defined]
    assert "Subject: [msdw warning] 2 missing" in message
    assert "To: ops@example.org, lead@example.org" in message and "MISSING cps CPS main" in message


def test_no_channel_configured_sends_nothing() -> None:
    assert send_alert(ALERT, AlertConfig()) == []


def test_config_from_env() -> None:
    config = AlertConfig.from_env(
        {
            "MSDW_ALERT_WEBHOOK_URL": "https://hooks.example.org/x",
            "MSDW_ALERT_EMAIL_TO": "a@example.org, b@example.org",
            "MSDW_SMTP_HOST": "mail.example.org",
            "MSDW_SMTP_PORT": "587",
            "MSDW_SMTP_STARTTLS": "yes",
        }
    )
    assert config.channels == ["webhook", "email"]
    assert config.email_to == ("a@example.org", "b@example.org")
    assert config.smtp == SmtpSettings(host="mail.example.org", port=587, starttls=True)
    assert AlertConfig.from_env({}).channels == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MSDW_ALERT_EMAIL_TO": "a@example.org"}, "MSDW_SMTP_HOST"),
        ({"MSDW_ALERT_WEBHOOK_URL": "hooks.example.org"}, "http"),
        ({"MSDW_SMTP_HOST": "m", "MSDW_SMTP_PORT": "twenty-five"}, "MSDW_SMTP_PORT"),
    ],
)
def test_bad_settings_say_what_to_fix(env: dict[str, str], message: str) -> None:
    with pytest.raises(AlertError, match=message):
        AlertConfig.from_env(env)


def test_failure_callback_names_dag_run_task_and_error(webhook: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSDW_ALERT_WEBHOOK_URL", webhook.url)
    context = {
        "dag_run": SimpleNamespace(dag_id="ingest_cps", run_id="manual__1", conf={"warehouse": "/w"}),
        "task_instance": SimpleNamespace(task_id="load", try_number=2),
        "exception": RuntimeError("the ledger is locked\nby another process"),
    }
    assert failure_alert(context).severity == "critical"
    dag_failure_callback(context)
    (body,) = webhook.wait()
    assert body["title"] == "ingest_cps: task failed"
    assert "run: manual__1" in body["details"] and "task: load (try 2)" in body["details"]
    assert "error: by another process" in body["details"] and "warehouse: /w" in body["details"]


def test_failure_callback_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSDW_ALERT_WEBHOOK_URL", "http://127.0.0.1:9/nothing")
    monkeypatch.setenv("MSDW_ALERT_TIMEOUT", "1")
    dag_failure_callback({"dag_run": SimpleNamespace(dag_id="build_warehouse", run_id="r", conf={})})
