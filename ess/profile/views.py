"""Pages: my details (/me), their history and export; HR's view of anyone's details (/hr/employees)."""
from __future__ import annotations

import json
from babel import Locale
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from ess.db import db
from ess.people.directory import departments
from ess.people.models import Employee
from ess.profile import exports, services
from ess.profile.fields import LABELS, LIST_FIELDS, SENSITIVE_FIELDS, WORK_FIELDS, display, masked, read
from ess.profile.forms import (
    BANK_KEYS,
    ITEM_KEYS,
    RRN_KEYS,
    Form,
    bank_form,
    details_form,
    details_keys,
    item_form,
)
from ess.profile.models import BANKS, DEPENDENT_RELATIONS, RELATIONS, bank_name
from ess.profile.policy import profile_policy
from ess.profile.services import ProfileInvalid
from ess.security import allow

ACTION_LABELS = {
    "profile.changed": _l("Changed"),
    "profile.change_requested": _l("Change asked for"),
    "profile.change_rejected": _l("Change rejected"),
    "profile.change_withdrawn": _l("Change withdrawn"),
    "profile.change_cancelled": _l("Change cancelled"),
    "profile.revealed": _l("Sensitive value shown"),
    "profile.exported": _l("Data downloaded"),
    "role.changed": _l("Roles changed"),
    "employee.provisioned": _l("Account created"),
    "employee.created": _l("Record created"),
    "employee.updated": _l("Work record updated"),
    "employee.deactivated": _l("Deactivated"),
    "employee.reactivated": _l("Reactivated"),
}
VIA_LABELS = {"self": _l("by the employee"), "hr": _l("by HR"), "approval": _l("approved"),
              "request": _l("waiting for approval")}

bp = Blueprint("profile", __name__, url_prefix="/me")
hr_bp = Blueprint("profile_hr", __name__, url_prefix="/hr/employees")


def _me() -> Employee:
    return current_user._get_current_object()


def _subject(employee_no: str) -> Employee:
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no))
    if employee is None:
        abort(404)
    return employee


def _locale() -> str:
    return str(get_locale())


# The record page, shared by /me and /hr/employees/<no> -----------------------------------------------------
class Links:
    """URLs of the record's forms, for the person themselves or for HR."""

    def __init__(self, subject: Employee, as_hr: bool):
        self.subject, self.as_hr = subject, as_hr

    def __call__(self, name: str, **values) -> str:
        if self.as_hr:
            return url_for(f"profile_hr.{name}", employee_no=self.subject.employee_no, **values)
        return url_for(f"profile.{name}", **values)


def _countries(locale: str) -> list[tuple[str, str]]:
    """ISO 3166 countries named in the page's language, Korea first."""
    names = Locale.parse(locale).territories
    codes = sorted((code for code in names if len(code) == 2 and code.isalpha() and code != "KR"),
                   key=lambda code: names[code])
    return [("KR", names["KR"])] + [(code, names[code]) for code in codes]


def _pending_rows(subject: Employee) -> list[dict]:
    from ess.approvals.registry import get_kind

    kind = get_kind(services.KIND)
    return [{"request": r, "description": kind.describe(r)} for r in services.pending_requests(subject)]


def render_record(subject: Employee, *, as_hr: bool, forms: dict[str, Form] | None = None,
                  revealed: dict[str, str] | None = None, status: int = 200):
    policy = profile_policy()
    locale = _locale()
    details = services.details_for(subject)
    values = {name: read(subject, details, name) for name in LABELS if name not in LIST_FIELDS}
    shown = {name: display(name, masked(name, value), locale) for name, value in values.items()}
    keys = details_keys(policy, as_hr=as_hr)
    forms = dict(forms or {})
    forms.setdefault("details", details_form(values, keys))
    forms.setdefault("bank", bank_form(values["bank_account"]))
    forms.setdefault("rrn", Form({key: "" for key in RRN_KEYS}))
    lists = {name: services.list_items(subject, name) for name in LIST_FIELDS}
    for name in LIST_FIELDS:
        forms.setdefault(f"{name}:new", item_form(None, name))
        for item in lists[name]:
            forms.setdefault(f"{name}:{item.id}", item_form(item.as_dict(), name))
    pending = _pending_rows(subject)
    waiting = services.pending_fields(subject)
    page = render_template(
        "profile/record.html", subject=subject, as_hr=as_hr, policy=policy, values=values, shown=shown,
        forms=forms, keys=keys, lists=lists, pending=pending, waiting=waiting, revealed=revealed or {},
        labels=LABELS, links=Links(subject, as_hr), banks=[(code, bank_name(code, locale)) for code in BANKS],
        relations=RELATIONS, relation_options=list(RELATIONS.items()),
        dependent_relation_options=[(code, RELATIONS[code]) for code in DEPENDENT_RELATIONS],
        department_options=[(d.id, d.name) for d in departments()] if as_hr else [], countries=_countries(locale),
        work_fields=WORK_FIELDS, sensitive_fields=SENSITIVE_FIELDS,
    )
    return page, status


