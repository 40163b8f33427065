"""What waits for whom: the deciders' queue and the requesters' list, with filters and keyset pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Date, Integer, and_, bindparam, func, or_, select, union_all
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ess import clock
from ess.approvals.aging import working_days_between
from ess.approvals.models import (ApprovalRequest, ApprovalState, ApprovalStep, DeciderKind, Delegation,
                                  StepState)
from ess.approvals.policy import approval_policy
from ess.approvals.services import delegators_of
from ess.db import db
from ess.people.directory import department_and_below
from ess.people.models import Department, Employee

PAGE_SIZE = 25


@dataclass
class QueueFilters:
    state: str = "pending"
    kind: str | None = None
    department_id: int | None = None
    requester: str | None = None
    min_age_days: int | None = None
    newest_first: bool = False
    after: str | None = None


@dataclass
class QueueRow:
    """One request of a queue page: what the page and the API show, read as plain columns."""
    request_id: int
    kind: str
    summary: str
    state: ApprovalState
    version: int
    created_at: datetime
    requester_no: str
    requester_name: str
    requester_department: str | None
    step_position: int
    step_state: StepState
    age_working_days: int
    overdue: bool
    on_behalf_of: str | None = None  # the name of the person I cover for, when it is their step


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None


def waiting_count(user: Employee) -> int:
    """The navigation badge: steps waiting for this person's decision."""
    return db.session.scalar(_badge_statement(tuple(sorted(user.roles))),
                             {"user_id": user.id, "today": clock.today()}) or 0


@lru_cache(maxsize=64)
def _badge_statement(roles: tuple[str, ...]):
    """The badge's one statement for people holding `roles`, made once (it is on every page).

    Counted per kind of decider and added up, so each part is a range of an index (ix_approval_steps_waiting_*):
    a single OR over both made PostgreSQL read every pending step of the company on every page, 30 ms at
    10,000 people (bench/README.md).
    """
    user_id, today = bindparam("user_id", type_=Integer), bindparam("today", type_=Date)

    def waiting(*conditions):
        return (select(func.count(ApprovalStep.id)).join(ApprovalStep.request)
                .where(ApprovalStep.state == StepState.pending, ApprovalRequest.state == ApprovalState.pending,
                       ApprovalRequest.requester_id != user_id, *conditions)
                .scalar_subquery())

    # Me and whoever I cover for today (ess.approvals.services.delegators_query, with parameters).
    covered = select(Delegation.delegator_id).where(Delegation.delegate_id == user_id,
                                                    Delegation.starts_on <= today, Delegation.ends_on >= today)
    as_person = waiting(ApprovalStep.decider_kind.in_([DeciderKind.manager, DeciderKind.person]),
                        ApprovalStep.decider_id.in_(select(user_id).union(covered)))
    as_role = waiting(ApprovalStep.decider_kind == DeciderKind.role, ApprovalStep.role.in_(roles))
    return select(as_person + as_role)


def _age(reached: datetime | None, today: date) -> int:
    if reached is None:
        return 0
    return working_days_between(reached.astimezone(clock.company_timezone()).date(), today)


def _cursor(moment: datetime, row_id: int) -> str:
    return f"{moment.timestamp():.6f}_{row_id}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    try:
        stamp, row_id = (cursor or "").split("_", 1)
        return datetime.fromtimestamp(float(stamp), tz=clock.now().tzinfo), int(row_id)
    except ValueError:
        return None


