"""Two people editing one record at the same time end in one correct state: the second is told that someone
else saved meanwhile and nothing of the first is lost.

Records where people really collide: a handbook article edited by two HR authors (each save is a revision; an
editor that started from an older revision is refused), and an employee's details changed by the employee
and by HR at once (each form carries what it showed; a field changed by someone else since is not
overwritten)."""
from __future__ import annotations

import threading
from html.parser import HTMLParser

from sqlalchemy import func, select

from ess.audit import AuditEvent
from ess.db import db
from ess.errors import ConflictError
from ess.knowledge import services as kb
from ess.knowledge.models import Article, Revision
from ess.people.models import Employee
from ess.profile.models import PersonalDetails

CONFLICT = "다른 사람이 이 글을 저장했습니다"


def person(number):
    return db.session.scalar(select(Employee).where(Employee.employee_no == number))


def an_article(app) -> str:
    with app.app_context():
        kb.create_article(person("E1011"), kb.ArticleData(
            title="경조사 휴가 안내", slug="family-events", space="hr", body="결혼 5일, 출산 10일."))
        db.session.commit()
    return "family-events"


class _FormValues(HTMLParser):
    """The values a browser would send for the editor form as shown (checked boxes, selected options)."""

    def __init__(self):
        super().__init__()
        self.values: dict = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and name != "csrf_token":
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values.setdefault(name, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value") or "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_values(page: str, marker: str) -> dict:
    """The first form after `marker` in the page."""
    parser = _FormValues()
    start = page.index(marker)
    parser.feed(page[start:page.index("</form>", start)])
    return {name: values if len(values) > 1 else values[0] for name, values in parser.values.items()}


def editor_form(page: str) -> dict:
    return form_values(page, 'class="card kb-editor"')


def details_form(page: str) -> dict:
    return form_values(page, 'id="details"')


def revisions(app, slug):
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        rows = db.session.scalars(select(Revision).where(Revision.article_id == article.id)
                                  .order_by(Revision.number)).all()
        return [(r.number, r.title, r.body) for r in rows]


def test_second_author_saving_over_an_older_revision_is_told_and_nothing_is_lost(app, demo, browser):
    slug = an_article(app)
    first, second = browser("E1011"), browser("E1012")
    first_form = editor_form(first.get(f"/kb/a/{slug}/edit").get_data(as_text=True))
    second_form = editor_form(second.get(f"/kb/a/{slug}/edit").get_data(as_text=True))
    assert first_form["base_revision"] == second_form["base_revision"] == "1"

    assert first.post(f"/kb/a/{slug}/edit", {**first_form, "title": "경조사 휴가 안내 (2027)"}).status_code == 302
    refused = second.post(f"/kb/a/{slug}/edit", {**second_form, "body": "결혼 5일, 출산 20일."})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert CONFLICT in page
    assert "결혼 5일, 출산 20일." in page, "the second author's text is kept in the form"
    assert revisions(app, slug) == [(1, "경조사 휴가 안내", "결혼 5일, 출산 10일."),
                                    (2, "경조사 휴가 안내 (2027)", "결혼 5일, 출산 10일.")]

    # After reloading, the second author works on revision 2 and keeps the first author's title.
    reloaded = editor_form(second.get(f"/kb/a/{slug}/edit").get_data(as_text=True))
    assert reloaded["base_revision"] == "2"
    assert second.post(f"/kb/a/{slug}/edit", {**reloaded, "body": "결혼 5일, 출산 20일."}).status_code == 302
    assert revisions(app, slug)[-1] == (3, "경조사 휴가 안내 (2027)", "결혼 5일, 출산 20일.")


def test_two_saves_at_the_same_moment_make_one_revision_and_one_refusal(app, demo):
    """Both editors read revision 1 and save at once (real threads and connections): the database keeps one,
    the other is refused, on PostgreSQL (row lock, version check) and SQLite (write lock, version check)."""
    slug = an_article(app)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(number: str, body: str):
        with app.app_context():
            actor = person(number)
            article = db.session.scalar(select(Article).where(Article.slug == slug))
            data = kb.ArticleData(title=article.title, slug=slug, space="hr", body=body)
            base = article.current_revision_number
            barrier.wait()  # both have read revision 1
            try:
                kb.update_article(actor, article, data, base_revision=base)
                db.session.commit()
                outcomes[number] = "saved"
            except ConflictError as refusal:
                db.session.rollback()
                outcomes[number] = refusal.code
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=("E1011", "A 버전")),
               threading.Thread(target=save, args=("E1012", "B 버전"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes.values()) == ["edit_conflict", "saved"]
    winner = "A 버전" if outcomes["E1011"] == "saved" else "B 버전"
    assert revisions(app, slug)[1:] == [(2, "경조사 휴가 안내", winner)]
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        assert (article.current_revision_number, article.body) == (2, winner)
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 2


def junho_details(app):
    with app.app_context():
        details = db.session.scalar(select(PersonalDetails).where(PersonalDetails.employee_id == person("E1041").id))
        return details.mobile_phone, details.address_detail


def test_employee_and_hr_changing_one_record_keep_both_changes(app, demo, browser):
    """HR corrects Junho's phone while Junho has his details open and changes his address: both stay. When
    Junho then changes the phone from the same (now old) page, he is told HR changed it, and it stays."""
    junho, hr = browser("E1041"), browser("E1011")
    mine = details_form(junho.get("/me").get_data(as_text=True))
    theirs = details_form(hr.get("/hr/employees/E1041").get_data(as_text=True))
    assert mine["mobile_phone"] == theirs["mobile_phone"] == "010-2345-6789"
    assert mine["shown.mobile_phone"] == "010-2345-6789"

    assert hr.post("/hr/employees/E1041/details", {**theirs, "mobile_phone": "010-3000-4000"}).status_code == 302
    saved = junho.post("/me/details", {**mine, "address.detail": "102동 301호"})
    assert saved.status_code == 302
    assert junho_details(app) == ("010-3000-4000", "102동 301호"), "HR's phone survived Junho's save"

    refused = junho.post("/me/details", {**mine, "mobile_phone": "010-9999-8888"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "다른 사람이 이 값을 바꾸었습니다" in page and "010-9999-8888" in page
    assert junho_details(app) == ("010-3000-4000", "102동 301호")
    with app.app_context():
        phone_changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")
                                           .order_by(AuditEvent.id)).all()
        assert [sorted(k for k in e.changes if k != "via") for e in phone_changes] == [["mobile_phone"], ["address"]]


def test_any_write_over_a_record_changed_meanwhile_is_a_409_not_a_500(app, demo, browser):
    """A versioned record (here an article, moved on by another connection while this request worked on it)
    refuses the stale write everywhere, not only in the editor: the page says so and nothing is written."""
    from flask import Blueprint
    from sqlalchemy import create_engine, text

    from ess.security import allow

    slug = an_article(app)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    stale = Blueprint("stale_write", __name__)

    @stale.post("/stale-write")
    @allow("hr")
    def stale_write():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        with other.begin() as connection:  # someone else saves revision 2 meanwhile
            connection.execute(text("UPDATE kb_articles SET current_revision_number = 2 WHERE slug = :slug"),
                               {"slug": slug})
        article.summary = "덮어쓰기"
        db.session.flush()
        return "written"

    app.register_blueprint(stale)
    try:
        response = browser("E1011").post("/stale-write")
    finally:
        other.dispose()
    assert response.status_code == 409
    assert "그사이에 다른 사람이 이 내용을 바꾸었습니다" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Article.summary).where(Article.slug == slug)) == ""
