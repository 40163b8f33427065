"""Leave use cases. Each takes the acting person, flushes and never commits; the caller commits once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.orm import joinedload, selectinload

from ess import audit, clock
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.leave import accrual, ledger
from ess.leave.calendar import Excluded
from ess.leave.models import EntryKind, LeaveAttachment, LeaveFeedToken, LeaveRequest, LedgerEntry, RequestState
from ess.leave.policy import LeaveType, leave_policy
from ess.uploads import safe_filename, sniff
from ess.people.models import Employee, EmployeeStatus

MAX_REASON = 1000
# Magic numbers of the document types we accept, so a renamed file is not taken for a PDF.


EARLIEST, LATEST = date(1970, 1, 1), date(2199, 12, 31)


def check_day(value: date | None, field: str) -> None:
    """Dates far outside working life are a typo (or a fuzzer): refuse them by name, do not overflow."""
    if value is not None and not EARLIEST <= value <= LATEST:
        raise DomainError(_l("Enter a date between %(first)s and %(last)s.", first=EARLIEST.isoformat(),
                             last=LATEST.isoformat()), field=field, code="date_out_of_range")


# Balances ---------------------------------------------------------------------------------------------
def _rows_by_type(employee_id: int) -> dict[str, list[LedgerEntry]]:
    rows: dict[str, list[LedgerEntry]] = {}
    for entry in db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == employee_id)
                                    .order_by(LedgerEntry.effective_on, LedgerEntry.id)):
        rows.setdefault(entry.leave_type, []).append(entry)
    return rows


def _pending_by_type(employee_id: int, as_of: date | None = None) -> dict[str, float]:
    statement = (select(LeaveRequest.leave_type, func.sum(LeaveRequest.days))
                 .where(LeaveRequest.employee_id == employee_id, LeaveRequest.state == RequestState.pending)
                 .group_by(LeaveRequest.leave_type))
    return {code: float(days or 0) for code, days in db.session.execute(statement)}


def _balance(employee: Employee, leave_type: LeaveType, rows: list, pending: float, as_of: date) -> ledger.Balance:
    due = accrual.grants_due(leave_type.accrual, employee.hire_date, as_of)
    return ledger.compute(leave_type.code, rows, as_of, due=due, pending=pending,
                          carry_over_days=leave_type.carry_over_days, carry_over_months=leave_type.carry_over_months)


def balances(employee: Employee, as_of: date | None = None) -> list[ledger.Balance]:
    """Every balance-tracking leave type's balance as of a date (two queries whatever the history)."""
    check_day(as_of, "as_of")
    as_of = as_of or clock.today()
    rows, pending = _rows_by_type(employee.id), _pending_by_type(employee.id)
    return [_balance(employee, t, rows.get(t.code, []), pending.get(t.code, 0.0), as_of)
            for t in leave_policy().types.values() if t.tracks_balance]


def balance(employee: Employee, code: str, as_of: date | None = None) -> ledger.Balance:
    leave_type = require_type(code)
    check_day(as_of, "as_of")
    as_of = as_of or clock.today()
    rows = list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.employee_id == employee.id,
                                                             LedgerEntry.leave_type == code)))
    return _balance(employee, leave_type, rows, _pending_by_type(employee.id).get(code, 0.0), as_of)


def require_type(code: str | None) -> LeaveType:
    leave_type = leave_policy().type(code or "")
    if leave_type is None:
        raise DomainError(_l("Choose a leave type."), field="leave_type", code="unknown_leave_type")
    return leave_type


# Preview ----------------------------------------------------------------------------------------------
@dataclass
class Preview:
    leave_type: LeaveType
    start: date
    end: date
    start_half: bool
    end_half: bool
    days: float
    excluded: list[Excluded]
    balance_before: float | None
    balance_after: float | None
    needs_document: bool
    warnings: list = field(default_factory=list)


