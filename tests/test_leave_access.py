"""Object-level rules on E1041's own leave: the owner acts on it; the manager and HR may read the
document; anyone else gets 403, and a request that does not exist is 404."""
import pytest

from conftest import Browser
from ess.db import db
from ess.leave.demo import build_leave_demo

ANON, EMPLOYEE, MANAGER, HR, IT_AUTHOR, ADMIN, COLLEAGUE = (
    "anonymous", "E1041", "E1005", "E1011", "E1031", "E1034", "E1042")


@pytest.fixture
def leave_demo(app, demo):
    with app.app_context():
        build_leave_demo()  # E1041: 1 approved and past, 2 approved and not started, 3 sick with a document
        db.session.commit()


CASES = [
    ("GET", "/leave/requests/3/document",
     {ANON: 302, EMPLOYEE: 200, MANAGER: 200, HR: 200, IT_AUTHOR: 403, ADMIN: 403, COLLEAGUE: 403}),
    # Others first, then the owner (whose withdraw of approved leave is refused with a message: 302).
    ("POST", "/leave/requests/1/withdraw",
     {ANON: 302, MANAGER: 403, HR: 403, IT_AUTHOR: 403, ADMIN: 403, COLLEAGUE: 403, EMPLOYEE: 302}),
    ("POST", "/leave/requests/2/cancel",
     {ANON: 302, MANAGER: 403, HR: 403, IT_AUTHOR: 403, ADMIN: 403, COLLEAGUE: 403, EMPLOYEE: 302}),
    ("GET", "/leave/requests/999/document", {EMPLOYEE: 404, HR: 404}),
]


@pytest.mark.parametrize("method, path, expected", CASES, ids=[c[1] for c in CASES])
def test_own_leave_objects(app, leave_demo, method, path, expected):
    for identity, status in expected.items():
        b = Browser(app) if identity == ANON else Browser(app).sign_in(identity)
        response = b.get(path) if method == "GET" else b.post(path)
        assert response.status_code == status, f"{identity} {method} {path}"


def test_the_owner_cancelling_sends_a_cancellation_for_approval(app, leave_demo):
    from ess.approvals.services import request_for_subject

    Browser(app).sign_in(EMPLOYEE).post("/leave/requests/2/cancel", {"reason": "일정 변경"})
    with app.app_context():
        approval = request_for_subject("leave_cancellation", 2)
        assert approval is not None and approval.kind == "leave_cancellation" and approval.state.value == "pending"
