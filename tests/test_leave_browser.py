"""In a real browser at 1280 px and 390 px: an employee previews and submits leave, the manager approves,
HR approves, and the balance and the iCalendar feed change."""
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve, sign_in
from ess import clock
from ess.db import db
from ess.leave.models import LeaveRequest
from ess.leave.policy import leave_policy
from ess.people.models import Employee

pytestmark = pytest.mark.browser


def six_working_days(app, offset_days):
    with app.app_context():
        me = db.session.scalar(select(Employee).where(Employee.employee_no == "E1041"))
        calendar = leave_policy().calendar_for(me)
        start = clock.today() + timedelta(days=offset_days)
        while not calendar.is_working_day(start):
            start += timedelta(days=1)
        end, counted = start, 1
        while counted < 6:
            end += timedelta(days=1)
            counted += calendar.is_working_day(end)
        return start, end


def available(page) -> float:
    body = page.request.get(page.url.split("/leave")[0] + "/api/v1/leave/balances").json()
    return next(b for b in body["balances"] if b["leave_type"] == "annual")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_request_preview_approve_twice_balance_and_feed(app, demo, viewport):
    width = viewport["width"]
    start, end = six_working_days(app, 60 if width == 1280 else 90)
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, viewport)
        sign_in(page, base, "E1041")
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="내 휴가").click()
        before = available(page)
        feed_url = page.locator("#feed-mine").input_value()
        assert "내 휴가" in page.locator("h1").inner_text()
        screenshot(page, f"leave-mine-before-{width}")

        page.get_by_role("link", name="휴가 신청").first.click()
        page.get_by_label("시작일").fill(start.isoformat())
        page.get_by_label("종료일").fill(end.isoformat())
        # The live preview (leave.js calling the preview API) shows the days without a page load.
        page.locator('#leave-preview [data-preview="days"]').filter(has_text="6").wait_for()
        assert "신청 후 잔여" in page.locator("#leave-preview").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"leave-new-preview-{width}")
        page.get_by_role("button", name="결재 요청").click()
        page.wait_for_url(f"{base}/leave/")
        assert "결재에 올렸습니다" in page.locator(".notice").inner_text()
        reserved = available(page)
        assert reserved["pending"] == before["pending"] + 6
        assert reserved["available"] == before["available"] - 6
        with app.app_context():
            approval_id = db.session.scalar(select(LeaveRequest.approval_id).where(
                LeaveRequest.start_date == start, LeaveRequest.end_date == end))
        assert page.console_errors == []

        for number in ("E1005", "E1011"):  # manager, then HR (more than 5 days)
            decider = open_page(browser, viewport)
            sign_in(decider, base, number)
            decider.goto(f"{base}/approvals/{approval_id}")
            assert "6" in decider.locator("main").inner_text()
            screenshot(decider, f"leave-approval-{number}-{width}")
            decider.get_by_role("button", name="승인", exact=True).click()
            decider.wait_for_load_state()
            decider.context.close()

        page.goto(f"{base}/leave/")
        after = available(page)
        assert after["used"] == before["used"] + 6 and after["pending"] == before["pending"]
        assert after["available"] == before["available"] - 6
        assert "승인" in page.locator(".leave-requests").inner_text()
        screenshot(page, f"leave-mine-after-{width}")
        events = Calendar.from_ical(page.request.get(feed_url).body()).walk("VEVENT")
        assert (start, end + timedelta(days=1)) in [(e.decoded("dtstart"), e.decoded("dtend")) for e in events]
        assert page.console_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_team_calendar_and_reports_fit_the_screen(app, demo, viewport):
    from ess.leave.demo import build_leave_demo

    with app.app_context():
        build_leave_demo()
        db.session.commit()
    width = viewport["width"]
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, viewport)
        sign_in(page, base, "E1005")
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="팀 휴가 달력").click()
        assert page.locator("h1").inner_text() == "팀 휴가 달력"
        assert page.locator(".team-month .away").count() >= 3  # the demo team's leave this month and next
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"leave-team-{width}")
        hr = open_page(browser, viewport)
        sign_in(hr, base, "E1011")
        hr.goto(f"{base}/leave/reports?lang=en")
        assert hr.locator("h1").inner_text() == "Leave reports"
        screenshot(hr, f"leave-reports-en-{width}")
        wide = hr.evaluate("""() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap')).map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert wide == []  # wide tables scroll inside their own box
        assert page.console_errors == [] and hr.console_errors == []
