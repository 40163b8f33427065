"""Use cases of the approval engine: submit, decide, send back, answer, withdraw, cancel, delegate.

Every function takes the acting person, flushes and never commits; the caller commits once. Mails go
to the outbox in the same transaction (ess.approvals.mails), and so do webhooks for decided requests.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ess import audit, clock
from ess.approvals import mails
from ess.approvals.models import (
    AlreadyDecided,
    ApprovalEvent,
    ApprovalRequest,
    ApprovalState,
    ApprovalStep,
    DeciderKind,
    Delegation,
    StepState,
)
from ess.approvals.policy import approval_policy
from ess.approvals.registry import get_kind
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee, EmployeeStatus
from ess.webhooks import services as webhooks

MAX_COMMENT = 4000


# Submitting -------------------------------------------------------------------------------------------
def submit(kind: str, *, requester: Employee, subject_type: str, subject_id, payload: dict, actor: Employee,
           summary: str = "") -> ApprovalRequest:
    """Create a pending request with its chain of steps, after the kind's own validation."""
    request_kind = get_kind(kind)
    request = ApprovalRequest(kind=kind, subject_type=subject_type, subject_id=str(subject_id),
                              requester=requester, payload=payload or {}, summary=summary[:300])
    request_kind.validate(request)
    db.session.add(request)
    facts = request_kind.chain_facts(request) if request_kind.chain_facts else {}
    _build_steps(request, facts or {})
    if not request.summary:
        request.summary = str(request_kind.describe(request).summary)[:300]
    _event(request, actor, "submitted")
    db.session.flush()
    audit.record("approval.submitted", actor=actor, subject=request, changes={"kind": kind})
    mails.submitted(request)
    _advance(request, actor)
    return request


def _build_steps(request: ApprovalRequest, facts: dict) -> None:
    requester = request.requester
    position = 0
    for rule in approval_policy().chain(request.kind):
        if not rule.applies(facts):
            continue
        step = ApprovalStep(position=position, decider_kind=rule.decider, role=rule.role)
        if rule.decider is DeciderKind.manager:
            manager = requester.manager
            if manager is None or manager.id == requester.id or manager.status is not EmployeeStatus.active:
                step.state = StepState.skipped
            else:
                step.decider = manager
        elif rule.decider is DeciderKind.person:
            person = db.session.scalar(select(Employee).where(Employee.employee_no == rule.employee_no))
            if person is None or person.id == requester.id or not person.is_active:
                step.state = StepState.skipped
            else:
                step.decider = person
        request.steps.append(step)
        position += 1
    if all(step.state is StepState.skipped for step in request.steps):
        # Someone must decide: with every step skipped, HR does.
        request.steps.append(ApprovalStep(position=position, decider_kind=DeciderKind.role, role="hr"))


def _advance(request: ApprovalRequest, actor: Employee) -> None:
    """Move to the next undecided step, or apply the request when none is left."""
    for step in request.steps:
        if step.state is StepState.waiting:
            step.reach()
            db.session.flush()
            mails.step_reached(request, step)
            return
        if step.state in (StepState.pending, StepState.returned):
            return
    request.finish(ApprovalState.approved)
    get_kind(request.kind).apply(request, actor)
    _event(request, actor, "applied")
    mails.decided(request)
    webhooks.request_decided(request, actor)


# Who may decide ---------------------------------------------------------------------------------------
def delegators_query(user: Employee, day: date | None = None):
    """SELECT of the ids of people whose steps `user` covers on `day` (today), to nest in another query."""
    day = day or clock.today()
    return select(Delegation.delegator_id).where(
        Delegation.delegate_id == user.id, Delegation.starts_on <= day, Delegation.ends_on >= day
    )


def delegators_of(user: Employee, day: date | None = None) -> list[int]:
    """Ids of people whose steps `user` covers today."""
    return list(db.session.scalars(delegators_query(user, day)))


def deciding_capacity(step: ApprovalStep, user: Employee) -> tuple[bool, Employee | None]:
    """(may decide, on behalf of whom). The requester never decides their own request."""
    if step.state is not StepState.pending or user.id == step.request.requester_id or not user.is_active:
        return False, None
    if step.decider_kind is DeciderKind.role:
        return step.role in user.roles, None
    if step.decider_id == user.id:
        return True, None
    if step.decider_id in delegators_of(user):
        return True, step.decider
    return False, None


def can_decide(request: ApprovalRequest, user: Employee) -> bool:
    step = request.current_step
    return request.is_pending and step is not None and deciding_capacity(step, user)[0]


