"""In a real browser at 1280 and 390 px: an administrator creates a service token, sees it once, revokes it;
the API reference page reads well."""
import pytest

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_creates_and_revokes_a_token(app, demo, viewport):
    width = viewport["width"]
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, viewport)
        page.goto(f"{base}/auth/dev-login")
        page.get_by_label("사번 또는 회사 이메일").fill("E1034")
        page.get_by_role("button", name="로그인", exact=True).click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="서비스 토큰").click()
        assert page.locator("h1").inner_text() == "서비스 토큰"
        page.get_by_label("이름").fill("entra-scim")
        page.get_by_label("scim", exact=True).check()
        page.get_by_label("만료").select_option("365")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"tokens-new-{width}")
        page.get_by_role("button", name="토큰 만들기").click()
        assert page.locator("h1").inner_text() == "토큰 entra-scim 생성됨"
        secret = page.locator("#secret").inner_text()
        assert secret.startswith("ess_")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"tokens-created-{width}")
        page.get_by_role("link", name="서비스 토큰으로 돌아가기").click()
        assert secret not in page.content()
        page.get_by_role("button", name="entra-scim 폐기").click()
        assert "폐기했습니다" in page.locator(".notice").inner_text()
        assert "폐기됨" in page.locator(".token-list").inner_text()
        screenshot(page, f"tokens-revoked-{width}")

        page.goto(f"{base}/api/v1/docs")
        assert page.locator("h1").inner_text() == "API 참조"
        page.get_by_role("link", name="GET /api/v1/employees/{employee_no}", exact=True).click()
        assert page.locator("#people_api_employee").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"test-results/api-docs-operation-{width}.png")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=f"test-results/api-docs-top-{width}.png")
        screenshot(page, f"api-docs-{width}")
        assert page.console_errors == []
