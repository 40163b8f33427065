"""In a real browser: one employee's question is answered by an article while typing; another's reaches HR,
is answered and resolved; /insights shows one self-served and one staff-resolved question."""
import re

import pytest

from playwright.sync_api import expect

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve, sign_in, sign_out
from ess.db import db
from mailbox import Mailbox

pytestmark = [pytest.mark.browser, pytest.mark.demo_articles]


@pytest.fixture
def demo(demo, app):
    """The demo company without its Ask HR/IT history, so /insights shows only this journey."""
    from ess.helpdesk.models import Announcement, Question
    from ess.insights.models import ArticleView
    from ess.notify.models import OutboxMessage

    with app.app_context():
        for model in (Question, Announcement, ArticleView):
            db.session.execute(model.__table__.delete())
        db.session.execute(OutboxMessage.__table__.delete())
        db.session.commit()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_self_served_and_staff_resolved_questions_show_in_insights(make_app, app, demo, viewport):
    mailbox = Mailbox().start()
    portal = make_app(SMTP_URL=mailbox.url)
    width = viewport["width"]
    try:
        with serve(portal) as base, chromium() as browser:
            page = open_page(browser, viewport)
            # 1. An article answers the first employee's question while it is being typed.
            sign_in(page, base, "E1041")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="인사·IT 문의").click()
            page.get_by_role("link", name="질문하기").click()
            page.get_by_label("주제").select_option("leave")
            page.get_by_label("제목").press_sequentially("연차 이월", delay=30)
            suggestion = page.locator("#hd-suggestions").get_by_role("link", name="연차휴가 사용 안내")
            suggestion.wait_for()
            screenshot(page, f"helpdesk-suggestions-{width}")
            with page.expect_popup() as opened:
                suggestion.click()
            article = opened.value
            article.wait_for_load_state()
            expect(article.get_by_role("heading", name="연차휴가 사용 안내")).to_be_visible()
            article.close()
            page.locator("#hd-suggestions li").filter(has_text="연차휴가 사용 안내").get_by_role(
                "button", name="이 문서로 해결됐어요").click()
            expect(page.get_by_text("문서가 도움이 되어 다행입니다.")).to_be_visible()
            expect(page.locator(".hd-state-self_served")).to_have_text("문서로 해결")
            sign_out(page)

            # 2. The second employee's question goes to HR.
            sign_in(page, base, "E1042")
            page.goto(f"{base}/help/ask")
            page.get_by_label("주제").select_option("pay")
            page.get_by_label("제목").fill("작년 급여명세서를 다시 받고 싶어요")
            page.get_by_label("자세한 내용 (선택)").fill("2025년 3월분이 필요합니다.")
            page.get_by_role("button", name="담당 팀에 보내기").click()
            expect(page.get_by_text("질문을 인사팀에 보냈습니다.")).to_be_visible()
            sign_out(page)

            # 3. HR answers from the team queue.
            sign_in(page, base, "E1011")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="우리 팀 문의함").click()
            page.get_by_role("link", name="작년 급여명세서를 다시 받고 싶어요").click()
            page.get_by_label("답변").first.fill("포털 > 급여 > 명세서에서 내려받을 수 있습니다.")
            page.get_by_role("button", name="답변 보내기").click()
            expect(page.get_by_text("답글을 남겼습니다.")).to_be_visible()
            screenshot(page, f"helpdesk-answered-{width}")
            sign_out(page)

            # 4. The asker sees it on the home page and marks it resolved.
            sign_in(page, base, "E1042")
            page.get_by_role("link", name="작년 급여명세서를 다시 받고 싶어요").click()
            expect(page.get_by_text("포털 > 급여 > 명세서에서 내려받을 수 있습니다.")).to_be_visible()
            page.get_by_role("button", name="해결됨으로 표시").click()
            expect(page.locator(".hd-state-resolved").first).to_have_text("해결됨")
            screenshot(page, f"helpdesk-resolved-{width}")
            sign_out(page)

            # 5. Insights: one self-served, one resolved by staff, with its resolution time.
            sign_in(page, base, "E1011")
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="인사이트").click()
            expect(page.locator(".insights-questions-total")).to_have_text("2")
            assert page.locator(".insights-self-served").inner_text().startswith("1")
            expect(page.locator(".insights-resolved")).to_have_text("1")
            assert re.fullmatch(r"근무시간 \d+\.\d시간", page.locator(".insights-resolution").inner_text())
            expect(page.locator("svg.chart").first).to_be_visible()
            screenshot(page, f"insights-{width}")
            assert page.console_errors == []
        portal.test_cli_runner().invoke(args=["ess", "worker", "--once"])
        subjects = {(m["To"], m["Subject"]) for m in mailbox.wait_for(4)}
        assert ("naeun.kwon@hanbit.example", "질문에 대한 답변: 작년 급여명세서를 다시 받고 싶어요") in subjects
        assert not any(to == "junho.shin@hanbit.example" for to, _subject in subjects)  # self-served: no mail
    finally:
        mailbox.stop()
