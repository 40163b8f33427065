"""In a real browser at 390 px: an employee changes their phone (saved at once) and bank account (goes to HR),
HR approves in the approval queue, the new account shows masked and the history shows both changes."""
import pytest

from browser import PHONE, chromium, open_page, screenshot, serve, sign_in

pytestmark = pytest.mark.browser


def test_phone_and_bank_account_journey_at_390px(app, demo):
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, PHONE)
        sign_in(page, base, "E1041")
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="내 정보").click()
        assert page.locator("h1").inner_text() == "내 정보"
        assert page.get_by_text("***-****-7891").is_visible()

        details = page.locator("#details")
        details.get_by_label("휴대전화").fill("010-9876-5432")
        details.get_by_role("button", name="저장").click()
        assert page.get_by_text("저장했습니다: 휴대전화.").is_visible()

        bank = page.locator("#bank-account")
        bank.get_by_text("급여 계좌 변경", exact=True).click()
        bank.get_by_label("은행", exact=True).select_option("088")
        bank.get_by_label("계좌번호").fill("110-987-654321")
        bank.get_by_role("button", name="결재 요청").click()
        assert page.get_by_text("인사팀에 승인을 요청했습니다: 급여 계좌.").is_visible()
        assert page.locator("#bank-account .masked").inner_text().startswith("KB국민은행 ***-****-7891")
        assert page.locator("#pending").get_by_text("***-****-4321").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "profile-requested-390")
        page.get_by_role("button", name="로그아웃").click()

        sign_in(page, base, "E1011")
        page.goto(f"{base}/approvals")
        page.get_by_role("link", name="신준호: 급여 계좌 변경").click()
        assert page.get_by_text("***-****-4321").first.is_visible()
        screenshot(page, "profile-approval-detail-390")
        page.get_by_role("button", name="승인", exact=True).click()
        page.goto(f"{base}/hr/employees/E1041")
        assert page.locator("#bank-account .masked").inner_text().startswith("신한은행 ***-****-4321")
        screenshot(page, "profile-hr-employee-390")
        page.get_by_role("button", name="로그아웃").click()

        sign_in(page, base, "E1041")
        page.goto(f"{base}/me")
        assert page.locator("#bank-account .masked").inner_text().startswith("신한은행 ***-****-4321")
        assert "110987654321" not in page.content()
        screenshot(page, "profile-approved-390")
        page.get_by_role("link", name="변경 이력").click()
        history = page.locator("main")
        assert history.get_by_text("010-9876-5432").is_visible()       # the phone, saved at once
        assert history.get_by_text("신한은행 ***-****-4321 (신준호)").first.is_visible()  # the account, approved
        assert history.get_by_text("승인됨").first.is_visible() or history.get_by_text("승인").first.is_visible()
        assert "110987654321" not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "profile-history-390")
        assert page.console_errors == []
