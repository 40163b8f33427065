"""Finding colleagues: work details only, never personal data."""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, lazyload

from ess.db import db
from ess.people.models import Department, Employee, EmployeeStatus

PAGE_SIZE = 30


@dataclass
class DirectoryPage:
    people: list  # rows: employee_no, name, name_en, title, email, department (its name)
    page: int
    has_next: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_directory(query: str = "", department_id: int | None = None, page: int = 1) -> DirectoryPage:
    """Active colleagues whose name, English name, title or department contains `query`, by name.

    The page's people are chosen in `ix_employees_directory` (name order, with the search key and department
    of each), so a common query stops at its 31st match and a rare one reads the index, not the table; only
    then are the 31 loaded with their department. 11 ms → about 1 ms at 10,000 people (bench/README.md).
    """
    page = max(page, 1)
    chosen = select(Employee.id).where(Employee.status == EmployeeStatus.active)
    query = query.strip()[:100]
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        # Department names are matched once in the small departments table, then as a list of ids.
        in_department = Employee.department_id.in_(
            select(Department.id).where(func.lower(Department.name).like(pattern, escape="\\")))
        if "\n" in query:
            # The key joins its fields with newlines: such a query must not match across two of them.
            fields = [func.lower(column).like(pattern, escape="\\")
                      for column in (Employee.name, Employee.name_en, Employee.title)]
            chosen = chosen.where(or_(*fields, in_department))
        else:
            chosen = chosen.where(or_(Employee.search_key.like(pattern, escape="\\"), in_department))
    if department_id:
        chosen = chosen.where(Employee.department_id.in_(department_and_below(department_id)))
    ids = list(db.session.scalars(
        chosen.order_by(Employee.name, Employee.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    # What a card shows, as plain rows (no Employee objects with their roles), by primary key: in one statement
    # with the walk, PostgreSQL read a company of a few thousand whole to join it to the 31 chosen.
    people = db.session.execute(
        select(Employee.employee_no, Employee.name, Employee.name_en, Employee.title, Employee.email,
               Department.name.label("department"))
        .outerjoin(Department, Department.id == Employee.department_id)
        .where(Employee.id.in_(ids)).order_by(Employee.name, Employee.id)).all() if ids else []
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


# The last list of departments read and its <option>s: (rows, markup).
_rendered_options: tuple[tuple, str] = ((), "")


def department_options(selected: int | None = None) -> Markup:
    """The <option>s of a department filter list, `selected` marked.

    The list is the same for everyone, and rendering 840 options through Jinja cost 6–10 ms of every
    directory and queue page at 10,000 people (bench/README.md). The departments are still read on every
    page (a renamed or new department shows at once), but their markup is made again only when they differ
    from the list last rendered by this process.
    """
    global _rendered_options
    rows = tuple(map(tuple, departments()))  # plain tuples compare several times faster than rows
    rendered, markup = _rendered_options
    if rows != rendered:
        markup = "".join(f'<option value="{id}">{escape(name)}</option>' for id, name in rows)
        _rendered_options = (rows, markup)
    if selected is not None:
        option = f'<option value="{int(selected)}">'
        markup = markup.replace(option, f'<option value="{int(selected)}" selected>', 1)
    return Markup(markup)


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
