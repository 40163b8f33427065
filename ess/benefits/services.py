"""Benefits use cases. Each takes the acting person, flushes and never commits; the caller commits once."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, text

from ess import audit, clock
from ess.benefits import windows
from ess.benefits.models import BenefitEnrolment, CoveredPerson, EnrolmentState, LifeEvent
from ess.benefits.policy import Cost, Level, Option, Plan, benefits_policy
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.uploads import safe_filename, sniff
from ess.people.models import Employee, EmployeeStatus
from ess.profile.models import Dependent

SUBJECT_TYPE = "benefit_enrolment"
KIND = "benefit_enrolment"
MAX_NOTE = 1000
# Magic numbers of the document types we accept, so a renamed file is not taken for a PDF.
LIVE = (EnrolmentState.pending, EnrolmentState.approved)


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "ko")


def won(amount: int | None) -> str:
    """12000 → "12,000원"."""
    return f"{int(amount or 0):,}원"


def state_label(state: EnrolmentState):
    return {EnrolmentState.pending: _l("pending"), EnrolmentState.approved: _l("approved"),
            EnrolmentState.superseded: _l("replaced"), EnrolmentState.rejected: _l("rejected"),
            EnrolmentState.withdrawn: _l("withdrawn"), EnrolmentState.cancelled: _l("cancelled")}[state]


def window_label(kind: str):
    return {windows.OPEN: _l("Open enrolment"), windows.NEW_HIRE: _l("New hire"),
            windows.LIFE_EVENT: _l("Life event")}.get(kind, kind)


# Lookups ----------------------------------------------------------------------------------------------
def require_plan(code: str | None) -> Plan:
    plan = benefits_policy().plan(code)
    if plan is None:
        raise DomainError(_l("Choose a plan."), field="plan", code="unknown_plan")
    return plan


def dependents(employee: Employee) -> list[Dependent]:
    return list(db.session.scalars(select(Dependent).where(Dependent.employee_id == employee.id)
                                   .order_by(Dependent.birth_date, Dependent.id)))


def life_events(employee: Employee) -> list[LifeEvent]:
    return list(db.session.scalars(select(LifeEvent).where(LifeEvent.employee_id == employee.id)
                                   .order_by(LifeEvent.event_date.desc(), LifeEvent.id.desc())))


def enrolments(employee: Employee) -> list[BenefitEnrolment]:
    return list(db.session.scalars(select(BenefitEnrolment).where(BenefitEnrolment.employee_id == employee.id)
                                   .order_by(BenefitEnrolment.id.desc())))


def in_force(employee: Employee, day: date | None = None) -> list[BenefitEnrolment]:
    day = day or clock.today()
    return [e for e in enrolments(employee) if e.in_force_on(day)]


def upcoming(employee: Employee, day: date | None = None) -> list[BenefitEnrolment]:
    day = day or clock.today()
    return [e for e in enrolments(employee)
            if e.state is EnrolmentState.approved and e.effective_from and e.effective_from > day]


def pending(employee: Employee) -> list[BenefitEnrolment]:
    return [e for e in enrolments(employee) if e.state is EnrolmentState.pending]


def monthly_total(items: list[BenefitEnrolment]) -> Cost:
    total = Cost()
    for item in items:
        if not item.waived:
            total = total + Cost(item.employee_cost, item.company_cost)
    return total


# Windows and eligibility -----------------------------------------------------------------------------
def _event_tuples(employee: Employee) -> list[tuple[int, str, date]]:
    return [(e.id, e.kind, e.event_date) for e in life_events(employee)]


def open_windows(employee: Employee, plan: Plan, day: date | None = None) -> list[windows.Window]:
    day = day or clock.today()
    return windows.windows_for(benefits_policy(), plan, employee.hire_date, day, _event_tuples(employee))


def enrolment_status(day: date | None = None) -> tuple[windows.Window | None, windows.Window]:
    """(the open-enrolment window holding today or None, the next one)."""
    day = day or clock.today()
    policy = benefits_policy()
    return windows.open_enrolment(policy, day), windows.next_open_enrolment(policy, day)


def check_eligible(employee: Employee, plan: Plan, day: date) -> None:
    start = windows.eligible_from(plan, employee.hire_date)
    if plan.eligible_after_days and (start is None or day < start):
        raise DomainError(
            _l("You can join %(plan)s from %(date)s, after %(days)s days of service.", plan=plan.name(_locale()),
               date=start.isoformat() if start else "?", days=plan.eligible_after_days),
            field="plan", code="not_eligible")


def choose_window(employee: Employee, plan: Plan, key: str | None, day: date) -> windows.Window:
    """The window the choice is made in: the one asked for, else the first open one; refused when closed."""
    found = open_windows(employee, plan, day)
    if not found:
        next_open = windows.next_open_enrolment(benefits_policy(), day)
        raise DomainError(
            _l("Enrolment is closed. The next open enrolment runs from %(start)s to %(end)s; a new hire or a "
               "reported life event (marriage, birth or adoption, loss of other coverage) opens a window sooner.",
               start=next_open.opens.isoformat(), end=next_open.closes.isoformat()),
            field="window", code="window_closed")
    if key:
        for window in found:
            if window.key == key:
                return window
        raise DomainError(_l("This enrolment window is not open; choose another."), field="window",
                          code="window_closed")
    return found[0]


# Quotes -----------------------------------------------------------------------------------------------
@dataclass
class Quote:
    plan: Plan
    option: Option | None
    level: Level | None
    covered: list[Dependent]
    cost: Cost
    waived: bool
    window: windows.Window | None = None
    effective_from: date | None = None
    warnings: list = field(default_factory=list)


def _pick_dependents(employee: Employee, level: Level, dependent_ids) -> list[Dependent]:
    wanted = []
    for raw in dependent_ids or []:
        try:
            wanted.append(int(raw))
        except (TypeError, ValueError):
            raise DomainError(_l("Choose dependents from your personal details."), field="dependents",
                              code="unknown_dependent") from None
    mine = {d.id: d for d in dependents(employee)}
    chosen = []
    for dependent_id in dict.fromkeys(wanted):
        if dependent_id not in mine:
            raise DomainError(_l("Choose dependents from your personal details."), field="dependents",
                              code="unknown_dependent")
        chosen.append(mine[dependent_id])
    for person in chosen:
        if person.relation not in level.covers:
            raise DomainError(_l("%(level)s coverage cannot include %(name)s; choose another level.",
                                 level=level.name(_locale()), name=person.name), field="dependents",
                              code="relation_not_covered")
    for relation, limit in level.max.items():
        if sum(1 for p in chosen if p.relation == relation) > limit:
            raise DomainError(_l("%(level)s coverage takes at most %(n)s of this relation.", level=level.name(_locale()),
                                 n=limit), field="dependents", code="too_many")
    for relation in level.requires:
        if not any(p.relation == relation for p in chosen):
            raise DomainError(_l("%(level)s coverage needs at least one covered %(relation)s; add them in your "
                                 "personal details first.", level=level.name(_locale()),
                                 relation=_relation_label(relation)), field="dependents", code="dependent_required")
    return chosen


def _relation_label(relation: str) -> str:
    from ess.profile.models import RELATIONS

    return str(RELATIONS.get(relation, relation))


def quote(employee: Employee, *, plan: str | None, option: str | None = None, level: str | None = None,
          dependent_ids=(), waive: bool = False) -> Quote:
    """Check a choice and price it (monthly, in won), without saving anything."""
    chosen_plan = require_plan(plan)
    if waive:
        if not chosen_plan.waivable:
            raise DomainError(_l("This plan cannot be waived."), field="plan", code="not_waivable")
        return Quote(chosen_plan, None, None, [], Cost(), True)
    chosen_option = chosen_plan.option(option)
    if chosen_option is None:
        raise DomainError(_l("Choose an option."), field="option", code="unknown_option")
    if level not in chosen_option.costs:
        raise DomainError(_l("Choose a coverage level this option offers."), field="level", code="unknown_level")
    chosen_level = benefits_policy().level(level)
    covered = _pick_dependents(employee, chosen_level, dependent_ids)
    return Quote(chosen_plan, chosen_option, chosen_level, covered, chosen_option.costs[level], False)


def preview(employee: Employee, *, plan: str | None, option: str | None = None, level: str | None = None,
            dependent_ids=(), waive: bool = False, window: str | None = None) -> Quote:
    """A quote plus the window it is made in and the date it would start if approved today."""
    day = clock.today()
    result = quote(employee, plan=plan, option=option, level=level, dependent_ids=dependent_ids, waive=waive)
    check_eligible(employee, result.plan, day)
    result.window = choose_window(employee, result.plan, window, day)
    result.effective_from = windows.effective_date(result.window.effective, day)
    return result


# Submitting -------------------------------------------------------------------------------------------
def _lock_employee(employee: Employee) -> None:
    """Serialise choices of one employee: a row lock on PostgreSQL, the write lock on SQLite."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Employee.id).where(Employee.id == employee.id).with_for_update())
    else:
        db.session.execute(text("UPDATE employees SET id = id WHERE id = :id"), {"id": employee.id})


