"""Leave history for the demo company, dated relative to today (ess.clock), built through the services."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from ess import clock
from ess.db import db
from ess.leave import services
from ess.leave.models import LeaveAttachment, LeaveRequest, RequestState
from ess.leave.policy import leave_policy
from ess.people.models import Employee

# A tiny valid PDF, standing in for a medical certificate.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
           b"trailer<</Root 1 0 R>>\n%%EOF\n"


def _working_day(employee: Employee, day: date) -> date:
    calendar = leave_policy().calendar_for(employee)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _person(number: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def _request(number: str, code: str, offset: int, length: int, *, document: bool = False):
    """An approved request written straight to the ledger: history, not something waiting for anyone.

    It does not go through the approval engine, so the demo queue and the outbox start empty.
    """
    employee = _person(number)
    if employee is None:
        return None
    start = _working_day(employee, clock.today() + timedelta(days=offset))
    end = start + timedelta(days=length - 1)
    days = leave_policy().calendar_for(employee).count(start, end).days
    request = LeaveRequest(employee=employee, leave_type=code, start_date=start, end_date=end, days=days,
                           reason="", state=RequestState.pending)
    if document:
        request.attachment = LeaveAttachment(filename="진단서.pdf", content_type="application/pdf",
                                             size=len(DEMO_PDF), data=DEMO_PDF)
    db.session.add(request)
    db.session.flush()
    services.approve(request, None)
    return request


def build_leave_demo() -> str:
    """Accrue up to today and add approved leave history; does nothing more once requests exist."""
    summary = services.accrue(clock.today())
    if db.session.scalar(select(func.count(LeaveRequest.id))):
        return f"leave: {summary}"
    made = [
        _request("E1041", "annual", -25, 1),
        _request("E1041", "annual", 35, 3),  # approved, not started: can be cancelled
        _request("E1041", "sick", -10, 5, document=True),
        _request("E1042", "annual", 3, 2),
        _request("E1043", "annual", 7, 1),
        _request("E1044", "annual", 9, 3),
        _request("E1051", "annual", -20, 2),
        _request("E1022", "refresh", 5, 1),
    ]
    db.session.flush()
    return f"leave: {summary}; {len([m for m in made if m])} requests"
