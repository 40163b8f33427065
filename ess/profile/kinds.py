"""The `profile_change` request kind: how the approval engine validates, describes and applies a change
of personal details. Sensitive values in the payload are references to encrypted SealedValue rows."""
from __future__ import annotations

from flask import has_request_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ess.approvals.registry import Description, RequestKind, register_kind
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee
from ess.profile import services
from ess.profile.fields import LABELS, LIST_FIELDS, SCALAR_FIELDS, display, masked, read


def _locale() -> str:
    return str(get_locale()) if has_request_context() else "ko"


def _employee(request) -> Employee:
    employee = db.session.get(Employee, int(request.subject_id)) if request.subject_id else None
    if employee is None:
        raise DomainError(_l("The person this request is about does not exist."), code="no_subject")
    return employee


def validate(request) -> None:
    employee = _employee(request)
    changes = request.payload.get("changes")
    if not isinstance(changes, list) or not changes:
        raise DomainError(_l("The request asks for no change."), code="empty")
    for change in changes:
        name = change.get("field")
        if name not in SCALAR_FIELDS and name not in LIST_FIELDS:
            raise DomainError(_l("The request names an unknown field."), code="unknown_field")
        if name in LIST_FIELDS and change.get("op") not in ("add", "update", "remove"):
            raise DomainError(_l("This action is not known."), code="unknown_op")
        for side in ("before", "after"):
            services.unseal(change.get(side), employee.id)  # refuses references to someone else's values


def apply(request, actor) -> None:
    services.apply_request(request, actor)


def describe(request) -> Description:
    employee = _employee(request)
    locale = _locale()
    rows, warnings, names = [], [], []
    details = services.details_for(employee)
    for change in request.payload.get("changes", []):
        name = change["field"]
        label = LABELS[name]
        names.append(str(label))
        if "op" in change:
            op_labels = {"add": _("add"), "update": _("change"), "remove": _("remove")}
            rows.append((f"{label} ({op_labels.get(change['op'], change['op'])})",
                         display(name, change.get("before"), locale), display(name, change.get("after"), locale)))
            if change["op"] in ("update", "remove"):
                item = db.session.get(services.LIST_MODELS[name], change["item_id"])
                now = item.as_dict() if item is not None and item.employee_id == employee.id else None
                if now != change.get("before"):
                    warnings.append(_("%(field)s changed after this request was made; now: %(value)s",
                                      field=label, value=display(name, now, locale) if now else _("removed")))
            continue
        before = services.unseal(change.get("before"), employee.id)
        after = services.unseal(change.get("after"), employee.id)
        rows.append((label, display(name, masked(name, before), locale), display(name, masked(name, after), locale)))
        now = read(employee, details, name)
        if now != before:
            warnings.append(_("%(field)s changed after this request was made; now: %(value)s. Approving sets it "
                              "to the requested value.", field=label, value=display(name, masked(name, now), locale)))
    summary = _("%(name)s: change of %(fields)s", name=employee.name, fields=", ".join(names))
    return Description(summary=summary, rows=rows, warnings=warnings)


def chain_facts(request) -> dict:
    return {"fields": [change.get("field") for change in request.payload.get("changes", [])]}


register_kind(RequestKind(
    name=services.KIND,
    label=_l("Change of personal details"),
    validate=validate,
    apply=apply,
    describe=describe,
    on_reject=lambda request, actor: services.record_closed(request, actor, "rejected"),
    on_withdraw=lambda request, actor: services.record_closed(request, actor, "withdrawn"),
    on_cancel=lambda request, actor: services.record_closed(request, actor, "cancelled"),
    chain_facts=chain_facts,
))
