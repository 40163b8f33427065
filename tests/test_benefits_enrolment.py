"""Enrolment through approval: windows, eligibility, dependents by level, costs, effective dates, replacing
without a gap or an overlap, waivers, life events with documents, pages, JSON, HR report, CSV and reminders."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from ess.approvals import services as approvals
from ess.benefits import services
from ess.benefits.models import BenefitEnrolment, EnrolmentState, LifeEvent
from ess.db import db
from ess.errors import DomainError
from ess.people.models import Employee
from ess.profile.models import Dependent

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def person(number: str) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def family(number: str = "E1041") -> dict[str, Dependent]:
    """The person's spouse and a child, added to their personal details when the demo gave them none."""
    employee = person(number)
    mine = {d.relation: d for d in db.session.scalars(select(Dependent).where(Dependent.employee_id == employee.id))}
    if "spouse" not in mine:
        mine["spouse"] = Dependent(employee_id=employee.id, name="김서윤", relation="spouse",
                                   birth_date=date(1993, 7, 21))
        db.session.add(mine["spouse"])
    if "child" not in mine:
        mine["child"] = Dependent(employee_id=employee.id, name="신하린", relation="child", birth_date=date(2021, 5, 2))
        db.session.add(mine["child"])
    db.session.flush()
    return mine


def hr_approves(enrolment: BenefitEnrolment):
    return approvals.approve(enrolment.approval_id, actor=person("E1011"))


@pytest.fixture
def at(make_app, app, demo):
    """`at("2026-11-20")` is an app whose today is that date, with the demo company; use it as a context."""
    def build(today: str):
        return make_app(TODAY=today)
    return build


def enrol(number="E1041", **choice):
    employee = person(number)
    return services.submit_enrolment(employee, actor=employee, **choice)


# Windows ----------------------------------------------------------------------------------------------
def test_outside_a_window_is_refused_with_the_next_open_enrolment(at):
    with at("2026-12-10").app_context():
        with pytest.raises(DomainError) as error:
            enrol(plan="dental", option="basic", level="employee")
        assert error.value.field == "window" and error.value.code == "window_closed"
        assert "2027-11-01" in error.value.message and "2027-11-30" in error.value.message


def test_the_last_day_of_open_enrolment_is_inside(at):
    with at("2026-11-30").app_context():
        item = enrol(plan="dental", option="basic", level="employee")
        assert item.window == "open" and item.state is EnrolmentState.pending
        db.session.commit()


def test_a_life_event_opens_a_window_and_a_late_report_is_refused(at):
    with at("2027-03-10").app_context():
        kids = family()
        employee = person("E1041")
        with pytest.raises(DomainError) as late:
            services.report_life_event(employee, kind="birth", event_date=date(2027, 2, 7), actor=employee)
        assert late.value.field == "event_date" and late.value.code == "too_late"
        assert "2027-03-09" in late.value.message and "2027-11-01" in late.value.message
        with pytest.raises(DomainError) as future:
            services.report_life_event(employee, kind="birth", event_date=date(2027, 3, 11), actor=employee)
        assert future.value.code == "future"
        event = services.report_life_event(employee, kind="birth", event_date=date(2027, 3, 1), actor=employee)
        item = enrol(plan="group_accident", option="standard", level="family", dependent_ids=[kids["child"].id])
        assert (item.window, item.life_event_id) == ("life_event", event.id)
        db.session.commit()
    with at("2027-04-01").app_context():  # one day after the event's 30 days
        with pytest.raises(DomainError) as closed:
            enrol(plan="dental", option="basic", level="employee")
        assert closed.value.code == "window_closed"


