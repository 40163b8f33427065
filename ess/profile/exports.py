"""Everything the portal holds about a person, as one JSON document (the right of access).

Sensitive values are included in clear: the person is entitled to them, they download over the signed-in
session (never in a URL), and the download is audited like a reveal. Other domains add their part with
`register_section(name, function(employee) -> JSON-able)`.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import or_, select

from ess import audit, clock
from ess.auth.models import Identity
from ess.db import db
from ess.people.models import Employee
from ess.profile import services
from ess.profile.fields import LABELS, LIST_FIELDS, SENSITIVE_FIELDS, read

_sections: dict[str, Callable[[Employee], Any]] = {}


def register_section(name: str, build: Callable[[Employee], Any]) -> None:
    _sections[name] = build


def _iso(value):
    return value.isoformat() if value is not None else None


def _approval_requests(employee: Employee) -> list[dict]:
    try:
        from ess.approvals.models import ApprovalRequest
    except ImportError:  # the approval engine is not installed
        return []
    requests = db.session.scalars(
        select(ApprovalRequest)
        .where(or_(ApprovalRequest.requester_id == employee.id,
                   (ApprovalRequest.subject_type == services.SUBJECT_TYPE)
                   & (ApprovalRequest.subject_id == str(employee.id))))
        .order_by(ApprovalRequest.id)
    )
    out = []
    for request in requests:
        entry = {"id": request.id, "kind": request.kind, "state": request.state.value,
                 "summary": request.summary, "created_at": _iso(request.created_at),
                 "decided_at": _iso(request.decided_at)}
        if request.kind == services.KIND:
            changes = []
            for change in request.payload.get("changes", []):
                name = change["field"]
                if name in SENSITIVE_FIELDS:
                    before = services.unseal(change.get("before"), employee.id)
                    after = services.unseal(change.get("after"), employee.id)
                    changes.append({"field": name, "before": before, "after": after})
                else:
                    changes.append(change)
            entry["changes"] = changes
        out.append(entry)
    return out


def export_for(employee: Employee, *, actor: Employee) -> dict:
    details = services.details_for(employee)
    personal = {name: read(employee, details, name) for name in LABELS
                if name not in LIST_FIELDS and name != "department"}
    events_about = services.history(employee, limit=10_000)
    events_by = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.actor_id == employee.id).order_by(audit.AuditEvent.id)
    )
    data = {
        "exported_at": clock.now().isoformat(),
        "employee": {
            "employee_no": employee.employee_no, "name": employee.name, "name_en": employee.name_en,
            "work_email": employee.email, "department": employee.department.name if employee.department else None,
            "title": employee.title, "manager": personal.pop("manager"), "hire_date": _iso(employee.hire_date),
            "country": employee.country, "status": employee.status.value, "roles": sorted(employee.roles),
            "locale": employee.locale, "created_at": _iso(employee.created_at),
        },
        "personal_details": personal,
        "emergency_contacts": [c.as_dict() for c in services.emergency_contacts(employee)],
        "dependents": [d.as_dict() for d in services.dependents(employee)],
        "sign_in_identities": [
            {"issuer": i.issuer, "subject": i.subject, "created_at": _iso(i.created_at),
             "last_sign_in_at": _iso(i.last_sign_in_at)}
            for i in db.session.scalars(select(Identity).where(Identity.employee_id == employee.id))
        ],
        "approval_requests": _approval_requests(employee),
        "history_of_my_record": [
            {"at": _iso(e.occurred_at), "action": e.action, "actor_id": e.actor_id, "changes": e.changes}
            for e in events_about
        ],
        "my_activity": [
            {"at": _iso(e.occurred_at), "action": e.action, "subject_type": e.subject_type,
             "subject_id": e.subject_id, "ip_address": e.ip_address, "user_agent": e.user_agent}
            for e in events_by
        ],
    }
    for name, build in _sections.items():
        data[name] = build(employee)
    audit.record("profile.exported", actor=actor, subject=employee,
                 changes={"sections": sorted(data)})
    return data
