"""JSON for benefits under /api/v1: the plans with their costs, my enrolments, and choosing a plan."""
from __future__ import annotations

from datetime import date
from typing import Optional

from flask import Blueprint
from flask_babel import get_locale
from flask_login import current_user
from pydantic import BaseModel, Field

from ess.api.spec import operation, parse_body, respond
from ess.benefits import services
from ess.benefits.policy import benefits_policy
from ess.db import db
from ess.people.models import Employee
from ess.security import allow

bp = Blueprint("benefits_api", __name__, url_prefix="/api/v1")
TAGS = ("benefits",)


class CostOut(BaseModel):
    level: str
    level_name: str
    employee_krw: int
    company_krw: int


class OptionOut(BaseModel):
    code: str
    name: str
    costs: list[CostOut]


class PlanOut(BaseModel):
    code: str
    name: str
    category: str
    eligible_after_days: int
    waivable: bool
    options: list[OptionOut]


class PlanList(BaseModel):
    plans: list[PlanOut]


class CoveredOut(BaseModel):
    name: str
    relation: str
    birth_date: date


class EnrolmentOut(BaseModel):
    id: int
    approval_id: Optional[int]
    plan: str
    option: Optional[str]
    level: Optional[str]
    waived: bool
    state: str
    window: str
    employee_cost_krw: int
    company_cost_krw: int
    effective_from: Optional[date]
    effective_to: Optional[date]
    covered: list[CoveredOut]


class EnrolmentList(BaseModel):
    enrolments: list[EnrolmentOut]


class EnrolmentIn(BaseModel):
    plan: str = Field(max_length=32)
    option: Optional[str] = Field(default=None, max_length=32)
    level: Optional[str] = Field(default=None, max_length=32)
    dependents: list[int] = Field(default_factory=list, max_length=20)
    waive: bool = False
    window: Optional[str] = Field(default=None, max_length=32)


class EnrolmentCreated(BaseModel):
    id: int
    approval_id: int
    state: str
    employee_cost_krw: int
    company_cost_krw: int


def _me() -> Employee:
    return current_user._get_current_object()


@bp.get("/benefits/plans")
@allow("employee")
@operation("The benefit plans, their options and the monthly cost of each coverage level", response=PlanList,
           tags=TAGS)
def plans():
    locale = str(get_locale() or "ko")
    policy = benefits_policy()
    return respond(PlanList(plans=[
        PlanOut(code=plan.code, name=plan.name(locale), category=plan.category,
                eligible_after_days=plan.eligible_after_days, waivable=plan.waivable, options=[
                    OptionOut(code=option.code, name=option.name(locale), costs=[
                        CostOut(level=code, level_name=policy.level(code).name(locale), employee_krw=cost.employee,
                                company_krw=cost.company) for code, cost in option.costs.items()])
                    for option in plan.options.values()])
        for plan in policy.plans.values()]))


def _out(item) -> EnrolmentOut:
    return EnrolmentOut(id=item.id, approval_id=item.approval_id, plan=item.plan, option=item.option, level=item.level,
                        waived=item.waived, state=item.state.value, window=item.window,
                        employee_cost_krw=item.employee_cost, company_cost_krw=item.company_cost,
                        effective_from=item.effective_from, effective_to=item.effective_to,
                        covered=[CoveredOut(name=c.name, relation=c.relation, birth_date=c.birth_date)
                                 for c in item.covered])


@bp.get("/benefits/enrolments")
@allow("employee")
@operation("My enrolments: in force, pending and past", response=EnrolmentList, tags=TAGS)
def my_enrolments():
    return respond(EnrolmentList(enrolments=[_out(item) for item in services.enrolments(_me())]))


@bp.post("/benefits/enrolments")
@allow("employee")
@operation("Choose a plan (or waive it) in an open window; the choice goes to HR for approval", body=EnrolmentIn,
           response=EnrolmentCreated, status=201, errors=(409, 422), tags=TAGS)
def create_enrolment():
    body = parse_body(EnrolmentIn)
    me = _me()
    item = services.submit_enrolment(me, plan=body.plan, option=body.option, level=body.level,
                                     dependent_ids=body.dependents, waive=body.waive, window=body.window, actor=me)
    db.session.commit()
    return respond(EnrolmentCreated(id=item.id, approval_id=item.approval_id, state=item.state.value,
                                    employee_cost_krw=item.employee_cost, company_cost_krw=item.company_cost), 201)
