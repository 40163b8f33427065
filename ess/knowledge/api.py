"""Knowledge-base JSON under /api/v1: search, and the suggestions the search box shows as you type."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_login import current_user
from pydantic import BaseModel, Field

from ess.api.spec import operation, parse_query, respond
from ess.db import db
from ess.knowledge import services
from ess.security import allow, rate_limited

bp = Blueprint("knowledge_api", __name__, url_prefix="/api/v1")
TAGS = ("knowledge",)


class KbSearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="what to look for, Korean or English")
    limit: int = Field(default=10, ge=1, le=50)


class KbSearchResult(BaseModel):
    slug: str
    title: str
    space: str
    lang: str
    snippet: str = Field(description="HTML: the original text, escaped, with matches in <mark>")
    score: float
    url: str


class KbSearchOut(BaseModel):
    results: list[KbSearchResult]
    total: int


class KbSuggestQuery(BaseModel):
    q: str = Field(min_length=1, max_length=200)


class KbSuggestion(BaseModel):
    title: str
    space: str
    url: str


class KbSuggestOut(BaseModel):
    suggestions: list[KbSuggestion]


@bp.get("/kb/search")
@allow("employee")
@rate_limited("search")
@operation("Search the handbook and IT guides (only what the caller may read)", query=KbSearchQuery,
           response=KbSearchOut, errors=(422, 429), tags=TAGS)
def search():
    query = parse_query(KbSearchQuery)
    result = services.search_articles(current_user._get_current_object(), query.q, limit=query.limit)
    answer = KbSearchOut(total=result.total, results=[
        KbSearchResult(slug=hit.article.slug, title=hit.doc.title, space=hit.article.space, lang=hit.article.lang,
                        snippet=str(hit.snippet), score=hit.score,
                        url=url_for("knowledge.article", slug=hit.article.slug))
        for hit in result.hits])
    # The query log. After reading the hits: a commit expires them, and each would be read again.
    db.session.commit()
    return respond(answer)


@bp.get("/kb/suggest")
@allow("employee")
@rate_limited("search")
@operation("Titles matching what has been typed so far (not logged as a search)", query=KbSuggestQuery,
           response=KbSuggestOut, errors=(422, 429), tags=TAGS)
def suggest():
    query = parse_query(KbSuggestQuery)
    result = services.suggest(current_user._get_current_object(), query.q)
    return respond(KbSuggestOut(suggestions=[
        KbSuggestion(title=hit.doc.title, space=hit.article.space,
                      url=url_for("knowledge.article", slug=hit.article.slug))
        for hit in result.hits]))
