"""/api/v1/approvals: my queue, and approve/reject. A decision is a person's: service tokens get no scope here."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort
from flask_login import current_user
from pydantic import BaseModel, Field

from ess.api.spec import operation, parse_body, parse_query, respond
from ess.approvals import queue as queues
from ess.approvals import services
from ess.approvals.models import ApprovalRequest
from ess.db import db
from ess.security import allow

bp = Blueprint("approvals_api", __name__, url_prefix="/api/v1")


class QueueQuery(BaseModel):
    state: str = Field("pending", pattern="^(pending|approved|rejected|withdrawn|cancelled)$")
    kind: str | None = Field(None, max_length=64)
    after: str | None = Field(None, max_length=64)


class Person(BaseModel):
    employee_no: str
    name: str


class QueueItem(BaseModel):
    id: int
    kind: str
    summary: str
    state: str
    version: int
    requester: Person
    created_at: datetime
    step: int
    age_working_days: int
    overdue: bool


class QueueResponse(BaseModel):
    approvals: list[QueueItem]
    next: str | None


class ApproveBody(BaseModel):
    version: int | None = None
    comment: str | None = Field(None, max_length=4000)


class RejectBody(BaseModel):
    reason: str = Field(..., min_length=1, max_length=4000)
    version: int | None = None


class DecisionResponse(BaseModel):
    id: int
    state: str
    version: int


@bp.get("/approvals")
@allow("employee")
@operation("Requests waiting for my decision (state=pending) or that I decided", query=QueueQuery,
           response=QueueResponse, errors=(422,), tags=("approvals",))
def queue():
    query = parse_query(QueueQuery)
    page = queues.queue(current_user._get_current_object(),
                        queues.QueueFilters(state=query.state, kind=query.kind, after=query.after))
    return respond(QueueResponse(
        approvals=[QueueItem(
            id=row.request_id, kind=row.kind, summary=row.summary, state=row.state.value, version=row.version,
            requester=Person(employee_no=row.requester_no, name=row.requester_name),
            created_at=row.created_at, step=row.step_position, age_working_days=row.age_working_days,
            overdue=row.overdue,
        ) for row in page.rows],
        next=page.next_cursor,
    ))


def _visible(request_id: int) -> None:
    approval = db.session.get(ApprovalRequest, request_id)
    if approval is None or not services.can_view(approval, current_user):
        abort(404)


def _decided(approval: ApprovalRequest):
    db.session.commit()
    return respond(DecisionResponse(id=approval.id, state=approval.state.value, version=approval.version))


@bp.post("/approvals/<int:request_id>/approve")
@allow("employee")
@operation("Approve the step waiting for me", body=ApproveBody, response=DecisionResponse,
           errors=(404, 409, 415, 422), tags=("approvals",))
def approve(request_id: int):
    body = parse_body(ApproveBody)
    _visible(request_id)
    approval = services.approve(request_id, actor=current_user._get_current_object(),
                                expected_version=body.version, comment=body.comment)
    return _decided(approval)


@bp.post("/approvals/<int:request_id>/reject")
@allow("employee")
@operation("Reject the step waiting for me (a reason is required)", body=RejectBody, response=DecisionResponse,
           errors=(404, 409, 415, 422), tags=("approvals",))
def reject(request_id: int):
    body = parse_body(RejectBody)
    _visible(request_id)
    approval = services.reject(request_id, actor=current_user._get_current_object(), reason=body.reason,
                               expected_version=body.version)
    return _decided(approval)
