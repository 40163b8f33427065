"""Session rules: which person a session belongs to, when it stops being valid, and starting one cleanly."""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ess.db import db
from ess.extensions import login_manager
from ess.people.models import Department, Employee, EmployeeStatus

KEEP_ACROSS_SIGN_IN = ("lang",)


@login_manager.user_loader
def load_user(session_user_id: str) -> Employee | None:
    """A session names "id:version"; it is void once the person's version moved on (roles, deactivation)."""
    try:
        employee_id, version = (int(part) for part in session_user_id.split(":", 1))
    except ValueError:
        return None
    employee = _signed_in_person(employee_id)
    if employee is None or employee.session_version != version or not employee.is_active:
        return None
    return employee


def _signed_in_person(employee_id: int) -> Employee | None:
    """One statement for what nearly every page shows: roles (with manager), department path, manager."""
    manages = (select(Employee.id).where(Employee.manager_id == employee_id, Employee.status == EmployeeStatus.active,
                                         Employee.id != employee_id).exists())
    row = db.session.execute(
        select(Employee, manages.label("has_reports"))
        .where(Employee.id == employee_id)
        .options(joinedload(Employee.role_grants),
                 joinedload(Employee.department).joinedload(Department.parent),
                 joinedload(Employee.manager).lazyload(Employee.role_grants))
    ).unique().first()
    if row is None:
        return None
    employee, has_reports = row
    employee._has_reports = bool(has_reports)
    return employee


def start_session(employee: Employee, **extra) -> None:
    """Sign in with a fresh session: nothing from before sign-in carries over but the language."""
    kept = {key: session[key] for key in KEEP_ACROSS_SIGN_IN if key in session}
    session.clear()
    session.update(kept)
    session.update(extra)
    session.permanent = True
    login_user(employee)
    session["seen"] = int(time.time())


def end_session() -> None:
    kept = {key: session[key] for key in KEEP_ACROSS_SIGN_IN if key in session}
    logout_user()
    session.clear()
    session.update(kept)


def enforce_idle_timeout() -> None:
    """before_request: a session unused for longer than ESS_SESSION_IDLE_MINUTES is ended."""
    if not current_user.is_authenticated:
        return
    now = int(time.time())
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - session.get("seen", 0) > idle_limit:
        end_session()
        flash(_("You were signed out after a period of inactivity."), "info")
        return
    if now - session.get("seen", 0) >= 30:  # avoid rewriting the cookie on every request
        session["seen"] = now


def register_sessions(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    app.before_request(enforce_idle_timeout)
