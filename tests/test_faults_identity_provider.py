"""The identity provider goes down (the real oidc-provider process in tests/idp is stopped): signing in says
that single sign-on is unreachable (a page, not a 500), and people already signed in carry on, because
portal sessions do not depend on the provider."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import config
from ess.db import db
from ess.people.models import Employee
from ess.profile.models import PersonalDetails
from idp.provider import TestIdentityProvider, ensure_installed
from test_auth_oidc import CLIENT, JUNHO, Portal

UNREACHABLE = "회사 로그인 서비스가 응답하지 않습니다"


@pytest.fixture
def idp(tmp_path):
    """A provider of this test's own: the test stops it."""
    ensure_installed()
    provider = TestIdentityProvider({"clients": [CLIENT], "users": [JUNHO]}, tmp_path / "idp")
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def sso_app(make_app, app, demo, idp):
    settings = config.from_env({
        "ESS_OIDC_ISSUER": idp.issuer,
        "ESS_OIDC_CLIENT_ID": CLIENT["client_id"],
        "ESS_OIDC_CLIENT_SECRET": CLIENT["client_secret"],
        "ESS_DEV_LOGIN": "0",
    })
    keys = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SCOPES", "DEV_LOGIN")
    return make_app(**{key: settings[key] for key in keys})


def test_signed_in_people_carry_on_while_the_provider_is_down(sso_app, idp):
    junho = Portal(sso_app)
    assert junho.sign_in(idp, JUNHO).status_code == 302
    halfway = Portal(sso_app)  # at the provider's login form when it goes down
    callback = idp.authenticate(halfway.start_sign_in(), JUNHO["login"], JUNHO["password"])

    idp.stop()

    # Someone signing in now is told why it does not work.
    newcomer = Portal(sso_app).get("/auth/login")
    assert newcomer.status_code == 503 and UNREACHABLE in newcomer.get_data(as_text=True)
    english = Portal(sso_app).get("/auth/login?lang=en")
    assert "The company's sign-in service does not answer" in english.get_data(as_text=True)
    # Someone coming back from the provider's form while it went down: the code cannot be exchanged.
    returned = halfway.finish(callback)
    assert returned.status_code == 503 and UNREACHABLE in returned.get_data(as_text=True)
    assert halfway.get("/").status_code == 302  # not signed in

    # Junho, signed in before, reads and writes as usual.
    assert "신준호님, 안녕하세요" in junho.get("/").get_data(as_text=True)
    assert junho.get("/leave/").status_code == 200
    assert junho.post("/me/details", {
        "legal_name": "신준호", "preferred_name": "준호", "name_en": "Junho Shin",
        "personal_email": "junho@mail.example", "mobile_phone": "010-5555-6666", "address.country": "KR",
        "address.postal_code": "06236", "address.road": "서울특별시 강남구 테헤란로 152",
        "address.detail": "101동 1201호", "address.free": ""}).status_code == 302
    with sso_app.app_context():
        junho_id = db.session.scalar(select(Employee.id).where(Employee.employee_no == "E1041"))
        assert db.session.scalar(select(PersonalDetails.mobile_phone)
                                 .where(PersonalDetails.employee_id == junho_id)) == "010-5555-6666"

    # Signing out works too: the portal session ends here even though the provider cannot be told.
    signed_out = junho.post("/auth/logout")
    assert signed_out.status_code == 302 and signed_out.headers["Location"].endswith("/auth/signed-out")
    assert junho.get("/").status_code == 302
