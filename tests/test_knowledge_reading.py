"""The reading page: contents, last updated, owner, translations, related articles, feedback, images."""
import base64

import pytest
from sqlalchemy import select

from ess.db import db
from ess.knowledge.models import Feedback

pytestmark = pytest.mark.demo_articles

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_article_page_has_contents_owner_date_translation_and_related(app, demo, browser):
    page = browser("E1041").get("/kb/a/annual-leave").get_data(as_text=True)
    assert '<h1>연차휴가 사용 안내</h1>' in page
    assert 'href="#s-1"' in page and 'id="s-1"' in page            # table of contents
    assert "이수민" in page                                          # owner
    assert "<time datetime=" in page                                 # last updated
    assert 'href="/kb/a/annual-leave-en"' in page                    # English version
    related = page.split('id="related-heading"')[1]
    assert "/kb/a/sick-leave" in related and "/kb/a/parental-leave" in related


def test_a_translation_links_to_its_original_and_relates_to_neither(app, demo, browser):
    page = browser("E1041").get("/kb/a/annual-leave-en").get_data(as_text=True)
    also_in = page.split("<dt>")[-1].split("</dl>")[0]
    assert 'href="/kb/a/annual-leave" lang="ko" hreflang="ko"' in also_in  # the Korean original
    related = page.split('id="related-heading"')[1]
    assert "/kb/a/sick-leave" in related
    assert "/kb/a/annual-leave\"" not in related and "/kb/a/annual-leave-en" not in related


def test_a_published_change_is_what_readers_see_next(app, demo, browser):
    from ess.knowledge import forms, services
    from ess.knowledge.models import Article
    from ess.people.models import Employee
    from werkzeug.datastructures import MultiDict

    reader = browser("E1041")
    assert "자동으로 소멸" not in reader.get("/kb/a/vpn").get_data(as_text=True)
    with app.app_context():
        author = db.session.scalar(select(Employee).where(Employee.employee_no == "E1031"))
        article = db.session.scalar(select(Article).where(Article.slug == "vpn"))
        values = forms.form_from_article(article)
        values["body"] = article.body + "\n\n접속하지 않은 계정은 90일 뒤 자동으로 소멸합니다.\n"
        data = forms.article_from_form(MultiDict({k: v for k, v in values.items() if not isinstance(v, list)}))
        services.update_article(author, article, data)
        services.submit_for_review(author, article)
        services.publish(author, article)
        db.session.commit()
    assert "자동으로 소멸합니다" in reader.get("/kb/a/vpn").get_data(as_text=True)


def test_feedback_is_stored_and_can_be_changed(app, demo, browser):
    reader = browser("E1041")
    assert reader.post("/kb/a/vpn/feedback", {"helpful": "no", "comment": "맥에서는 어떻게 하나요?"}).status_code == 302
    assert reader.post("/kb/a/vpn/feedback", {"helpful": "yes", "comment": ""}).status_code == 302
    assert reader.post("/kb/a/vpn/feedback", {"helpful": "maybe"}).status_code == 422
    with app.app_context():
        rows = [(f.helpful, f.comment) for f in db.session.scalars(select(Feedback))]
    assert rows == [(True, "")]


def test_images_are_type_checked_and_served_safely(app, demo, browser):
    author = browser("E1031")
    response = author.post("/kb/a/vpn/attachments", {"file": (__import__("io").BytesIO(PNG), "화면 캡처.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    from ess.knowledge.models import Attachment

    with app.app_context():
        item = db.session.scalar(select(Attachment))
        url = f"/kb/attachments/{item.id}/{item.filename}"
    image = browser("E1041").get(url)
    assert image.status_code == 200 and image.data == PNG
    assert image.mimetype == "image/png"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''")  # <img> still shows it

    fake = author.post("/kb/a/vpn/attachments", {"file": (__import__("io").BytesIO(b"<svg onload=alert(1)>"), "x.png")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422
    big = author.post("/kb/a/vpn/attachments",
                      {"file": (__import__("io").BytesIO(PNG + b"\0" * (2 * 1024 * 1024)), "big.png")},
                      content_type="multipart/form-data")
    assert big.status_code == 422
    assert browser("E1041").post("/kb/a/vpn/attachments", {}).status_code == 403


def test_index_lists_both_spaces(app, demo, browser):
    page = browser("E1041").get("/kb/").get_data(as_text=True)
    assert "HR 핸드북" in page or "인사 핸드북" in page or "/kb/a/payroll" in page
    assert "/kb/a/payroll" in page and "/kb/a/vpn" in page