def can_view(request: ApprovalRequest, user: Employee) -> bool:
    if user.id == request.requester_id or {"hr", "admin"} & user.roles:
        return True
    covered = None
    for step in request.steps:
        if step.decided_by_id == user.id or step.decider_id == user.id:
            return True
        if step.decider_kind is DeciderKind.role and step.role in user.roles:
            return True
        if step.decider_id is not None:
            covered = covered if covered is not None else set(delegators_of(user))
            if step.decider_id in covered:
                return True
    return False


# Deciding ---------------------------------------------------------------------------------------------
def load_for_decision(request_id: int, expected_version: int | None) -> ApprovalRequest:
    """The request, locked against concurrent deciders (PostgreSQL row lock; version check everywhere)."""
    request = db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.id == request_id)
        .options(selectinload(ApprovalRequest.steps))
        .with_for_update(of=ApprovalRequest)
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise DomainError(_l("No such request."), code="not_found", status=404)
    if not request.is_pending or (expected_version is not None and request.version != expected_version):
        raise AlreadyDecided()
    return request


def _claim(request: ApprovalRequest) -> None:
    """Write the decision's change to the request row first: a concurrent decider loses here, cleanly,
    before anything else (mails, the domain's apply) has happened."""
    request.touch()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise AlreadyDecided() from None
    except OperationalError as error:
        # SQLite refuses a write from a transaction whose snapshot another writer overtook.
        if "locked" not in str(error).lower():
            raise
        db.session.rollback()
        raise AlreadyDecided() from None


def _decider_step(request: ApprovalRequest, actor: Employee) -> tuple[ApprovalStep, Employee | None]:
    step = request.current_step
    if step is None or step.state is not StepState.pending:
        raise AlreadyDecided()
    allowed, on_behalf_of = deciding_capacity(step, actor)
    if not allowed:
        raise DomainError(_l("You cannot decide this request."), code="forbidden", status=403)
    return step, on_behalf_of


def _clean_comment(text: str | None, *, required: bool, field: str) -> str | None:
    text = (text or "").strip()
    if required and not text:
        messages = {"reason": _l("Give a reason."), "question": _l("Write your question."),
                    "answer": _l("Write your answer.")}
        raise DomainError(messages.get(field, _l("This field is required.")), field=field, code="required")
    if len(text) > MAX_COMMENT:
        raise DomainError(_l("Keep it under 4,000 characters."), field=field, code="too_long")
    return text or None


def approve(request_id: int, *, actor: Employee, expected_version: int | None = None,
            comment: str | None = None) -> ApprovalRequest:
    comment = _clean_comment(comment, required=False, field="comment")
    request = load_for_decision(request_id, expected_version)
    step, on_behalf_of = _decider_step(request, actor)
    step.decide(StepState.approved, actor, on_behalf_of, comment)
    _claim(request)
    _event(request, actor, "approved", step, comment, on_behalf_of)
    _audit_decision(request, step, actor, on_behalf_of, "approved")
    _advance(request, actor)
    db.session.flush()
    return request


def reject(request_id: int, *, actor: Employee, reason: str, expected_version: int | None = None) -> ApprovalRequest:
    reason = _clean_comment(reason, required=True, field="reason")
    request = load_for_decision(request_id, expected_version)
    step, on_behalf_of = _decider_step(request, actor)
    step.decide(StepState.rejected, actor, on_behalf_of, reason)
    request.finish(ApprovalState.rejected)
    _claim(request)
    _event(request, actor, "rejected", step, reason, on_behalf_of)
    kind = get_kind(request.kind)
    if kind.on_reject:
        kind.on_reject(request, actor)
    _audit_decision(request, step, actor, on_behalf_of, "rejected")
    mails.decided(request)
    webhooks.request_decided(request, actor)
    db.session.flush()
    return request


def send_back(request_id: int, *, actor: Employee, question: str,
              expected_version: int | None = None) -> ApprovalRequest:
    question = _clean_comment(question, required=True, field="question")
    request = load_for_decision(request_id, expected_version)
    step, on_behalf_of = _decider_step(request, actor)
    step.state = StepState.returned
    _claim(request)
    _event(request, actor, "sent_back", step, question, on_behalf_of)
    _audit_decision(request, step, actor, on_behalf_of, "sent_back")
    mails.sent_back(request, question, actor)
    db.session.flush()
    return request


def answer(request_id: int, *, actor: Employee, text: str, expected_version: int | None = None) -> ApprovalRequest:
    text = _clean_comment(text, required=True, field="answer")
    request = load_for_decision(request_id, expected_version)
    if not request.can_answer(actor):
        raise DomainError(_l("Only the requester can answer, while a question is open."), code="forbidden",
                          status=403)
    step = request.current_step
    step.state = StepState.pending
    step.reached_at = clock.now()
    _claim(request)
    _event(request, actor, "answered", step, text)
    mails.step_reached(request, step)
    db.session.flush()
    return request


