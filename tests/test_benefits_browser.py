"""In a real browser: an employee enrols in dental cover with their spouse during open enrolment, sees the
monthly cost before confirming, HR approves in the queue, and the cover and its cost show from the 1st."""
import re

import pytest
from playwright.sync_api import expect

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve, sign_in, sign_out
from ess.db import db
from test_benefits_enrolment import family

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_enrol_with_a_dependent_hr_approves_and_the_cost_shows(make_app, app, demo, viewport):
    portal = make_app(TODAY="2026-11-20")
    with portal.app_context():
        spouse = family("E1041")["spouse"].name
        db.session.commit()
    width = viewport["width"]
    with chromium() as browser:
        with serve(portal) as base:
            page = open_page(browser, viewport)
            sign_in(page, base, "E1041")
            nav = page.get_by_role("navigation", name="주 메뉴")
            nav.get_by_role("link", name="내 복리후생").click()
            expect(page.get_by_text("정기 가입 기간입니다. 2026-11-30까지 선택할 수 있습니다.")).to_be_visible()
            page.get_by_role("link", name="플랜 선택·변경").click()
            page.get_by_role("navigation", name="플랜").get_by_role("link", name="치과보험").click()
            page.get_by_label("기본형 · 본인+배우자").check()
            page.get_by_role("button", name="월 비용 보기").click()
            # A level that covers the spouse needs the spouse ticked: the form says so and keeps the choice.
            expect(page.get_by_text("본인+배우자 보장은 보장 대상(배우자)을 한 명 이상 선택해야 합니다").first).to_be_visible()
            expect(page.get_by_label("기본형 · 본인+배우자")).to_be_checked()
            page.console_errors.clear()  # the 422 of this deliberate mistake is logged by Chromium
            page.get_by_label(spouse).check()
            page.get_by_role("button", name="월 비용 보기").click()
            quote = page.locator("#quote")
            expect(quote.locator("[data-quote=employee]")).to_have_text("12,000원")
            assert "회사 부담 12,000원, 합계 24,000원." in quote.inner_text()
            assert "2026-12-01" in quote.inner_text()
            screenshot(page, f"benefits-quote-{width}")
            page.get_by_role("button", name="확인하고 인사팀에 보내기").click()
            expect(page.get_by_text("선택한 내용을 인사팀 결재로 보냈습니다")).to_be_visible()
            expect(page.locator("#changes").get_by_text("인사팀 결재 대기")).to_be_visible()
            screenshot(page, f"benefits-pending-{width}")
            sign_out(page)

            sign_in(page, base, "E1011")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name=re.compile("결재함")).click()
            page.get_by_role("link", name="치과보험: 기본형, 본인+배우자 (월 12,000원)").click()
            expect(page.get_by_text(spouse).first).to_be_visible()
            screenshot(page, f"benefits-approval-{width}")
            page.get_by_role("button", name="승인", exact=True).click()
            expect(page.locator(".tag.state-approved").first).to_have_text("승인")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="복리후생", exact=True).click()
            screenshot(page, f"benefits-hr-{width}")
            sign_out(page)

            sign_in(page, base, "E1041")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="내 복리후생").click()
            expect(page.locator("#changes").get_by_text("2026-12-01부터 적용")).to_be_visible()
            expect(page.locator("[data-total=employee]")).to_have_text("9,000원")  # still November
            assert page.console_errors == []

        december = make_app(TODAY="2026-12-01")
        with serve(december) as base:
            page = open_page(browser, viewport)
            sign_in(page, base, "E1041")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="내 복리후생").click()
            dental = page.locator("#current [data-plan=dental]")
            assert "치과보험" in dental.inner_text() and spouse in dental.inner_text()
            expect(page.locator("[data-total=employee]")).to_have_text("21,000원")
            expect(page.locator("[data-total=company]")).to_have_text("83,000원")
            screenshot(page, f"benefits-effective-{width}")
            assert page.console_errors == []
