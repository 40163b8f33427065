"""Pages: the deciders' queue, a request's detail and decisions, my requests, delegations, certificates."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ess.approvals import queue as queues
from ess.approvals import services
from ess.approvals.certificate import LANGUAGES, PURPOSES
from ess.approvals.labels import EVENT_LABELS, STATE_LABELS, STEP_LABELS
from ess.approvals.models import AlreadyDecided, ApprovalRequest, Delegation
from ess.approvals.registry import all_kinds, get_kind
from ess.db import db
from ess.errors import DomainError
from ess.people.directory import department_options
from ess.security import allow

bp = Blueprint("approvals", __name__)


def get_request(request_id: int) -> ApprovalRequest:
    """The request, or 404 when it does not exist and 403 when this person may not see it."""
    approval = db.session.get(ApprovalRequest, request_id)
    if approval is None:
        abort(404)
    if not services.can_view(approval, current_user):
        abort(403)
    return approval


def _me():
    return current_user._get_current_object()


def _version() -> int | None:
    return request.form.get("version", type=int)


def _filters() -> queues.QueueFilters:
    args = request.args
    return queues.QueueFilters(
        state=args.get("state") or "pending",
        kind=args.get("kind") or None,
        department_id=args.get("department", type=int),
        requester=(args.get("requester") or "").strip() or None,
        min_age_days=args.get("min_age", type=int),
        newest_first=args.get("sort") == "newest",
        after=args.get("after"),
    )


@bp.get("/approvals")
@allow("employee")
def index():
    filters = _filters()
    page = queues.queue(_me(), filters)
    return render_template("approvals/queue.html", page=page, filters=filters, kinds=all_kinds(),
                           department_options=department_options(filters.department_id),
                           state_labels=STATE_LABELS, get_kind=get_kind)


def render_detail(approval: ApprovalRequest, *, error: DomainError | None = None, typed: dict | None = None,
                  status: int = 200):
    kind = get_kind(approval.kind)
    return render_template(
        "approvals/detail.html", approval=approval, kind=kind, description=kind.describe(approval),
        can_decide=services.can_decide(approval, _me()), me=_me(), error=error, typed=typed or {},
        state_labels=STATE_LABELS, step_labels=STEP_LABELS, event_labels=EVENT_LABELS,
    ), status


@bp.get("/approvals/<int:request_id>")
@allow("employee")
def detail(request_id: int):
    return render_detail(get_request(request_id))


def _act(request_id: int, action, done_message: str, **fields):
    """Run one decision; on refusal show the page again with the message and what was typed."""
    approval = get_request(request_id)
    try:
        action(request_id, actor=_me(), expected_version=_version(), **fields)
    except AlreadyDecided as error:
        db.session.rollback()
        return render_detail(get_request(request_id), error=error, status=409)
    except DomainError as error:
        db.session.rollback()
        if error.status == 403:
            abort(403)
        return render_detail(approval, error=error, typed=request.form, status=error.status)
    db.session.commit()
    flash(done_message, "success")
    return redirect(url_for("approvals.detail", request_id=request_id))


@bp.post("/approvals/<int:request_id>/approve")
@allow("employee")
def approve(request_id: int):
    return _act(request_id, services.approve, _("Approved."), comment=request.form.get("comment"))


@bp.post("/approvals/<int:request_id>/reject")
@allow("employee")
def reject(request_id: int):
    return _act(request_id, services.reject, _("Rejected."), reason=request.form.get("reason", ""))


@bp.post("/approvals/<int:request_id>/send-back")
@allow("employee")
def send_back(request_id: int):
    return _act(request_id, services.send_back, _("Your question was sent to the requester."),
                question=request.form.get("question", ""))


@bp.post("/approvals/<int:request_id>/answer")
@allow("employee")
def answer(request_id: int):
    return _act(request_id, services.answer, _("Your answer was sent; the decision continues."),
                text=request.form.get("answer", ""))


@bp.post("/approvals/<int:request_id>/withdraw")
@allow("employee")
def withdraw(request_id: int):
    return _act(request_id, services.withdraw, _("You withdrew the request."))


@bp.post("/approvals/<int:request_id>/cancel")
@allow("hr", "admin")
def cancel(request_id: int):
    return _act(request_id, services.cancel, _("The request was cancelled."), reason=request.form.get("reason", ""))


@bp.post("/approvals/<int:request_id>/comment")
@allow("employee")
def comment(request_id: int):
    approval = get_request(request_id)
    try:
        services.comment_on(request_id, actor=_me(), text=request.form.get("comment", ""))
    except DomainError as error:
        db.session.rollback()
        return render_detail(approval, error=error, typed=request.form, status=error.status)
    db.session.commit()
    return redirect(url_for("approvals.detail", request_id=request_id) + "#history")


@bp.post("/approvals/bulk-approve")
@allow("employee")
def bulk_approve():
    """Approve the selected rows; each is decided (and audited) on its own, refusals are reported."""
    approved, refused = 0, 0
    for token in request.form.getlist("selected")[:200]:
        try:
            request_id, version = (int(part) for part in token.split(":", 1))
        except ValueError:
            continue
        savepoint = db.session.begin_nested()
        try:
            services.approve(request_id, actor=_me(), expected_version=version)
        except DomainError:
            savepoint.rollback()
            refused += 1
        else:
            savepoint.commit()
            approved += 1
    db.session.commit()
    if approved:
        flash(_("%(count)s requests approved.", count=approved), "success")
    if refused:
        flash(_("%(count)s requests were not approved: they changed meanwhile or are not yours to decide.",
                count=refused), "warning")
    return redirect(url_for("approvals.index"))


@bp.get("/requests")
@allow("employee")
def my_requests():
    state = request.args.get("state") or None
    rows, next_cursor = queues.my_requests(_me(), state=state, after=request.args.get("after"))
    return render_template("approvals/my_requests.html", rows=rows, next_cursor=next_cursor, state=state,
                           state_labels=STATE_LABELS, step_labels=STEP_LABELS, get_kind=get_kind)


@bp.route("/requests/certificate", methods=["GET", "POST"])
@allow("employee")
def request_certificate():
    error, typed = None, request.form
    if request.method == "POST":
        payload = {
            "purpose": typed.get("purpose"),
            "language": typed.get("language"),
            "copies": typed.get("copies", type=int),
            "note": (typed.get("note") or "").strip()[:2000],
        }
        try:
            approval = services.submit("employment_certificate", requester=_me(), subject_type="employee",
                                       subject_id=_me().id, payload=payload, actor=_me())
        except DomainError as refusal:
            db.session.rollback()
            error = refusal
        else:
            db.session.commit()
            flash(_("Your request was sent to HR."), "success")
            return redirect(url_for("approvals.detail", request_id=approval.id))
    return render_template("approvals/certificate_form.html", error=error, typed=typed, purposes=PURPOSES,
                           languages=LANGUAGES), (422 if error else 200)


@bp.route("/approvals/delegations", methods=["GET", "POST"])
@allow("employee")
def delegations():
    error, typed = None, request.form
    if request.method == "POST":
        try:
            starts_on = _date_field("starts_on")
            ends_on = _date_field("ends_on")
            services.delegate(actor=_me(), delegate_no=typed.get("delegate", ""), starts_on=starts_on,
                              ends_on=ends_on)
        except DomainError as refusal:
            db.session.rollback()
            error = refusal
        else:
            db.session.commit()
            flash(_("Your cover is set."), "success")
            return redirect(url_for("approvals.delegations"))
    mine = db.session.scalars(
        db.select(Delegation).where(Delegation.delegator_id == current_user.id).order_by(Delegation.starts_on)).all()
    covering = db.session.scalars(
        db.select(Delegation).where(Delegation.delegate_id == current_user.id).order_by(Delegation.starts_on)).all()
    return render_template("approvals/delegations.html", mine=mine, covering=covering, error=error,
                           typed=typed), (422 if error else 200)


@bp.post("/approvals/delegations/<int:delegation_id>/end")
@allow("employee")
def end_delegation(delegation_id: int):
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.delegator_id != current_user.id:
        abort(404)
    services.end_delegation(delegation, actor=_me())
    db.session.commit()
    flash(_("The cover was ended."), "success")
    return redirect(url_for("approvals.delegations"))


def _date_field(name: str) -> date:
    raw = (request.form.get(name) or "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(_("Enter a date as YYYY-MM-DD."), field=name, code="invalid_date") from None
