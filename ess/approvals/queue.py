"""What waits for whom: the deciders' queue and the requesters' list, with filters and keyset pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from ess import clock
from ess.approvals.aging import working_days_between
from ess.approvals.models import ApprovalRequest, ApprovalState, ApprovalStep, DeciderKind, StepState
from ess.approvals.policy import approval_policy
from ess.approvals.services import delegators_of, delegators_query
from ess.db import db
from ess.people.directory import department_and_below
from ess.people.models import Employee

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
    step: ApprovalStep
    request: ApprovalRequest
    age_working_days: int
    overdue: bool
    on_behalf_of: Employee | None = None


@dataclass
class QueuePage:
    rows: list[QueueRow] = field(default_factory=list)
    next_cursor: str | None = None


def _mine(user: Employee, delegators):
    """`delegators`: a list of ids, or a SELECT of them (the badge nests it: one statement per page)."""
    deciders = (or_(ApprovalStep.decider_id == user.id, ApprovalStep.decider_id.in_(delegators))
                if not isinstance(delegators, list) else ApprovalStep.decider_id.in_([user.id, *delegators]))
    person_steps = and_(ApprovalStep.decider_kind.in_([DeciderKind.manager, DeciderKind.person]), deciders)
    roles = sorted(user.roles)
    role_steps = and_(ApprovalStep.decider_kind == DeciderKind.role, ApprovalStep.role.in_(roles))
    return or_(person_steps, role_steps)


def waiting_count(user: Employee) -> int:
    """The navigation badge: steps waiting for this person's decision.

    Counted per kind of decider and added up, so each part is a range of ix_approval_steps_queue: a single
    OR over both (as in `_mine`) made PostgreSQL read every pending step of the company on every page,
    30 ms at 10,000 people (bench/README.md).
    """
    def waiting(*conditions):
        return (select(func.count(ApprovalStep.id)).join(ApprovalStep.request)
                .where(ApprovalStep.state == StepState.pending, ApprovalRequest.state == ApprovalState.pending,
                       ApprovalRequest.requester_id != user.id, *conditions)
                .scalar_subquery())

    deciders = select(literal(user.id)).union(delegators_query(user))
    as_person = waiting(ApprovalStep.decider_kind.in_([DeciderKind.manager, DeciderKind.person]),
                        ApprovalStep.decider_id.in_(deciders))
    as_role = waiting(ApprovalStep.decider_kind == DeciderKind.role, ApprovalStep.role.in_(sorted(user.roles)))
    return db.session.scalar(select(as_person + as_role)) or 0


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
    requester = aliased(Employee)
    pending = filters.state == "pending"
    delegators = delegators_of(user) if pending else []
    moment = ApprovalStep.reached_at if pending else ApprovalStep.decided_at
    # The page's steps are chosen first (joined to their request and requester only for the filters), then
    # loaded with what the page shows: HR can decide thousands, and joining each to its department and
    # decider before keeping 26 cost more than the rest of the page (bench/README.md).
    statement = (select(ApprovalStep.id).join(ApprovalStep.request)
                 .join(ApprovalRequest.requester.of_type(requester)))
    if pending:
        statement = statement.where(ApprovalStep.state == StepState.pending,
                                    ApprovalRequest.state == ApprovalState.pending,
                                    ApprovalRequest.requester_id != user.id, _mine(user, delegators))
    else:
        try:
            state = ApprovalState(filters.state)
        except ValueError:
            state = ApprovalState.approved
        statement = statement.where(ApprovalStep.decided_by_id == user.id, ApprovalRequest.state == state)
    if filters.kind:
        statement = statement.where(ApprovalRequest.kind == filters.kind)
    if filters.department_id:
        statement = statement.where(requester.department_id.in_(department_and_below(filters.department_id)))
    if filters.requester:
        pattern = "%" + filters.requester.strip().lower().replace("%", "").replace("_", "")[:60] + "%"
        statement = statement.where(or_(func.lower(requester.name).like(pattern),
                                        func.lower(requester.name_en).like(pattern),
                                        requester.employee_no == filters.requester.strip()))
    if filters.min_age_days:
        # Calendar days bound the query; the working-day age shown is exact.
        statement = statement.where(moment <= clock.now() - timedelta(days=filters.min_age_days))
    newest = filters.newest_first or not pending
    cursor = _parse_cursor(filters.after)
    if cursor:
        at, row_id = cursor
        statement = statement.where(
            or_(moment < at, and_(moment == at, ApprovalStep.id < row_id)) if newest
            else or_(moment > at, and_(moment == at, ApprovalStep.id > row_id)))
    order = (moment.desc(), ApprovalStep.id.desc()) if newest else (moment.asc(), ApprovalStep.id.asc())
    chosen = statement.order_by(*order).limit(page_size + 1).subquery()
    shown = aliased(Employee)
    steps = list(db.session.scalars(
        select(ApprovalStep).join(chosen, chosen.c.id == ApprovalStep.id)
        .join(ApprovalStep.request).join(ApprovalRequest.requester.of_type(shown))
        .options(contains_eager(ApprovalStep.request).contains_eager(ApprovalRequest.requester.of_type(shown))
                 .joinedload(shown.department),
                 joinedload(ApprovalStep.decider))
        .order_by(*order)).unique())

    today = clock.today()
    limit = approval_policy().overdue_after_working_days
    page = QueuePage()
    for step in steps[:page_size]:
        age = _age(step.reached_at, today)
        on_behalf = step.decider if (pending and step.decider_id in delegators) else None
        page.rows.append(QueueRow(step, step.request, age, pending and age >= limit, on_behalf))
    if len(steps) > page_size:
        last = steps[page_size - 1]
        page.next_cursor = _cursor(getattr(last, "reached_at" if pending else "decided_at"), last.id)
    return page


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