def withdraw(request_id: int, *, actor: Employee, expected_version: int | None = None) -> ApprovalRequest:
    request = load_for_decision(request_id, expected_version)
    if not request.can_withdraw(actor):
        raise DomainError(_l("Only the requester can withdraw a pending request."), code="forbidden", status=403)
    request.finish(ApprovalState.withdrawn)
    _claim(request)
    _event(request, actor, "withdrawn")
    kind = get_kind(request.kind)
    if kind.on_withdraw:
        kind.on_withdraw(request, actor)
    audit.record("approval.withdrawn", actor=actor, subject=request)
    webhooks.request_decided(request, actor)
    db.session.flush()
    return request


def cancel(request_id: int, *, actor: Employee, reason: str, expected_version: int | None = None) -> ApprovalRequest:
    """HR (or a domain on their behalf) ends a pending request that no longer makes sense."""
    reason = _clean_comment(reason, required=True, field="reason")
    request = load_for_decision(request_id, expected_version)
    if not {"hr", "admin"} & actor.roles:
        raise DomainError(_l("Only HR can cancel a request."), code="forbidden", status=403)
    request.finish(ApprovalState.cancelled)
    _claim(request)
    _event(request, actor, "cancelled", comment=reason)
    kind = get_kind(request.kind)
    if kind.on_cancel:
        kind.on_cancel(request, actor)
    audit.record("approval.cancelled", actor=actor, subject=request, changes={"reason": reason})
    mails.decided(request)
    webhooks.request_decided(request, actor)
    db.session.flush()
    return request


def comment_on(request_id: int, *, actor: Employee, text: str) -> ApprovalRequest:
    text = _clean_comment(text, required=True, field="comment")
    request = db.session.get(ApprovalRequest, request_id)
    if request is None or not can_view(request, actor):
        raise DomainError(_l("No such request."), code="not_found", status=404)
    _event(request, actor, "commented", comment=text)
    db.session.flush()
    return request


def _event(request, actor, action, step=None, comment=None, on_behalf_of=None) -> None:
    request.events.append(ApprovalEvent(
        actor=actor, action=action, step_position=step.position if step else None, comment=comment,
        on_behalf_of=on_behalf_of,
    ))


def _audit_decision(request, step, actor, on_behalf_of, action) -> None:
    audit.record(f"approval.{action}", actor=actor, subject=request, changes={
        "kind": request.kind, "step": step.position,
        "on_behalf_of": on_behalf_of.employee_no if on_behalf_of else None,
    })


# Lookups for domains -----------------------------------------------------------------------------------
def request_for_subject(subject_type: str, subject_id) -> ApprovalRequest | None:
    return db.session.scalar(
        select(ApprovalRequest)
        .where(ApprovalRequest.subject_type == subject_type, ApprovalRequest.subject_id == str(subject_id))
        .order_by(ApprovalRequest.id.desc())
        .limit(1)
    )


def pending_for_subject(subject_type: str, subject_id) -> list[ApprovalRequest]:
    return list(db.session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.subject_type == subject_type, ApprovalRequest.subject_id == str(subject_id),
               ApprovalRequest.state == ApprovalState.pending)
        .order_by(ApprovalRequest.id)
    ))


# Delegation -------------------------------------------------------------------------------------------
def delegate(*, actor: Employee, delegate_no: str, starts_on: date, ends_on: date) -> Delegation:
    person = db.session.scalar(select(Employee).where(Employee.employee_no == (delegate_no or "").strip()))
    if person is None or not person.is_active:
        raise DomainError(_l("No active employee has this employee number."), field="delegate", code="not_found")
    if person.id == actor.id:
        raise DomainError(_l("You cannot delegate to yourself."), field="delegate", code="self")
    if ends_on < starts_on:
        raise DomainError(_l("The end date is before the start date."), field="ends_on", code="range")
    if ends_on < clock.today():
        raise DomainError(_l("The cover period is already over."), field="ends_on", code="past")
    delegation = Delegation(delegator=actor, delegate=person, starts_on=starts_on, ends_on=ends_on)
    db.session.add(delegation)
    db.session.flush()
    audit.record("approval.delegated", actor=actor, subject=delegation, changes={
        "delegate": person.employee_no, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()})
    return delegation


def end_delegation(delegation: Delegation, *, actor: Employee) -> None:
    if delegation.delegator_id != actor.id:
        raise DomainError(_l("No such delegation."), code="not_found", status=404)
    audit.record("approval.delegation_ended", actor=actor, subject=delegation,
                 changes={"delegate": delegation.delegate.employee_no})
    db.session.delete(delegation)
    db.session.flush()