def test_life_event_documents_are_required_and_checked(at):
    with at("2027-03-10").app_context():
        employee = person("E1041")
        with pytest.raises(DomainError) as missing:
            services.report_life_event(employee, kind="marriage", event_date=date(2027, 3, 1), actor=employee)
        assert (missing.value.field, missing.value.code) == ("document", "document_required")
        fake = services.Document("혼인관계증명서.pdf", "application/pdf", b"not really a pdf")
        with pytest.raises(DomainError) as wrong:
            services.report_life_event(employee, kind="marriage", event_date=date(2027, 3, 1), document=fake,
                                       actor=employee)
        assert wrong.value.code == "bad_type"
        huge = services.Document("big.pdf", "application/pdf", PDF + b"0" * (5 * 1024 * 1024))
        with pytest.raises(DomainError) as large:
            services.report_life_event(employee, kind="marriage", event_date=date(2027, 3, 1), document=huge,
                                       actor=employee)
        assert large.value.code == "too_large"
        event = services.report_life_event(employee, kind="marriage", event_date=date(2027, 3, 1), actor=employee,
                                           document=services.Document("혼인.pdf", "application/octet-stream", PDF))
        db.session.commit()
        assert (event.document_type, event.document_size) == ("application/pdf", len(PDF))


# Eligibility ------------------------------------------------------------------------------------------
def test_eligibility_after_the_waiting_period_and_the_new_hire_window(at):
    with at("2027-02-10").app_context():
        employee = person("E1041")
        employee.hire_date = date(2027, 1, 20)
        db.session.commit()
        with pytest.raises(DomainError) as early:
            enrol(plan="dental", option="basic", level="employee")
        assert early.value.code == "not_eligible" and "2027-04-20" in early.value.message
        item = enrol(plan="group_accident", option="premium", level="employee")  # no waiting period
        assert item.window == "new_hire"
        db.session.commit()
    with at("2027-04-20").app_context():  # eligible for dental today: a new-hire window for it opens
        assert enrol(plan="dental", option="basic", level="employee").window == "new_hire"
        db.session.commit()


# Dependents allowed by level ---------------------------------------------------------------------------
def test_dependents_allowed_by_level(at):
    with at("2026-11-20").app_context():
        kids = family()
        spouse, child = kids["spouse"].id, kids["child"].id
        cases = [
            (dict(level="employee", dependent_ids=[spouse]), "relation_not_covered"),
            (dict(level="employee_spouse", dependent_ids=[]), "dependent_required"),
            (dict(level="employee_spouse", dependent_ids=[spouse, child]), "relation_not_covered"),
            (dict(level="family", dependent_ids=[spouse]), "dependent_required"),
        ]
        for choice, code in cases:
            with pytest.raises(DomainError) as error:
                services.quote(person("E1041"), plan="group_accident", option="standard", **choice)
            assert (error.value.field, error.value.code) == ("dependents", code), choice
        someone_else = family("E1042")["spouse"].id
        with pytest.raises(DomainError) as foreign:
            services.quote(person("E1041"), plan="dental", option="basic", level="employee_spouse",
                           dependent_ids=[someone_else])
        assert foreign.value.code == "unknown_dependent"
        with pytest.raises(DomainError) as level:
            services.quote(person("E1041"), plan="spouse_checkup", option="standard", level="family")
        assert level.value.field == "level"
        result = services.quote(person("E1041"), plan="group_accident", option="standard", level="family",
                                dependent_ids=[spouse, child])
        assert [d.relation for d in result.covered] == ["spouse", "child"]


# Costs and effective dates -----------------------------------------------------------------------------
def test_cost_totals_mine_and_the_companys(at):
    with at("2026-11-20").app_context():
        kids = family()
        employee = person("E1041")
        before = services.monthly_total(services.in_force(employee, date(2026, 12, 1)))
        assert (before.employee, before.company) == (9000, 21000 + 50000)  # demo: group accident + welfare points
        item = enrol(plan="group_accident", option="premium", level="family",
                     dependent_ids=[kids["spouse"].id, kids["child"].id])
        assert (item.employee_cost, item.company_cost) == (52000, 64000)
        dental = enrol(plan="dental", option="basic", level="employee_spouse", dependent_ids=[kids["spouse"].id])
        hr_approves(item)
        hr_approves(dental)
        db.session.commit()
        after = services.monthly_total(services.in_force(employee, date(2026, 12, 1)))
        assert (after.employee, after.company) == (52000 + 12000, 64000 + 50000 + 12000)
        assert services.won(after.employee) == "64,000원"


