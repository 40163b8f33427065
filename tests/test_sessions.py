"""Sessions end when roles change, when a person is deactivated, and after the idle timeout."""
import time

from sqlalchemy import select

from ess.auth.services import apply_roles
from ess.db import db
from ess.people.models import Employee


def _employee(number):
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def test_role_change_ends_existing_sessions(app, demo, browser):
    b = browser("E1041")
    assert b.get("/").status_code == 200
    with app.app_context():
        apply_roles(_employee("E1041"), {"hr"}, actor=None, source="test")
        db.session.commit()
    assert b.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(app, demo, browser):
    b = browser("E1041")
    with app.app_context():
        _employee("E1041").deactivate()
        db.session.commit()
    response = b.get("/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_idle_session_is_ended(app, demo, browser):
    b = browser("E1041")
    with b.client.session_transaction() as session:
        session["seen"] = int(time.time()) - 2 * 3600
    response = b.get("/")
    assert response.status_code == 302
    assert b.get("/").status_code == 302


def test_session_cookie_flags(app, demo, browser):
    b = browser()
    response = b.post("/auth/dev-login", {"employee": "E1041"})
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ess_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_contents_are_replaced_at_sign_in(app, demo, browser):
    b = browser()
    with b.client.session_transaction() as session:
        session["planted"] = "attacker"
        session["lang"] = "en"
    b.post("/auth/dev-login", {"employee": "E1041"})
    with b.client.session_transaction() as session:
        assert "planted" not in session
        assert session["lang"] == "en"
