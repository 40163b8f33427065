"""In a real browser, at desktop width and at 390 px: dev sign-in, the Korean home page, the language switch."""
import pytest

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_sign_in_and_switch_language(app, demo, viewport):
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, viewport)
        page.goto(f"{base}/")
        assert page.url.startswith(f"{base}/auth/dev-login")
        assert page.locator("h1").inner_text() == "데모 로그인"
        page.get_by_label("사번 또는 회사 이메일").fill("E1041")
        page.get_by_role("button", name="로그인", exact=True).click()
        page.wait_for_url(f"{base}/")
        assert page.locator("h1").inner_text() == "신준호님, 안녕하세요"
        assert page.locator("html").get_attribute("lang") == "ko"
        nav = page.get_by_role("navigation", name="주 메뉴")
        assert nav.get_by_role("link", name="임직원 찾기").is_visible()
        # Nothing spills sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"home-ko-{viewport['width']}")

        page.get_by_role("link", name="English").click()
        assert page.locator("h1").inner_text() == "Hello, 신준호"
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
        page.get_by_label("Name or department").fill("영업")
        page.get_by_role("button", name="Search").click()
        assert page.get_by_role("link", name="정대현").is_visible()
        screenshot(page, f"directory-en-{viewport['width']}")

        page.get_by_role("button", name="Sign out").click()
        assert page.locator("h1").inner_text() == "You are signed out"
        assert page.console_errors == []


def test_persona_buttons_sign_in(app, demo):
    with serve(app) as base, chromium() as browser:
        page = open_page(browser, PHONE)
        page.goto(f"{base}/auth/dev-login")
        screenshot(page, "dev-login-390")
        page.get_by_role("button", name="김지영").click()
        page.wait_for_url(f"{base}/")
        assert "김지영님" in page.locator("h1").inner_text()
