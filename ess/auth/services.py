"""Sign-in use cases: who a set of claims is, provisioning, roles, and the audit trail of it all."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ess import audit, clock
from ess.auth.models import Identity
from ess.auth.roles import normalise_groups, roles_from_groups
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee, EmployeeStatus


class SignInRefused(DomainError):
    status = 403


def apply_roles(employee: Employee, roles: set[str], *, actor: Employee | None, source: str) -> None:
    """Set a person's explicit roles; a change is audited and ends their other sessions."""
    before = sorted(employee.granted_roles)
    added, removed = employee.set_granted_roles(roles)
    if added or removed:
        audit.record(
            "role.changed",
            actor=actor,
            subject=employee,
            changes={"roles": {"before": before, "after": sorted(employee.granted_roles)}, "source": source},
        )


def _find_by_email(email: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(func.lower(Employee.email) == email.strip().lower()))


def sign_in_with_claims(issuer: str, claims: Mapping, role_groups: Mapping[str, list[str]]) -> Employee:
    """Find or provision the person these verified claims describe, refresh their roles, audit the sign-in.

    Matching is by issuer + subject; a first sign-in links to an imported employee by e-mail only when the
    provider says the address is verified, so nobody can claim a colleague's record with an unverified one.
    """
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SignInRefused(_l("The identity provider did not say who you are."), code="no_subject")
    email = (claims.get("email") or "").strip()
    email_verified = claims.get("email_verified") in (True, "true", "True", 1)

    identity = db.session.scalar(select(Identity).where(Identity.issuer == issuer, Identity.subject == subject))
    if identity is not None:
        employee = identity.employee
    else:
        employee = _find_by_email(email) if email else None
        if employee is not None and not email_verified:
            raise SignInRefused(
                _l("Your e-mail address is not verified by the identity provider; ask IT to verify it."),
                code="email_not_verified",
            )
        if employee is None:
            if not email:
                raise SignInRefused(_l("The identity provider did not send an e-mail address."), code="no_email")
            employee = Employee(
                employee_no=str(claims.get("employee_number") or "sso-" + hashlib.sha1(
                    f"{issuer}|{subject}".encode()).hexdigest()[:12]),
                name=str(claims.get("name") or email.split("@")[0]),
                email=email,
            )
            db.session.add(employee)
            db.session.flush()
            audit.record("employee.provisioned", actor=employee, subject=employee, changes={"source": "oidc"})
        identity = Identity(issuer=issuer, subject=subject, employee=employee)
        db.session.add(identity)

    if employee.status is not EmployeeStatus.active:
        raise SignInRefused(_l("Your account is deactivated. Please contact HR."), code="inactive")

    # A provider that sends no groups claim at all (Google) leaves roles to SCIM or the CSV import;
    # an empty list is a real answer and removes them.
    if "groups" in claims:
        apply_roles(
            employee,
            roles_from_groups(normalise_groups(claims.get("groups")), role_groups),
            actor=employee,
            source="oidc",
        )
    identity.last_sign_in_at = clock.now()
    audit.record("auth.signin", actor=employee, subject=employee, changes={"method": "oidc"})
    return employee


def sign_in_for_demo(identifier: str) -> Employee:
    """The demo sign-in: any active employee by employee number or work e-mail."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise DomainError(_l("Enter an employee number or e-mail."), field="employee", code="required")
    employee = db.session.scalar(select(Employee).where(Employee.employee_no == identifier)) or _find_by_email(
        identifier
    )
    if employee is None or employee.status is not EmployeeStatus.active:
        raise DomainError(
            _l("No active employee has this employee number or e-mail."), field="employee", code="not_found"
        )
    audit.record("auth.signin", actor=employee, subject=employee, changes={"method": "dev"})
    return employee


def record_failed_sign_in(reason: str, **facts) -> None:
    """Called after the refused attempt was rolled back, so only this event is written."""
    audit.record("auth.signin_failed", subject_type="auth", changes={"reason": reason, **facts})


def record_sign_out(employee: Employee) -> None:
    # Sessions are signed cookies: clearing this browser's cookie would leave a copied one valid, so the
    # person's session version moves on, which ends every session they have (on every device).
    employee.end_sessions()
    audit.record("auth.signout", actor=employee, subject=employee)