def preview(employee: Employee, *, leave_type: str, start: date | None, end: date | None, start_half: bool = False,
            end_half: bool = False, language: str = "ko") -> Preview:
    """What a request would use: its days, each excluded date and why, and the balance after."""
    kind = require_type(leave_type)
    if start is None:
        raise DomainError(_l("Enter the first day."), field="start", code="required")
    end = end or start
    check_day(start, "start")
    check_day(end, "end")
    if end < start:
        raise DomainError(_l("The last day is before the first day."), field="end", code="end_before_start")
    if (start_half or end_half) and not kind.allows_half_days:
        raise DomainError(_l("This leave type is taken in whole days."), field="start_half", code="no_half_days")
    if start == end and start_half and end_half:
        raise DomainError(_l("A single day cannot start in the afternoon and end in the morning."),
                          field="end_half", code="empty_range")
    if (end - start).days > 366:
        raise DomainError(_l("A request can cover at most a year."), field="end", code="too_long")
    count = leave_policy().calendar_for(employee, language).count(start, end, start_half, end_half)
    if count.days <= 0:
        raise DomainError(_l("There is no working day in these dates: nothing to request."), field="start",
                          code="no_working_day")
    before = after = None
    if kind.tracks_balance:
        before = balance(employee, kind.code, max(start, clock.today())).available
        after = round(before - count.days, 2)
    return Preview(kind, start, end, start_half, end_half, count.days, count.excluded, before, after,
                   kind.needs_document(count.days))


# Submitting -------------------------------------------------------------------------------------------
@dataclass
class Document:
    filename: str
    content_type: str
    data: bytes