def _announce(outcome: services.Outcome) -> None:
    if outcome.saved:
        flash(_("Saved: %(fields)s.", fields=", ".join(str(LABELS[n]) for n in outcome.saved)), "success")
    if outcome.requested:
        flash(_("Sent to HR for approval: %(fields)s. The current value stays until the change is approved.",
                fields=", ".join(str(LABELS[n]) for n in outcome.requested)), "success")
    if outcome.unchanged:
        flash(_("Nothing changed."), "info")


def _back(links: Links, anchor: str):
    return redirect(links("me" if not links.as_hr else "employee") + f"#{anchor}")


def _update(subject: Employee, *, as_hr: bool, form_name: str, keys, anchor: str):
    form = Form.from_request(request.form, keys)
    if form.shown:
        details = services.details_for(subject)
        current = details_form({name: read(subject, details, name) for name in LABELS if name not in LIST_FIELDS},
                               keys)
        stale = form.changed_meanwhile(current)
        if stale:
            message = _("Someone else changed this while you were editing. Reload the page to see the current "
                        "value, then change it again if you still need to.")
            return render_record(subject, as_hr=as_hr, forms={form_name: form.with_errors(
                {key: message for key in stale})}, status=409)
    change = form.edited().change()
    if form_name == "rrn":
        change["resident_registration_number"]["new_scheme"] = as_hr and bool(
            request.form.get("resident_registration_number.new_scheme"))
    try:
        outcome = services.update_details(subject, change, actor=_me(), as_hr=as_hr)
    except ProfileInvalid as invalid:
        db.session.rollback()
        return render_record(subject, as_hr=as_hr, forms={form_name: form.with_errors(invalid.errors)},
                             status=422)
    db.session.commit()
    _announce(outcome)
    return _back(Links(subject, as_hr), anchor)


def _change_list(subject: Employee, field_name: str, *, as_hr: bool):
    op = request.form.get("op", "")
    item_id = request.form.get("item_id") or None
    form = Form.from_request(request.form, ITEM_KEYS[field_name])
    try:
        outcome = services.change_list(subject, field_name, op, actor=_me(), item_id=item_id,
                                       submitted=form.values, as_hr=as_hr)
    except ProfileInvalid as invalid:
        db.session.rollback()
        errors = {key.split(".", 1)[-1]: message for key, message in invalid.errors.items()}
        # An added entry has no id yet: its errors belong on the "new" form whatever item_id was sent.
        shown_on = "new" if op == "add" or not item_id else item_id
        return render_record(subject, as_hr=as_hr, status=422,
                             forms={f"{field_name}:{shown_on}": form.with_errors(errors)})
    except services.NotFound:
        abort(404)
    db.session.commit()
    _announce(outcome)
    return _back(Links(subject, as_hr), field_name.replace("_", "-"))


def _reveal(subject: Employee, *, as_hr: bool):
    field_name = request.form.get("field", "")
    try:
        value = services.reveal(subject, field_name, actor=_me())
    except services.NotFound:
        abort(404)
    db.session.commit()
    return render_record(subject, as_hr=as_hr, revealed={field_name: display(field_name, value, _locale())})


def history_rows(subject: Employee) -> list[dict]:
    """Audit events of the record, ready to show (values in the log are already masked)."""
    locale = _locale()
    rows = []
    for event in services.history(subject):
        actor = db.session.get(Employee, event.actor_id) if event.actor_id else None
        changes = []
        for name, change in (event.changes or {}).items():
            if name in LABELS and isinstance(change, dict) and ("before" in change or "after" in change):
                changes.append((LABELS[name], display(name, change.get("before"), locale),
                                display(name, change.get("after"), locale)))
        facts = event.changes or {}
        rows.append({"event": event, "actor": actor, "changes": changes, "via": facts.get("via"),
                     "field": LABELS.get(facts.get("field")) if isinstance(facts.get("field"), str) else None,
                     "fields": [LABELS.get(f, f) for f in facts.get("fields", [])] if isinstance(
                         facts.get("fields"), list) else [],
                     "request_id": facts.get("request_id")})
    return rows


