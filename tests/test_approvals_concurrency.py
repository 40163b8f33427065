"""Two deciders clicking approve at the same moment: one decision, one clear refusal, one application."""
import threading

from sqlalchemy import func, select

from approvals_support import ask_certificate, person
from ess.approvals import services as approvals
from ess.approvals.models import AlreadyDecided, ApprovalRequest, ApprovalState
from ess.audit import AuditEvent
from ess.db import db


def test_concurrent_double_approve_applies_once(app, demo):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        request_id, version = request.id, request.version

    barrier = threading.Barrier(2)
    outcomes = []

    def decide(number):
        with app.app_context():
            actor = person(number)
            db.session.commit()  # each thread starts a fresh transaction at the same moment
            barrier.wait()
            try:
                approvals.approve(request_id, actor=actor, expected_version=version)
                db.session.commit()
                outcomes.append("approved")
            except AlreadyDecided as refusal:
                db.session.rollback()
                outcomes.append(str(refusal.message))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(n,)) for n in ("E1011", "E1012")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == sorted(["approved", "이미 결정되었거나 그사이에 바뀐 요청입니다."]) or \
        sorted(outcomes) == sorted(["approved", "This request was already decided or changed meanwhile."])
    with app.app_context():
        assert db.session.get(ApprovalRequest, request_id).state is ApprovalState.approved
        issued = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "certificate.issued"))
        assert issued == 1
