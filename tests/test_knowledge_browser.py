"""In Chromium: an IT author drafts, a second author reviews and publishes, an employee finds it by search
(with suggestions as they type) and rates it; HR publishes a policy that needs confirming and sees who has."""
import pytest
from playwright.sync_api import expect

from browser import DESKTOP, PHONE, chromium, open_page, screenshot, serve

pytestmark = [pytest.mark.browser, pytest.mark.demo_articles]


def sign_in(browser, base, employee, viewport=DESKTOP):
    page = open_page(browser, viewport)
    page.goto(f"{base}/auth/dev-login")
    page.get_by_label("사번 또는 회사 이메일").fill(employee)
    page.get_by_role("button", name="로그인", exact=True).click()
    page.wait_for_url(f"{base}/")
    return page


def write(page, base, title, slug, body, tags, ack=False):
    page.goto(f"{base}/kb/new")
    page.get_by_label("제목").fill(title)
    page.get_by_label("주소(a-z, 0-9, -)").fill(slug)
    page.get_by_label("태그(쉼표로 구분)").fill(tags)
    page.get_by_label("본문(마크다운)").fill(body)
    if ack:
        page.get_by_label("대상자 모두가 읽고 확인해야 함").check()
    page.get_by_role("button", name="초안 저장").click()
    page.get_by_role("button", name="검토 요청").click()
    expect(page.locator(".status").first).to_have_text("검토 중")


def test_write_review_publish_find_rate_and_confirm(app, demo):
    with serve(app) as base, chromium() as browser:
        author = sign_in(browser, base, "E1031")
        write(author, base, "프록시 서버 설정 방법", "proxy-setup",
              "## 브라우저 설정\n\n프록시 주소는 `proxy.hanbit.example:8080`입니다.\n\n## 예외 주소\n\n사내 주소는 프록시를 거치지 않습니다.\n",
              "프록시, 네트워크")
        assert author.console_errors == []

        reviewer = sign_in(browser, base, "E1032")
        reviewer.goto(f"{base}/kb/manage")
        reviewer.get_by_role("link", name="프록시 서버 설정 방법").click()
        reviewer.get_by_role("button", name="게시", exact=True).click()
        expect(reviewer.locator(".status").first).to_have_text("게시됨")

        reader = sign_in(browser, base, "E1041", PHONE)
        reader.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="핸드북·가이드").click()
        box = reader.get_by_label("핸드북과 IT 가이드 검색")
        box.press_sequentially("프록시", delay=60)
        suggestion = reader.locator("#kb-suggestions a", has_text="프록시 서버 설정 방법")
        suggestion.wait_for()
        screenshot(reader, "kb-suggest-390")
        reader.get_by_role("button", name="검색", exact=True).click()
        expect(reader.locator(".kb-results li").first.locator("a")).to_have_text("프록시 서버 설정 방법")
        assert reader.locator(".kb-results mark").first.inner_text() == "프록시"
        screenshot(reader, "kb-search-390")
        reader.locator(".kb-results a", has_text="프록시 서버 설정 방법").click()
        expect(reader.get_by_role("navigation", name="목차").get_by_role("link", name="예외 주소")).to_be_visible()
        reader.get_by_label("예").check()
        reader.get_by_label("의견(선택)").fill("설명이 짧고 좋아요")
        reader.get_by_role("button", name="보내기").click()
        expect(reader.get_by_text("의견을 보내 주셔서 감사합니다.")).to_be_visible()
        assert reader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(reader, "kb-article-390")

        hr = sign_in(browser, base, "E1011")
        write(hr, base, "사내 보안 교육 이수 정책", "security-training",
              "## 대상\n\n모든 임직원은 매년 보안 교육을 이수합니다.\n", "보안, 교육", ack=True)
        hr.get_by_role("button", name="게시", exact=True).click()

        reader.goto(f"{base}/")
        home_ack = reader.get_by_role("region", name="확인할 정책")
        screenshot(reader, "kb-home-ack-390")
        home_ack.get_by_role("link", name="사내 보안 교육 이수 정책").click()
        reader.get_by_role("button", name="이 정책을 읽고 이해했습니다").click()
        expect(reader.get_by_text("확인이 기록되었습니다")).to_be_visible()

        hr.goto(f"{base}/kb/a/security-training")
        hr.get_by_role("link", name="확인 현황").click()
        expect(hr.locator("#ack-confirmed")).to_contain_text("신준호")
        assert "신준호" not in hr.locator("#ack-missing").inner_text()
        screenshot(hr, "kb-acknowledgements-1280")
        hr.goto(f"{base}/kb/a/annual-leave")
        screenshot(hr, "kb-article-1280")
        hr.goto(f"{base}/kb/search?q=연차휴가를")
        screenshot(hr, "kb-search-1280")
        for page in (author, reviewer, reader, hr):
            assert page.console_errors == []
