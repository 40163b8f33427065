"""Admin pages for webhooks: subscriptions (the secret is shown once), test events, deliveries, redelivery."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ess.approvals.registry import all_kinds
from ess.db import db
from ess.errors import DomainError
from ess.security import allow
from ess.webhooks import services
from ess.webhooks.labels import EVENT_LABELS
from ess.webhooks.models import WebhookDelivery, WebhookSubscription

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def _actor():
    return current_user._get_current_object()


def _form() -> dict:
    return {"name": request.form.get("name", ""), "url": request.form.get("url", ""),
            "events": request.form.getlist("events"), "kinds": request.form.getlist("kinds")}


def _choices() -> dict:
    return {"event_labels": EVENT_LABELS, "kinds": all_kinds()}


def _load(subscription_id: int) -> WebhookSubscription:
    subscription = db.session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        abort(404)
    return subscription


def _render_detail(subscription, form=None, error=None, status=200):
    form = form or {"name": subscription.name, "url": subscription.url, "events": subscription.events,
                    "kinds": subscription.kinds}
    return render_template("webhooks/detail.html", subscription=subscription, form=form, error=error,
                           deliveries=services.recent_deliveries(subscription), **_choices()), status


@bp.get("/")
@allow("admin")
def index():
    return render_template("webhooks/index.html", subscriptions=services.list_subscriptions(),
                           form={"name": "", "url": "", "events": ["approval.decided"], "kinds": []},
                           error=None, **_choices())


@bp.post("/")
@allow("admin")
def create():
    form = _form()
    try:
        subscription, secret = services.create_subscription(**form, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        return render_template("webhooks/index.html", subscriptions=services.list_subscriptions(), form=form,
                               error=error, **_choices()), error.status
    db.session.commit()
    # Rendered, not redirected: the secret must not travel through the session cookie.
    return render_template("webhooks/secret.html", subscription=subscription, secret=secret, created=True), 201


@bp.get("/<int:subscription_id>")
@allow("admin")
def detail(subscription_id: int):
    return _render_detail(_load(subscription_id))


@bp.post("/<int:subscription_id>")
@allow("admin")
def update(subscription_id: int):
    subscription = _load(subscription_id)
    form = _form()
    try:
        changed = services.update_subscription(subscription, **form, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        return _render_detail(_load(subscription_id), form, error, error.status)
    db.session.commit()
    if changed:
        flash(_("Webhook %(name)s saved.", name=subscription.name), "success")
    return redirect(url_for("webhooks.detail", subscription_id=subscription.id))


@bp.post("/<int:subscription_id>/enabled")
@allow("admin")
def set_enabled(subscription_id: int):
    subscription = _load(subscription_id)
    enabled = request.form.get("enabled") == "1"
    services.set_enabled(subscription, enabled, actor=_actor())
    db.session.commit()
    flash(_("Webhook %(name)s is on: decided requests are sent to it.", name=subscription.name) if enabled else
          _("Webhook %(name)s is off: nothing is sent to it.", name=subscription.name), "info")
    return redirect(url_for("webhooks.detail", subscription_id=subscription.id))


@bp.post("/<int:subscription_id>/delete")
@allow("admin")
def delete(subscription_id: int):
    subscription = _load(subscription_id)
    name = subscription.name
    services.delete_subscription(subscription, actor=_actor())
    db.session.commit()
    flash(_("Webhook %(name)s was deleted.", name=name), "info")
    return redirect(url_for("webhooks.index"))


@bp.post("/<int:subscription_id>/rotate-secret")
@allow("admin")
def rotate_secret(subscription_id: int):
    subscription = _load(subscription_id)
    secret = services.rotate_secret(subscription, actor=_actor())
    db.session.commit()
    return render_template("webhooks/secret.html", subscription=subscription, secret=secret, created=False)


@bp.post("/<int:subscription_id>/test")
@allow("admin")
def send_test(subscription_id: int):
    subscription = _load(subscription_id)
    try:
        services.send_test(subscription, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("A test event is queued; the worker sends it within seconds."), "success")
    return redirect(url_for("webhooks.detail", subscription_id=subscription_id))


@bp.post("/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@allow("admin")
def redeliver(subscription_id: int, delivery_id: int):
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        abort(404)
    try:
        services.redeliver(delivery, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("The delivery will be sent again."), "success")
    return redirect(url_for("webhooks.detail", subscription_id=subscription_id))
