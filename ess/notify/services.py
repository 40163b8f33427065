"""Queueing mail: render it in the recipient's language now, store it in the outbox, send it later."""
from __future__ import annotations

from flask import current_app, has_request_context, render_template, request
from flask_babel import force_locale

from ess.db import db
from ess.notify.models import OutboxMessage


def public_url(path: str) -> str:
    """An absolute link into the portal for a mail: ESS_PUBLIC_URL, else the current request's origin."""
    base = current_app.config.get("PUBLIC_URL")
    if not base and has_request_context():
        base = request.host_url
    return (base or "http://127.0.0.1:5000").rstrip("/") + path


def recipient_locale(employee) -> str:
    return getattr(employee, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def queue_mail(recipient, template: str, *, topic: str, **context) -> OutboxMessage | None:
    """Add a mail to the outbox in the caller's transaction.

    `template` names `templates/email/<template>.txt` and `.html`; the text template's first line is
    the subject. Nothing is sent here: a rolled-back change leaves no mail behind.
    """
    if recipient is None or not getattr(recipient, "email", None) or not recipient.is_active:
        return None
    with force_locale(recipient_locale(recipient)):
        context.update(recipient=recipient, public_url=public_url)
        text = render_template(f"email/{template}.txt", **context).strip()
        html = render_template(f"email/{template}.html", **context)
    subject, _, body = text.partition("\n")
    message = OutboxMessage(
        recipient_id=recipient.id,
        to_address=recipient.email,
        subject=subject.strip()[:300],
        text_body=body.strip() + "\n",
        html_body=html,
        topic=topic,
    )
    db.session.add(message)
    return message
