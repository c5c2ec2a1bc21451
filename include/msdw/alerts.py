"""Alerts: a short message sent to a webhook (JSON POST) and/or by e-mail (SMTP), configured from the environment.

Variables (all optional; with none set, alerts are only logged):

- ``MSDW_ALERT_WEBHOOK_URL``: an ``http(s)`` URL that receives ``{"text", "title", "severity", "source", "details"}``
  as JSON (``text`` is what Slack, Teams and Mattermost incoming webhooks show).
- ``MSDW_ALERT_EMAIL_TO``: comma-separated recipients; ``MSDW_SMTP_HOST``, ``MSDW_SMTP_PORT`` (25),
  ``MSDW_SMTP_USER``, ``MSDW_SMTP_PASSWORD``, ``MSDW_SMTP_FROM`` (``msdw@localhost``), ``MSDW_SMTP_STARTTLS``
  (``false``).
- ``MSDW_ALERT_TIMEOUT``: seconds to wait for the webhook or mail server (10).

:func:`dag_failure_callback` is the ``on_failure_callback`` for DAGs and tasks: it sends an alert naming the DAG,
the run, the failed tasks and the error, and never raises (a broken alert channel must not hide the failure).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from msdw.returns import MsdwError

log = logging.getLogger(__name__)

SEVERITIES = ("info", "warning", "critical")


class AlertError(MsdwError):
    """An alert could not be delivered through a configured channel."""


@dataclass(frozen=True)
class Alert:
    title: str
    severity: str = "warning"
    source: str = "msdw"
    details: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity {self.severity!r} is not one of {', '.join(SEVERITIES)}")

    @property
    def text(self) -> str:
        head = f"[msdw {self.severity.upper()}] {self.title}"
        return "\n".join([head, *(f"- {line}" for line in self.details)])

    def payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "title": self.title,
            "severity": self.severity,
            "source": self.source,
            "details": list(self.details),
        }


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str = "msdw@localhost"
    starttls: bool = False


@dataclass(frozen=True)
class AlertConfig:
    webhook_url: str | None = None
    email_to: tuple[str, ...] = ()
    smtp: SmtpSettings | None = None
    timeout: float = 10.0
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AlertConfig:
        env = os.environ if env is None else env
        recipients = tuple(a.strip() for a in env.get("MSDW_ALERT_EMAIL_TO", "").split(",") if a.strip())
        smtp = None
        if env.get("MSDW_SMTP_HOST"):
            smtp = SmtpSettings(
                host=env["MSDW_SMTP_HOST"],
                port=_integer(env, "MSDW_SMTP_PORT", 25),
                user=env.get("MSDW_SMTP_USER") or None,
                password=env.get("MSDW_SMTP_PASSWORD") or None,
                sender=env.get("MSDW_SMTP_FROM") or "msdw@localhost",
                starttls=env.get("MSDW_SMTP_STARTTLS", "false").strip().lower() in ("1", "true", "yes", "y"),
            )
        if recipients and smtp is None:
            raise AlertError("MSDW_ALERT_EMAIL_TO is set but MSDW_SMTP_HOST is not: set the mail server to use")
        url = env.get("MSDW_ALERT_WEBHOOK_URL", "").strip() or None
        if url is not None and not url.startswith(("http://", "https://")):
            raise AlertError(f"MSDW_ALERT_WEBHOOK_URL must be an http(s) URL, not {url!r}")
        return cls(webhook_url=url, email_to=recipients, smtp=smtp, timeout=float(env.get("MSDW_ALERT_TIMEOUT", 10)))

    @property
    def channels(self) -> list[str]:
        names = []
        if self.webhook_url:
            names.append("webhook")
        if self.email_to and self.smtp is not None:
            names.append("email")
        return names


def _integer(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise AlertError(f"{name} must be a whole number, not {value!r}") from exc


def post_webhook(url: str, alert: Alert, timeout: float = 10.0, headers: Mapping[str, str] | None = None) -> int:
    """POST the alert as JSON; returns the HTTP status. Raises :class:`AlertError` unless the server answers 2xx."""
    body = json.dumps(alert.payload()).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        raise AlertError(f"the alert webhook {url} answered HTTP {exc.code}: check MSDW_ALERT_WEBHOOK_URL") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise AlertError(f"the alert webhook {url} could not be reached ({exc}): check MSDW_ALERT_WEBHOOK_URL") from exc


def send_email(alert: Alert, recipients: tuple[str, ...], smtp: SmtpSettings, timeout: float = 10.0) -> None:
    message = EmailMessage()
    message["Subject"] = f"[msdw {alert.severity}] {alert.title}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message.set_content(alert.text + "\n")
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as server:
            if smtp.starttls:
                server.starttls()
            if smtp.user:
                server.login(smtp.user, smtp.password or "")
            server.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise AlertError(
            f"the alert e-mail could not be sent through {smtp.host}:{smtp.port} ({exc}): check MSDW_SMTP_*"
        ) from exc


def send_alert(alert: Alert, config: AlertConfig | None = None) -> list[str]:
    """Deliver the alert on every configured channel; returns the channels that took it.

    Every channel is tried; if any fails, :class:`AlertError` names each failure after the others were tried.
    With no channel configured the alert is logged and nothing is sent.
    """
    config = AlertConfig.from_env() if config is None else config
    log.warning("%s", alert.text)
    delivered: list[str] = []
    problems: list[str] = []
    if config.webhook_url:
        try:
            post_webhook(config.webhook_url, alert, config.timeout, config.headers)
            delivered.append("webhook")
        except AlertError as exc:
            problems.append(str(exc))
    if config.email_to and config.smtp is not None:
        try:
            send_email(alert, config.email_to, config.smtp, config.timeout)
            delivered.append("email")
        except AlertError as exc:
            problems.append(str(exc))
    if problems:
        raise AlertError("; ".join(problems))
    return delivered


def failure_alert(context: Mapping[str, Any]) -> Alert:
    """An alert describing a failed DAG run or task from an Airflow callback context."""
    dag_run = context.get("dag_run")
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(dag_run, "dag_id", None) or getattr(context.get("dag"), "dag_id", None) or "unknown DAG"
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id") or "unknown run"
    details = [f"run: {run_id}"]
    if ti is not None:
        details.append(f"task: {getattr(ti, 'task_id', ti)} (try {getattr(ti, 'try_number', '?')})")
    failed = _failed_tasks(dag_run)
    if failed:
        details.append("failed tasks: " + ", ".join(failed))
    error = context.get("exception") or context.get("reason")
    if error:
        details.append(f"error: {str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__}")
    conf = getattr(dag_run, "conf", None) or {}
    if conf.get("warehouse"):
        details.append(f"warehouse: {conf['warehouse']}")
    what = "task failed" if ti is not None else "run failed"
    return Alert(title=f"{dag_id}: {what}", severity="critical", source=dag_id, details=tuple(details))


def _failed_tasks(dag_run: Any) -> list[str]:
    getter = getattr(dag_run, "get_task_instances", None)
    if getter is None:
        return []
    try:
        return sorted(ti.task_id for ti in getter(state=["failed", "upstream_failed"]))
    except Exception:  # the run may be detached from its session inside a callback
        return []


def dag_failure_callback(context: Mapping[str, Any]) -> None:
    """``on_failure_callback`` for msdw DAGs and tasks: send an alert, log (never raise) when it cannot be sent."""
    try:
        send_alert(failure_alert(context))
    except Exception:
        log.exception("msdw could not send the failure alert; fix the MSDW_ALERT_* settings")
