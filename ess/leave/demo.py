"""Leave history for the demo company, dated relative to today (ess.clock), built through the services."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from ess import clock
from ess.db import db
from ess.leave import services
from ess.leave.models import LeaveRequest
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


def _request(number: str, code: str, offset: int, length: int, *, approve: bool, document: bool = False):
    from ess.approvals import services as approvals

    employee = _person(number)
    if employee is None:
        return None
    start = _working_day(employee, clock.today() + timedelta(days=offset))
    end = start + timedelta(days=length - 1)
    doc = services.Document("진단서.pdf", "application/pdf", DEMO_PDF) if document else None
    request = services.submit_request(employee, leave_type=code, start=start, end=end, reason="", document=doc,
                                      actor=employee)
    if approve:
        approval = approvals.request_for_subject("leave_request", request.id)
        for _ in range(3):
            if approval.state.value != "pending":
                break
            step = approval.current_step
            decider = step.decider or _person("E1011")
            approvals.approve(approval.id, actor=decider)
    return request


def build_leave_demo() -> str:
    """Accrue up to today and add a few requests; does nothing more once requests exist."""
    summary = services.accrue(clock.today())
    if db.session.scalar(select(func.count(LeaveRequest.id))):
        return f"leave: {summary}"
    made = [
        _request("E1041", "annual", 14, 2, approve=False),  # pending: the manager's queue has it
        _request("E1041", "annual", 35, 3, approve=True),  # approved, not started: can be cancelled
        _request("E1041", "sick", -10, 5, approve=True, document=True),
        _request("E1042", "annual", 3, 2, approve=True),
        _request("E1043", "annual", 7, 1, approve=True),
        _request("E1044", "annual", 9, 3, approve=False),
        _request("E1051", "annual", -20, 2, approve=True),
        _request("E1022", "refresh", 5, 1, approve=True),
    ]
    db.session.flush()
    return f"leave: {summary}; {len([m for m in made if m])} requests"
