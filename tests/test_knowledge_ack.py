"""Policies that require acknowledgement: home asks, people confirm, HR sees who has and exports it."""
import csv
import io

import pytest
from sqlalchemy import select

from ess.db import db
from ess.knowledge.models import Acknowledgement, Article

pytestmark = pytest.mark.demo_articles


def confirmations(app, slug):
    with app.app_context():
        return sorted(a.employee.employee_no for a in db.session.scalars(
            select(Acknowledgement).join(Article).where(Article.slug == slug,
                                                        Acknowledgement.version == Article.ack_version)))


def test_home_asks_and_the_confirmation_is_recorded(app, demo, browser):
    reader = browser("E1041")
    home = reader.get("/").get_data(as_text=True)
    page = reader.get("/kb/a/code-of-conduct").get_data(as_text=True)
    assert "I have read and understood" in page or "읽고 이해했습니다" in page
    assert "/kb/a/code-of-conduct" in home and "/kb/a/privacy-security" in home
    assert reader.post("/kb/a/code-of-conduct/acknowledge").status_code == 302
    assert reader.post("/kb/a/code-of-conduct/acknowledge").status_code == 302   # twice is still once
    assert confirmations(app, "code-of-conduct") == ["E1041"]
    assert "읽고 이해했습니다" not in reader.get("/kb/a/code-of-conduct").get_data(as_text=True)
    from ess.knowledge import services
    from ess.people.models import Employee

    with app.app_context():
        me = db.session.scalar(select(Employee).where(Employee.employee_no == "E1041"))
        assert [a.slug for a in services.pending_acknowledgements(me)] == ["privacy-security"]


def test_articles_without_ack_cannot_be_acknowledged(app, demo, browser):
    assert browser("E1041").post("/kb/a/vpn/acknowledge").status_code == 422


def test_hr_sees_who_has_and_has_not_confirmed_and_exports_it(app, demo, browser):
    browser("E1041").post("/kb/a/code-of-conduct/acknowledge")
    browser("E1042").post("/kb/a/code-of-conduct/acknowledge")
    hr = browser("E1011")
    page = hr.get("/kb/a/code-of-conduct/acknowledgements").get_data(as_text=True)
    confirmed = page.split('id="ack-confirmed"')[1].split("</ul>")[0]
    missing = page.split('id="ack-missing"')[1].split("</ul>")[0]
    assert "신준호" in confirmed and "권나은" in confirmed and "신준호" not in missing
    assert "이수민" in missing
    response = hr.get("/kb/a/code-of-conduct/acknowledgements.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 40
    assert {r["employee_no"] for r in rows if r["acknowledged"] == "yes"} == {"E1041", "E1042"}
    assert browser("E1041").get("/kb/a/code-of-conduct/acknowledgements").status_code == 403
    assert browser("E1031").get("/kb/a/code-of-conduct/acknowledgements").status_code == 403  # not IT's policy


def test_a_major_revision_asks_everyone_again_and_a_minor_one_does_not(app, demo, browser):
    reader, hr = browser("E1041"), browser("E1011")
    reader.post("/kb/a/code-of-conduct/acknowledge")
    form = {"title": "행동강령 및 직장 내 괴롭힘 금지 정책", "space": "hr", "lang": "ko", "category": "규정",
            "tags": "행동강령, 괴롭힘", "summary": "요약", "body": "## 목적\n\n오타를 고쳤습니다.\n", "owner": "E1002",
            "requires_ack": "1"}
    hr.post("/kb/a/code-of-conduct/edit", form)
    hr.post("/kb/a/code-of-conduct/status", {"action": "submit"})
    hr.post("/kb/a/code-of-conduct/status", {"action": "publish"})
    assert confirmations(app, "code-of-conduct") == ["E1041"]             # minor: the confirmation stands
    hr.post("/kb/a/code-of-conduct/edit", dict(form, body="## 목적\n\n신고 절차가 바뀌었습니다.\n"))
    hr.post("/kb/a/code-of-conduct/status", {"action": "submit"})
    hr.post("/kb/a/code-of-conduct/status", {"action": "publish", "major": "1"})
    assert confirmations(app, "code-of-conduct") == []                    # major: everyone again
    assert "신고 절차가 바뀌었습니다" in reader.get("/kb/a/code-of-conduct").get_data(as_text=True)


def test_audience_limits_who_is_asked(app, demo, browser):
    from ess.knowledge import services
    from ess.knowledge.services import ArticleData
    from ess.people.models import Employee

    with app.app_context():
        hr = db.session.scalar(select(Employee).where(Employee.employee_no == "E1011"))
        policy = services.create_article(hr, ArticleData(
            title="영업 윤리 서약", slug="sales-ethics", space="hr", body="영업", requires_ack=True,
            audience_departments=["영업본부"]))
        services.submit_for_review(hr, policy)
        services.publish(hr, policy)
        db.session.commit()
    assert browser("E1041").get("/kb/a/sales-ethics").status_code == 403
    assert browser("E1051").post("/kb/a/sales-ethics/acknowledge").status_code == 302  # 영업팀 is under 영업본부
    rows = browser("E1011").get("/kb/a/sales-ethics/acknowledgements.csv").get_data(as_text=True).splitlines()
    assert len(rows) == 1 + 11   # the 영업팀: its head and ten people
