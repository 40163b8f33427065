"""The people offered on the demo sign-in page: one of each kind of user."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ess.db import db
from ess.people.models import Employee, EmployeeRole, EmployeeStatus


def demo_personas() -> list[tuple[str, Employee]]:
    """(role, employee) for the first active admin, HR person, IT author, manager and plain employee."""
    active = select(Employee).where(Employee.status == EmployeeStatus.active).order_by(Employee.employee_no)
    report = aliased(Employee)
    has_reports = exists().where(report.manager_id == Employee.id, report.id != Employee.id)
    has_role = exists().where(EmployeeRole.employee_id == Employee.id)
    picks = [
        ("admin", active.where(Employee.role_grants.any(EmployeeRole.role == "admin"))),
        ("hr", active.where(Employee.role_grants.any(EmployeeRole.role == "hr"))),
        ("it_author", active.where(Employee.role_grants.any(EmployeeRole.role == "it_author"))),
        ("manager", active.where(has_reports, ~has_role)),
        ("employee", active.where(~has_reports, ~has_role)),
    ]
    personas: list[tuple[str, Employee]] = []
    for role, query in picks:
        chosen = [person.id for _, person in personas]
        employee = db.session.scalar(query.where(Employee.id.not_in(chosen)).limit(1))
        if employee is not None:
            personas.append((role, employee))
    return personas
