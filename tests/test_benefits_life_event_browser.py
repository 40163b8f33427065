"""In a real browser on a phone (390 px), outside open enrolment: an employee adds a newborn child to their
dependents (HR approves that), reports the birth, moves their group accident insurance to family coverage
with their spouse and the child, sees the monthly cost before confirming, HR approves, and the new cost shows
from the 1st of the next month."""
import re

import pytest
from playwright.sync_api import expect

from browser import PHONE, chromium, open_page, screenshot, serve, sign_in, sign_out

pytestmark = pytest.mark.browser

TODAY = "2027-02-10"  # February: open enrolment (November) is closed, so only the birth opens a window
BIRTH = "2027-02-03"
CHILD = "신하준"
SPOUSE = "김서윤"  # E1041's spouse in the demo's personal details


def main_nav(page):
    return page.get_by_role("navigation", name="주 메뉴")


def hr_approves(page, base, summary):
    """E1011 (HR) opens the request from the approval queue and approves it."""
    sign_in(page, base, "E1011")
    main_nav(page).get_by_role("link", name=re.compile("결재함")).click()
    page.get_by_role("link", name=summary).click()
    return page


def choose_family_cover(page, window=None):
    """From My benefits: group accident insurance, standard option, family level, spouse and child, cost."""
    page.get_by_role("link", name="플랜 선택·변경").click()
    page.get_by_role("navigation", name="플랜").get_by_role("link", name="단체상해보험").click()
    form = page.locator("#enrol-form")
    expect(form.get_by_text("현재: 기본형 · 본인 · 9,000원")).to_be_visible()
    if window:
        expect(form.get_by_text(window)).to_be_visible()
    page.get_by_label("기본형 · 가족").check()
    page.get_by_label(SPOUSE).check()
    page.get_by_label(CHILD).check()
    page.get_by_role("button", name="월 비용 보기").click()


