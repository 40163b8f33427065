"""Text one person writes and another reads is shown as text: script payloads in leave reasons, questions,
replies, comments, announcements, articles and names (SCIM, CSV import) come out escaped, and in a real
browser no script of theirs runs."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from ess.db import db
from service_tokens import bearer, make_token

PAYLOAD = '"><script>alert("xss")</script><img src=x onerror=alert(2)>'
SHORT = "<svg onload=alert(3)>"  # fits the shorter fields (titles, names)


def assert_shown_as_text(html: str, where: str, shown: bool = True) -> None:
    for raw in ('<script>alert("xss")', "<img src=x onerror", "<svg onload"):
        assert raw not in html, f"{where}: {raw!r} reached the page as markup"
    if shown:  # lists may leave the text out; pages about it must show it
        assert "&lt;script&gt;" in html or "&lt;svg onload" in html, f"{where}: the text is not shown at all"


def tiny_png() -> bytes:
    """A real 1×1 grey PNG, so a browser can decode it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def _person(number):
    from ess.people.models import Employee

    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def _working_day(days_ahead: int):
    from ess import clock
    from ess.leave.policy import leave_policy

    calendar = leave_policy().calendar_for(_person("E1041"))
    day = clock.today() + timedelta(days=days_ahead)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def store_payloads(app, browser) -> dict[str, list[tuple[str, str]]]:
    """Write the payloads the way people do (forms, SCIM, the CSV import); return identity → pages to read."""
    from ess.approvals.models import ApprovalRequest
    from ess.helpdesk.models import Question
    from ess.knowledge import services as knowledge
    from ess.people.csv_import import import_employees

    employee, manager, hr = browser("E1041"), browser("E1005"), browser("E1011")
    with app.app_context():
        day = _working_day(21)
    assert employee.post("/leave/new", {"leave_type": "annual", "start": day.isoformat(), "end": day.isoformat(),
                                        "reason": PAYLOAD}).status_code == 302
    assert employee.post("/help/ask", {"topic": "pay", "subject": SHORT, "details": PAYLOAD,
                                       "attachment": (io.BytesIO(b""), "", "application/octet-stream")}
                         ).status_code == 302
    with app.app_context():
        leave = db.session.scalars(select(ApprovalRequest).where(ApprovalRequest.kind == "leave")
                                   .order_by(ApprovalRequest.id.desc())).first().id
        question = db.session.scalar(select(Question).where(Question.subject == SHORT)).id
    assert employee.post(f"/approvals/{leave}/comment", {"comment": PAYLOAD}).status_code == 302
    assert hr.post(f"/help/q/{question}/reply", {"body": PAYLOAD}).status_code == 302
    assert hr.post("/help/announcements", {"title": SHORT, "body": PAYLOAD, "pinned": "1"}).status_code == 302

    with app.app_context():
        author = _person("E1011")
        article = knowledge.create_article(author, knowledge.ArticleData(
            title=SHORT, slug="xss-check", space="hr", summary=PAYLOAD, tags=[SHORT],
            body=f"{PAYLOAD}\n\n[click](javascript:alert(4))\n\n<iframe src=//evil.example></iframe>"))
        knowledge.submit_for_review(author, article)
        knowledge.publish(author, article)
        db.session.commit()
        summary = import_employees(
            "employee_no,email,name,name_en,department,title,manager_employee_no,hire_date,country,groups\n"
            f'E7001,x7001@hanbit.example,"{SHORT}","{SHORT}",경영지원본부,"{SHORT}",E1005,2024-03-02,KR,\n',
            role_groups={}, actor=None)
        db.session.commit()
        assert summary.created == ["E7001"], summary
    token = make_token(app, "idp", ["scim"])
    created = app.test_client().post("/scim/v2/Users", headers=bearer(token), json={
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x7002@hanbit.example",
        "displayName": SHORT, "title": SHORT, "active": True})
    assert created.status_code == 201, created.get_data(as_text=True)
    with app.app_context():
        from ess.people.models import Employee

        scim_no = db.session.scalar(select(Employee.employee_no).where(Employee.email == "x7002@hanbit.example"))
    return {
        "E1005": [(f"/approvals/{leave}", "approver: leave reason and comment"), ("/approvals", "approver queue (list)"),
                  ("/people/?q=svg", "directory"), ("/people/E7001", "imported name"),
                  (f"/people/{scim_no}", "name from SCIM"), ("/kb/a/xss-check", "article"),
                  ("/kb/search?q=svg", "search results"), ("/", "pinned announcement"),
                  ("/leave/team", "team calendar (list)")],
        "E1011": [("/help/queue", "HR question queue (list)"), (f"/help/q/{question}", "question thread")],
        "E1041": [(f"/help/q/{question}", "asker sees the reply"), ("/help/", "help home (list)")],
    }


@pytest.mark.demo_articles
def test_payloads_are_shown_as_text(app, demo, browser):
    pages = store_payloads(app, browser)
    for identity, urls in pages.items():
        reader = browser(identity)
        for url, where in urls:
            response = reader.get(url)
            assert response.status_code == 200, f"{where}: {url} answered {response.status_code}"
            html = response.get_data(as_text=True)
            if url == "/kb/a/xss-check":
                assert 'href="javascript:' not in html and "<iframe" not in html
            assert_shown_as_text(html, where, shown="(list)" not in where)
    api = browser("E1005").get("/api/v1/kb/search?q=svg").get_json()
    assert all("<svg" not in hit["snippet"] for hit in api["results"])  # snippets are escaped HTML


@pytest.mark.browser
@pytest.mark.demo_articles
def test_no_stored_script_runs_in_a_browser(app, demo, browser):
    from browser import DESKTOP, chromium, open_page, serve, sign_in

    pages = store_payloads(app, browser)
    assert browser("E1011").post("/kb/a/xss-check/attachments", {"file": (io.BytesIO(tiny_png()), "dot.png")}
                                 ).status_code == 302
    from ess.knowledge.models import Attachment

    with app.app_context():
        image = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        image_url = f"/kb/attachments/{image.id}/{image.filename}"
    dialogs = []
    with serve(app) as base, chromium() as chrome:
        for identity, urls in pages.items():
            page = open_page(chrome, DESKTOP)
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            sign_in(page, base, identity)
            for url, where in urls:
                page.goto(base + url)
                page.wait_for_load_state("load")
                assert page.locator("script:not([src])").count() == 0, where
            # Uploads are served as attachments; an <img> of an article still shows them.
            width = page.evaluate("""url => new Promise(done => { const img = new Image();
                img.onload = () => done(img.naturalWidth); img.onerror = () => done(-1); img.src = url; })""",
                                  base + image_url)
            assert width == 1
            page.context.close()
    assert dialogs == []