def _same_as_current(employee: Employee, result: Quote, day: date) -> bool:
    for item in upcoming(employee, day) + in_force(employee, day):
        if item.plan == result.plan.code:
            latest = item
            break
    else:
        return False
    ids = sorted(c.dependent_id or 0 for c in latest.covered)
    return (latest.waived == result.waived and latest.option == (result.option.code if result.option else None)
            and latest.level == (result.level.code if result.level else None)
            and ids == sorted(d.id for d in result.covered))


def submit_enrolment(employee: Employee, *, plan: str | None, option: str | None = None, level: str | None = None,
                     dependent_ids=(), waive: bool = False, window: str | None = None,
                     actor: Employee) -> BenefitEnrolment:
    """Check the choice and the window, then hand it to the approval engine (kind `benefit_enrolment`)."""
    from ess.approvals import services as approvals

    result = preview(employee, plan=plan, option=option, level=level, dependent_ids=dependent_ids, waive=waive,
                     window=window)
    _lock_employee(employee)
    for item in pending(employee):
        if item.plan == result.plan.code:
            raise ConflictError(_l("A change to this plan is already waiting for approval; withdraw it first."),
                                field="plan", code="already_pending")
    if _same_as_current(employee, result, clock.today()):
        raise DomainError(_l("This is already your choice for this plan."), field="option", code="unchanged")
    enrolment = BenefitEnrolment(
        employee=employee, plan=result.plan.code, option=result.option.code if result.option else None,
        level=result.level.code if result.level else None, waived=result.waived,
        employee_cost=result.cost.employee, company_cost=result.cost.company, window=result.window.kind,
        life_event_id=result.window.event_id, state=EnrolmentState.pending,
        covered=[CoveredPerson(dependent_id=d.id, name=d.name, relation=d.relation, birth_date=d.birth_date)
                 for d in result.covered])
    db.session.add(enrolment)
    db.session.flush()
    approval = approvals.submit(KIND, requester=employee, subject_type=SUBJECT_TYPE, subject_id=enrolment.id,
                                payload=payload(enrolment), actor=actor)
    enrolment.approval_id = approval.id
    audit.record("benefits.enrolment_requested", actor=actor, subject=enrolment, changes=payload(enrolment))
    db.session.flush()
    return enrolment


