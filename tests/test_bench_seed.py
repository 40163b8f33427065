"""`ess bench seed`: a company of the asked size whose leave, approvals and articles the portal accepts as its own."""
from __future__ import annotations

from sqlalchemy import func, select, text

from ess.approvals.models import ApprovalRequest, ApprovalStep, StepState
from ess.audit import AuditEvent
from ess.benefits.models import BenefitEnrolment
from ess.db import db
from ess.knowledge import search
from ess.knowledge.models import Article, SearchDoc
from ess.leave import services as leave
from ess.leave.models import LeaveRequest, LedgerEntry, RequestState
from ess.people.models import Employee

TODAY = "2026-06-15"


def _seed(app, *args):
    result = app.test_cli_runner().invoke(args=["ess", "bench", "seed", "--employees", "50", "--articles", "12",
                                                *args])
    assert result.exit_code == 0, result.output
    return result.output


def _fingerprint():
    people = db.session.execute(select(Employee.id, Employee.employee_no, Employee.name, Employee.manager_id,
                                       Employee.hire_date).order_by(Employee.id)).all()
    requests = db.session.execute(select(LeaveRequest.id, LeaveRequest.employee_id, LeaveRequest.leave_type,
                                         LeaveRequest.start_date, LeaveRequest.days, LeaveRequest.state,
                                         LeaveRequest.created_at).order_by(LeaveRequest.id)).all()
    ledger = db.session.execute(select(LedgerEntry.employee_id, LedgerEntry.kind, LedgerEntry.effective_on,
                                       LedgerEntry.days).order_by(LedgerEntry.id)).all()
    articles = db.session.execute(select(Article.slug, Article.title).order_by(Article.id)).all()
    return people, requests, ledger, articles


def _empty() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


def test_seed_builds_a_company_the_leave_domain_agrees_with(make_app):
    app = make_app(TODAY=TODAY)
    with app.app_context():
        _empty()
        output = _seed(app)
        assert "seeded in" in output

        people = db.session.scalar(select(func.count(Employee.id)))
        assert people == 50
        managers = db.session.scalar(select(func.count(func.distinct(Employee.manager_id))))
        assert managers >= 4
        requests = db.session.scalar(select(func.count(LeaveRequest.id)))
        assert 20 * people <= requests <= 40 * people  # about 30 a person over three years
        pending = db.session.scalar(select(func.count(LeaveRequest.id))
                                    .where(LeaveRequest.state == RequestState.pending))
        assert pending > 0
        # Every request went through the approval engine's tables, and someone has something to decide.
        assert db.session.scalar(select(func.count(ApprovalRequest.id)).where(ApprovalRequest.kind == "leave")) \
            == requests
        assert db.session.scalar(select(func.count(ApprovalStep.id)).where(ApprovalStep.state == StepState.pending))
        assert db.session.scalar(select(func.count(ApprovalRequest.id))
                                 .where(ApprovalRequest.kind == "profile_change"))
        assert db.session.scalar(select(func.count(BenefitEnrolment.id)))
        assert db.session.scalar(select(func.count(AuditEvent.id))) > requests

        # The ledger is what `leave accrue` would have written: running it now writes nothing.
        summary = leave.accrue()
        assert (summary.grants, summary.expiries, summary.carried) == (0, 0, 0)
        for employee in db.session.scalars(select(Employee)):
            for balance in leave.balances(employee):
                if balance.leave_type in ("annual", "refresh"):
                    assert balance.available >= 0, (employee.employee_no, balance.leave_type, balance.available)

        # Articles are searchable in Korean and English, through the knowledge search itself.
        assert db.session.scalar(select(func.count(Article.id))) == 12
        assert db.session.scalar(select(func.count(SearchDoc.article_id))) == 12
        reader = db.session.scalar(select(Employee).order_by(Employee.id).offset(10))
        langs = set(db.session.scalars(select(Article.lang)))
        hits = search.run_query(reader, "휴가" if "ko" in langs else "leave").total
        hits += search.run_query(reader, "portal" if "en" in langs else "포털").total
        assert hits > 0


def test_same_seed_same_company(make_app):
    app = make_app(TODAY=TODAY)
    with app.app_context():
        _empty()
        _seed(app, "--seed", "7")
        first = _fingerprint()
        _empty()
        _seed(app, "--seed", "7")
        assert _fingerprint() == first
        _empty()
        _seed(app, "--seed", "8")
        assert _fingerprint()[0] != first[0]


def test_seed_refuses_a_database_with_people(make_app):
    app = make_app(TODAY=TODAY)
    with app.app_context():
        _empty()
        _seed(app)
        result = app.test_cli_runner().invoke(args=["ess", "bench", "seed", "--employees", "5", "--articles", "0"])
        assert result.exit_code != 0
        assert "already has employees" in result.output
        assert db.session.scalar(select(func.count(Employee.id))) == 50


def test_sql_statement_count_header_only_when_asked(make_app):
    counting = make_app(BENCH_SQL_COUNT=True)
    response = counting.test_client().get("/healthz")
    assert response.status_code == 200
    assert int(response.headers["X-SQL-Statements"]) >= 1  # /healthz asks the database

    plain = make_app()
    assert "X-SQL-Statements" not in plain.test_client().get("/healthz").headers