def test_birth_child_as_dependent_family_coverage_hr_approves_new_cost(make_app, app, demo):
    portal = make_app(TODAY=TODAY)
    with chromium() as browser:
        with serve(portal) as base:
            page = open_page(browser, PHONE)

            # 1. The employee adds the newborn to their dependents: that change needs HR's approval.
            sign_in(page, base, "E1041")
            main_nav(page).get_by_role("link", name="내 정보").click()
            dependents = page.locator("#dependents")
            dependents.get_by_text("부양가족 추가").click()
            dependents.get_by_label("이름").last.fill(CHILD)
            dependents.get_by_label("관계").last.select_option(label="자녀")
            dependents.get_by_label("생년월일").last.fill(BIRTH)
            dependents.get_by_role("button", name="결재 요청").last.click()
            expect(page.get_by_text("인사팀에 승인을 요청했습니다: 부양가족.")).to_be_visible()
            expect(page.locator("#pending")).to_contain_text(CHILD)
            screenshot(page, "life-event-dependent-requested-390")
            sign_out(page)

            hr_approves(page, base, "신준호: 부양가족 변경")
            expect(page.get_by_text(CHILD).first).to_be_visible()
            screenshot(page, "life-event-dependent-approval-390")
            page.get_by_role("button", name="승인", exact=True).click()
            expect(page.locator(".tag.state-approved").first).to_have_text("승인")
            sign_out(page)

            # 2. The employee reports the birth; outside open enrolment this is what opens a window.
            sign_in(page, base, "E1041")
            main_nav(page).get_by_role("link", name="내 정보").click()
            expect(page.locator("#dependents")).to_contain_text(CHILD)
            main_nav(page).get_by_role("link", name="내 복리후생").click()
            expect(page.get_by_text("정기 가입 기간이 아닙니다. 다음 기간은 2027-11-01부터 2027-11-30까지입니다.")) \
                .to_be_visible()
            expect(page.locator("[data-total=employee]")).to_have_text("9,000원")
            # Before the birth is reported the change is refused, with the next window in the message.
            choose_family_cover(page)
            expect(page.get_by_text("지금은 가입 기간이 아닙니다. 다음 정기 가입 기간은 2027-11-01부터 2027-11-30까지입니다.")
                   .first).to_be_visible()
            expect(page.locator("#quote [data-quote=employee]")).to_have_count(0)
            screenshot(page, "life-event-refused-390")
            page.console_errors.clear()  # the 422 of this refused change is logged by Chromium
            page.get_by_role("link", name="← 내 복리후생").click()
            page.get_by_role("link", name="생활 변동 신고").click()
            page.get_by_label("변동 내용").select_option(label="출산·입양 (30일 이내)")
            page.get_by_label("변동일").fill(BIRTH)
            screenshot(page, "life-event-report-390")
            page.get_by_role("button", name="신고하기").click()
            expect(page.get_by_text("신고했습니다. 이 변동으로 2027-03-05까지 복리후생을 변경할 수 있습니다.")) \
                .to_be_visible()

            # 3. Family coverage for the group accident insurance, with the spouse and the child.
            choose_family_cover(page, window="신청 기간: 생활 변동 (2027-03-05까지)")
            quote = page.locator("#quote")
            expect(quote.locator("[data-quote=employee]")).to_have_text("27,000원")
            text = quote.inner_text()
            assert "회사 부담 52,000원, 합계 79,000원." in text
            assert f"보장 대상: 본인, {SPOUSE} (배우자), {CHILD} (자녀)" in text
            assert "오늘 인사팀이 승인하면 2027-03-01부터 적용됩니다." in text
            screenshot(page, "life-event-quote-390")
            page.get_by_role("button", name="확인하고 인사팀에 보내기").click()
            expect(page.get_by_text("선택한 내용을 인사팀 결재로 보냈습니다")).to_be_visible()
            expect(page.locator("#changes").get_by_text("인사팀 결재 대기")).to_be_visible()
            sign_out(page)

            # 4. HR approves the enrolment.
            hr_approves(page, base, "단체상해보험: 기본형, 가족 (월 27,000원)")
            expect(page.get_by_text(f"{SPOUSE} (배우자), {CHILD} (자녀)")).to_be_visible()
            expect(page.get_by_text(f"출산·입양 {BIRTH}")).to_be_visible()
            screenshot(page, "life-event-enrolment-approval-390")
            page.get_by_role("button", name="승인", exact=True).click()
            expect(page.locator(".tag.state-approved").first).to_have_text("승인")
            sign_out(page)

            # 5. The employee sees the change and when it starts; February still costs the old amount.
            sign_in(page, base, "E1041")
            main_nav(page).get_by_role("link", name="내 복리후생").click()
            change = page.locator("#changes [data-plan=group_accident]")
            expect(change.get_by_text("2027-03-01부터 적용")).to_be_visible()
            expect(change).to_contain_text("27,000원")
            expect(page.locator("[data-total=employee]")).to_have_text("9,000원")
            # The old cover ends the day before the new one starts: no gap, no overlap.
            expect(page.locator("#current [data-plan=group_accident]")).to_contain_text("2027-02-28까지")
            screenshot(page, "life-event-approved-390")
            assert page.console_errors == []

        # 6. From 1 March the family coverage and its cost are current.
        march = make_app(TODAY="2027-03-01")
        with serve(march) as base:
            page = open_page(browser, PHONE)
            sign_in(page, base, "E1041")
            main_nav(page).get_by_role("link", name="내 복리후생").click()
            cover = page.locator("#current [data-plan=group_accident]")
            expect(cover).to_contain_text("기본형 · 가족")
            expect(cover).to_contain_text(f"{SPOUSE} (배우자), {CHILD} (자녀)")
            expect(cover).to_contain_text("2027-03-01부터")
            expect(page.locator("[data-total=employee]")).to_have_text("27,000원")
            expect(page.locator("[data-total=company]")).to_have_text("102,000원")
            screenshot(page, "life-event-effective-390")
            assert page.console_errors == []
