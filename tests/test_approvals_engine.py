"""The approval engine: chains from policy, decisions in order, refusals, delegation, audit."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from approvals_support import MANAGER_THEN_HR, ask_certificate, person, policies_with
from ess import clock
from ess.approvals import services as approvals
from ess.approvals.models import AlreadyDecided, ApprovalRequest, ApprovalState, StepState
from ess.approvals.policy import PolicyError, parse_policy
from ess.approvals.registry import Description, RequestKind, register_kind
from ess.audit import AuditEvent
from ess.db import db
from ess.errors import DomainError


@pytest.fixture
def chain_app(make_app, app, demo, tmp_path):
    """The demo company with certificates decided by the manager, then HR."""
    return make_app(POLICIES_DIR=policies_with(tmp_path, MANAGER_THEN_HR))


def states(request):
    return [(step.decider_kind.value, step.state.value) for step in request.steps]


def test_certificate_goes_to_hr_by_default(app, demo):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        assert states(request) == [("role", "pending")]
        assert request.state is ApprovalState.pending
        assert approvals.can_decide(request, person("E1011"))       # HR
        assert not approvals.can_decide(request, person("E1005"))   # the manager is not in this chain
        assert not approvals.can_decide(request, person("E1041"))   # never the requester


def test_manager_then_hr_and_apply_once(chain_app):
    with chain_app.app_context():
        request = ask_certificate()
        db.session.commit()
        assert states(request) == [("manager", "pending"), ("role", "waiting")]
        assert request.steps[0].decider.employee_no == "E1005"
        approvals.approve(request.id, actor=person("E1005"), expected_version=request.version)
        db.session.commit()
        assert states(request) == [("manager", "approved"), ("role", "pending")]
        assert request.state is ApprovalState.pending
        approvals.approve(request.id, actor=person("E1011"), comment="발급합니다")
        db.session.commit()
        assert request.state is ApprovalState.approved
        issued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issued")).all()
        assert len(issued) == 1
        decisions = [e.action for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("approval.%")).order_by(AuditEvent.id))]
        assert decisions == ["approval.submitted", "approval.approved", "approval.approved"]


def test_manager_step_skipped_without_manager(chain_app):
    with chain_app.app_context():
        request = ask_certificate("E1001")  # the CEO has no manager
        db.session.commit()
        assert states(request) == [("manager", "skipped"), ("role", "pending")]


def test_conditions_add_steps(make_app, app, demo, tmp_path):
    policy = """
