"""The outbox worker: lease due rows, deliver them (mail over SMTP, webhooks over HTTP), retry with backoff,
give up after a limit."""
from __future__ import annotations

import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from ess import clock
from ess.db import db
from ess.notify.models import Deliverable, OutboxMessage, OutboxState

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
BATCH = 20


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class SmtpSettingsError(Exception):
    pass


def smtp_settings(url: str | None) -> dict:
    """smtp://user:password@host:port (STARTTLS with ?starttls=1) or smtps://… for implicit TLS."""
    if not url:
        raise SmtpSettingsError("ESS_SMTP_URL is not set")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SmtpSettingsError("ESS_SMTP_URL must look like smtp://user:password@host:port")
    query = parse_qs(parts.query)
    return {
        "ssl": parts.scheme == "smtps",
        "starttls": query.get("starttls", ["0"])[0] in ("1", "true", "yes"),
        "host": parts.hostname,
        "port": parts.port or (465 if parts.scheme == "smtps" else 25),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
    }


def claim_due(worker_id: str, limit: int = BATCH, model: type[Deliverable] = OutboxMessage) -> list[int]:
    """Lease up to `limit` due rows of `model` for this worker and commit, so no other worker takes them."""
    now = clock.now()
    due = (
        select(model.id)
        .where(
            model.state == OutboxState.pending,
            model.next_attempt_at <= now,
            or_(model.locked_until.is_(None), model.locked_until < now),
        )
        .order_by(model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers instead
    )
    ids = list(db.session.scalars(due))
    if ids:
        # The lease condition is repeated so a worker that read the same rows without SKIP LOCKED
        # (SQLite) cannot take a row another worker leased in between.
        result = db.session.execute(
            update(model)
            .where(model.id.in_(ids), or_(model.locked_until.is_(None), model.locked_until < now))
            .values(locked_by=worker_id, locked_until=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != len(ids):
            db.session.rollback()
            return []
    db.session.commit()
    if not ids:
        return []
    return list(db.session.scalars(select(model.id).where(model.id.in_(ids), model.locked_by == worker_id)))


def record_failure(row: Deliverable, error: str, report: DeliveryReport) -> None:
    """One failed attempt: try again after the backoff, or give up at the limit."""
    row.attempts += 1
    row.last_error = error[:500]
    row.locked_by = row.locked_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.state = OutboxState.failed
        report.failed += 1
    else:
        row.next_attempt_at = clock.now() + backoff(row.attempts)
        report.retried += 1


def record_success(row: Deliverable, report: DeliveryReport) -> None:
    row.attempts += 1
    row.state = OutboxState.sent
    row.sent_at = clock.now()
    row.locked_by = row.locked_until = None
    row.last_error = None
    report.sent += 1


def message_id(message: OutboxMessage) -> str:
    """The same Message-ID on every attempt. A worker that dies after the server's "250 OK" and before it
    records the message as sent leaves it to be sent again (the lease runs out): the copy then carries the
    same Message-ID, so the receiving system can recognise the duplicate and drop it."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "ess.local"
    # created_at tells apart the same id in a database rebuilt from empty (the demo, a restore elsewhere).
    return f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{domain}>"


def _email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Message-ID"] = message_id(message)
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def _connect(settings: dict) -> smtplib.SMTP:
    cls = smtplib.SMTP_SSL if settings["ssl"] else smtplib.SMTP
    connection = cls(settings["host"], settings["port"], timeout=30)
    if settings["starttls"]:
        connection.starttls()
    if settings["username"]:
        connection.login(settings["username"], settings["password"] or "")
    return connection


def deliver_due(worker_id: str | None = None) -> DeliveryReport:
    """Deliver what is due: mail, then webhooks. Each row's outcome is committed on its own."""
    from ess.webhooks.delivery import deliver_due_webhooks

    worker_id = worker_id or f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
    report = DeliveryReport()
    settings = smtp_settings(current_app.config.get("SMTP_URL"))
    ids = claim_due(worker_id)
    connection = None
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        try:
            if connection is None:
                connection = _connect(settings)
            connection.send_message(_email(message))
        except (OSError, smtplib.SMTPException) as error:
            connection = None
            record_failure(message, f"{type(error).__name__}: {error}", report)
        else:
            record_success(message, report)
        db.session.commit()
    if connection is not None:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            pass
    deliver_due_webhooks(worker_id, report)
    return report


def retry_failed(message: Deliverable) -> None:
    """An admin sends a given-up message (or a webhook delivery) again."""
    message.state = OutboxState.pending
    message.attempts = 0
    message.next_attempt_at = clock.now()
    message.locked_by = message.locked_until = None
