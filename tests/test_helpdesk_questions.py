"""Ask HR/IT: self-service closes a question without staff; the rest reach the team, are answered in a
thread (the asker gets a mail over real SMTP), and resolved. Private by default."""
import re

import pytest
from sqlalchemy import func, select

from ess.audit import AuditEvent
from ess.db import db
from ess.helpdesk.models import Announcement, Question, QuestionAttachment, QuestionState
from ess.knowledge.models import Article, ArticleStatus
from ess.notify.models import OutboxMessage
from mailbox import Mailbox

pytestmark = pytest.mark.demo_articles


@pytest.fixture
def demo(demo, app):
    """The demo company without its Ask HR/IT history, so each test counts only what it does."""
    from ess.helpdesk.models import Announcement, Question
    from ess.insights.models import ArticleView
    from ess.notify.models import OutboxMessage

    with app.app_context():
        for model in (Question, Announcement, ArticleView):
            db.session.execute(model.__table__.delete())
        db.session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.topic.like("helpdesk.%")))
        db.session.commit()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def article_id(app, slug):
    with app.app_context():
        return db.session.scalar(select(Article.id).where(Article.slug == slug))


def outbox(app):
    with app.app_context():
        return [(m.to_address, m.subject, m.topic) for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic.like("helpdesk.%")))]


def the_question(app, subject):
    with app.app_context():
        q = db.session.scalar(select(Question).where(Question.subject == subject))
        db.session.expunge_all()
        return q


def ask(b, **fields):
    data = {"topic": "leave", "subject": "연차 이월이 되나요?", "details": "작년 연차가 남았어요", "action": "send"}
    data.update(fields)
    return b.post("/help/ask", data)


def test_article_that_answers_closes_the_question_without_staff(app, demo, browser):
    def audited():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "helpdesk.question.self_served"))

    before = audited()
    b = browser("E1041")
    response = ask(b, answered_by=str(article_id(app, "annual-leave")))
    assert response.status_code == 302
    q = the_question(app, "연차 이월이 되나요?")
    assert q.state is QuestionState.self_served and q.resolved_at is not None and q.first_response_at is None
    assert q.self_served_article_id == article_id(app, "annual-leave")
    assert outbox(app) == []  # nothing to staff, nothing to the asker
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert "연차휴가 사용 안내" in page
    assert audited() == before + 1
    # The team never sees it waiting.
    assert "연차 이월이 되나요?" not in browser("E1011").get("/help/queue").get_data(as_text=True)


def test_question_reaches_hr_answer_mails_the_asker_over_smtp_and_asker_resolves(make_app, app, demo, browser):
    mailbox = Mailbox().start()
    try:
        portal = make_app(SMTP_URL=mailbox.url)
        from conftest import Browser

        with portal.app_context():  # the demo's own mail is not what this test is about
            db.session.execute(OutboxMessage.__table__.delete())
            db.session.commit()

        asker = Browser(portal).sign_in("E1041")
        response = ask(asker, topic="pay", subject="급여명세서가 안 보여요")
        assert response.status_code == 302
        q = the_question(portal, "급여명세서가 안 보여요")
        assert q.state is QuestionState.open and q.team == "hr"
        staff_mail = {to for to, _s, topic in outbox(portal) if topic == "helpdesk.asked"}
        assert staff_mail == {"jiyoung.kim@hanbit.example", "sumin.lee@hanbit.example",
                              "seoyeon.park@hanbit.example"}

        hr = Browser(portal).sign_in("E1011")
        queue = hr.get("/help/queue").get_data(as_text=True)
        assert "급여명세서가 안 보여요" in queue
        assert hr.post(f"/help/q/{q.id}/reply", {"body": ""}).status_code == 422
        assert hr.post(f"/help/q/{q.id}/reply", {"body": "포털 > 급여에서 확인하세요."}).status_code == 302
        q = the_question(portal, "급여명세서가 안 보여요")
        assert q.state is QuestionState.answered and q.first_response_at is not None

        result = portal.test_cli_runner().invoke(args=["ess", "worker", "--once"])
        assert result.exit_code == 0, result.output
        mails = [m for m in mailbox.wait_for(4) if m["To"] == "junho.shin@hanbit.example"
                 and m["Subject"].startswith("질문에 대한 답변")]
        assert len(mails) == 1
        assert mails[0]["Subject"] == "질문에 대한 답변: 급여명세서가 안 보여요"
        assert "포털 > 급여에서 확인하세요." in Mailbox.text(mails[0])
        assert f"/help/q/{q.id}" in Mailbox.text(mails[0])

        assert asker.post(f"/help/q/{q.id}/reply", {"body": "어디 메뉴인지 모르겠어요"}).status_code == 302
        assert the_question(portal, "급여명세서가 안 보여요").state is QuestionState.open
        assert asker.post(f"/help/q/{q.id}/resolve").status_code == 409  # not answered since the reply
        hr.post(f"/help/q/{q.id}/reply", {"body": "홈 화면 오른쪽 위에 있어요."})
        assert asker.post(f"/help/q/{q.id}/resolve").status_code == 302
        q = the_question(portal, "급여명세서가 안 보여요")
        assert q.state is QuestionState.resolved and q.resolved_at >= q.first_response_at
        page = asker.get(f"/help/q/{q.id}").get_data(as_text=True)
        assert "해결됨" in page and "어디 메뉴인지 모르겠어요" in page
    finally:
        mailbox.stop()