[kinds.test_trip]
steps = [{ decider = "manager" }, { decider = "role", role = "hr", when = "days > 5" }]
"""
    register_kind(RequestKind(
        name="test_trip", label="trip", validate=lambda r: None, apply=lambda r, a: None,
        describe=lambda r: Description(summary="trip"), chain_facts=lambda r: {"days": r.payload["days"]}))
    conditional = make_app(POLICIES_DIR=policies_with(tmp_path, policy))
    with conditional.app_context():
        me = person("E1041")
        short = approvals.submit("test_trip", requester=me, subject_type="t", subject_id=1, payload={"days": 5},
                                 actor=me)
        long = approvals.submit("test_trip", requester=me, subject_type="t", subject_id=2, payload={"days": 5.5},
                                actor=me)
        assert [s.decider_kind.value for s in short.steps] == ["manager"]
        assert [s.decider_kind.value for s in long.steps] == ["manager", "role"]


def test_deciding_twice_is_refused(app, demo):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        version = request.version
        approvals.approve(request.id, actor=person("E1011"), expected_version=version)
        db.session.commit()
        with pytest.raises(AlreadyDecided):
            approvals.approve(request.id, actor=person("E1012"), expected_version=version)
        with pytest.raises(AlreadyDecided):
            approvals.reject(request.id, actor=person("E1012"), reason="늦음")


def test_stale_form_is_refused(chain_app):
    with chain_app.app_context():
        request = ask_certificate()
        db.session.commit()
        opened = request.version
        approvals.send_back(request.id, actor=person("E1005"), question="용도가 무엇인가요?")
        db.session.commit()
        with pytest.raises(AlreadyDecided):
            approvals.approve(request.id, actor=person("E1005"), expected_version=opened)


def test_reject_needs_a_reason_and_changes_nothing(app, demo):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            approvals.reject(request.id, actor=person("E1011"), reason="  ")
        assert refused.value.field == "reason"
        db.session.rollback()
        assert db.session.get(ApprovalRequest, request.id).state is ApprovalState.pending
        approvals.reject(request.id, actor=person("E1011"), reason="서류 미비")
        db.session.commit()
        assert request.state is ApprovalState.rejected
        assert request.steps[0].comment == "서류 미비"


def test_send_back_and_answer_resume_the_step(chain_app):
    with chain_app.app_context():
        request = ask_certificate()
        db.session.commit()
        approvals.send_back(request.id, actor=person("E1005"), question="몇 부 필요한가요?")
        db.session.commit()
        assert states(request)[0] == ("manager", "returned")
        with pytest.raises(DomainError):
            approvals.approve(request.id, actor=person("E1005"))
        db.session.rollback()
        with pytest.raises(DomainError):
            approvals.answer(request.id, actor=person("E1005"), text="제가 답합니다")
        db.session.rollback()
        approvals.answer(request.id, actor=person("E1041"), text="1부입니다")
        db.session.commit()
        assert states(request)[0] == ("manager", "pending")
        assert [e.action for e in request.events] == ["submitted", "sent_back", "answered"]


def test_withdraw_only_by_requester_while_pending(app, demo):
    with app.app_context():
        request = ask_certificate()
        db.session.commit()
        with pytest.raises(DomainError):
            approvals.withdraw(request.id, actor=person("E1011"))
        db.session.rollback()
        approvals.withdraw(request.id, actor=person("E1041"))
        db.session.commit()
        assert request.state is ApprovalState.withdrawn
        assert states(request) == [("role", "closed")]
        with pytest.raises(AlreadyDecided):
            approvals.approve(request.id, actor=person("E1011"))


def test_delegate_decides_and_record_shows_both(chain_app):
    with chain_app.app_context():
        approvals.delegate(actor=person("E1005"), delegate_no="E1041", starts_on=clock.today(),
                           ends_on=clock.today() + timedelta(days=7))
        request = ask_certificate("E1042")  # 권나은, also reporting to E1005
        db.session.commit()
        assert approvals.can_decide(request, person("E1041"))
        approvals.approve(request.id, actor=person("E1041"))
        db.session.commit()
        step = request.steps[0]
        assert step.decided_by.employee_no == "E1041" and step.on_behalf_of.employee_no == "E1005"


def test_delegation_outside_its_dates_gives_nothing(chain_app):
    with chain_app.app_context():
        approvals.delegate(actor=person("E1005"), delegate_no="E1041",
                           starts_on=clock.today() + timedelta(days=3), ends_on=clock.today() + timedelta(days=7))
        request = ask_certificate("E1042")
        db.session.commit()
        assert not approvals.can_decide(request, person("E1041"))


def test_delegation_refuses_bad_input(app, demo):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            approvals.delegate(actor=person("E1005"), delegate_no="E1005", starts_on=clock.today(),
                               ends_on=clock.today())
        assert refused.value.field == "delegate"
        with pytest.raises(DomainError) as refused:
            approvals.delegate(actor=person("E1005"), delegate_no="E1041", starts_on=clock.today(),
                               ends_on=clock.today() - timedelta(days=1))
        assert refused.value.field == "ends_on"


def test_submission_is_validated_by_the_kind(app, demo):
    with app.app_context():
        with pytest.raises(DomainError) as refused:
            ask_certificate(copies=9)
        assert refused.value.field == "copies"


@pytest.mark.parametrize("text,message", [
    ("[kinds.x]\nsteps = []", "non-empty"),
    ('[kinds.x]\nsteps = [{ decider = "boss" }]', "decider must be"),
    ('[kinds.x]\nsteps = [{ decider = "role" }]', "needs `role`"),
    ('[kinds.x]\nsteps = [{ decider = "manager", when = "days >>> 5" }]', "cannot read condition"),
    ("[kinds.x", "approvals.toml"),
])
def test_bad_policy_is_explained(text, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(text)


def test_shipped_policy_reads():
    from approvals_support import POLICIES

    policy = parse_policy((POLICIES / "approvals.toml").read_text(encoding="utf-8"))
    assert [rule.decider.value for rule in policy.chain("leave")] == ["manager", "role"]
    assert policy.chain("unknown-kind")[0].role == "hr"