def queue(user: Employee, filters: QueueFilters, page_size: int = PAGE_SIZE) -> QueuePage:
    """Pending: the steps waiting for me. Any other state: requests in that state whose step I decided."""
    pending = filters.state == "pending"
    delegators = delegators_of(user) if pending else []
    values = {"user_id": user.id, **{f"person_{n}": person for n, person in enumerate(delegators)}}
    if not pending:
        try:
            values["state"] = ApprovalState(filters.state)
        except ValueError:
            values["state"] = ApprovalState.approved
    if filters.kind:
        values["kind"] = filters.kind
    if filters.department_id:
        values["departments"] = sorted(department_and_below(filters.department_id))
    if filters.requester:
        values["requester_no"] = filters.requester.strip()
        values["pattern"] = "%" + filters.requester.strip().lower().replace("%", "").replace("_", "")[:60] + "%"
    if filters.min_age_days:
        # Calendar days bound the query; the working-day age shown is exact.
        values["oldest"] = clock.now() - timedelta(days=filters.min_age_days)
    cursor = _parse_cursor(filters.after)
    if cursor:
        values["after_at"], values["after_id"] = cursor
    newest = filters.newest_first or not pending
    statement = _page_statement(_Shape(
        pending=pending, delegators=len(delegators), roles=tuple(sorted(user.roles)) if pending else (),
        kind=bool(filters.kind), department=bool(filters.department_id), requester=bool(filters.requester),
        min_age=bool(filters.min_age_days), cursor=cursor is not None, newest=newest, page_size=page_size))
    rows = db.session.execute(statement, values).all()

    today = clock.today()
    limit = approval_policy().overdue_after_working_days
    page = QueuePage()
    for row in rows[:page_size]:
        age = _age(row.reached_at, today)
        page.rows.append(QueueRow(
            row.request_id, row.kind, row.summary, row.state, row.version, row.created_at, row.requester_no,
            row.requester_name, row.department, row.position, row.step_state, age, pending and age >= limit,
            row.decider_name if (pending and row.decider_id in delegators) else None))
    if len(rows) > page_size:
        last = rows[page_size - 1]
        page.next_cursor = _cursor(last.moment, last.step_id)
    return page


class _Shape(NamedTuple):
    """What decides a queue statement's SQL; the values (who, which kind, …) are its parameters."""
    pending: bool
    delegators: int
    roles: tuple[str, ...]
    kind: bool
    department: bool
    requester: bool
    min_age: bool
    cursor: bool
    newest: bool
    page_size: int


@lru_cache(maxsize=512)
def _page_statement(shape: _Shape):
    """The queue page's one statement, made once per shape: building it (an alias, a walk per decider, a
    union) took SQLAlchemy about as long as the database took to run it.

    The page is chosen first, in one walk per kind of decider (me, each person I cover for, each of my
    roles): each walk follows an index in the page's order (ix_approval_steps_waiting_person / _role, or
    ix_approval_steps_decided_by) and stops at the page's last row, so only the requests of the steps it
    passes are checked. Choosing among all the steps HR can decide joined each of them (2,152 at 10,000
    people) to its request first (bench/README.md). Only then are the page's rows read, as the columns shown.
    """
    requester, shown, decider = aliased(Employee), aliased(Employee), aliased(Employee)
    moment = ApprovalStep.reached_at if shape.pending else ApprovalStep.decided_at
    if shape.pending:
        person_steps = ApprovalStep.decider_kind.in_([DeciderKind.manager, DeciderKind.person])
        deciders = ["user_id", *(f"person_{n}" for n in range(shape.delegators))]
        walks = [and_(ApprovalStep.decider_id == bindparam(name), person_steps) for name in deciders]
        walks += [and_(ApprovalStep.role == role, ApprovalStep.decider_kind == DeciderKind.role)
                  for role in shape.roles]
        conditions = [ApprovalStep.state == StepState.pending, ApprovalRequest.state == ApprovalState.pending,
                      ApprovalRequest.requester_id != bindparam("user_id")]
    else:
        walks = [ApprovalStep.decided_by_id == bindparam("user_id")]
        conditions = [ApprovalRequest.state == bindparam("state")]
    if shape.kind:
        conditions.append(ApprovalRequest.kind == bindparam("kind"))
    if shape.department:
        conditions.append(requester.department_id.in_(bindparam("departments", expanding=True)))
    if shape.requester:
        pattern = bindparam("pattern")
        conditions.append(or_(func.lower(requester.name).like(pattern), func.lower(requester.name_en).like(pattern),
                              requester.employee_no == bindparam("requester_no")))
    if shape.min_age:
        conditions.append(moment <= bindparam("oldest"))
    if shape.cursor:
        at, row_id = bindparam("after_at"), bindparam("after_id")
        conditions.append(or_(moment < at, and_(moment == at, ApprovalStep.id < row_id)) if shape.newest
                          else or_(moment > at, and_(moment == at, ApprovalStep.id > row_id)))

    def ordered(when, step_id):
        return (when.desc(), step_id.desc()) if shape.newest else (when.asc(), step_id.asc())

    def walk(condition):
        statement = select(ApprovalStep.id, moment.label("moment")).join(ApprovalStep.request)
        if shape.department or shape.requester:
            statement = statement.join(requester, requester.id == ApprovalRequest.requester_id)
        return (statement.where(condition, *conditions).order_by(*ordered(moment, ApprovalStep.id))
                .limit(shape.page_size + 1).subquery())

    arms = [walk(condition) for condition in walks]
    if len(arms) == 1:
        chosen = arms[0]
    else:
        every = union_all(*(select(arm.c.id, arm.c.moment) for arm in arms)).subquery()
        chosen = (select(every.c.id, every.c.moment).order_by(*ordered(every.c.moment, every.c.id))
                  .limit(shape.page_size + 1).subquery())
    return (
        select(ApprovalStep.id.label("step_id"), ApprovalStep.position, ApprovalStep.state.label("step_state"),
               ApprovalStep.reached_at, ApprovalStep.decider_id, chosen.c.moment,
               ApprovalRequest.id.label("request_id"), ApprovalRequest.kind, ApprovalRequest.summary,
               ApprovalRequest.state, ApprovalRequest.version, ApprovalRequest.created_at,
               shown.employee_no.label("requester_no"), shown.name.label("requester_name"),
               Department.name.label("department"), decider.name.label("decider_name"))
        .join(chosen, chosen.c.id == ApprovalStep.id)
        .join(ApprovalRequest, ApprovalRequest.id == ApprovalStep.request_id)
        .join(shown, shown.id == ApprovalRequest.requester_id)
        .outerjoin(Department, Department.id == shown.department_id)
        .outerjoin(decider, decider.id == ApprovalStep.decider_id)
        .order_by(*ordered(chosen.c.moment, ApprovalStep.id)))