def test_questions_are_private_to_the_asker_and_the_team(app, demo, browser):
    ask(browser("E1041"), topic="device", subject="노트북이 느려요")
    q = the_question(app, "노트북이 느려요")
    assert q.team == "it"
    assert browser("E1041").get(f"/help/q/{q.id}").status_code == 200
    assert browser("E1031").get(f"/help/q/{q.id}").status_code == 200   # IT staff
    assert browser("E1042").get(f"/help/q/{q.id}").status_code == 404   # another employee
    assert browser("E1005").get(f"/help/q/{q.id}").status_code == 404   # the asker's manager
    assert browser("E1011").get(f"/help/q/{q.id}").status_code == 404   # HR: not their team
    assert browser("E1034").get(f"/help/q/{q.id}").status_code == 404   # admin
    assert browser("E1042").post(f"/help/q/{q.id}/reply", {"body": "x"}).status_code == 404
    assert "노트북이 느려요" not in browser("E1011").get("/help/queue").get_data(as_text=True)


def test_the_form_keeps_what_was_typed_and_names_the_field(app, demo, browser):
    b = browser("E1041")
    response = ask(b, topic="", subject="휴가 질문", details="내용 그대로")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-topic-error"' in page and "주제를 선택해 주세요." in page
    assert 'value="휴가 질문"' in page and "내용 그대로" in page
    response = ask(b, subject="   ")
    assert response.status_code == 422 and 'id="f-subject-error"' in response.get_data(as_text=True)


def test_attachments_are_type_and_size_checked_and_kept_private(app, demo, browser):
    from io import BytesIO

    b = browser("E1041")
    bad = ask(b, subject="첨부 테스트", attachment=(BytesIO(b"MZ\x90\x00 not a pdf"), "virus.pdf"))
    assert bad.status_code == 422 and "PDF, PNG, JPEG, GIF, WebP" in bad.get_data(as_text=True)
    big = ask(b, subject="첨부 테스트", attachment=(BytesIO(b"%PDF-" + b"0" * (5 * 1024 * 1024)), "big.pdf"))
    assert big.status_code == 422 and "5 MB" in big.get_data(as_text=True)
    good = ask(b, subject="첨부 테스트", attachment=(BytesIO(PNG), "../../화면.png"))
    assert good.status_code == 302
    q = the_question(app, "첨부 테스트")
    with app.app_context():
        file = db.session.scalar(select(QuestionAttachment).where(QuestionAttachment.question_id == q.id))
        assert (file.content_type, file.filename, file.size) == ("image/png", "화면.png", len(PNG))
    url = f"/help/q/{q.id}/files/{file.id}"
    response = b.get(url)
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert browser("E1042").get(url).status_code == 404
    assert browser("E1011").get(url).status_code == 200


def test_find_answers_step_works_without_javascript_and_is_logged(app, demo, browser):
    from ess.knowledge.models import SearchQuery

    b = browser("E1041")
    page = b.post("/help/ask", {"topic": "account", "subject": "비밀번호 초기화", "details": "",
                                "action": "find"}).get_data(as_text=True)
    assert "비밀번호 변경과 초기화" in page
    match = re.search(r'name="answered_by" value="(\d+)"', page)
    assert match and int(match.group(1)) == article_id(app, "password-reset")
    assert 'value="비밀번호 초기화"' in page  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SearchQuery)) == 1
        assert db.session.scalar(select(func.count()).select_from(Question)) == 0  # nothing asked yet


def test_suggestions_api_returns_readable_articles_with_ids(app, demo, browser):
    b = browser("E1041")
    data = b.get("/api/v1/helpdesk/suggestions?q=노트북").get_json()
    assert data["articles"][0]["id"] == article_id(app, "laptop-request")
    assert data["articles"][0]["url"] == "/kb/a/laptop-request"
    assert b.get("/api/v1/helpdesk/suggestions?q=").status_code == 422
    ask(b, subject="내 질문")
    mine = b.get("/api/v1/helpdesk/questions").get_json()["questions"]
    assert [q["subject"] for q in mine] == ["내 질문"] and mine[0]["state"] == "open"
    assert browser("E1042").get("/api/v1/helpdesk/questions").get_json()["questions"] == []


