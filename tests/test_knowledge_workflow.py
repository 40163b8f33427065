"""Authors: drafts, review, publishing rights per space, revisions, diff and restore, overdue; XSS is inert."""
import re

import pytest
from sqlalchemy import func, select

from ess.audit import AuditEvent
from ess.db import db
from ess.knowledge.models import Article, ArticleStatus, Revision

pytestmark = pytest.mark.demo_articles

FORM = {"title": "프린터 스캔 설정", "slug": "scan-setup", "space": "it", "lang": "ko", "category": "장비",
        "tags": "스캔, 프린터", "summary": "스캔 요약", "body": "## 스캔\n\n스캔 버튼을 누릅니다.\n", "owner": "E1031"}


def article(app, slug="scan-setup") -> Article:
    with app.app_context():
        found = db.session.scalar(select(Article).where(Article.slug == slug))
        db.session.expunge_all()
        return found


def step(b, slug, action, **extra):
    return b.post(f"/kb/a/{slug}/status", {"action": action, **extra})


def test_draft_review_publish_and_readers_see_only_published(app, demo, browser):
    author, reviewer, reader = browser("E1031"), browser("E1032"), browser("E1041")
    response = author.post("/kb/new", FORM)
    assert response.status_code == 302
    assert article(app).status is ArticleStatus.draft
    assert reader.get("/kb/a/scan-setup").status_code == 403          # drafts are not for readers
    assert reader.get("/api/v1/kb/search?q=스캔").get_json()["total"] == 0 or all(
        r["slug"] != "scan-setup" for r in reader.get("/api/v1/kb/search?q=스캔").get_json()["results"])

    assert step(author, "scan-setup", "publish").status_code == 409   # not in review yet
    assert step(author, "scan-setup", "submit").status_code == 302
    assert article(app).status is ArticleStatus.in_review
    assert step(reviewer, "scan-setup", "publish").status_code == 302
    published = article(app)
    assert published.status is ArticleStatus.published and published.published_revision_number == 1
    page = reader.get("/kb/a/scan-setup").get_data(as_text=True)
    assert "스캔 버튼을 누릅니다." in page
    assert "scan-setup" in [r["slug"] for r in reader.get("/api/v1/kb/search?q=스캔").get_json()["results"]]

    # An edit is a new revision; readers keep the published one until it is published again.
    edited = dict(FORM, body="## 스캔\n\n스캔 버튼을 두 번 누릅니다.\n")
    assert author.post("/kb/a/scan-setup/edit", edited).status_code == 302
    assert article(app).status is ArticleStatus.draft and article(app).current_revision_number == 2
    assert "두 번" not in reader.get("/kb/a/scan-setup").get_data(as_text=True)
    assert "두 번" in author.get("/kb/a/scan-setup?revision=2").get_data(as_text=True)


def test_an_author_cannot_publish_in_a_space_they_do_not_own(app, demo, browser):
    it_author, hr = browser("E1031"), browser("E1011")
    hr_form = dict(FORM, slug="hr-draft", space="hr", title="인사 초안", owner="E1011")
    assert it_author.post("/kb/new", hr_form).status_code == 302       # any author may draft
    assert step(it_author, "hr-draft", "submit").status_code == 302
    assert step(it_author, "hr-draft", "publish").status_code == 403
    assert article(app, "hr-draft").status is ArticleStatus.in_review
    assert step(hr, "hr-draft", "publish").status_code == 302
    assert article(app, "hr-draft").status is ArticleStatus.published
    # and the IT guides are not HR's to publish
    assert hr.post("/kb/new", dict(FORM, slug="it-by-hr")).status_code == 302
    step(hr, "it-by-hr", "submit")
    assert step(hr, "it-by-hr", "publish").status_code == 403
    assert step(browser("E1034"), "it-by-hr", "publish").status_code == 302  # admin may do everything


def test_employees_cannot_write(app, demo, browser):
    reader = browser("E1041")
    assert reader.get("/kb/new").status_code == 403
    assert reader.post("/kb/new", FORM).status_code == 403
    assert reader.post("/kb/a/vpn/status", {"action": "archive"}).status_code == 403
    assert reader.get("/kb/a/vpn/history").status_code == 403


def test_illegal_moves_are_refused(app, demo, browser):
    author = browser("E1031")
    author.post("/kb/new", FORM)
    assert step(author, "scan-setup", "archive").status_code == 302
    assert step(author, "scan-setup", "submit").status_code == 409
    assert author.post("/kb/a/scan-setup/edit", FORM).status_code == 409
    assert step(author, "scan-setup", "reopen").status_code == 302
    assert step(author, "scan-setup", "send_back").status_code == 409
    assert step(author, "scan-setup", "fly").status_code == 422


