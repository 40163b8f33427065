"""/insights for HR, IT authors and administrators, its CSV export, the search prompt's answers, and the
article-view hook."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ess.db import db
from ess.errors import DomainError
from ess.insights import services, svg
from ess.people.directory import departments
from ess.security import allow

bp = Blueprint("insights", __name__, url_prefix="/insights")
VIEWERS = ("hr", "it_author", "admin")


def _me():
    return current_user._get_current_object()


@bp.after_app_request
def count_article_view(response):
    """Count a reader's view of a published article (the knowledge package itself counts nothing).

    Only a successful GET of the published text by a signed-in person; previews of revisions are not counted.
    Runs after the view, in its own small transaction; a failure here never breaks the page.
    """
    if (request.endpoint != "knowledge.article" or request.method != "GET" or response.status_code != 200
            or "revision" in request.args or not current_user.is_authenticated
            or getattr(current_user, "is_service", False)):
        return response
    try:
        from ess.knowledge.models import Article, ArticleStatus

        # Article.is_visible in SQL, reading only the id: the page already loaded the article with its tags.
        article_id = db.session.scalar(select(Article.id).where(
            Article.slug == (request.view_args or {}).get("slug", ""),
            Article.published_revision_number.is_not(None), Article.status != ArticleStatus.archived))
        if article_id is not None:
            services.record_article_view(article_id, _me())
            db.session.commit()
    except Exception:  # noqa: BLE001  (counting must not cost the reader the page)
        db.session.rollback()
        current_app.logger.exception("could not count an article view")
    return response


@bp.app_context_processor
def insights_context():
    return {"search_prompt_url": "insights.search_feedback"}


def _charts(board):
    q, r, s = board.questions, board.requests, board.searches
    charts = {}
    if not q.suppressed and q.total:
        charts["questions"] = svg.bar_chart(
            [(_("Solved by an article"), q.self_served), (_("Answered by staff and resolved"), q.resolved_by_staff),
             (_("Still with the team"), q.to_staff - q.resolved_by_staff)], title=_("Questions by outcome"))
    if not s.suppressed and s.top.rows:
        charts["searches"] = svg.bar_chart([(row.label, row.count) for row in s.top.rows], title=_("Top searches"))
    if not r.suppressed and r.by_kind.rows:
        charts["requests"] = svg.bar_chart([(row.label, row.count) for row in r.by_kind.rows],
                                           title=_("Requests by kind"))
    return charts


@bp.get("/")
@allow(*VIEWERS)
def index():
    try:
        filters = services.parse_filters(request.args)
        error = None
    except DomainError as problem:
        filters, error = services.Filters.default(), problem
    board = services.dashboard(_me(), filters)
    return render_template("insights/index.html", board=board, charts=_charts(board), departments=departments(),
                           errors={error.field: error.message} if error else {}, typed=request.args,
                           min_people=services.MIN_PEOPLE), 422 if error else 200


@bp.get("/export.csv")
@allow(*VIEWERS)
def export():
    board = services.dashboard(_me(), services.parse_filters(request.args))
    out = io.StringIO()
    csv.writer(out).writerows(services.csv_rows(board))
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=insights-{board.filters.start.isoformat()}-{board.filters.end.isoformat()}.csv")
    return response


@bp.post("/search-feedback")
@allow("employee")
def search_feedback():
    """'Did you find what you were looking for?' after a search; a no offers to ask HR/IT."""
    query = request.form.get("q", "")
    found = request.form.get("found")
    if found not in ("yes", "no"):
        raise DomainError(_("Choose yes or no."), field="found", code="required")
    services.record_search_feedback(_me(), query, found == "yes")
    db.session.commit()
    if found == "yes":
        flash(_("Thank you for telling us."), "success")
        return redirect(url_for("knowledge.search_page", q=query))
    flash(_("Sorry about that. Ask HR or IT, and we will also improve the guides."), "success")
    return redirect(url_for("helpdesk.ask", subject=query))
