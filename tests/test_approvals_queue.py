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


# --- The queue chosen by walks in index order shows what the plain rule shows, in the same order -----------------

def _reference(user, filters) -> list[int]:
    """The queue's rule as one plain statement (as it was written before its walks): the request ids of the
    steps waiting for me (pending) or decided by me (other states), oldest first unless asked otherwise."""
    from datetime import timedelta

    from sqlalchemy import and_, func, or_, select
    from sqlalchemy.orm import aliased

    from ess import clock
    from ess.approvals.services import delegators_of
    from ess.people.directory import department_and_below
    from ess.people.models import Employee

    requester = aliased(Employee)
    pending = filters.state == "pending"
    moment = ApprovalStep.reached_at if pending else ApprovalStep.decided_at
    statement = (select(ApprovalRequest.id).select_from(ApprovalStep).join(ApprovalStep.request)
                 .join(requester, requester.id == ApprovalRequest.requester_id))
    if pending:
        people = [user.id, *delegators_of(user)]
        statement = statement.where(
            ApprovalStep.state == StepState.pending, ApprovalRequest.state == ApprovalState.pending,
            ApprovalRequest.requester_id != user.id,
            or_(and_(ApprovalStep.decider_kind.in_([DeciderKind.manager, DeciderKind.person]),
                     ApprovalStep.decider_id.in_(people)),
                and_(ApprovalStep.decider_kind == DeciderKind.role, ApprovalStep.role.in_(sorted(user.roles)))))
    else:
        statement = statement.where(ApprovalStep.decided_by_id == user.id,
                                    ApprovalRequest.state == ApprovalState(filters.state))
    if filters.kind:
        statement = statement.where(ApprovalRequest.kind == filters.kind)
    if filters.department_id:
        statement = statement.where(requester.department_id.in_(department_and_below(filters.department_id)))
    if filters.requester:
        pattern = f"%{filters.requester.lower()}%"
        statement = statement.where(or_(func.lower(requester.name).like(pattern),
                                        func.lower(requester.name_en).like(pattern),
                                        requester.employee_no == filters.requester))
    if filters.min_age_days:
        statement = statement.where(moment <= clock.now() - timedelta(days=filters.min_age_days))
    newest = filters.newest_first or not pending
    order = (moment.desc(), ApprovalStep.id.desc()) if newest else (moment.asc(), ApprovalStep.id.asc())
    return list(db.session.scalars(statement.order_by(*order)))


def _every_page(user, filters, page_size: int):
    from dataclasses import replace

    from ess.approvals import queue

    rows, after = [], None
    while True:
        page = queue.queue(user, replace(filters, after=after), page_size=page_size)
        rows += page.rows
        if page.next_cursor is None:
            return rows
        after = page.next_cursor


