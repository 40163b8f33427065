"""The employee CSV import: validate every row first, then upsert all or nothing."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

import holidays
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ess import audit
from ess.auth.roles import normalise_groups, roles_from_groups
from ess.auth.services import apply_roles
from ess.db import db
from ess.people.models import Department, Employee

HEADER = ["employee_no", "email", "name", "name_en", "department", "title", "manager_employee_no", "hire_date",
          "country", "groups"]
# Fields compared to tell "updated" from "unchanged".
TRACKED = ("email", "name", "name_en", "department", "title", "manager", "hire_date", "country")


@dataclass
class RowError:
    line: int
    reason: str


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused


@dataclass
class Row:
    line: int
    employee_no: str
    email: str
    name: str
    name_en: str | None
    department: str | None
    title: str | None
    manager_employee_no: str | None
    hire_date: date | None
    country: str
    groups: list[str]


def _parse(reader: Iterable[Mapping[str, str]], summary: ImportSummary) -> list[Row]:
    rows: list[Row] = []
    seen_numbers: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    countries = set(holidays.list_supported_countries())
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            summary.refused.append(RowError(line, "more columns than the header"))
            continue
        value = {key: (raw.get(key) or "").strip() for key in HEADER}
        problems = []
        if not value["employee_no"]:
            problems.append("employee_no is empty")
        elif value["employee_no"] in seen_numbers:
            problems.append(f"employee_no {value['employee_no']} also on line {seen_numbers[value['employee_no']]}")
        if not value["name"]:
            problems.append("name is empty")
        email = value["email"]
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            problems.append(f"email {value['email']!r} is not valid: {exc}")
        else:
            if email.lower() in seen_emails:
                problems.append(f"email {email} also on line {seen_emails[email.lower()]}")
        hire_date = None
        if value["hire_date"]:
            try:
                hire_date = date.fromisoformat(value["hire_date"])
            except ValueError:
                problems.append(f"hire_date {value['hire_date']!r} is not a date (YYYY-MM-DD)")
        country = (value["country"] or "KR").upper()
        if country not in countries:
            problems.append(f"country {value['country']!r} is not a known country code")
        if problems:
            summary.refused.append(RowError(line, "; ".join(problems)))
            continue
        seen_numbers[value["employee_no"]] = line
        seen_emails[email.lower()] = line
        rows.append(Row(
            line=line, employee_no=value["employee_no"], email=email, name=value["name"],
            name_en=value["name_en"] or None, department=value["department"] or None, title=value["title"] or None,
            manager_employee_no=value["manager_employee_no"] or None, hire_date=hire_date, country=country,
            groups=normalise_groups(value["groups"].split(";")),
        ))
    return rows


def _department(path: str, cache: dict[str, Department]) -> Department:
    """'Parent/Child' names a department under its parent; each level is created when missing."""
    parent = None
    for name in [part.strip() for part in path.split("/") if part.strip()]:
        if name not in cache:
            department = db.session.scalar(select(Department).where(Department.name == name))
            if department is None:
                department = Department(name=name, parent=parent)
                db.session.add(department)
            cache[name] = department
        parent = cache[name]
    return parent


def import_employees(text: str, *, role_groups: Mapping[str, list[str]], actor: Employee | None = None) -> ImportSummary:
    """Upsert employees from CSV text. Writes nothing unless every row is valid; the caller commits."""
    summary = ImportSummary()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [column for column in HEADER if column not in (reader.fieldnames or [])]
    if missing:
        summary.refused.append(RowError(1, f"header lacks {', '.join(missing)}"))
        return summary
    rows = _parse(reader, summary)

    existing = {e.employee_no: e for e in db.session.scalars(select(Employee))}
    by_email = {e.email.lower(): e for e in existing.values()}
    in_file = {row.employee_no for row in rows}
    for row in rows:
        if row.manager_employee_no and row.manager_employee_no not in in_file | existing.keys():
            summary.refused.append(RowError(row.line, f"manager {row.manager_employee_no} is not an employee"))
        holder = by_email.get(row.email.lower())
        if holder is not None and holder.employee_no != row.employee_no and holder.employee_no not in in_file:
            summary.refused.append(RowError(row.line, f"email {row.email} belongs to {holder.employee_no}"))
    if summary.refused:
        summary.refused.sort(key=lambda error: error.line)
        return summary

    departments: dict[str, Department] = {}
    employees = dict(existing)
    before: dict[str, dict] = {}
    for row in rows:
        employee = employees.get(row.employee_no)
        if employee is None:
            employee = Employee(employee_no=row.employee_no, email=row.email, name=row.name)
            db.session.add(employee)
            employees[row.employee_no] = employee
        else:
            before[row.employee_no] = _snapshot(employee)
    db.session.flush()
    for row in rows:
        employee = employees[row.employee_no]
        employee.email = row.email
        employee.name = row.name
        employee.name_en = row.name_en
        employee.department = _department(row.department, departments) if row.department else None
        employee.title = row.title
        employee.manager = employees[row.manager_employee_no] if row.manager_employee_no else None
        employee.hire_date = row.hire_date
        employee.country = row.country
    db.session.flush()
    for row in rows:
        employee = employees[row.employee_no]
        after = _snapshot(employee)
        old = before.get(row.employee_no)
        if old is None:
            summary.created.append(row.employee_no)
            audit.record("employee.created", actor=actor, subject=employee, changes={"source": "csv", **{
                key: {"before": None, "after": value} for key, value in after.items() if value is not None}})
        else:
            diff = {key: {"before": old[key], "after": after[key]} for key in TRACKED if old[key] != after[key]}
            if diff:
                summary.updated.append(row.employee_no)
                audit.record("employee.updated", actor=actor, subject=employee, changes={"source": "csv", **diff})
        roles_before = employee.granted_roles
        apply_roles(employee, roles_from_groups(row.groups, role_groups), actor=actor, source="csv")
        if old is not None and row.employee_no not in summary.updated:
            if employee.granted_roles != roles_before:
                summary.updated.append(row.employee_no)
            else:
                summary.unchanged.append(row.employee_no)
    db.session.flush()
    return summary


def _snapshot(employee: Employee) -> dict:
    return {
        "email": employee.email,
        "name": employee.name,
        "name_en": employee.name_en,
        "department": employee.department.name if employee.department else None,
        "title": employee.title,
        "manager": employee.manager.employee_no if employee.manager else None,
        "hire_date": employee.hire_date.isoformat() if employee.hire_date else None,
        "country": employee.country,
    }
