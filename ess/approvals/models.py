"""Requests, their ordered steps, their history, and delegations; transitions refuse illegal moves."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.errors import ConflictError
from ess.people.models import Employee


class ApprovalState(enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    withdrawn = "withdrawn"
    cancelled = "cancelled"


class StepState(enum.Enum):
    waiting = "waiting"      # not reached yet
    pending = "pending"      # the decider's turn
    returned = "returned"    # sent back with a question; resumes when the requester answers
    approved = "approved"
    rejected = "rejected"
    skipped = "skipped"      # e.g. a manager step for someone without a manager
    closed = "closed"        # the request ended (withdrawn, cancelled) before this step was decided


class DeciderKind(enum.Enum):
    manager = "manager"
    role = "role"
    person = "person"


def _enum(cls):
    return Enum(cls, native_enum=False, length=16)


class AlreadyDecided(ConflictError):
    def __init__(self, message=None):
        from flask_babel import lazy_gettext as _l

        super().__init__(message or _l("This request was already decided or changed meanwhile."),
                         code="already_decided")


class ApprovalRequest(db.Model):
    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    requester_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    state: Mapped[ApprovalState] = mapped_column(_enum(ApprovalState), default=ApprovalState.pending)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester: Mapped[Employee] = relationship(foreign_keys=[requester_id])
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="request", order_by="ApprovalStep.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[ApprovalEvent]] = relationship(
        back_populates="request", order_by="ApprovalEvent.id", cascade="all, delete-orphan"
    )

    # Every change bumps the version; a stale writer gets StaleDataError instead of a lost update.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_approval_requests_subject", "subject_type", "subject_id"),
        Index("ix_approval_requests_requester_created", "requester_id", "created_at"),
        Index("ix_approval_requests_state_kind", "state", "kind"),
    )

    @property
    def current_step(self) -> ApprovalStep | None:
        for step in self.steps:
            if step.state in (StepState.pending, StepState.returned):
                return step
        return None

    @property
    def is_pending(self) -> bool:
        return self.state is ApprovalState.pending

    def require_pending(self) -> None:
        if not self.is_pending:
            raise AlreadyDecided()

    def can_withdraw(self, user) -> bool:
        return self.is_pending and user.id == self.requester_id

    def can_answer(self, user) -> bool:
        step = self.current_step
        return self.is_pending and step is not None and step.state is StepState.returned and user.id == self.requester_id

    def touch(self) -> None:
        """Mark the request changed, so its version moves and forms opened before are refused."""
        self.updated_at = clock.now()

    def finish(self, state: ApprovalState) -> None:
        self.require_pending()
        self.state = state
        self.decided_at = clock.now()
        self.touch()
        for step in self.steps:
            if step.state in (StepState.waiting, StepState.pending, StepState.returned):
                step.state = StepState.closed


class ApprovalStep(db.Model):
    __tablename__ = "approval_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"))
    position: Mapped[int]
    decider_kind: Mapped[DeciderKind] = mapped_column(_enum(DeciderKind))
    role: Mapped[str | None] = mapped_column(String(32))
    decider_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    state: Mapped[StepState] = mapped_column(_enum(StepState), default=StepState.waiting)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    overdue_reminded_on: Mapped[date | None]

    request: Mapped[ApprovalRequest] = relationship(back_populates="steps")
    decider: Mapped[Employee | None] = relationship(foreign_keys=[decider_id])
    decided_by: Mapped[Employee | None] = relationship(foreign_keys=[decided_by_id])
    on_behalf_of: Mapped[Employee | None] = relationship(foreign_keys=[on_behalf_of_id])

    __table_args__ = (
        # What waits for a person, and for a role, each in the queue's order (ess.approvals.queue).
        Index("ix_approval_steps_waiting_person", "state", "decider_id", "reached_at", "id"),
        Index("ix_approval_steps_waiting_role", "state", "role", "reached_at", "id"),
        Index("ix_approval_steps_request_id", "request_id"),
        # "Decided by me" (the queue's other states): a decider's history, newest first.
        Index("ix_approval_steps_decided_by", "decided_by_id", "decided_at"),
    )

    def reach(self) -> None:
        self.state = StepState.pending
        self.reached_at = clock.now()

    def decide(self, state: StepState, by: Employee, on_behalf_of: Employee | None, comment: str | None) -> None:
        if self.state is not StepState.pending:
            raise AlreadyDecided()
        self.state = state
        self.decided_by = by
        self.on_behalf_of = on_behalf_of
        self.decided_at = clock.now()
        self.comment = comment


class ApprovalEvent(db.Model):
    """The request's history as people see it: submitted, decisions, questions, answers, comments."""

    __tablename__ = "approval_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    action: Mapped[str] = mapped_column(String(32))
    step_position: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(Text)

    request: Mapped[ApprovalRequest] = relationship(back_populates="events")
    actor: Mapped[Employee | None] = relationship(foreign_keys=[actor_id])
    on_behalf_of: Mapped[Employee | None] = relationship(foreign_keys=[on_behalf_of_id])


class Delegation(db.Model):
    """Holiday cover: the delegate decides the delegator's steps between two dates, inclusive."""

    __tablename__ = "approval_delegations"

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    delegator: Mapped[Employee] = relationship(foreign_keys=[delegator_id])
    delegate: Mapped[Employee] = relationship(foreign_keys=[delegate_id])

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on
