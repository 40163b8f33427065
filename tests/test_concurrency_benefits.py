"""A benefit choice confirmed twice at the same moment (two tabs, a double click): one request goes to HR, the
other is refused as already waiting, on PostgreSQL (row lock on the employee) and SQLite (write lock)."""
from __future__ import annotations

import threading

from sqlalchemy import func, select

from ess.approvals.models import ApprovalRequest
from ess.benefits import services
from ess.benefits.models import BenefitEnrolment
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee


def test_two_confirmations_at_once_make_one_request_for_hr(make_app, app, demo):
    portal = make_app(TODAY="2026-11-20")  # open enrolment
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(option: str):
        with portal.app_context():
            junho = db.session.scalar(select(Employee).where(Employee.employee_no == "E1041"))
            barrier.wait()
            try:
                services.submit_enrolment(junho, plan="dental", option=option, level="employee", actor=junho)
                db.session.commit()
                outcomes.append("sent")
            except DomainError as refusal:
                db.session.rollback()
                outcomes.append(refusal.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm, args=(option,)) for option in ("basic", "basic")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["already_pending", "sent"]
    with portal.app_context():
        assert db.session.scalar(select(func.count()).select_from(BenefitEnrolment)
                                 .where(BenefitEnrolment.plan == "dental",
                                        BenefitEnrolment.state == "pending")) == 1
        assert db.session.scalar(select(func.count()).select_from(ApprovalRequest)
                                 .where(ApprovalRequest.kind == "benefit_enrolment")) == 1