def payload(enrolment: BenefitEnrolment) -> dict:
    return {"plan": enrolment.plan, "option": enrolment.option, "level": enrolment.level,
            "waived": enrolment.waived, "employee_cost": enrolment.employee_cost,
            "company_cost": enrolment.company_cost, "window": enrolment.window,
            "covered": [{"name": c.name, "relation": c.relation} for c in enrolment.covered],
            "employee_no": enrolment.employee.employee_no}


# Decisions (called by the approval engine through ess.benefits.kinds) --------------------------------
def previous_for(enrolment: BenefitEnrolment) -> BenefitEnrolment | None:
    """The approved choice for the same plan that this one replaces (the latest one not yet ended)."""
    return db.session.scalar(
        select(BenefitEnrolment)
        .where(BenefitEnrolment.employee_id == enrolment.employee_id, BenefitEnrolment.plan == enrolment.plan,
               BenefitEnrolment.state == EnrolmentState.approved, BenefitEnrolment.id != enrolment.id,
               BenefitEnrolment.effective_to.is_(None))
        .order_by(BenefitEnrolment.effective_from.desc(), BenefitEnrolment.id.desc()).limit(1))


def approve(enrolment: BenefitEnrolment, actor: Employee, decided_on: date | None = None) -> None:
    """The last step approved: the choice starts on the policy's date and the previous one ends the day before."""
    decided_on = decided_on or clock.today()
    policy = benefits_policy()
    rule = policy.open_effective if enrolment.window == windows.OPEN else policy.effective
    starts = windows.effective_date(rule, decided_on)
    enrolment.finish(EnrolmentState.approved)
    enrolment.effective_from = starts
    # Approved choices of this plan that would still be in force on `starts` end the day before it;
    # those that had not begun by then are replaced outright.
    others = db.session.scalars(
        select(BenefitEnrolment).where(
            BenefitEnrolment.employee_id == enrolment.employee_id, BenefitEnrolment.plan == enrolment.plan,
            BenefitEnrolment.state == EnrolmentState.approved, BenefitEnrolment.id != enrolment.id))
    for other in others:
        if other.effective_to is not None and other.effective_to < starts:
            continue
        before = {"state": other.state.value, "effective_to": other.effective_to.isoformat()
                  if other.effective_to else None}
        if other.effective_from >= starts:
            other.state = EnrolmentState.superseded
            other.effective_to = None
        else:
            other.effective_to = starts - timedelta(days=1)
        audit.record("benefits.enrolment_ended", actor=actor, subject=other, changes={
            "state": {"before": before["state"], "after": other.state.value},
            "effective_to": {"before": before["effective_to"],
                             "after": other.effective_to.isoformat() if other.effective_to else None},
            "replaced_by": enrolment.id})
    audit.record("benefits.enrolment_approved", actor=actor, subject=enrolment,
                 changes={"effective_from": starts.isoformat(), "plan": enrolment.plan})
    db.session.flush()


