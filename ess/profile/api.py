"""/api/v1/me/profile and /api/v1/employees/<no>/profile: personal details as JSON (sensitive values masked;
the clear value only through an audited POST …/reveal)."""
from __future__ import annotations

from typing import Literal

from flask import Blueprint, abort
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select

from ess.api.spec import operation, parse_body, respond
from ess.db import db
from ess.people.models import Employee
from ess.profile import services
from ess.profile.fields import LIST_FIELDS, masked, read
from ess.profile.policy import profile_policy
from ess.security import allow

bp = Blueprint("profile_api", __name__, url_prefix="/api/v1")


class Address(BaseModel):
    country: str = "KR"
    postal_code: str | None = None
    road: str | None = None
    detail: str | None = None
    free: str | None = None


class BankAccountMasked(BaseModel):
    bank: str | None
    number: str | None
    holder: str | None


class EmergencyContactOut(BaseModel):
    id: int
    name: str
    relation: str
    phone: str


class DependentOut(BaseModel):
    id: int
    name: str
    relation: str
    birth_date: str


class Profile(BaseModel):
    employee_no: str
    legal_name: str
    preferred_name: str | None
    name_en: str | None
    personal_email: str | None
    mobile_phone: str | None
    address: Address | None
    bank_account: BankAccountMasked | None
    resident_registration_number: str | None = Field(description="masked, e.g. ******-1******")
    emergency_contacts: list[EmergencyContactOut]
    dependents: list[DependentOut]
    policy: dict[str, str] = Field(description="field → self | approval | readonly")
    pending_fields: list[str]


class BankAccountIn(BaseModel):
    bank: str = Field(max_length=8, description="bank clearing code, e.g. 004")
    number: str = Field("", max_length=40, description="empty keeps the number on file")
    holder: str = Field(max_length=120)


class ProfilePatch(BaseModel):
    legal_name: str | None = Field(None, max_length=200)
    preferred_name: str | None = Field(None, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    personal_email: str | None = Field(None, max_length=300)
    mobile_phone: str | None = Field(None, max_length=40)
    address: Address | None = None
    bank_account: BankAccountIn | None = None
    resident_registration_number: str | None = Field(None, max_length=20)


class PatchResult(BaseModel):
    saved: list[str]
    requested: list[str]
    approval_id: int | None
    profile: Profile


class RevealBody(BaseModel):
    field: Literal["bank_account", "resident_registration_number"]


class Revealed(BaseModel):
    field: str
    value: str | dict | None


def _profile(employee: Employee) -> Profile:
    details = services.details_for(employee)
    values = {name: masked(name, read(employee, details, name)) for name in (
        "legal_name", "preferred_name", "name_en", "personal_email", "mobile_phone", "address", "bank_account",
        "resident_registration_number")}
    return Profile(
        employee_no=employee.employee_no, **values,
        emergency_contacts=[EmergencyContactOut(id=c.id, **c.as_dict()) for c in services.emergency_contacts(employee)],
        dependents=[DependentOut(id=d.id, **d.as_dict()) for d in services.dependents(employee)],
        policy=dict(profile_policy().modes), pending_fields=sorted(services.pending_fields(employee)),
    )


def _me() -> Employee:
    return current_user._get_current_object()


@bp.get("/me/profile")
@allow("employee")
@operation(summary="My personal details (sensitive values masked)", response=Profile, tags=["profile"])
def my_profile():
    return respond(_profile(_me()))


@bp.post("/me/profile/changes")
@allow("employee")
@operation(summary="Change my personal details: self fields are saved at once, approval fields become one request",
           body=ProfilePatch, response=PatchResult, errors=(422,), tags=["profile"])
def update_my_profile():
    body = parse_body(ProfilePatch)
    submitted = body.model_dump(exclude_unset=True)
    if "resident_registration_number" in submitted:
        submitted["resident_registration_number"] = {"number": submitted["resident_registration_number"]}
    for name in submitted:
        if name in LIST_FIELDS:
            abort(422)
    me = _me()
    outcome = services.update_details(me, submitted, actor=me)
    db.session.commit()
    return respond(PatchResult(saved=outcome.saved, requested=outcome.requested,
                               approval_id=outcome.request.id if outcome.request is not None else None,
                               profile=_profile(me)))


@bp.post("/me/profile/reveal")
@allow("employee")
@operation(summary="Reveal one of my sensitive values (audited)", body=RevealBody, response=Revealed,
           errors=(422,), tags=["profile"])
def reveal_mine():
    body = parse_body(RevealBody)
    me = _me()
    value = services.reveal(me, body.field, actor=me)
    db.session.commit()
    return respond(Revealed(field=body.field, value=value))


@bp.get("/employees/<employee_no>/profile")
@allow("hr")
@operation(summary="An employee's personal details, for HR (sensitive values masked)", response=Profile,
           errors=(404,), tags=["profile"])
def employee_profile(employee_no: str):
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    if employee is None:
        abort(404)
    return respond(_profile(employee))
