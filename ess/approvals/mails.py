"""Who is told what about a request; every mail goes to the outbox in the request's transaction."""
from __future__ import annotations

from sqlalchemy import select

from ess import clock
from ess.approvals.labels import STATE_LABELS
from ess.approvals.models import ApprovalRequest, ApprovalStep, DeciderKind, Delegation
from ess.db import db
from ess.notify.services import queue_mail
from ess.people.models import Employee, EmployeeRole, EmployeeStatus


def deciders_of(step: ApprovalStep, requester_id: int) -> list[Employee]:
    """Everyone who may act on a step now: the decider or role holders, plus today's delegates."""
    if step.decider_kind is DeciderKind.role:
        people = list(db.session.scalars(
            select(Employee).join(EmployeeRole).where(
                EmployeeRole.role == step.role, Employee.status == EmployeeStatus.active,
                Employee.id != requester_id)
        ))
    else:
        people = [step.decider] if step.decider else []
        today = clock.today()
        people += list(db.session.scalars(
            select(Employee).join(Delegation, Delegation.delegate_id == Employee.id).where(
                Delegation.delegator_id == step.decider_id, Delegation.starts_on <= today,
                Delegation.ends_on >= today, Employee.status == EmployeeStatus.active)
        ))
    return people


def _link(request: ApprovalRequest) -> str:
    return f"/approvals/{request.id}"


def submitted(request: ApprovalRequest) -> None:
    queue_mail(request.requester, "approvals/submitted", topic="approval.submitted", request=request,
               link=f"/requests#request-{request.id}")


def step_reached(request: ApprovalRequest, step: ApprovalStep) -> None:
    for person in deciders_of(step, request.requester_id):
        queue_mail(person, "approvals/step_reached", topic="approval.step_reached", request=request, step=step,
                   link=_link(request))


def decided(request: ApprovalRequest) -> None:
    queue_mail(request.requester, "approvals/decided", topic="approval.decided", request=request,
               state_label=STATE_LABELS[request.state], link=_link(request))


def sent_back(request: ApprovalRequest, question: str, asker: Employee) -> None:
    queue_mail(request.requester, "approvals/sent_back", topic="approval.sent_back", request=request,
               question=question, asker=asker, link=_link(request))


def overdue(request: ApprovalRequest, step: ApprovalStep, person: Employee, age_days: int) -> None:
    queue_mail(person, "approvals/overdue", topic="approval.overdue", request=request, step=step,
               age_days=age_days, link=_link(request))