def release(enrolment: BenefitEnrolment, state: EnrolmentState, actor: Employee) -> None:
    enrolment.finish(state)
    audit.record(f"benefits.enrolment_{state.value}", actor=actor, subject=enrolment)
    db.session.flush()


# Life events ------------------------------------------------------------------------------------------
@dataclass
class Document:
    filename: str
    content_type: str
    data: bytes


def _check_document(document: Document | None, needed: bool) -> Document | None:
    policy = benefits_policy()
    if document is None or not document.data:
        if needed:
            raise DomainError(_l("Attach a document for this event (PDF, PNG or JPEG), e.g. a marriage "
                                 "certificate or a letter ending the other coverage."),
                              field="document", code="document_required")
        return None
    if len(document.data) > policy.document_max_bytes:
        raise DomainError(_l("The document is larger than %(kb)s KB.", kb=policy.document_max_bytes // 1024),
                          field="document", code="too_large")
    content_type = sniff(document.data, policy.document_types)
    if content_type is None:
        raise DomainError(_l("Attach a PDF, PNG or JPEG file."), field="document", code="bad_type")
    return Document(safe_filename(document.filename, content_type, "document"), content_type, document.data)


def report_life_event(employee: Employee, *, kind: str | None, event_date: date | None, note: str = "",
                      document: Document | None = None, actor: Employee) -> LifeEvent:
    """Record a life event; it opens an enrolment window of the policy's days from the event date."""
    policy = benefits_policy()
    event_type = policy.life_events.get(kind or "")
    if event_type is None:
        raise DomainError(_l("Choose what happened."), field="kind", code="unknown_event")
    if event_date is None:
        raise DomainError(_l("Enter the date of the event."), field="event_date", code="required")
    today = clock.today()
    if event_date > today:
        raise DomainError(_l("Report the event once it has happened."), field="event_date", code="future")
    closes = event_date + timedelta(days=event_type.days)
    if closes < today:
        next_open = windows.next_open_enrolment(policy, today)
        raise DomainError(
            _l("Changes for this event had to be made by %(date)s (%(days)s days after it). The next open "
               "enrolment runs from %(start)s to %(end)s.", date=closes.isoformat(), days=event_type.days,
               start=next_open.opens.isoformat(), end=next_open.closes.isoformat()),
            field="event_date", code="too_late")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise DomainError(_l("Keep the note under %(n)s characters.", n=MAX_NOTE), field="note", code="too_long")
    checked = _check_document(document, event_type.document)
    event = LifeEvent(employee=employee, kind=event_type.code, event_date=event_date, note=note)
    if checked is not None:
        event.document_name, event.document_type = checked.filename, checked.content_type
        event.document_size, event.document_data = len(checked.data), checked.data
    db.session.add(event)
    db.session.flush()
    audit.record("benefits.life_event_reported", actor=actor, subject=event, changes={
        "kind": event.kind, "event_date": event_date.isoformat(), "document": event.document_name})
    return event


def event_closes(event: LifeEvent) -> date | None:
    """The last day of the window an event opens."""
    event_type = benefits_policy().life_events.get(event.kind)
    return event.event_date + timedelta(days=event_type.days) if event_type else None


# HR ---------------------------------------------------------------------------------------------------
def month_bounds(first: date) -> tuple[date, date]:
    return first, windows.first_of_next_month(first) - timedelta(days=1)


def in_force_during(first: date, last: date) -> list[BenefitEnrolment]:
    """Approved choices in force on any day of [first, last], waivers included."""
    return list(db.session.scalars(
        select(BenefitEnrolment).join(BenefitEnrolment.employee)
        .where(BenefitEnrolment.state == EnrolmentState.approved, BenefitEnrolment.effective_from <= last,
               (BenefitEnrolment.effective_to.is_(None)) | (BenefitEnrolment.effective_to >= first))
        .order_by(BenefitEnrolment.plan, BenefitEnrolment.option, Employee.employee_no)))


@dataclass
class PlanLine:
    plan: str
    option: str | None
    people: int = 0
    covered: int = 0
    cost: Cost = field(default_factory=Cost)


def report(first: date) -> tuple[list[PlanLine], Cost, int]:
    """Enrolments in force on the first of the month, by plan and option, with their monthly cost."""
    lines: dict[tuple[str, str | None], PlanLine] = {}
    total = Cost()
    waived = 0
    for item in in_force_during(first, first):
        if item.waived:
            waived += 1
            continue
        line = lines.setdefault((item.plan, item.option), PlanLine(item.plan, item.option))
        line.people += 1
        line.covered += len(item.covered)
        line.cost = line.cost + Cost(item.employee_cost, item.company_cost)
        total = total + Cost(item.employee_cost, item.company_cost)
    order = list(benefits_policy().plans)
    ordered = sorted(lines.values(), key=lambda line: (order.index(line.plan) if line.plan in order else 99,
                                                       line.option or ""))
    return ordered, total, waived


def not_chosen(day: date | None = None) -> list[Employee]:
    """Active people who sent no choice during the open-enrolment window holding `day` (or the last one)."""
    day = day or clock.today()
    policy = benefits_policy()
    window = windows.open_enrolment(policy, day)
    if window is None:
        start, end = policy.open_period(day.year)
        if start > day:
            start, end = policy.open_period(day.year - 1)
        window = windows.Window(windows.OPEN, start, end, policy.open_effective)
    chosen = set(db.session.scalars(
        select(BenefitEnrolment.employee_id).where(BenefitEnrolment.window == windows.OPEN,
                                                   BenefitEnrolment.state.in_((*LIVE, EnrolmentState.superseded)))
        .where(BenefitEnrolment.created_at >= _start_of(window.opens))
        .where(BenefitEnrolment.created_at < _start_of(window.closes + timedelta(days=1)))))
    people = db.session.scalars(select(Employee).where(Employee.status == EmployeeStatus.active)
                                .order_by(Employee.employee_no))
    return [p for p in people if p.id not in chosen]


def _start_of(day: date):
    from datetime import datetime, time

    return datetime.combine(day, time.min, tzinfo=clock.company_timezone())


def remind(day: date | None = None) -> dict:
    """Mail everyone who has not chosen yet when open enrolment closes in one of the policy's reminder days.

    Each person gets one mail per reminder day number (a second run the same day sends nothing)."""
    from ess.notify.models import OutboxMessage
    from ess.notify.services import queue_mail

    day = day or clock.today()
    policy = benefits_policy()
    window = windows.open_enrolment(policy, day)
    summary = {"reminded": 0, "already": 0, "window": None}
    if window is None:
        return summary
    left = (window.closes - day).days
    due = [d for d in policy.reminder_days if d >= left]
    if not due:
        return summary
    step = min(due)
    summary["window"] = window
    topic = f"benefits.reminder.{window.opens.isoformat()}.{step}"
    sent = set(db.session.scalars(select(OutboxMessage.recipient_id).where(OutboxMessage.topic == topic)))
    for person in not_chosen(day):
        if person.id in sent:
            summary["already"] += 1
            continue
        if queue_mail(person, "benefits/reminder", topic=topic, closes=window.closes, days_left=left, link="/benefits/",
                      opens=window.opens):
            summary["reminded"] += 1
    db.session.flush()
    return summary


def export_rows(first: date, kind: str) -> tuple[list[str], list[list]]:
    """CSV rows for the month starting `first`: `insurer` (one row per insured person) or `payroll`."""
    last = month_bounds(first)[1]
    items = [i for i in in_force_during(first, last) if not i.waived]
    if kind == "payroll":
        header = ["month", "employee_no", "name", "plan", "option", "level", "employee_deduction_krw",
                  "company_cost_krw", "effective_from", "effective_to"]
        rows = [[first.strftime("%Y-%m"), i.employee.employee_no, i.employee.name, i.plan, i.option, i.level,
                 i.employee_cost, i.company_cost, i.effective_from.isoformat(),
                 i.effective_to.isoformat() if i.effective_to else ""] for i in items]
        return header, rows
    header = ["month", "plan", "option", "level", "employee_no", "insured_name", "relation", "birth_date",
              "effective_from", "effective_to"]
    rows = []
    for i in items:
        if benefits_policy().plan(i.plan) and benefits_policy().plan(i.plan).category not in ("insurance", "checkup"):
            continue
        end = i.effective_to.isoformat() if i.effective_to else ""
        rows.append([first.strftime("%Y-%m"), i.plan, i.option, i.level, i.employee.employee_no, i.employee.name,
                     "self", "", i.effective_from.isoformat(), end])
        for person in i.covered:
            rows.append([first.strftime("%Y-%m"), i.plan, i.option, i.level, i.employee.employee_no, person.name,
                         person.relation, person.birth_date.isoformat(), i.effective_from.isoformat(), end])
    return header, rows
