"""Web security over every route: CSRF, sessions at sign-in and sign-out, redirects, headers, rate limits,
and how uploaded files are served."""
from __future__ import annotations

import io
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from ess.db import db
from test_access_rules import ADMIN, ANON, EMPLOYEE, HR, IT_AUTHOR, MANAGER, MATRIX, make_objects

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                    "Permissions-Policy")


def snapshot() -> dict[str, list]:
    """Every row of every table, so a refused request can be shown to have changed nothing at all."""
    return {table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
            for table in db.metadata.sorted_tables}


def _who_may(expected: dict) -> str:
    """The identity for whom the route does something (not refused by the access rules)."""
    for identity in (EMPLOYEE, HR, ADMIN, IT_AUTHOR, MANAGER, ANON):
        if expected[identity] not in (401, 403, 404):
            return identity
    return EMPLOYEE


def state_changing_routes(app):
    """Every rule taking POST/PUT/PATCH/DELETE, from the URL map, so new routes are covered unasked. SCIM is
    left out: it takes bearer tokens only, a browser's cookie never authenticates it (tested below)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.rule.startswith("/scim/"):
            continue
        for method in sorted(rule.methods & UNSAFE):
            assert rule.endpoint in MATRIX, f"{rule.endpoint} needs a MATRIX entry in test_access_rules.py"
            yield rule.endpoint, method


def test_every_state_changing_route_refuses_a_missing_or_wrong_csrf_token(app, demo, browser):
    objects = make_objects(app)
    clients = {identity: browser(None if identity == ANON else identity)
               for identity in (ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN)}
    with app.app_context():
        before = snapshot()
    checked = []
    for endpoint, method in state_changing_routes(app):
        _, path, expected, *data = MATRIX[endpoint]
        url = path.format(**objects)
        b = clients[_who_may(expected)]
        for headers in ({}, {"X-CSRFToken": "forged"}):
            form = {} if headers else {"csrf_token": "forged"}
            if url.startswith("/api/"):
                response = b.client.open(url, method=method, json=data[0] if data else {}, headers=headers)
                assert response.mimetype == "application/problem+json", f"{method} {url}"
                assert response.get_json()["code"] == "csrf"
            else:
                response = b.client.open(url, method=method, data={**(data[0] if data else {}), **form},
                                         headers=headers)
                assert "다시 시도" in response.get_data(as_text=True), f"{method} {url}: no readable page"
            assert response.status_code == 400, f"{method} {url} {headers or form}"
        with app.app_context():
            assert snapshot() == before, f"{method} {url} changed data without a CSRF token"
        checked.append(endpoint)
    assert len(checked) >= 40
    assert clients[EMPLOYEE].get("/").status_code == 200  # still signed in: sign-out was refused too


def test_a_session_cookie_does_not_authenticate_scim(app, demo, browser):
    admin = browser(ADMIN)
    response = admin.client.post("/scim/v2/Users", json={"userName": "x@hanbit.example"},
                                 headers={"X-CSRFToken": admin.csrf()})
    assert response.status_code == 401


def test_csrf_token_from_before_sign_in_is_void_after_it(app, demo, browser):
    """A token planted in a visitor's session (session fixation) is worthless once they sign in."""
    b = browser()
    planted = b.csrf()
    response = b.client.post("/auth/dev-login", data={"employee": EMPLOYEE, "csrf_token": planted})
    assert response.status_code == 302
    assert b.client.post("/auth/logout", data={"csrf_token": planted}).status_code == 400
    assert b.client.post("/auth/logout", data={"csrf_token": b.csrf()}).status_code == 302


def test_cookie_from_before_sign_in_is_not_signed_in(app, demo, browser):
    b = browser()
    b.csrf()
    visitor_cookie = b.client.get_cookie("ess_session").value
    b.sign_in(EMPLOYEE)
    assert b.client.get_cookie("ess_session").value != visitor_cookie
    other = app.test_client()
    other.set_cookie("ess_session", visitor_cookie)
    assert other.get("/").status_code == 302


