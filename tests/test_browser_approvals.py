"""In a real browser: a request walks manager → HR; requester and both deciders get their mail."""
import pytest

from approvals_support import MANAGER_THEN_HR, policies_with
from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve, sign_in, sign_out
from mailbox import Mailbox

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_certificate_walks_manager_then_hr(make_app, app, demo, tmp_path, viewport):
    mailbox = Mailbox().start()
    portal = make_app(SMTP_URL=mailbox.url, POLICIES_DIR=policies_with(tmp_path, MANAGER_THEN_HR))
    width = viewport["width"]
    try:
        with serve(portal) as base, chromium() as browser:
            page = open_page(browser, viewport)
            sign_in(page, base, "E1041")
            page.get_by_role("link", name="내 신청").click()
            page.get_by_role("link", name="재직증명서 신청").click()
            page.get_by_role("button", name="신청하기").click()
            assert page.get_by_text("증명서 용도를 선택해 주세요.").is_visible()
            page.console_errors.clear()  # the 422 of this deliberate mistake is logged by Chromium
            page.get_by_label("용도").select_option("visa")
            page.get_by_label("증명서 언어").select_option("en")
            page.get_by_label("부수").fill("2")
            page.get_by_role("button", name="신청하기").click()
            assert page.get_by_text("인사팀에 요청을 보냈습니다.").is_visible()
            screenshot(page, f"approval-requested-{width}")
            sign_out(page)

            sign_in(page, base, "E1005")
            nav = page.get_by_role("navigation", name="주 메뉴")
            assert nav.get_by_role("link", name="결재함 1 대기").is_visible()
            nav.get_by_role("link", name="결재함 1 대기").click()
            screenshot(page, f"approval-queue-{width}")
            page.get_by_role("link", name="재직증명서 (비자·출입국, 2부)").click()
            page.get_by_label("의견(선택)").fill("확인했습니다")
            page.get_by_role("button", name="승인", exact=True).click()
            assert page.get_by_text("승인했습니다.").is_visible()
            sign_out(page)

            sign_in(page, base, "E1011")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="결재함 1 대기").click()
            page.get_by_role("link", name="재직증명서 (비자·출입국, 2부)").click()
            screenshot(page, f"approval-detail-{width}")
            page.get_by_role("button", name="승인", exact=True).click()
            assert page.locator(".tag.state-approved").inner_text() == "승인"
            assert page.get_by_text("최유나 · ").is_visible() or page.get_by_text("최유나").first.is_visible()
            assert page.console_errors == []
        portal.test_cli_runner().invoke(args=["ess", "worker", "--once"])
        subjects = {(m["To"], m["Subject"]) for m in mailbox.wait_for(6)}
        assert ("junho.shin@hanbit.example", "요청 접수: 재직증명서 (비자·출입국, 2부)") in subjects
        assert ("yuna.choi@hanbit.example", "결재 요청: 재직증명서 (비자·출입국, 2부) (신준호)") in subjects
        assert ("sumin.lee@hanbit.example", "결재 요청: 재직증명서 (비자·출입국, 2부) (신준호)") in subjects
        assert ("junho.shin@hanbit.example", "[승인] 재직증명서 (비자·출입국, 2부)") in subjects
    finally:
        mailbox.stop()