def test_approval_on_a_month_end_starts_the_first_of_next_month_and_ends_the_previous_day_before(at):
    with at("2026-11-30").app_context():
        kids = family()
        employee = person("E1041")
        old = next(e for e in services.in_force(employee) if e.plan == "group_accident")
        item = enrol(plan="group_accident", option="standard", level="family", dependent_ids=[kids["child"].id])
        hr_approves(item)
        db.session.commit()
        assert item.effective_from == date(2026, 12, 1)
        assert old.effective_to == date(2026, 11, 30)
        for day in (date(2026, 11, 30), date(2026, 12, 1), date(2027, 6, 1)):
            in_force = [e for e in services.in_force(employee, day) if e.plan == "group_accident"]
            assert len(in_force) == 1, day  # never a gap, never an overlap
        assert [e.id for e in services.in_force(employee, date(2026, 12, 1)) if e.plan == "group_accident"] \
            == [item.id]


def test_a_second_change_replaces_one_that_has_not_started(at):
    with at("2026-11-10").app_context():
        kids = family()
        employee = person("E1041")
        first = enrol(plan="group_accident", option="premium", level="employee")
        hr_approves(first)
        second = enrol(plan="group_accident", option="standard", level="family", dependent_ids=[kids["child"].id])
        hr_approves(second)
        db.session.commit()
        assert first.state is EnrolmentState.superseded
        assert second.effective_from == date(2026, 12, 1)
        chain = [e for e in services.enrolments(employee) if e.plan == "group_accident" and e.in_force_on(
            date(2026, 12, 1))]
        assert chain == [second]
        assert [e.effective_to for e in services.in_force(employee, date(2026, 11, 30))
                if e.plan == "group_accident"] == [date(2026, 11, 30)]


def test_waiving_ends_cover_and_cost(at):
    with at("2026-11-20").app_context():
        employee = person("E1041")
        with pytest.raises(DomainError) as refused:
            enrol(plan="welfare_points", waive=True)
        assert refused.value.code == "not_waivable"
        item = enrol(plan="group_accident", waive=True)
        assert item.waived and item.employee_cost == 0
        hr_approves(item)
        db.session.commit()
        december = services.in_force(employee, date(2026, 12, 1))
        assert [e.plan for e in december if not e.waived] == ["welfare_points"]
        assert services.monthly_total(december).employee == 0


def test_one_pending_change_per_plan_and_rejection_or_withdrawal_release_it(at):
    with at("2026-11-20").app_context():
        item = enrol(plan="dental", option="basic", level="employee")
        with pytest.raises(DomainError) as twice:
            enrol(plan="dental", option="basic", level="employee")
        assert twice.value.status == 409 and twice.value.code == "already_pending"
        approvals.reject(item.approval_id, actor=person("E1011"), reason="증빙 부족")
        assert item.state is EnrolmentState.rejected
        again = enrol(plan="dental", option="basic", level="employee")
        approvals.withdraw(again.approval_id, actor=person("E1041"))
        assert again.state is EnrolmentState.withdrawn
        with pytest.raises(DomainError) as same:
            enrol(plan="group_accident", option="standard", level="employee")
        assert same.value.code == "unchanged"
        db.session.commit()


# Pages ------------------------------------------------------------------------------------------------
def _client(app, number):
    from conftest import Browser

    return Browser(app).sign_in(number)


