"""/api/v1/employees/<employee_no> and /api/v1/me: a colleague's work details, and who I am."""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select

from ess.api.spec import operation, respond
from ess.db import db
from ess.people.models import Employee, EmployeeStatus
from ess.security import allow
from ess.tokens.principal import is_person

bp = Blueprint("people_api", __name__, url_prefix="/api/v1")


class PersonRef(BaseModel):
    employee_no: str
    name: str


class EmployeeWork(BaseModel):
    """What every colleague may know about an employee."""

    employee_no: str
    name: str
    name_en: str | None
    email: str = Field(description="Work e-mail")
    department: str | None
    title: str | None
    manager: PersonRef | None
    active: bool


class Me(EmployeeWork):
    roles: list[str] = Field(description="employee, manager, hr, it_author, admin")
    locale: str | None


def _work(employee: Employee) -> dict:
    manager = employee.manager if employee.manager_id and employee.manager_id != employee.id else None
    return {
        "employee_no": employee.employee_no,
        "name": employee.name,
        "name_en": employee.name_en,
        "email": employee.email,
        "department": employee.department.name if employee.department else None,
        "title": employee.title,
        "manager": PersonRef(employee_no=manager.employee_no, name=manager.name) if manager else None,
        "active": employee.status is EmployeeStatus.active,
    }


@bp.get("/employees/<employee_no>")
@allow("employee")
@operation("An employee's work details (people:read); former employees only for HR and service tokens",
           response=EmployeeWork, errors=(404,), tags=("people",), scopes=("people:read",))
def employee(employee_no: str):
    person = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    sees_former = not is_person(current_user) or bool(current_user.roles & {"hr", "admin"})
    if person is None or (person.status is not EmployeeStatus.active and not sees_former):
        abort(404)
    return respond(EmployeeWork(**_work(person)))


@bp.get("/me")
@allow("employee")
@operation("The signed-in person: work details and roles (browser sessions only, not service tokens)",
           response=Me, tags=("people",))
def me():
    person = current_user._get_current_object()
    return respond(Me(**_work(person), roles=sorted(person.roles), locale=person.locale))