def _lock_employee(employee: Employee) -> None:
    """Serialise requests of one employee: a row lock on PostgreSQL, the database write lock on SQLite.

    Two submissions at the same moment then run one after the other, and the second sees the first's
    reservation when it checks the balance.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Employee.id).where(Employee.id == employee.id).with_for_update())
    else:
        # SQLite has no row locks; the first write of a transaction takes the database's write lock
        # (waiting up to busy_timeout for another writer), and every read after it sees committed data.
        db.session.execute(text("UPDATE employees SET id = id WHERE id = :id"), {"id": employee.id})


def _check_document(document: Document | None, needed: bool) -> LeaveAttachment | None:
    policy = leave_policy()
    if document is None or not document.data:
        if needed:
            raise DomainError(_l("Attach a supporting document (PDF, PNG or JPEG) for this leave."),
                              field="attachment", code="document_required")
        return None
    if len(document.data) > policy.attachment_max_bytes:
        raise DomainError(_l("The document is larger than %(kb)s KB.", kb=policy.attachment_max_bytes // 1024),
                          field="attachment", code="too_large")
    content_type = sniff(document.data, policy.attachment_types)
    if content_type is None:
        raise DomainError(_l("Attach a PDF, PNG or JPEG file."), field="attachment", code="bad_type")
    name = safe_filename(document.filename, content_type, "document")
    return LeaveAttachment(filename=name, content_type=content_type, size=len(document.data), data=document.data)


def overlapping(employee: Employee, start: date, end: date, exclude_id: int | None = None) -> list[LeaveRequest]:
    statement = select(LeaveRequest).where(
        LeaveRequest.employee_id == employee.id,
        LeaveRequest.state.in_((RequestState.pending, RequestState.approved)),
        LeaveRequest.start_date <= end, LeaveRequest.end_date >= start)
    if exclude_id:
        statement = statement.where(LeaveRequest.id != exclude_id)
    return list(db.session.scalars(statement))


def _halves_clash(other: LeaveRequest, start: date, end: date, start_half: bool, end_half: bool) -> bool:
    """Ranges sharing one day do not clash when one ends that morning and the other starts that afternoon."""
    if other.end_date == start and other.end_half and start_half:
        return False
    if other.start_date == end and other.start_half and end_half:
        return False
    return True


def submit_request(employee: Employee, *, leave_type: str, start: date | None, end: date | None,
                   start_half: bool = False, end_half: bool = False, reason: str = "",
                   document: Document | None = None, actor: Employee) -> LeaveRequest:
    """Check and reserve the days, then hand the request to the approval engine (kind `leave`)."""
    from ess.approvals import services as approvals

    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError(_l("Keep the reason under %(n)s characters.", n=MAX_REASON), field="reason",
                          code="too_long")
    policy = leave_policy()
    kind = require_type(leave_type)
    if start is not None and start < clock.today() - timedelta(days=policy.past_limit_days):
        raise DomainError(_l("Leave can be requested at most %(n)s days after it started; ask HR.",
                             n=policy.past_limit_days), field="start", code="too_far_in_past")
    counted = preview(employee, leave_type=leave_type, start=start, end=end, start_half=start_half,
                      end_half=end_half)
    if kind.max_days and counted.days > kind.max_days:
        raise DomainError(_l("This leave type allows at most %(n)s days per request.", n=kind.max_days),
                          field="end", code="too_many_days")
    attachment = _check_document(document, kind.needs_document(counted.days))

    _lock_employee(employee)
    for other in overlapping(employee, counted.start, counted.end):
        if _halves_clash(other, counted.start, counted.end, start_half, end_half):
            raise ConflictError(
                _l("You already have leave from %(start)s to %(end)s (%(state)s).", start=other.start_date.isoformat(),
                   end=other.end_date.isoformat(), state=state_label(other.state)),
                field="start", code="overlap")
    if kind.tracks_balance:
        available = balance(employee, kind.code, max(counted.start, clock.today())).available
        if counted.days > available and not kind.allow_negative:
            raise ConflictError(
                _l("Not enough leave: %(days)s days asked, %(available)s available.", days=_fmt(counted.days),
                   available=_fmt(available)),
                field="leave_type", code="insufficient_balance")
    request = LeaveRequest(employee=employee, leave_type=kind.code, start_date=counted.start, end_date=counted.end,
                           start_half=start_half, end_half=end_half, days=counted.days, reason=reason,
                           state=RequestState.pending)
    if attachment is not None:
        request.attachment = attachment
    db.session.add(request)
    db.session.flush()
    approval = approvals.submit("leave", requester=employee, subject_type="leave_request", subject_id=request.id,
                                payload=request_payload(request), actor=actor)
    request.approval_id = approval.id
    audit.record("leave.requested", actor=actor, subject=request, changes=request_payload(request))
    db.session.flush()
    return request


def _fmt(days: float) -> str:
    return f"{days:g}"


def request_payload(request: LeaveRequest) -> dict:
    return {"leave_type": request.leave_type, "start": request.start_date.isoformat(),
            "end": request.end_date.isoformat(), "start_half": "pm" if request.start_half else None,
            "end_half": "am" if request.end_half else None, "days": request.days, "reason": request.reason,
            "employee_no": request.employee.employee_no}


def state_label(state: RequestState):
    return {RequestState.pending: _l("pending"), RequestState.approved: _l("approved"),
            RequestState.rejected: _l("rejected"), RequestState.withdrawn: _l("withdrawn"),
            RequestState.cancelled: _l("cancelled")}[state]


# Decisions (called by the approval engine through ess.leave.kinds) -----------------------------------
def approve(request: LeaveRequest, actor: Employee) -> None:
    """The last step approved: the reservation becomes a use in the ledger."""
    request.finish(RequestState.approved)
    db.session.add(LedgerEntry(employee_id=request.employee_id, leave_type=request.leave_type, kind=EntryKind.use,
                               effective_on=clock.today(), days=-request.days, request_id=request.id,
                               note="use", created_by_id=getattr(actor, "id", None)))
    audit.record("leave.approved", actor=actor, subject=request, changes={"days": request.days})
    db.session.flush()


def release(request: LeaveRequest, state: RequestState, actor: Employee) -> None:
    """Rejected, withdrawn or cancelled before approval: the reserved days are free again."""
    request.finish(state)
    audit.record(f"leave.{state.value}", actor=actor, subject=request, changes={"days": request.days})
    db.session.flush()


def refund_days(request: LeaveRequest, on: date) -> float:
    """Days of an approved request not yet taken on `on` (all of them when it has not started)."""
    if request.end_date < on:
        return 0.0
    if request.start_date >= on:
        return request.days
    calendar = leave_policy().calendar_for(request.employee)
    return calendar.count(on, request.end_date, False, request.end_half).days


def request_cancellation(request: LeaveRequest, *, reason: str, actor: Employee):
    """Ask to cancel approved leave that has not ended; approval gives the days back."""
    from ess.approvals import services as approvals

    if request.state is not RequestState.approved:
        raise ConflictError(_l("Only approved leave can be cancelled; withdraw a pending request instead."),
                            code="not_approved")
    if request.end_date < clock.today():
        raise ConflictError(_l("This leave has already ended; ask HR for an adjustment."), code="ended")
    if request.cancellation_approval_id:
        pending = approvals.request_for_subject("leave_cancellation", request.id)
        if pending is not None and pending.state.value == "pending":
            raise ConflictError(_l("A cancellation of this leave is already waiting for approval."),
                                code="cancellation_pending")
    reason = (reason or "").strip()[:MAX_REASON]
    days = refund_days(request, clock.today())
    approval = approvals.submit("leave_cancellation", requester=request.employee, subject_type="leave_cancellation",
                                subject_id=request.id, payload={**request_payload(request), "refund": days,
                                                                "cancel_reason": reason}, actor=actor)
    request.cancellation_approval_id = approval.id
    audit.record("leave.cancellation_requested", actor=actor, subject=request, changes={"refund": days})
    db.session.flush()
    return approval


def apply_cancellation(request: LeaveRequest, refund: float, actor: Employee) -> None:
    request.finish(RequestState.cancelled)
    if refund > 0:
        current = balance(request.employee, request.leave_type)
        expires = max((lot.expires_on for lot in current.grants if lot.expires_on), default=None)
        db.session.add(LedgerEntry(employee_id=request.employee_id, leave_type=request.leave_type,
                                   kind=EntryKind.cancellation, effective_on=clock.today(), days=refund,
                                   expires_on=expires, request_id=request.id, note="cancellation",
                                   created_by_id=getattr(actor, "id", None)))
    audit.record("leave.cancelled", actor=actor, subject=request, changes={"refund": refund})
    db.session.flush()


def withdraw(request: LeaveRequest, *, actor: Employee) -> None:
    from ess.approvals import services as approvals

    if request.state is not RequestState.pending or not request.approval_id:
        raise ConflictError(_l("Only a pending request can be withdrawn."), code="not_pending")
    approvals.withdraw(request.approval_id, actor=actor)


# HR adjustments ---------------------------------------------------------------------------------------
def adjust(employee: Employee, *, leave_type: str, days: float | None, reason: str, actor: Employee,
           expires_on: date | None = None) -> LedgerEntry:
    if "hr" not in actor.roles:
        raise DomainError(_l("Only HR can adjust leave balances."), code="forbidden", status=403)
    kind = require_type(leave_type)
    if not kind.tracks_balance:
        raise DomainError(_l("This leave type has no balance to adjust."), field="leave_type", code="no_balance")
    if days is None or days == 0 or days * 2 != int(days * 2) or abs(days) > 365:
        raise DomainError(_l("Enter days in half-day steps, e.g. 1.5 or -2."), field="days", code="invalid")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason for the adjustment."), field="reason", code="required")
    if expires_on is not None and expires_on <= clock.today():
        raise DomainError(_l("The expiry date must be in the future."), field="expires_on", code="invalid")
    entry = LedgerEntry(employee_id=employee.id, leave_type=kind.code, kind=EntryKind.adjustment,
                        effective_on=clock.today(), days=days, expires_on=expires_on if days > 0 else None,
                        reason=reason[:MAX_REASON], note="adjustment", created_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("leave.adjusted", actor=actor, subject=employee, changes={
        "leave_type": kind.code, "days": days, "reason": reason[:MAX_REASON]})
    return entry


# Accrual ----------------------------------------------------------------------------------------------
@dataclass
class AccrualSummary:
    employees: int = 0
    grants: int = 0
    expiries: int = 0
    carried: int = 0

    def __str__(self) -> str:
        return (f"{self.employees} employees, {self.grants} grants, {self.expiries} expiries, "
                f"{self.carried} carry-overs written")


_ENTRY_KIND = {ledger.GRANT: EntryKind.grant, ledger.EXPIRY: EntryKind.expiry, ledger.CARRY: EntryKind.carry_over}


def accrue_employee(employee: Employee, as_of: date, summary: AccrualSummary, actor: Employee | None = None) -> None:
    rows = _rows_by_type(employee.id)
    for kind in leave_policy().types.values():
        if not kind.accrual.accrues:
            continue
        result = _balance(employee, kind, rows.get(kind.code, []), 0.0, as_of)
        for row in result.projected_rows():
            db.session.add(LedgerEntry(employee_id=employee.id, leave_type=kind.code, kind=_ENTRY_KIND[row.kind],
                                       effective_on=row.effective_on, days=row.days, expires_on=row.expires_on,
                                       key=row.key, note=row.note, created_by_id=getattr(actor, "id", None)))
            if row.kind == ledger.GRANT:
                summary.grants += 1
            elif row.kind == ledger.EXPIRY:
                summary.expiries += 1
            else:
                summary.carried += 1
    summary.employees += 1


def accrue(as_of: date | None = None, actor: Employee | None = None, progress=None) -> AccrualSummary:
    """Write every grant, expiry and carry-over due by `as_of` for active employees. Idempotent."""
    as_of = as_of or clock.today()
    summary = AccrualSummary()
    people = list(db.session.scalars(select(Employee).where(Employee.status == EmployeeStatus.active)
                                     .order_by(Employee.employee_no)))
    for employee in (progress(people) if progress else people):
        accrue_employee(employee, as_of, summary, actor)
    db.session.flush()
    if summary.grants or summary.expiries or summary.carried:
        audit.record("leave.accrued", actor=actor, subject_type="leave_ledger", subject_id=as_of.isoformat(),
                     changes={"grants": summary.grants, "expiries": summary.expiries, "carried": summary.carried})
    return summary


# Lists and calendars ----------------------------------------------------------------------------------
def my_requests(employee: Employee) -> list[LeaveRequest]:
    # The list links each document: load whether there is one in the same round trip, never its bytes.
    return list(db.session.scalars(select(LeaveRequest).where(LeaveRequest.employee_id == employee.id)
                                   .options(selectinload(LeaveRequest.attachment).load_only(
                                       LeaveAttachment.id, LeaveAttachment.request_id, LeaveAttachment.filename))
                                   .order_by(LeaveRequest.start_date.desc(), LeaveRequest.id.desc())))


def team_members(manager: Employee) -> list[Employee]:
    return list(db.session.scalars(select(Employee).where(
        Employee.manager_id == manager.id, Employee.id != manager.id, Employee.status == EmployeeStatus.active)
        .order_by(Employee.name)))


def leave_between(employee_ids: list[int], start: date, end: date,
                  states=(RequestState.pending, RequestState.approved)) -> list[LeaveRequest]:
    if not employee_ids:
        return []
    return list(db.session.scalars(
        select(LeaveRequest).options(joinedload(LeaveRequest.employee))
        .where(LeaveRequest.employee_id.in_(employee_ids), LeaveRequest.state.in_(states),
               LeaveRequest.start_date <= end, LeaveRequest.end_date >= start)
        .order_by(LeaveRequest.start_date)))


def feed_token(employee: Employee, *, create: bool = True) -> LeaveFeedToken | None:
    token = db.session.scalar(select(LeaveFeedToken).where(LeaveFeedToken.employee_id == employee.id))
    if token is None and create:
        token = LeaveFeedToken(employee_id=employee.id, token=secrets.token_urlsafe(32))
        db.session.add(token)
        db.session.flush()
    return token


def regenerate_feed_token(employee: Employee, *, actor: Employee) -> LeaveFeedToken:
    token = feed_token(employee)
    token.token = secrets.token_urlsafe(32)
    token.created_at = clock.now()
    audit.record("leave.feed_regenerated", actor=actor, subject=employee)
    db.session.flush()
    return token


def feed_owner(token: str) -> Employee | None:
    if not token or len(token) > 64:
        return None
    found = db.session.scalar(select(LeaveFeedToken).where(LeaveFeedToken.token == token))
    if found is None or not found.employee.is_active:
        return None
    return found.employee


# Reports ----------------------------------------------------------------------------------------------
@dataclass
class ReportRow:
    employee: Employee
    balances: dict[str, ledger.Balance]
    used_in_year: dict[str, float]


def report(as_of: date | None = None) -> list[ReportRow]:
    """Every active employee's balances and this year's usage by type (a fixed number of queries)."""
    check_day(as_of, "as_of")
    as_of = as_of or clock.today()
    people = list(db.session.scalars(select(Employee).options(joinedload(Employee.department))
                                     .where(Employee.status == EmployeeStatus.active)))
    rows: dict[int, dict[str, list]] = {}
    for entry in db.session.scalars(select(LedgerEntry)):
        rows.setdefault(entry.employee_id, {}).setdefault(entry.leave_type, []).append(entry)
    pending: dict[int, dict[str, float]] = {}
    for employee_id, code, days in db.session.execute(
            select(LeaveRequest.employee_id, LeaveRequest.leave_type, func.sum(LeaveRequest.days))
            .where(LeaveRequest.state == RequestState.pending)
            .group_by(LeaveRequest.employee_id, LeaveRequest.leave_type)):
        pending.setdefault(employee_id, {})[code] = float(days or 0)
    used: dict[int, dict[str, float]] = {}
    year_start, year_end = date(as_of.year, 1, 1), date(as_of.year, 12, 31)
    for employee_id, code, days in db.session.execute(
            select(LeaveRequest.employee_id, LeaveRequest.leave_type, func.sum(LeaveRequest.days))
            .where(LeaveRequest.state == RequestState.approved, LeaveRequest.start_date >= year_start,
                   LeaveRequest.start_date <= year_end)
            .group_by(LeaveRequest.employee_id, LeaveRequest.leave_type)):
        used.setdefault(employee_id, {})[code] = float(days or 0)
    kinds = [t for t in leave_policy().types.values() if t.tracks_balance]
    result = []
    for person in sorted(people, key=lambda p: ((p.department.name if p.department else ""), p.name)):
        mine = rows.get(person.id, {})
        result.append(ReportRow(person, {
            t.code: _balance(person, t, mine.get(t.code, []), pending.get(person.id, {}).get(t.code, 0.0), as_of)
            for t in kinds}, used.get(person.id, {})))
    return result


def home_summary(employee: Employee) -> dict:
    """The "my leave" block on the home page."""
    today = clock.today()
    # Pending requests (they reserve days) and approved ones still to come, in one statement: the home
    # page has a budget of statements, and a person has few of either.
    active = list(db.session.scalars(
        select(LeaveRequest).where(LeaveRequest.employee_id == employee.id,
                                   (LeaveRequest.state == RequestState.pending)
                                   | ((LeaveRequest.state == RequestState.approved) & (LeaveRequest.end_date >= today)))
        .order_by(LeaveRequest.start_date, LeaveRequest.id)))
    annual_type = leave_policy().type("annual")
    annual = None
    if annual_type is not None and annual_type.tracks_balance:
        pending = sum(float(r.days) for r in active if r.state is RequestState.pending and r.leave_type == "annual")
        annual = _balance(employee, annual_type, _rows_by_type(employee.id).get("annual", []), pending, today)
    upcoming = [r for r in active if r.end_date >= today][:3]
    return {"annual": annual, "upcoming": upcoming}