def test_sign_out_ends_a_copied_session_cookie(app, demo, browser):
    b = browser(EMPLOYEE)
    stolen = b.client.get_cookie("ess_session").value
    assert b.post("/auth/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("ess_session", stolen)
    response = thief.get("/me")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert browser(EMPLOYEE).get("/me").status_code == 200  # signing in again works


REDIRECT_ATTEMPTS = [
    "//evil.example/", "/\\evil.example", "\\\\evil.example", "https:evil.example", "https://evil.example",
    "http:/evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "javascript:alert(1)", "/\t/evil.example",
    " //evil.example", "///evil.example", "data:text/html,<script>alert(1)</script>", "\x00//evil.example",
]


def _stays_here(location: str) -> bool:
    parts = urlsplit(location)
    return (parts.scheme in ("", "http") and parts.netloc in ("", "localhost") and location.startswith(("/", "http://localhost/"))
            and not location.startswith("//") and "\\" not in location and "evil" not in parts.netloc)


@pytest.mark.parametrize("target", REDIRECT_ATTEMPTS)
def test_no_redirect_parameter_leaves_the_site(app, demo, browser, target):
    signed_in = browser(EMPLOYEE)
    visitor = browser()
    raw = quote(target, safe="")
    answers = [
        signed_in.get(f"/auth/login?next={raw}"),  # already signed in: straight to next
        visitor.get(f"/auth/login?next={raw}"),  # to the demo sign-in, carrying next
        visitor.post(f"/auth/dev-login?next={raw}", {"employee": EMPLOYEE}),
    ]
    for response in answers:
        if "\x00" in target:  # refused before any view runs (ess.security.refuse_unstorable_input)
            assert response.status_code == 422 and "Location" not in response.headers
            continue
        assert response.status_code == 302
        location = response.headers["Location"]
        assert _stays_here(location), f"{target!r} → {location!r}"
        if location.startswith("/auth/dev-login"):
            nested = visitor.get(location).get_data(as_text=True)
            assert '="//' not in nested and "javascript:" not in nested


def _problem(response) -> bool:
    return response.mimetype == "application/problem+json" and response.get_json()["status"] == response.status_code


def test_security_headers_on_every_kind_of_response(app, demo, browser):
    objects = make_objects(app)
    b = browser(EMPLOYEE)
    visitor = app.test_client()
    responses = {
        "page": b.get("/"),
        "404 page": b.get("/no-such-page"),
        "405 page": b.client.put("/"),
        "static": b.get("/static/css/ess.css"),
        "problem+json 404": b.get("/api/v1/nothing"),
        "problem+json 401": visitor.get("/api/v1/me"),
        "json": b.get("/api/v1/me"),
        "redirect": visitor.get("/"),
        "csrf refusal": b.client.post("/auth/logout"),
        "download": b.get(f"/help/q/{objects['question']}/files/{objects['question_file']}"),
        "csv": browser(HR).get("/leave/reports.csv"),
        "scim": visitor.get("/scim/v2/Users"),
        "413": b.client.post("/help/ask", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                             content_type="application/x-www-form-urlencoded"),
        "openapi": visitor.get("/api/v1/openapi.json"),
    }
    assert responses["problem+json 404"].status_code == 404 and _problem(responses["problem+json 404"])
    assert responses["413"].status_code == 413
    for kind, response in responses.items():
        for header in SECURITY_HEADERS:
            assert header in response.headers, f"{kind} ({response.status_code}) lacks {header}"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # not over plain HTTP in tests
    assert responses["static"].headers.get("Cache-Control") != "no-store"  # static files may be cached
    assert responses["page"].headers["Cache-Control"] == "no-store"  # personal pages are not


def test_hsts_when_cookies_are_secure(make_app, app):
    secure = make_app(SESSION_COOKIE_SECURE=True)
    response = secure.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_oversized_request_is_a_clean_413(app, demo, browser):
    b = browser(EMPLOYEE)
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    page = b.post("/help/ask", {"topic": "pay", "subject": "big",
                                "attachment": (io.BytesIO(b"\x00" * too_big), "big.png", "image/png")})
    assert page.status_code == 413 and "업로드" in page.get_data(as_text=True)
    api = b.client.post("/api/v1/me/profile/changes", data=b"{" + b" " * too_big + b"}",
                        content_type="application/json", headers={"X-CSRFToken": b.csrf()})
    assert api.status_code == 413 and _problem(api)
    from ess.helpdesk.models import Question

    with app.app_context():
        assert db.session.scalar(select(Question).where(Question.subject == "big")) is None


def test_searches_are_rate_limited_per_person_with_one_budget(make_app, app, demo):
    from conftest import Browser

    limited = make_app(SEARCH_RATE_LIMIT="3 per minute")
    person = Browser(limited).sign_in(EMPLOYEE)
    codes = [person.get("/kb/search?q=vpn").status_code, person.get("/api/v1/kb/search?q=vpn").status_code,
             person.get("/api/v1/kb/suggest?q=vp").status_code]
    assert codes == [200, 200, 200]
    page = person.get("/kb/search?q=vpn")
    assert page.status_code == 429 and "잠시" in page.get_data(as_text=True) and page.mimetype == "text/html"
    for url in ("/api/v1/kb/search?q=vpn", "/api/v1/helpdesk/suggestions?q=vpn"):
        api = person.get(url)
        assert api.status_code == 429 and _problem(api), url
    assert person.get("/people/?q=kim").status_code == 429
    # Another person has their own budget.
    assert Browser(limited).sign_in(HR).get("/kb/search?q=vpn").status_code == 200


def test_questions_are_rate_limited(make_app, app, demo):
    from conftest import Browser
    from ess.helpdesk.models import Question

    limited = make_app(QUESTION_RATE_LIMIT="2 per minute")
    person = Browser(limited).sign_in(EMPLOYEE)
    codes = [person.post("/help/ask", {"topic": "pay", "subject": f"급여일 질문 {i}"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    with limited.app_context():
        asked = db.session.scalars(select(Question.subject).where(Question.subject.like("급여일 질문%"))).all()
    assert sorted(asked) == ["급여일 질문 0", "급여일 질문 1"]


def _download_checks(response, sniffed: str) -> None:
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == sniffed
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.demo_articles
def test_uploads_are_stored_by_their_content_and_served_as_attachments(app, demo, browser):
    from ess.helpdesk.models import Question

    employee = browser(EMPLOYEE)
    sent = employee.post("/help/ask", {
        "topic": "pay", "subject": "명세서 첨부",
        "attachment": (io.BytesIO(PNG), "../../etc/<script>passwd.html", "text/html")})
    assert sent.status_code == 302
    with app.app_context():
        question = db.session.scalar(select(Question).where(Question.subject == "명세서 첨부"))
        file = question.attachments[0]
        file_id, name = file.id, file.filename
    assert "/" not in name and ".." not in name and "<" not in name and name.endswith(".png")
    download = employee.get(f"/help/q/{question.id}/files/{file_id}")
    _download_checks(download, "image/png")
    assert download.data == PNG
    # HTML labelled as an image is refused and nothing is kept.
    refused = employee.post("/help/ask", {
        "topic": "pay", "subject": "가짜 그림",
        "attachment": (io.BytesIO(b"<html><script>alert(1)</script></html>"), "a.png", "image/png")})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Question).where(Question.subject == "가짜 그림")) is None

    objects = make_objects(app)
    _download_checks(employee.get(f"/benefits/life-events/{objects['life_event']}/document"), "application/pdf")

    author = browser(HR)
    upload = author.post("/kb/a/vpn/attachments", {"file": (io.BytesIO(PNG), "..\\..\\x.svg", "image/svg+xml")})
    assert upload.status_code == 302
    from ess.knowledge.models import Attachment

    with app.app_context():
        image = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        url = f"/kb/attachments/{image.id}/{image.filename}"
    _download_checks(employee.get(url), "image/png")
    svg = author.post("/kb/a/vpn/attachments", {"file": (io.BytesIO(b"<svg onload=alert(1)/>"), "x.svg",
                                                         "image/svg+xml")})
    assert svg.status_code == 422
