"""Admins see mail that could not be delivered and send it again."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ess import audit
from ess.db import db
from ess.notify.delivery import retry_failed
from ess.notify.models import OutboxMessage, OutboxState
from ess.security import allow

bp = Blueprint("notify", __name__, url_prefix="/admin/outbox")


@bp.get("/")
@allow("admin")
def index():
    counts = dict(db.session.execute(select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)).all())
    failed = db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == OutboxState.failed)
                                .order_by(OutboxMessage.id.desc()).limit(100)).all()
    waiting = db.session.scalars(select(OutboxMessage).where(OutboxMessage.state == OutboxState.pending,
                                                             OutboxMessage.attempts > 0)
                                 .order_by(OutboxMessage.next_attempt_at).limit(100)).all()
    # Webhook deliveries share the outbox; they are listed per webhook, so only their troubles are counted here.
    from ess.webhooks.models import WebhookDelivery

    webhook_trouble = db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        (WebhookDelivery.state == OutboxState.failed)
        | ((WebhookDelivery.state == OutboxState.pending) & (WebhookDelivery.attempts > 0))))
    return render_template("notify/outbox.html", counts=counts, failed=failed, waiting=waiting,
                           states=OutboxState, webhook_trouble=webhook_trouble)


@bp.post("/<int:message_id>/retry")
@allow("admin")
def retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.state is not OutboxState.failed:
        abort(404)
    retry_failed(message)
    audit.record("outbox.retried", actor=current_user._get_current_object(), subject=message)
    db.session.commit()
    flash(_("The message will be sent again."), "success")
    return redirect(url_for("notify.index"))