def test_an_unreadable_article_cannot_close_a_question(app, demo, browser):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "annual-leave"))
        article.status = ArticleStatus.archived
        db.session.commit()
    response = ask(browser("E1041"), answered_by=str(article_id(app, "annual-leave")))
    assert response.status_code == 422


def test_staff_turn_an_answer_into_a_draft_article_and_share_it_anonymised(app, demo, browser):
    ask(browser("E1041"), topic="pay", subject="신준호입니다. 연말정산 서류는 언제 내나요?")
    q = the_question(app, "신준호입니다. 연말정산 서류는 언제 내나요?")
    hr = browser("E1011")
    assert hr.post(f"/help/q/{q.id}/article").status_code == 409  # nothing answered yet
    hr.post(f"/help/q/{q.id}/reply", {"body": "1월 15일까지 내 주세요. 신준호 님 (E1041) 감사합니다."})
    response = hr.post(f"/help/q/{q.id}/article")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/kb/a/question-{q.id}/edit")
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == f"question-{q.id}"))
        assert article.status is ArticleStatus.draft and article.space == "hr"
        assert "신준호" not in article.title + article.body and "E1041" not in article.body
        assert "1월 15일까지" in article.body
    assert browser("E1041").post(f"/help/q/{q.id}/article").status_code == 403
    assert browser("E1041").post(f"/help/q/{q.id}/share", {"public_subject": "x", "public_answer": "y"}
                                 ).status_code == 403

    page = hr.get(f"/help/q/{q.id}").get_data(as_text=True)
    assert "○○○입니다. 연말정산 서류는 언제 내나요?" in page  # the share form starts anonymised
    response = hr.post(f"/help/q/{q.id}/share", {"public_subject": "연말정산 서류 마감 (신준호)",
                                                   "public_answer": "1월 15일까지 junho.shin@hanbit.example"})
    assert response.status_code == 302
    reader = browser("E1042")
    shared = reader.get(f"/help/shared/{q.id}").get_data(as_text=True)
    assert "연말정산 서류 마감" in shared and "신준호" not in shared and "junho.shin" not in shared
    assert "연말정산 서류 마감" in reader.get("/help/?q=연말정산").get_data(as_text=True)
    assert reader.post(f"/help/shared/{q.id}/helpful").status_code == 302
    reader.post(f"/help/shared/{q.id}/helpful")  # counted once
    browser("E1043").post(f"/help/shared/{q.id}/helpful")
    assert "2명이 도움이 되었다고 했습니다." in reader.get(f"/help/shared/{q.id}").get_data(as_text=True)
    assert reader.get(f"/help/q/{q.id}").status_code == 404  # the private thread stays private
    hr.post(f"/help/q/{q.id}/unshare")
    assert reader.get(f"/help/shared/{q.id}").status_code == 404


def test_hr_pins_announcements_for_the_home_page(app, demo, browser):
    hr = browser("E1011")
    assert hr.post("/help/announcements", {"title": ""}).status_code == 422
    assert hr.post("/help/announcements", {"title": "연말정산 안내", "body": "1월 15일 마감", "pinned": "1"}
                   ).status_code == 302
    home = browser("E1041").get("/").get_data(as_text=True)
    assert "연말정산 안내" in home and "1월 15일 마감" in home
    with app.app_context():
        item = db.session.scalar(select(Announcement))
    hr.post(f"/help/announcements/{item.id}/pin", {"pinned": "0"})
    assert "연말정산 안내" not in browser("E1041").get("/").get_data(as_text=True)
    assert browser("E1041").post("/help/announcements", {"title": "x"}).status_code == 403


def test_home_shows_my_open_questions_and_articles(app, demo, browser):
    b = browser("E1041")
    ask(b, subject="열린 질문")
    ask(b, subject="닫힌 질문", answered_by=str(article_id(app, "annual-leave")))
    home = b.get("/").get_data(as_text=True)
    assert "열린 질문" in home and "닫힌 질문" not in home
    assert "/kb/a/" in home  # articles for me
    assert "열린 질문" not in browser("E1042").get("/").get_data(as_text=True)


def test_the_demo_has_questions_a_shared_answer_and_announcements(app):
    from ess.demo import build_demo
    from conftest import ROLE_GROUPS

    with app.app_context():
        build_demo(ROLE_GROUPS)
        db.session.commit()
        states = sorted(q.state.value for q in db.session.scalars(select(Question)))
        assert states == ["answered", "open", "resolved", "self_served", "self_served"]
        assert db.session.scalar(select(func.count()).select_from(Question).where(Question.public.is_(True))) == 1
        assert [a.pinned for a in db.session.scalars(select(Announcement).order_by(Announcement.id))] == [True, False]
        build_demo(ROLE_GROUPS)  # a second run adds nothing
        assert db.session.scalar(select(func.count()).select_from(Question)) == 5