def test_editor_names_the_bad_field(app, demo, browser):
    author = browser("E1031")
    response = author.post("/kb/new", dict(FORM, slug="Bad Slug!"))
    assert response.status_code == 422
    assert 'id="f-slug-error"' in response.get_data(as_text=True)
    author.post("/kb/new", FORM)
    taken = author.post("/kb/new", FORM)
    assert taken.status_code == 422 and "f-slug-error" in taken.get_data(as_text=True)
    assert author.post("/kb/new", dict(FORM, slug="x2", owner="E9999")).status_code == 422


def test_every_save_is_a_revision_diff_and_restore(app, demo, browser):
    author = browser("E1031")
    author.post("/kb/new", FORM)
    author.post("/kb/a/scan-setup/edit", dict(FORM, body="## 스캔\n\n새 방법입니다.\n", note="방법 변경"))
    assert author.post("/kb/a/scan-setup/edit", dict(FORM, body="## 스캔\n\n새 방법입니다.\n")).status_code == 302
    with app.app_context():
        numbers = list(db.session.scalars(select(Revision.number).join(Article).where(Article.slug == "scan-setup")))
    assert numbers == [1, 2]   # saving the same text again is not a new revision

    page = author.get("/kb/a/scan-setup/history?from=1&to=2").get_data(as_text=True)
    assert re.search(r'class="diff-remove">.*스캔 버튼을 누릅니다\.', page)
    assert re.search(r'class="diff-add">.*새 방법입니다\.', page)

    assert author.post("/kb/a/scan-setup/restore", {"revision": "1"}).status_code == 302
    restored = article(app)
    assert restored.current_revision_number == 3 and "스캔 버튼을 누릅니다." in restored.body
    with app.app_context():
        note = db.session.scalar(select(Revision.note).join(Article).where(Article.slug == "scan-setup",
                                                                          Revision.number == 3))
        actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("kb.%"))))
    assert note == "restored revision 1"
    assert {"kb.article.created", "kb.article.updated", "kb.article.restored"} <= set(actions)


def test_overdue_reviews_are_listed_for_the_space_authors(app, demo, browser):
    it_page = browser("E1031").get("/kb/manage").get_data(as_text=True)
    hr_page = browser("E1011").get("/kb/manage").get_data(as_text=True)
    overdue_it = it_page.split('id="overdue-heading"')[1].split("</section>")[0]
    overdue_hr = hr_page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "노트북 신청과 교체" in overdue_it and "병가" not in overdue_it        # review_by 2026-08-31
    assert "병가 신청과 진단서 제출" in overdue_hr and "노트북" not in overdue_hr  # review_by 2026-06-30


XSS = [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    '[click](javascript:alert(1))',
    '[c2](JaVaScRiPt:alert(1))',
    '![i](javascript:alert(1))',
    '<a href="javascript:alert(1)">a</a>',
    '<svg onload=alert(1)>',
    '<iframe src="https://evil.example"></iframe>',
    '[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '<div style="background:url(javascript:alert(1))">s</div>',
    '"><script>alert(1)</script>',
    '<<script>script>alert(1)<</script>/script>',
]


def test_xss_in_body_title_and_comment_is_inert(app, demo, browser):
    author, reviewer, reader = browser("E1031"), browser("E1032"), browser("E1041")
    corpus = "\n\n".join(XSS)
    form = dict(FORM, title=("XSS " + " ".join(XSS[:4]))[:200], summary=" ".join(XSS)[:500],
                body="\n\n".join(f"## 제목 {p}\n\n{p} 본문 xsstest" for p in XSS) + "\n\n" + corpus)
    assert author.post("/kb/new", form).status_code == 302
    step(author, "scan-setup", "submit")
    step(reviewer, "scan-setup", "publish")
    assert reader.post("/kb/a/scan-setup/feedback", {"helpful": "no", "comment": corpus}).status_code == 302
    pages = [reader.get("/kb/a/scan-setup").get_data(as_text=True),
             reader.get("/kb/search?q=xsstest").get_data(as_text=True),
             author.get("/kb/a/scan-setup/history?from=1&to=1").get_data(as_text=True),
             author.get("/kb/manage").get_data(as_text=True)]
    assert "xsstest" in pages[0] and "xsstest" in pages[1]
    snippet = reader.get("/api/v1/kb/search?q=xsstest").get_json()["results"][0]["snippet"]
    for html in pages + [snippet]:
        lowered = html.lower()
        assert "<script>alert" not in lowered
        assert not re.search(r'<[a-z][^<>]*\s(href|src)\s*=\s*["\']?\s*javascript:', lowered)
        assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", lowered)
        assert "<iframe" not in lowered and "<svg" not in lowered
        assert not re.search(r'<[a-z][^<>]*\s(href|src)\s*=\s*["\']?\s*data:text', lowered)
