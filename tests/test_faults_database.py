"""The database stops answering: people get a clear 503 (page or problem+json) with Retry-After, nothing is
half-written, and the portal works again by itself once the database is back.

PostgreSQL goes away through a TCP proxy between the portal and the real server that the test cuts; SQLite
is held by another process's exclusive transaction for longer than the portal's busy timeout.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from conftest import Browser
from ess.audit import AuditEvent
from ess.db import db
from ess.people.models import Employee
from ess.profile.models import PersonalDetails
from tcp_proxy import TcpProxy

DETAILS = {
    "legal_name": "신준호", "preferred_name": "준호", "name_en": "Junho Shin", "personal_email": "junho@mail.example",
    "mobile_phone": "010-2345-6789", "address.country": "KR", "address.postal_code": "06236",
    "address.road": "서울특별시 강남구 테헤란로 152", "address.detail": "101동 1201호", "address.free": "",
}


class Outage:
    """Makes the portal's database unavailable and available again, on either backend."""

    def __init__(self, make_app, database_url: str):
        self.url = make_url(database_url)
        self.proxy = None
        self.holder = None
        if self.url.get_backend_name() == "postgresql":
            self.proxy = TcpProxy(self.url.host or "127.0.0.1", self.url.port or 5432).start()
            portal_url = self.url.set(host="127.0.0.1", port=self.proxy.port)
            self.app = make_app(SQLALCHEMY_DATABASE_URI=portal_url.render_as_string(hide_password=False))
        else:
            self.app = make_app()

    @property
    def reads_survive(self) -> bool:
        """SQLite in WAL mode keeps serving reads while another process holds the write lock."""
        return self.proxy is None

    @contextmanager
    def down(self):
        if self.proxy is not None:
            self.proxy.cut()
        else:
            self.holder = sqlite3.connect(self.url.database, isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            if self.proxy is not None:
                self.proxy.start()
            else:
                self.holder.execute("ROLLBACK")
                self.holder.close()

    def close(self):
        if self.proxy is not None:
            self.proxy.cut()


def phone_and_changes(app):
    with app.app_context():
        junho = db.session.scalar(select(Employee).where(Employee.employee_no == "E1041"))
        phone = db.session.scalar(select(PersonalDetails.mobile_phone).where(PersonalDetails.employee_id == junho.id))
        changes = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "profile.changed"))
        return phone, changes


def test_database_outage_gives_503_saves_nothing_and_recovers_without_restart(make_app, app, demo, database_url,
                                                                             caplog):
    outage = Outage(make_app, database_url)
    try:
        person = Browser(outage.app).sign_in("E1041")
        csrf = person.csrf()
        assert person.get("/me").status_code == 200
        before = phone_and_changes(app)

        with outage.down():
            saved = person.post("/me/details", {**DETAILS, "mobile_phone": "010-9999-0000", "csrf_token": csrf})
            assert saved.status_code == 503
            assert saved.headers["Retry-After"] == "15"
            page = saved.get_data(as_text=True)
            assert "데이터베이스가 지금 응답하지 않습니다" in page and "저장되지 않았습니다" in page
            assert 'class="status-code">503' in page

            api = person.client.post("/api/v1/me/profile/changes", json={"mobile_phone": "010-9999-1111"},
                                     headers={"X-CSRFToken": csrf})
            assert api.status_code == 503 and api.mimetype == "application/problem+json"
            assert api.get_json()["code"] == "database_unavailable" and api.headers["Retry-After"] == "15"

            health = outage.app.test_client().get("/healthz")
            if outage.reads_survive:
                assert health.status_code == 200  # reads go on while a writer holds SQLite
            else:
                assert health.status_code == 503
                english = person.get("/me?lang=en")
                assert english.status_code == 503
                assert "The database does not answer at the moment" in english.get_data(as_text=True)

        assert phone_and_changes(app) == before, "a refused write left something behind"
        assert any("database unavailable" in r.getMessage() for r in caplog.records)

        # Back again: the same app (no restart) reads and writes, the same session still signed in.
        assert outage.app.test_client().get("/healthz").status_code == 200
        assert person.get("/me").status_code == 200
        saved = person.post("/me/details", {**DETAILS, "mobile_phone": "010-9999-0000"})
        assert saved.status_code == 302
        assert phone_and_changes(app) == ("010-9999-0000", before[1] + 1)
    finally:
        outage.close()


def test_a_mistake_in_a_query_stays_a_500_not_a_503(app, demo):
    """Only an unavailable database is a 503: a broken statement is our bug and must not hide behind it."""
    from flask import Blueprint
    from sqlalchemy import text

    from ess.security import ANONYMOUS, allow

    broken = Blueprint("broken_query", __name__)

    @broken.get("/broken-query")
    @allow(ANONYMOUS)
    def run_broken_query():
        db.session.execute(text("SELECT no_such_column FROM employees"))
        return "unreachable"

    app.register_blueprint(broken)
    response = app.test_client().get("/broken-query")
    assert response.status_code == 500 and "Retry-After" not in response.headers
