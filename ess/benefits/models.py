"""Enrolments (a choice of plan, option, level and covered dependents, or a waiver), the people each covers,
and reported life events with their document."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.errors import ConflictError
from ess.people.models import Employee
from ess.profile.models import Dependent  # noqa: F401  (covered people refer to dependents)


def _enum(cls):
    return Enum(cls, native_enum=False, length=16)


class EnrolmentState(enum.Enum):
    pending = "pending"
    approved = "approved"  # in force from effective_from (to effective_to, when set)
    superseded = "superseded"  # approved, but replaced before it started
    rejected = "rejected"
    withdrawn = "withdrawn"
    cancelled = "cancelled"


class BenefitEnrolment(db.Model):
    __tablename__ = "benefit_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    plan: Mapped[str] = mapped_column(String(32))
    option: Mapped[str | None] = mapped_column(String(32))  # None when waived
    level: Mapped[str | None] = mapped_column(String(32))
    waived: Mapped[bool] = mapped_column(Boolean, default=False)
    employee_cost: Mapped[int] = mapped_column(default=0)  # won per month, as quoted when sent
    company_cost: Mapped[int] = mapped_column(default=0)
    window: Mapped[str] = mapped_column(String(16))  # open | new_hire | life_event
    life_event_id: Mapped[int | None] = mapped_column(ForeignKey("benefit_life_events.id", ondelete="SET NULL"))
    state: Mapped[EnrolmentState] = mapped_column(_enum(EnrolmentState), default=EnrolmentState.pending)
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]  # the last day, when replaced
    approval_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    employee: Mapped[Employee] = relationship()
    covered: Mapped[list[CoveredPerson]] = relationship(back_populates="enrolment", cascade="all, delete-orphan",
                                                        order_by="CoveredPerson.id", lazy="selectin")
    life_event: Mapped[LifeEvent | None] = relationship()

    __table_args__ = (
        Index("ix_benefit_enrolments_employee_plan", "employee_id", "plan", "state"),
        Index("ix_benefit_enrolments_state_dates", "state", "effective_from"),
    )

    def finish(self, state: EnrolmentState) -> None:
        if self.state is not EnrolmentState.pending:
            raise ConflictError(f"enrolment {self.id} is {self.state.value}, not pending", code="already_decided")
        self.state = state
        self.decided_at = clock.now()

    def in_force_on(self, day: date) -> bool:
        return (self.state is EnrolmentState.approved and self.effective_from is not None
                and self.effective_from <= day and (self.effective_to is None or day <= self.effective_to))

    def can_view(self, user) -> bool:
        return user.id == self.employee_id or "hr" in user.roles

    @property
    def total_cost(self) -> int:
        return self.employee_cost + self.company_cost


class CoveredPerson(db.Model):
    """A dependent an enrolment covers, copied as chosen (the insurer needs it even after the record changes)."""

    __tablename__ = "benefit_covered_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("benefit_enrolments.id", ondelete="CASCADE"))
    dependent_id: Mapped[int | None] = mapped_column(ForeignKey("dependents.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(32))
    birth_date: Mapped[date]

    enrolment: Mapped[BenefitEnrolment] = relationship(back_populates="covered")

    __table_args__ = (Index("ix_benefit_covered_people_enrolment_id", "enrolment_id"),)


class LifeEvent(db.Model):
    __tablename__ = "benefit_life_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    kind: Mapped[str] = mapped_column(String(32))
    event_date: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_type: Mapped[str | None] = mapped_column(String(100))
    document_size: Mapped[int | None]
    document_data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    employee: Mapped[Employee] = relationship()

    __table_args__ = (Index("ix_benefit_life_events_employee_date", "employee_id", "event_date"),)

    def can_view(self, user) -> bool:
        return user.id == self.employee_id or "hr" in user.roles
