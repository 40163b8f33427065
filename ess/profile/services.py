"""Use cases for personal details. Every function takes the acting person, flushes and never commits.

A change goes one of three ways, by `policies/profile.toml`: `self` fields are written at once, `approval`
fields become one `profile_change` request (the record keeps the old value until the last step approves),
`readonly` fields are refused unless HR is editing. HR editing (`as_hr=True`) writes every field at once.
All input is checked before anything is written, so nothing is half-saved.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ess import audit, clock
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Department, Employee
from ess.profile import validation as v
from ess.profile.fields import LIST_FIELDS, SENSITIVE_FIELDS, masked, read, write
from ess.profile.models import (
    BANKS,
    DEPENDENT_RELATIONS,
    MAX_DEPENDENTS,
    MAX_EMERGENCY_CONTACTS,
    RELATIONS,
    Dependent,
    EmergencyContact,
    PersonalDetails,
    SealedValue,
)
from ess.profile.policy import profile_policy

KIND = "profile_change"
SUBJECT_TYPE = "employee"
LIST_MODELS = {"emergency_contacts": EmergencyContact, "dependents": Dependent}
LIST_LIMITS = {"emergency_contacts": MAX_EMERGENCY_CONTACTS, "dependents": MAX_DEPENDENTS}


class ProfileInvalid(DomainError):
    """Several fields may be wrong at once: `errors` maps each to its message."""

    def __init__(self, errors: dict[str, Any]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(str(first_message), field=first_field, code="invalid")
        self.errors = errors


class NotFound(DomainError):
    status = 404


@dataclass
class Outcome:
    saved: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    request: Any = None

    @property
    def unchanged(self) -> bool:
        return not self.saved and not self.requested


# Reading ----------------------------------------------------------------------------------------------
def details_for(employee: Employee) -> PersonalDetails:
    details = db.session.scalar(select(PersonalDetails).where(PersonalDetails.employee_id == employee.id))
    if details is None:
        details = PersonalDetails(employee=employee, employee_id=employee.id)
        db.session.add(details)
        db.session.flush()
    return details


def current_value(employee: Employee, field_name: str) -> Any:
    return read(employee, details_for(employee), field_name)


def emergency_contacts(employee: Employee) -> list[EmergencyContact]:
    return list(db.session.scalars(select(EmergencyContact).where(EmergencyContact.employee_id == employee.id)
                                   .order_by(EmergencyContact.position, EmergencyContact.id)))


def dependents(employee: Employee) -> list[Dependent]:
    return list(db.session.scalars(select(Dependent).where(Dependent.employee_id == employee.id)
                                   .order_by(Dependent.birth_date, Dependent.id)))


def list_items(employee: Employee, field_name: str) -> list:
    return emergency_contacts(employee) if field_name == "emergency_contacts" else dependents(employee)


def pending_requests(employee: Employee) -> list:
    from ess.approvals import services as approvals

    return [r for r in approvals.pending_for_subject(SUBJECT_TYPE, employee.id) if r.kind == KIND]


def pending_fields(employee: Employee) -> dict[str, Any]:
    """Scalar field → the pending request that would change it."""
    waiting = {}
    for request in pending_requests(employee):
        for change in request.payload.get("changes", []):
            if "op" not in change:
                waiting[change["field"]] = request
    return waiting


def may_see(actor: Employee, employee: Employee) -> bool:
    return actor.id == employee.id or "hr" in actor.roles


# Checking input -----------------------------------------------------------------------------------------
def clean(field_name: str, raw: Any, *, employee: Employee, as_hr: bool) -> Any:
    """The canonical value for what was typed, or raises validation.Invalid (or ProfileInvalid for parts)."""
    if field_name == "legal_name":
        return v.name(raw)
    if field_name == "preferred_name":
        return v.optional_text(raw, 60)
    if field_name == "name_en":
        return v.latin_name(raw)
    if field_name == "personal_email":
        return v.email(raw)
    if field_name == "mobile_phone":
        return v.phone(raw, mobile=True)
    if field_name == "address":
        return _clean_address(raw or {})
    if field_name == "bank_account":
        return _clean_bank_account(raw or {}, employee)
    if field_name == "resident_registration_number":
        raw = raw or {}
        return v.resident_registration_number(raw.get("number"), today=clock.today(),
                                              allow_new_scheme=as_hr and bool(raw.get("new_scheme")))
    if field_name == "department":
        if not raw:
            return None
        try:
            department = db.session.get(Department, int(raw))
        except (TypeError, ValueError):
            department = None
        if department is None:
            raise v.Invalid(_l("Choose a department from the list."), "unknown_department")
        return department.id
    if field_name == "title":
        return v.optional_text(raw, 120)
    if field_name == "manager":
        number = (raw or "").strip()
        if not number:
            return None
        manager = db.session.scalar(select(Employee).where(Employee.employee_no == number))
        if manager is None or not manager.is_active:
            raise v.Invalid(_l("No active employee has this employee number."), "unknown_manager")
        if manager.id == employee.id:
            raise v.Invalid(_l("A person cannot be their own manager."), "own_manager")
        return manager.employee_no
    if field_name == "hire_date":
        value = v.a_date(raw, optional=True)
        return value.isoformat() if value else None
    raise ValueError(f"unknown field {field_name}")


def _parts(errors: dict[str, Any], prefix: str, name: str, check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except v.Invalid as invalid:
        errors[f"{prefix}.{name}"] = invalid.message
        return None


def _clean_address(raw: dict) -> dict | None:
    errors: dict[str, Any] = {}
    country = _parts(errors, "address", "country", v.country_code, raw.get("country"))
    values = {k: (raw.get(k) or "").strip() for k in ("postal_code", "road", "detail", "free")}
    if not any(values.values()):
        if errors:
            raise ProfileInvalid(errors)
        return None
    if country == "KR":
        result = {
            "country": "KR",
            "postal_code": _parts(errors, "address", "postal_code", v.postal_code, values["postal_code"]),
            "road": _parts(errors, "address", "road", v.required, values["road"],
                           _l("Enter the road-name address (도로명주소).")),
            "detail": _parts(errors, "address", "detail", v.optional_text, values["detail"], 200),
            "free": None,
        }
        if result["road"] and len(result["road"]) > 200:
            errors["address.road"] = _l("Use at most %(n)d characters.", n=200)
    else:
        result = {
            "country": country, "postal_code": None, "road": None, "detail": None,
            "free": _parts(errors, "address", "free", v.required, values["free"],
                           _l("Enter the address as it is written in that country.")),
        }
        if result["free"] and len(result["free"]) > 500:
            errors["address.free"] = _l("Use at most %(n)d characters.", n=500)
    if errors:
        raise ProfileInvalid(errors)
    return result


def _clean_bank_account(raw: dict, employee: Employee) -> dict:
    errors: dict[str, Any] = {}
    bank = (raw.get("bank") or "").strip()
    if bank not in BANKS:
        errors["bank_account.bank"] = _l("Choose a bank from the list.")
    number_typed = (raw.get("number") or "").strip()
    current = details_for(employee).bank_account
    if not number_typed and current:
        number = current["number"]  # an empty number field keeps the account number on file
    else:
        number = _parts(errors, "bank_account", "number", v.account_number, number_typed)
    holder = _parts(errors, "bank_account", "holder", v.name, raw.get("holder"))
    if errors:
        raise ProfileInvalid(errors)
    return {"bank": bank, "number": number, "holder": holder}


def _clean_all(employee: Employee, submitted: dict[str, Any], as_hr: bool) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    for name, raw in submitted.items():
        try:
            cleaned[name] = clean(name, raw, employee=employee, as_hr=as_hr)
        except v.Invalid as invalid:
            errors[name] = invalid.message
        except ProfileInvalid as invalid:
            errors.update(invalid.errors)
    if errors:
        raise ProfileInvalid(errors)
    return cleaned


# Sealed values: sensitive values that a request refers to ---------------------------------------------
def seal(employee: Employee, value: Any) -> dict | None:
    if value is None:
        return None
    sealed = SealedValue(employee_id=employee.id, value=json.dumps(value, ensure_ascii=False))
    db.session.add(sealed)
    db.session.flush()
    return {"sealed": sealed.id}


def unseal(reference: Any, employee_id: int) -> Any:
    if not isinstance(reference, dict) or "sealed" not in reference:
        return reference
    sealed = db.session.get(SealedValue, reference["sealed"])
    if sealed is None or sealed.employee_id != employee_id:
        raise DomainError(_l("This request refers to a value that no longer exists."), code="sealed_missing")
    return json.loads(sealed.value)


# Changing scalar fields ---------------------------------------------------------------------------------
def _audit_change(employee: Employee, changes: dict, *, actor: Employee, via: str, request=None,
                  action: str = "profile.changed") -> None:
    facts: dict[str, Any] = {name: {"before": masked(name, before), "after": masked(name, after)}
                             for name, (before, after) in changes.items()}
    facts["via"] = via
    if request is not None:
        facts["request_id"] = request.id
    audit.record(action, actor=actor, subject=employee, changes=facts)


def update_details(employee: Employee, submitted: dict[str, Any], *, actor: Employee,
                   as_hr: bool = False) -> Outcome:
    """Change some scalar fields. `submitted` maps field → what was typed (dicts for composites)."""
    if not may_see(actor, employee) or (as_hr and "hr" not in actor.roles):
        raise DomainError(_l("You may not change this person's details."), code="forbidden", status=403)
    policy = profile_policy()
    cleaned = _clean_all(employee, submitted, as_hr)
    details = details_for(employee)
    changed = {name: (read(employee, details, name), value) for name, value in cleaned.items()
               if read(employee, details, name) != value}
    outcome = Outcome()
    if not changed:
        return outcome

    direct, asked = {}, {}
    errors: dict[str, Any] = {}
    waiting = {} if as_hr else pending_fields(employee)
    for name, pair in changed.items():
        if as_hr or policy.is_self(name):
            direct[name] = pair
        elif policy.needs_approval(name):
            if name in waiting:
                errors[name] = _l("A change to this is already waiting for approval.")
            asked[name] = pair
        else:
            errors[name] = _l("Only HR can change this.")
    if errors:
        raise ProfileInvalid(errors)

    if direct:
        for name, (_before, after) in direct.items():
            write(employee, details, name, after)
        _audit_change(employee, direct, actor=actor, via="hr" if as_hr else "self")
        outcome.saved = list(direct)
    if asked:
        payload = {"changes": [_scalar_change(employee, name, before, after) for name, (before, after)
                               in asked.items()]}
        outcome.request = _submit(employee, payload, actor)
        _audit_change(employee, asked, actor=actor, via="request", request=outcome.request,
                      action="profile.change_requested")
        outcome.requested = list(asked)
    db.session.flush()
    return outcome


def _scalar_change(employee: Employee, name: str, before: Any, after: Any) -> dict:
    if name in SENSITIVE_FIELDS:
        return {"field": name, "before": seal(employee, before), "after": seal(employee, after)}
    return {"field": name, "before": before, "after": after}


def _submit(employee: Employee, payload: dict, actor: Employee):
    from ess.approvals import services as approvals

    return approvals.submit(KIND, requester=employee, subject_type=SUBJECT_TYPE, subject_id=employee.id,
                            payload=payload, actor=actor)


# Changing lists (emergency contacts, dependents) --------------------------------------------------------
def _clean_item(field_name: str, raw: dict) -> dict:
    errors: dict[str, Any] = {}
    relations = RELATIONS if field_name == "emergency_contacts" else DEPENDENT_RELATIONS
    item = {"name": _parts(errors, field_name, "name", v.name, raw.get("name"))}
    relation = (raw.get("relation") or "").strip()
    if relation not in relations:
        errors[f"{field_name}.relation"] = _l("Choose a relation from the list.")
    item["relation"] = relation
    if field_name == "emergency_contacts":
        item["phone"] = _parts(errors, field_name, "phone", v.phone, raw.get("phone"), optional=False)
    else:
        birth = _parts(errors, field_name, "birth_date", v.a_date, raw.get("birth_date"), not_after=clock.today())
        item["birth_date"] = birth.isoformat() if birth else None
    if errors:
        raise ProfileInvalid(errors)
    return item


def _load_item(employee: Employee, field_name: str, item_id: Any):
    model = LIST_MODELS[field_name]
    try:
        item = db.session.get(model, int(item_id))
    except (TypeError, ValueError):
        item = None
    if item is None or item.employee_id != employee.id:
        raise NotFound(_l("This entry does not exist."), code="not_found")
    return item


def change_list(employee: Employee, field_name: str, op: str, *, actor: Employee, item_id: Any = None,
                submitted: dict | None = None, as_hr: bool = False) -> Outcome:
    """Add, update, remove or move (up/down) one entry of a list field."""
    if field_name not in LIST_FIELDS:
        raise NotFound(_l("This entry does not exist."), code="not_found")
    if not may_see(actor, employee) or (as_hr and "hr" not in actor.roles):
        raise DomainError(_l("You may not change this person's details."), code="forbidden", status=403)
    change: dict[str, Any] = {"field": field_name, "op": op}
    if op == "add":
        if len(list_items(employee, field_name)) >= LIST_LIMITS[field_name]:
            raise ProfileInvalid({field_name: _l("You can keep at most %(n)d entries.",
                                                 n=LIST_LIMITS[field_name])})
        change["after"] = _clean_item(field_name, submitted or {})
    elif op == "update":
        item = _load_item(employee, field_name, item_id)
        change.update(item_id=item.id, before=item.as_dict(), after=_clean_item(field_name, submitted or {}))
        if change["before"] == change["after"]:
            return Outcome()
    elif op == "remove":
        item = _load_item(employee, field_name, item_id)
        change.update(item_id=item.id, before=item.as_dict())
    elif op in ("up", "down") and field_name == "emergency_contacts":
        item = _load_item(employee, field_name, item_id)
        change.update(item_id=item.id, before=item.as_dict())
    else:
        raise DomainError(_l("This action is not known."), field="op", code="unknown_op")

    policy = profile_policy()
    outcome = Outcome()
    if as_hr or policy.is_self(field_name) or op in ("up", "down"):
        apply_list_change(employee, change)
        _audit_list(employee, change, actor=actor, via="hr" if as_hr else "self")
        outcome.saved = [field_name]
    elif policy.needs_approval(field_name):
        outcome.request = _submit(employee, {"changes": [change]}, actor)
        _audit_list(employee, change, actor=actor, via="request", request=outcome.request,
                    action="profile.change_requested")
        outcome.requested = [field_name]
    else:
        raise ProfileInvalid({field_name: _l("Only HR can change this.")})
    db.session.flush()
    return outcome


def apply_list_change(employee: Employee, change: dict) -> None:
    field_name, op = change["field"], change["op"]
    model = LIST_MODELS[field_name]
    if op == "add":
        item = model(employee_id=employee.id, **_item_values(field_name, change["after"]))
        if field_name == "emergency_contacts":
            last = db.session.scalar(select(func.max(EmergencyContact.position))
                                     .where(EmergencyContact.employee_id == employee.id))
            item.position = (last or 0) + 1
        db.session.add(item)
        return
    item = db.session.get(model, change["item_id"])
    if item is None or item.employee_id != employee.id:
        if op == "remove":
            return  # already gone
        raise DomainError(_l("This entry was removed meanwhile, so the change cannot be applied."),
                          field=field_name, code="entry_removed", status=409)
    if op == "update":
        for key, value in _item_values(field_name, change["after"]).items():
            setattr(item, key, value)
    elif op == "remove":
        db.session.delete(item)
    elif op in ("up", "down"):
        items = emergency_contacts(employee)
        for position, entry in enumerate(items):
            entry.position = position
        index = items.index(item)
        other = index - 1 if op == "up" else index + 1
        if 0 <= other < len(items):
            items[index].position, items[other].position = items[other].position, items[index].position


def _item_values(field_name: str, values: dict) -> dict:
    values = dict(values)
    if field_name == "dependents":
        values["birth_date"] = date.fromisoformat(values["birth_date"])
    return values


def _audit_list(employee: Employee, change: dict, *, actor: Employee, via: str, request=None,
                action: str = "profile.changed") -> None:
    facts: dict[str, Any] = {change["field"]: {"before": change.get("before"), "after": change.get("after")},
                             "op": change["op"], "via": via}
    if request is not None:
        facts["request_id"] = request.id
    audit.record(action, actor=actor, subject=employee, changes=facts)


# Applying an approved request ---------------------------------------------------------------------------
def apply_request(request, actor: Employee) -> None:
    """Apply exactly what was asked, whatever else changed meanwhile (the decider saw any conflict)."""
    employee = db.session.get(Employee, int(request.subject_id))
    details = details_for(employee)
    scalar: dict[str, tuple] = {}
    for change in request.payload.get("changes", []):
        if "op" in change:
            apply_list_change(employee, change)
            _audit_list(employee, change, actor=actor, via="approval", request=request)
            continue
        name = change["field"]
        after = unseal(change["after"], employee.id)
        scalar[name] = (read(employee, details, name), after)
        write(employee, details, name, after)
    if scalar:
        _audit_change(employee, scalar, actor=actor, via="approval", request=request)
    db.session.flush()


def record_closed(request, actor: Employee, outcome: str) -> None:
    employee = db.session.get(Employee, int(request.subject_id))
    fields = [c["field"] for c in request.payload.get("changes", [])]
    audit.record(f"profile.change_{outcome}", actor=actor, subject=employee,
                 changes={"fields": fields, "request_id": request.id})


# Revealing and history -----------------------------------------------------------------------------------
def reveal(employee: Employee, field_name: str, *, actor: Employee) -> Any:
    """The clear value of a sensitive field for the person or HR; every reveal is audited."""
    if field_name not in SENSITIVE_FIELDS:
        raise NotFound(_l("This entry does not exist."), code="not_found")
    if not may_see(actor, employee):
        raise DomainError(_l("Only the person and HR may see this."), code="forbidden", status=403)
    value = read(employee, details_for(employee), field_name)
    audit.record("profile.revealed", actor=actor, subject=employee, changes={"field": field_name})
    return value


def history(employee: Employee, limit: int = 200) -> list[audit.AuditEvent]:
    return list(db.session.scalars(
        select(audit.AuditEvent)
        .where(audit.AuditEvent.subject_type == Employee.__tablename__,
               audit.AuditEvent.subject_id == str(employee.id),
               audit.AuditEvent.action.like("profile.%") | audit.AuditEvent.action.like("role.%")
               | audit.AuditEvent.action.like("employee.%"))
        .order_by(audit.AuditEvent.occurred_at.desc(), audit.AuditEvent.id.desc())
        .limit(limit)
    ))
