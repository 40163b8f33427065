"""The security baseline: headers, CSRF, safe redirects, rate limits and the health check."""
import pytest

from ess.security import safe_next


def test_security_headers_on_pages_and_errors(app, demo, browser):
    b = browser("E1041")
    for response in (b.get("/"), b.get("/no-such-page"), b.get("/healthz")):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_every_page_has_csrf_meta(app, demo, browser):
    b = browser("E1041")
    for path in ("/", "/people/", "/auth/dev-login", "/no-such-page"):
        assert 'name="csrf-token"' in b.get(path).get_data(as_text=True)


def test_state_changes_without_csrf_are_refused(app, demo, browser):
    b = browser("E1041")
    response = b.client.post("/auth/logout")
    assert response.status_code == 400
    assert b.get("/").status_code == 200  # still signed in: nothing happened
    response = b.client.post("/auth/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400


def test_csrf_header_is_accepted_for_json_calls(app, demo, browser):
    b = browser("E1041")
    token = b.csrf()
    response = b.client.post("/auth/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "http:/evil", "",
    None, "\t//evil.example",
])
def test_next_never_leaves_the_site(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"


def test_next_keeps_local_paths(app):
    with app.test_request_context():
        assert safe_next("/people/?q=%EA%B9%80") == "/people/?q=%EA%B9%80"


def test_sign_in_is_rate_limited(make_app, app, demo):
    limited = make_app(LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [client.post("/auth/dev-login", data={"employee": "x"}).status_code for _ in range(5)]
    assert codes[-1] == 429
    assert codes.count(429) == 2


def test_healthz_reports_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(make_app, app):
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_api_errors_are_problem_json(app):
    response = app.test_client().get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 404 and response.json["title"]


def test_error_pages_in_both_languages(app, demo, browser):
    b = browser("E1041")
    assert "페이지를 찾을 수 없습니다" in b.get("/nope").get_data(as_text=True)
    assert "Page not found" in b.get("/nope?lang=en").get_data(as_text=True)
