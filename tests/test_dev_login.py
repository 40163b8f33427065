"""The demo sign-in: personas, typed identifiers, refusals, and absence in production."""
from sqlalchemy import select

from ess.audit import AuditEvent
from ess.db import db


def test_personas_cover_each_kind_of_user(app, demo, browser):
    page = browser().get("/auth/dev-login").get_data(as_text=True)
    for persona in ("관리자", "인사 담당자", "IT 문서 작성자", "팀장", "직원"):
        assert persona in page


def test_sign_in_by_employee_number_lands_on_korean_home(app, demo, browser):
    b = browser()
    response = b.post("/auth/dev-login", {"employee": "E1041"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = b.get("/").get_data(as_text=True)
    assert "신준호님, 안녕하세요" in home
    assert "제품개발팀" in home


def test_sign_in_by_email_and_next_stays_on_site(app, demo, browser):
    b = browser()
    response = b.post("/auth/dev-login?next=/people/", {"employee": "Junho.Shin@hanbit.example"})
    assert response.headers["Location"] == "/people/"
    b2 = browser()
    response = b2.post("/auth/dev-login?next=https://evil.example/x", {"employee": "E1041"})
    assert response.headers["Location"] == "/"


def test_unknown_employee_is_refused_with_field_error_and_kept_input(app, demo, browser):
    response = browser().post("/auth/dev-login", {"employee": "E9999"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "이 사번이나 이메일을 가진 재직 중인 직원이 없습니다." in page
    assert 'value="E9999"' in page and 'aria-invalid="true"' in page
    with app.app_context():
        failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.signin_failed")).all()
        assert len(failed) == 1 and failed[0].changes["identifier"] == "E9999"


def test_deactivated_employee_cannot_use_dev_login(app, demo, browser):
    from ess.people.models import Employee

    with app.app_context():
        db.session.scalar(select(Employee).where(Employee.employee_no == "E1041")).deactivate()
        db.session.commit()
    assert browser().post("/auth/dev-login", {"employee": "E1041"}).status_code == 422


def test_dev_login_is_absent_when_switched_off(make_app):
    app = make_app(DEV_LOGIN=False)
    client = app.test_client()
    assert client.get("/auth/dev-login").status_code == 404
    assert client.post("/auth/dev-login", data={"employee": "E1001"}).status_code in (400, 404)


def test_dev_login_answers_404_in_production(make_app):
    app = make_app(ESS_ENV="production", DEV_LOGIN=False, OIDC_ISSUER="http://127.0.0.1:1",
                   OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s", ENCRYPTION_KEYS=["k"], SESSION_COOKIE_SECURE=True)
    assert app.test_client().get("/auth/dev-login").status_code == 404


def test_sign_out_ends_the_session(app, demo, browser):
    b = browser("E1041")
    assert b.get("/").status_code == 200
    response = b.post("/auth/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/signed-out"
    after = b.get("/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/auth/login")
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions[-2:] == ["auth.signin", "auth.signout"]
