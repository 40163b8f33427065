"""/insights counts what happened: the numbers are checked against the events each test produces, and
no breakdown resting on fewer than five people is shown."""
import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from ess.db import db
from ess.helpdesk.models import Question
from ess.insights import services
from ess.insights.models import ArticleView, SearchFeedback
from ess.knowledge.models import Article

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


SEOUL = ZoneInfo("Asia/Seoul")
DEV_TEAM = ["E1041", "E1042", "E1043", "E1044", "E1045", "E1046", "E1047", "E1048", "E1049"]


def board(app, **filters):
    from ess.people.models import Employee

    with app.app_context():
        hr = db.session.scalar(select(Employee).where(Employee.employee_no == "E1011"))
        return services.dashboard(hr, services.parse_filters(filters))


def article_id(app, slug):
    with app.app_context():
        return db.session.scalar(select(Article.id).where(Article.slug == slug))


def test_zero_result_and_follow_up_searches_match_the_events(app, demo, browser):
    people = {number: browser(number) for number in DEV_TEAM}
    for number in DEV_TEAM[:6]:
        people[number].get("/kb/search?q=콴타리움수당")           # nothing about it: zero results
    for number in DEV_TEAM[:3]:
        people[number].get("/kb/search?q=골프장 회원권")           # zero results, but only three people
    for number in DEV_TEAM[:5]:
        people[number].get("/kb/search?q=연차")                    # found
    people["E1041"].get("/kb/search?q=연차")                       # one person twice
    for number in DEV_TEAM[:5]:                                    # five of the six then ask HR
        people[number].post("/help/ask", {"topic": "benefits", "subject": "콴타리움수당 있나요?", "action": "send"})
    people["E1046"].post("/help/ask", {"topic": "leave", "subject": "연차", "action": "send",
                                       "answered_by": str(article_id(app, "annual-leave"))})  # self-served

    found = board(app).searches
    assert (found.total, found.zero_results) == (6 + 3 + 6, 6 + 3)
    assert [(r.label, r.count, r.people) for r in found.zero.rows] == [("콴타리움수당", 6, 6)]
    assert found.zero.suppressed == 1                                # 골프장 회원권: three people
    assert [(r.label, r.count, r.people) for r in found.top.rows] == [("연차", 6, 5), ("콴타리움수당", 6, 6)]
    assert found.top.suppressed == 1
    # E1041–E1045 asked HR within 30 minutes of all their searches (14); E1046's self-served one is no
    # question to staff, so E1046's search does not count.
    assert found.followed_by_question == 14
    assert [(r.label, r.count, r.people) for r in found.followed.rows] == [("연차", 6, 5), ("콴타리움수당", 5, 5)]
    assert found.followed.suppressed == 1

    page = browser("E1011").get("/insights/").get_data(as_text=True)
    zero_part = page[page.index('id="zero-heading"'):]
    assert "콴타리움수당" in zero_part and "골프장" not in page
    assert "1개 항목은 표시하지 않습니다" in page
    for name in ("신준호", "권나은", "황태윤"):                          # never who searched for what
        assert name not in page

    export = browser("E1031").get("/insights/export.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["searches", "zero_result_query", "콴타리움수당", "6", "6"] in rows
    assert ["searches", "zero_results", "", "9", ""] in rows
    assert not any("골프장" in cell for row in rows for cell in row)


def test_self_served_and_staff_counts_and_working_hour_medians(app, demo, browser):
    asks = [("E1041", "annual-leave"), ("E1042", "password-reset"), ("E1043", None), ("E1044", None),
            ("E1045", None)]
    for number, slug in asks:
        data = {"topic": "leave", "subject": f"질문 {number}", "action": "send"}
        if slug:
            data["answered_by"] = str(article_id(app, slug))
        assert browser(number).post("/help/ask", data).status_code == 302
    with app.app_context():
        ids = {q.subject: q.id for q in db.session.scalars(select(Question))}
    hr = browser("E1011")
    hr.post(f"/help/q/{ids['질문 E1043']}/reply", {"body": "답변"})
    hr.post(f"/help/q/{ids['질문 E1044']}/reply", {"body": "답변"})
    browser("E1043").post(f"/help/q/{ids['질문 E1043']}/resolve")

    # Put the stamps on known working hours: asked Friday 17:00; first answer Monday 10:00 (2 h);
    # resolved Monday 12:00 (4 h). The other answered question: first answer Monday 15:00 (7 h).
    friday = datetime(2026, 11, 20, 17, 0, tzinfo=SEOUL)
    monday = datetime(2026, 11, 23, 0, 0, tzinfo=SEOUL)
    with app.app_context():
        for q in db.session.scalars(select(Question)):
            q.created_at = friday
            if q.resolved_at and q.self_served_article_id:
                q.resolved_at = friday + timedelta(minutes=5)
        first = db.session.get(Question, ids["질문 E1043"])
        first.first_response_at, first.resolved_at = monday + timedelta(hours=10), monday + timedelta(hours=12)
        db.session.get(Question, ids["질문 E1044"]).first_response_at = monday + timedelta(hours=15)
        db.session.commit()

    q = board(app, start="2026-11-01", end="2026-11-30").questions
    assert (q.total, q.self_served, q.to_staff, q.resolved_by_staff, q.waiting) == (5, 2, 3, 1, 1)
    assert q.self_served_share == 40
    assert q.median_first_response_hours == 4.5   # median of 2 h and 7 h
    assert q.median_resolution_hours == 4.0
    assert q.by_topic.rows[0].label == "휴가·근태" and q.by_topic.rows[0].count == 5

    page = browser("E1034").get("/insights/?start=2026-11-01&end=2026-11-30").get_data(as_text=True)
    assert '<dd class="insights-self-served">2' in page and '<dd class="insights-resolved">1</dd>' in page
    assert "근무시간 4.0시간" in page and "근무시간 4.5시간" in page
    assert '<svg class="chart"' in page and "style=" not in page[page.index('<svg class="chart"'):]
    assert board(app, start="2026-12-01", end="2026-12-31").questions.total == 0


def test_a_department_with_fewer_than_five_people_is_not_broken_down(app, demo, browser):
    from ess.people.models import Department

    for number in ("E1021", "E1022"):                 # 재무팀: two people search and ask
        browser(number).get("/kb/search?q=법인카드")
        browser(number).post("/help/ask", {"topic": "pay", "subject": "법인카드", "action": "send"})
    for number in DEV_TEAM[:5]:
        browser(number).get("/kb/search?q=노트북")
    with app.app_context():
        finance = db.session.scalar(select(Department.id).where(Department.name == "재무팀"))
        dev = db.session.scalar(select(Department.id).where(Department.name == "제품개발팀"))
    small = board(app, department=str(finance))
    assert small.searches.suppressed and small.questions.suppressed and small.requests.suppressed
    page = browser("E1011").get(f"/insights/?department={finance}").get_data(as_text=True)
    assert "법인카드" not in page and page.count("선택한 범위의 인원이 5명 미만입니다") >= 3
    team = board(app, department=str(dev)).searches
    assert not team.suppressed and [(r.label, r.people) for r in team.top.rows] == [("노트북", 5)]
    everyone = board(app)
    assert everyone.questions.total == 2 and everyone.searches.total == 7   # totals are not a breakdown


def test_article_views_are_counted_from_the_reading_page(app, demo, browser):
    for number in DEV_TEAM[:5]:
        assert browser(number).get("/kb/a/annual-leave").status_code == 200
    for number in DEV_TEAM[:4]:
        browser(number).get("/kb/a/payroll")
    browser("E1011").get("/kb/a/annual-leave?revision=1")  # an author's preview is not a view
    browser("E1041").get("/kb/a/no-such-article")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArticleView)) == 9
    articles = board(app).articles
    assert articles.views == 9
    assert [(row.article.slug, row.views) for row in articles.rows] == [("annual-leave", 5)]
    assert articles.held_back == 1  # payroll: four readers
    # Home: the department's most-read article comes first for a colleague.
    home = browser("E1049").get("/").get_data(as_text=True)
    popular = home[home.index('id="popular-heading"'):]
    assert popular.index("/kb/a/annual-leave") < popular.index("</section>")