def my_requests(user: Employee, *, state: str | None = None, after: str | None = None,
                page_size: int = PAGE_SIZE) -> tuple[list[ApprovalRequest], str | None]:
    statement = (
        select(ApprovalRequest)
        .where(ApprovalRequest.requester_id == user.id)
        .options(selectinload(ApprovalRequest.steps).joinedload(ApprovalStep.decider),
                 selectinload(ApprovalRequest.steps).joinedload(ApprovalStep.decided_by))
    )
    if state:
        try:
            statement = statement.where(ApprovalRequest.state == ApprovalState(state))
        except ValueError:
            pass
    cursor = _parse_cursor(after)
    if cursor:
        at, row_id = cursor
        statement = statement.where(or_(ApprovalRequest.created_at < at,
                                        and_(ApprovalRequest.created_at == at, ApprovalRequest.id < row_id)))
    rows = list(db.session.scalars(
        statement.order_by(ApprovalRequest.created_at.desc(), ApprovalRequest.id.desc()).limit(page_size + 1)))
    next_cursor = _cursor(rows[page_size - 1].created_at, rows[page_size - 1].id) if len(rows) > page_size else None
    return rows[:page_size], next_cursor


def overdue_steps() -> list[tuple[ApprovalStep, int]]:
    """Pending steps past the configured age, with their age in working days."""
    limit = approval_policy().overdue_after_working_days
    today = clock.today()
    candidates = db.session.scalars(
        select(ApprovalStep).join(ApprovalStep.request)
        .where(ApprovalStep.state == StepState.pending, ApprovalRequest.state == ApprovalState.pending,
               ApprovalStep.reached_at <= clock.now() - timedelta(days=limit))
        .options(contains_eager(ApprovalStep.request).joinedload(ApprovalRequest.requester))
    )
    return [(step, age) for step in candidates if (age := _age(step.reached_at, today)) >= limit]
