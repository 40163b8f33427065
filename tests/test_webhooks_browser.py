"""In a real browser at 1280 and 390 px: an administrator creates a webhook, copies the secret shown once,
sends a test event that a real receiver gets, and sees the delivery listed."""
import json

import pytest

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve, sign_in
from mailbox import Mailbox
from test_webhooks import Receiver, verify

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_creates_a_webhook_and_sends_a_test_event(make_app, app, demo, viewport):
    width = viewport["width"]
    receiver, mailbox = Receiver().start(), Mailbox().start()
    hook_app = make_app(SMTP_URL=mailbox.url)
    try:
        with serve(hook_app) as base, chromium() as browser:
            page = open_page(browser, viewport)
            sign_in(page, base, "E1034")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="웹훅").click()
            assert page.locator("h1").inner_text() == "웹훅"
            page.get_by_label("이름").fill("attendance-sync")
            page.get_by_label("주소 (URL)").fill(receiver.url)
            page.get_by_label("휴가", exact=False).first.check()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"webhooks-new-{width}")
            page.get_by_role("button", name="웹훅 만들기").click()
            assert page.locator("h1").inner_text() == "웹훅 attendance-sync을(를) 만들었습니다"
            secret = page.locator("#secret").inner_text()
            assert secret.startswith("whsec_")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"webhooks-created-{width}")

            page.get_by_role("link", name="웹훅으로 돌아가기").click()
            assert secret not in page.content()
            page.get_by_role("button", name="테스트 이벤트 보내기").click()
            assert "대기열" in page.locator(".notice").first.inner_text()
            assert hook_app.test_cli_runner().invoke(args=["ess", "worker", "--once"]).exit_code == 0
            page.reload()
            assert "전송됨" in page.locator(".webhook-deliveries").inner_text()
            assert "HTTP 200" in page.locator(".webhook-deliveries").inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            screenshot(page, f"webhooks-detail-{width}")
            assert page.console_errors == []
        (post,) = receiver.received
        assert json.loads(post["body"])["type"] == "webhook.test"
        assert verify(secret, post["headers"]["X-ESS-Signature"], post["body"])
    finally:
        receiver.stop()
        mailbox.stop()