def _popular_on_home(browser, number) -> list[str]:
    home = browser(number).get("/").get_data(as_text=True)
    section = home[home.index('id="popular-heading"'):]
    section = section[:section.index("</section>")]
    return re.findall(r'href="/kb/a/([^"?]+)"', section)


def test_home_popular_list_follows_the_department_at_once_and_the_company_within_minutes(app, demo, browser):
    with app.app_context():
        oldest = db.session.scalar(select(Article.slug).where(Article.published_at.is_not(None))
                                   .order_by(Article.published_at, Article.id).limit(1))
    assert oldest not in _popular_on_home(browser, "E1049")       # nobody read anything: newest articles
    for number in ["E1002", "E1011", "E1012", "E1013", "E1014"]:   # HR, not E1049's department
        browser(number).get(f"/kb/a/{oldest}")
    for number in DEV_TEAM[:5]:
        browser(number).get("/kb/a/payroll")
    shown = _popular_on_home(browser, "E1049")
    # The department's reading counts at once; the company-wide ranking is kept for a few minutes.
    assert shown[0] == "payroll" and oldest not in shown
    with app.app_context():
        made, ranking = app.extensions[services._RANKING_KEY]
        app.extensions[services._RANKING_KEY] = (made - services.OVERALL_RANKING_SECONDS - 1, ranking)
    assert _popular_on_home(browser, "E1049")[:2] == ["payroll", oldest]
    # In HR, what HR read comes first, then payroll, read by five developers.
    assert _popular_on_home(browser, "E1013")[:2] == [oldest, "payroll"]


