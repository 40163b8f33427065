"""Schemathesis over the leave operations only, with more cases than the whole-API run: no 5xx, every
answer as documented, through a manager's browser session (employee routes and HR-only refusals)."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40


def test_leave_operations_hold_their_contract_under_fuzzing(app, demo, browser):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if "/leave" in op.path]
    assert len(operations) == 5
    person = browser("E1005")
    # schemathesis' WSGI transport does not decode compressed bodies (compression has its own tests).
    headers = {"X-CSRFToken": person.csrf(), "Accept-Encoding": "identity"}
    cookies = {"ess_session": person.client.get_cookie("ess_session").value}
    calls = 0
    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

        check()
    assert calls >= 5 * 10
