"""What SCIM adds to the people it provisions (the link), and the identity provider's groups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db
from ess.people.models import Employee


class ScimUser(db.Model):
    """An employee as the identity provider knows them. Created the first time SCIM writes to a person."""

    __tablename__ = "scim_users"

    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    # employeeNumber as the provider sent it; it becomes the portal's employee number when it fits (32).
    employee_number: Mapped[str | None] = mapped_column(String(64))
    # Deleted through SCIM: the person is deactivated and SCIM answers 404 for them from then on.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    employee: Mapped[Employee] = relationship()

    __table_args__ = (Index("ix_scim_users_external_id", "external_id"),)


class ScimGroup(db.Model):
    __tablename__ = "scim_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)

    memberships: Mapped[list[ScimGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", lazy="selectin", order_by="ScimGroupMember.employee_id"
    )

    @property
    def member_ids(self) -> list[int]:
        return [m.employee_id for m in self.memberships]


class ScimGroupMember(db.Model):
    __tablename__ = "scim_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("scim_groups.id", ondelete="CASCADE"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)

    group: Mapped[ScimGroup] = relationship(back_populates="memberships")
    employee: Mapped[Employee] = relationship()

    __table_args__ = (Index("ix_scim_group_members_employee_id", "employee_id"),)
