"""Departments (a tree) and employees, with the roles and session version that sign-in relies on."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Computed, Enum, ForeignKey, Index, String, Text, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ess import clock
from ess.db import UTCDateTime, db

# What the directory searches in one column: name, English name and title, lowered by the database itself
# (the same lower() the search used on each field, so the same people match) and kept by it on every write,
# bulk COPY and INSERT included. A newline keeps the fields apart; ess.people.directory matches a query that
# holds one field by field instead.
DIRECTORY_SEARCH_KEY = "lower(name) || '\n' || coalesce(lower(name_en), '') || '\n' || coalesce(lower(title), '')"

# Roles held explicitly; `employee` is implied by being active and `manager` by having direct reports.
GRANTED_ROLES = ("hr", "it_author", "admin")


class EmployeeStatus(enum.Enum):
    active = "active"
    inactive = "inactive"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))

    parent: Mapped[Department | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Department]] = relationship(back_populates="parent")

    def path(self) -> list[Department]:
        """This department and its ancestors, top first."""
        chain, node = [], self
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class Employee(db.Model):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str | None] = mapped_column(String(120))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    hire_date: Mapped[date | None]
    country: Mapped[str] = mapped_column(String(2), default="KR")
    subdivision: Mapped[str | None] = mapped_column(String(8))
    # ISO weekdays worked, Monday = 1.
    work_week: Mapped[str] = mapped_column(String(16), default="1,2,3,4,5")
    status: Mapped[EmployeeStatus] = mapped_column(
        Enum(EmployeeStatus, native_enum=False, length=16), default=EmployeeStatus.active
    )
    locale: Mapped[str | None] = mapped_column(String(8))
    # Raised whenever roles change or the person is deactivated: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)
    # Deferred: only the directory's WHERE reads it, never Python.
    search_key: Mapped[str | None] = mapped_column(Text, Computed(DIRECTORY_SEARCH_KEY), deferred=True)

    department: Mapped[Department | None] = relationship()
    manager: Mapped[Employee | None] = relationship(remote_side=[id])
    role_grants: Mapped[list[EmployeeRole]] = relationship(
        back_populates="employee", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_employees_manager_id", "manager_id"),
        Index("ix_employees_department_id", "department_id"),
        # The directory: active people in name order with everything its WHERE reads, so a search walks this
        # index alone and stops at the page's last match (bench/README.md, issue #10).
        Index("ix_employees_directory", "status", "name", "id", "department_id", "search_key"),
    )

    # Flask-Login -----------------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.status is EmployeeStatus.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The session remembers the version it was made for; see ess.auth.sessions.load_user.
        return f"{self.id}:{self.session_version}"

    # Roles -----------------------------------------------------------------------------------------
    @property
    def granted_roles(self) -> set[str]:
        return {grant.role for grant in self.role_grants}

    @property
    def has_reports(self) -> bool:
        if not hasattr(self, "_has_reports"):
            self._has_reports = db.session.scalar(
                select(
                    exists().where(
                        Employee.manager_id == self.id,
                        Employee.status == EmployeeStatus.active,
                        Employee.id != self.id,
                    )
                )
            )
        return self._has_reports

    @property
    def roles(self) -> set[str]:
        if not self.is_active:
            return set()
        roles = {"employee"} | self.granted_roles
        if self.has_reports:
            roles.add("manager")
        return roles

    def set_granted_roles(self, roles: set[str]) -> tuple[set[str], set[str]]:
        """Replace the explicit roles; returns (added, removed). Any change ends existing sessions."""
        wanted = set(roles) & set(GRANTED_ROLES)
        current = self.granted_roles
        added, removed = wanted - current, current - wanted
        if added or removed:
            self.role_grants = [g for g in self.role_grants if g.role in wanted] + [
                EmployeeRole(role=role) for role in sorted(added)
            ]
            self.end_sessions()
        return added, removed

    def end_sessions(self) -> None:
        self.session_version = (self.session_version or 1) + 1

    def deactivate(self) -> None:
        if self.status is not EmployeeStatus.inactive:
            self.status = EmployeeStatus.inactive
            self.end_sessions()

    @property
    def display_name(self) -> str:
        return self.name


class EmployeeRole(db.Model):
    __tablename__ = "employee_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))

    employee: Mapped[Employee] = relationship(back_populates="role_grants")

    __table_args__ = (UniqueConstraint("employee_id", "role"),)
