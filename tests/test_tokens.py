"""Service tokens: created by admins (page and CLI), shown once, stored hashed, scoped, revocable, audited
at most once a minute, rate-limited per token; a token is a program, never a person."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from ess.audit import AuditEvent
from ess.db import db
from ess.tokens.models import ServiceToken
from service_tokens import bearer, make_token

SECRET_RE = re.compile(r'<code id="secret"[^>]*>(ess_[^<]+)</code>')


def _tokens(app):
    with app.app_context():
        return {t.name: t for t in db.session.scalars(select(ServiceToken))}


def test_admin_creates_a_token_and_sees_the_secret_once(app, demo, browser):
    admin = browser("E1034")
    page = admin.get("/admin/tokens/")
    assert page.status_code == 200 and "scim" in page.get_data(as_text=True)
    created = admin.post("/admin/tokens/", {"name": "entra-scim", "scopes": ["scim", "people:read"], "expires": "365"})
    assert created.status_code == 201
    secret = SECRET_RE.search(created.get_data(as_text=True)).group(1)
    assert created.headers["Cache-Control"] == "no-store"
    token = _tokens(app)["entra-scim"]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in token.secret_hash
    assert token.scopes == ["people:read", "scim"] and token.expires_at is not None
    listing = admin.get("/admin/tokens/").get_data(as_text=True)
    assert "entra-scim" in listing and secret not in listing and secret[:12] in listing
    assert app.test_client().get("/scim/v2/Users", headers=bearer(secret)).status_code == 200

    again = admin.post("/admin/tokens/", {"name": "entra-scim", "scopes": ["scim"], "expires": "30"})
    assert again.status_code == 409 and "이미 있습니다" in again.get_data(as_text=True)
    no_scope = admin.post("/admin/tokens/", {"name": "nothing", "expires": "30"})
    assert no_scope.status_code == 422 and 'aria-invalid' not in no_scope.get_data(as_text=True).split("f-name")[0]


def test_revoke_needs_csrf_and_works_at_once(app, demo, browser):
    secret = make_token(app, "payroll", ["people:read"])
    token_id = _tokens(app)["payroll"].id
    admin = browser("E1034")
    assert admin.client.post(f"/admin/tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    assert app.test_client().get("/api/v1/employees/E1041", headers=bearer(secret)).status_code == 200
    response = admin.post(f"/admin/tokens/{token_id}/revoke")
    assert response.status_code == 302
    refused = app.test_client().get("/api/v1/employees/E1041", headers=bearer(secret))
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["detail"] == "The token was revoked."
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "token.revoked"))
        assert event.actor_id is not None


def test_only_admins_reach_the_token_pages(app, demo, browser):
    for person in ("E1041", "E1011", "E1005"):
        assert browser(person).get("/admin/tokens/").status_code == 403
    assert browser(None).get("/admin/tokens/").status_code == 302


def test_cli_create_list_revoke(app, demo):
    runner = app.test_cli_runner(mix_stderr=False) if _mix_stderr_supported() else app.test_cli_runner()
    result = runner.invoke(args=["ess", "tokens", "create", "okta", "--scope", "scim", "--scope", "people:read",
                                 "--expires-days", "90"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[-1]
    assert secret.startswith("ess_") and len(secret) > 40
    assert app.test_client().get("/scim/v2/Users", headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["ess", "tokens", "list"])
    assert "okta\tactive\tpeople:read scim" in listed.stdout and secret not in listed.stdout
    bad = runner.invoke(args=["ess", "tokens", "create", "x", "--scope", "everything"])
    assert bad.exit_code != 0 and "everything" in (bad.stderr or bad.output)
    revoked = runner.invoke(args=["ess", "tokens", "revoke", "okta"])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert app.test_client().get("/scim/v2/Users", headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["ess", "tokens", "revoke", "nobody"]).exit_code != 0


def _mix_stderr_supported() -> bool:
    import inspect

    from click.testing import CliRunner

    return "mix_stderr" in inspect.signature(CliRunner.__init__).parameters


def test_scopes_and_persons(app, demo):
    reader = make_token(app, "reader", ["people:read"])
    leave = make_token(app, "leave-only", ["leave:read"])
    client = app.test_client()
    ok = client.get("/api/v1/employees/E1041", headers=bearer(reader))
    assert ok.status_code == 200 and ok.get_json()["name"] == "신준호"
    wrong = client.get("/api/v1/employees/E1041", headers=bearer(leave))
    assert wrong.status_code == 403 and wrong.mimetype == "application/problem+json"
    assert wrong.get_json()["code"] == "insufficient_scope" and wrong.get_json()["field"] == "scope"
    me = client.get("/api/v1/me", headers=bearer(reader))
    assert me.status_code == 403 and me.get_json()["code"] == "person_required"
    # HTML pages never accept tokens.
    assert client.get("/people/", headers=bearer(reader)).status_code == 302
    expired = make_token(app, "expired", ["people:read"], expires_days=1, expired=True)
    gone = client.get("/api/v1/employees/E1041", headers=bearer(expired))
    assert gone.status_code == 401 and gone.get_json()["detail"] == "The token has expired."
    assert "ess_session" not in (ok.headers.get("Set-Cookie") or "")


def test_use_is_recorded_and_audited_at_most_once_a_minute(app, demo):
    secret = make_token(app, "busy", ["people:read"])
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/employees/E1041", headers=bearer(secret)).status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ServiceToken).where(ServiceToken.name == "busy"))
        assert token.last_used_at is not None
        used = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token.used")).all()
        assert len(used) == 1 and used[0].changes["path"] == "/api/v1/employees/E1041"
        assert used[0].subject_id == str(token.id)


def test_rate_limit_per_token(make_app, demo):
    app = make_app(TOKEN_RATE_LIMIT="3 per minute")
    first = make_token(app, "first", ["people:read"])
    second = make_token(app, "second", ["people:read"])
    client = app.test_client()
    statuses = [client.get("/api/v1/employees/E1041", headers=bearer(first)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/employees/E1041", headers=bearer(first))
    assert limited.mimetype == "application/problem+json" and limited.headers["Retry-After"]
    assert client.get("/api/v1/employees/E1041", headers=bearer(second)).status_code == 200


def test_api_writes_from_a_session_need_the_csrf_header(app, demo, browser):
    """Every unsafe API operation: a session without X-CSRFToken is refused before the view runs."""
    person = browser("E1041")
    unsafe = [rule for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}]
    for rule in unsafe:
        path = re.sub(r"<(?:int:)?\w+>", "1", rule.rule)
        method = sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"})[0]
        response = person.client.open(path, method=method, json={})
        assert response.status_code == 400 and response.get_json()["code"] == "csrf", (method, path)
