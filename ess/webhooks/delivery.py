"""Posting webhook deliveries, signed, as part of the outbox worker's round (ess.notify.delivery)."""
from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import requests
from flask import current_app

from ess import clock
from ess.db import db
from ess.notify.delivery import DeliveryReport, claim_due, record_failure, record_success
from ess.notify.models import OutboxState
from ess.webhooks.guard import AddressRefused, check_host
from ess.webhooks.models import WebhookDelivery

TIMEOUT = 5  # seconds to connect, and again to read the answer
USER_AGENT = "ESS-Webhooks/1"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """Stripe-style: HMAC-SHA256 over "<timestamp>.<raw body>", so a receiver can refuse old replays."""
    return hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def headers_for(delivery: WebhookDelivery, secret: str, body: bytes, timestamp: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-ESS-Delivery": delivery.uuid,
        "X-ESS-Event": delivery.event,
        "X-ESS-Timestamp": str(timestamp),
        "X-ESS-Signature": f"t={timestamp},v1={signature(secret, timestamp, body)}",
    }


def _post(session: requests.Session, delivery: WebhookDelivery) -> int:
    subscription = delivery.subscription
    parts = urlsplit(subscription.url)
    check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
               production=current_app.config["ESS_ENV"] == "production",
               allowed_networks=current_app.config.get("WEBHOOK_ALLOWED_NETWORKS") or ())
    body = delivery.body.encode("utf-8")
    timestamp = int(clock.now().timestamp())
    # No redirects: a receiver could otherwise bounce the signed request to an address the guard refuses.
    # stream=True: the answer's body is never read, however large.
    with session.post(subscription.url, data=body, headers=headers_for(delivery, subscription.secret, body, timestamp),
                      timeout=TIMEOUT, allow_redirects=False, stream=True) as response:
        return response.status_code


def deliver_due_webhooks(worker_id: str, report: DeliveryReport) -> None:
    ids = claim_due(worker_id, model=WebhookDelivery)
    if not ids:
        return
    session = requests.Session()
    # Proxy settings of the worker's environment would make the address guard check the wrong host.
    session.trust_env = False
    try:
        for delivery_id in ids:
            delivery = db.session.get(WebhookDelivery, delivery_id)
            if not delivery.subscription.enabled:
                delivery.state = OutboxState.failed
                delivery.last_error = "the webhook is disabled"
                delivery.locked_by = delivery.locked_until = None
                report.failed += 1
                db.session.commit()
                continue
            try:
                status = _post(session, delivery)
            except AddressRefused as error:
                record_failure(delivery, f"refused: {error}", report)
            except requests.RequestException as error:
                record_failure(delivery, f"{type(error).__name__}: {_reason(error)}", report)
            else:
                delivery.response_status = status
                if 200 <= status < 300:
                    record_success(delivery, report)
                elif 300 <= status < 400:
                    record_failure(delivery, f"HTTP {status}: redirects are not followed", report)
                else:
                    record_failure(delivery, f"HTTP {status}", report)
            db.session.commit()
    finally:
        session.close()


def _reason(error: requests.RequestException) -> str:
    """The innermost cause without the long urllib3 wrapper text."""
    cause = error
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return str(cause) or str(error)
