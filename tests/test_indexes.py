"""Indexes for the queries the busiest pages run (issue #10): the approval queue (page, JSON, filters, the
badge), the directory search and the knowledge search (page, JSON, suggestions) with Korean queries.

The tables that grow with a company are filled with thousands of rows (Core bulk inserts) and analysed, the
pages are requested, and every statement they sent is explained by the database itself: PostgreSQL's
`EXPLAIN` must show no sequential scan of a large table, SQLite's `EXPLAIN QUERY PLAN` no `SCAN` of one
without an index. Tables that stay small (departments, delegations, audience rules) may be scanned.

Not covered, because they read their table whole by design (LIKE '%…%'): the queue's filter by requester
name, and the knowledge search's substring fallback for one-syllable or token-less queries. (The directory's
LIKE reads ix_employees_directory, in name order, instead of the table.)
"""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert, select, text

from approvals_support import CERTIFICATE, person
from ess import clock
from ess.approvals.models import ApprovalRequest, ApprovalState, ApprovalStep, DeciderKind, StepState
from ess.db import db
from ess.knowledge import tokens as tk
from ess.knowledge.models import Article, ArticleStatus, AudienceRule, SearchDoc
from ess.people.models import Employee
from query_counter import QueryCounter

PEOPLE, DECIDED, PENDING, ARTICLES = 3000, 12000, 1500, 3000
LARGE = {"employees", "approval_requests", "approval_steps", "kb_articles", "kb_search_docs"}
TOPICS = ["연차휴가를 신청하는 방법과 남은 연차", "급여명세서 확인과 원천징수", "비밀번호 재설정과 다단계 인증",
          "출장비 정산 절차", "재택근무 신청", "복지포인트 사용처"]
PAGES = [
    ("E1011", "/approvals"),
    ("E1011", "/approvals?kind=employment_certificate&sort=newest"),
    ("E1011", "/approvals?state=approved"),
    ("E1011", "/api/v1/approvals"),
    ("E1002", "/approvals"),  # a manager who is also HR: her reports' steps and HR's
    ("E1041", "/people/?q=대량"),  # thousands match: the page's 31 are the first met in name order
    ("E1041", "/people/?q=사원"),  # a title
    ("E1041", "/people/?q=없는사람"),  # nobody: the whole index is read, not the table
    ("E1041", "/kb/search?q=연차휴가를"),
    ("E1041", "/kb/search?q=급여명세서는"),
    ("E1041", "/api/v1/kb/search?q=다단계%20인증을"),
    ("E1041", "/api/v1/kb/suggest?q=출장"),
]


def fill() -> None:
    """Thousands of people, a long decided history with many requests pending for HR, a large handbook."""
    me = person("E1041")
    now = clock.now()
    db.session.execute(insert(Employee), [
        dict(employee_no=f"B{n:05d}", name=f"대량{n:05d}", email=f"bulk{n}@example.com",
             department_id=me.department_id, manager_id=me.manager_id, title="사원") for n in range(PEOPLE)])
    people = db.session.scalars(select(Employee.id).where(Employee.employee_no.like("B%"))).all()
    hr = person("E1012").id
    requests = [dict(kind="employment_certificate", subject_type="employee", subject_id=str(people[n % PEOPLE]),
                     requester_id=people[n % PEOPLE], payload=CERTIFICATE, summary=f"재직증명서 {n}",
                     state=ApprovalState.approved if n < DECIDED else ApprovalState.pending,
                     created_at=now - timedelta(minutes=DECIDED + PENDING - n)) for n in range(DECIDED + PENDING)]
    db.session.execute(insert(ApprovalRequest), requests)
    ids = db.session.scalars(select(ApprovalRequest.id).order_by(ApprovalRequest.id)).all()
    db.session.execute(insert(ApprovalStep), [
        dict(request_id=request_id, position=0, decider_kind=DeciderKind.role, role="hr",
             state=StepState.approved if n < DECIDED else StepState.pending,
             reached_at=now - timedelta(minutes=DECIDED + PENDING - n),
             decided_by_id=hr if n < DECIDED else None,
             decided_at=now - timedelta(minutes=DECIDED + PENDING - n - 1) if n < DECIDED else None)
        for n, request_id in enumerate(ids)])
    # One article in 25 is about a topic searched for below; the rest are about other things.
    topics = [TOPICS[(n // 25) % len(TOPICS)] if n % 25 == 0 else f"사내 문서 {n}" for n in range(ARTICLES)]
    db.session.execute(insert(Article), [
        dict(slug=f"bulk-{n}", space="hr" if n % 2 else "it", lang="ko", title=f"{topic} {n}",
             status=ArticleStatus.published, current_revision_number=1, published_revision_number=1,
             published_at=now - timedelta(hours=n)) for n, topic in enumerate(topics)])
    articles = db.session.scalars(select(Article.id).where(Article.slug.like("bulk-%")).order_by(Article.id)).all()
    tokens = {topic: " ".join(tk.tokens(topic, compounds=True)) for topic in TOPICS}
    tokens.update({topic: topic for topic in topics if topic not in tokens})  # "사내 문서 N": tokens already
    db.session.execute(insert(SearchDoc), [
        dict(article_id=article_id, lang="ko", title=f"{topic} {n}", tags="", body=f"{topic}. " * 40,
             title_tokens=f"{tokens[topic]} {n}", tag_tokens="", body_tokens=f"{tokens[topic]} " * 40)
        for n, (article_id, topic) in enumerate(zip(articles, topics))])
    db.session.execute(insert(AudienceRule), [dict(article_id=article_id, role="hr")
                                              for article_id in articles[3::10]])
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def plan(connection, statement: str, parameters) -> list[str]:
    """The database's plan for one statement, as the scans it makes: "Seq Scan t" / "SCAN t ...", etc."""
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
        nodes, out = [found[0]["Plan"]], []
        while nodes:
            node = nodes.pop()
            out.append(f"{node['Node Type']} {node.get('Relation Name', '')}".strip())
            nodes.extend(node.get("Plans", []))
        return out
    return [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def full_scans(steps: list[str]) -> list[str]:
    scans = []
    for step in steps:
        pg = re.fullmatch(r"Seq Scan (\w+)", step)
        lite = re.match(r"SCAN (\w+)(.*)", step)
        if pg and pg.group(1) in LARGE:
            scans.append(step)
        elif lite and lite.group(1) in LARGE and "USING" not in lite.group(2) and "VIRTUAL TABLE" not in step:
            scans.append(step)
    return scans


def test_queue_and_search_use_indexes(app, demo, browser):
    with app.app_context():
        fill()
        engine = db.engine
    clients = {}
    problems, explained = [], 0
    for who, path in PAGES:
        client = clients.get(who) or clients.setdefault(who, browser(who))
        with QueryCounter(engine) as counter:
            response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        with engine.connect() as connection:
            for statement, parameters in counter.executed:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                steps = plan(connection, statement, parameters)
                explained += 1
                if full_scans(steps):
                    problems.append(f"{path}: {' '.join(statement.split())[:300]}\n    plan: {steps}")
    assert explained >= len(PAGES) * 2
    assert not problems, "sequential scans of large tables:\n" + "\n".join(problems)
