"""The deciders' queue: filters, keyset pages, the badge, and a query count that does not grow."""
from approvals_support import CERTIFICATE, person
from ess.approvals import services as approvals
from ess.approvals.models import ApprovalRequest, ApprovalState, ApprovalStep, DeciderKind, StepState
from ess.db import db
from query_counter import QueryCounter


def seed_pending(app, count: int, number: str = "E1041") -> None:
    """Insert `count` pending certificate requests waiting for HR, in bulk."""
    with app.app_context():
        requester = person(number)
        requests = [ApprovalRequest(kind="employment_certificate", subject_type="employee",
                                    subject_id=str(requester.id), requester_id=requester.id, payload=CERTIFICATE,
                                    summary=f"재직증명서 {i}") for i in range(count)]
        db.session.add_all(requests)
        db.session.flush()
        from ess import clock

        db.session.add_all([ApprovalStep(request_id=r.id, position=0, decider_kind=DeciderKind.role, role="hr",
                                         state=StepState.pending, reached_at=clock.now()) for r in requests])
        db.session.commit()


def queue_page_queries(app, browser) -> int:
    hr = browser("E1011")
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = hr.get("/approvals")
    assert response.status_code == 200
    return counter.count


def test_queue_query_count_does_not_grow(app, demo, browser):
    seed_pending(app, 10)
    small = queue_page_queries(app, browser)
    seed_pending(app, 990)
    large = queue_page_queries(app, browser)
    assert small == large
    assert large <= 12


def test_badge_shows_waiting_count(app, demo, browser):
    seed_pending(app, 3)
    page = browser("E1011").get("/").get_data(as_text=True)
    assert '<span class="badge">3<span class="visually-hidden"> 대기</span></span>' in page
    assert 'class="badge"' not in browser("E1042").get("/").get_data(as_text=True)


def test_keyset_pages_cover_everything_once(app, demo, browser):
    seed_pending(app, 60)
    hr = browser("E1011")
    seen, url = [], "/approvals"
    while url:
        page = hr.get(url).get_data(as_text=True)
        seen += [line.split('value="')[1].split(":")[0] for line in page.splitlines() if 'name="selected"' in line]
        marker = 'href="/approvals?'
        more = [part for part in page.split(marker)[1:] if "after=" in part.split('"')[0]]
        url = ("/approvals?" + more[0].split('"')[0].replace("&amp;", "&")) if more else None
    assert len(seen) == 60 and len(set(seen)) == 60


def test_filters_by_requester_and_department(app, demo, browser):
    seed_pending(app, 2, "E1041")
    seed_pending(app, 1, "E1051")
    hr = browser("E1011")
    assert hr.get("/approvals?requester=고은서").get_data(as_text=True).count('name="selected"') == 1
    assert hr.get("/approvals?requester=E1041").get_data(as_text=True).count('name="selected"') == 2
    with app.app_context():
        sales = person("E1051").department_id
    assert hr.get(f"/approvals?department={sales}").get_data(as_text=True).count('name="selected"') == 1


def test_bulk_approve_decides_each_and_reports_refusals(app, demo, browser):
    seed_pending(app, 3)
    with app.app_context():
        rows = db.session.scalars(db.select(ApprovalRequest).order_by(ApprovalRequest.id)).all()
        tokens = [f"{r.id}:{r.version}" for r in rows]
        approvals.approve(rows[0].id, actor=person("E1012"))
        db.session.commit()
    response = browser("E1011").post("/approvals/bulk-approve", {"selected": tokens})
    assert response.status_code == 302
    with app.app_context():
        assert [r.state for r in db.session.scalars(db.select(ApprovalRequest).order_by(ApprovalRequest.id))] == \
            [ApprovalState.approved] * 3
        from ess.audit import AuditEvent

        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "approval.approved")) == 3
    page = browser("E1011").get("/approvals").get_data(as_text=True)
    assert "결정을 기다리는 요청이 없습니다." in page


def test_overdue_is_marked_and_reminded_once_a_day(app, demo, browser):
    from datetime import timedelta

    from sqlalchemy import func, select

    from ess import clock
    from ess.notify.models import OutboxMessage

    seed_pending(app, 1)
    with app.app_context():
        step = db.session.scalar(select(ApprovalStep))
        step.reached_at = clock.now() - timedelta(days=14)
        db.session.commit()
    page = browser("E1011").get("/approvals").get_data(as_text=True)
    assert "기한 지남" in page and "queue-row overdue" in page
    runner = app.test_cli_runner()
    first = runner.invoke(args=["ess", "approvals", "remind"])
    second = runner.invoke(args=["ess", "approvals", "remind"])
    assert "3 reminders queued" in first.output  # the three HR people
    assert "0 reminders queued" in second.output
    with app.app_context():
        subjects = db.session.scalars(select(OutboxMessage.subject).where(OutboxMessage.topic == "approval.overdue"))
        assert all(s.startswith("처리 지연: 재직증명서 0") for s in subjects)
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
