"""Finding colleagues: work details only, never personal data."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from ess.db import db
from ess.people.models import Department, Employee, EmployeeStatus

PAGE_SIZE = 30


@dataclass
class DirectoryPage:
    people: list[Employee]
    page: int
    has_next: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_directory(query: str = "", department_id: int | None = None, page: int = 1) -> DirectoryPage:
    """Active colleagues whose name, English name, title or department contains `query`."""
    page = max(page, 1)
    statement = (
        select(Employee)
        .outerjoin(Employee.department)
        .where(Employee.status == EmployeeStatus.active)
        # Roles are not shown here: reading them would cost a statement for nothing.
        .options(joinedload(Employee.department), lazyload(Employee.role_grants))
    )
    query = query.strip()[:100]
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Employee.name).like(pattern, escape="\\"),
                func.lower(Employee.name_en).like(pattern, escape="\\"),
                func.lower(Employee.title).like(pattern, escape="\\"),
                func.lower(Department.name).like(pattern, escape="\\"),
            )
        )
    if department_id:
        statement = statement.where(Employee.department_id.in_(department_and_below(department_id)))
    statement = statement.order_by(Employee.name, Employee.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    people = list(db.session.scalars(statement))
    return DirectoryPage(people=people[:PAGE_SIZE], page=page, has_next=len(people) > PAGE_SIZE)


def department_and_below(department_id: int) -> set[int]:
    """A department's id and those of every department under it."""
    children: dict[int | None, list[int]] = {}
    for child_id, parent_id in db.session.execute(select(Department.id, Department.parent_id)):
        children.setdefault(parent_id, []).append(child_id)
    found, todo = set(), [department_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def departments() -> list:
    """(id, name) of every department, for filter lists: plain rows, since a large company has hundreds and
    mapping each to an object cost more than the rest of the page (bench/README.md)."""
    return list(db.session.execute(select(Department.id, Department.name).order_by(Department.name)))


def direct_reports(employee: Employee) -> list[Employee]:
    return list(
        db.session.scalars(
            select(Employee)
            .where(Employee.manager_id == employee.id, Employee.id != employee.id,
                   Employee.status == EmployeeStatus.active)
            .options(lazyload(Employee.role_grants))
            .order_by(Employee.name)
        )
    )


def get_colleague(employee_no: str) -> Employee | None:
    return db.session.scalar(
        select(Employee)
        .where(Employee.employee_no == employee_no, Employee.status == EmployeeStatus.active)
        .options(joinedload(Employee.department), joinedload(Employee.manager))
    )
