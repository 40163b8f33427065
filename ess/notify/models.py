"""The outbox: one row per mail (and, in ess.webhooks, per webhook delivery), written in the same
transaction as the change that caused it."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ess import clock
from ess.db import UTCDateTime, db


class OutboxState(enum.Enum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up after the retry limit; an admin can retry it


class Deliverable:
    """What the worker needs on any outbox row: state, attempts, when to try next, and its lease.

    Mail and webhook deliveries share these columns so one worker loop drains both with the same lease,
    backoff and give-up rules (ess.notify.delivery).
    """

    state: Mapped[OutboxState] = mapped_column(
        Enum(OutboxState, native_enum=False, length=16), default=OutboxState.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # A worker leases a row while it delivers it; an expired lease lets another worker try.
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Deliverable, db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_outbox_messages_due", "state", "next_attempt_at"),)
