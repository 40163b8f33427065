"""Statements per page (issue #10): the same number on a small company and on one ten times larger (no N+1),
and at most 10 for each page people use most, with their JSON calls.

Each backend seeds a small data set, counts every page, grows it tenfold and counts again. The data grows
where each page reads: colleagues in the directory, my leave history with documents, requests waiting for
HR from many requesters, articles in a growing number of categories, sharing tags (related articles, search hits, the home
page's popular and to-confirm lists), questions and announcements.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from approvals_support import CERTIFICATE, person
from conftest import csrf_token_from
from ess import clock
from ess.approvals.models import ApprovalRequest, ApprovalStep, DeciderKind, StepState
from ess.db import db
from ess.helpdesk.models import Announcement, Question
from ess.insights.models import ArticleView
from ess.knowledge import services as kb
from ess.leave import services as leave
from ess.leave.models import LeaveAttachment, LeaveRequest, RequestState
from ess.people.models import Employee
from query_counter import QueryCounter

SMALL, FACTOR = 6, 10
BUDGET = 10
PDF = b"%PDF-1.4\n%%EOF\n"
# A future Monday–Thursday with no Korean public holiday, for the leave preview.
PREVIEW = {"leave_type": "annual", "start": "2027-03-08", "end": "2027-03-11"}

# (who, method, path, form). E1041 is an employee, E1011 HR; "manager" is E1041's manager.
PAGES = [
    ("E1041", "GET", "/", None),
    ("manager", "GET", "/", None),
    ("E1011", "GET", "/", None),
    ("E1041", "GET", "/leave/", None),
    ("E1041", "GET", "/api/v1/leave/balances", None),
    ("E1041", "GET", "/api/v1/leave/requests", None),
    ("E1041", "POST", "/leave/new", {**PREVIEW, "action": "preview"}),
    ("E1041", "GET", "/api/v1/leave/preview?leave_type=annual&start=2027-03-08&end=2027-03-11", None),
    ("E1011", "GET", "/approvals", None),
    ("E1011", "GET", "/api/v1/approvals", None),
    ("E1011", "GET", "/approvals?requester=질의&sort=newest", None),
    ("E1041", "GET", "/kb/a/qc-0", None),
    ("E1041", "GET", "/kb/", None),
    ("E1041", "GET", "/people/?q=질의", None),
    ("E1041", "GET", "/people/", None),
    ("E1041", "GET", "/api/v1/me", None),
    ("E1041", "GET", "/kb/search?q=연차휴가를", None),
    ("E1041", "GET", "/api/v1/kb/search?q=연차휴가를", None),
    ("E1041", "GET", "/api/v1/kb/suggest?q=연차", None),
    ("E1041", "GET", "/kb/search?q=연차%20휴가%20안내", None),
]


def _working_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def grow(start: int, stop: int) -> None:
    """Add units start..stop-1: one colleague each, with the leave, requests, articles and questions above."""
    me, hr = person("E1041"), person("E1011")
    today = clock.today()
    for n in range(start, stop):
        colleague = Employee(employee_no=f"Q{n:04d}", name=f"질의{n:03d}", name_en=f"Query {n}",
                             email=f"q{n}@example.com", department_id=me.department_id, manager_id=me.manager_id,
                             title="연구원", hire_date=date(2020, 1, 1))
        db.session.add(colleague)
        day = _working_day(today - timedelta(days=30 + 3 * n))
        request = LeaveRequest(employee=me, leave_type="annual" if n % 2 else "sick", start_date=day,
                               end_date=day, days=1, reason="", state=RequestState.pending)
        if n % 2 == 0:
            request.attachment = LeaveAttachment(filename="진단서.pdf", content_type="application/pdf",
                                                 size=len(PDF), data=PDF)
        db.session.add(request)
        db.session.flush()
        leave.approve(request, None)
        waiting = ApprovalRequest(kind="employment_certificate", subject_type="employee",
                                  subject_id=str(colleague.id), requester_id=colleague.id, payload=CERTIFICATE,
                                  summary=f"재직증명서 {n}")
        db.session.add(waiting)
        db.session.flush()
        db.session.add(ApprovalStep(request_id=waiting.id, position=0, decider_kind=DeciderKind.role, role="hr",
                                    state=StepState.pending, reached_at=clock.now()))
        article = kb.create_article(hr, kb.ArticleData(
            title=f"연차 휴가 안내 {n}", slug=f"qc-{n}", space="hr", category=f"휴가 {n // 3}", tags=["연차", f"태그{n % 3}"],
            summary="연차휴가를 신청하는 방법", body=f"연차휴가를 신청하려면 팀장에게 알립니다. 안내 {n}.",
            requires_ack=n % 2 == 0, audience_roles=["employee"] if n % 3 == 0 else []))
        kb.publish_from_source(article)
        db.session.add(Question(asker_id=me.id, department_id=me.department_id, topic="pay", team="hr",
                                subject=f"급여 질문 {n}"))
        db.session.add(Announcement(title=f"공지 {n}", body="", pinned=True, author_id=hr.id))
    db.session.flush()
    # Everyone in the department read every new article: the home page's "popular" list has its fill.
    readers = db.session.scalars(select(Employee.id).where(Employee.department_id == me.department_id)).all()
    articles = db.session.scalars(select(kb.Article.id).where(kb.Article.slug.like("qc-%"))).all()
    db.session.add_all([ArticleView(article_id=a, employee_id=r, department_id=me.department_id)
                        for a in articles[start:stop] for r in readers])
    db.session.commit()


def count_pages(app, browser) -> dict[str, QueryCounter]:
    with app.app_context():
        engine = db.engine
        manager = person(person("E1041").manager.employee_no).employee_no
    clients, counted = {}, {}
    for who, method, path, form in PAGES:
        number = manager if who == "manager" else who
        client = clients.get(number) or clients.setdefault(number, browser(number))
        if method == "POST":
            form = {**form, "csrf_token": csrf_token_from(client.get("/auth/signed-out").get_data(as_text=True))}
        send = (lambda: client.client.post(path, data=form)) if method == "POST" else (lambda: client.get(path))
        assert send().status_code == 200, path  # the first visit may make things (feed token, caches)
        with QueryCounter(engine) as counter:
            response = send()
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        counted[f"{who} {method} {path}"] = counter
    return counted


def test_statement_counts_do_not_grow_and_stay_within_budget(app, demo, browser):
    with app.app_context():
        grow(0, SMALL)
    small = count_pages(app, browser)
    with app.app_context():
        grow(SMALL, SMALL * FACTOR)
        assert len(leave.my_requests(person("E1041"))) >= SMALL * FACTOR
    large = count_pages(app, browser)

    table = "\n".join(f"{small[page].count:3d} {large[page].count:3d}  {page}" for page in small)
    print(f"statements (small, large):\n{table}")
    grew = [page for page in small if large[page].count != small[page].count]
    assert not grew, f"statements grew with the data (small, large):\n{table}\n\n" + "\n\n".join(
        f"{page}\nsmall:\n{small[page].report()}\nlarge:\n{large[page].report()}" for page in grew)
    over = [page for page in large if large[page].count > BUDGET]
    assert not over, f"more than {BUDGET} statements:\n{table}\n\n" + "\n\n".join(
        f"{page}\n{large[page].report()}" for page in over)
