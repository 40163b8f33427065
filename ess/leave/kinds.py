"""The request kinds `leave` and `leave_cancellation`, registered with the approval engine."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ess.approvals.registry import Description, RequestKind, register_kind
from ess.db import db
from ess.errors import DomainError
from ess.leave import services
from ess.leave.models import LeaveRequest, RequestState
from ess.leave.policy import leave_policy


def _subject(request) -> LeaveRequest:
    leave_request = db.session.get(LeaveRequest, int(request.subject_id))
    if leave_request is None:
        raise DomainError(_l("The leave request no longer exists."), code="not_found", status=404)
    return leave_request


def _period(leave_request: LeaveRequest) -> str:
    text = leave_request.start_date.isoformat()
    if leave_request.start_half:
        text += " " + str(_l("(afternoon)"))
    if leave_request.end_date != leave_request.start_date or leave_request.end_half:
        text += " – " + leave_request.end_date.isoformat()
        if leave_request.end_half:
            text += " " + str(_l("(morning)"))
    return text


def _type_name(code: str) -> str:
    from flask_babel import get_locale

    kind = leave_policy().type(code)
    return kind.name(str(get_locale() or "ko")) if kind else code


def validate(request) -> None:
    leave_request = _subject(request)
    if leave_request.state is not RequestState.pending:
        raise DomainError(_l("This leave request is no longer pending."), code="not_pending")


def describe(request) -> Description:
    leave_request = _subject(request)
    summary = _l("%(type)s, %(period)s (%(days)s days)", type=_type_name(leave_request.leave_type),
                 period=_period(leave_request), days=f"{leave_request.days:g}")
    rows = [(_l("Leave type"), None, _type_name(leave_request.leave_type)),
            (_l("Dates"), None, _period(leave_request)),
            (_l("Days"), None, f"{leave_request.days:g}")]
    kind = leave_policy().type(leave_request.leave_type)
    warnings = []
    if kind and kind.tracks_balance:
        current = services.balance(leave_request.employee, leave_request.leave_type)
        # The request's own reservation is part of `pending`: "before" is what is left without it.
        before = current.available + (leave_request.days if leave_request.state is RequestState.pending else 0)
        after = before - leave_request.days if leave_request.state is RequestState.pending else current.available
        rows.append((_l("Balance"), f"{before:g}", f"{after:g}"))
        if after < 0:
            warnings.append(_l("This request takes the balance below zero."))
    if leave_request.reason:
        rows.append((_l("Reason"), None, leave_request.reason))
    if leave_request.attachment:
        rows.append((_l("Document"), None, leave_request.attachment.filename))
    return Description(summary=str(summary), rows=rows, warnings=warnings)


def chain_facts(request) -> dict:
    leave_request = _subject(request)
    return {"days": float(leave_request.days), "leave_type": leave_request.leave_type}


def apply(request, actor) -> None:
    services.approve(_subject(request), actor)


def _release(state: RequestState):
    def hook(request, actor) -> None:
        leave_request = _subject(request)
        if leave_request.state is RequestState.pending:
            services.release(leave_request, state, actor)
    return hook


# Cancelling approved leave ------------------------------------------------------------------------------
def validate_cancellation(request) -> None:
    if _subject(request).state is not RequestState.approved:
        raise DomainError(_l("Only approved leave can be cancelled."), code="not_approved")


def describe_cancellation(request) -> Description:
    leave_request = _subject(request)
    refund = float(request.payload.get("refund", 0))
    summary = _l("Cancel %(type)s, %(period)s (%(days)s days back)", type=_type_name(leave_request.leave_type),
                 period=_period(leave_request), days=f"{refund:g}")
    rows = [(_l("Leave type"), None, _type_name(leave_request.leave_type)),
            (_l("Dates"), _period(leave_request), None),
            (_l("Days given back"), None, f"{refund:g}")]
    if request.payload.get("cancel_reason"):
        rows.append((_l("Reason"), None, request.payload["cancel_reason"]))
    return Description(summary=str(summary), rows=rows)


def cancellation_facts(request) -> dict:
    leave_request = _subject(request)
    return {"days": float(request.payload.get("refund", 0)), "leave_type": leave_request.leave_type}


def apply_cancellation(request, actor) -> None:
    services.apply_cancellation(_subject(request), float(request.payload.get("refund", 0)), actor)


register_kind(RequestKind(
    name="leave", label=_l("Leave"), validate=validate, apply=apply, describe=describe,
    on_reject=_release(RequestState.rejected), on_withdraw=_release(RequestState.withdrawn),
    on_cancel=_release(RequestState.cancelled), chain_facts=chain_facts,
))
register_kind(RequestKind(
    name="leave_cancellation", label=_l("Leave cancellation"), validate=validate_cancellation,
    apply=apply_cancellation, describe=describe_cancellation, chain_facts=cancellation_facts,
))
