"""Leave pages: my leave, a new request with a preview, the team calendar, HR reports and adjustments,
and the iCalendar feeds at a secret URL."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ess import clock
from ess.db import db
from ess.errors import DomainError
from ess.leave import ical, services
from ess.leave.forms import AdjustmentForm, RequestForm, parse_date
from ess.leave.models import LeaveRequest, RequestState
from ess.leave.policy import leave_policy
from ess.people.models import Employee
from ess.security import ANONYMOUS, allow, require

bp = Blueprint("leave", __name__, url_prefix="/leave")


def _me() -> Employee:
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "ko")


def type_name(code: str) -> str:
    kind = leave_policy().type(code)
    return kind.name(_locale()) if kind else code


def ledger_label(row) -> str:
    """What a ledger line is, in words."""
    note = row.note or ""
    if row.kind == "grant":
        if note.startswith("month:"):
            return _("First-year leave for month %(n)s", n=note.split(":")[1])
        if note.startswith("anniversary:"):
            return _("Annual leave for year %(n)s of service", n=note.split(":")[1])
        if note.startswith("fiscal:"):
            return _("Annual leave for fiscal year %(n)s of service", n=note.split(":")[1])
        if note == "prorated":
            return _("Pro-rated grant for the first period")
        return _("Grant")
    return {"carry_over": _("Carried over"), "use": _("Leave taken"), "expiry": _("Expired unused"),
            "cancellation": _("Cancelled leave given back"), "adjustment": _("Adjustment by HR")}.get(row.kind, row.kind)


@bp.app_context_processor
def leave_helpers():
    return {"leave_type_name": type_name, "leave_state_label": services.state_label,
            "leave_summary_for": services.home_summary, "ledger_label": ledger_label,
            "one_day": timedelta(days=1)}


def _own_request(request_id: int) -> LeaveRequest:
    leave_request = db.session.get(LeaveRequest, request_id)
    if leave_request is None:
        abort(404)
    require(leave_request.employee_id == _me().id)
    return leave_request


@bp.get("/")
@allow("employee")
def index():
    me = _me()
    as_of = parse_date(request.args.get("as_of")) or clock.today()
    token = services.feed_token(me)
    page = render_template("leave/index.html", me=me, as_of=as_of, balances=services.balances(me, as_of),
                           requests=services.my_requests(me), token=token.token, today=clock.today(),
                           is_manager="manager" in me.roles)
    # The feed token is made on first visit. Committing after rendering: a commit expires every loaded
    # row, and the page would read them all again.
    db.session.commit()
    return page


def _render_form(form: RequestForm, preview=None, error: DomainError | None = None, status: int = 200):
    errors = dict(form.errors)
    if error is not None and error.field:
        errors[error.field] = error.message
    return render_template("leave/new.html", form=form, errors=errors, preview=preview,
                           error=error if error is not None and not error.field else None,
                           types=leave_policy().types.values(), policy=leave_policy()), status


@bp.get("/new")
@allow("employee")
def new():
    today = clock.today().isoformat()
    form = RequestForm(typed={"leave_type": request.args.get("leave_type", "annual"),
                              "start": request.args.get("start", today), "end": request.args.get("end", today),
                              "reason": "", "start_half": False, "end_half": False})
    return _render_form(form)[0]


@bp.post("/new")
@allow("employee")
def create():
    form = RequestForm.parse(request.form)
    if form.errors:
        return _render_form(form, status=422)
    me = _me()
    if request.form.get("action") == "preview":
        try:
            result = services.preview(me, leave_type=form.leave_type, start=form.start, end=form.end,
                                      start_half=form.start_half, end_half=form.end_half, language=_locale())
        except DomainError as error:
            return _render_form(form, error=error, status=422)
        return _render_form(form, preview=result)
    upload = request.files.get("attachment")
    document = None
    if upload is not None and upload.filename:
        document = services.Document(upload.filename, upload.mimetype or "", upload.read())
    try:
        leave_request = services.submit_request(
            me, leave_type=form.leave_type, start=form.start, end=form.end, start_half=form.start_half,
            end_half=form.end_half, reason=form.reason, document=document, actor=me)
    except DomainError as error:
        db.session.rollback()
        return _render_form(form, error=error, status=error.status)
    db.session.commit()
    flash(_("Your request for %(days)s days was sent for approval.", days=f"{leave_request.days:g}"), "success")
    return redirect(url_for("leave.index"))


@bp.post("/requests/<int:request_id>/withdraw")
@allow("employee")
def withdraw(request_id: int):
    leave_request = _own_request(request_id)
    try:
        services.withdraw(leave_request, actor=_me())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("leave.index"))
    db.session.commit()
    flash(_("The request was withdrawn; its days are free again."), "success")
    return redirect(url_for("leave.index"))


@bp.post("/requests/<int:request_id>/cancel")
@allow("employee")
def cancel(request_id: int):
    leave_request = _own_request(request_id)
    try:
        services.request_cancellation(leave_request, reason=request.form.get("reason", ""), actor=_me())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for("leave.index"))
    db.session.commit()
    flash(_("The cancellation was sent for approval; the days come back when it is approved."), "success")
    return redirect(url_for("leave.index"))


@bp.get("/requests/<int:request_id>/document")
@allow("employee")
def document(request_id: int):
    leave_request = db.session.get(LeaveRequest, request_id)
    if leave_request is None or leave_request.attachment is None:
        abort(404)
    require(leave_request.can_view(_me()))
    attachment = leave_request.attachment
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + _quote(attachment.filename)
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _month(text: str | None) -> date:
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        if not 1970 <= year <= 2199:
            raise ValueError(year)
        return date(year, month, 1)
    except ValueError:
        today = clock.today()
        return date(today.year, today.month, 1)


@bp.get("/team")
@allow("manager")
def team():
    me = _me()
    first = _month(request.args.get("month"))
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    members = services.team_members(me)
    leave = services.leave_between([m.id for m in members], first, last)
    calendar = leave_policy().calendar_for(me, _locale())
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    away: dict[date, list[LeaveRequest]] = {day: [] for day in days}
    for item in leave:
        for day in days:
            if item.start_date <= day <= item.end_date:
                away[day].append(item)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    return render_template("leave/team.html", first=first, days=days, away=away, members=members, weekdays=weekdays,
                           calendar=calendar, previous=previous, following=following, today=clock.today(),
                           token=services.feed_token(me).token)


@bp.get("/reports")
@allow("hr")
def reports():
    as_of = parse_date(request.args.get("as_of")) or clock.today()
    rows = services.report(as_of)
    kinds = [t for t in leave_policy().types.values() if t.tracks_balance]
    by_department: dict[str, dict[str, float]] = {}
    for row in rows:
        name = row.employee.department.name if row.employee.department else "—"
        totals = by_department.setdefault(name, {"people": 0})
        totals["people"] += 1
        for code, days in row.used_in_year.items():
            totals[code] = totals.get(code, 0) + days
        for code, result in row.balances.items():
            totals[f"available:{code}"] = totals.get(f"available:{code}", 0) + result.available
    return render_template("leave/reports.html", rows=rows, kinds=kinds, as_of=as_of, by_department=by_department,
                           all_types=list(leave_policy().types.values()))


@bp.get("/reports.csv")
@allow("hr")
def reports_csv():
    as_of = parse_date(request.args.get("as_of")) or clock.today()
    kinds = [t for t in leave_policy().types.values() if t.tracks_balance]
    all_types = list(leave_policy().types.values())
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["employee_no", "name", "department"]
    for kind in kinds:
        header += [f"{kind.code}_granted", f"{kind.code}_used", f"{kind.code}_pending", f"{kind.code}_available"]
    header += [f"{kind.code}_taken_{as_of.year}" for kind in all_types]
    writer.writerow(header)
    for row in services.report(as_of):
        line = [row.employee.employee_no, row.employee.name,
                row.employee.department.name if row.employee.department else ""]
        for kind in kinds:
            result = row.balances[kind.code]
            line += [f"{result.granted:g}", f"{result.used:g}", f"{result.pending:g}", f"{result.available:g}"]
        line += [f"{row.used_in_year.get(kind.code, 0):g}" for kind in all_types]
        writer.writerow(line)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=leave-{as_of.isoformat()}.csv"
    return response


def _render_adjust(form: AdjustmentForm, error: DomainError | None = None, status: int = 200, employee=None):
    errors = dict(form.errors)
    if error is not None and error.field:
        errors[error.field] = error.message
    kinds = [t for t in leave_policy().types.values() if t.tracks_balance]
    current = services.balances(employee) if employee is not None else None
    return render_template("leave/adjust.html", form=form, errors=errors, kinds=kinds, employee=employee,
                           current=current, error=error if error is not None and not error.field else None), status


@bp.get("/adjust")
@allow("hr")
def adjust_form():
    employee_no = request.args.get("employee_no", "").strip()
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no)) if employee_no else None
    form = AdjustmentForm(typed={"employee_no": employee_no, "leave_type": "annual", "days": "", "reason": "",
                                 "expires_on": ""})
    return _render_adjust(form, employee=employee)[0]


@bp.post("/adjust")
@allow("hr")
def adjust():
    form = AdjustmentForm.parse(request.form)
    employee = None
    if form.typed["employee_no"]:
        employee = db.session.scalar(select(Employee).where(Employee.employee_no == form.typed["employee_no"]))
        if employee is None:
            form.errors["employee_no"] = _("No employee has this number.")
    if form.errors:
        return _render_adjust(form, status=422, employee=employee)
    try:
        services.adjust(employee, leave_type=form.typed["leave_type"], days=form.days, reason=form.typed["reason"],
                        actor=_me(), expires_on=form.expires_on)
    except DomainError as error:
        db.session.rollback()
        return _render_adjust(form, error=error, status=error.status, employee=employee)
    db.session.commit()
    flash(_("The balance of %(name)s was adjusted.", name=employee.name), "success")
    return redirect(url_for("leave.adjust_form", employee_no=employee.employee_no))


@bp.post("/feed/regenerate")
@allow("employee")
def regenerate_feed():
    services.regenerate_feed_token(_me(), actor=_me())
    db.session.commit()
    flash(_("A new calendar address was made; the old one no longer works."), "success")
    return redirect(url_for("leave.index") + "#calendar-feed")


def _feed_response(requests, name: str) -> Response:
    body = ical.feed(requests, name=name, type_name=type_name, host=request.host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=leave.ics"
    return response


@bp.get("/feed/<token>.ics")
@allow(ANONYMOUS)
def feed(token: str):
    owner = services.feed_owner(token)
    if owner is None:
        abort(404)
    today = clock.today()
    items = services.leave_between([owner.id], today - timedelta(days=366), today + timedelta(days=731),
                                   states=(RequestState.approved,))
    return _feed_response(items, f"{owner.name} · {_('Leave')}")


@bp.get("/feed/<token>/team.ics")
@allow(ANONYMOUS)
def team_feed(token: str):
    owner = services.feed_owner(token)
    if owner is None or "manager" not in owner.roles:
        abort(404)
    today = clock.today()
    members = services.team_members(owner)
    items = services.leave_between([m.id for m in members], today - timedelta(days=366),
                                   today + timedelta(days=731), states=(RequestState.approved,))
    return _feed_response(items, f"{owner.name} · {_('Team calendar')}")