def _mixed_queue():
    """What waits for E1002 (HR, and the manager of HR's team) and for others, with many steps reached at the same
    moment: her reports' steps, E1005's (whom she covers today) and E1006's (cover ended yesterday), HR's and
    IT's role steps, steps not reached yet, her own request, a request already decided, and her decisions."""
    from datetime import timedelta

    from ess import clock
    from ess.approvals.models import Delegation

    me, covered, uncovered = person("E1002"), person("E1005"), person("E1006")
    today, now = clock.today(), clock.now()
    db.session.add_all([Delegation(delegator_id=covered.id, delegate_id=me.id, starts_on=today, ends_on=today),
                        Delegation(delegator_id=uncovered.id, delegate_id=me.id, starts_on=today - timedelta(days=9),
                                   ends_on=today - timedelta(days=1))])
    requesters = ["E1011", "E1041", "E1051", "E1031", "E1002", "E1052", "E1042"]
    steps = [  # (decider kind, decider, role, step state, request state)
        ("manager", me, None, "pending", "pending"), ("person", me, None, "pending", "pending"),
        ("manager", covered, None, "pending", "pending"), ("manager", uncovered, None, "pending", "pending"),
        ("role", None, "hr", "pending", "pending"), ("role", None, "hr", "pending", "pending"),
        ("role", None, "it_author", "pending", "pending"), ("role", None, "hr", "waiting", "pending"),
        ("role", None, "hr", "pending", "approved"), ("role", None, "hr", "returned", "pending"),
    ]
    for n in range(70):
        kind, decider, role, step_state, request_state = steps[n % len(steps)]
        requester = person(requesters[n % len(requesters)])
        minutes = (n * 7) % 5  # five moments shared by many steps, so the order often falls to the step's id
        request = ApprovalRequest(kind="employment_certificate" if n % 3 else "leave", subject_type="employee",
                                  subject_id=str(requester.id), requester_id=requester.id, payload=CERTIFICATE,
                                  summary=f"요청 {n}", state=ApprovalState(request_state))
        db.session.add(request)
        db.session.flush()
        db.session.add(ApprovalStep(request_id=request.id, position=0, decider_kind=DeciderKind(kind), role=role,
                                    decider_id=decider.id if decider else None, state=StepState(step_state),
                                    reached_at=now - timedelta(days=minutes * 3, minutes=minutes)))
        if n % 4 == 0:  # and a decision of hers on some other request
            decided = ApprovalRequest(kind="employment_certificate", subject_type="employee",
                                      subject_id=str(requester.id), requester_id=requester.id, payload=CERTIFICATE,
                                      summary=f"결정 {n}", state=ApprovalState.approved if n % 8 else ApprovalState.rejected)
            db.session.add(decided)
            db.session.flush()
            db.session.add(ApprovalStep(request_id=decided.id, position=0, decider_kind=DeciderKind.role, role="hr",
                                        state=StepState.approved, reached_at=now - timedelta(days=9),
                                        decided_by_id=me.id, decided_at=now - timedelta(minutes=minutes)))
    db.session.commit()


def test_queue_pages_show_what_the_plain_rule_shows_in_the_same_order(app, demo):
    from ess.approvals.queue import QueueFilters, waiting_count

    with app.app_context():
        _mixed_queue()
        me = person("E1002")
        sales = person("E1051").department_id
        cases = [QueueFilters(), QueueFilters(newest_first=True), QueueFilters(kind="leave"),
                 QueueFilters(department_id=sales), QueueFilters(requester="이수민"), QueueFilters(requester="E1041"),
                 QueueFilters(requester="eunseo"), QueueFilters(min_age_days=5),
                 QueueFilters(min_age_days=5, newest_first=True, kind="employment_certificate"),
                 QueueFilters(state="approved"), QueueFilters(state="rejected"),
                 QueueFilters(state="approved", department_id=sales)]
        for filters in cases:
            expected = _reference(me, filters)
            for page_size in (1, 4, 25):
                shown = [row.request_id for row in _every_page(me, filters, page_size)]
                assert shown == expected, (filters, page_size)
        pending = _every_page(me, QueueFilters(), 25)
        assert len(pending) == waiting_count(me) > 25
        # Steps of the person she covers for say so; her own and her reports' do not.
        covering = {row.request_id: row.on_behalf_of for row in pending}
        covered_ids = set(db.session.scalars(
            db.select(ApprovalStep.request_id).where(ApprovalStep.decider_id == person("E1005").id))) & set(covering)
        assert covered_ids and {request_id for request_id, name in covering.items() if name} == covered_ids
        assert set(covering[request_id] for request_id in covered_ids) == {"최유나"}


def test_queue_page_and_api_show_the_rows_in_order(app, demo, browser):
    import re

    from ess.approvals.queue import QueueFilters

    with app.app_context():
        _mixed_queue()
        expected = _reference(person("E1002"), QueueFilters())
    b = browser("E1002")
    seen, url = [], "/approvals"
    while url:
        page = b.get(url).get_data(as_text=True)
        seen += [int(number) for number in re.findall(r'href="/approvals/(\d+)"', page)]
        more = re.search(r'href="(/approvals\?[^"]*after=[^"]+)"', page)
        url = more.group(1).replace("&amp;", "&") if more else None
    assert seen == expected
    assert "최유나 대리" in b.get("/approvals?sort=newest").get_data(as_text=True)
    api, after = [], ""
    while True:
        body = b.get("/api/v1/approvals" + (f"?after={after}" if after else "")).get_json()
        api += [item["id"] for item in body["approvals"]]
        if not body["next"]:
            break
        after = body["next"]
    assert api == expected