def test_the_form_shows_the_cost_before_confirming_and_keeps_what_was_typed(at):
    portal = at("2026-11-20")
    with portal.app_context():
        spouse = family()["spouse"].id
        db.session.commit()
    b = _client(portal, "E1041")
    page = b.get("/benefits/enrol?plan=dental").get_data(as_text=True)
    assert "확인하고 인사팀에 보내기" not in page and "월 6,500원" in page
    shown = b.post("/benefits/enrol", {"plan": "dental", "coverage": "basic:employee_spouse",
                                       "dependents": str(spouse), "action": "preview"})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and 'data-quote="employee">12,000원' in text
    assert "확인하고 인사팀에 보내기" in text and "2026-12-01" in text
    wrong = b.post("/benefits/enrol", {"plan": "dental", "coverage": "basic:employee_spouse", "action": "preview"})
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'id="f-dependents-error"' in text
    assert 'value="basic:employee_spouse" checked' in text
    sent = b.post("/benefits/enrol", {"plan": "dental", "coverage": "basic:employee_spouse",
                                      "dependents": str(spouse), "action": "submit"})
    assert sent.status_code == 302
    mine = b.get("/benefits/").get_data(as_text=True)
    assert "인사팀 결재 대기" in mine and "치과보험" in mine and 'data-total="employee">9,000원' in mine
    with portal.app_context():
        item = db.session.scalar(select(BenefitEnrolment).where(BenefitEnrolment.plan == "dental",
                                                                BenefitEnrolment.employee_id == person("E1041").id))
        assert [c.relation for c in item.covered] == ["spouse"] and item.state is EnrolmentState.pending
        enrolment_id = item.id
    assert _client(portal, "E1042").get(f"/benefits/enrolments/{enrolment_id}").status_code == 403
    assert _client(portal, "E1011").get(f"/benefits/enrolments/{enrolment_id}").status_code == 200
    assert b.get("/benefits/enrolments/999999").status_code == 404


def test_reporting_a_life_event_with_a_document(at):
    portal = at("2027-03-10")
    b = _client(portal, "E1041")
    refused = b.post("/benefits/life-events", {"kind": "marriage", "event_date": "2027-03-01", "note": "결혼"})
    assert refused.status_code == 422 and 'id="f-document-error"' in refused.get_data(as_text=True)
    assert "결혼" in refused.get_data(as_text=True)
    done = b.post("/benefits/life-events", {"kind": "marriage", "event_date": "2027-03-01",
                                            "document": (io.BytesIO(PDF), "혼인관계증명서.pdf")},
                  content_type="multipart/form-data")
    assert done.status_code == 302
    with portal.app_context():
        event_id = db.session.scalar(select(LifeEvent.id))
    assert b.get(f"/benefits/life-events/{event_id}/document").data == PDF
    assert _client(portal, "E1042").get(f"/benefits/life-events/{event_id}/document").status_code == 403
    page = b.get("/benefits/enrol?plan=dental").get_data(as_text=True)
    assert "생활 변동" in page and "2027-03-31" in page


