"""The numbers behind /insights, and the events they count.

Privacy: no result names a person, and any breakdown (a query, an article, a topic, a request kind, or a
whole section filtered to one department) that rests on fewer than `MIN_PEOPLE` distinct people is
suppressed: its numbers are not shown, only how many rows were held back.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ess import clock
from ess.db import db
from ess.errors import DomainError
from ess.insights import workhours
from ess.insights.models import ArticleView, SearchFeedback
from ess.people.models import Employee

MIN_PEOPLE = 5
FOLLOW_UP = timedelta(minutes=30)
STALE_AFTER_DAYS = 365
TOP = 10


@dataclass
class Filters:
    start: date
    end: date
    department_id: int | None = None

    @classmethod
    def default(cls) -> Filters:
        today = clock.today()
        return cls(start=today - timedelta(days=29), end=today)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = clock.company_timezone()
        return (datetime.combine(self.start, time.min, zone),
                datetime.combine(self.end + timedelta(days=1), time.min, zone))


def parse_filters(args) -> Filters:
    filters = Filters.default()
    for name in ("start", "end"):
        text = (args.get(name) or "").strip()
        if text:
            try:
                setattr(filters, name, date.fromisoformat(text))
            except ValueError:
                raise DomainError(_l("Enter the date as YYYY-MM-DD."), field=name, code="invalid") from None
    if filters.end < filters.start:
        raise DomainError(_l("The end date is before the start date."), field="end", code="invalid")
    if (filters.end - filters.start).days > 3 * 366:
        raise DomainError(_l("Choose a period of at most three years."), field="start", code="too_long")
    department = (args.get("department") or "").strip()
    if department:
        if not department.isdigit():
            raise DomainError(_l("Choose a department from the list."), field="department", code="invalid")
        filters.department_id = int(department)
    return filters


@dataclass
class Row:
    """One line of a breakdown: its label, the numbers, and how many distinct people are behind it."""

    label: str
    count: int
    people: int
    extra: dict = field(default_factory=dict)


@dataclass
class Breakdown:
    rows: list[Row] = field(default_factory=list)
    suppressed: int = 0  # rows held back because fewer than MIN_PEOPLE people are behind them


def breakdown(groups: dict[str, tuple[int, set]], *, limit: int = TOP, extra=None) -> Breakdown:
    """Rows from label → (count, people), biggest first, with small groups suppressed."""
    result = Breakdown()
    ordered = sorted(groups.items(), key=lambda item: (-item[1][0], item[0]))
    for label, (count, people) in ordered:
        if len(people) < MIN_PEOPLE:
            result.suppressed += 1
            continue
        if len(result.rows) < limit:
            result.rows.append(Row(label, count, len(people), extra(label) if extra else {}))
    return result


def _departments(filters: Filters) -> set[int] | None:
    if filters.department_id is None:
        return None
    from ess.people.directory import department_and_below

    return department_and_below(filters.department_id)


def _employee_departments() -> dict[int, int | None]:
    return dict(db.session.execute(select(Employee.id, Employee.department_id)).all())


# Searches ----------------------------------------------------------------------------------------------
@dataclass
class SearchStats:
    suppressed: bool = False
    total: int = 0
    zero_results: int = 0
    followed_by_question: int = 0
    found_yes: int = 0
    found_no: int = 0
    top: Breakdown = field(default_factory=Breakdown)
    zero: Breakdown = field(default_factory=Breakdown)
    followed: Breakdown = field(default_factory=Breakdown)


def _key(query: str) -> str:
    return " ".join(query.lower().split())


def search_stats(filters: Filters) -> SearchStats:
    from ess.helpdesk.models import Question, QuestionState
    from ess.knowledge.models import SearchQuery

    lo, hi = filters.bounds()
    departments = _departments(filters)
    where_dept = _employee_departments() if departments is not None else {}
    rows = [r for r in db.session.execute(
        select(SearchQuery.query, SearchQuery.hits, SearchQuery.employee_id, SearchQuery.at)
        .where(SearchQuery.at >= lo, SearchQuery.at < hi)).all()
        if departments is None or where_dept.get(r.employee_id) in departments]
    stats = SearchStats()
    people = {r.employee_id for r in rows if r.employee_id}
    if departments is not None and len(people) < MIN_PEOPLE:
        return SearchStats(suppressed=True)
    asked = defaultdict(list)
    for asker_id, created in db.session.execute(
            select(Question.asker_id, Question.created_at).where(
                Question.created_at >= lo, Question.created_at < hi + FOLLOW_UP,
                Question.state != QuestionState.self_served)):
        asked[asker_id].append(created)
    top, zero, followed = defaultdict(lambda: [0, set()]), defaultdict(lambda: [0, set()]), \
        defaultdict(lambda: [0, set()])
    for r in rows:
        key = _key(r.query)
        who = r.employee_id or -1
        stats.total += 1
        top[key][0] += 1
        top[key][1].add(who)
        if r.hits == 0:
            stats.zero_results += 1
            zero[key][0] += 1
            zero[key][1].add(who)
        if r.employee_id and any(r.at <= when <= r.at + FOLLOW_UP for when in asked.get(r.employee_id, ())):
            stats.followed_by_question += 1
            followed[key][0] += 1
            followed[key][1].add(who)
    stats.top = breakdown({k: tuple(v) for k, v in top.items()})
    stats.zero = breakdown({k: tuple(v) for k, v in zero.items()})
    stats.followed = breakdown({k: tuple(v) for k, v in followed.items()})
    feedback = db.session.execute(select(SearchFeedback.found, SearchFeedback.department_id).where(
        SearchFeedback.at >= lo, SearchFeedback.at < hi)).all()
    for found, department_id in feedback:
        if departments is None or department_id in departments:
            if found:
                stats.found_yes += 1
            else:
                stats.found_no += 1
    return stats


# Articles ----------------------------------------------------------------------------------------------
@dataclass
class ArticleRow:
    article: object
    views: int | None
    helpful_ratio: float | None
    comments: int | None
    overdue: bool
    stale: bool


@dataclass
class ArticleStats:
    suppressed: bool = False
    views: int = 0
    helpful: int = 0
    not_helpful: int = 0
    comments: int = 0
    rows: list[ArticleRow] = field(default_factory=list)
    held_back: int = 0
    attention: list = field(default_factory=list)  # overdue or stale articles (no people behind these)

    @property
    def helpful_ratio(self) -> float | None:
        votes = self.helpful + self.not_helpful
        return round(100 * self.helpful / votes) if votes else None


def article_stats(filters: Filters) -> ArticleStats:
    from ess.knowledge.models import Article, ArticleStatus, Feedback

    lo, hi = filters.bounds()
    departments = _departments(filters)
    dept_of = _employee_departments()
    stats = ArticleStats()
    views = defaultdict(lambda: [0, set()])
    for article_id, employee_id, department_id in db.session.execute(
            select(ArticleView.article_id, ArticleView.employee_id, ArticleView.department_id)
            .where(ArticleView.at >= lo, ArticleView.at < hi)):
        if departments is None or department_id in departments:
            views[article_id][0] += 1
            views[article_id][1].add(employee_id or -1)
            stats.views += 1
    votes = defaultdict(lambda: {"yes": 0, "no": 0, "comments": 0, "people": set()})
    for article_id, employee_id, helpful, comment in db.session.execute(
            select(Feedback.article_id, Feedback.employee_id, Feedback.helpful, Feedback.comment)
            .where(Feedback.created_at >= lo, Feedback.created_at < hi)):
        if departments is None or dept_of.get(employee_id) in departments:
            entry = votes[article_id]
            entry["yes" if helpful else "no"] += 1
            entry["comments"] += 1 if (comment or "").strip() else 0
            entry["people"].add(employee_id or -1)
            stats.helpful += 1 if helpful else 0
            stats.not_helpful += 0 if helpful else 1
            stats.comments += 1 if (comment or "").strip() else 0
    people = set().union(*(v[1] for v in views.values()), *(v["people"] for v in votes.values()))
    if departments is not None and len(people) < MIN_PEOPLE:
        stats = ArticleStats(suppressed=True)
    today = clock.today()
    stale_before = clock.now() - timedelta(days=STALE_AFTER_DAYS)
    articles = {a.id: a for a in db.session.scalars(select(Article).where(Article.status != ArticleStatus.archived))}
    for article in sorted(articles.values(), key=lambda a: a.title):
        overdue = article.is_overdue(today)
        stale = article.is_visible and article.published_at is not None and article.published_at < stale_before
        if overdue or stale:
            stats.attention.append(ArticleRow(article, None, None, None, overdue, stale))
    if stats.suppressed:
        return stats
    for article_id in set(views) | set(votes):
        article = articles.get(article_id)
        if article is None:
            continue
        viewers, vote = views.get(article_id, [0, set()]), votes.get(article_id)
        shown_views = viewers[0] if len(viewers[1]) >= MIN_PEOPLE else None
        shown_votes = vote if vote and len(vote["people"]) >= MIN_PEOPLE else None
        if shown_views is None and shown_votes is None:
            stats.held_back += 1
            continue
        ratio = round(100 * shown_votes["yes"] / (shown_votes["yes"] + shown_votes["no"])) if shown_votes else None
        stats.rows.append(ArticleRow(article, shown_views, ratio, shown_votes["comments"] if shown_votes else None,
                                     article.is_overdue(today), False))
    stats.rows.sort(key=lambda r: (-(r.views or 0), r.article.title))
    return stats


# Questions ---------------------------------------------------------------------------------------------
@dataclass
class QuestionStats:
    suppressed: bool = False
    total: int = 0
    self_served: int = 0
    to_staff: int = 0
    resolved_by_staff: int = 0
    waiting: int = 0
    median_first_response_hours: float | None = None
    median_resolution_hours: float | None = None
    by_topic: Breakdown = field(default_factory=Breakdown)

    @property
    def self_served_share(self) -> int | None:
        return round(100 * self.self_served / self.total) if self.total else None


def question_stats(filters: Filters) -> QuestionStats:
    from ess.helpdesk.models import Question, QuestionState
    from ess.helpdesk.policy import topic_name

    lo, hi = filters.bounds()
    departments = _departments(filters)
    tz = str(clock.company_timezone())
    questions = [q for q in db.session.scalars(
        select(Question).where(Question.created_at >= lo, Question.created_at < hi))
        if departments is None or q.department_id in departments]
    if departments is not None and len({q.asker_id for q in questions}) < MIN_PEOPLE:
        return QuestionStats(suppressed=True)
    stats = QuestionStats(total=len(questions))
    first, resolution = [], []
    topics = defaultdict(lambda: [0, set()])
    for q in questions:
        topics[topic_name(q.topic)][0] += 1
        topics[topic_name(q.topic)][1].add(q.asker_id)
        if q.state is QuestionState.self_served:
            stats.self_served += 1
            continue
        stats.to_staff += 1
        if q.state is QuestionState.open:
            stats.waiting += 1
        if q.first_response_at:
            first.append(workhours.working_hours(q.created_at, q.first_response_at, tz=tz))
        if q.state is QuestionState.resolved and q.resolved_at:
            stats.resolved_by_staff += 1
            resolution.append(workhours.working_hours(q.created_at, q.resolved_at, tz=tz))
    stats.median_first_response_hours = workhours.median_hours(first)
    stats.median_resolution_hours = workhours.median_hours(resolution)
    stats.by_topic = breakdown({k: tuple(v) for k, v in topics.items()})
    return stats


# Requests (the approvals table) ------------------------------------------------------------------------
@dataclass
class RequestStats:
    suppressed: bool = False
    total: int = 0
    decided: int = 0
    pending: int = 0
    overdue: int = 0
    median_approval_hours: float | None = None
    by_kind: Breakdown = field(default_factory=Breakdown)


def kind_label(name: str) -> str:
    from ess.approvals.registry import get_kind

    try:
        return str(get_kind(name).label)
    except LookupError:
        return name


def request_stats(filters: Filters) -> RequestStats:
    from ess.approvals.aging import working_days_between
    from ess.approvals.models import ApprovalRequest, ApprovalState
    from ess.approvals.policy import approval_policy

    lo, hi = filters.bounds()
    departments = _departments(filters)
    dept_of = _employee_departments() if departments is not None else {}
    tz = str(clock.company_timezone())
    requests = [r for r in db.session.scalars(
        select(ApprovalRequest).where(ApprovalRequest.created_at >= lo, ApprovalRequest.created_at < hi))
        if departments is None or dept_of.get(r.requester_id) in departments]
    if departments is not None and len({r.requester_id for r in requests}) < MIN_PEOPLE:
        return RequestStats(suppressed=True)
    stats = RequestStats(total=len(requests))
    limit = approval_policy().overdue_after_working_days
    today = clock.today()
    durations, kinds = [], defaultdict(lambda: [0, set()])
    for r in requests:
        kinds[r.kind][0] += 1
        kinds[r.kind][1].add(r.requester_id)
        if r.state in (ApprovalState.approved, ApprovalState.rejected) and r.decided_at:
            stats.decided += 1
            durations.append(workhours.working_hours(r.created_at, r.decided_at, tz=tz))
        elif r.state is ApprovalState.pending:
            stats.pending += 1
            step = r.current_step
            reached = step.reached_at if step and step.reached_at else r.created_at
            if working_days_between(reached.astimezone(clock.company_timezone()).date(), today) > limit:
                stats.overdue += 1
    stats.median_approval_hours = workhours.median_hours(durations)
    stats.by_kind = breakdown({kind_label(k): tuple(v) for k, v in kinds.items()})
    return stats


@dataclass
class Dashboard:
    filters: Filters
    searches: SearchStats
    articles: ArticleStats
    questions: QuestionStats
    requests: RequestStats


def dashboard(actor, filters: Filters) -> Dashboard:
    if not actor.roles & {"hr", "it_author", "admin"}:
        raise DomainError(_l("Only HR, IT authors and administrators see the insights."), field="insights",
                          code="forbidden", status=403)
    return Dashboard(filters, search_stats(filters), article_stats(filters), question_stats(filters),
                     request_stats(filters))


def csv_rows(board: Dashboard) -> list[list]:
    """section, measure, label, value, people: every number the page shows, nothing it suppresses."""
    rows = [["section", "measure", "label", "value", "people"]]
    f = board.filters
    rows.append(["filters", "period", f"{f.start.isoformat()}..{f.end.isoformat()}", "", ""])
    if f.department_id:
        rows.append(["filters", "department_id", "", f.department_id, ""])

    def add(section, stats, names):
        if stats.suppressed:
            rows.append([section, "suppressed", f"fewer than {MIN_PEOPLE} people", "", ""])
            return
        for name in names:
            value = getattr(stats, name)
            rows.append([section, name, "", "" if value is None else value, ""])

    def add_breakdown(section, measure, found: Breakdown):
        for row in found.rows:
            rows.append([section, measure, row.label, row.count, row.people])
        if found.suppressed:
            rows.append([section, measure, f"suppressed: fewer than {MIN_PEOPLE} people", found.suppressed, ""])

    s = board.searches
    add("searches", s, ["total", "zero_results", "followed_by_question", "found_yes", "found_no"])
    if not s.suppressed:
        add_breakdown("searches", "top_query", s.top)
        add_breakdown("searches", "zero_result_query", s.zero)
        add_breakdown("searches", "followed_by_question", s.followed)
    a = board.articles
    add("articles", a, ["views", "helpful", "not_helpful", "helpful_ratio", "comments"])
    for row in a.rows:
        rows.append(["articles", "views", row.article.slug, "" if row.views is None else row.views, ""])
        if row.helpful_ratio is not None:
            rows.append(["articles", "helpful_percent", row.article.slug, row.helpful_ratio, ""])
    for row in a.attention:
        rows.append(["articles", "overdue" if row.overdue else "stale", row.article.slug, 1, ""])
    q = board.questions
    add("questions", q, ["total", "self_served", "to_staff", "resolved_by_staff", "waiting", "self_served_share",
                         "median_first_response_hours", "median_resolution_hours"])
    if not q.suppressed:
        add_breakdown("questions", "topic", q.by_topic)
    r = board.requests
    add("requests", r, ["total", "decided", "pending", "overdue", "median_approval_hours"])
    if not r.suppressed:
        add_breakdown("requests", "kind", r.by_kind)
    return rows


# Events ------------------------------------------------------------------------------------------------
def record_article_view(article_id: int, viewer) -> ArticleView:
    view = ArticleView(article_id=article_id, employee_id=getattr(viewer, "id", None),
                       department_id=getattr(viewer, "department_id", None), at=clock.now())
    db.session.add(view)
    db.session.flush()
    return view


def record_search_feedback(actor, query: str, found: bool) -> SearchFeedback:
    query = " ".join((query or "").split())[:200]
    if not query:
        raise DomainError(_l("There is no search to give feedback on."), field="q", code="required")
    entry = SearchFeedback(query=query, found=found, employee_id=actor.id, department_id=actor.department_id,
                           at=clock.now())
    db.session.add(entry)
    db.session.flush()
    return entry


# The company-wide reading ranking changes slowly and costs an aggregate over every view of 90 days (about
# 50 ms at 10,000 people), so each process keeps it for a few minutes; the department's own reading, a small
# index range, stays live.
OVERALL_RANKING_SECONDS = 300
OVERALL_RANKING_SIZE = 100
_RANKING_KEY = "ess.insights.overall_ranking"


def overall_ranking() -> tuple[int, ...]:
    """Ids of the articles read by at least MIN_PEOPLE people in the last 90 days, most readers first (then
    oldest id), at most OVERALL_RANKING_SIZE; at most OVERALL_RANKING_SECONDS old."""
    cached = current_app.extensions.get(_RANKING_KEY)
    if cached is not None and monotonic() - cached[0] < OVERALL_RANKING_SECONDS:
        return cached[1]
    people = func.count(func.distinct(ArticleView.employee_id))
    ranking = tuple(db.session.scalars(
        select(ArticleView.article_id).where(ArticleView.at >= clock.now() - timedelta(days=90))
        .group_by(ArticleView.article_id).having(people >= MIN_PEOPLE)
        .order_by(people.desc(), ArticleView.article_id).limit(OVERALL_RANKING_SIZE)))
    current_app.extensions[_RANKING_KEY] = (monotonic(), ranking)
    return ranking


def popular_articles(user, limit: int = 5) -> list:
    """Articles read most in the last 90 days by the person's department (then by everyone), counting only
    articles read by at least MIN_PEOPLE people; new articles fill the rest. Only what the person may read.

    One statement (the home page has a budget), two when the overall ranking is renewed: each readable
    article falls in a tier (0: popular in my department, 1: in the overall ranking, 2: neither) and is
    ranked within it. Only candidates are ranked: the department's and the company's popular articles and the
    `limit` newest readable ones, which are enough to fill the list however many of them are popular too."""
    from sqlalchemy import Integer, case, column, literal, union, values
    from sqlalchemy.orm import lazyload

    from ess.knowledge.models import Article
    from ess.knowledge.search import readable_by

    ranking = overall_ranking()
    newest = (select(Article.id.label("id")).where(readable_by(user))
              .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit).subquery())
    candidates = [select(newest.c.id)]
    statement = select(Article)
    if user.department_id is not None:
        in_department = (select(ArticleView.article_id,
                                func.count(func.distinct(ArticleView.employee_id)).label("people"))
                         .where(ArticleView.department_id == user.department_id,
                                ArticleView.at >= clock.now() - timedelta(days=90))
                         .group_by(ArticleView.article_id).cte("in_department"))  # used twice, counted once
        department_people = func.coalesce(in_department.c.people, 0)
        candidates.append(select(in_department.c.article_id).where(in_department.c.people >= MIN_PEOPLE))
        statement = statement.outerjoin(in_department, in_department.c.article_id == Article.id)
    else:
        department_people = literal(0)
    if ranking:
        # Joined by id (a CTE: SQLite cannot name a VALUES list's columns); a CASE over a hundred ids would be
        # evaluated for every article and sort key.
        overall = (values(column("article_id", Integer), column("rank", Integer), name="overall_ranking")
                   .data([(article_id, rank) for rank, article_id in enumerate(ranking)]).cte("overall_ranking"))
        overall_rank = overall.c.rank
        candidates.append(select(overall.c.article_id))
        statement = statement.outerjoin(overall, overall.c.article_id == Article.id)
    else:
        overall_rank = literal(None, Integer)
    tier = case((department_people >= MIN_PEOPLE, 0), (overall_rank.is_not(None), 1), else_=2)
    return list(db.session.scalars(
        statement.where(Article.id.in_(union(*candidates)), readable_by(user))
        .options(lazyload(Article.tags), lazyload(Article.audience))
        .order_by(tier,
                  case((tier == 0, department_people), else_=0).desc(),
                  case((tier == 1, overall_rank)),
                  case((tier == 2, Article.published_at)).desc(),
                  case((tier == 2, -Article.id), else_=Article.id))
        .limit(limit)))
