"""Webhook use cases: subscriptions (the secret is returned once), queueing events with a decision,
test events and redelivery. Every function takes the acting person, flushes and never commits."""
from __future__ import annotations

import json
import secrets
import uuid

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ess import audit, clock
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.notify.delivery import retry_failed
from ess.notify.models import OutboxState
from ess.notify.services import public_url
from ess.webhooks.guard import check_url
from ess.webhooks.models import EVENTS, TEST_EVENT, WebhookDelivery, WebhookSubscription

SECRET_PREFIX = "whsec_"
RECENT_DELIVERIES = 50


def kind_names() -> list[str]:
    from ess.approvals.registry import all_kinds

    return [kind.name for kind in all_kinds()]


def list_subscriptions() -> list[WebhookSubscription]:
    return list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.name)))


def recent_deliveries(subscription: WebhookSubscription) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc()).limit(RECENT_DELIVERIES)))


def _clean(name: str, url: str, events, kinds, *, current: WebhookSubscription | None = None) -> dict:
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise DomainError(_l("Give the webhook a name of at most 80 characters."), field="name", code="required")
    same_name = db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.name == name))
    if same_name is not None and same_name is not current:
        raise ConflictError(_l("A webhook with this name exists already."), field="name", code="taken")
    url = check_url(url, production=current_app.config["ESS_ENV"] == "production",
                    allowed_networks=current_app.config.get("WEBHOOK_ALLOWED_NETWORKS") or ())
    events = [event for event in EVENTS if event in set(events or ())]
    if not events:
        raise DomainError(_l("Choose at least one event."), field="events", code="required")
    known = kind_names()
    unknown = sorted(set(kinds or ()) - set(known))
    if unknown:
        raise DomainError(_l("Unknown request kind: %(kinds)s", kinds=", ".join(unknown)), field="kinds",
                          code="invalid")
    return {"name": name, "url": url, "events": events, "kinds": [k for k in known if k in set(kinds or ())]}


def _facts(subscription: WebhookSubscription) -> dict:
    return {"name": subscription.name, "url": subscription.url, "events": subscription.events,
            "kinds": subscription.kinds, "enabled": subscription.enabled}


def create_subscription(name: str, url: str, events, kinds, *, actor) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret, which the caller shows once."""
    fields = _clean(name, url, events, kinds)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(**fields, secret=secret, created_by_id=getattr(actor, "id", None))
    db.session.add(subscription)
    db.session.flush()
    audit.record("webhook.created", actor=actor, subject=subscription, changes=_facts(subscription))
    return subscription, secret


def update_subscription(subscription: WebhookSubscription, name: str, url: str, events, kinds, *, actor) -> bool:
    fields = _clean(name, url, events, kinds, current=subscription)
    before = _facts(subscription)
    for key, value in fields.items():
        setattr(subscription, key, value)
    after = _facts(subscription)
    changes = {key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]}
    if changes:
        db.session.flush()
        audit.record("webhook.updated", actor=actor, subject=subscription, changes=changes)
    return bool(changes)


def set_enabled(subscription: WebhookSubscription, enabled: bool, *, actor) -> bool:
    if subscription.enabled == enabled:
        return False
    subscription.enabled = enabled
    db.session.flush()
    audit.record("webhook.enabled" if enabled else "webhook.disabled", actor=actor, subject=subscription,
                 changes={"enabled": {"before": not enabled, "after": enabled}})
    return True


def delete_subscription(subscription: WebhookSubscription, *, actor) -> None:
    """Deliveries not yet sent are dropped with it."""
    audit.record("webhook.deleted", actor=actor, subject=subscription, changes=_facts(subscription))
    db.session.delete(subscription)
    db.session.flush()


def rotate_secret(subscription: WebhookSubscription, *, actor) -> str:
    """A new secret signs every delivery from now on, retries of older events included."""
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription.secret = secret
    subscription.secret_rotated_at = clock.now()
    db.session.flush()
    audit.record("webhook.secret_rotated", actor=actor, subject=subscription)
    return secret


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


def _queue(subscription: WebhookSubscription, event: str, data: dict, request_id: int | None = None):
    delivery_id = str(uuid.uuid4())
    body = json.dumps({"id": delivery_id, "type": event, "created_at": _iso(clock.now()), "data": data},
                      ensure_ascii=False, separators=(",", ":"))
    delivery = WebhookDelivery(uuid=delivery_id, subscription=subscription, event=event, body=body,
                               approval_request_id=request_id)
    db.session.add(delivery)
    return delivery


def request_data(request, actor) -> dict:
    """What receivers learn about a decided request: identifiers and the outcome, never comments or
    the values asked for (which may be sensitive)."""
    return {"request": {
        "id": request.id,
        "kind": request.kind,
        "state": request.state.value,
        "requester": request.requester.employee_no,
        "subject_type": request.subject_type,
        "subject_id": request.subject_id,
        "decided_at": _iso(request.decided_at),
        "decided_by": getattr(actor, "employee_no", None),
        "url": public_url(f"/approvals/{request.id}"),
    }}


def request_decided(request, actor) -> list[WebhookDelivery]:
    """Queue the decision for every subscription that wants it, in the decision's transaction."""
    subscriptions = db.session.scalars(select(WebhookSubscription).where(WebhookSubscription.enabled.is_(True)))
    deliveries = []
    data = None
    for subscription in subscriptions:
        event = subscription.event_for(request.state.value, request.kind)
        if event is None:
            continue
        data = data or request_data(request, actor)
        deliveries.append(_queue(subscription, event, data, request.id))
    return deliveries


def send_test(subscription: WebhookSubscription, *, actor) -> WebhookDelivery:
    if not subscription.enabled:
        raise DomainError(_l("Enable the webhook before sending a test event."), code="disabled")
    delivery = _queue(subscription, TEST_EVENT, {"webhook": {"id": subscription.id, "name": subscription.name}})
    db.session.flush()
    audit.record("webhook.test_sent", actor=actor, subject=subscription, changes={"delivery": delivery.uuid})
    return delivery


def redeliver(delivery: WebhookDelivery, *, actor) -> None:
    """Send a delivery again as it was (same id and body, signed anew), whatever became of it before."""
    if delivery.state is OutboxState.pending:
        raise DomainError(_l("This delivery is still being tried."), code="pending")
    if not delivery.subscription.enabled:
        raise DomainError(_l("Enable the webhook before redelivering."), code="disabled")
    retry_failed(delivery)
    db.session.flush()
    audit.record("webhook.redelivered", actor=actor, subject=delivery.subscription,
                 changes={"delivery": delivery.uuid, "event": delivery.event})