def test_did_you_find_it_prompt_is_stored(app, demo, browser):
    b = browser("E1041")
    page = b.get("/kb/search?q=연차").get_data(as_text=True)
    assert "찾으시던 내용을 찾으셨나요?" in page
    response = b.post("/insights/search-feedback", {"q": "연차", "found": "no"})
    assert response.status_code == 302 and "/help/ask?subject=" in response.headers["Location"]
    assert 'value="연차"' in b.get(response.headers["Location"]).get_data(as_text=True)
    b.post("/insights/search-feedback", {"q": "연차", "found": "yes"})
    assert b.post("/insights/search-feedback", {"q": "연차", "found": "maybe"}).status_code == 422
    with app.app_context():
        assert sorted(f.found for f in db.session.scalars(select(SearchFeedback))) == [False, True]
    found = board(app).searches
    assert (found.found_yes, found.found_no) == (1, 1)


def test_filters_are_checked_and_named(app, demo, browser):
    hr = browser("E1011")
    response = hr.get("/insights/?start=2026-13-01")
    assert response.status_code == 422 and 'id="f-start-error"' in response.get_data(as_text=True)
    response = hr.get("/insights/?start=2026-11-10&end=2026-11-01")
    assert response.status_code == 422 and 'id="f-end-error"' in response.get_data(as_text=True)
    assert browser("E1041").get("/insights/").status_code == 403


def test_requests_come_from_the_approvals_table(app, demo, browser):
    from ess.approvals import services as approvals
    from ess.approvals.models import ApprovalRequest, ApprovalState
    from ess.people.models import Employee

    with app.app_context():
        for number in ("E1041", "E1042"):
            person = db.session.scalar(select(Employee).where(Employee.employee_no == number))
            approvals.submit("employment_certificate", requester=person, subject_type="employee",
                             subject_id=person.id, payload={"purpose": "bank", "language": "ko", "copies": 1},
                             actor=person)
        db.session.commit()
        rows = list(db.session.scalars(select(ApprovalRequest)))
    requests = board(app).requests
    assert requests.total == len(rows)
    assert requests.pending == sum(1 for r in rows if r.state is ApprovalState.pending) >= 2
    assert requests.decided == sum(1 for r in rows if r.state in (ApprovalState.approved, ApprovalState.rejected))
    assert requests.overdue == 0  # submitted just now


def test_bar_chart_is_plain_svg():
    from ess.insights.svg import bar_chart

    chart = str(bar_chart([("<b>연차</b>", 3), ("VPN", 1)], title="검색"))
    assert chart.startswith('<svg class="chart" viewBox="0 0 360 ')
    assert "&lt;b&gt;연차&lt;/b&gt;" in chart and "<script" not in chart and "style=" not in chart
    assert bar_chart([], title="x") == ""