# JSON -------------------------------------------------------------------------------------------------
def test_api_plans_enrol_and_list(at):
    portal = at("2026-11-20")
    b = _client(portal, "E1041")
    plans = b.get("/api/v1/benefits/plans").get_json()["plans"]
    dental = next(p for p in plans if p["code"] == "dental")
    assert dental["options"][0]["costs"][1] == {"level": "employee_spouse", "level_name": "본인+배우자",
                                                "employee_krw": 12000, "company_krw": 12000}
    headers = {"X-CSRFToken": b.csrf()}
    bad = b.client.post("/api/v1/benefits/enrolments", json={"plan": "dental", "option": "basic",
                                                            "level": "family"}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["field"] == "dependents"
    made = b.client.post("/api/v1/benefits/enrolments", json={"plan": "pension_topup", "option": "p100",
                                                             "level": "employee"}, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["approval_id"] and body["employee_cost_krw"] == 100000 and body["state"] == "pending"
    listed = b.get("/api/v1/benefits/enrolments").get_json()["enrolments"]
    assert listed[0]["id"] == body["id"] and listed[0]["plan"] == "pension_topup"
    assert {e["plan"] for e in listed} >= {"group_accident", "welfare_points"}
    assert not any(e["plan"] == "pension_topup" for e in _client(portal, "E1042").get(
        "/api/v1/benefits/enrolments").get_json()["enrolments"])


# HR ---------------------------------------------------------------------------------------------------
def test_hr_report_csv_exports_and_who_has_not_chosen(at):
    portal = at("2026-11-20")
    with portal.app_context():
        kids = family()
        item = enrol(plan="group_accident", option="premium", level="family",
                     dependent_ids=[kids["spouse"].id, kids["child"].id])
        hr_approves(item)
        names = {relation: d.name for relation, d in kids.items()}
        db.session.commit()
    hr = _client(portal, "E1011")
    page = hr.get("/benefits/hr?month=2026-12").get_data(as_text=True)
    assert "단체상해보험" in page and "신준호" not in page.split('id="not-chosen"')[1]
    assert "한빛나" in page.split('id="not-chosen"')[1]  # the CEO made no choice
    payroll = list(csv.reader(io.StringIO(hr.get("/benefits/hr/export.csv?month=2026-12&for=payroll")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    assert payroll[0][:3] == ["month", "employee_no", "name"]
    mine = [row for row in payroll if row[1] == "E1041" and row[3] == "group_accident"]
    assert mine == [["2026-12", "E1041", "신준호", "group_accident", "premium", "family", "52000", "64000",
                     "2026-12-01", ""]]
    november = list(csv.reader(io.StringIO(hr.get("/benefits/hr/export.csv?month=2026-11&for=payroll")
                                           .get_data(as_text=True).lstrip("\ufeff"))))
    assert [r[4] for r in november if r[1] == "E1041" and r[3] == "group_accident"] == ["standard"]
    insurer = list(csv.reader(io.StringIO(hr.get("/benefits/hr/export.csv?month=2026-12&for=insurer")
                                          .get_data(as_text=True).lstrip("\ufeff"))))
    people = [(r[5], r[6]) for r in insurer if r[4] == "E1041" and r[1] == "group_accident"]
    assert people == [("신준호", "self"), (names["spouse"], "spouse"), (names["child"], "child")]
    assert not any(r[1] == "welfare_points" for r in insurer)
    assert _client(portal, "E1041").get("/benefits/hr").status_code == 403


def test_reminders_before_open_enrolment_closes_go_through_the_outbox_once(at):
    from mailbox import Mailbox

    from ess.notify.models import OutboxMessage

    mailbox = Mailbox().start()
    try:
        portal = at("2026-11-24")
        portal.config["SMTP_URL"] = mailbox.url
        with portal.app_context():
            enrol(plan="dental", option="basic", level="employee")
            db.session.commit()
        runner = portal.test_cli_runner()
        result = runner.invoke(args=["ess", "benefits", "remind"])
        assert result.exit_code == 0, result.output
        assert "2026-11-01 – 2026-11-30: 39 reminded, 0 already reminded" in result.output
        again = runner.invoke(args=["ess", "benefits", "remind"])
        assert "0 reminded, 39 already reminded" in again.output
        with portal.app_context():
            topics = set(db.session.scalars(select(OutboxMessage.topic).where(
                OutboxMessage.topic.like("benefits.%"))))
            assert topics == {"benefits.reminder.2026-11-01.7"}
            assert not db.session.scalar(select(OutboxMessage.id).where(
                OutboxMessage.to_address == "junho.shin@hanbit.example", OutboxMessage.topic.like("benefits.%")))
            queued = len(list(db.session.scalars(select(OutboxMessage.id))))
        for _ in range(5):  # the worker sends in batches
            runner.invoke(args=["ess", "worker", "--once"])
        received = mailbox.wait_for(queued)
        subjects = {m["Subject"] for m in received}
        assert "정기 가입 기간이 2026-11-30에 끝납니다: 복리후생을 선택해 주세요" in subjects
        reminded = {m["To"] for m in received if m["Subject"].startswith("정기 가입 기간")}
        assert len(reminded) == 39 and "junho.shin@hanbit.example" not in reminded
        last_day = at("2026-11-30").test_cli_runner().invoke(args=["ess", "benefits", "remind"])
        assert "39 reminded" in last_day.output  # the 1-day reminder is a second mail
        closed = at("2026-12-01").test_cli_runner().invoke(args=["ess", "benefits", "remind"])
        assert "no reminder due" in closed.output
    finally:
        mailbox.stop()
