"""Webhook subscriptions (where to send which events, with an encrypted signing secret) and their deliveries."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.crypto import EncryptedText
from ess.db import UTCDateTime, db
from ess.notify.models import Deliverable
from ess.people.models import Employee

DECIDED = "approval.decided"
# One event per outcome; `approval.decided` stands for all four.
OUTCOME_EVENTS = ("approval.approved", "approval.rejected", "approval.withdrawn", "approval.cancelled")
EVENTS = (DECIDED, *OUTCOME_EVENTS)
TEST_EVENT = "webhook.test"


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Request kinds to send; empty means every kind.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept decryptable (not hashed) because every delivery is signed with it.
    secret: Mapped[str] = mapped_column(EncryptedText())
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[Employee | None] = relationship(foreign_keys=[created_by_id])
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WebhookDelivery.id.desc()",
    )

    def event_for(self, outcome: str, kind: str) -> str | None:
        """The event type this subscription receives for a request of `kind` that ended as `outcome`."""
        if not self.enabled or (self.kinds and kind not in self.kinds):
            return None
        if DECIDED in self.events:
            return DECIDED
        specific = f"approval.{outcome}"
        return specific if specific in self.events else None


class WebhookDelivery(Deliverable, db.Model):
    """One event for one subscription; the body is stored as sent so retries and redeliveries are identical."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id receivers see (body and X-ESS-Delivery); unchanged by retries, so they can drop duplicates.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    approval_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    response_status: Mapped[int | None]

    subscription: Mapped[WebhookSubscription] = relationship(back_populates="deliveries")

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )
