"""Leave requests, the ledger (append-only: the balance is its sum), documents and calendar feed tokens."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.errors import ConflictError
from ess.people.models import Employee


def _enum(cls):
    return Enum(cls, native_enum=False, length=16)


class RequestState(enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    cancelled = "cancelled"


class EntryKind(enum.Enum):
    grant = "grant"
    carry_over = "carry_over"
    use = "use"
    expiry = "expiry"
    cancellation = "cancellation"  # approved leave cancelled: the days come back
    adjustment = "adjustment"  # by HR, with a reason


class LeaveRequest(db.Model):
    __tablename__ = "leave_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date]
    end_date: Mapped[date]
    start_half: Mapped[bool] = mapped_column(Boolean, default=False)  # starts in the afternoon
    end_half: Mapped[bool] = mapped_column(Boolean, default=False)  # ends in the morning
    days: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RequestState] = mapped_column(_enum(RequestState), default=RequestState.pending)
    approval_id: Mapped[int | None]
    cancellation_approval_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[Employee] = relationship()
    attachment: Mapped[LeaveAttachment | None] = relationship(back_populates="request", uselist=False,
                                                              cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_leave_requests_employee_dates", "employee_id", "start_date", "end_date"),
        Index("ix_leave_requests_state_dates", "state", "start_date"),
    )

    @property
    def is_active(self) -> bool:
        """Holds days: pending (a reservation) or approved (a use)."""
        return self.state in (RequestState.pending, RequestState.approved)

    def finish(self, state: RequestState) -> None:
        if self.state is not RequestState.pending and not (
            state is RequestState.cancelled and self.state is RequestState.approved
        ):
            raise ConflictError(f"leave request {self.id} is {self.state.value}, not pending", code="already_decided")
        self.state = state
        self.decided_at = clock.now()

    def can_view(self, user) -> bool:
        return (user.id == self.employee_id or "hr" in user.roles
                or (self.employee.manager_id == user.id))


class LedgerEntry(db.Model):
    __tablename__ = "leave_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(32))
    kind: Mapped[EntryKind] = mapped_column(_enum(EntryKind))
    effective_on: Mapped[date]
    days: Mapped[float] = mapped_column(Float)  # signed: grants +, uses and expiries −
    expires_on: Mapped[date | None]  # grants, carry-overs, positive adjustments
    key: Mapped[str | None] = mapped_column(String(96))  # accrual: one row per key
    note: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("leave_requests.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (
        UniqueConstraint("employee_id", "leave_type", "key"),
        Index("ix_leave_ledger_employee_type_on", "employee_id", "leave_type", "effective_on"),
    )


@event.listens_for(LedgerEntry, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("ledger rows are append-only; add a correcting row")


@event.listens_for(LedgerEntry, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("ledger rows are append-only; add a correcting row")


class LeaveAttachment(db.Model):
    __tablename__ = "leave_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("leave_requests.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    request: Mapped[LeaveRequest] = relationship(back_populates="attachment")


class LeaveFeedToken(db.Model):
    """The secret in an employee's iCalendar feed URL; regenerating it retires the old URL."""

    __tablename__ = "leave_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    employee: Mapped[Employee] = relationship()
