"""Single sign-on against a real OpenID provider (tests/idp, the `oidc-provider` npm package) on loopback."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from ess.audit import AuditEvent
from ess.auth.models import Identity
from ess.db import db
from ess.people.models import Employee
from idp.provider import LoginRefused, TestIdentityProvider, ensure_installed

PORTAL = "http://127.0.0.1:5999"
CLIENT = {
    "client_id": "ess-portal",
    "client_secret": "portal-secret-for-tests",
    "redirect_uris": [f"{PORTAL}/auth/callback"],
    "post_logout_redirect_uris": [f"{PORTAL}/auth/signed-out"],
}
JUNHO = {"sub": "u-1041", "login": "junho", "password": "pw-junho", "email": "junho.shin@hanbit.example",
         "email_verified": True, "name": "신준호", "groups": ["Staff"]}
NEWBIE = {"sub": "u-new", "login": "newbie", "password": "pw-new", "email": "newbie@hanbit.example",
          "email_verified": True, "name": "나신입", "groups": ["Staff", "HR"]}


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    ensure_installed()
    provider = TestIdentityProvider({"clients": [CLIENT], "users": []}, tmp_path_factory.mktemp("idp"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def sso_app(make_app, app, idp):
    """The portal configured only through the documented ESS_OIDC_* and ESS_ROLE_GROUPS settings."""
    import config

    settings = config.from_env({
        "ESS_OIDC_ISSUER": idp.issuer,
        "ESS_OIDC_CLIENT_ID": CLIENT["client_id"],
        "ESS_OIDC_CLIENT_SECRET": CLIENT["client_secret"],
        "ESS_ROLE_GROUPS": '{"hr": ["HR"], "admin": ["Portal-Admins"]}',
        "ESS_DEV_LOGIN": "0",
    })
    keys = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "ROLE_GROUPS", "DEV_LOGIN")
    return make_app(**{key: settings[key] for key in keys})


class Portal:
    """The portal seen from one browser: the Flask test client on the registered origin."""

    def __init__(self, app):
        self.client = app.test_client()

    def get(self, path, **kwargs):
        return self.client.get(path, base_url=PORTAL, **kwargs)

    def post(self, path, data=None):
        page = self.get("/auth/signed-out").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        return self.client.post(path, base_url=PORTAL, data={"csrf_token": token, **(data or {})})

    def start_sign_in(self) -> str:
        response = self.get("/auth/login")
        assert response.status_code == 302
        return response.headers["Location"]

    def finish(self, callback_url: str):
        parts = urlsplit(callback_url)
        return self.get(f"{parts.path}?{parts.query}")

    def sign_in(self, idp, user, session=None):
        callback = idp.authenticate(self.start_sign_in(), user["login"], user["password"], session=session)
        return self.finish(callback)


def employee(app, email):
    with app.app_context():
        person = db.session.scalar(select(Employee).where(Employee.email == email))
        return person and (person.employee_no, person.roles, person.name)


def test_authorize_request_uses_pkce_state_and_nonce(sso_app, idp):
    query = parse_qs(urlsplit(Portal(sso_app).start_sign_in()).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"{PORTAL}/auth/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile", "groups"}


def test_first_sign_in_provisions_the_person_with_roles_from_groups(sso_app, idp):
    idp.set_users([NEWBIE])
    portal = Portal(sso_app)
    response = portal.sign_in(idp, NEWBIE)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "나신입님, 안녕하세요" in portal.get("/").get_data(as_text=True)
    number, roles, name = employee(sso_app, "newbie@hanbit.example")
    assert roles == {"employee", "hr"} and name == "나신입"
    with sso_app.app_context():
        identity = db.session.scalar(select(Identity))
        assert (identity.issuer, identity.subject) == (idp.issuer, "u-new")
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["employee.provisioned", "role.changed", "auth.signin"]


def test_first_sign_in_links_imported_employee_by_verified_email(sso_app, idp, demo):
    idp.set_users([JUNHO])
    portal = Portal(sso_app)
    portal.sign_in(idp, JUNHO)
    assert "신준호님, 안녕하세요" in portal.get("/").get_data(as_text=True)
    number, roles, _ = employee(sso_app, JUNHO["email"])
    assert number == "E1041"
    with sso_app.app_context():
        assert db.session.scalar(select(Identity)).employee.employee_no == "E1041"


def test_unverified_email_does_not_claim_an_imported_employee(sso_app, idp, demo):
    idp.set_users([{**JUNHO, "email_verified": False}])
    portal = Portal(sso_app)
    response = portal.sign_in(idp, JUNHO)
    assert response.status_code == 403
    assert "이메일 주소가 확인되지 않았습니다" in response.get_data(as_text=True)
    assert portal.get("/").status_code == 302
    with sso_app.app_context():
        assert db.session.scalar(select(Identity)) is None


def test_tampered_state_is_refused(sso_app, idp):
    idp.set_users([NEWBIE])
    portal = Portal(sso_app)
    callback = idp.authenticate(portal.start_sign_in(), NEWBIE["login"], NEWBIE["password"])
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    query["state"] = ["forged-" + query["state"][0][:10]]
    response = portal.get(f"{parts.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "로그인이 거부되었습니다" in response.get_data(as_text=True)
    assert portal.get("/").status_code == 302
    assert employee(sso_app, NEWBIE["email"]) is None
    with sso_app.app_context():
        failure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.signin_failed"))
        assert failure.changes["reason"] == "mismatching_state"


def test_callback_without_a_started_sign_in_is_refused(sso_app, idp):
    response = Portal(sso_app).get("/auth/callback?code=abc&state=xyz")
    assert response.status_code == 400


def test_deactivated_person_is_refused_with_a_clear_page(sso_app, idp, demo):
    with sso_app.app_context():
        db.session.scalar(select(Employee).where(Employee.employee_no == "E1041")).deactivate()
        db.session.commit()
    idp.set_users([JUNHO])
    portal = Portal(sso_app)
    response = portal.sign_in(idp, JUNHO)
    assert response.status_code == 403
    assert "계정이 비활성화되었습니다. 인사팀에 문의해 주세요." in response.get_data(as_text=True)
    assert portal.get("/").status_code == 302


def test_wrong_password_never_reaches_the_portal(sso_app, idp):
    idp.set_users([NEWBIE])
    with pytest.raises(LoginRefused):
        idp.authenticate(Portal(sso_app).start_sign_in(), NEWBIE["login"], "wrong")


def test_group_change_changes_roles_at_next_sign_in(sso_app, idp, demo):
    idp.set_users([JUNHO])
    first = Portal(sso_app)
    first.sign_in(idp, JUNHO)
    assert employee(sso_app, JUNHO["email"])[1] == {"employee"}
    assert first.get("/").status_code == 200

    idp.set_users([{**JUNHO, "groups": ["Staff", "HR"]}])
    second = Portal(sso_app)
    second.sign_in(idp, JUNHO)
    assert employee(sso_app, JUNHO["email"])[1] == {"employee", "hr"}
    assert second.get("/").status_code == 200
    # The role change ended the session made before it.
    assert first.get("/").status_code == 302
    with sso_app.app_context():
        change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "role.changed")).all()[-1]
        assert change.changes["roles"] == {"before": [], "after": ["hr"]}


def test_sign_out_ends_the_session_here_and_at_the_provider(sso_app, idp):
    idp.set_users([NEWBIE])
    portal = Portal(sso_app)
    browser_at_idp = requests.Session()
    portal.sign_in(idp, NEWBIE, session=browser_at_idp)
    assert portal.get("/").status_code == 200

    response = portal.post("/auth/logout")
    assert response.status_code == 302
    end_session_url = response.headers["Location"]
    assert end_session_url.startswith(idp.issuer)
    assert "id_token_hint=" in end_session_url
    back = idp.logout(end_session_url, browser_at_idp)
    assert back.startswith(f"{PORTAL}/auth/signed-out")
    assert portal.get("/").status_code == 302
    # The provider's session is gone too: signing in again asks for the password.
    with pytest.raises(LoginRefused):
        idp.authenticate(portal.start_sign_in(), NEWBIE["login"], "wrong", session=browser_at_idp)


def test_unreachable_provider_gives_a_clear_page(make_app, app):
    down = make_app(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s")
    response = down.test_client().get("/auth/login")
    assert response.status_code == 503
    assert "회사 로그인 서비스가 응답하지 않습니다" in response.get_data(as_text=True)


def test_provider_without_groups_claim_leaves_roles_alone(sso_app, idp, demo):
    hr_person = {"sub": "u-1011", "login": "sumin", "password": "pw", "email": "sumin.lee@hanbit.example",
                 "email_verified": True, "name": "이수민"}  # no "groups" at all, as Google sends
    idp.set_users([hr_person])
    Portal(sso_app).sign_in(idp, hr_person)
    assert employee(sso_app, hr_person["email"])[1] == {"employee", "hr"}
