"""Reading the article editor's form into the service's ArticleData, naming the field that is wrong."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from ess.errors import DomainError
from ess.knowledge.services import ArticleData

AUDIENCE_ROLE_CHOICES = ("manager", "hr", "it_author")


def article_from_form(form: MultiDict) -> ArticleData:
    review_by = None
    if form.get("review_by", "").strip():
        try:
            review_by = date.fromisoformat(form["review_by"].strip())
        except ValueError:
            raise DomainError(_l("Enter the date as YYYY-MM-DD."), field="review_by", code="invalid") from None
    return ArticleData(
        title=form.get("title", ""),
        slug=form.get("slug", ""),
        space=form.get("space", ""),
        lang=form.get("lang", "ko"),
        category=form.get("category", "").strip() or None,
        tags=[t for t in form.get("tags", "").split(",")],
        summary=form.get("summary", "").strip(),
        body=form.get("body", "").replace("\r\n", "\n"),
        requires_ack=form.get("requires_ack") == "1",
        owner=form.get("owner", "").strip() or None,
        review_by=review_by,
        translation_of=form.get("translation_of", "").strip() or None,
        audience_roles=[r for r in form.getlist("audience_roles") if r],
        audience_departments=[d for d in form.getlist("audience_departments") if d],
    )


def form_from_article(article) -> dict:
    """The editor's initial values for an existing article."""
    return {
        "title": article.title, "slug": article.slug, "space": article.space, "lang": article.lang,
        "base_revision": article.current_revision_number,
        "category": article.category.name if article.category else "",
        "tags": ", ".join(t.name for t in article.tags), "summary": article.summary, "body": article.body,
        "requires_ack": article.requires_ack, "owner": article.owner.employee_no if article.owner else "",
        "review_by": article.review_by.isoformat() if article.review_by else "",
        "translation_of": article.translation_of.slug if article.translation_of else "",
        "audience_roles": [r.role for r in article.audience if r.role],
        "audience_departments": [r.department.name for r in article.audience if r.department],
    }
