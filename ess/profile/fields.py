"""The personal-detail fields: labels, how each is read from and written to the record, masking and
display. Values here are canonical and JSON-able (dates as ISO text, composites as dicts)."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ess.db import db
from ess.people.models import Department, Employee
from ess.profile.models import RELATIONS, PersonalDetails, bank_name

LABELS = {
    "legal_name": _l("Legal name"),
    "preferred_name": _l("Preferred name"),
    "name_en": _l("English name"),
    "personal_email": _l("Personal e-mail"),
    "mobile_phone": _l("Mobile phone"),
    "address": _l("Address"),
    "emergency_contacts": _l("Emergency contacts"),
    "dependents": _l("Dependents"),
    "bank_account": _l("Bank account for salary"),
    "resident_registration_number": _l("Resident registration number"),
    "department": _l("Department"),
    "title": _l("Title"),
    "manager": _l("Manager"),
    "hire_date": _l("Hire date"),
}
SCALAR_FIELDS = ("legal_name", "preferred_name", "name_en", "personal_email", "mobile_phone", "address",
                 "bank_account", "resident_registration_number", "department", "title", "manager", "hire_date")
LIST_FIELDS = ("emergency_contacts", "dependents")
SENSITIVE_FIELDS = ("bank_account", "resident_registration_number")
WORK_FIELDS = ("department", "title", "manager", "hire_date")


def mask_rrn(value: str | None) -> str | None:
    """'900101-1234567' → '******-1******' (only the century/sex digit shows)."""
    if not value:
        return None
    digits = value.replace("-", "")
    return f"******-{digits[6] if len(digits) > 6 else '*'}******"


def mask_account_number(number: str | None) -> str | None:
    """'1234567891234' → '***-****-1234' (the last four digits only)."""
    if not number:
        return None
    return f"***-****-{number[-4:]}"


def masked(field: str, value: Any) -> Any:
    """The value as it may be shown, logged or audited: sensitive values masked, others as they are."""
    if value is None:
        return None
    if field == "resident_registration_number":
        return mask_rrn(value)
    if field == "bank_account":
        return {"bank": value.get("bank"), "number": mask_account_number(value.get("number")),
                "holder": value.get("holder")}
    return value


def read(employee: Employee, details: PersonalDetails, field: str) -> Any:
    if field == "legal_name":
        return employee.name
    if field == "name_en":
        return employee.name_en
    if field == "department":
        return employee.department_id
    if field == "title":
        return employee.title
    if field == "manager":
        manager = employee.manager
        return manager.employee_no if manager is not None and manager.id != employee.id else None
    if field == "hire_date":
        return employee.hire_date.isoformat() if employee.hire_date else None
    return getattr(details, field)


def write(employee: Employee, details: PersonalDetails, field: str, value: Any) -> None:
    from datetime import date

    if field == "legal_name":
        employee.name = value
    elif field == "name_en":
        employee.name_en = value
    elif field == "department":
        employee.department_id = value
    elif field == "title":
        employee.title = value
    elif field == "manager":
        employee.manager = (
            db.session.scalar(select(Employee).where(Employee.employee_no == value)) if value else None
        )
    elif field == "hire_date":
        employee.hire_date = date.fromisoformat(value) if value else None
    else:
        setattr(details, field, value)


def relation_label(code: str | None) -> str:
    return str(RELATIONS.get(code or "", code or ""))


def display(field: str, value: Any, locale: str = "ko") -> str:
    """One line for people; call with masked values for sensitive fields."""
    if value is None or value == "" or value == {}:
        return "—"
    if field == "address":
        if (value.get("country") or "KR") == "KR":
            parts = [f"({value['postal_code']})" if value.get("postal_code") else "", value.get("road") or "",
                     value.get("detail") or ""]
            return " ".join(p for p in parts if p) or "—"
        return f"{value.get('free') or ''} [{value.get('country')}]"
    if field == "bank_account":
        return " ".join(p for p in (bank_name(value.get("bank"), locale), value.get("number") or "",
                                    f"({value['holder']})" if value.get("holder") else "") if p)
    if field == "department":
        department = db.session.get(Department, value) if isinstance(value, int) else None
        return department.name if department else str(value)
    if field == "manager":
        manager = db.session.scalar(select(Employee).where(Employee.employee_no == value))
        return f"{manager.name} ({value})" if manager else str(value)
    if field in LIST_FIELDS and isinstance(value, dict):
        parts = [value.get("name") or "", relation_label(value.get("relation"))]
        parts.append(value.get("phone") or value.get("birth_date") or "")
        return " · ".join(p for p in parts if p)
    return str(value)
