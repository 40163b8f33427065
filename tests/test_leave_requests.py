"""Leave requests end to end below the browser: preview, submit, refusals, approval, cancellation,
balances as of a date, accrual, HR adjustments, reports and the iCalendar feed."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import event, func, select

from conftest import ROLE_GROUPS, Browser, _empty_tables
from ess.db import db
from ess.errors import ConflictError, DomainError
from ess.leave import services
from ess.leave.models import EntryKind, LeaveRequest, LedgerEntry, RequestState
from ess.leave.policy import PolicyError, parse_policy
from ess.people.models import Employee

TODAY = "2026-11-23"  # a Monday


@pytest.fixture
def leave_app(make_app):
    app = make_app(TODAY=TODAY)
    with app.app_context():
        _empty_tables()
        from ess.demo import build_demo
        from ess.demo import demo_csv  # noqa: F401
        from ess.people.csv_import import import_employees

        import_employees(demo_csv(), role_groups=ROLE_GROUPS)
        db.session.commit()
    return app


def person(number: str) -> Employee:
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def signed_in(app, number: str) -> Browser:
    return Browser(app).sign_in(number)


def post_json(b: Browser, path: str, body: dict):
    return b.client.post(path, json=body, headers={"X-CSRFToken": b.csrf()})


def approve_all(app, approval_id: int, *numbers: str) -> None:
    from ess.approvals import services as approvals

    with app.app_context():
        for number in numbers:
            approvals.approve(approval_id, actor=person(number))
            db.session.commit()


def annual(b: Browser, as_of: str | None = None) -> dict:
    path = "/api/v1/leave/balances" + (f"?as_of={as_of}" if as_of else "")
    return next(x for x in b.get(path).get_json()["balances"] if x["leave_type"] == "annual")


def test_preview_contract_across_seollal(leave_app):
    b = signed_in(leave_app, "E1041")
    response = b.get("/api/v1/leave/preview?leave_type=annual&start=2026-02-16&end=2026-02-20")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"days", "excluded", "balance_after"}
    assert body["days"] == 2.0
    assert body["excluded"][0] == {"date": "2026-02-16", "reason": "holiday", "name": "설날 전날"}
    english = b.get("/api/v1/leave/preview?leave_type=annual&start=2026-03-02&end=2026-03-02&end_half=am&lang=en")
    assert english.status_code == 422  # a half day on the substitute holiday counts 0: no working day
    assert english.mimetype == "application/problem+json"
    assert english.get_json()["code"] == "no_working_day"


def test_preview_refuses_a_weekend_only_range_with_problem_json(leave_app):
    b = signed_in(leave_app, "E1041")
    response = b.get("/api/v1/leave/preview?leave_type=annual&start=2026-11-28&end=2026-11-29")
    assert response.status_code == 422 and response.get_json()["field"] == "start"
    assert b.get("/api/v1/leave/preview?leave_type=annual&start=nope").get_json()["field"] == "start"


def test_submit_reserve_approve_and_balance_lines(leave_app):
    b = signed_in(leave_app, "E1041")
    before = annual(b)
    assert before["granted"] == 20.0 and before["available"] == 20.0  # hired 2015-03-02: 15 + (11 − 1) // 2
    response = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-21",
                                                       "end": "2026-12-24", "start_half": "pm", "reason": "연말"})
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert set(created) == {"id", "approval_id", "state", "days"}
    assert created["state"] == "pending" and created["days"] == 3.5
    reserved = annual(b)
    assert reserved["pending"] == 3.5 and reserved["available"] == 16.5
    listed = b.get("/api/v1/leave/requests").get_json()["requests"]
    assert [(r["id"], r["state"], r["start_half"]) for r in listed] == [(created["id"], "pending", "pm")]

    approve_all(leave_app, created["approval_id"], "E1005")  # 3.5 days: the manager alone decides
    after = annual(b)
    assert (after["used"], after["pending"], after["available"]) == (3.5, 0.0, 16.5)
    with leave_app.app_context():
        request = db.session.get(LeaveRequest, created["id"])
        assert request.state is RequestState.approved
        result = services.balance(person("E1041"), "annual")
        assert result.total == result.available + result.pending  # the balance is the sum of its lines
        assert [line.row.kind for line in result.lines][-1] == "use"
    # As of a date before the grant, there is nothing.
    # As of the day before the 11th anniversary, the 10th anniversary's 19 days were the grant.
    assert annual(b, "2026-03-01")["grants"] == [{"granted_on": "2025-03-02", "expires_on": "2026-03-02", "days": 19.0}]


def test_more_than_five_days_needs_hr_too(leave_app):
    b = signed_in(leave_app, "E1041")
    created = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-14",
                                                      "end": "2026-12-22"}).get_json()
    assert created["days"] == 7.0
    approve_all(leave_app, created["approval_id"], "E1005")
    assert annual(b)["pending"] == 7.0  # still waiting for HR
    approve_all(leave_app, created["approval_id"], "E1011")
    assert annual(b)["used"] == 7.0


@pytest.mark.parametrize("body, status, code", [
    ({"leave_type": "annual", "start": "2026-11-28", "end": "2026-11-29"}, 422, "no_working_day"),
    ({"leave_type": "annual", "start": "2026-09-01", "end": "2026-09-01"}, 422, "too_far_in_past"),
    ({"leave_type": "annual", "start": "2026-12-01", "end": "2027-02-26"}, 409, "insufficient_balance"),
    ({"leave_type": "family_event", "start": "2026-12-01", "end": "2026-12-01"}, 422, "document_required"),
    ({"leave_type": "sick", "start": "2026-12-01", "end": "2026-12-03"}, 422, "document_required"),
    ({"leave_type": "family_event", "start": "2026-12-01", "end": "2026-12-01", "start_half": "pm"}, 422,
     "no_half_days"),
    ({"leave_type": "bogus", "start": "2026-12-01"}, 422, "unknown_leave_type"),
    ({"leave_type": "annual", "start": "2026-12-02", "end": "2026-12-01"}, 422, "end_before_start"),
])
def test_refusals_name_the_reason(leave_app, body, status, code):
    b = signed_in(leave_app, "E1041")
    response = post_json(b, "/api/v1/leave/requests", body)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json" and response.get_json()["code"] == code
    with leave_app.app_context():
        assert db.session.scalar(select(func.count(LeaveRequest.id))) == 0


def test_overlap_with_pending_or_approved_leave_is_refused_but_halves_fit(leave_app):
    b = signed_in(leave_app, "E1041")
    first = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-01",
                                                    "end": "2026-12-02", "end_half": "am"})
    assert first.status_code == 201
    clash = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-02",
                                                    "end": "2026-12-03"})
    assert clash.status_code == 409 and clash.get_json()["code"] == "overlap"
    afternoon = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-02",
                                                        "start_half": "pm", "end": "2026-12-03"})
    assert afternoon.status_code == 201
    assert annual(b)["pending"] == 3.0


def test_sick_leave_may_go_negative_and_documents_are_checked(leave_app):
    with leave_app.app_context():
        me = person("E1041")
        with pytest.raises(DomainError) as refused:
            services.submit_request(me, leave_type="sick", start=date(2026, 12, 1), end=date(2026, 12, 3),
                                    document=services.Document("note.pdf", "application/pdf", b"MZ not a pdf"),
                                    actor=me)
        assert refused.value.code == "bad_type"
        request = services.submit_request(me, leave_type="sick", start=date(2026, 12, 1), end=date(2026, 12, 18),
                                          document=services.Document("진단서.pdf", "application/pdf", b"%PDF-1.4 x"),
                                          actor=me)
        db.session.commit()
        assert request.days == 14.0 and request.attachment.content_type == "application/pdf"
        assert services.balance(me, "sick").available == -4.0  # 10 granted this year; negative allowed


def test_withdraw_releases_and_reject_releases(leave_app):
    from ess.approvals import services as approvals

    b = signed_in(leave_app, "E1041")
    created = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-07",
                                                      "end": "2026-12-08"}).get_json()
    assert b.post(f"/leave/requests/{created['id']}/withdraw").status_code == 302
    assert annual(b)["pending"] == 0.0
    again = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-07",
                                                    "end": "2026-12-08"}).get_json()
    with leave_app.app_context():
        approvals.reject(again["approval_id"], actor=person("E1005"), reason="마감 주간")
        db.session.commit()
        assert db.session.get(LeaveRequest, again["id"]).state is RequestState.rejected
    assert annual(b)["available"] == 20.0


def test_cancelling_approved_leave_gives_the_days_back(leave_app):
    b = signed_in(leave_app, "E1041")
    created = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-09",
                                                      "end": "2026-12-11"}).get_json()
    approve_all(leave_app, created["approval_id"], "E1005")
    assert annual(b)["available"] == 17.0
    assert b.post(f"/leave/requests/{created['id']}/cancel", data={"reason": "일정 변경"}).status_code == 302
    assert b.post(f"/leave/requests/{created['id']}/cancel").status_code == 302  # a second ask is refused
    with leave_app.app_context():
        request = db.session.get(LeaveRequest, created["id"])
        cancellation_id = request.cancellation_approval_id
        assert cancellation_id
    approve_all(leave_app, cancellation_id, "E1005")
    assert annual(b)["available"] == 20.0
    with leave_app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(LedgerEntry).where(LedgerEntry.request_id == created["id"]))]
        assert kinds == [EntryKind.use, EntryKind.cancellation]
        assert db.session.get(LeaveRequest, created["id"]).state is RequestState.cancelled


def test_accrue_command_is_idempotent_and_keeps_the_balance(leave_app):
    runner = leave_app.test_cli_runner()
    with leave_app.app_context():
        before = services.balance(person("E1049"), "annual")  # hired 2025-08-04: first-year monthly days
        assert before.granted == 15.0  # the first anniversary; the unused first-year days expired
    first = runner.invoke(args=["ess", "leave", "accrue", "--as-of", TODAY])
    assert first.exit_code == 0, first.output
    assert "0 grants" not in first.output
    second = runner.invoke(args=["ess", "leave", "accrue", "--as-of", TODAY])
    assert "0 grants, 0 expiries, 0 carry-overs written" in second.output
    with leave_app.app_context():
        after = services.balance(person("E1049"), "annual")
        assert (after.granted, after.available) == (before.granted, before.available)
        assert not after.projected_rows()
        first_year = [e for e in db.session.scalars(select(LedgerEntry).where(
            LedgerEntry.employee_id == person("E1049").id, LedgerEntry.leave_type == "annual"))]
        months = [e for e in first_year if e.note.startswith("month:")]
        assert len(months) == 11  # 2025-09-04 … 2026-07-04, one day each, all ending 2026-08-04
        assert {e.expires_on for e in months} == {date(2026, 8, 4)}
        expired = [e for e in first_year if e.kind is EntryKind.expiry]
        assert len(expired) == 11 and sum(e.days for e in expired) == -11.0
        assert [e.days for e in first_year if e.note == "anniversary:1"] == [15.0]


def test_unused_first_year_days_expire_and_refresh_days_carry_over(leave_app):
    with leave_app.app_context():
        me = person("E1049")  # hired 2025-08-04
        result = services.balance(me, "annual", date(2026, 8, 4))
        expiry = [line.row for line in result.lines if line.row.kind == "expiry"]
        assert {r.effective_on for r in expiry} == {date(2026, 8, 4)} and sum(r.days for r in expiry) == -11.0
        assert result.available == 15.0  # the first anniversary's grant
        refresh = services.balance(me, "refresh", date(2027, 1, 1))
        kinds = [(line.row.kind, line.row.days) for line in refresh.lines]
        # 2025-08-04 pro-rated 1.5, expires 2026-01-01 carrying 1.5 (at most 2); 3 on 2026-01-01 → 2027-01-01 carries 2
        assert ("carry_over", 1.5) in kinds and ("carry_over", 2.0) in kinds
        assert refresh.available == 5.0


def test_hr_adjustment_with_reason(leave_app):
    hr = signed_in(leave_app, "E1011")
    missing = hr.post("/leave/adjust", {"employee_no": "E1041", "leave_type": "annual", "days": "2", "reason": ""})
    assert missing.status_code == 422 and "value=\"2\"" in missing.get_data(as_text=True)
    done = hr.post("/leave/adjust", {"employee_no": "E1041", "leave_type": "annual", "days": "1.5",
                                     "reason": "포상 휴가"})
    assert done.status_code == 302
    body = hr.get("/api/v1/employees/E1041/leave/balances").get_json()
    assert next(x for x in body["balances"] if x["leave_type"] == "annual")["available"] == 21.5
    employee = signed_in(leave_app, "E1041")
    assert employee.post("/leave/adjust", {"employee_no": "E1041", "leave_type": "annual", "days": "9",
                                           "reason": "x"}).status_code == 403
    assert employee.get("/api/v1/employees/E1042/leave/balances").status_code == 403
    assert hr.get("/api/v1/employees/E9999/leave/balances").status_code == 404


def test_html_form_keeps_what_was_typed_and_previews_without_javascript(leave_app):
    b = signed_in(leave_app, "E1041")
    page = b.post("/leave/new", {"action": "preview", "leave_type": "annual", "start": "2026-12-24",
                                 "end": "2026-12-28", "reason": "크리스마스"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "기독탄신일" in html and 'value="2026-12-24"' in html and "크리스마스" in html
    refused = b.post("/leave/new", {"action": "submit", "leave_type": "annual", "start": "2026-12-26",
                                    "end": "2026-12-27"})
    assert refused.status_code == 422 and "근무일이 없습니다" in refused.get_data(as_text=True)
    sent = b.post("/leave/new", {"action": "submit", "leave_type": "annual", "start": "2026-12-24",
                                 "end": "2026-12-28"})
    assert sent.status_code == 302
    assert "대기" in b.get("/leave/").get_data(as_text=True)


def test_ical_feed_shows_approved_leave_and_the_old_url_dies_on_regenerate(leave_app):
    b = signed_in(leave_app, "E1041")
    html = b.get("/leave/").get_data(as_text=True)
    import re

    url = re.search(r'id="feed-mine" class="copy" readonly value="http://localhost(/leave/feed/[^"]+\.ics)"', html)
    assert url
    path = url.group(1)
    anonymous = Browser(leave_app)
    assert Calendar.from_ical(anonymous.get(path).data).walk("VEVENT") == []
    created = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-14",
                                                      "end": "2026-12-15"}).get_json()
    approve_all(leave_app, created["approval_id"], "E1005")
    events = Calendar.from_ical(anonymous.get(path).data).walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [(date(2026, 12, 14), date(2026, 12, 16))]
    manager = signed_in(leave_app, "E1005")
    team_path = re.search(r'id="feed-team" class="copy" readonly value="http://localhost(/leave/feed/[^"]+)"',
                          manager.get("/leave/").get_data(as_text=True)).group(1)
    assert "신준호" in Calendar.from_ical(anonymous.get(team_path).data).walk("VEVENT")[0]["summary"]
    assert anonymous.get(path.replace(".ics", "/team.ics")).status_code == 404  # not a manager
    b.post("/leave/feed/regenerate")
    assert anonymous.get(path).status_code == 404


def test_team_calendar_and_reports(leave_app):
    b = signed_in(leave_app, "E1041")
    created = post_json(b, "/api/v1/leave/requests", {"leave_type": "annual", "start": "2026-12-14",
                                                      "end": "2026-12-15"}).get_json()
    manager = signed_in(leave_app, "E1005")
    page = manager.get("/leave/team?month=2026-12").get_data(as_text=True)
    assert "신준호" in page and "기독탄신일" in page
    approve_all(leave_app, created["approval_id"], "E1005")
    hr = signed_in(leave_app, "E1011")
    csv_text = hr.get("/leave/reports.csv").get_data(as_text=True)
    header, *rows = csv_text.lstrip("\ufeff").splitlines()
    assert header.startswith("employee_no,name,department,annual_granted")
    mine = next(r for r in rows if r.startswith("E1041,"))
    assert ",20,2,0,18," in mine
    assert "제품개발팀" in hr.get("/leave/reports").get_data(as_text=True)


def test_balances_and_report_use_a_fixed_number_of_queries(leave_app):
    with leave_app.app_context():
        services.accrue()
        db.session.commit()
        me = person("E1041")
        assert me.hire_date
        count = {"n": 0}

        def counter(*args):
            count["n"] += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            services.balances(me)
            assert count["n"] == 2
            count["n"] = 0
            services.report()
            small = count["n"]
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        assert small <= 5  # people, ledger, pending, used: not one per person


def test_two_requests_at_the_same_moment_cannot_overdraw(leave_app):
    """Each request alone fits (12 of 20 days); together they would overdraw. Exactly one wins, on
    PostgreSQL through SELECT … FOR UPDATE on the employee row and on SQLite through its write lock."""
    barrier = threading.Barrier(2)
    outcomes: list = []
    ranges = [(date(2026, 12, 1), date(2026, 12, 16)), (date(2027, 1, 4), date(2027, 1, 19))]

    def submit(start, end):
        with leave_app.app_context():
            me = person("E1041")
            barrier.wait()
            try:
                services.submit_request(me, leave_type="annual", start=start, end=end, actor=me)
                db.session.commit()
                outcomes.append("ok")
            except ConflictError as error:
                db.session.rollback()
                outcomes.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=r) for r in ranges]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["insufficient_balance", "ok"]
    with leave_app.app_context():
        result = services.balance(person("E1041"), "annual")
        assert result.pending == 12.0 and result.available == 8.0


def test_policy_file_errors_say_where():
    with pytest.raises(PolicyError, match=r"\[types.annual\].unit: expected one of day, half_day"):
        parse_policy('[types.annual]\nname = { ko = "연차", en = "Annual" }\nunit = "week"\n')
    with pytest.raises(PolicyError, match="not valid TOML"):
        parse_policy("[types.annual\n")
    with pytest.raises(PolicyError, match=r"accrual.rule: expected one of"):
        parse_policy('[types.x]\nname = { ko = "x", en = "x" }\naccrual = { rule = "weekly" }\n')
    with pytest.raises(PolicyError, match=r"fiscal_year_start: expected MM-DD"):
        parse_policy('[types.x]\nname = { ko = "x", en = "x" }\n'
                     'accrual = { rule = "statutory_kr", basis = "fiscal_year", fiscal_year_start = "13-01" }\n')
    with pytest.raises(PolicyError, match="define at least one leave type"):
        parse_policy("[calendar]\npast_limit_days = 10\n")


def test_a_policies_folder_without_leave_toml_uses_the_default_and_a_bad_one_is_refused(make_app, tmp_path):
    from ess.leave.policy import leave_policy

    app = make_app(POLICIES_DIR=str(tmp_path))
    with app.app_context():
        assert "annual" in leave_policy().types
    (tmp_path / "leave.toml").write_text('[types.annual]\nname = { ko = "연차" }\n', encoding="utf-8")
    with app.app_context(), pytest.raises(PolicyError, match=r"\[types.annual\].name: give both ko and en"):
        leave_policy()


def test_a_service_token_reads_anyones_balances_only_with_leave_read(leave_app):
    from service_tokens import bearer, make_token

    client = leave_app.test_client()
    reader = make_token(leave_app, "payroll", ["leave:read"])
    body = client.get("/api/v1/employees/E1041/leave/balances?as_of=2026-11-23", headers=bearer(reader)).get_json()
    assert next(b for b in body["balances"] if b["leave_type"] == "annual")["available"] == 20.0
    other = make_token(leave_app, "directory-sync", ["people:read"])
    assert client.get("/api/v1/employees/E1041/leave/balances", headers=bearer(other)).status_code == 403
    # My own balances and requests need a person behind them.
    assert client.get("/api/v1/leave/balances", headers=bearer(reader)).status_code == 403


def test_a_long_history_opens_with_the_balance_brought_forward(leave_app):
    with leave_app.app_context():
        result = services.balance(person("E1041"), "annual", date(2026, 11, 23))  # hired 2015
        opening, on, recent = result.recent_lines()
        assert on == date(2026, 3, 2) and opening == 19.0  # the 10th year's days, which expire that day
        assert round(opening + sum(line.row.days for line in recent), 2) == result.total
        assert [line.row.kind for line in recent[:2]] == ["expiry", "grant"] and recent[1].row.note == "anniversary:11"
    page = signed_in(leave_app, "E1041").get("/leave/?lang=en").get_data(as_text=True)
    assert "Balance brought forward" in page and "First-year leave for month 1" not in page
