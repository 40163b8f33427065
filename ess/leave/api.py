"""JSON for the request form and for integrations, under /api/v1. Shapes here are contracts."""
from __future__ import annotations

from datetime import date
from typing import Literal, Optional

from flask import Blueprint, abort
from flask_babel import get_locale
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select

from ess.api.spec import operation, parse_body, parse_query, respond
from ess.db import db
from ess.errors import DomainError
from ess.leave import services
from ess.people.models import Employee
from ess.security import allow

bp = Blueprint("leave_api", __name__, url_prefix="/api/v1")
TAGS = ("leave",)


class PreviewQuery(BaseModel):
    leave_type: str
    start: date
    end: Optional[date] = None
    start_half: Optional[Literal["pm"]] = None
    end_half: Optional[Literal["am"]] = None


class ExcludedDay(BaseModel):
    date: date
    reason: Literal["weekend", "holiday", "company_holiday"]
    name: Optional[str] = None


class PreviewOut(BaseModel):
    days: float
    excluded: list[ExcludedDay]
    balance_after: Optional[float] = None


class RequestIn(BaseModel):
    leave_type: str
    start: date
    end: Optional[date] = None
    start_half: Optional[Literal["pm"]] = None
    end_half: Optional[Literal["am"]] = None
    reason: str = Field(default="", max_length=1000)


class RequestCreated(BaseModel):
    id: int
    approval_id: Optional[int]
    state: str
    days: float


class RequestOut(BaseModel):
    id: int
    approval_id: Optional[int]
    leave_type: str
    start: date
    end: date
    start_half: Optional[Literal["pm"]] = None
    end_half: Optional[Literal["am"]] = None
    days: float
    state: str
    reason: str


class RequestList(BaseModel):
    requests: list[RequestOut]


class BalancesQuery(BaseModel):
    as_of: Optional[date] = None


class GrantOut(BaseModel):
    granted_on: date
    expires_on: Optional[date]
    days: float


class BalanceOut(BaseModel):
    leave_type: str
    granted: float
    used: float
    pending: float
    available: float
    grants: list[GrantOut]


class BalanceList(BaseModel):
    balances: list[BalanceOut]


def _me() -> Employee:
    return current_user._get_current_object()


@bp.get("/leave/preview")
@allow("employee")
@operation("Preview a leave request: its days, the excluded dates and the balance after", query=PreviewQuery,
           response=PreviewOut, errors=(422,), tags=TAGS)
def preview():
    query = parse_query(PreviewQuery)
    result = services.preview(_me(), leave_type=query.leave_type, start=query.start, end=query.end,
                              start_half=query.start_half == "pm", end_half=query.end_half == "am",
                              language=str(get_locale() or "ko"))
    return respond(PreviewOut(days=result.days, balance_after=result.balance_after, excluded=[
        ExcludedDay(date=e.date, reason=e.reason, name=e.name) for e in result.excluded]))


@bp.post("/leave/requests")
@allow("employee")
@operation("Request leave; it goes to approval", body=RequestIn, response=RequestCreated, status=201,
           errors=(409, 422), tags=TAGS)
def create_request():
    body = parse_body(RequestIn)
    me = _me()
    try:
        leave_request = services.submit_request(
            me, leave_type=body.leave_type, start=body.start, end=body.end, start_half=body.start_half == "pm",
            end_half=body.end_half == "am", reason=body.reason, actor=me)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return respond(RequestCreated(id=leave_request.id, approval_id=leave_request.approval_id,
                                  state=leave_request.state.value, days=leave_request.days), 201)


def _request_out(item) -> RequestOut:
    return RequestOut(id=item.id, approval_id=item.approval_id, leave_type=item.leave_type, start=item.start_date,
                      end=item.end_date, start_half="pm" if item.start_half else None,
                      end_half="am" if item.end_half else None, days=item.days, state=item.state.value,
                      reason=item.reason)


@bp.get("/leave/requests")
@allow("employee")
@operation("My leave requests with their state", response=RequestList, tags=TAGS)
def list_requests():
    return respond(RequestList(requests=[_request_out(item) for item in services.my_requests(_me())]))


def _balances_out(employee: Employee, as_of: date | None) -> BalanceList:
    return BalanceList(balances=[
        BalanceOut(leave_type=b.leave_type, granted=b.granted, used=b.used, pending=b.pending,
                   available=b.available,
                   grants=[GrantOut(granted_on=g.granted_on, expires_on=g.expires_on, days=g.days) for g in b.grants])
        for b in services.balances(employee, as_of)])


@bp.get("/leave/balances")
@allow("employee")
@operation("My leave balances as of a date (default today)", query=BalancesQuery, response=BalanceList,
           errors=(422,), tags=TAGS)
def my_balances():
    return respond(_balances_out(_me(), parse_query(BalancesQuery).as_of))


@bp.get("/employees/<employee_no>/leave/balances")
@allow("hr")
@operation("An employee's leave balances as of a date (HR, or a service token with leave:read)",
           query=BalancesQuery, response=BalanceList, errors=(404, 422), tags=TAGS, scopes=("leave:read",))
def employee_balances(employee_no: str):
    query = parse_query(BalancesQuery)
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    if employee is None:
        abort(404)
    return respond(_balances_out(employee, query.as_of))