# /me ----------------------------------------------------------------------------------------------------
@bp.get("")
@allow("employee")
def me():
    return render_record(_me(), as_hr=False)


@bp.post("/details")
@allow("employee")
def update_details():
    return _update(_me(), as_hr=False, form_name="details",
                   keys=details_keys(profile_policy(), as_hr=False), anchor="details")


@bp.post("/bank-account")
@allow("employee")
def update_bank_account():
    return _update(_me(), as_hr=False, form_name="bank", keys=BANK_KEYS, anchor="bank-account")


@bp.post("/resident-registration-number")
@allow("employee")
def update_rrn():
    return _update(_me(), as_hr=False, form_name="rrn", keys=RRN_KEYS[:1], anchor="rrn")


@bp.post("/emergency-contacts")
@allow("employee")
def emergency_contacts():
    return _change_list(_me(), "emergency_contacts", as_hr=False)


@bp.post("/dependents")
@allow("employee")
def dependents():
    return _change_list(_me(), "dependents", as_hr=False)


@bp.post("/reveal")
@allow("employee")
def reveal():
    return _reveal(_me(), as_hr=False)


@bp.get("/history")
@allow("employee")
def history():
    me = _me()
    return render_template("profile/history.html", subject=me, rows=history_rows(me), as_hr=False,
                           action_labels=ACTION_LABELS, via_labels=VIA_LABELS)


@bp.get("/export")
@allow("employee")
def export():
    me = _me()
    data = exports.export_for(me, actor=me)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="my-data-{me.employee_no}.json"'})


# /hr/employees --------------------------------------------------------------------------------------------
@hr_bp.get("/")
@allow("hr")
def index():
    query = (request.args.get("q") or "").strip()[:100]
    statement = select(Employee).order_by(Employee.employee_no).limit(100)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(or_(func.lower(Employee.name).like(pattern),
                                        func.lower(Employee.employee_no).like(pattern),
                                        func.lower(Employee.email).like(pattern)))
    return render_template("profile/hr_index.html", people=list(db.session.scalars(statement)), query=query)


@hr_bp.get("/<employee_no>")
@allow("hr")
def employee(employee_no: str):
    return render_record(_subject(employee_no), as_hr=True)


@hr_bp.post("/<employee_no>/details")
@allow("hr")
def update_details_hr(employee_no: str):
    return _update(_subject(employee_no), as_hr=True, form_name="details",
                   keys=details_keys(profile_policy(), as_hr=True), anchor="details")


@hr_bp.post("/<employee_no>/bank-account")
@allow("hr")
def update_bank_account_hr(employee_no: str):
    return _update(_subject(employee_no), as_hr=True, form_name="bank", keys=BANK_KEYS, anchor="bank-account")


@hr_bp.post("/<employee_no>/resident-registration-number")
@allow("hr")
def update_rrn_hr(employee_no: str):
    return _update(_subject(employee_no), as_hr=True, form_name="rrn", keys=RRN_KEYS, anchor="rrn")


@hr_bp.post("/<employee_no>/emergency-contacts")
@allow("hr")
def emergency_contacts_hr(employee_no: str):
    return _change_list(_subject(employee_no), "emergency_contacts", as_hr=True)


@hr_bp.post("/<employee_no>/dependents")
@allow("hr")
def dependents_hr(employee_no: str):
    return _change_list(_subject(employee_no), "dependents", as_hr=True)


@hr_bp.post("/<employee_no>/reveal")
@allow("hr")
def reveal_hr(employee_no: str):
    return _reveal(_subject(employee_no), as_hr=True)


@hr_bp.get("/<employee_no>/history")
@allow("hr")
def history_hr(employee_no: str):
    subject = _subject(employee_no)
    return render_template("profile/history.html", subject=subject, rows=history_rows(subject), as_hr=True,
                           action_labels=ACTION_LABELS, via_labels=VIA_LABELS)


@bp.record_once
def _load_policy(state) -> None:
    """Read policies/profile.toml when the app is built, so a bad file stops it before it serves."""
    from ess.profile.policy import init_policy

    init_policy(state.app)
