"""Benefits pages: my benefits, choosing a plan with its monthly cost, reporting a life event, and HR's report
with the insurer and payroll exports."""
from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from ess import clock
from ess.benefits import kinds, services
from ess.benefits.forms import EnrolForm, LifeEventForm, parse_month
from ess.benefits.models import BenefitEnrolment, LifeEvent
from ess.benefits.policy import benefits_policy
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee
from ess.security import allow, require

bp = Blueprint("benefits", __name__, url_prefix="/benefits")


def _me() -> Employee:
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "ko")


def relation_label(relation: str) -> str:
    return services._relation_label(relation)


@bp.app_context_processor
def benefits_helpers():
    return {"won": services.won, "enrolment_names": kinds.names, "enrolment_state_label": services.state_label,
            "benefit_window_label": services.window_label, "relation_label": relation_label}


@bp.get("/")
@allow("employee")
def index():
    me = _me()
    today = clock.today()
    current = services.in_force(me, today)
    current_open, next_open = services.enrolment_status(today)
    events = services.life_events(me)
    policy = benefits_policy()
    return render_template("benefits/index.html", me=me, today=today, current=current,
                           totals=services.monthly_total(current), upcoming=services.upcoming(me, today),
                           pending=services.pending(me), history=services.enrolments(me), events=events,
                           policy=policy, current_open=current_open, next_open=next_open,
                           event_closes={e.id: services.event_closes(e) for e in events})


def _render_enrol(form: EnrolForm, result=None, error: DomainError | None = None, status: int = 200):
    me = _me()
    errors = dict(form.errors)
    if error is not None and error.field:
        errors[error.field] = error.message
    policy = benefits_policy()
    plan = policy.plan(form.typed["plan"])
    open_windows = services.open_windows(me, plan) if plan else []
    return render_template("benefits/enrol.html", form=form, errors=errors, result=result, policy=policy, plan=plan,
                           error=error if error is not None and not error.field else None,
                           dependents=services.dependents(me), windows=open_windows,
                           current=[e for e in services.in_force(me) if plan and e.plan == plan.code],
                           profile_url=_profile_url()), status


def _profile_url() -> str | None:
    """Where dependents are kept (the personal-details pages), when that part of the portal is installed."""
    try:
        return url_for("profile.me")
    except BuildError:
        return None


@bp.get("/enrol")
@allow("employee")
def enrol_form():
    policy = benefits_policy()
    plan = policy.plan(request.args.get("plan")) or next(iter(policy.plans.values()))
    option = next(iter(plan.options.values()))
    form = EnrolForm(typed={"plan": plan.code, "option": option.code, "level": option.levels[0], "window": "",
                            "choice": "enrol", "dependents": [],
                            "coverage": f"{option.code}:{option.levels[0]}"})
    return _render_enrol(form)[0]


@bp.post("/enrol")
@allow("employee")
def enrol():
    form = EnrolForm.parse(request.form)
    me = _me()
    choice = dict(plan=form.typed["plan"], option=form.typed["option"], level=form.typed["level"],
                  dependent_ids=form.typed["dependents"], waive=form.waive, window=form.typed["window"] or None)
    if request.form.get("action") != "submit":
        try:
            result = services.preview(me, **choice)
        except DomainError as error:
            return _render_enrol(form, error=error, status=422)
        return _render_enrol(form, result=result)
    try:
        enrolment = services.submit_enrolment(me, actor=me, **choice)
    except DomainError as error:
        db.session.rollback()
        return _render_enrol(form, error=error, status=error.status)
    db.session.commit()
    flash(_("Your choice was sent to HR for approval: %(summary)s.", summary=kinds.summary(enrolment)), "success")
    return redirect(url_for("benefits.index"))


@bp.get("/enrolments/<int:enrolment_id>")
@allow("employee")
def enrolment(enrolment_id: int):
    item = db.session.get(BenefitEnrolment, enrolment_id)
    if item is None:
        abort(404)
    require(item.can_view(_me()))
    return render_template("benefits/enrolment.html", item=item, previous=services.previous_for(item))


def _render_event(form: LifeEventForm, error: DomainError | None = None, status: int = 200):
    errors = dict(form.errors)
    if error is not None and error.field:
        errors[error.field] = error.message
    return render_template("benefits/life_event.html", form=form, errors=errors, policy=benefits_policy(),
                           error=error if error is not None and not error.field else None), status


@bp.get("/life-events/new")
@allow("employee")
def life_event_form():
    form = LifeEventForm(typed={"kind": request.args.get("kind", ""), "event_date": "", "note": ""})
    return _render_event(form)[0]


@bp.post("/life-events")
@allow("employee")
def report_life_event():
    form = LifeEventForm.parse(request.form)
    if form.errors:
        return _render_event(form, status=422)
    upload = request.files.get("document")
    document = None
    if upload is not None and upload.filename:
        document = services.Document(upload.filename, upload.mimetype or "", upload.read())
    me = _me()
    try:
        event = services.report_life_event(me, kind=form.typed["kind"], event_date=form.event_date,
                                           note=form.typed["note"], document=document, actor=me)
    except DomainError as error:
        db.session.rollback()
        return _render_event(form, error=error, status=error.status)
    db.session.commit()
    flash(_("Thank you. You can change your benefits for this event until %(date)s.",
            date=services.event_closes(event).isoformat()),
          "success")
    return redirect(url_for("benefits.index"))


@bp.get("/life-events/<int:event_id>/document")
@allow("employee")
def life_event_document(event_id: int):
    event = db.session.get(LifeEvent, event_id)
    if event is None or not event.document_name:
        abort(404)
    require(event.can_view(_me()))
    response = Response(event.document_data, mimetype=event.document_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(event.document_name, safe="")
    return response


def _month() -> date:
    first = parse_month(request.args.get("month"))
    if first is None:
        today = clock.today()
        first = date(today.year, today.month, 1)
    return first


@bp.get("/hr")
@allow("hr")
def hr():
    first = _month()
    lines, total, waived = services.report(first)
    current_open, next_open = services.enrolment_status()
    return render_template("benefits/hr.html", first=first, lines=lines, total=total, waived=waived,
                           waiting=services.not_chosen(), current_open=current_open, next_open=next_open,
                           policy=benefits_policy(), recent_events=_recent_events())


def _recent_events() -> list[LifeEvent]:
    from sqlalchemy import select

    return list(db.session.scalars(select(LifeEvent).order_by(LifeEvent.reported_at.desc()).limit(20)))


@bp.get("/hr/export.csv")
@allow("hr")
def export():
    first = _month()
    kind = "payroll" if request.args.get("for") == "payroll" else "insurer"
    header, rows = services.export_rows(first, kind)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=benefits-{kind}-{first.strftime('%Y-%m')}.csv"
    return response
