"""The API's first endpoints, its reference page, and schemathesis over the generated OpenAPI document."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
import schemathesis
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from service_tokens import bearer, make_token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 15


def test_employee_work_details(app, demo, browser):
    person = browser("E1041")
    response = person.get("/api/v1/employees/E1002")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"employee_no", "name", "name_en", "email", "department", "title", "manager", "active"}
    assert body["employee_no"] == "E1002" and body["active"] is True
    missing = person.get("/api/v1/employees/E9999")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert app.test_client().get("/api/v1/employees/E1002").status_code == 401


def test_former_employees_are_hidden_from_colleagues(app, demo, browser):
    from sqlalchemy import select

    from ess.db import db
    from ess.people.models import Employee

    with app.app_context():
        db.session.scalar(select(Employee).where(Employee.employee_no == "E1002")).deactivate()
        db.session.commit()
    assert browser("E1041").get("/api/v1/employees/E1002").status_code == 404
    assert browser("E1011").get("/api/v1/employees/E1002").get_json()["active"] is False  # HR
    token = make_token(app, "payroll", ["people:read"])
    assert app.test_client().get("/api/v1/employees/E1002", headers=bearer(token)).get_json()["active"] is False


def test_me(app, demo, browser):
    body = browser("E1034").get("/api/v1/me").get_json()
    assert body["employee_no"] == "E1034" and "admin" in body["roles"] and "employee" in body["roles"]


def test_reference_page_is_rendered_from_the_document(app, demo):
    page = app.test_client().get("/api/v1/docs?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html.split("</head>")[1]
    assert "/api/v1/employees/{employee_no}" in html and "people:read" in html
    assert 'href="#schema-EmployeeWork"' in html and 'id="schema-EmployeeWork"' in html
    assert "None: signed-in people only" in html  # /me is for people, not tokens
    assert "https://" not in html.replace("https://schemas", "")  # nothing from a CDN
    assert "API 참조" in app.test_client().get("/api/v1/docs").get_data(as_text=True)


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the OpenAPI document lists no operation"
    return operations


# schemathesis' WSGI transport does not decode compressed bodies (compression has its own tests).
PLAIN = {"Accept-Encoding": "identity"}


def _run(operations, headers, cookies=None) -> int:
    headers = {**PLAIN, **headers}
    calls = 0
    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

        check()
    return calls


def test_schemathesis_as_a_signed_in_employee(app, demo, browser):
    """Every operation, fuzzed through a browser session (with the CSRF header): no 5xx, nothing off-schema."""
    person = browser("E1005")  # a manager: employee and manager routes both answer
    csrf = person.csrf()
    cookie = person.client.get_cookie("ess_session").value
    calls = _run(_operations(app), {"X-CSRFToken": csrf}, cookies={"ess_session": cookie})
    print(f"schemathesis (session): {calls} cases")
    assert calls >= EXAMPLES_PER_OPERATION


def test_schemathesis_with_a_service_token(app, demo):
    """The same with a token holding every scope: operations refuse a program cleanly (403) or answer it."""
    from ess.tokens.services import known_scopes

    token = make_token(app, "fuzz", known_scopes(app))
    calls = _run(_operations(app), bearer(token))
    print(f"schemathesis (token): {calls} cases")
    assert calls >= EXAMPLES_PER_OPERATION
